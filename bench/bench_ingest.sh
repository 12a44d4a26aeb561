#!/bin/sh
# SPDX-License-Identifier: MIT
# Ingestion benchmark: generated listings through `lurewatch ingest` into a throwaway embedded
# cluster, side by side with psql \copy of the same rows into a plain table of the same cluster.
#
# Environment (all optional): BENCH_INGEST_N listings (100000; BENCH_QUICK=1: 10000),
# BENCH_INGEST_CHUNK listings per `lurewatch ingest` run (10000), BENCH_INGEST_SECONDS cap on
# the timed ingestion (120; chunks already started finish), BENCH_INGEST_BATCH (--batch, default
# lurewatch's own 2000), BENCH_SEED (42). Both sides run with the cluster's default durability.
set -eu

LW=${LW:-$(pwd)/lurewatch}
QUICK=${BENCH_QUICK:-0}
N=${BENCH_INGEST_N:-$([ "$QUICK" = 1 ] && echo 10000 || echo 100000)}
CHUNK=${BENCH_INGEST_CHUNK:-$([ "$QUICK" = 1 ] && echo 2000 || echo 10000)}
CAP=${BENCH_INGEST_SECONDS:-$([ "$QUICK" = 1 ] && echo 60 || echo 120)}
SEED=${BENCH_SEED:-42}
INGEST_OPTS=""
[ -n "${BENCH_INGEST_BATCH:-}" ] && INGEST_OPTS="--batch $BENCH_INGEST_BATCH"
. "$(dirname "$0")/lib.sh"

W=$(mktemp -d /tmp/lw-bench.XXXXXX)
chmod 755 "$W"
RES=$W/results.txt
: > "$RES"
trap 'clusters_stop; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
export LUREWATCH_CACHE=${LUREWATCH_CACHE:-${TMPDIR:-/tmp}/lurewatch-bench-cache}

say "bench: ingestion: generating $N listings"
python3 bench/gen_listings.py jsonl "$W/listings.jsonl" "$W/listings.csv" "$N" "$SEED" >&2
put in.bytes "$(wc -c < "$W/listings.jsonl")"
# Compile (or load) the default pack once, outside the timing.
echo warm | "$LW" match > /dev/null 2>&1 || true
cluster_new db
sql -c "CREATE TABLE bench_raw (id bigserial PRIMARY KEY, url text NOT NULL UNIQUE, source text,
	title text NOT NULL DEFAULT '', body text NOT NULL DEFAULT '', location text, posted text)"

say "bench: lurewatch ingest, $CHUNK listings a run (cap ${CAP}s)"
# shellcheck disable=SC2046
ingest_chunks in "$CAP" $(split_jsonl "$W/listings.jsonl" "$CHUNK")
done_n=$(get in.listings)
put in.rows "$(count_rows)"
put in.networks "$(sql -c "SELECT count(*) FROM (SELECT network_id FROM listing_networks
	GROUP BY 1 HAVING count(*) > 1) s")"

# Ingestion leaves the search index to the daemon (migration 094): its work, timed apart.
say "bench: lurewatch search --reindex of the listings ingestion left waiting"
t0=$(now)
"$LW" --config "$CONF" search --reindex --quiet
t1=$(now)
put index.seconds "$(elapsed "$t0" "$t1")"

say "bench: psql \\copy of the same $done_n listings' rows into a plain table"
# CSV rows may span lines (bodies have newlines): cut the CSV by listing with python instead.
python3 - "$W/listings.csv" "$W/copy.csv" "$done_n" <<'EOF'
import csv, sys
n = int(sys.argv[3])
with open(sys.argv[1], newline="", encoding="utf-8") as f, open(sys.argv[2], "w", newline="", encoding="utf-8") as o:
    w = csv.writer(o)
    for i, row in enumerate(csv.reader(f)):
        if i >= n:
            break
        w.writerow(row)
EOF
t0=$(now)
sql -c "\\copy bench_raw (url, source, title, body, location, posted) FROM '$W/copy.csv' WITH (FORMAT csv)"
t1=$(now)
put copy.seconds "$(elapsed "$t0" "$t1")"
put copy.rows "$(sql -c "SELECT count(*) FROM bench_raw")"
put copy.bytes "$(wc -c < "$W/copy.csv")"

# ---- the table --------------------------------------------------------------------------------
lps=$(per_s "$(get in.listings)" "$(get in.seconds)")
rps=$(per_s "$(get in.rows)" "$(get in.seconds)")
cps=$(per_s "$(get copy.rows)" "$(get copy.seconds)")
row() { printf '%-52s %10s %10s %12s %10s\n' "$@"; }
echo
echo "ingestion: $(get in.listings) of $N generated listings (seed $SEED; $(get in.flagged) flagged), default durability (fsync, synchronous_commit on) on both sides"
row "path" "listings" "seconds" "listings/s" "peak RSS"
row "lurewatch ingest (score, entities, link, batch ${BENCH_INGEST_BATCH:-2000})" "$(get in.listings)" "$(get in.seconds)" "$lps" "$(kbmb "$(get in.maxrss_kb)")"
row "then lurewatch search --reindex (the daemon's part)" "$(get in.listings)" "$(get index.seconds)" "$(per_s "$(get in.listings)" "$(get index.seconds)")" "-"
row "psql \\copy into a plain table (PK + unique url)" "$(get copy.rows)" "$(get copy.seconds)" "$cps" "-"
echo
echo "ratios: raw COPY / lurewatch = $(ratio "$cps" "$lps")x (aim <= 3)   lurewatch = $lps listings/s (aim >= 5000)," \
	"$rps rows/s ($(get in.rows) rows: listings, versions, hits, queue items, audit rows, entities)"
echo "listings/s of each successive run of $CHUNK (a fall shows work growing with the table): $(get in.chunk_rates)"
[ "$(get in.capped)" = 1 ] && echo "capped: stopped after ${CAP}s (BENCH_INGEST_SECONDS); the COPY side loaded the same listings"
echo "networks of 2 or more listings after ingestion: $(get in.networks)"
