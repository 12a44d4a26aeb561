#!/bin/sh
# SPDX-License-Identifier: MIT
# `make demo`: starts the embedded PostgreSQL, serves the bundled sample site
# on 127.0.0.1, crawls it once, and shows the review queue. Re-running works:
# the second crawl finds nothing new (conditional GET) and the queue stays.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
LW="$top/lurewatch"
export LUREWATCH_HOME="${LUREWATCH_HOME:-$top/var}"
mkdir -p "$LUREWATCH_HOME"
port=${DEMO_PORT:-8642}
conf="$LUREWATCH_HOME/demo.conf"
log="$LUREWATCH_HOME/demo-server.log"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Serving the sample site on 127.0.0.1:$port"
python3 tests/server/lwserve.py --port "$port" --root sample/site --idle-exit 600 \
	>"$LUREWATCH_HOME/demo-server.out" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT INT TERM
# The server prints PORT=N once it listens.
i=0
until grep -q '^PORT=' "$LUREWATCH_HOME/demo-server.out" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 50 ] || ! kill -0 $server 2>/dev/null; then
		echo "demo: the sample site server did not start (port $port busy? set DEMO_PORT):" >&2
		cat "$LUREWATCH_HOME/demo-server.out" >&2
		exit 1
	fi
	sleep 0.1
done

# The sample source: the same selectors a real site would need (sample/README.md).
cat >"$conf" <<CONF
# Written by scripts/demo.sh: the bundled sample site as a crawl source.
[lurewatch]
home = $LUREWATCH_HOME

[source sample]
kind = html
start = http://127.0.0.1:$port/jobs/page/1.html
links = //a[@class='ad-link']/@href
next = //a[@rel='next']/@href
title = //h1[@class='ad-title']
body = //div[@class='ad-body']
location = //span[@class='ad-location']
posted = //time[@class='ad-posted']/@datetime
rate = 20
connections = 4
# The sample site is on loopback; real sources never need this.
allow_private = yes
CONF

say "Starting the embedded PostgreSQL (under $LUREWATCH_HOME)"
"$LW" --config "$conf" db start

say "Crawling the sample site (robots.txt obeyed: /private/ is never fetched)"
"$LW" --config "$conf" crawl --source sample || [ $? -eq 1 ]

say "The review queue (urgent first, then by priority)"
"$LW" --config "$conf" queue list --limit 10

top_id=$("$LW" --config "$conf" queue list --limit 1 --json |
	python3 -c 'import json,sys; a=json.load(sys.stdin); print(a[0]["id"] if a else "")')
if [ -n "$top_id" ]; then
	say "The top item, with its evidence and score explanation"
	"$LW" --config "$conf" queue show "$top_id"
fi

say "Starting the web interface"
web_port=${DEMO_WEB_PORT:-8640}
pidfile="$LUREWATCH_HOME/serve.pid"
# A re-run replaces the server an earlier run left going.
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
	kill "$(cat "$pidfile")" 2>/dev/null || true
	sleep 0.5
fi
nohup "$LW" --config "$conf" serve --listen "127.0.0.1:$web_port" \
	>"$LUREWATCH_HOME/serve.log" 2>&1 </dev/null &
echo $! >"$pidfile"
i=0
until grep -q 'listening on' "$LUREWATCH_HOME/serve.log" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		echo "demo: lurewatch serve did not start (port $web_port busy? set DEMO_WEB_PORT):" >&2
		cat "$LUREWATCH_HOME/serve.log" >&2
		exit 1
	fi
	sleep 0.1
done
# The demo account gets a fresh one-time password on every run.
if "$LW" --config "$conf" user list | grep -q '^demo '; then
	otp=$("$LW" --config "$conf" user passwd demo)
else
	otp=$("$LW" --config "$conf" user add demo --role supervisor)
fi
otp=$(echo "$otp" | sed -n 's/.*one-time password \([0-9a-f]*\).*/\1/p')

say "Next commands to try"
cat <<NEXT
  export LUREWATCH_CONFIG=$conf
  ./lurewatch queue claim --count 3           # take items to review
  ./lurewatch queue resolve ID --verdict escalated --to labour_inspectorate --note "..."
  ./lurewatch queue export --format csv       # for a spreadsheet
  ./lurewatch match --explain sample/site/ads/fishing-crew.html
  ./lurewatch robots sample/site/robots.txt http://127.0.0.1:$port/private/reports.html
  ./lurewatch rules check                     # compile the pack, run every example
  ./lurewatch user add NAME --role analyst    # accounts for the web interface
  kill \$(cat $pidfile)                 # stop the web interface
  ./lurewatch db stop                         # stop the embedded PostgreSQL
NEXT

say "The web interface"
cat <<WEB
  open  http://127.0.0.1:$web_port/
  account:  demo   one-time password:  $otp
  (you choose your own password at first sign-in; keys on the queue: j/k move,
   Enter open, c claim, e escalate, d dismiss, n note)
WEB
