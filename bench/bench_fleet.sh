#!/bin/sh
# SPDX-License-Identifier: MIT
# Fleet benchmark (issue 15): web archive scanning in MB/s of compressed WARC and pages/s beside
# `zcat FILE > /dev/null` (the decompression floor) and warcio.js (npm), on synthetic pages and on
# real Common Crawl pages; rescan
# listings/s with 1 and 2 worker processes; crawl pages/s with 1 and 2 crawl processes on a site of
# several hosts (ports of 127.0.0.1 served by tests/server/lwserve.py). Each in a throwaway cluster.
#
# Environment (all optional): BENCH_FLEET_PAGES archive pages (40000; BENCH_QUICK=1: 6000),
# BENCH_FLEET_LISTINGS listings rescanned (20000; quick: 4000), BENCH_FLEET_ADS ads per crawled host
# (300; quick: 100), BENCH_FLEET_HOSTS (4), BENCH_FLEET_REAL copies of the 16 real pages (200;
# quick: 40), BENCH_FLEET_ROUNDS archive runs of each program, medians kept (3; quick: 1),
# BENCH_FLEET_PARTS (which of "archive rescan crawl" to run: all).
set -eu

LW=${LW:-$(pwd)/lurewatch}
TOP=$(pwd)
QUICK=${BENCH_QUICK:-0}
PAGES=${BENCH_FLEET_PAGES:-$([ "$QUICK" = 1 ] && echo 6000 || echo 40000)}
LISTINGS=${BENCH_FLEET_LISTINGS:-$([ "$QUICK" = 1 ] && echo 4000 || echo 20000)}
ADS=${BENCH_FLEET_ADS:-$([ "$QUICK" = 1 ] && echo 100 || echo 300)}
HOSTS=${BENCH_FLEET_HOSTS:-4}
REAL=${BENCH_FLEET_REAL:-$([ "$QUICK" = 1 ] && echo 40 || echo 200)}
ROUNDS=${BENCH_FLEET_ROUNDS:-$([ "$QUICK" = 1 ] && echo 1 || echo 3)}
PARTS=${BENCH_FLEET_PARTS:-archive rescan crawl}
ARC=0; RESCAN=0; CRAWL=0
case " $PARTS " in *" archive "*) ARC=1 ;; esac
case " $PARTS " in *" rescan "*) RESCAN=1 ;; esac
case " $PARTS " in *" crawl "*) CRAWL=1 ;; esac
. "$(dirname "$0")/lib.sh"

W=$(mktemp -d /tmp/lw-bench.XXXXXX)
chmod 755 "$W"
RES=$W/results.txt
: > "$RES"
SPIDS=""
trap 'for p in $SPIDS; do kill "$p" 2>/dev/null; done; clusters_stop; rm -rf "$W"' EXIT INT TERM
put cores "$(nproc)"

# ---- archives ---------------------------------------------------------------------------------
# warcio_js FILE: seconds for warcio.js (webrecorder's JavaScript warcio, from npm; the Python
# warcio is in no Debian package) to read every record and decode every response's content, or
# "absent" when it cannot be installed.
WJS=$TOP/build/npm
warcio_js() {
	if [ ! -d "$WJS/node_modules/warcio" ] && command -v npm > /dev/null; then
		npm install --prefix "$WJS" --no-audit --no-fund warcio@2.4.11 > "$W/npm.log" 2>&1 || true
	fi
	if [ ! -d "$WJS/node_modules/warcio" ] || ! command -v node > /dev/null; then
		echo absent
		return
	fi
	cat > "$WJS/iter.mjs" <<'JS'
import fs from "node:fs";
import { WARCParser } from "warcio";
for await (const r of new WARCParser(fs.createReadStream(process.argv[2])))
  if (r.warcType === "response") await r.contentText();
JS
	t0=$(now); node "$WJS/iter.mjs" "$1" > /dev/null; t1=$(now)
	elapsed "$t0" "$t1"
}
# cpu_of OUT CMD...: runs CMD (its standard output to OUT) and prints the CPU seconds (user +
# system, every thread) it and its children took. On a shared machine wall-clock figures move
# with the load; CPU seconds much less (the database server's are not counted: it is no child).
cpu_of() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys
with open(sys.argv[1], "wb") as out:
    rc = subprocess.run(sys.argv[2:], stdout=out).returncode
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.2f" % (r.ru_utime + r.ru_stime))
sys.exit(rc)
PY
}
# median V...: the middle value (the lower middle of an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# archive_figures KEY FILE PAGES: zcat, check (read, decode, HTML to text: no matcher, no
# database), scan (all of it, flagged pages stored in a fresh cluster each time) and warcio.js on
# FILE, ROUNDS times in turn (each round runs all four within a minute or so, so the load moves
# them alike); the medians of the seconds of wall clock and of CPU.
archive_figures() {
	put "$1.bytes" "$(wc -c < "$2")"
	put "$1.pages" "$3"
	put "$1.rounds" "$ROUNDS"
	zs=""; zc=""; cs=""; cc=""; ss=""; sc=""; ws=""; r=0
	while [ $r -lt "$ROUNDS" ]; do
		t0=$(now); c=$(cpu_of /dev/null zcat "$2"); t1=$(now)
		zs="$zs $(elapsed "$t0" "$t1")"; zc="$zc $c"
		t0=$(now); c=$(cpu_of /dev/null "$LW" archive check -q "$2"); t1=$(now)
		cs="$cs $(elapsed "$t0" "$t1")"; cc="$cc $c"
		cluster_new "$1$r"
		t0=$(now); c=$(cpu_of "$W/scan.out" "$LW" --config "$CONF" archive scan -q "$2"); t1=$(now)
		ss="$ss $(elapsed "$t0" "$t1")"; sc="$sc $c"
		put "$1.scan.flagged" "$(sed -n 's/.* \([0-9]*\) flagged.*/\1/p' "$W/scan.out")"
		cluster_stop "$CONF"
		ws="$ws $(warcio_js "$2")"
		r=$((r + 1))
	done
	# shellcheck disable=SC2086 # the lists are split on purpose
	{
		put "$1.zcat.seconds" "$(median $zs)"; put "$1.zcat.cpu_seconds" "$(median $zc)"
		put "$1.check.seconds" "$(median $cs)"; put "$1.check.cpu_seconds" "$(median $cc)"
		put "$1.scan.seconds" "$(median $ss)"; put "$1.scan.cpu_seconds" "$(median $sc)"
		put "$1.zcat.all" "$zs"; put "$1.check.all" "$cs"; put "$1.scan.all" "$ss"
		case $ws in *absent*) put "$1.warcio.seconds" absent ;; *) put "$1.warcio.seconds" "$(median $ws)" ;; esac
	}
	say "bench fleet: $1: $(awk -v b="$(get "$1.bytes")" -v p="$3" -v z="$(get "$1.zcat.seconds")" \
		-v c="$(get "$1.check.seconds")" -v s="$(get "$1.scan.seconds")" 'BEGIN {
		printf "zcat %.1f MB/s; check %.1f MB/s, %.0f pages/s; scan %.1f MB/s, %.0f pages/s (%.2fx zcat)",
		b / z / 1e6, b / c / 1e6, p / c, b / s / 1e6, p / s, z / s }')"
}
if [ "$ARC" = 1 ]; then
	say "bench fleet: writing a WARC of $PAGES synthetic pages"
	python3 tests/tools/mkwarc.py "$W/a.warc.gz" "$PAGES" bench --pad 1500
	archive_figures archive "$W/a.warc.gz" "$PAGES"
	# Real pages: FastWARC's test file (16 Common Crawl captures of real sites, with their
	# request and metadata records) over and over, each copy its own gzip members.
	say "bench fleet: a WARC of $REAL copies of 16 real Common Crawl pages"
	i=0
	while [ $i -lt "$REAL" ]; do cat tests/data/warc/warc-resiliparse/warcfile.warc.gz; i=$((i + 1)); done > "$W/real.warc.gz"
	archive_figures real "$W/real.warc.gz" $((REAL * 16))
	rm -f "$W/a.warc.gz" "$W/real.warc.gz"
fi

# ---- rescans: 1 and 2 workers -------------------------------------------------------------------
[ "$RESCAN" = 1 ] && {
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

}

# ---- crawls: 1 and 2 processes on several hosts --------------------------------------------------
[ "$CRAWL" = 1 ] && {
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
}
cat "$RES" >&2
