#!/bin/sh
# SPDX-License-Identifier: MIT
# `queue watch` survives PostgreSQL going away and shows every item once:
# its backend terminated (pg_terminate_backend), the server stopped and
# started, the whole server frozen (SIGSTOP) for longer than the watch's
# 10 s idle ping and keepalive, and its own backend frozen while items are
# queued, which only the catch-up on reconnecting can show. Each recovery
# is timed against the backoff (0.5 s doubling to 30 s).
. "$(dirname "$0")/lib.sh"
use_pg
H=$LUREWATCH_HOME
expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)
frozen=""
thaw() { for p in $frozen; do kill -CONT "$p" 2>/dev/null; done; frozen=""; }
trap 'thaw; lw_cleanup' EXIT

k=0
# queue_one NAME: ingests a listing that is queued, at http://watch/NAME.
queue_one() {
	k=$((k + 1))
	printf '{"url":"http://watch/%s","title":"Job %s","body":"Job %s number %d in town %s: your passport is kept by the boss and your wages are withheld until you pay a recruitment fee of %d dollars."}\n' \
		"$1" "$1" "$1" "$k" "$1" "$((k * 1000 + 7))" | "$LW" ingest >/dev/null 2>&1
}
watch_backend() { sql "SELECT pid FROM pg_stat_activity WHERE application_name = 'lwwatch' LIMIT 1"; }
# until_line FILE PATTERN SECONDS: waits for PATTERN in FILE; 0 when seen.
until_line() {
	i=0
	while ! grep -q "$2" "$1" && [ $i -lt $(($3 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
	grep -q "$2" "$1"
}
reconnects() { grep -c "reconnected after" "$TMP/watch.err"; }

PGAPPNAME=lwwatch "$LW" queue watch --json >"$TMP/watch" 2>"$TMP/watch.err" &
watch_pid=$!
pids="$pids $watch_pid"
i=0
while [ -z "$(watch_backend)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
queue_one a
until_line "$TMP/watch" 'http://watch/a' 10 && ok "watch shows an item queued while it runs" ||
	notok "watch shows an item queued while it runs"

# ---- its backend terminated -------------------------------------------------------------

t0=$(date +%s)
sql "SELECT pg_terminate_backend($(watch_backend))" >/dev/null
queue_one b
if until_line "$TMP/watch.err" "reconnected after" 10 && [ $(($(date +%s) - t0)) -le 4 ]; then
	ok "backend terminated: reconnected in $(($(date +%s) - t0)) s"
	grep "lost\|reconnected" "$TMP/watch.err" | sed 's/^/# /'
else
	notok "backend terminated: no reconnection within 4 s"
	sed 's/^/# /' "$TMP/watch.err" | tail -5
fi
until_line "$TMP/watch" 'http://watch/b' 10 && ok "the item queued meanwhile is shown" ||
	notok "the item queued meanwhile is shown"

# ---- the server stopped and started ------------------------------------------------------

n0=$(reconnects)
"$LW" db stop >/dev/null 2>&1
sleep 2
"$LW" db start >/dev/null 2>&1
t0=$(date +%s)
i=0
while [ "$(reconnects)" -le "$n0" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
took=$(($(date +%s) - t0))
# Down about 3 s: tries at 0.5, 1.5, 3.5, 7.5 and 15.5 s after the loss.
if [ "$(reconnects)" -gt "$n0" ] && [ "$took" -le 15 ]; then
	ok "server restarted: reconnected $took s after it was up"
else
	notok "server restarted: no reconnection within 15 s of the start (took $took s)"
	sed 's/^/# /' "$TMP/watch.err" | tail -5
fi
queue_one c
until_line "$TMP/watch" 'http://watch/c' 10 && ok "an item queued after the restart is shown" ||
	notok "an item queued after the restart is shown"

# ---- the whole server frozen longer than the idle ping -----------------------------------

n0=$(reconnects)
l0=$(grep -c "lost its database connection" "$TMP/watch.err")
data=$(sql "SHOW data_directory")
pm=$(head -1 "$data/postmaster.pid")
frozen="$pm $(ps -o pid= --ppid "$pm")"
for p in $frozen; do kill -STOP "$p"; done
t0=$(date +%s)
# Noticed within the idle ping (10 s) and its answer's deadline (10 s).
i=0
while [ "$(grep -c "lost its database connection" "$TMP/watch.err")" -le "$l0" ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
noticed=$(($(date +%s) - t0))
sleep $((25 - noticed > 0 ? 25 - noticed : 0))
thaw
t1=$(date +%s)
if [ "$noticed" -le 22 ]; then
	ok "a frozen server is noticed after $noticed s"
	grep "lost its database connection" "$TMP/watch.err" | tail -1 | sed 's/^/# /'
else
	notok "a frozen server is noticed ($noticed s)"
fi
i=0
while [ "$(reconnects)" -le "$n0" ] && [ $i -lt 450 ]; do sleep 0.1; i=$((i + 1)); done
took=$(($(date +%s) - t1))
# The longest wait: a 30 s pause (at most 16 s by now) after a 5 s connect timeout.
if [ "$(reconnects)" -gt "$n0" ] && [ "$took" -le 25 ]; then
	ok "frozen server thawed: reconnected $took s later"
else
	notok "frozen server thawed: no reconnection within 25 s (took $took s)"
	sed 's/^/# /' "$TMP/watch.err" | tail -5
fi
queue_one d
until_line "$TMP/watch" 'http://watch/d' 10 && ok "an item queued after the thaw is shown" ||
	notok "an item queued after the thaw is shown"

# ---- its own backend frozen while items are queued: the catch-up -------------------------

n0=$(reconnects)
backend=$(watch_backend)
kill -STOP "$backend"
frozen=$backend
queue_one e
queue_one f
i=0
while [ "$(reconnects)" -le "$n0" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
thaw
if [ "$(reconnects)" -gt "$n0" ] && grep "reconnected after" "$TMP/watch.err" | tail -1 | grep -q "2 items queued meanwhile"; then
	ok "frozen backend: the watch reconnected and caught up on the 2 items queued meanwhile"
else
	notok "frozen backend: catch-up on reconnect"
	sed 's/^/# /' "$TMP/watch.err" | tail -3
fi
until_line "$TMP/watch" 'http://watch/f' 5
queue_one g
until_line "$TMP/watch" 'http://watch/g' 10 && ok "and goes on watching" || notok "and goes on watching"

kill -TERM "$watch_pid"
wait "$watch_pid"
expect_eq "$?" 0 "watch ends cleanly on SIGTERM"
for u in a b c d e f g; do
	printf '%s %s\n' "$u" "$(grep -c "\"url\":\"http://watch/$u\"" "$TMP/watch")"
done >"$TMP/counts"
expect_eq "$(tr '\n' ' ' <"$TMP/counts")" "a 1 b 1 c 1 d 1 e 1 f 1 g 1 " "every item shown exactly once"
expect_eq "$(wc -l <"$TMP/watch" | tr -d ' ')" 7 "and nothing else"
finish
