#!/bin/sh
# SPDX-License-Identifier: MIT
# `lurewatch daemon` against tests/server/lwserve.py on 127.0.0.1 and a throwaway
# PostgreSQL: passes on schedule, SIGHUP with a good and a broken rule pack,
# PostgreSQL restarted underneath, SIGTERM mid-crawl and a resumed pass, the
# pidfile; then `lurewatch rescan`, `lurewatch status --json` and `config check`.
. "$(dirname "$0")/lib.sh"
use_pg
T0=$(date +%s)
sql() {
	PGCLIENTENCODING=UTF8 PGOPTIONS='-csearch_path=lurewatch' \
		psql -X -q -t -A -v ON_ERROR_STOP=1 "$URL" -c "$1" 2>/dev/null
}
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else notok "$3 (got '$1', wanted '$2')"; fi
}
# wait_for TENTHS CMD...: polls CMD until it succeeds; 1 when that many tenths
# of a second have passed.
wait_for() {
	end=$(($(date +%s%N) / 100000000 + $1))
	shift
	until "$@"; do
		[ "$(($(date +%s%N) / 100000000))" -ge "$end" ] && return 1
		sleep 0.1
	done
}
# q_ge QUERY N: the query's single value is at least N.
q_ge() { v=$(sql "$1"); [ -n "$v" ] && [ "$v" -ge "$2" ]; }
# alive PID: the process exists and is not a zombie.
alive() {
	st=$(sed -n 's/^[0-9]* ([^)]*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}
gone() { ! alive "$1"; }
# log_has FILE PATTERN [FROM]: an extended regex in the lines after line FROM.
log_has() { tail -n +"$((${3:-0} + 1))" "$1" | grep -Eq -- "$2"; }
# slug NAME: the listing URL of an ad page on the daemon's site.
ad_url() { echo "http://127.0.0.1:$PD/ads/$1.html"; }
queued() { [ "$(sql "SELECT count(*) FROM queue_items q JOIN listings l ON l.id = q.listing_id WHERE l.url = '$(ad_url "$1")'")" = 1 ]; }
stored() { [ "$(sql "SELECT count(*) FROM listings WHERE url = '$(ad_url "$1")'")" = 1 ]; }
# ad_html TITLE BODY: an ad page as the sample site would have it.
ad_html() {
	printf '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>%s</title></head><body>\n<h1 class="ad-title">%s</h1>\n<div class="ad-body"><p>%s</p></div>\n</body></html>\n' \
		"$1" "$1" "$2"
}
# add_ad NAME TITLE BODY: a new ad page, linked from the first listing page.
add_ad() {
	ad_html "$2" "$3" >"$SITE/ads/$1.html"
	sed -i "s#</main>#<p><a class=\"ad-link\" href=\"/ads/$1.html\">$2</a></p>\n</main>#" "$SITE/jobs/page/1.html"
}
section() { echo "# [$(($(date +%s) - T0)) s] $*"; }

expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)

# A small rule pack, so that every reload compiles in an instant.
mkdir -p "$TMP/rules0"
cat >"$TMP/rules0/00-pack.rules" <<'EOF'
[pack]
name = daemon-test
version = 1
threshold = 1

[rule passport_held]
category = documents
weight = 2
description = the employer keeps the worker's passport
pattern = /\bpassports?\b/
EOF
cp -r "$TMP/rules0" "$TMP/rules"
SITE="$TMP/site"
cp -r "$TOP/sample/site" "$SITE"
start_server site --root "$SITE"
PD=$port
# daemon_conf NAME PORT RULES [LINES]: a configuration with one sample-site source.
daemon_conf() {
	printf '[lurewatch]\nlog_level = info\n[matcher]\nrules = %s\n[crawler]\nlease_seconds = 10\n' "$3"
	printf '[source %s]\nkind = html\nstart = http://127.0.0.1:%s/jobs/page/1.html\n' "$1" "$2"
	cat <<'EOF'
links = //a[@class='ad-link']/@href
next = //a[@rel='next']/@href
title = //h1[@class='ad-title']
body = //div[@class='ad-body']
location = //span[@class='ad-location']
allow_private = yes
EOF
	shift 3
	for l in "$@"; do printf '%s\n' "$l"; done
}
daemon_conf site "$PD" "$TMP/rules" "interval = 3s" "rate = 50" "connections = 4" >"$TMP/daemon.conf"

# ---- passes on schedule ----------------------------------------------------------------------
section "passes on schedule"
timeout 170 "$LW" --config "$TMP/daemon.conf" daemon --pidfile "$TMP/daemon.pid" >"$TMP/d.out" 2>"$TMP/d.log" &
dwrap=$!
pids="$pids $dwrap"
wait_for 100 test -s "$TMP/daemon.pid"
dpid=$(cat "$TMP/daemon.pid" 2>/dev/null)
[ -n "$dpid" ] && [ "$(cat "/proc/$dpid/comm" 2>/dev/null)" = lurewatch ] &&
	ok "the pidfile holds the daemon's process id ($dpid)" || notok "the pidfile holds the daemon's process id ('$dpid')"
pids="$pids $dpid"
wait_for 100 log_has "$TMP/d.log" 'event=started' && ok "the log says event=started" || notok "the log says event=started"
PASS="SELECT c.pass FROM crawl_sources c JOIN sources s ON s.id = c.source_id WHERE s.name = 'site'"
t=$(date +%s)
wait_for 250 q_ge "$PASS" 2
t=$(($(date +%s) - t))
expect_eq "$(sql "$PASS")" 2 "a second pass starts on its own (after ${t}s)"
# The pass counter moves before the start page is fetched: wait for the server's log.
page1_twice() { [ "$(grep -c '"path": "/jobs/page/1.html"' "$TMP/site.log")" -ge 2 ]; }
wait_for 50 page1_twice
gap=$(python3 -c '
import json, sys
t = sorted(json.loads(l)["mono"] for l in open(sys.argv[1]) if "\"/jobs/page/1.html\"" in l)
print("%.2f" % (t[1] - t[0]) if len(t) > 1 else 0)' "$TMP/site.log")
awk -v g="$gap" 'BEGIN { exit !(g >= 2.9 && g <= 15) }' &&
	ok "the server saw the passes begin $gap s apart (interval = 3s)" || notok "the server saw the passes begin $gap s apart (interval = 3s)"
expect_eq "$(sql "SELECT count(*) FROM listings l JOIN sources s ON s.id = l.source_id WHERE s.name = 'site'")" 40 \
	"the first pass stored the 40 ads"
"$LW" match -r "$TMP/rules0" --json "$SITE"/ads/*.html 2>/dev/null | grep -c '"flagged":true' >"$TMP/want"
expect_eq "$(sql "SELECT count(*) FROM queue_items q JOIN listings l ON l.id = q.listing_id JOIN sources s ON s.id = l.source_id WHERE s.name = 'site'")" \
	"$(cat "$TMP/want")" "the queue holds what lurewatch match flags with the same pack"
log_has "$TMP/d.log" 'event=crawl_round .*ads=40' && ok "the log reports the round (event=crawl_round ads=40)" ||
	notok "the log reports the round (event=crawl_round ads=40)"

# ---- status --json ---------------------------------------------------------------------------
section "status --json"
expect_rc 0 "status --json" timeout 30 "$LW" --config "$TMP/daemon.conf" status --json
python3 - "$TMP/out" >"$TMP/status" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
src = [x for x in s["sources"] if x["name"] == "site"][0]
print("pass>=2" if src["pass"] >= 2 else "pass=%s" % src["pass"])
print("next_run" if src.get("next_run") else "no next_run")
print("listings=%d" % src["listings"])
q = s["queue"]["by_status"]
print("new=%d" % q.get("new", 0))
EOF
expect_eq "$(sed -n 1p "$TMP/status") $(sed -n 2p "$TMP/status") $(sed -n 3p "$TMP/status")" "pass>=2 next_run listings=40" \
	"status --json shows the source's pass, next run and listings"
expect_eq "$(sed -n 4p "$TMP/status")" "new=$(sql "SELECT count(*) FROM queue_items WHERE status = 'new'")" \
	"status --json counts the queue"

# ---- SIGHUP with a good pack -------------------------------------------------------------------
section "SIGHUP with a good pack"
cat >"$TMP/rules/zz-new.rules" <<'EOF'
[rule zanzibar_bonus]
category = deception
weight = 2
description = the new rule of this test
pattern = /\bzanzibar\s+bonus\b/
EOF
ad_html "Resort staff for the season" "Hotel work on the coast, a Zanzibar bonus paid at the end of the season." \
	>"$TMP/zz-zanzibar.html"
expect_rc 1 "the old pack does not flag the new ad" "$LW" match -r "$TMP/rules0" "$TMP/zz-zanzibar.html"
expect_rc 0 "the new pack does" "$LW" match -r "$TMP/rules" "$TMP/zz-zanzibar.html"
lines=$(wc -l <"$TMP/d.log")
kill -HUP "$dpid"
wait_for 150 log_has "$TMP/d.log" 'event=reloaded' "$lines" && ok "SIGHUP: the log says event=reloaded" ||
	{ notok "SIGHUP: the log says event=reloaded"; sed 's/^/# /' "$TMP/d.log" | tail -5; }
hash=$(tail -n +"$((lines + 1))" "$TMP/d.log" | sed -n 's/.*event=reloaded.* pack=\([0-9a-f]*\).*/\1/p' | head -1)
[ -n "$hash" ] && ok "the reload names the new pack ($hash)" || notok "the reload names the new pack"
add_ad zz-zanzibar "Resort staff for the season" "Hotel work on the coast, a Zanzibar bonus paid at the end of the season."
wait_for 200 queued zz-zanzibar && ok "an ad only the new rule flags is queued by a later pass" ||
	notok "an ad only the new rule flags is queued by a later pass"
expect_eq "$(sql "SELECT string_agg(DISTINCT h.rule_id, ' ') FROM hits h JOIN listing_versions v ON v.id = h.version_id JOIN listings l ON l.id = v.listing_id WHERE l.url = '$(ad_url zz-zanzibar)'")" \
	zanzibar_bonus "its hit is the new rule"
expect_eq "$(sql "SELECT left(v.rule_pack, 12) FROM listing_versions v JOIN listings l ON l.id = v.listing_id WHERE l.url = '$(ad_url zz-zanzibar)'")" \
	"$hash" "scored with the reloaded pack ($hash)"

# ---- SIGHUP with a broken pack ------------------------------------------------------------------
section "SIGHUP with a broken pack"
printf '[rule broken_weight]\ncategory = deception\nweight = lots\ndescription = not a number\npattern = /x/\n' \
	>"$TMP/rules/zz-broken.rules"
lines=$(wc -l <"$TMP/d.log")
kill -HUP "$dpid"
wait_for 150 log_has "$TMP/d.log" 'event=reload_failed' "$lines" && ok "SIGHUP: the log says event=reload_failed" ||
	notok "SIGHUP: the log says event=reload_failed"
log_has "$TMP/d.log" 'event=reload_failed .*zz-broken\.rules:3' "$lines" && ok "naming zz-broken.rules:3" ||
	{ notok "naming zz-broken.rules:3"; tail -n +"$((lines + 1))" "$TMP/d.log" | sed 's/^/# /' | head -5; }
sleep 0.5
alive "$dpid" && ok "the daemon keeps running" || notok "the daemon keeps running"
add_ad zz-passport "Farm work, housing given" "Farm work abroad. Your passport is kept by the manager until the contract ends."
wait_for 200 queued zz-passport && ok "an ad the old pack flags, added afterwards, is still queued" ||
	notok "an ad the old pack flags, added afterwards, is still queued"
expect_eq "$(sql "SELECT left(v.rule_pack, 12) FROM listing_versions v JOIN listings l ON l.id = v.listing_id WHERE l.url = '$(ad_url zz-passport)'")" \
	"$hash" "scored with the pack that was loaded before ($hash)"
rm -f "$TMP/rules/zz-broken.rules"

# ---- PostgreSQL restarted under the daemon ---------------------------------------------------------
section "PostgreSQL restarted under the daemon"
lines=$(wc -l <"$TMP/d.log")
expect_rc 0 "db stop under the running daemon" timeout 60 "$LW" db stop
for k in 1 2 3; do add_ad "zz-while-down-$k" "Warehouse picker $k" "Warehouse picking, day shifts, ref $k."; done
wait_for 150 log_has "$TMP/d.log" 'level=error' "$lines" && ok "the daemon logs the lost database" ||
	notok "the daemon logs the lost database"
tail -n +"$((lines + 1))" "$TMP/d.log" | grep 'level=error' | head -2 | cut -c1-300 | sed 's/^/# /'
sleep 1
errs=$(tail -n +"$((lines + 1))" "$TMP/d.log" | grep -c 'level=error')
expect_rc 0 "db start again" timeout 60 "$LW" db start
alive "$dpid" && ok "the daemon survived the restart" || notok "the daemon survived the restart"
[ "$errs" -le 20 ] && ok "it retries calmly ($errs error lines while the database was down)" ||
	notok "it retries calmly ($errs error lines while the database was down)"
all_stored() { stored zz-while-down-1 && stored zz-while-down-2 && stored zz-while-down-3; }
wait_for 300 all_stored && ok "it reconnects and stores the ads added while the database was down" ||
	notok "it reconnects and stores the ads added while the database was down"
expect_eq "$(sql "SELECT count(*) FROM listings l JOIN sources s ON s.id = l.source_id WHERE s.name = 'site'")" \
	"$(ls "$SITE/ads" | wc -l | tr -d ' ')" "every ad of the site is stored, nothing lost"
wait_for 100 q_ge "SELECT count(*) FROM crawl_urls WHERE state = 'done' AND url LIKE '%zz-while-down-%'" 3 &&
	ok "their frontier rows are done" || notok "their frontier rows are done"

# ---- SIGTERM while idle; the pidfile -------------------------------------------------------------
section "SIGTERM while idle"
kill -TERM "$dpid"
wait_for 100 gone "$dpid" && ok "SIGTERM: the daemon exits" || notok "SIGTERM: the daemon exits"
wait "$dwrap"
expect_eq "$?" 0 "with status 0"
[ ! -e "$TMP/daemon.pid" ] && ok "the pidfile is removed" || notok "the pidfile is removed"
log_has "$TMP/d.log" 'event=stopped' && ok "the log says event=stopped" || notok "the log says event=stopped"

# ---- SIGTERM mid-crawl, then a restart finishes the pass -------------------------------------------
section "SIGTERM mid-crawl"
start_server slow --root "$TOP/sample/site" --delay-ms 250
PS=$port
daemon_conf slow "$PS" "$TMP/rules0" "rate = 20" "connections = 2" >"$TMP/slow.conf"
sed -i 's/^lease_seconds = 10$/lease_seconds = 300/' "$TMP/slow.conf"
timeout 120 "$LW" --config "$TMP/slow.conf" daemon --pidfile "$TMP/slow.pid" >"$TMP/s.out" 2>"$TMP/s.log" &
swrap=$!
pids="$pids $swrap"
wait_for 100 test -s "$TMP/slow.pid"
spid=$(cat "$TMP/slow.pid")
pids="$pids $spid"
SLOW="FROM crawl_urls c JOIN sources s ON s.id = c.source_id WHERE s.name = 'slow'"
wait_for 300 q_ge "SELECT count(*) $SLOW AND c.kind = 'detail' AND c.state = 'done'" 8
t=$(date +%s)
kill -TERM "$spid"
wait_for 100 gone "$spid"
wait "$swrap"
rc=$?
t=$(($(date +%s) - t))
[ $rc -eq 0 ] && [ $t -le 5 ] && ok "SIGTERM mid-crawl: exit 0 after ${t}s" || notok "SIGTERM mid-crawl: exit $rc after ${t}s"
expect_eq "$(sql "SELECT count(*) FROM crawl_urls WHERE state = 'leased'")" 0 "no leased rows remain"
left=$(sql "SELECT count(*) $SLOW AND c.state = 'queued'")
[ "$left" -gt 0 ] && ok "the pass was interrupted ($left URLs still queued)" || notok "the pass was interrupted ($left URLs still queued)"
expect_eq "$(sql "SELECT pass || ' ' || (pass_finished IS NULL) FROM crawl_sources c JOIN sources s ON s.id = c.source_id WHERE s.name = 'slow'")" \
	"1 true" "the pass is unfinished"
log_has "$TMP/s.log" 'event=crawl_round .*interrupted=true' && ok "the log marks the round interrupted" ||
	notok "the log marks the round interrupted"
# The restarted daemon also meets a PostgreSQL restart mid-crawl, holding leases
# that last 300 s: it must not wait for them to expire.
timeout 120 "$LW" --config "$TMP/slow.conf" daemon --pidfile "$TMP/slow.pid" >"$TMP/s2.out" 2>"$TMP/s2.log" &
swrap=$!
pids="$pids $swrap"
wait_for 100 test -s "$TMP/slow.pid"
spid=$(cat "$TMP/slow.pid")
pids="$pids $spid"
done_before=$(sql "SELECT count(*) $SLOW AND c.kind = 'detail' AND c.state = 'done'")
wait_for 300 q_ge "SELECT count(*) $SLOW AND c.kind = 'detail' AND c.state = 'done'" $((done_before + 5))
leased=$(sql "SELECT count(*) $SLOW AND c.state = 'leased'")
expect_rc 0 "db stop while the restarted daemon crawls (holding $leased leases)" timeout 60 "$LW" db stop
wait_for 150 log_has "$TMP/s2.log" 'level=error' && ok "the daemon logs the lost database mid-crawl" ||
	notok "the daemon logs the lost database mid-crawl"
sleep 1
expect_rc 0 "db start again" timeout 60 "$LW" db start
t=$(date +%s)
wait_for 400 q_ge "SELECT count(*) FROM crawl_sources c JOIN sources s ON s.id = c.source_id WHERE s.name = 'slow' AND pass_finished IS NOT NULL" 1
t=$(($(date +%s) - t))
expect_eq "$(sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE c.state = 'done') $SLOW AND c.kind = 'detail'")" "40 40" \
	"the restarted daemon finishes the pass: every detail page is done (${t}s after the database came back)"
expect_eq "$(sql "SELECT pass || ' ' || (pass_finished IS NOT NULL) FROM crawl_sources c JOIN sources s ON s.id = c.source_id WHERE s.name = 'slow'")" \
	"1 true" "the same pass is finished, not a new one begun"
expect_eq "$(sql "SELECT count(*) FROM listings l JOIN sources s ON s.id = l.source_id WHERE s.name = 'slow'")" 40 "the 40 ads are stored"
kill -TERM "$spid"
wait_for 100 gone "$spid"
wait "$swrap"
expect_eq "$?" 0 "and it stops with status 0"
expect_rc 0 "daemon --once-idle with nothing due exits 0" timeout 60 "$LW" --config "$TMP/slow.conf" daemon --once-idle

# ---- rescan --------------------------------------------------------------------------------------
section "rescan"
cat >"$TMP/notes.jsonl" <<'EOF'
{"url":"http://notes.example/1","title":"Kitchen porter","body":"Long shifts and unpaid overtime are expected of new staff."}
{"url":"http://notes.example/2","title":"Driver","body":"We hold your passport for safety."}
{"url":"http://notes.example/3","title":"Tutor","body":"Maths tutor, evenings, $40 an hour."}
EOF
expect_rc 0 "ingest three listings with the old pack" timeout 60 "$LW" ingest -r "$TMP/rules0" --source notes "$TMP/notes.jsonl"
nq() { sql "SELECT count(*) FROM queue_items q JOIN listings l ON l.id = q.listing_id WHERE l.url = 'http://notes.example/$1'"; }
expect_eq "$(nq 1):$(nq 2):$(nq 3)" "0:1:0" "only the passport ad is queued"
cp -r "$TMP/rules0" "$TMP/rules2"
printf '[rule unpaid_overtime]\ncategory = wage_withholding\nweight = 2\ndescription = overtime without pay\npattern = /\\bunpaid\\s+overtime\\b/\n' \
	>"$TMP/rules2/zz-overtime.rules"
expect_rc 0 "rescan with a pack holding a new rule" timeout 60 "$LW" rescan -r "$TMP/rules2" --source notes
cp "$TMP/out" "$TMP/rescan1"
expect_grep 'rescanned 3 listings' "$TMP/rescan1" "the rescan reads the source's 3 listings"
expect_eq "$(nq 1):$(nq 2):$(nq 3)" "1:1:0" "the listing the new rule matches is queued"
expect_eq "$(sql "SELECT count(*) FROM hits h JOIN listing_versions v ON v.id = h.version_id JOIN listings l ON l.id = v.listing_id WHERE l.url = 'http://notes.example/1' AND h.rule_id = 'unpaid_overtime'")" \
	1 "with the new rule's hit"
before=$(sql "SELECT count(*) FROM queue_items")":"$(sql "SELECT count(*) FROM hits")":"$(sql "SELECT count(*) FROM audit_log")
expect_rc 0 "rescan again with the same pack" timeout 60 "$LW" rescan -r "$TMP/rules2" --source notes
expect_grep '0 scored afresh, [0-9]* flagged, 0 queue updates' "$TMP/out" "the second rescan changes nothing"
expect_eq "$(sql "SELECT count(*) FROM queue_items")"":""$(sql "SELECT count(*) FROM hits")"":""$(sql "SELECT count(*) FROM audit_log")" \
	"$before" "queue, hits and audit log are unchanged"

# ---- config check ----------------------------------------------------------------------------------
section "config check"
expect_rc 0 "config check on a good configuration" timeout 60 "$LW" --config "$TMP/daemon.conf" config check
expect_grep 'configuration OK: .*1 source' "$TMP/out" "it says OK with the source count"
sed 's/^rate = 50$/rate = fast/' "$TMP/daemon.conf" >"$TMP/broken.conf"
line=$(grep -n '^rate = fast$' "$TMP/broken.conf" | cut -d: -f1)
expect_rc 2 "config check on a broken configuration" timeout 60 "$LW" --config "$TMP/broken.conf" config check
expect_grep "broken.conf:$line: bad rate 'fast'" "$TMP/err" "the error names file:line"
# An interval whose unit would overflow a long (fuzz_config under UBSan) is refused, not wrapped.
sed 's/^interval = 3s$/interval = 55555555555555556h/' "$TMP/daemon.conf" >"$TMP/huge.conf"
line=$(grep -n '^interval = 55555555555555556h$' "$TMP/huge.conf" | cut -d: -f1)
expect_rc 2 "config check on an interval of 55555555555555556h" timeout 60 "$LW" --config "$TMP/huge.conf" config check
expect_grep "huge.conf:$line: bad interval '55555555555555556h'" "$TMP/err" "it names the interval and its line"
printf '[rule bad]\ncategory = nowhere\n' >"$TMP/rules2/zz-bad.rules"
sed "s#^rules = .*#rules = $TMP/rules2#" "$TMP/daemon.conf" >"$TMP/badpack.conf"
expect_rc 2 "config check with a broken rule pack" timeout 60 "$LW" --config "$TMP/badpack.conf" config check
expect_grep 'zz-bad.rules:[0-9]' "$TMP/err" "the pack error names file:line"

section "done"
finish
