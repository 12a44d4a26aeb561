#!/bin/sh
# SPDX-License-Identifier: MIT
# A server that stops answering never hangs lurewatch: with [database]
# statement_timeout = 2 a command ends with a clear error soon after it,
# whether the server cancels the statement itself (a lock held too long),
# the backend running it is frozen mid-statement (SIGSTOP, so only the
# client's deadline, 2 + 5 s, can end the wait; `status`, then `ingest`,
# whose half-written batch must leave nothing), or the whole server is
# frozen before the connection is set up. Afterwards the same command works.
. "$(dirname "$0")/lib.sh"
use_pg
H=$LUREWATCH_HOME
expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)
sql() { PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A -v ON_ERROR_STOP=1 "$URL" -c "$1"; }
cat >"$H/lurewatch.conf" <<EOF
[database]
url = $URL
statement_timeout = 2
EOF
frozen=""
thaw() { for p in $frozen; do kill -CONT "$p" 2>/dev/null; done; frozen=""; }
trap 'thaw; lw_cleanup' EXIT

printf '{"url":"http://wait/1","title":"Farm","body":"Your wages are withheld. Pay a fee."}\n' >"$TMP/one.jsonl"
expect_rc 0 "ingest one listing" "$LW" ingest "$TMP/one.jsonl"
expect_rc 0 "status answers" "$LW" status

# lock_listings: a session of psql holds listings until unlock_listings.
lock_listings() {
	PGAPPNAME=lwlock PGOPTIONS='-csearch_path=lurewatch' psql -X -q "$URL" \
		-c "BEGIN" -c "LOCK TABLE listings IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(120)" \
		>/dev/null 2>&1 &
	lock=$!
	i=0
	while [ "$(sql "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
		WHERE c.relname = 'listings' AND l.mode = 'AccessExclusiveLock' AND l.granted")" != 1 ] &&
	      [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
# The server ends the session: pg_sleep would not notice its client gone.
unlock_listings() {
	sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lwlock'" >/dev/null
	wait "$lock" 2>/dev/null
}

# elapsed CMD...: runs CMD, output in $TMP/out and $TMP/err, rc in $rc,
# whole seconds taken in $secs.
elapsed() {
	t0=$(date +%s)
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	secs=$(($(date +%s) - t0))
}

# ---- the server cancels the statement itself --------------------------------------------

lock_listings
elapsed "$LW" status
unlock_listings
if [ "$rc" -eq 2 ] && [ "$secs" -le 6 ] && grep -q "canceling statement due to statement timeout" "$TMP/err"; then
	ok "a statement blocked past statement_timeout is cancelled by the server: exit 2 in $secs s"
else
	notok "server-side statement_timeout (exit $rc in $secs s)"
	sed 's/^/# /' "$TMP/err" | head -5
fi

# ---- the backend freezes mid-statement ----------------------------------------------------

# frozen_run CMD...: runs CMD while listings are locked, freezes the backend
# of its statement that waits for the lock, and waits for CMD; output in
# $TMP/out and $TMP/err, rc in $rc, seconds in $secs.
frozen_run() {
	lock_listings
	"$@" >"$TMP/out" 2>"$TMP/err" &
	cmd=$!
	t0=$(date +%s)
	i=0
	backend=
	while [ -z "$backend" ] && [ $i -lt 200 ]; do
		backend=$(sql "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'
			AND application_name <> 'lwlock' LIMIT 1")
		[ -z "$backend" ] && sleep 0.05
		i=$((i + 1))
	done
	if [ -n "$backend" ]; then
		kill -STOP "$backend"
		frozen="$backend"
	fi
	wait "$cmd"
	rc=$?
	secs=$(($(date +%s) - t0))
	thaw
	unlock_listings
}

frozen_run "$LW" status
if [ -n "$backend" ] && [ "$rc" -eq 2 ] && [ "$secs" -le 12 ] &&
   grep -q 'database did not answer within 7 s during "SELECT json_build_object' "$TMP/err"; then
	ok "a backend frozen mid-statement: exit 2 after $secs s, the deadline named"
	sed "s/^/# /" "$TMP/err"
else
	notok "a backend frozen mid-statement (backend '$backend', exit $rc in $secs s)"
	sed 's/^/# /' "$TMP/err" | head -5
fi

# Ingestion: its batch waits for listings after the COPY; nothing of it stays.
printf '{"url":"http://wait/2","title":"Cook","body":"Pay a fee first."}\n' >"$TMP/two.jsonl"
frozen_run "$LW" ingest --retry 0 "$TMP/two.jsonl"
if [ -n "$backend" ] && [ "$rc" -eq 2 ] && [ "$secs" -le 12 ] &&
   grep -q 'database did not answer within 7 s' "$TMP/err"; then
	ok "ingest with its backend frozen mid-batch: exit 2 after $secs s"
else
	notok "ingest with its backend frozen mid-batch (backend '$backend', exit $rc in $secs s)"
	sed 's/^/# /' "$TMP/err" | head -5
fi
i=0
while [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE pid = ${backend:-0}")" != 0 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(sql "SELECT count(*) FROM listings WHERE url = 'http://wait/2'")" = 0 ] &&
	ok "nothing of the frozen batch is stored" || notok "nothing of the frozen batch is stored"
expect_rc 0 "the batch ingested again" "$LW" ingest "$TMP/two.jsonl"
[ "$(sql "SELECT count(*) FROM listings WHERE url = 'http://wait/2'")" = 1 ] &&
	ok "and stored once" || notok "and stored once"

# ---- the whole server frozen --------------------------------------------------------------

data=$(sql "SHOW data_directory")
pm=$(head -1 "$data/postmaster.pid")
frozen="$pm $(ps -o pid= --ppid "$pm")"
for p in $frozen; do kill -STOP "$p"; done
elapsed "$LW" status
thaw
if [ "$rc" -eq 2 ] && [ "$secs" -le 6 ] &&
   grep -q "database did not answer within 2 s during connecting" "$TMP/err"; then
	ok "a frozen server: exit 2 after $secs s while connecting"
else
	notok "a frozen server (exit $rc in $secs s)"
	sed 's/^/# /' "$TMP/err" | head -5
fi

expect_rc 0 "status answers again once the server does" "$LW" status
expect_grep "queue: new 1" "$TMP/out" "status shows the stored listing, queued"
finish
