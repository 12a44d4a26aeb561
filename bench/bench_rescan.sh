#!/bin/sh
# SPDX-License-Identifier: MIT
# Rescan benchmark: a store of generated listings loaded straight into the tables (COPY of a few
# thousand generated ads, multiplied in SQL), then `lurewatch rescan` times scoring them all again
# with the default pack, as after a rule change (every version was scored by an older pack).
#
# Environment (all optional): BENCH_RESCAN_N listings in the store (1000000; BENCH_QUICK=1:
# 50000), BENCH_RESCAN_SECONDS cap on the timed rescan (300; SIGINT then, the rescan stores what
# it has and the rate is extrapolated), BENCH_RESCAN_JOBS (--jobs, default one per core),
# BENCH_SEED (42). Prints rescan.* key=value lines.
set -eu

LW=${LW:-$(pwd)/lurewatch}
QUICK=${BENCH_QUICK:-0}
N=${BENCH_RESCAN_N:-$([ "$QUICK" = 1 ] && echo 50000 || echo 1000000)}
CAP=${BENCH_RESCAN_SECONDS:-$([ "$QUICK" = 1 ] && echo 60 || echo 300)}
SEED=${BENCH_SEED:-42}
BASE=5000
JOBS=""
[ -n "${BENCH_RESCAN_JOBS:-}" ] && JOBS="--jobs $BENCH_RESCAN_JOBS"
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

say "bench: lurewatch rescan of $N listings (cap ${CAP}s)"
t0=$(now)
# shellcheck disable=SC2086
/usr/bin/time -f '%M %U %S' -o "$W/time.out" timeout -s INT "$CAP" \
	"$LW" --config "$CONF" rescan --quiet $JOBS > "$W/rescan.out" 2> "$W/rescan.err" || {
	rc=$?
	[ "$rc" = 1 ] || [ "$rc" = 124 ] || { say "bench: rescan failed ($rc):"; tail -n 5 "$W/rescan.err" >&2; exit 1; }
}
t1=$(now)
done_n=$(sed -n 's/^rescanned \([0-9]*\) listings.*/\1/p' "$W/rescan.out")
secs=$(elapsed "$t0" "$t1")
put rescan.listings "${done_n:-0}"
put rescan.seconds "$secs"
put rescan.per_s "$(per_s "${done_n:-0}" "$secs")"
put rescan.interrupted "$(grep -c interrupted "$W/rescan.out" || true)"
put rescan.seconds_for_n "$(awk -v n="$N" -v d="${done_n:-0}" -v s="$secs" 'BEGIN { if (d > 0) printf "%.0f", s * n / d; else print "-" }')"
put rescan.maxrss_kb "$(cut -d' ' -f1 "$W/time.out" | tail -n 1)"
put rescan.cpu_user "$(cut -d' ' -f2 "$W/time.out" | tail -n 1)"
put rescan.scored "$(sql -c "SELECT count(*) FROM lurewatch.listing_versions WHERE rule_pack <> 'bench-old'")"
put rescan.flagged "$(sql -c "SELECT count(*) FROM lurewatch.listing_versions WHERE flagged")"
cat "$RES"
echo "rescan: $(get rescan.listings) of $N stored listings in $(get rescan.seconds) s ($(get rescan.per_s)/s;" \
	"$(get rescan.seconds_for_n) s for all $N; aim < 60 s), set-up $(get rescan.setup_seconds) s, peak RSS $(kbmb "$(get rescan.maxrss_kb)")"
