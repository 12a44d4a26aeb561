#!/bin/sh
# SPDX-License-Identifier: MIT
# Networks against ground truth (issue 16): listings from bench/gen_groups.py, a tenth of them in
# known groups, with switchboards, copied numbers and reused templates mixed in; ingested with
# linking on (and, for its cost, into a second store with linking off), then `lurewatch network
# rebuild`. Pairwise precision and recall of the networks
# against the groups (bench/net_truth.py) after ingestion and after the rebuild, the largest
# network against the largest group, and the rebuild's time.
#
# Environment (all optional): BENCH_GROUPS_N listings (100000; BENCH_QUICK=1: 20000),
# BENCH_GROUPS_CHUNK listings per `lurewatch ingest` run (20000), BENCH_GROUPS_SECONDS cap on the
# ingestion (900; quick: 120), BENCH_GROUPS_REBUILD_SECONDS cap on the rebuild (300), BENCH_SEED (42),
# BENCH_GROUPS_PGSS=FILE: load pg_stat_statements in the linked cluster and write its statements
# of the last chunk (by total time) to FILE, to see where linking's time goes;
# BENCH_GROUPS_BASE=BINARY: a third store, linked by that binary (say, main's), ingested in turn with
# the other two, so that a change to linking is compared with the same load.
set -eu

LW=${LW:-$(pwd)/lurewatch}
QUICK=${BENCH_QUICK:-0}
N=${BENCH_GROUPS_N:-$([ "$QUICK" = 1 ] && echo 20000 || echo 100000)}
CHUNK=${BENCH_GROUPS_CHUNK:-20000}
CAP=${BENCH_GROUPS_SECONDS:-$([ "$QUICK" = 1 ] && echo 120 || echo 900)}
RCAP=${BENCH_GROUPS_REBUILD_SECONDS:-300}
SEED=${BENCH_SEED:-42}
INGEST_OPTS=""
. "$(dirname "$0")/lib.sh"

W=$(mktemp -d /tmp/lw-bench.XXXXXX)
chmod 755 "$W"
RES=$W/results.txt
: > "$RES"
trap 'clusters_stop; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
export LUREWATCH_CACHE=${LUREWATCH_CACHE:-${TMPDIR:-/tmp}/lurewatch-bench-cache}

say "bench: generating $N listings with known groups and trouble (bench/gen_groups.py)"
python3 bench/gen_groups.py "$W/g.jsonl" "$W/truth.tsv" "$N" "$SEED" 0.10 >&2
CHUNKS=$(split_jsonl "$W/g.jsonl" "$CHUNK")
echo warm | "$LW" match > /dev/null 2>&1 || true

# CPU seconds of a cluster so far: the postmaster, its live children, and the
# children it has reaped (cutime/cstime), from /proc (as in bench_ingest.sh).
pg_cpu() {
	pm=$(head -n 1 "$(dirname "$1")/pg/postmaster.pid")
	cat /proc/[0-9]*/stat 2> /dev/null | awk -v pm="$pm" -v hz="$(getconf CLK_TCK)" '
		{ pid = $1; sub(/^.*\) /, "")
		  if (pid == pm) t += $12 + $13 + $14 + $15; else if ($2 == pm) t += $12 + $13 }
		END { printf "%.2f", t / hz }'
}
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }

# What linking costs: the same chunks ingested into a second cluster with
# [networks] link_on_ingest = false, chunk by chunk in turn with the first, so
# the other work on the machine weighs on both alike.
cluster_new nolink "[networks]
link_on_ingest = false"
OFF=$CONF
BASE_LW=${BENCH_GROUPS_BASE:-}
if [ -n "$BASE_LW" ]; then
	LW_SAVED=$LW; LW=$BASE_LW
	cluster_new base
	BASE=$CONF
	LW=$LW_SAVED
fi
cluster_new groups
ON=$CONF
PGSS=${BENCH_GROUPS_PGSS:-}
if [ -n "$PGSS" ]; then
	sql -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
	"$LW" --config "$ON" db stop > /dev/null 2>&1
	env -u LUREWATCH_PG_FAST "$LW" --config "$ON" db start > /dev/null 2>&1
	sql -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
fi
# ingest_one CONF FILE: ingests FILE; prints "listings seconds".
ingest_one() {
	t0=$(now)
	"${3:-$LW}" --config "$1" ingest --json "$2" > "$W/ingest.out" 2> "$W/ingest.err" || {
		say "bench: lurewatch ingest failed:"; tail -n 5 "$W/ingest.err" >&2; return 1; }
	t1=$(now)
	echo "$(sed -n 's/.*"listings":\([0-9]*\).*/\1/p' "$W/ingest.out") $(elapsed "$t0" "$t1")"
}
say "bench: ingest with linking on and, in turn, off (cap ${CAP}s on the linked one)"
n=0; son=0; soff=0; k=0; capped=0; con=0; coff=0
last=$(echo $CHUNKS | awk '{ print $NF }')
for f in $CHUNKS; do
	if awk -v s="$son" -v c="$CAP" 'BEGIN { exit !(s >= c) }'; then capped=1; break; fi
	[ -n "$PGSS" ] && [ "$f" = "$last" ] && sql -c "SELECT pg_stat_statements_reset()" > /dev/null
	c0=$(pg_cpu "$ON")
	r=$(ingest_one "$ON" "$f") || exit 1
	c1=$(pg_cpu "$ON")
	set -- $r
	n=$((n + $1)); k=$((k + 1))
	son=$(add "$son" "$2")
	pon=$(elapsed "$c0" "$c1"); con=$(add "$con" "$pon")
	c0=$(pg_cpu "$OFF")
	r=$(ingest_one "$OFF" "$f") || exit 1
	c1=$(pg_cpu "$OFF")
	set -- $r "$2"
	soff=$(add "$soff" "$2")
	poff=$(elapsed "$c0" "$c1"); coff=$(add "$coff" "$poff")
	say "bench:   chunk $k: $1 listings in $3 s linked, $2 s not; PostgreSQL CPU $pon s linked, $poff s not"
	if [ -n "$BASE_LW" ]; then
		c0=$(pg_cpu "$BASE")
		r=$(ingest_one "$BASE" "$f" "$BASE_LW") || exit 1
		c1=$(pg_cpu "$BASE")
		set -- $r
		sbase=$(add "${sbase:-0}" "$2")
		pb=$(elapsed "$c0" "$c1"); cbase=$(add "${cbase:-0}" "$pb")
		say "bench:   chunk $k: base binary linked in $2 s, PostgreSQL CPU $pb s"
	fi
done
if [ -n "$BASE_LW" ]; then
	put base.seconds "$sbase"; put base.pg_cpu "$cbase"
	put base.link_share "$(awk -v a="$sbase" -v b="$soff" 'BEGIN { printf "%.1f", 100 * (a - b) / b }')"
	put base.link_cpu_share "$(awk -v a="$cbase" -v b="$coff" 'BEGIN { printf "%.1f", 100 * (a - b) / b }')"
	cluster_stop "$BASE"
fi
if [ -n "$PGSS" ]; then
	sql -F "$(printf '\t')" -c "SELECT calls, round(total_exec_time::numeric, 1) AS ms,
		round((total_exec_time / greatest(calls, 1))::numeric, 2) AS ms_per_call, rows,
		regexp_replace(left(query, 160), '\s+', ' ', 'g')
		FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 40" > "$PGSS"
fi
put ingest.listings "$n"; put ingest.seconds "$son"; put ingest.chunks "$k"; put ingest.capped "$capped"
put nolink.seconds "$soff"
put ingest.pg_cpu "$con"; put nolink.pg_cpu "$coff"
put ingest.link_cpu_share "$(awk -v a="$con" -v b="$coff" 'BEGIN { if (b > 0) printf "%.1f", 100 * (a - b) / b; else print "-" }')"
put ingest.link_share "$(awk -v a="$son" -v b="$soff" 'BEGIN { if (b > 0) printf "%.1f", 100 * (a - b) / b; else print "-" }')"
cluster_stop "$OFF"
CONF=$ON
DBURL=$("$LW" --config "$CONF" db url)

score() {
	sql -F "$(printf "\t")" -c "SELECT l.url, n.network_id FROM listings l JOIN listing_networks n ON n.listing_id = l.id" \
		> "$W/nets.tsv"
	# Only the ads ingested count (the cap may stop early).
	python3 bench/net_truth.py "$W/truth.tsv" "$W/nets.tsv" "$1" > "$W/score.txt"
	put_lines "$W/score.txt"
}
score incremental
put ingest.generic "$(sql -c "SELECT count(*) FROM contact_stats WHERE generic IS NOT NULL")"

say "bench: lurewatch network rebuild over $(get ingest.listings) listings (cap ${RCAP}s)"
t0=$(now)
rc=0
timeout "$RCAP" "$LW" --config "$CONF" network rebuild --json > "$W/rebuild.json" 2> "$W/rebuild.err" || rc=$?
t1=$(now)
put rebuild.seconds "$(elapsed "$t0" "$t1")"
put rebuild.rc "$rc"
if [ "$rc" = 0 ]; then
	python3 -c 'import json,sys
o = json.load(open(sys.argv[1]))
for k in ("generic", "edges", "split", "cut_edges", "merges", "splits"):
    print("rebuild.%s=%s" % (k, o[k]))' "$W/rebuild.json" > "$W/rb.txt"
	put_lines "$W/rb.txt"
	score rebuilt
else
	sed 's/^/bench: /' "$W/rebuild.err" >&2
fi
"$LW" --config "$CONF" network hubs --limit 8 > "$W/hubs.txt" 2>&1 || true
cluster_stop "$CONF"

echo
echo "networks against ground truth: $(get ingest.listings) listings from bench/gen_groups.py (seed $SEED), $(get rebuilt.groups) true groups (largest $(get rebuilt.largest_true))"
row() { printf '%-34s %10s %10s %9s %9s\n' "$@"; }
row "" "precision" "recall" "largest" "networks"
row "after ingestion (incremental)" "$(get incremental.precision)" "$(get incremental.recall)" "$(get incremental.largest)" "$(get incremental.networks)"
row "after network rebuild" "$(get rebuilt.precision)" "$(get rebuilt.recall)" "$(get rebuilt.largest)" "$(get rebuilt.networks)"
echo "ingestion: $(get ingest.listings) listings in $(get ingest.seconds)s ($(per_s "$(get ingest.listings)" "$(get ingest.seconds)")/s); $(get ingest.generic) generic details found while ingesting"
echo "incremental linking: ingestion took $(get ingest.seconds)s linked, $(get nolink.seconds)s with link_on_ingest = false (same chunks, in turn): linking adds $(get ingest.link_share)% (aim < 10%)"
echo "incremental linking: PostgreSQL CPU $(get ingest.pg_cpu)s linked, $(get nolink.pg_cpu)s not: linking adds $(get ingest.link_cpu_share)%"
[ -n "$BASE_LW" ] && echo "base binary ($BASE_LW), same chunks in turn: $(get base.seconds)s linked (adds $(get base.link_share)%), PostgreSQL CPU $(get base.pg_cpu)s (adds $(get base.link_cpu_share)%)"
echo "rebuild: $(get rebuild.seconds)s (exit $(get rebuild.rc)); $(get rebuild.generic) generic details, $(get rebuild.edges) strong edges, $(get rebuild.split) components split ($(get rebuild.cut_edges) edges cut)"
echo "aims (issue 16, at 1,000,000 listings): precision and recall >= 0.95, largest network <= 1.2 x largest group ($(awk -v l="$(get rebuilt.largest_true)" 'BEGIN { printf "%d", 1.2 * l }')), rebuild < 120s"
echo "the busiest details (network hubs):"
sed 's/^/  /' "$W/hubs.txt"
exit 0
