#!/bin/sh
# SPDX-License-Identifier: MIT
# Ingestion benchmark: generated listings through `lurewatch ingest` into a throwaway embedded
# cluster, side by side with psql \copy of the same rows into a plain table of the same cluster.
#
# Environment (all optional): BENCH_INGEST_N listings (100000; BENCH_QUICK=1: 10000),
# BENCH_INGEST_CHUNK listings per `lurewatch ingest` run (10000), BENCH_INGEST_SECONDS cap on
# the timed ingestion (120; chunks already started finish), BENCH_INGEST_BATCH (--batch, default
# lurewatch's own 2000), BENCH_SEED (42), LW_BASE (a second lurewatch binary, e.g. main's, run
# chunk by chunk in turn with this one into its own cluster), BENCH_INGEST_REAL (a folder of
# real postings, e.g. ../shared/ext/real-ads, ingested instead of generated ads),
# BENCH_INGEST_NOLINK (1: a third
# cluster ingests the same chunks with [networks] link_on_ingest = false, to measure what
# linking adds; 0: skip). Every side runs with the cluster's default durability. PostgreSQL's CPU
# per chunk (all cluster processes, from /proc) is reported beside the wall clock, as it is
# steadier than the wall clock on a shared machine.
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

# CPU seconds of a cluster so far: the postmaster, its live children, and the
# children it has reaped (cutime/cstime), from /proc.
pg_cpu() {
	pm=$(head -n 1 "$(dirname "$1")/pg/postmaster.pid")
	# cat, not awk on the files: mawk stops at a file that vanished (a process that ended).
	cat /proc/[0-9]*/stat 2> /dev/null | awk -v pm="$pm" -v hz="$(getconf CLK_TCK)" '
		{ pid = $1; sub(/^.*\) /, "")
		  # fields now start at state (3rd): utime is $12, stime $13, cutime $14, cstime $15
		  if (pid == pm) t += $12 + $13 + $14 + $15; else if ($2 == pm) t += $12 + $13 }
		END { printf "%.2f", t / hz }'
}

# one_chunk SIDE BINARY CONF FILE: ingests FILE, appends "listings seconds rss_kb lw_cpu pg_cpu
# flagged" to $W/side.SIDE.
one_chunk() {
	p0=$(pg_cpu "$3")
	t0=$(now)
	/usr/bin/time -f '%M %U %S' -o "$W/time.out" "$2" --config "$3" ingest --json $INGEST_OPTS "$4" \
		> "$W/ingest.out" 2> "$W/ingest.err" || {
		say "bench: lurewatch ingest ($1) failed:"; tail -n 5 "$W/ingest.err" >&2; return 1; }
	t1=$(now)
	p1=$(pg_cpu "$3")
	c=$(sed -n 's/.*"listings":\([0-9]*\).*/\1/p' "$W/ingest.out")
	fl=$(sed -n 's/.*"flagged":\([0-9]*\).*/\1/p' "$W/ingest.out")
	set -- "$1" "$(elapsed "$t0" "$t1")" "$(tail -n 1 "$W/time.out")" "$(elapsed "$p0" "$p1")"
	echo "$c $2 $3 $4 $fl" | awk '{ printf "%d %s %d %.2f %s %d\n", $1, $2, $3, $4 + $5, $6, $7 }' >> "$W/side.$1"
	say "bench:   $1 chunk: $c listings in $2 s ($(per_s "$c" "$2")/s), PostgreSQL CPU $4 s"
}

# ingest_sides CAP FILES...: chunk k of every side in turn (lurewatch with linking, then
# LW_BASE's binary, then lurewatch without linking), until the first side has spent CAP
# seconds; records in.*, base.* and nolink.* (listings, seconds, maxrss_kb, chunks, capped,
# flagged, chunk_rates, pg_cpu: PostgreSQL CPU per chunk, lw_cpu: lurewatch's CPU per chunk).
ingest_sides() {
	cap=$1
	shift
	capped=0; secs=0
	: > "$W/side.in"; : > "$W/side.base"; : > "$W/side.nolink"
	for f in "$@"; do
		if awk -v s="$secs" -v c="$cap" 'BEGIN { exit !(s >= c) }'; then capped=1; break; fi
		one_chunk in "$LW" "$DB_CONF" "$f" || return 1
		[ -n "${LW_BASE:-}" ] && { one_chunk base "$LW_BASE" "$BASE_CONF" "$f" || return 1; }
		[ -n "$NOLINK" ] && { one_chunk nolink "$LW" "$NOLINK_CONF" "$f" || return 1; }
		secs=$(awk '{ s += $2 } END { printf "%.2f", s }' "$W/side.in")
	done
	for side in in base nolink; do
		[ -s "$W/side.$side" ] || continue
		put "$side.capped" "$capped"
		awk '{ n += $1; s += $2; if ($3 > r) r = $3; f += $6; k++
			rates = rates (k > 1 ? " " : "") sprintf("%.0f", $2 > 0 ? $1 / $2 : 0)
			pg = pg (k > 1 ? " " : "") $5; lw = lw (k > 1 ? " " : "") $4; pgs += $5 }
			END { printf "listings=%d\nseconds=%.2f\nmaxrss_kb=%d\nflagged=%d\nchunks=%d\n", n, s, r, f, k
			      printf "chunk_rates=%s\npg_cpu=%s\nlw_cpu=%s\npg_cpu_total=%.2f\n", rates, pg, lw, pgs }' \
			"$W/side.$side" | while IFS= read -r l; do put "$side.${l%%=*}" "${l#*=}"; done
	done
}

W=$(mktemp -d /tmp/lw-bench.XXXXXX)
chmod 755 "$W"
RES=$W/results.txt
: > "$RES"
trap 'clusters_stop; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
export LUREWATCH_CACHE=${LUREWATCH_CACHE:-${TMPDIR:-/tmp}/lurewatch-bench-cache}

say "bench: ingestion: generating $N listings"
if [ -n "${BENCH_INGEST_REAL:-}" ]; then
	# Real postings instead (one .txt per posting in DIR/*/, title on the first line), each
	# taken again under new URLs until there are N: their bodies are long enough (median
	# 3 KB against the generated ads' 660 bytes) for PostgreSQL to compress them.
	python3 - "$BENCH_INGEST_REAL" "$W/listings.jsonl" "$W/listings.csv" "$N" <<'PY' >&2
import csv, glob, json, sys
ads = []
for f in sorted(glob.glob(sys.argv[1] + "/*/*.txt")):
    title, _, body = open(f, encoding="utf-8", errors="replace").read().partition("\n")
    ads.append((title.strip(), body.strip()))
if not ads:
    sys.exit("no postings in " + sys.argv[1])
with open(sys.argv[2], "w", encoding="utf-8") as j, open(sys.argv[3], "w", newline="", encoding="utf-8") as c:
    w = csv.writer(c)
    for i in range(int(sys.argv[4])):
        t, b = ads[i % len(ads)]
        url = "https://real.example/%d/%d" % (i // len(ads), i % len(ads))
        j.write(json.dumps({"url": url, "title": t, "body": b, "source": "real"}) + "\n")
        w.writerow([url, "real", t, b, "", ""])
PY
else
	python3 bench/gen_listings.py jsonl "$W/listings.jsonl" "$W/listings.csv" "$N" "$SEED" >&2
fi
put in.bytes "$(wc -c < "$W/listings.jsonl")"
# Compile (or load) the default pack once, outside the timing.
echo warm | "$LW" match > /dev/null 2>&1 || true
NOLINK=${BENCH_INGEST_NOLINK-1}
[ "$NOLINK" = 0 ] && NOLINK=""
if [ -n "${LW_BASE:-}" ]; then
	LW_NEW=$LW; LW=$LW_BASE
	cluster_new base
	BASE_CONF=$CONF; BASE_URL=$DBURL; LW=$LW_NEW
fi
if [ -n "$NOLINK" ]; then
	cluster_new nolink "[networks]
link_on_ingest = false"
	NOLINK_CONF=$CONF
fi
cluster_new db
DB_CONF=$CONF
sql -c "CREATE TABLE bench_raw (id bigserial PRIMARY KEY, url text NOT NULL UNIQUE, source text,
	title text NOT NULL DEFAULT '', body text NOT NULL DEFAULT '', location text, posted text)"

say "bench: lurewatch ingest, $CHUNK listings a run (cap ${CAP}s)${LW_BASE:+, beside $LW_BASE}${NOLINK:+, and without linking}"
# The sides take chunk k in turn, so a change in the machine's load falls on
# all of them alike (six engineers share two cores: the wall clock swings).
# shellcheck disable=SC2046
ingest_sides "$CAP" $(split_jsonl "$W/listings.jsonl" "$CHUNK")
done_n=$(get in.listings)
put in.rows "$(count_rows)"
put in.networks "$(sql -c "SELECT count(*) FROM (SELECT network_id FROM listing_networks
	GROUP BY 1 HAVING count(*) > 1) s")"
if [ -n "${LW_BASE:-}" ]; then
	# Same rows as the base binary's, table by table (tests/tools/store_dump.sh).
	sh tests/tools/store_dump.sh "$DBURL" > "$W/dump.in"
	sh tests/tools/store_dump.sh "$BASE_URL" > "$W/dump.base"
	if cmp -s "$W/dump.in" "$W/dump.base"; then put same_rows "yes ($(wc -l < "$W/dump.in") rows)"
	else put same_rows "NO: $(diff "$W/dump.in" "$W/dump.base" | grep -c '^[<>]') rows differ"
		diff "$W/dump.in" "$W/dump.base" | cut -f 1 | sort | uniq -c | sort -rn | head >&2
		[ -n "${BENCH_INGEST_KEEP:-}" ] && cp "$W/dump.in" "$W/dump.base" "$BENCH_INGEST_KEEP/"
	fi
	# store_dump leaves out network_events (how the networks grew batch by batch): the same
	# input in the same chunks must grow them the same way, so they are compared apart,
	# without ids and times.
	for side in in base; do
		[ $side = in ] && u=$DBURL || u=$BASE_URL
		psql "$u" -X -q -At -F '	' -c "SELECT kind, network_id, others, listings, cause
			FROM lurewatch.network_events ORDER BY 2, 1, 3, 4, 5" > "$W/events.$side"
	done
	if cmp -s "$W/events.in" "$W/events.base"; then put same_events "yes ($(wc -l < "$W/events.in") events)"
	else put same_events "NO: $(diff "$W/events.in" "$W/events.base" | grep -c '^[<>]') events differ"; fi
	(DBURL=$BASE_URL; put base.rows "$(count_rows)"
	 put base.networks "$(sql -c "SELECT count(*) FROM (SELECT network_id FROM listing_networks
		GROUP BY 1 HAVING count(*) > 1) s")")
fi

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
flat() { printf '%s\n' "$1" | awk '$1 != "-" && $1 + 0 > 0 && NF > 1 { printf "%.2f", $NF / $1 }'; }
growth() { printf '%s\n' "$1" | awk '$1 + 0 > 0 && NF > 1 { printf "%.2f", $NF / $1 }'; }
echo
echo "aims (issues 9 and 16) beside the figures:"
for side in in base; do
	[ "$(get $side.listings)" = - ] && continue
	[ "$side" = in ] && who="lurewatch" || who="base ($LW_BASE)"
	fl=$(flat "$(get $side.chunk_rates)")
	echo "  $who: $(per_s "$(get $side.listings)" "$(get $side.seconds)") listings/s (aim >= 15000);" \
		"last/first run $fl (aim >= 0.9, flat); $(get $side.rows 2> /dev/null) rows, $(get $side.networks) networks"
	echo "    listings/s per run of $CHUNK: $(get $side.chunk_rates)"
	echo "    PostgreSQL CPU s per run (all cluster processes): $(get $side.pg_cpu)" \
		"(last/first $(growth "$(get $side.pg_cpu)"), total $(get $side.pg_cpu_total) s)"
	echo "    lurewatch CPU s per run: $(get $side.lw_cpu)"
done
if [ "$(get nolink.listings)" != - ]; then
	lo=$(awk -v a="$(get in.seconds)" -v b="$(get nolink.seconds)" 'BEGIN { if (b > 0) printf "%.1f", 100 * (a - b) / b; else print "-" }')
	lc=$(awk -v a="$(get in.pg_cpu_total)" -v b="$(get nolink.pg_cpu_total)" 'BEGIN { if (b > 0) printf "%.1f", 100 * (a - b) / b; else print "-" }')
	put link.overhead_pct "$lo"
	put link.overhead_pg_cpu_pct "$lc"
	echo "  linking adds $lo% to ingestion's wall time ($(get in.seconds) s with, $(get nolink.seconds) s without; aim < 10%)" \
		"and $lc% to PostgreSQL's CPU ($(get in.pg_cpu_total) s with, $(get nolink.pg_cpu_total) s without)"
	echo "    without linking, listings/s per run: $(get nolink.chunk_rates); PostgreSQL CPU s: $(get nolink.pg_cpu)"
fi
[ -n "${LW_BASE:-}" ] && echo "  every table dumped and compared with the base binary's store: same rows: $(get same_rows);" \
	"same network events: $(get same_events)"
# printf, not echo: dash's echo reads the "\c" of "\copy" as "stop here".
printf '  psql \\copy baseline: %s rows/s; raw COPY / lurewatch = %sx\n' "$cps" "$(ratio "$cps" "$lps")"
[ "$(get in.capped)" = 1 ] && echo "capped: stopped after ${CAP}s (BENCH_INGEST_SECONDS); the COPY side loaded the same listings"
echo "networks of 2 or more listings after ingestion: $(get in.networks)"
