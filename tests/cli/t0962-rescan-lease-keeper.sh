#!/bin/sh
# SPDX-License-Identifier: MIT
# A rescan worker keeps its chunk leased while it is busy. Its claim renewed the lease, and
# nothing else did: a chunk that took longer than --lease to write (here its batch waits for
# the queue's lock, held by another session; in real runs a large chunk, or the network
# priority waiting for another worker's batches) was taken by a second worker, scored again,
# and the second worker then redid the network priority of the whole rescan. A keeper thread
# on its own connection now renews it: the second worker waits, scores nothing, and every
# chunk is taken once.
. "$(dirname "$0")/lib.sh"
use_pg
N=300
LOCK_QUEUE=74692045

expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)
expect_rc 0 "db migrate" "$LW" db migrate
load_old_store "$N" 5
cat >"$TMP/lw.conf" <<CONF
[matcher]
rules = $TOP/rules
CONF

hold_lock $LOCK_QUEUE
expect_eq "$held" 1 "a session holds the queue's lock"

# The first worker takes the only chunk and blocks writing its first batch.
timeout 300 "$LW" --config "$TMP/lw.conf" rescan -q --lease 2 --chunk 1000000 \
	>"$TMP/a.out" 2>"$TMP/a.err" &
a=$!
pids="$pids $a"
waiting=0
for i in $(seq 1 300); do
	waiting=$(sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $LOCK_QUEUE
		       AND NOT granted")
	[ "$waiting" -ge 1 ] && break
	kill -0 "$a" 2>/dev/null || break
	sleep 0.1
done
[ "$waiting" -ge 1 ] && ok "the first worker waits for the queue's lock" ||
	notok "the first worker waits for the queue's lock (none waiting)"
# Twice the lease, then a second worker joins the same rescan.
sleep 4
timeout 300 "$LW" --config "$TMP/lw.conf" rescan -q --lease 2 >"$TMP/b.out" 2>"$TMP/b.err" &
b=$!
pids="$pids $b"
sleep 3
expect_eq "$(sql "SELECT max(attempts) FROM rescan_chunks")" 1 "the busy worker's chunk is still its own after 3.5 leases"
release_lock
wait "$a"
expect_eq "$?" 0 "the first worker finishes"
wait "$b"
expect_eq "$?" 0 "the second worker finishes"
expect_grep "rescanned $N listings.*: $N scored afresh" "$TMP/a.out" "the first worker scored every listing"
expect_grep "rescanned 0 listings" "$TMP/b.out" "the second scored none"
expect_eq "$(sql "SELECT max(attempts) FROM rescan_chunks")" 1 "the chunk was taken once"
[ -s "$TMP/a.err" ] && { notok "the first worker printed no error"; sed 's/^/# /' "$TMP/a.err" | head -5; } ||
	ok "the first worker printed no error"
finish
