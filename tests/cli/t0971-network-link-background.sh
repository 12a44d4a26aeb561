#!/bin/sh
# SPDX-License-Identifier: MIT
# Linking in the background (store/ingest_link.c, migration 115): `lurewatch ingest` commits a
# batch and links it on a second connection while it writes the next. The same ads ingested
# with linking in each batch's own transaction ([networks] link_in_background = false) and in
# the background give the same networks (as a partition of the listings), the same generic
# details and the same queue priorities with their reasons. A linker that cannot get the
# linking lock leaves the writer going, and a process killed then leaves its committed
# listings named in link_pending, unlinked; the next ingest links them, and the store ends
# as if nothing had happened. A linker whose connection is cut stops the ingest and says so.
. "$(dirname "$0")/lib.sh"
use_pg

expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)
expect_rc 0 "db migrate" "$LW" db migrate
python3 "$TOP/bench/gen_listings.py" jsonl "$TMP/ads.jsonl" "$TMP/ads.csv" 3000 7 0.10 >/dev/null 2>&1
head -n 1000 "$TMP/ads.jsonl" >"$TMP/p1.jsonl"
sed -n 1001,2200p "$TMP/ads.jsonl" >"$TMP/p2.jsonl"
tail -n +2201 "$TMP/ads.jsonl" >"$TMP/p3.jsonl"
: >"$TMP/none.jsonl"

# Splits are left out (split_min_size = 0): a split sees a network as far as linking has got
# when it runs, and a background linker that finds two batches waiting links them as one.
for side in inline behind killed; do
	bg=true
	[ "$side" = inline ] && bg=false
	cat >"$TMP/$side.conf" <<CONF
[matcher]
rules = $TOP/rules
[networks]
split_min_size = 0
link_in_background = $bg
CONF
done
DB=$(sql "SELECT current_database()")
url_of() {
	printf '%s\n' "$URL" | sed "s/dbname=[^ ]*/dbname=$1/"
}
# side_lw SIDE ARGS...: lurewatch with SIDE's configuration and database.
side_lw() {
	s=$1
	shift
	LUREWATCH_DATABASE_URL=$(url_of "$s") "$LW" --config "$TMP/$s.conf" "$@"
}
q() {
	PGCLIENTENCODING=UTF8 PGOPTIONS='-csearch_path=lurewatch' \
		psql -X -q -t -A -v ON_ERROR_STOP=1 "$(url_of "$1")" -c "$2"
}
for side in inline behind killed; do
	sql "CREATE DATABASE $side TEMPLATE $DB" >/dev/null
done

# What must agree: each network of two or more as its members' URLs (the killed side's
# listings take other ids), the generic details, and every queue item's priority and reason
# (with the network's id left out of it, for the same reason).
state() {
	q "$1" "SELECT 'n ' || string_agg(l.url, ' ' ORDER BY l.url) AS m FROM listing_networks n
		JOIN listings l ON l.id = n.listing_id GROUP BY n.network_id HAVING count(*) > 1 ORDER BY m"
	q "$1" "SELECT 'g ' || normalized || ' ' || generic FROM contact_stats
		WHERE generic IS NOT NULL ORDER BY 1"
	q "$1" "SELECT 'q ' || l.url || ' ' || q.priority || ' '
		|| regexp_replace(q.priority_reason, '^network [0-9]+:', 'network:')
		FROM queue_items q JOIN listings l ON l.id = q.listing_id ORDER BY 1"
}

for side in inline behind; do
	for p in p1 p2 p3; do
		expect_rc 0 "$side: ingest $p in batches of 97" side_lw "$side" ingest -q --batch 97 "$TMP/$p.jsonl"
	done
	state "$side" >"$TMP/$side.state"
done
expect_eq "$(q behind "SELECT count(*) FROM link_pending")" 0 "nothing is left waiting to be linked"
nets=$(grep -c '^n ' "$TMP/inline.state")
raised=$(grep -c '^q .* network:' "$TMP/inline.state")
if [ "$nets" -ge 20 ] && [ "$raised" -ge 1 ]; then
	ok "the ads make $nets networks, and $raised queue items rise with theirs"
else
	notok "networks ($nets) and raised items ($raised) to compare"
fi
if cmp -s "$TMP/inline.state" "$TMP/behind.state"; then
	ok "background linking gives the networks, generic details and queue of inline linking"
else
	notok "background equals inline"
	diff "$TMP/inline.state" "$TMP/behind.state" | head -10 | sed 's/^/# /'
fi

# The linking lock held elsewhere: the writer commits and goes on while the linker waits.
KU=$(url_of killed)
hold_lock 74692044 "$KU"
expect_eq "$held" 1 "another session holds the linking lock"
LUREWATCH_DATABASE_URL=$KU "$LW" --config "$TMP/killed.conf" ingest -q --batch 97 "$TMP/p1.jsonl" \
	>"$TMP/k.out" 2>"$TMP/k.err" &
kpid=$!
pids="$pids $kpid"
stored=0
for i in $(seq 1 100); do
	stored=$(q killed "SELECT count(*) FROM listings")
	[ "$stored" -ge 194 ] && break
	sleep 0.1
done
waiting=$(q killed "SELECT count(DISTINCT x) FROM link_pending, unnest(listing_ids) AS x")
linked=$(q killed "SELECT count(*) FROM listing_networks")
if [ "$stored" -ge 194 ] && [ "$waiting" -ge 97 ] && [ "$linked" = 0 ]; then
	ok "with linking held up, batches commit ($stored listings) and wait to be linked ($waiting)"
else
	notok "held linker: $stored stored, $waiting waiting, $linked linked"
fi
kill -9 "$kpid" 2>/dev/null
wait "$kpid" 2>/dev/null
release_lock
# The killed process's linker session goes once the lock it waited for is granted.
for i in $(seq 1 100); do
	[ "$(q killed "SELECT count(*) FROM pg_stat_activity WHERE datname = 'killed'
		AND pid <> pg_backend_pid()")" = 0 ] && break
	sleep 0.1
done
left=$(q killed "SELECT count(DISTINCT x) FROM link_pending, unnest(listing_ids) AS x")
if [ "$left" -ge 97 ] && [ "$(q killed "SELECT count(*) FROM listing_networks")" = 0 ]; then
	ok "the killed ingest left $left committed listings waiting, none linked"
else
	notok "after the kill: $left waiting"
fi
side_lw killed status >"$TMP/status.out" 2>&1
expect_grep "listings waiting to be linked: $left" "$TMP/status.out" "status names them"
expect_rc 0 "an ingest of nothing links what was left" side_lw killed ingest -q "$TMP/none.jsonl"
expect_eq "$(q killed "SELECT count(*) FROM link_pending")" 0 "the waiting listings were taken"
expect_eq "$(q killed "SELECT count(*) FROM listings l WHERE NOT EXISTS
	(SELECT FROM listing_networks n WHERE n.listing_id = l.id)")" 0 "every stored listing is linked"
for p in p1 p2 p3; do
	expect_rc 0 "killed: ingest $p" side_lw killed ingest -q --batch 97 "$TMP/$p.jsonl"
done
state killed >"$TMP/killed.state"
if cmp -s "$TMP/inline.state" "$TMP/killed.state"; then
	ok "after the kill and the next ingests, the store equals inline linking's"
else
	notok "killed equals inline"
	diff "$TMP/inline.state" "$TMP/killed.state" | head -10 | sed 's/^/# /'
fi
# A listing with details and no network (here one stored with link_on_ingest = false, as a
# listing waiting in link_pending is): an ad sharing its number ties through the listings of
# that number that have a network, not through it. Z and Y share X's number and come after it.
cat >"$TMP/off.conf" <<CONF
[matcher]
rules = $TOP/rules
[networks]
link_on_ingest = false
CONF
cp "$TMP/behind.conf" "$TMP/mixed.conf"
sql "CREATE DATABASE mixed TEMPLATE $DB" >/dev/null
for ad in x z y; do
	printf '{"url": "https://ads.example/%s", "title": "Hotel cleaners wanted (%s)", "body": "Hotel cleaners wanted in Malmo, start at once. Call Anna on +46 73 512 34 56 today.", "location": "Malmo"}\n' \
		"$ad" "$ad" >"$TMP/$ad.jsonl"
done
LUREWATCH_DATABASE_URL=$(url_of mixed) "$LW" --config "$TMP/off.conf" ingest -q "$TMP/x.jsonl" >/dev/null \
	|| notok "ingest x without linking"
side_lw mixed ingest -q "$TMP/z.jsonl" >/dev/null || notok "ingest z"
side_lw mixed ingest -q "$TMP/y.jsonl" >/dev/null || notok "ingest y"
expect_eq "$(q mixed "SELECT string_agg(right(l.url, 1), ' ' ORDER BY l.id) FROM listing_networks n
	JOIN listings l ON l.id = n.listing_id GROUP BY n.network_id HAVING count(*) > 1")" "z y" \
	"an ad ties to the linked ads of its number, past one stored without a network"

# A linker whose connection is cut (here while it waits for the linking lock, with no retry)
# stops the ingest, which says its listings are stored and wait to be linked: the writer's
# batches stay committed, and the next ingest links them.
sql "CREATE DATABASE cut TEMPLATE $DB" >/dev/null
cp "$TMP/behind.conf" "$TMP/cut.conf"
hold_lock 74692044 "$(url_of cut)"
side_lw cut ingest -q --retry 0 --batch 97 "$TMP/p1.jsonl" >"$TMP/c.out" 2>"$TMP/c.err" &
cpid=$!
pids="$pids $cpid"
lpid=""
for i in $(seq 1 100); do
	lpid=$(q cut "SELECT pid FROM pg_stat_activity WHERE datname = 'cut'
		AND wait_event_type = 'Lock' AND wait_event = 'advisory' LIMIT 1")
	[ -n "$lpid" ] && break
	sleep 0.1
done
if [ -n "$lpid" ]; then
	q cut "SELECT pg_terminate_backend($lpid)" >/dev/null
	wait "$cpid"
	rc=$?
else
	kill -9 "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null
	rc="no linker waited for the lock"
fi
release_lock
expect_eq "$rc" 2 "an ingest whose linker loses its connection exits 2"
expect_grep "wait in link_pending" "$TMP/c.err" "and says its listings are stored and wait to be linked"
stored=$(q cut "SELECT count(*) FROM listings")
waiting=$(q cut "SELECT count(DISTINCT x) FROM link_pending, unnest(listing_ids) AS x")
if [ "$stored" -ge 97 ] && [ "$waiting" = "$stored" ]; then
	ok "its $stored committed listings all wait to be linked"
else
	notok "after the cut linker: $stored stored, $waiting waiting"
fi
expect_rc 0 "an ingest of nothing links them" side_lw cut ingest -q "$TMP/none.jsonl"
expect_eq "$(q cut "SELECT count(*) FROM listings l WHERE NOT EXISTS
	(SELECT FROM listing_networks n WHERE n.listing_id = l.id)")" 0 "every stored listing is linked"
finish
