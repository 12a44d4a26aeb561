#!/bin/sh
# SPDX-License-Identifier: MIT
# Rescan benchmark: a store of generated listings loaded straight into the tables (COPY of a few
# thousand generated ads, multiplied in SQL), then `lurewatch rescan` times scoring them all again
# with the default pack, as after a rule change (every version was scored by an older pack).
# Each run rescans its own copy of that store (CREATE DATABASE ... TEMPLATE), with 1 and with 2
# workers (--jobs), and with BENCH_RESCAN_BASE (another lurewatch binary, e.g. main's) the same
# runs of the baseline interleaved with them (baseline, this, baseline, this), so both meet the
# same load. Besides wall time it reports the CPU seconds of the client (its workers included)
# and of PostgreSQL (the server's processes, backends reaped by the postmaster included), which
# mean more than wall time on a shared machine.
#
# Environment (all optional): BENCH_RESCAN_N listings in the store (1000000; BENCH_QUICK=1:
# 50000), BENCH_RESCAN_SECONDS cap on each timed rescan (300; SIGINT then, the rescan stores what
# it has and the rate is extrapolated), BENCH_RESCAN_JOBS the worker counts to run ("1 2"),
# BENCH_RESCAN_BASE a baseline binary, BENCH_SEED (42). Prints rescan.* key=value lines:
# rescan.listings, .seconds, .per_s, .seconds_for_n for this binary with the most workers run,
# and rescan.{new,base}.jN.{listings,seconds,per_s,client_cpu,pg_cpu,maxrss_kb} for every run.
set -eu

LW=${LW:-$(pwd)/lurewatch}
QUICK=${BENCH_QUICK:-0}
N=${BENCH_RESCAN_N:-$([ "$QUICK" = 1 ] && echo 50000 || echo 1000000)}
CAP=${BENCH_RESCAN_SECONDS:-$([ "$QUICK" = 1 ] && echo 60 || echo 300)}
SEED=${BENCH_SEED:-42}
BASE=5000
JOBS_LIST=${BENCH_RESCAN_JOBS:-1 2}
BASE_BIN=${BENCH_RESCAN_BASE:-}
. "$(dirname "$0")/lib.sh"

W=$(mktemp -d /tmp/lw-bench.XXXXXX)
chmod 755 "$W"
RES=$W/results.txt
: > "$RES"
trap 'clusters_stop; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
export LUREWATCH_CACHE=${LUREWATCH_CACHE:-${TMPDIR:-/tmp}/lurewatch-bench-cache}

say "bench: rescan: generating $BASE listings, multiplied to $N in SQL"
python3 bench/gen_listings.py jsonl "$W/base.jsonl" "$W/base.csv" "$BASE" "$SEED" >&2
echo warm | "$LW" match > /dev/null 2>&1 || true
cluster_new db
"$LW" --config "$CONF" db migrate > /dev/null
t0=$(now)
sql -c "CREATE TEMP TABLE base (url text, source text, title text, body text, location text, posted text)" \
	-c "\\copy base FROM '$W/base.csv' WITH (FORMAT csv)" \
	-c "CREATE TEMP TABLE b AS SELECT row_number() OVER () - 1 AS k, * FROM base" \
	-c "INSERT INTO lurewatch.sources (name) VALUES ('bench')" \
	-c "INSERT INTO lurewatch.rule_packs (hash, name) VALUES ('bench-old', 'older pack')" \
	-c "INSERT INTO lurewatch.listings (url, source_id, title, body, location, posted, content_hash)
	    SELECT b.url || '/' || g, (SELECT id FROM lurewatch.sources WHERE name = 'bench'),
	    b.title, b.body, b.location, b.posted, md5(b.title || b.body || g)
	    FROM generate_series(0, $N - 1) g JOIN b ON b.k = g % $BASE ORDER BY g" \
	-c "INSERT INTO lurewatch.listing_versions (listing_id, version, title, body, location, posted,
	    content_hash, rule_pack, score, flagged) SELECT id, 1, title, body, location, posted,
	    content_hash, 'bench-old', 0, false FROM lurewatch.listings ORDER BY id" \
	-c "ANALYZE"
t1=$(now)
put rescan.setup_seconds "$(elapsed "$t0" "$t1")"
put rescan.store "$(sql -c "SELECT count(*) FROM lurewatch.listings")"

# The loaded store is the template of every run's database (no connection may hold it).
DB=$(sql -c "SELECT current_database()")
sql -c "CREATE DATABASE rescan_template TEMPLATE $DB"
DATADIR=$(sql -c "SHOW data_directory")
PM=$(head -n 1 "$DATADIR/postmaster.pid")
HZ=$(getconf CLK_TCK)

# pg_cpu: CPU seconds of the cluster so far: the postmaster, its exited children (reaped, so in
# its cutime/cstime) and those still running.
pg_cpu() {
	{
		awk '{ print $14 + $15 + $16 + $17 }' "/proc/$PM/stat"
		for c in $(ps -o pid= --ppid "$PM"); do
			awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null || true
		done
	} | awk -v hz="$HZ" '{ t += $1 } END { printf "%.2f", t / hz }'
}

# run_one LABEL BINARY JOBS: one timed rescan of a fresh copy of the store.
run_one() {
	label=$1.j$3
	sql -c "DROP DATABASE IF EXISTS rescan_run" -c "CREATE DATABASE rescan_run TEMPLATE rescan_template"
	url=$(printf '%s\n' "$DBURL" | sed "s/dbname=[^ ]*/dbname=rescan_run/")
	say "bench: $label: $2 rescan --jobs $3 of $N listings (cap ${CAP}s)"
	c0=$(pg_cpu)
	t0=$(now)
	LUREWATCH_DATABASE_URL=$url /usr/bin/time -f '%M %U %S' -o "$W/time.out" timeout -s INT "$CAP" \
		"$2" --config "$CONF" rescan --quiet --jobs "$3" > "$W/rescan.out" 2> "$W/rescan.err" || {
		rc=$?
		[ "$rc" = 1 ] || [ "$rc" = 124 ] || { say "bench: rescan failed ($rc):"; tail -n 5 "$W/rescan.err" >&2; exit 1; }
	}
	t1=$(now)
	sleep 1
	c1=$(pg_cpu)
	done_n=$(sed -n 's/^rescanned \([0-9]*\) listings.*/\1/p' "$W/rescan.out")
	secs=$(elapsed "$t0" "$t1")
	put "rescan.$label.listings" "${done_n:-0}"
	put "rescan.$label.seconds" "$secs"
	put "rescan.$label.per_s" "$(per_s "${done_n:-0}" "$secs")"
	put "rescan.$label.interrupted" "$(grep -c interrupted "$W/rescan.out" || true)"
	put "rescan.$label.seconds_for_n" "$(awk -v n="$N" -v d="${done_n:-0}" -v s="$secs" 'BEGIN { if (d > 0) printf "%.0f", s * n / d; else print "-" }')"
	put "rescan.$label.maxrss_kb" "$(cut -d' ' -f1 "$W/time.out" | tail -n 1)"
	put "rescan.$label.client_cpu" "$(tail -n 1 "$W/time.out" | awk '{ printf "%.2f", $2 + $3 }')"
	put "rescan.$label.pg_cpu" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')"
	put "rescan.$label.flagged" "$(psql "$url" -X -q -At -c "SELECT count(*) FROM lurewatch.listing_versions WHERE flagged")"
	say "bench: $label: $(get "rescan.$label.listings") in $secs s ($(get "rescan.$label.per_s")/s), client CPU $(get "rescan.$label.client_cpu") s, PostgreSQL CPU $(get "rescan.$label.pg_cpu") s"
}

last=""
for j in $JOBS_LIST; do
	[ -n "$BASE_BIN" ] && run_one base "$BASE_BIN" "$j"
	run_one new "$LW" "$j"
	last=$j
done
for k in listings seconds per_s seconds_for_n maxrss_kb interrupted; do
	put "rescan.$k" "$(get "rescan.new.j$last.$k")"
done
cat "$RES"
echo "rescan of $N stored listings (set-up $(get rescan.setup_seconds) s; $(nproc) cores; aim < 60 s for 1,000,000):"
for j in $JOBS_LIST; do
	for b in base new; do
		[ "$b" = base ] && [ -z "$BASE_BIN" ] && continue
		echo "  $b --jobs $j: $(get "rescan.$b.j$j.listings") in $(get "rescan.$b.j$j.seconds") s," \
			"$(get "rescan.$b.j$j.per_s")/s ($(get "rescan.$b.j$j.seconds_for_n") s for all)," \
			"client CPU $(get "rescan.$b.j$j.client_cpu") s, PostgreSQL CPU $(get "rescan.$b.j$j.pg_cpu") s," \
			"peak RSS $(kbmb "$(get "rescan.$b.j$j.maxrss_kb")")"
	done
	[ -n "$BASE_BIN" ] && echo "  --jobs $j: this binary $(ratio "$(get "rescan.new.j$j.per_s")" "$(get "rescan.base.j$j.per_s")" 2)x the baseline's listings/s"
done
