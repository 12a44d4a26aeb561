#!/bin/sh
# SPDX-License-Identifier: MIT
# `lurewatch crawl` against tests/server/lwserve.py on 127.0.0.1 and a throwaway
# PostgreSQL: the sample site into the queue, politeness measured from the
# server's own timestamps, robots.txt answers, retries and backoff, conditional
# GET, every injected fault, private addresses, a crawl killed with SIGKILL and
# resumed, two crawlers sharing one frontier, the cron lock, bad configuration.
. "$(dirname "$0")/lib.sh"
use_pg
SITE="$TOP/sample/site"
T0=$(date +%s)

# sql QUERY: one value per line, unaligned, UTF-8.
sql() {
	PGCLIENTENCODING=UTF8 PGOPTIONS='-csearch_path=lurewatch' \
		psql -X -q -t -A -v ON_ERROR_STOP=1 "$URL" -c "$1"
}
# cu SOURCE COLUMNS [WHERE]: rows of crawl_urls for one source.
cu() {
	sql "SELECT $2 FROM crawl_urls c JOIN sources s ON s.id = c.source_id WHERE s.name = '$1' ${3:+AND $3}"
}
# nlist SOURCE: listings stored for a source.
nlist() {
	sql "SELECT count(*) FROM listings l JOIN sources s ON s.id = l.source_id WHERE s.name = '$1'"
}
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else notok "$3 (got '$1', wanted '$2')"; fi
}
# expect_true NAME CMD...: CMD exits 0.
expect_true() {
	name=$1
	shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}
# crawl CONF ARGS...: a crawl that cannot hang the test.
crawl() {
	conf=$1
	shift
	timeout 120 "$LW" --config "$conf" crawl "$@"
}

# logq COMMAND LOG ARG [FROM]: questions about an lwserve request log, sorted by
# the server's monotonic arrival time; FROM skips the log's first lines.
cat >"$TMP/logq.py" <<'EOF'
import json, re, sys
cmd, path, arg = sys.argv[1], sys.argv[2], sys.argv[3]
start = int(sys.argv[4]) if len(sys.argv) > 4 else 0
with open(path, encoding="utf-8") as f:
    lines = [l for l in f.read().splitlines() if l.strip()]
reqs = sorted((json.loads(l) for l in lines[start:]), key=lambda r: r["mono"])
sel = [r for r in reqs if re.search(arg, r["path"])]
if cmd == "count":          # requests whose path matches the regex ARG
    print(len(sel))
elif cmd == "mingap":       # fewest seconds between consecutive request starts, and where
    g = [(b["mono"] - a["mono"], a["path"], b["path"]) for a, b in zip(sel, sel[1:])]
    print("%.3f (%s then %s)" % min(g) if g else "none")
elif cmd == "avggap":       # mean seconds between consecutive request starts
    t = [r["mono"] for r in sel]
    print("%.3f" % ((t[-1] - t[0]) / (len(t) - 1)) if len(t) > 1 else "none")
elif cmd == "gaps":         # seconds between the requests for exactly the path ARG
    t = [r["mono"] for r in reqs if r["path"] == arg]
    print(" ".join("%.3f" % (b - a) for a, b in zip(t, t[1:])))
elif cmd == "statuses":     # statuses of the requests for exactly the path ARG
    print(" ".join(str(r["status"]) for r in reqs if r["path"] == arg))
elif cmd == "times":        # paths requested a number of times other than once
    n = {}
    for r in sel:
        n[r["path"]] = n.get(r["path"], 0) + 1
    for p in sorted(n):
        print(p, n[p])
elif cmd == "conditional":  # matching requests sent with a validator and answered 304
    print(sum(1 for r in sel if (r["if_none_match"] or r["if_modified_since"]) and r["status"] == 304))
EOF
logq() { python3 "$TMP/logq.py" "$@"; }
section() { echo "# [$(($(date +%s) - T0)) s] $*"; }
# ge A B: A >= B for decimals.
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }

# header [CRAWLER LINES]: the common top of every configuration.
header() {
	printf '[lurewatch]\nlog_level = warn\n[matcher]\nrules = %s/rules\n[crawler]\n' "$TOP"
	for l in "$@"; do printf '%s\n' "$l"; done
}
# sample_source NAME PORT [MORE LINES]: the sample site, as scripts/demo.sh sets it up,
# with the moderators' link on listing page 1 as bait for robots.txt.
sample_source() {
	printf '[source %s]\nkind = html\nstart = http://127.0.0.1:%s/jobs/page/1.html\n' "$1" "$2"
	shift 2
	cat <<'EOF'
links = //a[@class='ad-link']/@href | //p[@class='report']/a/@href
next = //a[@rel='next']/@href
title = //h1[@class='ad-title']
body = //div[@class='ad-body']
location = //span[@class='ad-location']
posted = //time[@class='ad-posted']/@datetime
allow_private = yes
EOF
	for l in "$@"; do printf '%s\n' "$l"; done
}

expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)

# ---- the sample site fills the queue -------------------------------------------------------
section "the sample site fills the queue"
start_server sample --root "$SITE"
P1=$port
{ header; sample_source sample "$P1" "rate = 20" "connections = 4"; } >"$TMP/sample.conf"
expect_rc 0 "crawl the sample site" crawl "$TMP/sample.conf"
expect_grep '40 ads stored' "$TMP/out" "the summary counts the 40 ads"
expect_eq "$(nlist sample)" 40 "every ad page is stored as a listing"
"$LW" match --json "$SITE"/ads/*.html >"$TMP/match.json" 2>"$TMP/match.err"
want=$(grep -c '"flagged":true' "$TMP/match.json")
[ "$want" -gt 0 ] && ok "lurewatch match flags some sample ads ($want)" || notok "lurewatch match flags some sample ads"
expect_eq "$(sql "SELECT count(*) FROM queue_items q JOIN listings l ON l.id = q.listing_id JOIN sources s ON s.id = l.source_id WHERE s.name = 'sample'")" \
	"$want" "the queue holds exactly the ads lurewatch match flags"
grep -o '"input":"[^"]*","score":[^,]*,"flagged":true' "$TMP/match.json" |
	sed 's#^"input":"[^"]*/ads/\([^"]*\)".*#\1#' | sort >"$TMP/flagged.want"
sql "SELECT l.url FROM queue_items q JOIN listings l ON l.id = q.listing_id JOIN sources s ON s.id = l.source_id WHERE s.name = 'sample'" |
	sed 's#.*/ads/##' | sort >"$TMP/flagged.got"
cmp -s "$TMP/flagged.want" "$TMP/flagged.got" && ok "the same ads, one by one" || {
	notok "the same ads, one by one"; diff "$TMP/flagged.want" "$TMP/flagged.got" | sed 's/^/# /'; }
expect_eq "$(logq count "$TMP/sample.log" '^/private/')" 0 "/private/ is never requested"
expect_eq "$(logq count "$TMP/sample.log" '^/robots\.txt$')" 1 "robots.txt is fetched once for the host"
expect_eq "$(cu sample "state" "url LIKE '%/private/%'")" skipped "the moderators' link is recorded as skipped"
# lurewatch robots, fed the robots.txt the crawler saw, agrees with every verdict.
curl --noproxy 127.0.0.1 -s --max-time 10 "http://127.0.0.1:$P1/robots.txt" >"$TMP/sample.robots"
cu sample "url || ' ' || state" "state IN ('done', 'skipped')" >"$TMP/verdicts"
agree=yes
while read -r u st; do
	if "$LW" robots "$TMP/sample.robots" "$u" >/dev/null 2>&1; then v=done; else v=skipped; fi
	[ "$v" = "$st" ] || { agree=no; echo "# $u: crawler $st, lurewatch robots says $v"; }
done <"$TMP/verdicts"
expect_eq "$agree" yes "lurewatch robots agrees with the crawler on all $(wc -l <"$TMP/verdicts" | tr -d ' ') URLs"
expect_eq "$(cu sample "count(*)" "state = 'done' AND kind = 'detail'")" 40 "every detail URL is done"

# ---- conditional GET: a second pass re-checks every page, re-ingests nothing ---------------
section "conditional GET: a second pass re-checks every page, re-ingests nothing"
nv=$(sql "SELECT count(*) FROM listing_versions")
from=$(wc -l <"$TMP/sample.log")
expect_rc 0 "crawl the sample site again" crawl "$TMP/sample.conf"
expect_eq "$(logq count "$TMP/sample.log" '^/ads/' "$from")" 40 "the second pass asks for every ad page again"
expect_eq "$(logq conditional "$TMP/sample.log" '^/ads/' "$from")" 40 \
	"each with If-None-Match/If-Modified-Since, answered 304"
expect_grep '40 not modified, 0 ads stored' "$TMP/out" "the summary counts 40 not modified"
expect_eq "$(logq count "$TMP/sample.log" '^/jobs/page/' "$from"):$(logq conditional "$TMP/sample.log" '^/jobs/page/' "$from")" "4:0" \
	"the listing pages are fetched in full, so that their links are followed"
expect_eq "$(sql "SELECT count(*) FROM listing_versions")" "$nv" "no listing gets a new version"
expect_eq "$(cu sample "count(*)" "state = 'done' AND kind = 'detail'")" 40 "every detail URL is done again"

# ---- politeness, measured by the server ----------------------------------------------------
section "politeness, measured by the server"
start_server rate --root "$SITE"
{ header; sample_source polite "$port" "rate = 2" "connections = 1"; } >"$TMP/rate.conf"
expect_rc 0 "a crawl at rate = 2, connections = 1" crawl "$TMP/rate.conf" --max-pages 6
expect_eq "$(logq count "$TMP/rate.log" '^/(jobs|ads|private)/')" 6 "--max-pages 6 fetches 6 pages"
nreq=$(logq count "$TMP/rate.log" .)
gap=$(logq mingap "$TMP/rate.log" .)
avg=$(logq avggap "$TMP/rate.log" .)
[ "$nreq" -ge 7 ] && ge "${gap%% *}" 0.40 && ge "$avg" 0.49 &&
	ok "rate = 2: request starts 0.5 s apart (mean $avg s; min $gap over $nreq requests)" ||
	notok "rate = 2: request starts 0.5 s apart (mean $avg s, wanted >= 0.49; min $gap, wanted >= 0.40; $nreq requests)"

printf 'User-agent: *\nCrawl-delay: 1\nDisallow: /private/\n' >"$TMP/delay.robots"
start_server delay --root "$SITE" --robots-file "$TMP/delay.robots"
{ header; sample_source delayed "$port" "rate = 20" "connections = 1"; } >"$TMP/delay.conf"
expect_rc 0 "a crawl of a host asking Crawl-delay: 1" crawl "$TMP/delay.conf" --max-pages 4
nreq=$(logq count "$TMP/delay.log" .)
gap=$(logq mingap "$TMP/delay.log" .)
avg=$(logq avggap "$TMP/delay.log" .)
[ "$nreq" -ge 5 ] && ge "${gap%% *}" 0.90 && ge "$avg" 0.98 &&
	ok "Crawl-delay: 1 beats rate = 20: starts 1 s apart (mean $avg s; min $gap over $nreq requests)" ||
	notok "Crawl-delay: 1 beats rate = 20: starts 1 s apart (mean $avg s, wanted >= 0.98; min $gap, wanted >= 0.90; $nreq requests)"

# ---- robots.txt answers --------------------------------------------------------------------
section "robots.txt answers"
start_server r404 --root "$SITE" --robots-status 404
{ header; sample_source r404 "$port" "rate = 50" "connections = 4" "max_depth = 0"; } >"$TMP/r404.conf"
crawl "$TMP/r404.conf" >"$TMP/out" 2>"$TMP/err"
expect_eq "$(logq count "$TMP/r404.log" '^/private/reports\.html$')" 1 "robots.txt 404: everything is allowed, /private/ too"
expect_eq "$(nlist r404)" 10 "robots.txt 404: the ten ads of page 1 are stored"
expect_eq "$(cu r404 "count(*)" "state = 'skipped'")" 0 "robots.txt 404: nothing is skipped"
for code in 500 503; do
	start_server "r$code" --root "$SITE" --robots-status "$code"
	{ header; sample_source "r$code" "$port" "rate = 50" "max_depth = 0"; } >"$TMP/r$code.conf"
	crawl "$TMP/r$code.conf" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -le 1 ] && ok "robots.txt $code: the crawl ends normally (exit $rc)" ||
		notok "robots.txt $code: the crawl ends normally (exit $rc)"
	expect_eq "$(logq count "$TMP/r$code.log" .):$(logq count "$TMP/r$code.log" '^/robots\.txt$')" \
		"1:1" "robots.txt $code: nothing but robots.txt is requested"
	expect_eq "$(cu "r$code" "state" "kind = 'start'")" skipped "robots.txt $code: the start page is recorded as skipped"
	expect_grep 'robots.txt' "$(cu "r$code" "last_error" "kind = 'start'" >"$TMP/why"; echo "$TMP/why")" \
		"robots.txt $code: the reason names robots.txt"
	expect_eq "$(nlist "r$code")" 0 "robots.txt $code: nothing is stored"
done

# ---- retries and backoff -------------------------------------------------------------------
section "retries and backoff"
mkdir -p "$TMP/faultsite/ads"
start_server faults --root "$TMP/faultsite"
PF=$port
F="http://127.0.0.1:$PF"
# Growth, in its own crawl alongside: with jitter (x0.5 to x1.5) two delays in a
# row may shrink, but the third (4 x backoff) always outlasts the first, as long
# as the crawl loop's polling (about 0.35 s) stays under half a backoff.
{ header "retries = 3" "backoff = 1"
  printf '[source backoff]\nkind = html\nlinks = //a/@href\ntitle = //h1\nrate = 50\nallow_private = yes\n'
  echo "start = $F/fault/500/grow"; } >"$TMP/backoff.conf"
crawl "$TMP/backoff.conf" >"$TMP/backoff.out" 2>&1 &
bpid=$!
pids="$pids $bpid"
{ header "retries = 2" "backoff = 0.2"
  printf '[source retry]\nkind = html\nlinks = //a/@href\ntitle = //h1\nrate = 50\nconnections = 4\nallow_private = yes\n'
  for u in /fault/flaky/2/t0600 /fault/500/a /fault/500/b /fault/500/c /fault/500/d /fault/429/2/t0600; do
	echo "start = $F$u"
  done; } >"$TMP/retry.conf"
expect_rc 1 "a crawl with failing pages exits 1" crawl "$TMP/retry.conf"
expect_eq "$(logq statuses "$TMP/faults.log" /fault/flaky/2/t0600)" "503 503 200" "a page failing twice is fetched three times"
expect_eq "$(cu retry "state || ' ' || last_status || ' ' || attempts" "url LIKE '%/flaky/%'")" "done 200 3" \
	"and succeeds on the third attempt"
ok500=yes
for x in a b c d; do
	st=$(logq statuses "$TMP/faults.log" /fault/500/$x)
	row=$(cu retry "state || '|' || last_status || '|' || last_error || '|' || attempts" "url LIKE '%/fault/500/$x'")
	g=$(logq gaps "$TMP/faults.log" /fault/500/$x)
	g1=${g% *}
	g2=${g#* }
	echo "# /fault/500/$x: $st; $row; gaps $g"
	[ "$st" = "500 500 500" ] && [ "$row" = "failed|500|HTTP 500|3" ] || ok500=no
	# 0.2 s then 0.4 s, each x0.5 to x1.5, plus the crawl loop's polling.
	ge "$g1" 0.095 && ge 0.9 "$g1" && ge "$g2" 0.195 && ge 1.2 "$g2" || ok500=no
done
expect_eq "$ok500" yes "a 500 is retried twice after backoff delays, then recorded failed with its status"
wait $bpid
expect_eq "$?" 1 "the backoff crawl exits 1"
g=$(logq gaps "$TMP/faults.log" /fault/500/grow)
echo "# /fault/500/grow: $(logq statuses "$TMP/faults.log" /fault/500/grow); gaps $g"
set -- $g
# Never early; late by up to a second on a loaded machine (a clean-clone run at load 5-8 saw
# 2.47 s for a first gap of at most 1.5 s plus polling). The lower bounds alone show the
# growth: the third gap's least (2 s) is past the first one's most (1.5 s). Comparing the
# two measured gaps did not: a first gap late by a second beside a third drawn low (2.541
# against 2.492 s in a clean-clone run at load 3) is the machine's lateness, not backoff's.
[ $# -eq 3 ] && ge "$1" 0.495 && ge "$2" 0.995 && ge "$3" 1.995 && ge 3.1 "$1" && ge 4.6 "$2" && ge 7.6 "$3" &&
	ok "the gaps between attempts grow with backoff = 1: $g s" || notok "the gaps between attempts grow with backoff = 1: $g s"
g=$(logq gaps "$TMP/faults.log" /fault/429/2/t0600)
ge "$g" 1.95 && ok "429 with Retry-After: 2 is retried after $g s" || notok "429 with Retry-After: 2 is retried after '$g' s"
expect_eq "$(cu retry "state" "url LIKE '%/429/%'")" done "the 429 page then succeeds"

# ---- every injected fault is recorded and the crawl goes on --------------------------------
section "every injected fault is recorded and the crawl goes on"
{ printf '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Faults</title></head><body>\n'
  for u in /fault/stall/t0600 /fault/truncated/t0600 /fault/redirect-loop/0 /fault/big/50 /fault/gzipbomb \
	/fault/drip/t0600 /fault/redirect/3 /fault/latin1 /fault/broken-html /ads/n1.html /ads/n2.html; do
	printf '<a class="ad-link" href="%s">%s</a>\n' "$u" "$u"
  done
  printf '</body></html>\n'; } >"$TMP/faultsite/list.html"
for k in 1 2; do
	printf '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Ad %s</title></head><body>\n<h1 class="ad-title">Barista %s</h1>\n<div class="ad-body"><p>Café in Wellington needs a barista, $25 an hour.</p></div>\n</body></html>\n' \
		"$k" "$k" >"$TMP/faultsite/ads/n$k.html"
done
{ header "timeout = 5" "low_speed_time = 2" "max_body = 1048576" "retries = 1" "backoff = 0.2"
  printf '[source faults]\nkind = html\nstart = %s/list.html\nlinks = //a[@class='"'"'ad-link'"'"']/@href\n' "$F"
  printf 'title = //h1\nbody = //div[@class='"'"'ad-body'"'"']\nrate = 50\nconnections = 8\nallow_private = yes\n'; } >"$TMP/faults.conf"
t=$(date +%s)
expect_rc 1 "a crawl through every fault exits 1 (partial failure)" crawl "$TMP/faults.conf"
t=$(($(date +%s) - t))
[ $t -le 45 ] && ok "the fault crawl takes ${t}s" || notok "the fault crawl takes ${t}s (wanted <= 45)"
# fault_error PATH PATTERN: the page is failed with a matching last_error.
fault_error() {
	row=$(cu faults "state || ': ' || coalesce(last_error, '')" "url = '$F$1'")
	case $row in
	failed:*) echo "$row" | grep -Eq -- "$2" && ok "$1 fails: ${row#failed: }" || notok "$1 fails with /$2/ (got '$row')" ;;
	*) notok "$1 fails with /$2/ (got '$row')" ;;
	esac
}
fault_error /fault/stall/t0600 'timed out|too slow'
fault_error /fault/truncated/t0600 'transfer closed|partial|remaining'
fault_error /fault/redirect-loop/0 'more than [0-9]+ redirects'
fault_error /fault/big/50 'larger than 1048576 bytes'
fault_error /fault/gzipbomb 'larger than 1048576 bytes'
fault_error /fault/drip/t0600 'too slow|timed out'
expect_eq "$(cu faults "count(*)" "url LIKE '%/ads/n_.html' AND state = 'done'"):$(nlist faults)" "2:5" \
	"the normal pages are stored, with the redirect target and the two odd pages"
expect_eq "$(cu faults "jsonb_array_length(redirects) || ' ' || (redirects->>3)" "url = '$F/fault/redirect/3'")" \
	"4 $F/fault/redirect/3/3" "a redirect chain is followed and its hops recorded in crawl_urls"
expect_eq "$(sql "SELECT string_agg(k.url, ' ' ORDER BY k.position) FROM listing_links k JOIN listings l ON l.id = k.listing_id WHERE l.url = '$F/fault/redirect/3' AND k.kind = 'redirect'")" \
	"$F/fault/redirect/3 $F/fault/redirect/3/1 $F/fault/redirect/3/2 $F/fault/redirect/3/3" \
	"and in listing_links for the stored ad"
expect_eq "$(sql "SELECT title FROM listings WHERE url = '$F/fault/latin1'")" \
	"Se busca cocinero para restaurante en Málaga" "an ISO-8859-1 page is stored as UTF-8 (title)"
expect_eq "$(sql "SELECT body LIKE '%jalapeños%' AND body LIKE '%bilingüe (español y alemán)%' AND body LIKE '%También%' FROM listings WHERE url = '$F/fault/latin1'")" \
	t "an ISO-8859-1 page is stored as UTF-8 (body)"
expect_eq "$(sql "SELECT title FROM listings WHERE url = '$F/fault/broken-html'")" "Cleaners wanted urgently" \
	"broken HTML: the title is found"
expect_eq "$(sql "SELECT body LIKE '%\$26 an hour & weekly pay%' AND body LIKE '%Travel < 10 km from the CBD%' FROM listings WHERE url = '$F/fault/broken-html'")" \
	t "broken HTML: the body text, with its raw & and <"
expect_eq "$(sql "SELECT count(*) FROM listings WHERE url LIKE '$F/%' AND (title || body) LIKE '%' || chr(65533) || '%'")" 0 \
	"no replacement characters"

# ---- private addresses ---------------------------------------------------------------------
section "private addresses"
from=$(wc -l <"$TMP/sample.log")
sed -e 's/^\[source sample\]$/[source private]/' -e 's/^allow_private = yes$/allow_private = no/' \
	-e 's#/jobs/page/1.html#/jobs/page/2.html#' "$TMP/sample.conf" >"$TMP/private.conf"
expect_rc 1 "a loopback source without allow_private exits 1" crawl "$TMP/private.conf"
expect_eq "$(cu private "state" "kind = 'start'")" failed "the start page is recorded as failed"
expect_grep 'private or loopback address' "$(cu private "last_error" "kind = 'start'" >"$TMP/why"; echo "$TMP/why")" \
	"with a 'private or loopback address' error"
expect_eq "$(($(wc -l <"$TMP/sample.log") - from))" 0 "no request reaches the server"

# ---- a bigger site for the crash and concurrency tests -------------------------------------
section "a bigger site for the crash and concurrency tests"
python3 - "$TMP/big" <<'EOF'
import os, sys
root = sys.argv[1]
os.makedirs(root + "/ads")
os.makedirs(root + "/list")
ADS, PER = 200, 50  # wide pages: a second crawler finds work at once
for i in range(ADS):
    text = ("Earn big abroad, we keep your passport and you repay the agency fee from your wages."
            if i % 4 == 0 else "Friendly cafe team, fair pay, weekends off.")
    with open("%s/ads/ad%03d.html" % (root, i), "w") as f:
        f.write('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Ad %d</title></head><body>\n'
                '<h1 class="ad-title">Job number %d</h1>\n<div class="ad-body"><p>%s Ref %d.</p></div>\n'
                '</body></html>\n' % (i, i, text, i))
pages = ADS // PER
for p in range(1, pages + 1):
    with open("%s/list/%d.html" % (root, p), "w") as f:
        f.write('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Page %d</title></head><body>\n' % p)
        for i in range((p - 1) * PER, p * PER):
            f.write('<a class="ad-link" href="/ads/ad%03d.html">ad %d</a>\n' % (i, i))
        if p < pages:
            f.write('<a rel="next" href="%d.html">next</a>\n' % (p + 1))
        f.write('</body></html>\n')
EOF
NADS=$(ls "$TMP/big/ads" | wc -l | tr -d ' ')
# big_conf NAME PORT: a source for the big site.
big_conf() {
	header "lease_seconds = 5" "connections = 8"
	printf '[source %s]\nkind = html\nstart = http://127.0.0.1:%s/list/1.html\n' "$1" "$2"
	cat <<'EOF'
links = //a[@class='ad-link']/@href
next = //a[@rel='next']/@href
title = //h1[@class='ad-title']
body = //div[@class='ad-body']
max_depth = 100
rate = 200
connections = 4
allow_private = yes
EOF
}

# ---- SIGKILL mid-crawl, then a restart: every page processed exactly once ------------------
section "SIGKILL mid-crawl, then a restart: every page processed exactly once"
start_server big1 --root "$TMP/big" --delay-ms 20
big_conf big1 "$port" >"$TMP/big1.conf"
"$LW" --config "$TMP/big1.conf" crawl -q >"$TMP/kill.out" 2>"$TMP/kill.err" &
cpid=$!
pids="$pids $cpid"
i=0
# Killed once 30 ads are done and several more are in flight.
midway="SELECT count(*) FILTER (WHERE c.state = 'done' AND c.kind = 'detail') >= 30 AND count(*) FILTER (WHERE c.state = 'leased') >= 3 FROM crawl_urls c JOIN sources s ON s.id = c.source_id WHERE s.name = 'big1'"
while [ "$(sql "$midway")" != t ] && [ $i -lt 300 ] && kill -0 $cpid 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
kill -9 $cpid 2>/dev/null
wait $cpid 2>/dev/null
killed_at=$(nlist big1)
leased=$(cu big1 "count(*)" "state = 'leased'")
echo "# killed with $killed_at listings stored and $leased URLs leased"
[ "$killed_at" -ge 30 ] && [ "$killed_at" -lt "$NADS" ] && ok "the crawl was killed mid-way ($killed_at of $NADS ads stored)" ||
	notok "the crawl was killed mid-way ($killed_at of $NADS ads stored)"
[ "$leased" -gt 0 ] && ok "the killed crawl left $leased leases behind" || notok "the killed crawl left leases behind"
i=0
while [ "$(cu big1 "count(*)" "state = 'leased' AND lease_expires > now()")" -gt 0 ] && [ $i -lt 100 ]; do
	sleep 0.2
	i=$((i + 1))
done
expect_rc 0 "a new crawl after the leases expired" crawl "$TMP/big1.conf" -q
expect_eq "$(sql "SELECT count(*) || ' ' || count(DISTINCT l.url) FROM listings l JOIN sources s ON s.id = l.source_id WHERE s.name = 'big1'")" \
	"$NADS $NADS" "every ad is stored exactly once"
expect_eq "$(sql "SELECT count(*) FROM listing_versions v JOIN listings l ON l.id = v.listing_id JOIN sources s ON s.id = l.source_id WHERE s.name = 'big1'")" \
	"$NADS" "with one version each"
expect_eq "$(cu big1 "count(*)" "kind = 'detail' AND state = 'done'"):$(cu big1 "count(*)" "state <> 'done'")" "$NADS:0" \
	"every detail URL is done, nothing else is left"
logq times "$TMP/big1.log" '^/(ads|list)/' | awk '$2 != 1' >"$TMP/twice"
again=$(wc -l <"$TMP/twice" | tr -d ' ')
[ "$again" -le "$leased" ] && awk '$2 > 2 { bad = 1 } END { exit bad }' "$TMP/twice" &&
	ok "only pages leased at the kill were fetched again ($again <= $leased)" ||
	{ notok "only pages leased at the kill were fetched again ($again, $leased leased)"; sed 's/^/# /' "$TMP/twice" | head; }

# ---- two crawlers at once fetch each page once ---------------------------------------------
section "two crawlers at once fetch each page once"
start_server big2 --root "$TMP/big" --delay-ms 20
big_conf big2 "$port" >"$TMP/big2.conf"
crawl "$TMP/big2.conf" >"$TMP/c1.out" 2>"$TMP/c1.err" &
c1=$!
crawl "$TMP/big2.conf" >"$TMP/c2.out" 2>"$TMP/c2.err" &
c2=$!
pids="$pids $c1 $c2"
wait $c1
r1=$?
wait $c2
r2=$?
expect_eq "$r1 $r2" "0 0" "both crawlers succeed"
sed 's/^/# /' "$TMP/c1.out" "$TMP/c2.out"
both=$(cat "$TMP/c1.out" "$TMP/c2.out" | sed -n 's/.* \([0-9][0-9]*\) ads stored.*/\1/p' | tr '\n' ' ')
case $both in
0\ *|*\ 0\ ) notok "both crawlers did part of the work (ads stored: $both)" ;;
*) ok "both crawlers did part of the work (ads stored: $both)" ;;
esac
logq times "$TMP/big2.log" '^/(ads|list)/' | awk '$2 != 1' >"$TMP/twice"
expect_eq "$(cat "$TMP/twice")" "" "the server saw each ad and listing page exactly once"
expect_eq "$(logq count "$TMP/big2.log" '^/ads/')" "$NADS" "all $NADS ad pages were requested"
r=$(logq count "$TMP/big2.log" '^/robots\.txt$')
[ "$r" -ge 1 ] && [ "$r" -le 2 ] && ok "robots.txt at most once per crawler ($r)" || notok "robots.txt at most once per crawler ($r)"
expect_eq "$(nlist big2)" "$NADS" "the listings are complete"

# ---- the cron lock -------------------------------------------------------------------------
section "the cron lock"
start_server slow --root "$SITE" --delay-ms 300
{ header; sample_source slow "$port" "rate = 50" "max_depth = 0"; } >"$TMP/slow.conf"
crawl "$TMP/slow.conf" --once >"$TMP/o1.out" 2>&1 &
o1=$!
crawl "$TMP/slow.conf" --once >"$TMP/o2.out" 2>&1 &
o2=$!
pids="$pids $o1 $o2"
wait $o1
r1=$?
wait $o2
r2=$?
expect_eq "$(printf '%s\n%s\n' $r1 $r2 | sort | tr '\n' ' ')" "0 3 " "two --once runs at once: one crawls, the other exits 3"
cat "$TMP/o1.out" "$TMP/o2.out" >"$TMP/out"
expect_grep 'another run holds it' "$TMP/out" "the skipped run says why"
expect_eq "$(nlist slow)" 10 "the run that crawled finished the source"

# ---- bad configuration ---------------------------------------------------------------------
section "bad configuration"
{ header; sample_source bad "$P1"; } >"$TMP/good.conf"
# bad_conf NAME LINE-TO-ADD PATTERN: appended at a known line number.
bad_conf() {
	cp "$TMP/good.conf" "$TMP/bad.conf"
	printf '%s\n' "$2" >>"$TMP/bad.conf"
	line=$(wc -l <"$TMP/bad.conf" | tr -d ' ')
	expect_rc 2 "$1: exit 2" crawl "$TMP/bad.conf"
	expect_grep "bad.conf:$line: .*$3" "$TMP/err" "$1: named by file:line"
}
bad_conf "an unknown key" "colour = blue" "unknown key 'colour'"
bad_conf "an invalid XPath" "location = //span[@class=" "bad XPath for location"
bad_conf "a bad URL" "start = ftp://127.0.0.1/x" "bad URL 'ftp://127.0.0.1/x'"
bad_conf "an unparseable URL" "start = http://[::1" "bad URL"
sed 's/^\[crawler\]$/[crawler]\nretries = many/' "$TMP/good.conf" >"$TMP/bad.conf"
line=$(grep -n 'retries = many' "$TMP/bad.conf" | cut -d: -f1)
expect_rc 2 "a bad [crawler] value: exit 2" crawl "$TMP/bad.conf"
expect_grep "bad.conf:$line: " "$TMP/err" "a bad [crawler] value: named by file:line"

echo "# t0600 took $(($(date +%s) - T0)) s"
finish
