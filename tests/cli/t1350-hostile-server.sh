#!/bin/sh
# SPDX-License-Identifier: MIT
# The test HTTP server misbehaving in every way it can, in one crawl (t0600
# covers stalls, drips, truncation, redirect loops, 50 MB bodies, gzip bombs,
# Latin-1 and broken HTML one by one): TCP resets mid-body, 1 MiB of headers,
# a 100 MB body, a 1 GiB gzip bomb, endless redirects, redirects to private
# and link-local addresses, a wrong charset, a feed that is not XML. Each bad
# URL fails with a clear error of its own, the good pages are stored, and the
# crawler's peak memory stays bounded.
. "$(dirname "$0")/lib.sh"
use_pg
T0=$(date +%s)
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else notok "$3 (got '$1', wanted '$2')"; fi
}
expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)
sql() { PGCLIENTENCODING=UTF8 PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A -v ON_ERROR_STOP=1 "$URL" -c "$1"; }
mkdir -p "$TMP/site/ads"
for k in 1 2 3; do
	printf '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Ad</title></head><body><h1 class="t">Cook %s</h1><div class="b"><p>Kitchen in Napier, $26 an hour.</p></div></body></html>\n' \
		"$k" >"$TMP/site/ads/ok$k.html"
done
# A small pack: the default pack's cold compile would dwarf the crawl's memory.
printf '[pack]\nname = h\nversion = 1\n[rule fee]\ncategory = fee_debt\nweight = 2\ndescription = a fee\npattern = /pay a fee/\n' \
	>"$TMP/h.rules"
start_server hostile --root "$TMP/site"
B="http://127.0.0.1:$port"
FAULTS="/fault/reset/a /fault/huge-headers/1024 /fault/big/100 /fault/gzipbomb /fault/redirect-loop/0
/fault/redirect-to/private?url=http://10.11.12.13/ad /fault/redirect-to/metadata?url=http://169.254.169.254/latest/meta-data/
/fault/redirect-to/other?url=http://jobs.example.org/ad /fault/stall/h /fault/drip/h /fault/truncated/h
/fault/wrong-charset /fault/broken-html /fault/status/500"
{ printf '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>\n'
  for u in $FAULTS /ads/ok1.html /ads/ok2.html /ads/ok3.html; do printf '<a class="ad" href="%s">x</a>\n' "$u"; done
  printf '</body></html>\n'; } >"$TMP/site/list.html"
cat >"$TMP/h.conf" <<EOF2
[lurewatch]
log_level = warn
[matcher]
rules = $TMP/h.rules
[crawler]
timeout = 8
low_speed_time = 2
max_body = 5242880
retries = 0
connections = 16
[source hostile]
kind = html
start = $B/list.html
links = //a[@class='ad']/@href
title = //h1
body = //div[@class='b']
rate = 100
connections = 8
allow_private = yes
[source badfeed]
kind = rss
start = $B/fault/bad-xml
title = //h1
body = //div[@class='b']
allow_private = yes
EOF2
t=$(date +%s)
/usr/bin/time -f '%M' -o "$TMP/rss" timeout 120 "$LW" --config "$TMP/h.conf" crawl >"$TMP/out" 2>"$TMP/err"
rc=$?
t=$(($(date +%s) - t))
expect_eq "$rc" 1 "the crawl ends with exit 1: some pages failed, the crawl went on"
rss_mb=$(($(tail -1 "$TMP/rss") / 1024))
[ "$rss_mb" -le 100 ] && ok "peak memory ${rss_mb} MB through a 100 MB body and a 1 GiB gzip bomb" ||
	notok "peak memory ${rss_mb} MB (wanted <= 100)"
[ "$t" -le 60 ] && ok "the crawl takes ${t}s" || notok "the crawl takes ${t}s (wanted <= 60)"
# fails PATH PATTERN: the URL is failed with a last_error matching PATTERN.
fails() {
	row=$(sql "SELECT state || ': ' || coalesce(last_error, '') FROM crawl_urls WHERE url = '$B$1'")
	case $row in
	failed:*) echo "$row" | grep -Eiq -- "$2" && ok "$1 fails: ${row#failed: }" ||
		notok "$1 fails with /$2/ (got '$row')" ;;
	*) notok "$1 fails with /$2/ (got '$row')" ;;
	esac
}
fails /fault/reset/a 'reset|recv|partial|closed'
fails /fault/huge-headers/1024 'header'
fails /fault/big/100 'larger than 5242880'
fails /fault/gzipbomb 'larger than 5242880'
fails /fault/redirect-loop/0 'redirects'
fails '/fault/redirect-to/private?url=http://10.11.12.13/ad' 'private|not allowed|allow_hosts|host'
fails '/fault/redirect-to/metadata?url=http://169.254.169.254/latest/meta-data/' 'private|not allowed|allow_hosts|host'
fails '/fault/redirect-to/other?url=http://jobs.example.org/ad' 'not allowed|allow_hosts|host'
fails /fault/stall/h 'timed out|too slow'
fails /fault/drip/h 'timed out|too slow'
fails /fault/truncated/h 'partial|closed|remaining'
fails /fault/status/500 '500'
expect_eq "$(sql "SELECT count(*) FROM listings WHERE url LIKE '$B/ads/ok_.html'")" 3 "the good pages are stored"
expect_eq "$(sql "SELECT count(*) FROM listings WHERE url = '$B/fault/wrong-charset' AND body LIKE '%Málaga%' OR title LIKE '%Málaga%'")" 1 \
	"a Latin-1 page declared UTF-8 is stored, read as Windows-1252"
expect_eq "$(sql "SELECT count(*) FROM listings WHERE url = '$B/fault/broken-html'")" 1 "broken HTML is stored"
fails /fault/bad-xml 'feed|xml|line'
grep -i 'bad\|feed\|xml' "$TMP/err" | head -3 | cut -c1-200 | sed 's/^/# /'
sql "SELECT url || ' -> ' || coalesce(last_error, state) FROM crawl_urls WHERE state <> 'done' ORDER BY url" | cut -c1-200 | sed 's/^/# /'
echo "# misbehaving-server cases: $(echo $FAULTS | wc -w) pages + 1 feed; peak RSS ${rss_mb} MB; ${t}s"
finish
