#!/bin/sh
# SPDX-License-Identifier: MIT
# Queue items are written by one transaction at a time (LOCK_QUEUE, store/store_internal.h):
# a rescan worker's deferred network priority updates the items of every network its
# listings are in, which the other workers' batches write too; run beside them, every item a
# batch re-queued after the update began was checked again, each check costing the whole
# update's array of ids (with --jobs 2 the server's CPU per listing was 1.7-2.5x that of
# --jobs 1). Here a session holds that lock: a rescan of a linked store, --jobs 2, must wait
# for it before writing any queue item (its batches and its priority both), then finish
# with the same store as --jobs 1.
. "$(dirname "$0")/lib.sh"
use_pg
N=1200
LOCK_QUEUE=74692045

expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)
expect_rc 0 "db migrate" "$LW" db migrate
load_old_store "$N" 17
cat >"$TMP/lw.conf" <<CONF
[matcher]
rules = $TOP/rules
[networks]
split_min_size = 0
CONF
# The linked store, as after a rule change: every version an older pack's.
expect_rc 0 "first rescan links the store" timeout 600 "$LW" --config "$TMP/lw.conf" rescan -q
sql "UPDATE listing_versions SET rule_pack = 'old-pack'" >/dev/null
items=$(sql "SELECT count(*) FROM queue_items")
[ "$items" -gt 20 ] && ok "the store has queue items ($items)" || notok "the store has queue items ($items)"
DB=$(sql "SELECT current_database()")
sql "CREATE DATABASE snap TEMPLATE $DB" >/dev/null
url_of() {
	printf '%s\n' "$URL" | sed "s/dbname=[^ ]*/dbname=$1/"
}
sql "CREATE DATABASE one TEMPLATE snap" >/dev/null
sql "CREATE DATABASE two TEMPLATE snap" >/dev/null
items_state() {
	PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A "$(url_of two)" \
		-c "SELECT listing_id, version_id, priority, priority_reason, xmin FROM queue_items ORDER BY 1"
}
items_state >"$TMP/items.before"

# A session holds the lock (advisory locks are the database's: in the rescan's).
hold_lock $LOCK_QUEUE "$(url_of two)"
expect_eq "$held" 1 "a session holds the queue's lock"

LUREWATCH_DATABASE_URL=$(url_of two) timeout 600 "$LW" --config "$TMP/lw.conf" rescan -q --jobs 2 \
	>"$TMP/two.out" 2>"$TMP/two.err" &
rescan=$!
pids="$pids $rescan"
waiting=0
for i in $(seq 1 300); do
	waiting=$(sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $LOCK_QUEUE
		       AND NOT granted")
	[ "$waiting" -ge 1 ] && break
	kill -0 "$rescan" 2>/dev/null || break
	sleep 0.1
done
[ "$waiting" -ge 1 ] && ok "the rescan waits for the queue's lock ($waiting waiting)" ||
	notok "the rescan waits for the queue's lock (none waiting; the rescan $(kill -0 "$rescan" 2>/dev/null && echo runs || echo finished))"
# Both workers reach it: each has flagged listings in its first chunk.
sleep 2
items_state >"$TMP/items.during"
cmp -s "$TMP/items.before" "$TMP/items.during" && ok "no queue item is written while the lock is held" ||
	notok "no queue item is written while the lock is held ($(diff "$TMP/items.before" "$TMP/items.during" | grep -c '^>') rows changed)"
release_lock
wait "$rescan"
rc=$?
expect_eq "$rc" 0 "then the rescan finishes"
expect_grep "rescanned $N listings" "$TMP/two.out" "and scores every listing"

LUREWATCH_DATABASE_URL=$(url_of one) timeout 600 "$LW" --config "$TMP/lw.conf" rescan -q --jobs 1 \
	>"$TMP/one.out" 2>"$TMP/one.err"
dump() {
	for q in \
		"SELECT listing_id, version, rule_pack, score, flagged, categories FROM listing_versions ORDER BY 1, 2" \
		"SELECT v.listing_id, h.rule_pack, h.hits FROM hit_sets h JOIN listing_versions v ON v.id = h.version_id ORDER BY 1, 2" \
		"SELECT listing_id, kind, value, normalized, start_offset, end_offset FROM listing_entities ORDER BY 1, 2, 3, 4, 5" \
		"SELECT listing_id, simhash FROM listing_fingerprints ORDER BY 1" \
		"SELECT n.listing_id, min(m.listing_id) FROM listing_networks n JOIN listing_networks m ON m.network_id = n.network_id GROUP BY 1 ORDER BY 1" \
		"SELECT listing_id, version_id, score, categories, priority, regexp_replace(priority_reason, 'network [0-9]+', 'network N'), urgent, status FROM queue_items ORDER BY 1" \
		"SELECT actor, action, listing_id, details FROM audit_log ORDER BY 3, 2, 4::text" \
		"SELECT normalized, kinds, listings, places, sources, generic FROM contact_stats_now ORDER BY 1"; do
		echo "-- $q"
		PGCLIENTENCODING=UTF8 PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A "$(url_of "$1")" -c "$q"
	done
}
dump one >"$TMP/one.dump"
dump two >"$TMP/two.dump"
raised=$(grep -c '|network N: ' "$TMP/one.dump")
[ "$raised" -gt 0 ] && ok "some items rise with their network ($raised)" || notok "some items rise with their network"
cmp -s "$TMP/one.dump" "$TMP/two.dump" && ok "--jobs 2 leaves the same store as --jobs 1" ||
	{ notok "--jobs 2 leaves the same store as --jobs 1"; diff "$TMP/one.dump" "$TMP/two.dump" | head -10 | sed 's/^/# /'; }
finish
