#!/bin/sh
# SPDX-License-Identifier: MIT
# Crawl after crawl (written for two writer lanes; the crawl is back to one, see
# crawler/crawl.c, and the test holds for any number): four crawls of 480 ads in 24 groups (a phone number and a
# near-identical text each, every eighth ad carrying the next group's number too), each adding to
# the networks of the ones before, must all run to the end with every ad stored once and linked.
# Two lanes link networks at the same time, through igraph (serialised in store/netgraph.c).
# This is an end-to-end check, not proof of that lock: a build without it passed here too
# (tests/unit/test_netgraph.c's threads test is what catches a missing lock). It did catch a
# crawl loop that never saw its own end (an asynchronous lease asked for again and again, in a
# database-thread version of the loop since reverted). LW_LANES_RUNS sets how many crawls (4).
. "$(dirname "$0")/lib.sh"
use_pg
runs=${LW_LANES_RUNS:-4}

python3 - "$TMP/site" "$runs" <<'PY'
import os, sys
root, runs = sys.argv[1], int(sys.argv[2])
groups, per, page = 24, 20, 40
words = "reliable driver cleaner carer picker packer welder cook waiter nanny".split()
for r in range(1, runs + 1):
    d = "%s/r%d" % (root, r)
    os.makedirs(d + "/ads"); os.makedirs(d + "/list")
    n = groups * per
    for i in range(n):
        g = i % groups
        other = " Or call +44 7700 9%05d." % ((g + 1) % groups) if i % 8 == 0 else ""
        with open("%s/ads/%d.html" % (d, i), "w") as f:
            f.write('<html><body><h1>%s wanted, group %d</h1><div class="b">Work abroad as a %s, '
                    'travel paid, we keep your passport and you pay a fee to the agency. Call '
                    '+44 7700 9%05d.%s Ref %d-%d.</div></body></html>\n'
                    % (words[g % 10], g, words[g % 10], g, other, r, i))
    pages = (n + page - 1) // page
    for p in range(1, pages + 1):
        with open("%s/list/%d.html" % (d, p), "w") as f:
            f.write("<html><body>\n")
            for i in range((p - 1) * page, min(p * page, n)):
                f.write('<a class="ad" href="/r%d/ads/%d.html">ad</a>\n' % (r, i))
            if p < pages:
                f.write('<a rel="next" href="/r%d/list/%d.html">next</a>\n' % (r, p + 1))
            f.write("</body></html>\n")
PY
start_server site --root "$TMP/site"
expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)

r=0
while [ $r -lt "$runs" ]; do
	r=$((r + 1))
	{ printf '[lurewatch]\nlog_level = warn\n[matcher]\nrules = %s/rules\n' "$TOP"
	  printf '[crawler]\nconnections = 16\n'
	  printf '[source r%d]\nkind = html\nstart = http://127.0.0.1:%s/r%d/list/1.html\n' "$r" "$port" "$r"
	  printf "links = //a[@class='ad']/@href\nnext = //a[@rel='next']/@href\n"
	  printf "title = //h1\nbody = //div[@class='b']\nrate = 1000\nconnections = 16\nallow_private = yes\n"
	} >"$TMP/r$r.conf"
	expect_rc 0 "crawl $r of $runs runs to the end" timeout 300 "$LW" --config "$TMP/r$r.conf" crawl
	expect_grep '480 ads stored' "$TMP/out" "crawl $r stores its 480 ads"
	if grep -q 'Corrupt finally stack' "$TMP/err"; then notok "crawl $r: no igraph abort"
	else ok "crawl $r: no igraph abort"; fi
done
expect_eq "$(sql "SELECT count(*) FROM listings")" $((480 * runs)) "every ad stored once"
nets=$(sql "SELECT count(DISTINCT network_id) FROM listing_networks")
[ "${nets:-0}" -ge 2 ] && ok "the ads are linked into networks ($nets)" ||
	notok "the ads are linked into networks (got '$nets')"
finish
