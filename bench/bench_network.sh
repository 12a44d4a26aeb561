#!/bin/sh
# SPDX-License-Identifier: MIT
# Networks benchmark: entity extraction and SimHash against matching on the same text
# (build/bench/bench_network), then ingestion of listings of which ~10% share contact details in
# groups, with linking on and with near-duplicate linking off, and `lurewatch network rebuild`.
#
# Environment (all optional): BENCH_NET_N listings (100000; BENCH_QUICK=1: 10000),
# BENCH_NET_CHUNK listings per `lurewatch ingest` run (10000), BENCH_NET_SECONDS cap on each
# timed ingestion (75; quick: 45), BENCH_NET_REBUILD_SECONDS cap on the rebuild (60),
# BENCH_NET_TEXT_MB slice of the matcher corpus for the extraction figures (5), BENCH_NET_SCAN_SECONDS
# cap on that (20), BENCH_DIR (the matcher benchmark's folder, for its corpus), BENCH_SEED (42).
set -eu

LW=${LW:-$(pwd)/lurewatch}
BUILD=${LW_BUILD:-build}
QUICK=${BENCH_QUICK:-0}
N=${BENCH_NET_N:-$([ "$QUICK" = 1 ] && echo 10000 || echo 100000)}
CHUNK=${BENCH_NET_CHUNK:-$([ "$QUICK" = 1 ] && echo 2000 || echo 10000)}
CAP=${BENCH_NET_SECONDS:-$([ "$QUICK" = 1 ] && echo 45 || echo 75)}
RCAP=${BENCH_NET_REBUILD_SECONDS:-60}
TEXT_MB=${BENCH_NET_TEXT_MB:-$([ "$QUICK" = 1 ] && echo 1 || echo 5)}
SCAN_SECONDS=${BENCH_NET_SCAN_SECONDS:-20}
SEED=${BENCH_SEED:-42}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/lurewatch-bench}
INGEST_OPTS=""
. "$(dirname "$0")/lib.sh"

W=$(mktemp -d /tmp/lw-bench.XXXXXX)
chmod 755 "$W"
RES=$W/results.txt
: > "$RES"
trap 'clusters_stop; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
export LUREWATCH_CACHE=${LUREWATCH_CACHE:-${TMPDIR:-/tmp}/lurewatch-bench-cache}

# ---- extraction vs matching on the same text ------------------------------------------------------
if [ -s "$DIR/corpus.txt" ]; then
	CORPUS=$DIR/corpus.txt
else
	CORPUS=$W/corpus.txt
	python3 bench/gen_corpus.py "$CORPUS" "$TEXT_MB" "$SEED" >&2
fi
"$BUILD/bench/bench_match" slice "$CORPUS" "$W/text.txt" $((TEXT_MB * 1000000)) > /dev/null
say "bench: networks: entities_extract, matcher_simhash and matcher_scan (default pack) on a $TEXT_MB MB slice"
"$BUILD/bench/bench_network" rules "$W/text.txt" "$SCAN_SECONDS" >> "$RES" || {
	say "bench: bench_network failed"; exit 1; }

# ---- ingestion with linking ------------------------------------------------------------------------
say "bench: generating $N listings, 10% of them in groups sharing contact details"
python3 bench/gen_listings.py jsonl "$W/net.jsonl" "$W/net.csv" "$N" "$((SEED + 1))" 0.10 >&2
echo warm | "$LW" match > /dev/null 2>&1 || true
CHUNKS=$(split_jsonl "$W/net.jsonl" "$CHUNK")

say "bench: ingest with linking on (entities + near-duplicates within 3 bits; cap ${CAP}s)"
cluster_new on
# shellcheck disable=SC2086
ingest_chunks on "$CAP" $CHUNKS
put on.entities "$(sql -c "SELECT count(*) FROM listing_entities")"
put on.networks "$(sql -c "SELECT count(*) FROM (SELECT network_id FROM listing_networks GROUP BY 1 HAVING count(*) > 1) s")"
put on.largest "$(sql -c "SELECT coalesce(max(c), 0) FROM (SELECT count(*) c FROM listing_networks GROUP BY network_id) s")"
put on.in_networks "$(sql -c "SELECT coalesce(sum(c), 0) FROM (SELECT count(*) c FROM listing_networks GROUP BY network_id HAVING count(*) > 1) s")"
say "bench: lurewatch network rebuild over the $(get on.listings) listings (cap ${RCAP}s)"
t0=$(now)
rc=0
timeout "$RCAP" "$LW" --config "$CONF" network rebuild > "$W/rebuild.out" 2> "$W/rebuild.err" || rc=$?
t1=$(now)
put rebuild.seconds "$(elapsed "$t0" "$t1")"
put rebuild.rc "$rc"
put rebuild.networks "$(sql -c "SELECT count(*) FROM (SELECT network_id FROM listing_networks GROUP BY 1 HAVING count(*) > 1) s")"
cluster_stop "$CONF"

say "bench: the same listings with [networks] near_duplicate_bits = -1 (cap ${CAP}s)"
cluster_new off "[networks]
near_duplicate_bits = -1"
# shellcheck disable=SC2086
ingest_chunks off "$CAP" $CHUNKS
put off.networks "$(sql -c "SELECT count(*) FROM (SELECT network_id FROM listing_networks GROUP BY 1 HAVING count(*) > 1) s")"
cluster_stop "$CONF"

# ---- the table ----------------------------------------------------------------------------------------
row() { printf '%-58s %10s %10s %12s %10s\n' "$@"; }
echo
echo "networks: text $(awk -v b="$(get net.bytes)" 'BEGIN { printf "%.2f MB", b / 1e6 }') of the matcher corpus ($(get net.docs) ads$( [ "$(get net.capped)" = 1 ] && echo ", capped at ${SCAN_SECONDS}s")), default pack, one thread, CPU time per step"
row "step (same documents, in turn)" "MB/s CPU" "seconds" "found" "peak RSS"
row "entities_extract (contact details)" "$(get net.entities_mbps)" "$(get net.entities_seconds)" "$(get net.entities)" "-"
row "matcher_simhash (near-duplicate fingerprint)" "$(get net.simhash_mbps)" "$(get net.simhash_seconds)" "-" "-"
row "matcher_scan (normalise + match + score; baseline)" "$(get net.scan_mbps)" "$(get net.scan_seconds)" "$(get net.hits) hits" "$(kbmb "$(get net.maxrss_kb)")"
echo "ratio: entities_extract / matcher_scan = $(ratio "$(get net.entities_mbps)" "$(get net.scan_mbps)" 2)x;" \
	"linking keys (entities + simhash) / scan = $(ratio "$(get net.link_keys_mbps)" "$(get net.scan_mbps)" 2)x; entities by kind: $(get net.kinds)"
echo
echo "linking: $N generated listings, 10% in groups of 3-30 sharing a phone, WhatsApp or Telegram handle written differently"
row "ingest" "listings" "seconds" "listings/s" "peak RSS"
row "linking on (entities + near-duplicates <= 3 bits)" "$(get on.listings)" "$(get on.seconds)" "$(per_s "$(get on.listings)" "$(get on.seconds)")" "$(kbmb "$(get on.maxrss_kb)")"
row "near_duplicate_bits = -1 (entities only; baseline)" "$(get off.listings)" "$(get off.seconds)" "$(per_s "$(get off.listings)" "$(get off.seconds)")" "$(kbmb "$(get off.maxrss_kb)")"
rb="$(get rebuild.seconds) s"
[ "$(get rebuild.rc)" = 124 ] && rb="did not finish in ${RCAP}s (killed)"
[ "$(get rebuild.rc)" != 0 ] && [ "$(get rebuild.rc)" != 124 ] && rb="failed (exit $(get rebuild.rc))"
echo "ratio: on / off = $(ratio "$(per_s "$(get on.listings)" "$(get on.seconds)")" "$(per_s "$(get off.listings)" "$(get off.seconds)")" 2)x;" \
	"network rebuild over $(get on.listings) listings: $rb"
echo "listings/s of each successive run of $CHUNK: on: $(get on.chunk_rates); off: $(get off.chunk_rates)"
echo "result: $(get on.networks) networks of 2+ listings (largest $(get on.largest), $(get on.in_networks) listings in them), $(get on.entities) entities;" \
	"$(get rebuild.networks) after the rebuild; $(get off.networks) with near-duplicates off"
{ [ "$(get on.capped)" = 1 ] || [ "$(get off.capped)" = 1 ]; } && echo "capped: each ingestion stops after ${CAP}s (BENCH_NET_SECONDS); both sides ingest the same chunks in the same order"
exit 0
