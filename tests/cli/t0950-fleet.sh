#!/bin/sh
# SPDX-License-Identifier: MIT
# A fleet sharing one database: two crawl processes against one host with a
# per-host rate never exceed it together (measured from the server's own
# timestamps), every page is stored once, `status` lists the workers; two
# rescans share one rescan (each listing scored once, both did work); a daemon
# is listed live between its rounds and as stopped answering once killed.
. "$(dirname "$0")/lib.sh"
use_pg
SITE="$TOP/sample/site"

# rates LOG RATE: "max-in-any-second min-gap total" of the requests in an lwserve log.
rates() {
	python3 - "$1" <<'PY'
import json, sys
t = sorted(json.loads(l)["mono"] for l in open(sys.argv[1]) if l.strip())
gaps = [b - a for a, b in zip(t, t[1:])]
win = max(sum(1 for u in t if s <= u < s + 0.97) for s in t)
print(win, "%.3f" % min(gaps), len(t))
PY
}

expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)
start_server fleet --root "$SITE"
cat >"$TMP/fleet.conf" <<EOF
[lurewatch]
log_level = warn
[matcher]
rules = $TOP/rules
[crawler]
connections = 2
[source fleet]
kind = html
start = http://127.0.0.1:$port/jobs/page/1.html
links = //a[@class='ad-link']/@href
next = //a[@rel='next']/@href
title = //h1[@class='ad-title']
body = //div[@class='ad-body']
allow_private = yes
rate = 4
connections = 2
EOF
timeout 120 "$LW" --config "$TMP/fleet.conf" crawl >"$TMP/c1.out" 2>"$TMP/c1.err" &
c1=$!
timeout 120 "$LW" --config "$TMP/fleet.conf" crawl >"$TMP/c2.out" 2>"$TMP/c2.err" &
c2=$!
pids="$pids $c1 $c2"
# Look at status while both are at work.
i=0
while [ "$(sql "SELECT count(*) FROM workers WHERE role = 'crawl'" 2>/dev/null)" != 2 ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
"$LW" --config "$TMP/fleet.conf" status >"$TMP/status.out" 2>&1
wait $c1
r1=$?
wait $c2
r2=$?
expect_eq "$r1 $r2" "0 0" "two crawl processes on one host succeed"
sed 's/^/# /' "$TMP/c1.out" "$TMP/c2.out" "$TMP/c1.err" "$TMP/c2.err"
cp "$TMP/fleet.log" /tmp/fleet-last.log
set -- $(rates "$TMP/fleet.log")
win=$1 gap=$2 total=$3
# rate = 4: at most 4 request starts in any second, 0.25 s apart. The database
# grants the starts on its clock; a request reaches the server a few ms after
# its grant, so the tolerance is 30 ms on the window and 30 ms on a gap.
[ "$win" -le 4 ] && ok "never more than 4 requests in one second together ($win of $total)" ||
	notok "never more than 4 requests in one second together (saw $win)"
awk -v g="$gap" 'BEGIN { exit !(g >= 0.22) }' && ok "requests at least 0.25 s apart, whichever process ($gap)" ||
	notok "requests at least 0.25 s apart, whichever process (min gap $gap)"
expect_eq "$(sql "SELECT count(*) FROM listings")" 40 "every ad stored"
expect_eq "$(grep -c '"path": "/robots.txt"' "$TMP/fleet.log")" 2 "both processes fetched (each read robots.txt)"
both=$(cat "$TMP/c1.out" "$TMP/c2.out" | sed -n 's/.*: \([0-9][0-9]*\) pages.*/\1/p' | tr '\n' ' ')
case "$both" in
*[1-9]*\ *[1-9]*) ok "both processes fetched pages ($both)" ;;
*) notok "both processes fetched pages ($both)" ;;
esac
expect_eq "$(python3 -c 'import json,sys,collections; c=collections.Counter(json.loads(l)["path"] for l in open(sys.argv[1]) if l.strip()); print(sum(1 for p,n in c.items() if n > 1 and p != "/robots.txt"))' "$TMP/fleet.log")" 0 \
	"no page fetched twice"
expect_grep "WORKERS" "$TMP/status.out" "status has a workers section"
expect_eq "$(grep -c ' crawl ' "$TMP/status.out")" 2 "both crawl processes are listed live"
expect_eq "$(sql "SELECT count(*) FROM workers")" 0 "workers that stopped cleanly leave the registry"
expect_eq "$(sql "SELECT count(*) FROM crawl_host_slots")" 0 "and give their connection slots back"
# A worker that stopped answering is listed as such.
sql "INSERT INTO workers (owner, machine, pid, role, last_seen) VALUES ('gone:1', 'gone', 1, 'crawl', now() - interval '10 minutes')" >/dev/null
"$LW" --config "$TMP/fleet.conf" status >"$TMP/status2.out" 2>&1
expect_grep "stopped answering" "$TMP/status2.out" "a silent worker is listed as stopped answering"

# ---- two rescans share one rescan ---------------------------------------------------------
python3 - "$TMP/many.jsonl" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(6000):
        body = ("We hold your passport for safety, pay the agency fee before you fly %d" % i
                if i % 4 == 0 else "Maths tutor, evenings, $40 an hour, lesson %d" % i)
        f.write('{"url":"http://many.example/%d","title":"Ad %d","body":"%s"}\n' % (i, i, body))
PY
expect_rc 0 "ingest 6000 listings" timeout 300 "$LW" ingest -q --source many "$TMP/many.jsonl"
cp -r "$TOP/rules" "$TMP/rules2"
printf '[rule zz_tutor]\ncategory = deception\nweight = 1\ndescription = test rule\npattern = /\\btutor\\b/\n' \
	>"$TMP/rules2/zz-tutor.rules"
timeout 300 "$LW" rescan -q -r "$TMP/rules2" >"$TMP/r1.out" 2>"$TMP/r1.err" &
r1=$!
pids="$pids $r1"
i=0
while [ "$(sql "SELECT count(*) FROM rescan_chunks WHERE state <> 'queued'")" = 0 ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
timeout 300 "$LW" rescan -q -r "$TMP/rules2" >"$TMP/r2.out" 2>"$TMP/r2.err"
rb=$?
wait $r1
ra=$?
expect_eq "$ra $rb" "0 0" "two rescan processes with the same pack succeed"
sed 's/^/# /' "$TMP/r1.out" "$TMP/r2.out" "$TMP/r1.err" "$TMP/r2.err"
n1=$(sed -n 's/^rescanned \([0-9]*\) listings.*/\1/p' "$TMP/r1.out")
n2=$(sed -n 's/^rescanned \([0-9]*\) listings.*/\1/p' "$TMP/r2.out")
f1=$(sed -n 's/.*: \([0-9]*\) scored afresh.*/\1/p' "$TMP/r1.out")
f2=$(sed -n 's/.*: \([0-9]*\) scored afresh.*/\1/p' "$TMP/r2.out")
total=$(sql "SELECT count(*) FROM listings")
expect_eq "$((n1 + n2)) $((f1 + f2))" "$total $total" "each listing scored once between them ($n1 + $n2)"
[ "${n1:-0}" -gt 0 ] && [ "${n2:-0}" -gt 0 ] && ok "both did part of the rescan" || notok "both did part of the rescan ($n1, $n2)"
expect_eq "$(sql "SELECT count(*) FROM listing_versions v JOIN listings l ON l.id = v.listing_id AND v.version = l.current_version WHERE v.rule_pack <> (SELECT rule_pack FROM listing_versions ORDER BY id DESC LIMIT 1)")" 0 \
	"every current version carries the new pack's verdict"
expect_eq "$(sql "SELECT count(*) FROM rescans WHERE finished_at IS NULL")" 0 "the shared rescan is marked finished"
# --jobs N: N workers on this machine.
printf '[rule zz_evenings]\ncategory = deception\nweight = 1\ndescription = test rule\npattern = /\\bevenings\\b/\n' \
	>"$TMP/rules2/zz-evenings.rules"
expect_rc 0 "rescan --jobs 2" timeout 300 "$LW" rescan -q --jobs 2 -r "$TMP/rules2"
expect_grep "rescanned $total listings.*: $total scored afresh" "$TMP/out" "two workers of one command score each listing once"
expect_eq "$(sql "SELECT count(DISTINCT lease_owner) FROM rescan_chunks")" 0 "no chunk is left leased"
# Many workers on a rescan of one chunk: the first to start finishes it in a blink. Each
# worker used to join the rescan by itself, and one that joined after that found none
# unfinished, started a second rescan and scored every listing again (the summary said
# 6 or 7 times 40); the workers of one command now share the rescan joined before they start.
printf '[rule zz_maths]\ncategory = deception\nweight = 1\ndescription = test rule\npattern = /\\bmaths\\b/\n' \
	>"$TMP/rules2/zz-maths.rules"
before=$(sql "SELECT count(*) FROM rescans")
expect_rc 0 "rescan --jobs 8 of one chunk" timeout 300 "$LW" rescan -q --jobs 8 --source fleet -r "$TMP/rules2"
fl=$(sql "SELECT count(*) FROM listings l JOIN sources s ON s.id = l.source_id WHERE s.name = 'fleet'")
expect_grep "rescanned $fl listings.*: $fl scored afresh" "$TMP/out" "eight workers of one command score each of its $fl listings once"
expect_eq "$(($(sql "SELECT count(*) FROM rescans") - before))" 1 "and share one rescan"
# A rescan worker killed mid-chunk: its share is taken over when its lease expires.
printf '[rule zz_lesson]\ncategory = deception\nweight = 1\ndescription = test rule\npattern = /\\blesson\\b/\n' \
	>"$TMP/rules2/zz-lesson.rules"
"$LW" rescan -q --threads 1 --lease 3 -r "$TMP/rules2" >"$TMP/k1.out" 2>"$TMP/k1.err" &
k1=$!
pids="$pids $k1"
i=0
while [ "$(sql "SELECT count(*) FROM rescans r JOIN rescan_chunks c ON c.rescan_id = r.id WHERE r.finished_at IS NULL AND c.state = 'done'")" = 0 ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -9 $k1
expect_eq "$(sql "SELECT count(*) FROM rescans WHERE finished_at IS NULL")" 1 "a rescan is part-way when its worker is killed"
expect_rc 0 "another worker finishes it" timeout 300 "$LW" rescan -q --lease 3 -r "$TMP/rules2"
expect_eq "$(sql "SELECT count(*) FROM rescans WHERE finished_at IS NULL") $(sql "SELECT count(*) FROM rescan_chunks c JOIN rescans r ON r.id = c.rescan_id WHERE r.id = (SELECT max(id) FROM rescans) AND c.state <> 'done'")" "0 0" \
	"every chunk of the killed worker's rescan is done"
# A worker keeps its last chunk until the next is scored (its deferred network priority is
# safe only then), so it may die holding two.
taken=$(sql "SELECT count(*) FROM rescan_chunks WHERE rescan_id = (SELECT max(id) FROM rescans) AND attempts = 2")
[ "$taken" -ge 1 ] && [ "$taken" -le 2 ] && ok "the chunks it held were taken over after their lease ($taken)" ||
	notok "the chunks it held were taken over after their lease ($taken)"
expect_eq "$(sql "SELECT count(*) FROM listing_versions v JOIN listings l ON l.id = v.listing_id AND v.version = l.current_version WHERE v.rule_pack <> (SELECT rule_pack FROM listing_versions ORDER BY id DESC LIMIT 1)")" 0 \
	"every listing carries the new pack's verdict"
# ---- the daemon is listed while it runs, between crawl rounds too -------------------------
# start_daemon N: a daemon in the background; sets dpid to its own process id (not timeout's).
start_daemon() {
	rm -f "$TMP/d$1.pid"
	timeout 120 "$LW" --config "$TMP/fleet.conf" daemon --pidfile "$TMP/d$1.pid" >"$TMP/d$1.out" 2>"$TMP/d$1.err" &
	pids="$pids $!"
	i=0
	until [ -s "$TMP/d$1.pid" ] || [ $i -gt 300 ]; do sleep 0.1; i=$((i + 1)); done
	dpid=$(cat "$TMP/d$1.pid")
	i=0
	while [ "$(sql "SELECT count(*) FROM workers WHERE pid = $dpid AND role = 'daemon'" 2>/dev/null)" != 1 ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
start_daemon 1
# Its sources are crawled already: rounds are instant and it idles 5 s between them, so
# these looks a second apart fall between rounds as well as in them.
seen=0
for k in 1 2 3 4 5 6 7 8; do
	"$LW" --config "$TMP/fleet.conf" status --stale 3 >"$TMP/ds.out" 2>&1
	grep " $dpid daemon " "$TMP/ds.out" | grep -qv "stopped answering" && seen=$((seen + 1))
	sleep 1
done
expect_eq "$seen" 8 "the daemon is listed live in status all the time it runs, rounds or not"
kill -9 "$dpid"
sleep 4
"$LW" --config "$TMP/fleet.conf" status --stale 3 >"$TMP/ds.out" 2>&1
expect_eq "$(grep -c " $dpid daemon .*stopped answering" "$TMP/ds.out")" 1 \
	"a killed daemon is listed as stopped answering"
start_daemon 2
kill -TERM "$dpid"
i=0
while kill -0 "$dpid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "$(sql "SELECT count(*) FROM workers WHERE pid = $dpid")" 0 "a daemon stopped cleanly leaves the registry"
expect_rc 2 "status --stale takes seconds" "$LW" --config "$TMP/fleet.conf" status --stale x
finish
