#!/bin/sh
# SPDX-License-Identifier: MIT
# Web benchmark: `lurewatch serve` over a store of 100,000 listings and 10,000 open queue items,
# wrk with 50 connections against the queue page and an item page, signed in. The store is a
# few thousand generated ads ingested for real (so hits, categories and networks are the
# matcher's), multiplied in SQL; extra items are resolved so exactly the asked number stay open.
# Resolving 17,000 items in one statement leaves the open items' partial indexes at the size of
# 27,000 open ones (vacuum frees their pages but does not shrink them), which a queue resolved a
# few items at a time, its freed pages reused, never reaches; on that the planner counted a
# filtered page's matches with a scan of the whole table. The setup rebuilds them, and ends with
# a checkpoint so that writing its pages out does not fall in the first run.
#
# Environment (all optional): BENCH_WEB_LISTINGS (100000; BENCH_QUICK=1: 20000),
# BENCH_WEB_OPEN (10000; quick: 2000), BENCH_WEB_SECONDS per wrk run (20; quick: 5),
# BENCH_WEB_CONNECTIONS (50), BENCH_SEED (42). Prints web.* key=value lines; aim: p99 < 100 ms.
set -eu

LW=${LW:-$(pwd)/lurewatch}
QUICK=${BENCH_QUICK:-0}
q() { if [ "$QUICK" = 1 ]; then echo "$1"; else echo "$2"; fi; }
N=${BENCH_WEB_LISTINGS:-$(q 20000 100000)}
OPEN=${BENCH_WEB_OPEN:-$(q 2000 10000)}
SECS=${BENCH_WEB_SECONDS:-$(q 5 20)}
CONNS=${BENCH_WEB_CONNECTIONS:-50}
SEED=${BENCH_SEED:-42}
BASE=2000
. "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || { say "bench: wrk missing: sh scripts/deps.sh bench"; exit 2; }

W=$(mktemp -d /tmp/lw-bench.XXXXXX)
chmod 755 "$W"
RES=$W/results.txt
: > "$RES"
spid=
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; clusters_stop; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
export LUREWATCH_CACHE=${LUREWATCH_CACHE:-${TMPDIR:-/tmp}/lurewatch-bench-cache}

say "bench: web: $BASE generated listings ingested, multiplied to $N in SQL, $OPEN open items"
python3 bench/gen_listings.py jsonl "$W/base.jsonl" "$W/base.csv" "$BASE" "$SEED" 0.10 >&2
cluster_new db "[serve]
threads = 4"
# A low threshold flags enough of the base to make OPEN items after multiplying.
"$LW" --config "$CONF" ingest --threshold 1 "$W/base.jsonl" > /dev/null 2>&1 || true
copies=$(( (N + BASE - 1) / BASE - 1 ))
sql -c "SET search_path = lurewatch" \
	-c "CREATE TEMP TABLE m AS SELECT l.id AS base_id, k, nextval('listings_id_seq') AS new_id
		FROM listings l, generate_series(1, $copies) k" \
	-c "INSERT INTO listings (id, url, source_id, title, body, location, posted, posted_on,
		content_hash, current_version, first_seen, last_seen)
		SELECT m.new_id, l.url || '?copy=' || m.k, l.source_id, l.title, l.body, l.location,
		l.posted, l.posted_on, l.content_hash, l.current_version, l.first_seen, l.last_seen
		FROM m JOIN listings l ON l.id = m.base_id" \
	-c "CREATE TEMP TABLE mv AS SELECT v.id AS base_vid, m.new_id,
		nextval('listing_versions_id_seq') AS new_vid FROM m JOIN listing_versions v ON v.listing_id = m.base_id" \
	-c "INSERT INTO listing_versions (id, listing_id, version, title, body, location, posted,
		content_hash, seen_at, rule_pack, score, flagged, categories)
		SELECT mv.new_vid, mv.new_id, v.version, v.title, v.body, v.location, v.posted,
		v.content_hash, v.seen_at, v.rule_pack, v.score, v.flagged, v.categories
		FROM mv JOIN listing_versions v ON v.id = mv.base_vid" \
	-c "INSERT INTO hit_sets (version_id, rule_pack, hits) SELECT mv.new_vid, h.rule_pack,
		h.hits FROM mv JOIN hit_sets h ON h.version_id = mv.base_vid" \
	-c "INSERT INTO queue_items (listing_id, version_id, score, categories, priority,
		priority_reason, urgent, created_at) SELECT mv.new_id, mv.new_vid, q.score, q.categories,
		q.priority, q.priority_reason, q.urgent, q.created_at FROM queue_items q
		JOIN mv ON mv.base_vid = q.version_id" \
	-c "UPDATE queue_items SET status = 'resolved', verdict = 'dismissed', resolved_by = 'bench',
		resolved_at = now() WHERE id IN (SELECT id FROM queue_items ORDER BY id OFFSET $OPEN)" \
	-c "REINDEX TABLE queue_items" -c "VACUUM ANALYZE" -c "CHECKPOINT" > /dev/null
listings=$(sql -c "SELECT count(*) FROM lurewatch.listings")
open=$(sql -c "SELECT count(*) FROM lurewatch.queue_items WHERE status <> 'resolved'")
put web.listings "$listings"
put web.open_items "$open"
say "bench: web: store holds $listings listings, $open open items"

echo "bench-password-1" | "$LW" --config "$CONF" user add bench --role analyst --password-stdin >/dev/null
"$LW" --config "$CONF" serve --listen 127.0.0.1:0 > "$W/serve.out" 2> "$W/serve.err" &
spid=$!
url=
i=0
while [ -z "$url" ] && [ $i -lt 200 ]; do
	sleep 0.05
	url=$(sed -n 's|^lurewatch serve: listening on \(http://[^/]*\)/$|\1|p' "$W/serve.out")
	i=$((i + 1))
done
[ -n "$url" ] || { say "bench: lurewatch serve did not start"; cat "$W/serve.err" >&2; exit 1; }
t=$(curl -s -c "$W/jar" "$url/login" | sed -n 's/.*name="login_csrf" value="\([0-9a-f]*\)".*/\1/p')
curl -s -b "$W/jar" -c "$W/jar" -o /dev/null -d "login_csrf=$t&name=bench&password=bench-password-1" "$url/login"
cookie=$(awk '$6 == "lw_session" { print $7 }' "$W/jar")
[ -n "$cookie" ] || { say "bench: could not sign in"; exit 1; }
item=$(sql -c "SELECT id FROM lurewatch.queue_items WHERE status = 'new' ORDER BY urgent DESC, priority DESC, id OFFSET 100 LIMIT 1")

# run NAME PATH: wrk against PATH; records NAME.rps and NAME.p99_ms.
run() {
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: lw_session=$cookie" "$url$2")
	[ "$code" = 200 ] || { say "bench: $2 answers $code"; exit 1; }
	wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H "Cookie: lw_session=$cookie" "$url$2" > "$W/$1.wrk" 2>&1
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$W/$1.wrk")
	p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
		else if (v ~ /ms$/) sub(/ms$/, "", v); else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
		printf "%.1f", v }' "$W/$1.wrk")
	errs=$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$W/$1.wrk")
	put "web.$1.rps" "$rps"
	put "web.$1.p99_ms" "$p99"
	put "web.$1.non2xx" "${errs:-0}"
	say "bench: web: $2: $rps requests/s, p99 $p99 ms (${errs:-0} non-2xx)"
}
run queue /queue
run item "/item/$item"
run queue_filtered "/queue?category=documents&min_score=3"
cat "$RES"
# BENCH_WEB_HOLD=SECONDS keeps the server and store up afterwards, to look inside.
[ -n "${BENCH_WEB_HOLD:-}" ] && { say "bench: web: holding $url (cookie $cookie, db $DBURL)"; sleep "$BENCH_WEB_HOLD"; }
true
