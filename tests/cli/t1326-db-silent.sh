#!/bin/sh
# SPDX-License-Identifier: MIT
# A server that accepts connections and never answers (tests/server/
# silentpg.py holding the cluster's socket, or a configured address):
# `db status` says "not answering" within its 5 s ping instead of hanging,
# `db start` refuses to start PostgreSQL beside it (which would take the
# socket over), and [database] connect_timeout bounds every other
# command's connection. Once the impostor is gone the same commands work.
. "$(dirname "$0")/lib.sh"
use_pg
H=$LUREWATCH_HOME
SILENT="$TOP/tests/server/silentpg.py"
expect_rc 0 "db start" "$LW" db start
expect_rc 0 "db stop" "$LW" db stop
sock=$("$LW" db url | sed -n "s/^host='\([^']*\)'.*/\1/p")
[ -d "$sock" ] && ok "the cluster's socket folder is $sock" || notok "socket folder from db url ('$sock')"

# silent DIR: silentpg.py on DIR/.s.PGSQL.5432; sets $silent_pid.
# The output file is removed first: the background job truncates it only
# once it has forked, and the wait below must not read the "ready" of the
# previous impostor (on a loaded machine it did, and the command under test
# ran before the socket existed).
silent() {
	rm -f "$TMP/silent.out"
	python3 "$SILENT" --socket-dir "$1" --idle-exit 120 >"$TMP/silent.out" 2>"$TMP/silent.err" &
	silent_pid=$!
	pids="$pids $silent_pid"
	i=0
	while ! grep -q '^ready' "$TMP/silent.out" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	grep -q '^ready' "$TMP/silent.out" 2>/dev/null || notok "silentpg.py on $1 did not start within 30 s"
}
# elapsed CMD...: output in $TMP/out and $TMP/err, rc in $rc, whole seconds in $secs.
elapsed() {
	t0=$(date +%s)
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	secs=$(($(date +%s) - t0))
}

# ---- the embedded cluster's socket held by a silent process -----------------------------

silent "$sock"
elapsed "$LW" db status
if [ "$rc" -eq 1 ] && [ "$secs" -le 8 ] && grep -q "embedded database: not answering" "$TMP/out"; then
	ok "db status: not answering, exit 1 after $secs s"
	sed 's/^/# /' "$TMP/out"
else
	notok "db status beside a silent socket (exit $rc in $secs s)"
	sed 's/^/# /' "$TMP/out" "$TMP/err" | head -5
fi

elapsed "$LW" db start
if [ "$rc" -eq 2 ] && [ "$secs" -le 8 ] && grep -q "does not answer within 5 s" "$TMP/err" &&
   grep -q "not starting PostgreSQL beside it" "$TMP/err"; then
	ok "db start refuses to start beside it: exit 2 after $secs s"
	sed 's/^/# /' "$TMP/err"
else
	notok "db start beside a silent socket (exit $rc in $secs s)"
	sed 's/^/# /' "$TMP/out" "$TMP/err" | head -5
fi
[ ! -e "$H/pg/postmaster.pid" ] && kill -0 "$silent_pid" 2>/dev/null && [ -S "$sock/.s.PGSQL.5432" ] &&
	ok "no server started and the socket left to its holder" ||
	notok "no server started and the socket left to its holder"

# A command that needs the database says so instead of hanging.
elapsed "$LW" queue list
if [ "$rc" -eq 2 ] && [ "$secs" -le 8 ] && grep -q "does not answer" "$TMP/err"; then
	ok "queue list refuses too: exit 2 after $secs s"
else
	notok "queue list beside a silent socket (exit $rc in $secs s)"
	sed 's/^/# /' "$TMP/err" | head -5
fi
kill "$silent_pid"
wait "$silent_pid" 2>/dev/null

expect_rc 0 "db start once the socket is free" "$LW" db start
expect_rc 0 "db status: running" "$LW" db status
expect_grep "embedded database: running" "$TMP/out" "db status says running"

# ---- a configured server that never answers -----------------------------------------------

mkdir -p "$TMP/silent"
chmod 755 "$TMP/silent"
silent "$TMP/silent"
cat >"$H/silent.conf" <<EOF2
[database]
url = host=$TMP/silent port=5432 dbname=lurewatch user=lurewatch
connect_timeout = 3
EOF2
elapsed env LUREWATCH_CONFIG="$H/silent.conf" "$LW" db status
if [ "$rc" -eq 1 ] && [ "$secs" -le 5 ] && grep -q "configured database: not answering" "$TMP/out"; then
	ok "db status on a silent configured server: not answering after $secs s (connect_timeout 3 < 5)"
else
	notok "db status on a silent configured server (exit $rc in $secs s)"
	sed 's/^/# /' "$TMP/out" "$TMP/err" | head -5
fi
# Before connect_timeout a connection waited as long as a statement (300 s).
elapsed env LUREWATCH_CONFIG="$H/silent.conf" "$LW" queue list
if [ "$rc" -eq 2 ] && [ "$secs" -le 6 ] &&
   grep -q "database did not answer within 3 s during connecting" "$TMP/err"; then
	ok "queue list: connect_timeout = 3 ends the wait after $secs s"
else
	notok "queue list against a silent configured server (exit $rc in $secs s)"
	sed 's/^/# /' "$TMP/err" | head -5
fi
kill "$silent_pid"
wait "$silent_pid" 2>/dev/null
elapsed env LUREWATCH_CONFIG="$H/silent.conf" "$LW" db status
if [ "$rc" -eq 1 ] && grep -q "configured database: down" "$TMP/out"; then
	ok "nothing listening is down, not silent, after $secs s"
else
	notok "nothing listening (exit $rc in $secs s)"
	sed 's/^/# /' "$TMP/out" "$TMP/err" | head -5
fi

printf '[database]\nconnect_timeout = 0\n' >"$H/bad.conf"
expect_rc 2 "connect_timeout = 0 is refused" env LUREWATCH_CONFIG="$H/bad.conf" "$LW" db status
expect_grep "bad.conf:2" "$TMP/err" "with file:line"
finish
