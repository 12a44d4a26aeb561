#!/bin/sh
# SPDX-License-Identifier: MIT
# The crawler's test server (tests/server/lwserve.py) and the bundled sample site, checked with curl on 127.0.0.1.
. "$(dirname "$0")/lib.sh"
SERVE="$TOP/tests/server/lwserve.py"
SITE="$TOP/sample/site"
# Only 127.0.0.1, never through a proxy, never for long.
CURL="curl --noproxy 127.0.0.1 -s -S --max-time 10"
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

# start_server NAME ARGS...: starts lwserve on a free port; sets $port, $spid.
start_server() {
	sname=$1
	shift
	python3 "$SERVE" --port 0 --idle-exit 60 "$@" >"$TMP/$sname.out" 2>"$TMP/$sname.err" &
	spid=$!
	pids="$pids $spid"
	port=
	i=0
	while [ -z "$port" ] && [ $i -lt 100 ]; do
		sleep 0.05
		port=$(sed -n '1s/^PORT=\([0-9][0-9]*\)$/\1/p' "$TMP/$sname.out")
		i=$((i + 1))
	done
}

# alive PID: the process exists and is not a zombie.
alive() {
	st=$(sed -n 's/^[0-9]* ([^)]*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# gone_within PID TENTHS: waits until PID has exited.
gone_within() {
	i=0
	while alive "$1"; do
		[ $i -ge "$2" ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 0
}

expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else notok "$3 (got '$2', wanted '$1')"; fi
}

# code URL [CURL ARGS...]: the status code only.
code() {
	u=$1
	shift
	$CURL -o /dev/null -w '%{http_code}' "$@" "$u"
}

# hdr NAME FILE: one response header's value from a curl -D dump.
hdr() {
	tr -d '\r' <"$2" | sed -n "s/^$1: //Ip" | tail -1
}

# ---- the sample site as committed ---------------------------------------------------

expect_rc 0 "build_site.py reproduces sample/site byte for byte" python3 "$TOP/sample/build_site.py" --check
nads=$(grep -c . "$TOP/sample/ads.jsonl")
expect_eq "$nads" "$(ls "$SITE/ads" | grep -c '\.html$')" "one detail page per ad in ads.jsonl ($nads)"

start_server main --log "$TMP/log.jsonl"
main_pid=$spid
U="http://127.0.0.1:$port"
[ -n "$port" ] && ok "server prints PORT=$port first" || notok "server prints PORT=<n> first"
hexport=$(printf '%04X' "$port")
if grep -q "^ *[0-9]*: 0100007F:$hexport 00000000:0000 0A" /proc/net/tcp &&
	! grep -q ": 00000000:$hexport 00000000:0000 0A" /proc/net/tcp &&
	! grep -q ":$hexport 0\{32\}:0000 0A" /proc/net/tcp6 2>/dev/null; then
	ok "listens on 127.0.0.1 only"
else
	notok "listens on 127.0.0.1 only"
fi

$CURL -D "$TMP/h" -o "$TMP/b" "$U/"
expect_eq "text/html; charset=utf-8" "$(hdr Content-Type "$TMP/h")" "/ is HTML in UTF-8"
expect_grep 'class="page-link" href="/jobs/page/1.html"' "$TMP/b" "/ links to the first listing page"

# Walk the listings the way the crawler will: ad links, then rel=next.
page=/jobs/page/1.html
npages=0
: >"$TMP/links"
while [ -n "$page" ] && [ $npages -lt 10 ]; do
	npages=$((npages + 1))
	$CURL -o "$TMP/list" "$U$page"
	grep -o "class=\"ad-link\" href=\"[^\"]*\"" "$TMP/list" | sed 's/.*href="//; s/"$//' >>"$TMP/links"
	[ $npages -eq 1 ] && expect_eq 10 "$(grep -c 'class="ad-link"' "$TMP/list")" "listing page 1 has 10 ad links"
	next=$(sed -n 's/.*<a rel="next" class="next" href="\([^"]*\)".*/\1/p' "$TMP/list")
	page=${next:+/jobs/page/$next}
done
expect_eq 4 "$npages" "rel=next links walk 4 listing pages, the last has none"
expect_eq "$nads" "$(sort -u "$TMP/links" | wc -l | tr -d ' ')" "the listings link every ad once"
bad=0
for l in $(cat "$TMP/links"); do
	[ "$(code "$U$l")" = 200 ] || bad=$((bad + 1))
done
expect_eq 0 "$bad" "every listed detail page answers 200"

$CURL -o "$TMP/b" "$U/ads/farm-hands-queensland.html"
for sel in '<h1 class="ad-title">' '<div class="ad-body">' '<span class="ad-location">Bundaberg' \
	'<time class="ad-posted" datetime="2026-11-20">' '<a class="ad-contact" href="https://wa.me/61491570156"'; do
	expect_grep "$sel" "$TMP/b" "detail page has $sel"
done

$CURL -D "$TMP/h" -o "$TMP/b" "$U/ads/camareras-madrid.html"
expect_eq "text/html; charset=iso-8859-1" "$(hdr Content-Type "$TMP/h")" "the Latin-1 ad is served as iso-8859-1"
expect_grep '<meta charset="iso-8859-1">' "$TMP/b" "the Latin-1 ad declares it in a meta tag"
bytes=$(od -An -tx1 -v "$TMP/b" | tr -s ' \n' '  ')
case "$bytes" in *" f1 "*" fc "*) ok "the Latin-1 ad has Latin-1 bytes for ñ and ü" ;;
*) notok "the Latin-1 ad has Latin-1 bytes for ñ and ü" ;; esac
grep -q '/ads/camareras-madrid.html' "$TMP/links" && grep -q '/ads/dancers-club-tour.html' "$TMP/links" &&
	ok "the Latin-1 and broken pages are reachable from the listings" ||
	notok "the Latin-1 and broken pages are reachable from the listings"
$CURL -o "$TMP/b" "$U/ads/dancers-club-tour.html"
expect_grep '^</div>$' "$TMP/b" "the broken page has a stray </div>"
expect_grep '<div class=ad-body>' "$TMP/b" "the broken page still has the ad body"

$CURL -o "$TMP/b" "$U/robots.txt"
expect_grep '^Disallow: /private/$' "$TMP/b" "robots.txt disallows /private/"
expect_grep "^Sitemap: $U/sitemap.xml\$" "$TMP/b" "robots.txt names the sitemap at the real port"
expect_eq 200 "$(code "$U/private/moderation.html")" "a /private/ page exists (for crawlers to leave alone)"
$CURL -D "$TMP/h" -o "$TMP/b" "$U/sitemap.xml"
expect_eq "$nads" "$(grep -c "<loc>$U/ads/[a-z0-9-]*\.html</loc>" "$TMP/b")" "the sitemap lists every detail page"
$CURL -D "$TMP/h" -o "$TMP/b" "$U/feed.rss"
expect_eq "application/rss+xml; charset=utf-8" "$(hdr Content-Type "$TMP/h")" "RSS content type"
expect_eq "$nads" "$(grep -c '^<pubDate>' "$TMP/b")" "RSS has an item with pubDate per ad"
$CURL -D "$TMP/h" -o "$TMP/b" "$U/feed.atom"
expect_eq "application/atom+xml; charset=utf-8" "$(hdr Content-Type "$TMP/h")" "Atom content type"
expect_eq "$nads" "$(grep -c '^<entry>' "$TMP/b")" "Atom has an entry per ad"
expect_eq 404 "$(code "$U/ads/no-such-ad.html")" "a missing page is 404"
expect_eq 404 "$(code "$U/../../README.md" --path-as-is)" "no escape from the site folder"
expect_eq 405 "$(code "$U/" -X POST)" "POST is 405"

# ---- conditional GET and gzip ----------------------------------------------------------

$CURL -A 'lw-selftest/1' -D "$TMP/h" -o "$TMP/plain" "$U/jobs/page/2.html"
etag=$(hdr ETag "$TMP/h")
lastmod=$(hdr Last-Modified "$TMP/h")
[ -n "$etag" ] && [ -n "$lastmod" ] && ok "ETag $etag and Last-Modified" || notok "ETag and Last-Modified"
expect_eq 304 "$(code "$U/jobs/page/2.html" -H "If-None-Match: $etag")" "If-None-Match with the ETag is 304"
expect_eq 304 "$(code "$U/jobs/page/2.html" -H "If-None-Match: \"x\", W/$etag")" "a weak ETag in a list matches"
expect_eq 200 "$(code "$U/jobs/page/2.html" -H 'If-None-Match: "stale"')" "a stale ETag gets 200"
expect_eq 304 "$(code "$U/jobs/page/2.html" -H "If-Modified-Since: $lastmod")" "If-Modified-Since Last-Modified is 304"
expect_eq 200 "$(code "$U/jobs/page/2.html" -H 'If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT')" \
	"an old If-Modified-Since gets 200"
$CURL -H 'Accept-Encoding: gzip' -D "$TMP/h" -o "$TMP/gz" "$U/jobs/page/2.html"
expect_eq gzip "$(hdr Content-Encoding "$TMP/h")" "Accept-Encoding: gzip gets gzip"
gzip -dc <"$TMP/gz" | cmp -s - "$TMP/plain" && ok "gzip body inflates to the plain page" ||
	notok "gzip body inflates to the plain page"
expect_eq 304 "$(code "$U/jobs/page/2.html" -H 'Accept-Encoding: gzip' -H "If-None-Match: $etag")" \
	"the plain ETag also validates the gzip form"
$CURL -I -D "$TMP/h" -o "$TMP/b" "$U/jobs/page/2.html"
expect_eq "$(wc -c <"$TMP/plain" | tr -d ' ')" "$(hdr Content-Length "$TMP/h")" "HEAD gives the length"

# ---- faults -----------------------------------------------------------------------------

F="$U/fault"
expect_eq 500 "$(code "$F/500/x")" "/fault/500 is 500"
expect_eq 410 "$(code "$F/status/410")" "/fault/status/410 is 410"
fl=$(code "$F/flaky/2/a")
fl="$fl $(code "$F/flaky/2/a")"
fl="$fl $(code "$F/flaky/2/a")"
expect_eq "503 503 200" "$fl" "/fault/flaky/2/a fails twice, then works"
expect_eq 503 "$(code "$F/flaky/2/b")" "flaky ids count apart"
$CURL -D "$TMP/h" -o /dev/null "$F/429/1/a"
expect_eq "429 1" "$(sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p' "$TMP/h") $(hdr Retry-After "$TMP/h")" \
	"/fault/429/1 is 429 with Retry-After: 1"
expect_eq 200 "$(code "$F/429/1/a")" "then 200"
t=$($CURL -o /dev/null -w '%{time_total}' "$F/slow/400/x")
awk "BEGIN { exit !($t >= 0.4) }" && ok "/fault/slow/400 takes 400 ms ($t s)" || notok "/fault/slow/400 ($t s)"
$CURL --max-time 2 -o "$TMP/b" "$F/stall/x" 2>/dev/null
rc=$?
expect_eq "28 512" "$rc $(wc -c <"$TMP/b" | tr -d ' ')" "/fault/stall sends 512 bytes then stalls (curl timeout 28)"
$CURL --speed-limit 50 --speed-time 2 -o "$TMP/b" "$F/drip/x" 2>/dev/null
rc=$?
sz=$(wc -c <"$TMP/b" | tr -d ' ')
[ "$rc" = 28 ] && [ "$sz" -ge 2 ] && [ "$sz" -le 12 ] && ok "/fault/drip trips a low-speed limit ($sz bytes)" ||
	notok "/fault/drip trips a low-speed limit (exit $rc, $sz bytes)"
$CURL -o /dev/null "$F/truncated/x" 2>/dev/null
expect_eq 18 "$?" "/fault/truncated is a partial transfer (curl 18)"
$CURL -L --max-redirs 5 -o /dev/null -w '%{num_redirects}' "$F/redirect-loop/0" >"$TMP/b" 2>/dev/null
expect_eq "47 5" "$? $(cat "$TMP/b")" "/fault/redirect-loop stops at 5 redirects (curl 47)"
expect_eq "200 3 $F/redirect/3/3" "$($CURL -L -o /dev/null -w '%{http_code} %{num_redirects} %{url_effective}' "$F/redirect/3")" \
	"/fault/redirect/3 is 3 hops to a 200"
$CURL -D "$TMP/h" -o /dev/null "$F/redirect/2/0?code=301"
expect_eq "/fault/redirect/2/1?code=301" "$(hdr Location "$TMP/h")" "redirect hops keep ?code=301"
expect_eq 2097152 "$($CURL -o /dev/null -w '%{size_download}' "$F/big/2")" "/fault/big/2 is 2 MiB"
$CURL -D "$TMP/h" -o "$TMP/bomb" "$F/gzipbomb"
sz=$(wc -c <"$TMP/bomb" | tr -d ' ')
[ "$(hdr Content-Encoding "$TMP/h")" = gzip ] && [ "$sz" -lt 2000000 ] && ok "/fault/gzipbomb is gzip, $sz bytes on the wire" ||
	notok "/fault/gzipbomb is small gzip ($sz bytes)"
expect_eq "00 00 00 40" "$(tail -c 4 "$TMP/bomb" | od -An -tx1 | tr -s ' ' | sed 's/^ //; s/ $//')" \
	"/fault/gzipbomb inflates to 1 GiB (gzip ISIZE)"
expect_eq 0 "$(gzip -dc <"$TMP/bomb" 2>/dev/null | head -c 1048576 | tr -d '\000' | wc -c | tr -d ' ')" \
	"/fault/gzipbomb inflates to zeros"
$CURL -D "$TMP/h" -o "$TMP/b" "$F/latin1"
expect_eq "text/html; charset=iso-8859-1" "$(hdr Content-Type "$TMP/h")" "/fault/latin1 declares Latin-1 in the header"
bytes=$(od -An -tx1 -v "$TMP/b" | tr -s ' \n' '  ')
case "$bytes" in *" e9 "*) case "$bytes" in *" f1 "*) case "$bytes" in *" fc "*)
	ok "/fault/latin1 has é, ñ, ü as Latin-1 bytes" ;; *) notok "/fault/latin1 has ü" ;; esac ;;
	*) notok "/fault/latin1 has ñ" ;; esac ;; *) notok "/fault/latin1 has é" ;; esac
grep -qi '<meta' "$TMP/b" && notok "/fault/latin1 has no meta charset" || ok "/fault/latin1 has no meta charset"
$CURL -o "$TMP/b" "$F/broken-html"
expect_grep 'class="ad-title"' "$TMP/b" "/fault/broken-html carries an ad"
expect_eq "503 404" "$(code "$F/robots/503/robots.txt") $(code "$F/robots/404/robots.txt")" "/fault/robots/<status>"
expect_eq application/pdf "$($CURL -o /dev/null -w '%{content_type}' "$F/ctype/application/pdf")" "/fault/ctype"
expect_eq "404 400" "$(code "$F/nonesuch") $(code "$F/flaky/x/y")" "unknown faults 404, bad arguments 400"

# ---- robustness -----------------------------------------------------------------------------

$CURL --max-time 5 -o /dev/null "$F/stall/concurrent" 2>/dev/null &
cpids=$!
i=0
while [ $i -lt 40 ]; do
	$CURL -o /dev/null -w '%{http_code}\n' "$U/jobs/page/$((i % 4 + 1)).html" >"$TMP/c$i" &
	cpids="$cpids $!"
	i=$((i + 1))
done
for p in $cpids; do wait "$p"; done
expect_eq 40 "$(cat "$TMP"/c[0-9]* | grep -c '^200$')" "40 concurrent requests beside a stalled one all get 200"
alive "$main_pid" && [ "$(code "$U/")" = 200 ] && ok "server survives clients that hang up mid-response" ||
	notok "server survives clients that hang up mid-response"

# ---- the request log --------------------------------------------------------------------------

python3 - "$TMP/log.jsonl" "$etag" >"$TMP/b" 2>&1 <<'PY'
import json, sys, time
need = {"ts", "mono", "method", "path", "status", "user_agent", "if_none_match", "if_modified_since", "bytes"}
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
bad = [r for r in rows if not need <= set(r) or not isinstance(r["mono"], float)]
assert not bad, "rows without the fields: %r" % bad[:2]
assert all(abs(time.time() - r["ts"]) < 600 for r in rows), "ts is not wall-clock time"
flaky = [r["status"] for r in sorted(rows, key=lambda r: r["mono"]) if r["path"] == "/fault/flaky/2/a"]
assert flaky == [503, 503, 200], flaky
assert any(r["status"] == 304 and r["if_none_match"] == sys.argv[2] for r in rows), "no 304 with If-None-Match"
assert any(r["user_agent"] == "lw-selftest/1" for r in rows), "no user agent"
assert any(r["path"] == "/fault/big/2" and r["bytes"] == 2 << 20 for r in rows), "big bytes"
print("log: %d requests" % len(rows))
PY
expect_grep '^log: [0-9]* requests$' "$TMP/b" "the log has a JSON object per request with timestamps"

kill "$main_pid"
gone_within "$main_pid" 30 && ok "SIGTERM stops the server" || notok "SIGTERM stops the server"

# ---- options and lifetime ---------------------------------------------------------------------

start_server robots --robots-status 503
expect_eq 503 "$(code "http://127.0.0.1:$port/robots.txt")" "--robots-status 503"
kill "$spid"
printf 'User-agent: *\nDisallow: /\n' >"$TMP/robots"
start_server robots2 --robots-file "$TMP/robots" --delay-ms 300
$CURL -o "$TMP/b" -w '%{time_total}' "http://127.0.0.1:$port/robots.txt" >"$TMP/t"
expect_grep '^Disallow: /$' "$TMP/b" "--robots-file serves another robots.txt"
awk "BEGIN { exit !($(cat "$TMP/t") >= 0.3) }" && ok "--delay-ms 300 delays responses" || notok "--delay-ms 300"
kill "$spid"

start_server max --max-requests 3
for i in 1 2 3; do code "http://127.0.0.1:$port/" >/dev/null; done
gone_within "$spid" 30 && ok "--max-requests 3 exits after 3 requests" || notok "--max-requests 3"

start_server idle --idle-exit 1
gone_within "$spid" 40 && ok "--idle-exit 1 exits when idle" || notok "--idle-exit 1"

start_server taken
python3 "$SERVE" --port "$port" --idle-exit 5 >/dev/null 2>"$TMP/err"
expect_eq 1 "$?" "a port in use is an error"
expect_grep "cannot listen on 127.0.0.1:$port" "$TMP/err" "and says so"
kill "$spid"

# The server's parent exits without stopping it: it must go too. The parent waits until the
# server is up (it notes its parent then: a parent gone before that, as a fixed second's sleep
# allowed on a loaded machine, left it nothing to watch).
sh -c 'python3 "$1" --port 0 --idle-exit 60 >"$2" & echo $! >"$3"
	i=0; until grep -q "^PORT=" "$2" 2>/dev/null || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done' \
	sh "$SERVE" "$TMP/orphan.out" "$TMP/orphan.pid"
opid=$(cat "$TMP/orphan.pid")
pids="$pids $opid"
gone_within "$opid" 30 && ok "the server exits when its parent dies" || notok "the server exits when its parent dies"

finish
