#!/bin/sh
# SPDX-License-Identifier: MIT
# Crawling benchmark: a generated site of ad pages served by nginx on 127.0.0.1, fetched by
# `curl --parallel`, by the crawler's fetcher alone (build/bench/bench_fetch) and crawled by
# `lurewatch crawl` (fetch, parse, score, store), with lurewatch's peak memory at two sizes.
# The ads are spread over several ports of 127.0.0.1, which the crawler treats as several hosts
# (as a real crawl spreads over sites): a source may ask at most 1000 requests/s of one host, so on
# one host the crawl could never pass 1000 pages/s however fast it is, and curl has no such cap.
#
# Environment (all optional): BENCH_CRAWL_PAGES ad pages (20000; BENCH_QUICK=1: 4000),
# BENCH_CRAWL_HOSTS ports the ads are spread over (16; 1 puts everything on one host),
# BENCH_CRAWL_SMALL the smaller crawl for the memory comparison (5000; quick: 1000),
# BENCH_CRAWL_PER_PAGE ad links per listing page (100), BENCH_CRAWL_CONNECTIONS (50),
# BENCH_SEED (42). Installs nginx-light with apt-get when no nginx is found.
#
# A/B against another build: BENCH_CRAWL_BASE=path/to/lurewatch (main's, say) crawls the same site
# in the same run, interleaved with this binary and a fresh curl run each round, BENCH_CRAWL_ROUNDS
# rounds (3 with a base, else 1) in alternating order (new, base, then base, new ...), so load that
# drifts over the minutes hits both alike; the table gives every round's ratio and their median.
# On a shared machine wall-clock figures are noisy: compare the ratios, not the rates.
# BENCH_CRAWL_SMALL=0 skips the smaller memory-comparison crawl, for a quick A/B.
set -eu

LW=${LW:-$(pwd)/lurewatch}
BUILD=${LW_BUILD:-build}
QUICK=${BENCH_QUICK:-0}
PAGES=${BENCH_CRAWL_PAGES:-$([ "$QUICK" = 1 ] && echo 4000 || echo 20000)}
SMALL=${BENCH_CRAWL_SMALL:-$([ "$QUICK" = 1 ] && echo 1000 || echo 5000)}
PER_PAGE=${BENCH_CRAWL_PER_PAGE:-100}
CONNS=${BENCH_CRAWL_CONNECTIONS:-50}
HOSTS=${BENCH_CRAWL_HOSTS:-16}
SEED=${BENCH_SEED:-42}
BASE_LW=${BENCH_CRAWL_BASE:-}
ROUNDS=${BENCH_CRAWL_ROUNDS:-$([ -n "$BASE_LW" ] && echo 3 || echo 1)}
if [ -n "$BASE_LW" ] && [ ! -x "$BASE_LW" ]; then
	echo "bench: BENCH_CRAWL_BASE '$BASE_LW' is not an executable" >&2; exit 2
fi
. "$(dirname "$0")/lib.sh"

# BENCH_CRAWL_SERVER=node serves the site with bench/static_server.js instead of nginx (the default
# when nginx is missing and node is there, rather than installing nginx).
SERVER=${BENCH_CRAWL_SERVER:-nginx}
if [ "$SERVER" = nginx ] && ! command -v nginx > /dev/null 2>&1 && [ ! -x /usr/sbin/nginx ] &&
	command -v node > /dev/null 2>&1; then
	say "bench: no nginx: serving the site with node (bench/static_server.js); curl's rate is lower than with nginx"
	SERVER=node
fi
if [ "$SERVER" = nginx ] && ! command -v nginx > /dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
	say "bench: installing nginx-light (a static server fast enough not to be the bottleneck)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light > /dev/null 2>&1 || {
		apt-get update -qq > /dev/null 2>&1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light > /dev/null; }
fi
[ -x /usr/bin/time ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time > /dev/null
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

W=$(mktemp -d /tmp/lw-bench.XXXXXX)
chmod 755 "$W"
RES=$W/results.txt
: > "$RES"
NGINX_PID=""
stop_nginx() { [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null; NGINX_PID=""; }
trap 'stop_nginx || true; clusters_stop; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
export LUREWATCH_CACHE=${LUREWATCH_CACHE:-${TMPDIR:-/tmp}/lurewatch-bench-cache}

say "bench: crawling: generating a site of $PAGES ad pages"
python3 bench/gen_listings.py site "$W/site" "$PAGES" "$PER_PAGE" "$SEED" >&2
chmod -R a+rX "$W/site"
put site.bytes "$(du -sb "$W/site" | cut -f1)"

# ---- nginx on HOSTS ports of 127.0.0.1, a temporary configuration, in the foreground -------------
PORTS=$(python3 - "$HOSTS" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)
PORT=${PORTS%% *}
LISTEN=$(for p in $PORTS; do printf '        listen 127.0.0.1:%s;\n' "$p"; done)
# Ad links become absolute, ad i on port i mod HOSTS; listing pages stay on the first port.
python3 - "$W/site" $PORTS <<'EOF'
import os, re, sys
d, ports = sys.argv[1], sys.argv[2:]
link = re.compile(r'href="/ads/(\d+)\.html"')
pages = os.path.join(d, "jobs", "page")
for name in os.listdir(pages):
    p = os.path.join(pages, name)
    with open(p, encoding="utf-8") as f:
        t = f.read()
    t = link.sub(lambda m: 'href="http://127.0.0.1:%s/ads/%s.html"'
                 % (ports[int(m.group(1)) % len(ports)], m.group(1)), t)
    with open(p, "w", encoding="utf-8") as f:
        f.write(t)
with open(os.path.join(d, "paths.txt"), encoding="utf-8") as f, \
        open(os.path.join(d, "urls.txt"), "w", encoding="utf-8") as o:
    for path in f.read().split():
        m = re.match(r"/ads/(\d+)\.html$", path)
        port = ports[int(m.group(1)) % len(ports)] if m else ports[0]
        o.write("http://127.0.0.1:%s%s\n" % (port, path))
EOF
mkdir -p "$W/nginx"
cat > "$W/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 2;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log warn;
events { worker_connections 4096; }
http {
    types { text/html html; text/plain txt; }
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    client_body_temp_path $W/nginx/body;
    proxy_temp_path $W/nginx/proxy;
    fastcgi_temp_path $W/nginx/fastcgi;
    server {
$LISTEN
        root $W/site;
    }
}
EOF
if [ "$SERVER" = node ]; then
	node bench/static_server.js "$W/site" $PORTS 2> "$W/nginx/start.err" &
else
	"$NGINX" -p "$W/nginx" -c "$W/nginx/nginx.conf" 2> "$W/nginx/start.err" &
fi
NGINX_PID=$!
i=0
until curl -s --noproxy 127.0.0.1 -o /dev/null "http://127.0.0.1:$PORT/jobs/page/1.html"; do
	i=$((i + 1))
	if [ $i -gt 50 ] || ! kill -0 "$NGINX_PID" 2>/dev/null; then
		say "bench: nginx did not start:"; cat "$W/nginx/start.err" "$W/nginx/error.log" >&2 2>/dev/null; exit 1
	fi
	sleep 0.1
done
BASE=http://127.0.0.1:$PORT
cp "$W/site/urls.txt" "$W/urls.txt"
NURLS=$(wc -l < "$W/urls.txt")
put urls "$NURLS"
put hosts "$HOSTS"

# ---- curl --parallel ------------------------------------------------------------------------------
sed 's|.*|url = "&"\noutput = "/dev/null"|' "$W/urls.txt" > "$W/curl.cfg"
# curl_run NAME: one curl --parallel of every URL, figures as NAME.*.
curl_run() {
	say "bench: curl --parallel --parallel-max $CONNS over the $NURLS URLs ($1)"
	t0=$(now)
	/usr/bin/time -f '%M' -o "$W/$1.time" curl -s --noproxy 127.0.0.1 --parallel --parallel-max "$CONNS" \
		-w '%{http_code}\n' -K "$W/curl.cfg" > "$W/$1.codes" 2> "$W/$1.err"
	t1=$(now)
	put "$1.seconds" "$(elapsed "$t0" "$t1")"
	put "$1.ok" "$(grep -c '^200$' "$W/$1.codes" || true)"
	put "$1.maxrss_kb" "$(tail -n 1 "$W/$1.time")"
}
curl_run curl

# ---- the fetcher alone ------------------------------------------------------------------------------
say "bench: bench_fetch (crawler/fetch.c, no parsing) over the same URLs"
/usr/bin/time -f '%M' -o "$W/fetch.time" "$BUILD/bench/bench_fetch" "$W/urls.txt" "$CONNS" > "$W/fetch.out" || {
	say "bench: bench_fetch failed"; cat "$W/fetch.out" >&2; }
put_lines "$W/fetch.out"

# ---- lurewatch crawl ---------------------------------------------------------------------------------
# crawl_run NAME MAX_PAGES [BINARY]: a fresh cluster, one pass of the site by BINARY (this LW by
# default), figures as NAME.*.
crawl_run() {
	LW_SAVED=$LW
	LW=${3:-$LW}
	cluster_new "$1" "[crawler]
connections = $CONNS
[source bench]
kind = html
start = $BASE/jobs/page/1.html
links = //a[@class='ad-link']/@href
next = //a[@rel='next']/@href
title = //h1[@class='ad-title']
body = //div[@class='ad-body']
location = //span[@class='ad-location']
posted = //time[@class='ad-posted']/@datetime
rate = 1000
connections = $CONNS
max_pages = $2
max_depth = 1000
allow_private = yes"
	t0=$(now)
	/usr/bin/time -v -o "$W/$1.time" "$LW" --config "$CONF" crawl --source bench > "$W/$1.out" 2> "$W/$1.err" || {
		rc=$?; [ $rc -eq 1 ] || { say "bench: lurewatch crawl failed ($rc):"; tail -n 5 "$W/$1.err" >&2; return 1; }; }
	t1=$(now)
	put "$1.seconds" "$(elapsed "$t0" "$t1")"
	put "$1.fetched" "$(sed -n 's/^crawl: \([0-9]*\) pages fetched.*/\1/p' "$W/$1.out")"
	put "$1.stored" "$(sed -n 's/.* \([0-9]*\) ads stored.*/\1/p' "$W/$1.out")"
	put "$1.failed" "$(sed -n 's/.* \([0-9]*\) failed.*/\1/p' "$W/$1.out")"
	put "$1.maxrss_kb" "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$W/$1.time")"
	put "$1.cpu" "$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$W/$1.time")"
	cluster_stop "$CONF"
	LW=$LW_SAVED
}
if [ "$SMALL" -gt 0 ]; then
	say "bench: lurewatch crawl of $SMALL pages (memory at the smaller size)"
	crawl_run small "$SMALL"
fi
# The compiled pack is cached (LUREWATCH_CACHE): compile it before the rounds, with each binary,
# or the first crawl of the run pays for it (seconds, against crawls of a few seconds).
for b in "$LW" $BASE_LW; do
	echo "warm the cache" | "$b" match - > /dev/null 2>&1 || true
done
# Round 1's curl is the one above. big.* is this binary's first round (the row bench/run.sh reads).
r=1
while [ "$r" -le "$ROUNDS" ]; do
	[ "$r" -gt 1 ] && curl_run "curl$r"
	nb=big; [ "$r" -gt 1 ] && nb=big$r
	if [ -n "$BASE_LW" ] && [ $((r % 2)) -eq 0 ]; then
		say "bench: round $r: base $BASE_LW, then this binary"
		crawl_run "base$r" "$NURLS" "$BASE_LW"
		crawl_run "$nb" "$NURLS"
	else
		say "bench: round $r: lurewatch crawl of all $NURLS pages (rate = 1000, connections = $CONNS)"
		crawl_run "$nb" "$NURLS"
		if [ -n "$BASE_LW" ]; then
			say "bench: round $r: base $BASE_LW"
			crawl_run "base$r" "$NURLS" "$BASE_LW"
		fi
	fi
	r=$((r + 1))
done
stop_nginx || true

# ---- the table ----------------------------------------------------------------------------------------
cps=$(per_s "$(get curl.ok)" "$(get curl.seconds)")
fps=$(get fetch.pps)
bps=$(per_s "$(get big.fetched)" "$(get big.seconds)")
row() { printf '%-58s %8s %9s %10s %10s\n' "$@"; }
echo
echo "crawling: $NURLS URLs ($PAGES ad pages on $HOSTS ports + listing pages, $(awk -v b="$(get site.bytes)" 'BEGIN { printf "%.0f MB", b / 1e6 }')) from $SERVER on 127.0.0.1, $CONNS connections, no gzip"
row "client" "pages" "seconds" "pages/s" "peak RSS"
row "curl --parallel --parallel-max $CONNS (baseline)" "$(get curl.ok)" "$(get curl.seconds)" "$cps" "$(kbmb "$(get curl.maxrss_kb)")"
row "fetch only: bench_fetch (fetch.c, ignore_robots, interval 0)" "$(get fetch.ok)" "$(get fetch.seconds)" "$(printf '%.0f' "$fps" 2>/dev/null || echo -)" "$(kbmb "$(get fetch.maxrss_kb)")"
row "lurewatch crawl: fetch+parse+score+store, rate = 1000" "$(get big.fetched)" "$(get big.seconds)" "$bps" "$(kbmb "$(get big.maxrss_kb)")"
row "lurewatch crawl, smaller run (memory comparison)" "$(get small.fetched)" "$(get small.seconds)" "$(per_s "$(get small.fetched)" "$(get small.seconds)")" "$(kbmb "$(get small.maxrss_kb)")"
echo
echo "ratios: fetch only / curl = $(ratio "$fps" "$cps" 2)x   crawl / curl = $(ratio "$bps" "$cps" 2)x (aim >= 0.5)" \
	"  crawl peak RSS $(get big.fetched) vs $(get small.fetched) pages: $(kbmb "$(get big.maxrss_kb)") vs $(kbmb "$(get small.maxrss_kb)") ($(ratio "$(get big.maxrss_kb)" "$(get small.maxrss_kb)" 2)x; flat = 1)"
if [ "$ROUNDS" -gt 1 ] || [ -n "$BASE_LW" ]; then
	echo
	echo "rounds (interleaved, same site, each with a fresh cluster):"
	row "round" "curl/s" "crawl/s" "base/s" "crawl/base"
	ratios=""
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		nb=big; cu=curl; [ "$r" -gt 1 ] && nb=big$r && cu=curl$r
		c=$(per_s "$(get "$cu.ok")" "$(get "$cu.seconds")")
		n=$(per_s "$(get "$nb.fetched")" "$(get "$nb.seconds")")
		b=$(per_s "$(get "base$r.fetched")" "$(get "base$r.seconds")")
		x=$(ratio "$n" "$b" 2)
		ratios="$ratios $x"
		row "$r" "$c" "$n ($(ratio "$n" "$c" 2)x)" "$b ($(ratio "$b" "$c" 2)x)" "$x"
		put "round$r.crawl_over_base" "$x"
		r=$((r + 1))
	done
	med=$(printf '%s\n' $ratios | grep -v '^-$' | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); else print "-" }')
	put crawl_over_base.median "$med"
	[ -n "$BASE_LW" ] && echo "crawl / base: median $med over $ROUNDS rounds (base: $BASE_LW)"
fi
echo "notes: crawl time starts with the cluster already up and includes robots.txt, listing pages, parsing, scoring and storing;"
echo "  $(get big.stored) ads stored, $(get big.failed) failed, $(get big.cpu) s CPU in lurewatch; rate = 1000/s per host is the highest a source may set,"
echo "  so the crawl cannot pass $HOSTS x 1000 pages/s whatever the fetcher does. Fetch CPU: $(get fetch.cpu_seconds) s."
