#!/bin/sh
# SPDX-License-Identifier: MIT
# Fleet benchmark (issue 15): web archive scanning in MB/s of compressed WARC and pages/s beside
# `zcat FILE > /dev/null` (the decompression floor) and warcio (Python, when installed); rescan
# listings/s with 1 and 2 worker processes; crawl pages/s with 1 and 2 crawl processes on a site of
# several hosts (ports of 127.0.0.1 served by tests/server/lwserve.py). Each in a throwaway cluster.
#
# Environment (all optional): BENCH_FLEET_PAGES archive pages (40000; BENCH_QUICK=1: 6000),
# BENCH_FLEET_LISTINGS listings rescanned (20000; quick: 4000), BENCH_FLEET_ADS ads per crawled host
# (300; quick: 100), BENCH_FLEET_HOSTS (4).
set -eu

LW=${LW:-$(pwd)/lurewatch}
TOP=$(pwd)
QUICK=${BENCH_QUICK:-0}
PAGES=${BENCH_FLEET_PAGES:-$([ "$QUICK" = 1 ] && echo 6000 || echo 40000)}
LISTINGS=${BENCH_FLEET_LISTINGS:-$([ "$QUICK" = 1 ] && echo 4000 || echo 20000)}
ADS=${BENCH_FLEET_ADS:-$([ "$QUICK" = 1 ] && echo 100 || echo 300)}
HOSTS=${BENCH_FLEET_HOSTS:-4}
. "$(dirname "$0")/lib.sh"

W=$(mktemp -d /tmp/lw-bench.XXXXXX)
chmod 755 "$W"
RES=$W/results.txt
: > "$RES"
SPIDS=""
trap 'for p in $SPIDS; do kill "$p" 2>/dev/null; done; clusters_stop; rm -rf "$W"' EXIT INT TERM
put cores "$(nproc)"

# ---- archives ---------------------------------------------------------------------------------
say "bench fleet: writing a WARC of $PAGES pages"
python3 tests/tools/mkwarc.py "$W/a.warc.gz" "$PAGES" bench --pad 1500
bytes=$(wc -c < "$W/a.warc.gz")
put archive.bytes "$bytes"
put archive.pages "$PAGES"
t0=$(now); zcat "$W/a.warc.gz" > /dev/null; t1=$(now)
put zcat.seconds "$(elapsed "$t0" "$t1")"
t0=$(now); "$LW" archive check -q "$W/a.warc.gz" > /dev/null; t1=$(now)
put check.seconds "$(elapsed "$t0" "$t1")"
cluster_new arc
t0=$(now); "$LW" --config "$CONF" archive scan -q "$W/a.warc.gz" > "$W/scan.out"; t1=$(now)
put scan.seconds "$(elapsed "$t0" "$t1")"
cluster_stop "$CONF"
if python3 -c 'import warcio' 2> /dev/null; then
	t0=$(now)
	python3 - "$W/a.warc.gz" <<'PY'
import sys
from warcio.archiveiterator import ArchiveIterator
with open(sys.argv[1], "rb") as f:
    for r in ArchiveIterator(f):
        if r.rec_type == "response":
            r.content_stream().read()
PY
	t1=$(now)
	put warcio.seconds "$(elapsed "$t0" "$t1")"
else
	put warcio.seconds "absent"
fi

# ---- rescans: 1 and 2 workers -------------------------------------------------------------------
say "bench fleet: rescanning $LISTINGS listings with 1 and 2 workers"
cluster_new resc
python3 bench/gen_listings.py jsonl "$W/l.jsonl" "$W/l.csv" "$LISTINGS" 42 >&2
"$LW" --config "$CONF" ingest -q "$W/l.jsonl" > /dev/null
for j in 1 2; do
	mkdir -p "$W/rules$j"
	cp "$TOP"/rules/*.rules "$W/rules$j/"
	printf '[rule zz_bench_%s]\ncategory = deception\nweight = 1\ndescription = bench\npattern = /\\bzzbench%s\\b/\n' \
		"$j" "$j" > "$W/rules$j/zz.rules"
	# compile outside the timing: the pack cache is shared by the workers
	echo x | "$LW" --config "$CONF" match -r "$W/rules$j" > /dev/null 2>&1 || true
	t0=$(now); "$LW" --config "$CONF" rescan -q --jobs "$j" -r "$W/rules$j" > "$W/r$j.out"; t1=$(now)
	put "rescan$j.seconds" "$(elapsed "$t0" "$t1")"
	put "rescan$j.listings" "$(sed -n 's/^rescanned \([0-9]*\).*/\1/p' "$W/r$j.out")"
done
cluster_stop "$CONF"

# ---- crawls: 1 and 2 processes on several hosts --------------------------------------------------
say "bench fleet: crawling $HOSTS hosts of $ADS ads with 1 and 2 processes"
python3 - "$W/site" "$ADS" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
os.makedirs(root + "/ads", exist_ok=True)
links = "".join('<a class="ad-link" href="/ads/%d.html">ad %d</a>\n' % (i, i) for i in range(n))
open(root + "/index.html", "w").write("<html><body>%s</body></html>" % links)
for i in range(n):
    body = ("Earn $5000/week, no experience, we keep your passport safe, whatsapp only %d" % i
            if i % 5 == 0 else "Bookshop assistant, weekends, ref %d. Apply in store." % i)
    open(root + "/ads/%d.html" % i, "w").write(
        '<html><head><title>Ad %d</title></head><body><h1 class="t">Ad %d</h1>'
        '<div class="b">%s</div></body></html>' % (i, i, body))
PY
for p in 1 2; do
	cluster_new "crawl$p"
	i=0
	while [ $i -lt "$HOSTS" ]; do
		python3 tests/server/lwserve.py --port 0 --idle-exit 600 --root "$W/site" > "$W/srv$p.$i.out" 2>&1 &
		SPIDS="$SPIDS $!"
		k=0
		until port=$(sed -n "1s/^PORT=//p" "$W/srv$p.$i.out" 2>/dev/null); [ -n "$port" ] || [ $k -gt 100 ]; do sleep 0.05; k=$((k + 1)); done
		printf '[source h%s]\nkind = html\nstart = http://127.0.0.1:%s/index.html\nlinks = //a[@class="ad-link"]/@href\ntitle = //h1\nbody = //div[@class="b"]\nallow_private = yes\nrate = 500\nconnections = 4\nmax_pages = 100000\n' \
			"$i" "$port" >> "$CONF"
		i=$((i + 1))
	done
	echo x | "$LW" --config "$CONF" match > /dev/null 2>&1 || true
	t0=$(now)
	k=0
	while [ $k -lt "$p" ]; do
		"$LW" --config "$CONF" crawl -q > "$W/c$p.$k.out" 2>&1 &
		eval "cp$k=\$!"
		k=$((k + 1))
	done
	k=0
	while [ $k -lt "$p" ]; do eval "wait \$cp$k" || true; k=$((k + 1)); done
	t1=$(now)
	put "crawl$p.seconds" "$(elapsed "$t0" "$t1")"
	put "crawl$p.pages" "$(sql -c "SELECT count(*) FROM crawl_urls WHERE state = 'done'")"
	cluster_stop "$CONF"
	for s in $SPIDS; do kill "$s" 2>/dev/null || true; done
	SPIDS=""
done
cat "$RES" >&2
