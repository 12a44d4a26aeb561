#!/bin/sh
# SPDX-License-Identifier: MIT
# Crawl limits: an 11-page listing site configured without max_depth is
# crawled to its last page, and a limit that ends a pass early (max_depth,
# max_pages, --max-pages) is named in the summary, the log and `status`.
. "$(dirname "$0")/lib.sh"
use_pg

# An 11-page listing site with 125 ads, 12 to a page (the last has 5).
site=$TMP/long
mkdir -p "$site/list" "$site/ads"
python3 - "$site" <<'PY'
import sys
root = sys.argv[1]
ads, per, pages = 125, 12, 11
for p in range(1, pages + 1):
    links = "".join('<li><a class="ad" href="/ads/%d.html">ad %d</a></li>' % (i, i)
                    for i in range((p - 1) * per + 1, min(p * per, ads) + 1))
    nxt = '<a rel="next" href="/list/%d.html">next</a>' % (p + 1) if p < pages else ""
    with open("%s/list/%d.html" % (root, p), "w") as f:
        f.write("<html><body><ul>%s</ul>%s</body></html>" % (links, nxt))
for i in range(1, ads + 1):
    with open("%s/ads/%d.html" % (root, i), "w") as f:
        f.write("<html><body><h1>Room %d to let</h1><div>Sunny room number %d, "
                "close to the bus.</div></body></html>" % (i, i))
PY
start_server long --root "$site"

# conf NAME [LINES]: the README's example source, without max_depth.
conf() {
	name=$1
	shift
	printf '[lurewatch]\nlog_level = warn\n[matcher]\nrules = %s/rules\n' "$TOP"
	printf '[source %s]\nkind = html\nstart = http://127.0.0.1:%s/list/1.html\n' "$name" "$port"
	printf "links = //a[@class='ad']/@href\nnext = //a[@rel='next']/@href\n"
	printf 'title = //h1\nbody = //div\nrate = 50\nconnections = 4\nallow_private = yes\n'
	for l in "$@"; do printf '%s\n' "$l"; done
}
nlist() {
	PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A "$URL" \
		-c "SELECT count(*) FROM listings l JOIN sources s ON s.id = l.source_id WHERE s.name = '$1'"
}

expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)

conf whole >"$TMP/whole.conf"
expect_rc 0 "crawl an 11-page site with the default limits" \
	timeout 120 "$LW" --config "$TMP/whole.conf" crawl
expect_grep '125 ads stored' "$TMP/out" "all 125 ads, to the last listing page"
if grep -q 'stopped short' "$TMP/out" "$TMP/err"; then notok "a whole crawl says nothing of limits"
else ok "a whole crawl says nothing of limits"; fi
[ "$(nlist whole)" = 125 ] && ok "125 listings stored" || notok "125 listings stored (got $(nlist whole))"

conf shallow "max_depth = 5" >"$TMP/shallow.conf"
expect_rc 0 "crawl with max_depth = 5" timeout 120 "$LW" --config "$TMP/shallow.conf" crawl
expect_grep '72 ads stored' "$TMP/out" "six listing pages' ads"
expect_grep 'stopped short by a limit (shallow: max_depth=5)' "$TMP/out" "the summary names max_depth"
expect_grep 'event=crawl_cut_short source="\{0,1\}shallow"\{0,1\} limit=max_depth=5' "$TMP/err" \
	"the log names max_depth"
expect_rc 0 "status" "$LW" --config "$TMP/shallow.conf" status
expect_grep 'shallow: last pass stopped short at max_depth=5' "$TMP/out" "status names max_depth"
expect_rc 0 "status --json" "$LW" --config "$TMP/shallow.conf" status --json
expect_grep '"cut_short": *"max_depth=5"' "$TMP/out" "status --json carries cut_short"

conf capped "max_pages = 20" >"$TMP/capped.conf"
expect_rc 0 "crawl with max_pages = 20" timeout 120 "$LW" --config "$TMP/capped.conf" crawl
expect_grep 'stopped short by a limit (capped: max_pages=20)' "$TMP/out" "the summary names max_pages"

conf cli >"$TMP/cli.conf"
expect_rc 0 "crawl --max-pages 10" timeout 120 "$LW" --config "$TMP/cli.conf" crawl --max-pages 10
expect_grep 'stopped short by a limit (cli: --max-pages=10)' "$TMP/out" "the summary names --max-pages"
# A later whole pass clears the mark.
expect_rc 0 "crawl again without the cap" timeout 120 "$LW" --config "$TMP/cli.conf" crawl
"$LW" --config "$TMP/cli.conf" status >"$TMP/st" 2>&1
if grep -q 'cli: last pass stopped short' "$TMP/st"; then notok "a whole pass clears the mark"
else ok "a whole pass clears the mark"; fi
finish
