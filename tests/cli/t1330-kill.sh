#!/bin/sh
# SPDX-License-Identifier: MIT
# kill -9 at random points, many times: crawl, ingest, rescan and daemon
# runs against one database are killed in turn, LW_KILL_CYCLES times (default
# 12), each after a random 0.1-1.5 s. Then every command runs to the end once
# more, and the store must equal that of an uninterrupted run on a database of
# its own: every page and listing stored exactly once with one version, no
# lease left once leases expire, and the same queue (urls, scores,
# categories, status).
. "$(dirname "$0")/lib.sh"
use_pg
T0=$(date +%s)
cycles=${LW_KILL_CYCLES:-12}
section() { echo "# [$(($(date +%s) - T0)) s] $*"; }
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else notok "$3 (got '$1', wanted '$2')"; fi
}
sql() { PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A -v ON_ERROR_STOP=1 "$URL" -c "$1"; }
# rand LO HI: a random integer in [LO, HI].
rand() { echo $(( $1 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % ($2 - $1 + 1) )); }

# ---- the workload: a site of 200 ads, 3,000 JSON Lines listings, a pack ----------------------

python3 - "$TMP/site" "$TMP/ads.jsonl" <<'EOF2'
import os, sys, json
root, jl = sys.argv[1], sys.argv[2]
os.makedirs(root + "/ads"); os.makedirs(root + "/list")
ADS, PER = 200, 25
lure = "Earn big abroad, we keep your passport and you pay a fee to the agency."
for i in range(ADS):
    text = lure if i % 3 == 0 else "Friendly cafe team, fair pay, weekends off."
    with open("%s/ads/ad%03d.html" % (root, i), "w") as f:
        f.write('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Ad %d</title></head><body>\n'
                '<h1 class="t">Job %d</h1><div class="b"><p>%s Ref %d.</p></div></body></html>\n' % (i, i, text, i))
for p in range(1, ADS // PER + 1):
    with open("%s/list/%d.html" % (root, p), "w") as f:
        f.write('<!DOCTYPE html>\n<html><body>\n')
        for i in range((p - 1) * PER, p * PER):
            f.write('<a class="ad" href="/ads/ad%03d.html">ad</a>\n' % i)
        if p < ADS // PER:
            f.write('<a rel="next" href="%d.html">next</a>\n' % (p + 1))
        f.write('</body></html>\n')
with open(jl, "w") as f:
    for i in range(3000):
        f.write(json.dumps({"url": "http://feed.example/%d" % i, "title": "Listing %d" % i, "source": "feed",
                            "body": (lure if i % 4 == 0 else "Office work, fair pay.") + " Ref %d" % i}) + "\n")
EOF2
cat >"$TMP/kill.rules" <<'EOF2'
[pack]
name = kill-test
version = 1
threshold = 2
[rule keep_passport]
category = documents
weight = 2
description = the employer keeps the passport
pattern = /\bkeep\s+your\s+passport\b/
[rule pay_fee]
category = fee_debt
weight = 2
description = a fee to be paid
pattern = /\bpay\s+a\s+fee\b/
EOF2
start_server site --root "$TMP/site" --delay-ms 5
conf() {
	printf '[lurewatch]\nlog_level = info\n[matcher]\nrules = %s\n' "$TMP/kill.rules"
	printf '[crawler]\nlease_seconds = 5\nconnections = 8\nretries = 0\n'
	printf '[source site]\nkind = html\nstart = http://127.0.0.1:%s/list/1.html\n' "$port"
	printf "links = //a[@class='ad']/@href\nnext = //a[@rel='next']/@href\n"
	printf "title = //h1\nbody = //div[@class='b']\ninterval = 1s\nmax_pages = 1000\n"
	printf 'rate = 100\nconnections = 4\nallow_private = yes\n'
}
conf >"$TMP/kill.conf"
LUREWATCH_CONFIG=$TMP/kill.conf
export LUREWATCH_CONFIG
# run_all: every command to its end, as an operator would after a crash.
run_all() {
	timeout 120 "$LW" crawl -q >/dev/null 2>"$TMP/all.err" &&
	timeout 120 "$LW" ingest --batch 250 "$TMP/ads.jsonl" >/dev/null 2>>"$TMP/all.err" &&
	timeout 120 "$LW" rescan >/dev/null 2>>"$TMP/all.err"
}
QUEUE_SQL="SELECT l.url || ' ' || q.score || ' ' || array_to_string(q.categories, ',') || ' ' || q.status
	FROM queue_items q JOIN listings l ON l.id = q.listing_id ORDER BY l.url"

# ---- the uninterrupted run, on a database of its own ------------------------------------------

section "the uninterrupted run"
A_HOME=$LUREWATCH_HOME
LUREWATCH_HOME=$(mktemp -d /tmp/lw-XXXXXX)
chmod 755 "$LUREWATCH_HOME"
expect_rc 0 "db start (reference)" "$LW" db start
URL=$("$LW" db url)
run_all && ok "the uninterrupted run completes" || { notok "the uninterrupted run completes"; sed 's/^/# /' "$TMP/all.err"; }
sql "$QUEUE_SQL" >"$TMP/queue.want"
nq=$(wc -l <"$TMP/queue.want" | tr -d ' ')
[ "$nq" -gt 500 ] && ok "it queues $nq items" || notok "it queues $nq items"
"$LW" db stop >/dev/null 2>&1
rm -rf "$LUREWATCH_HOME"
LUREWATCH_HOME=$A_HOME

# ---- kill -9, again and again ------------------------------------------------------------------

section "kill -9 of crawl, ingest, rescan and daemon, $cycles times"
expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)
: >"$TMP/cycles"
k=0
while [ $k -lt "$cycles" ]; do
	k=$((k + 1))
	case $((k % 4)) in
	1) cmd="crawl" ;;
	2) cmd="ingest" ;;
	3) cmd="daemon" ;;
	0) cmd="rescan" ;;
	esac
	ms=$(rand 100 1500)
	case $cmd in
	crawl) "$LW" crawl -q >/dev/null 2>&1 & ;;
	ingest) "$LW" ingest --batch 250 "$TMP/ads.jsonl" >/dev/null 2>&1 & ;;
	daemon) "$LW" daemon >/dev/null 2>&1 & ;;
	rescan) "$LW" rescan >/dev/null 2>&1 & ;;
	esac
	cpid=$!
	sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
	if kill -9 "$cpid" 2>/dev/null; then st=killed; else st=finished; fi
	wait "$cpid" 2>/dev/null
	echo "$k $cmd ${ms}ms $st listings=$(sql 'SELECT count(*) FROM listings') leased=$(sql "SELECT count(*) FROM crawl_urls WHERE state = 'leased'")" >>"$TMP/cycles"
done
sed 's/^/# /' "$TMP/cycles"
nkilled=$(grep -c ' killed ' "$TMP/cycles")
[ "$nkilled" -ge $((cycles / 2)) ] && ok "$nkilled of $cycles runs were killed mid-way" ||
	notok "$nkilled of $cycles runs were killed mid-way"

# ---- afterwards -----------------------------------------------------------------------------------

section "leases expire, every command runs to its end"
sleep 6
expect_eq "$(sql "SELECT count(*) FROM crawl_urls WHERE state = 'leased' AND lease_expires > now()")" 0 \
	"no lease outlives its expiry"
run_all && ok "every command runs to its end after the kills" || { notok "every command runs to its end after the kills"; sed 's/^/# /' "$TMP/all.err"; }
expect_eq "$(sql "SELECT count(*) FROM crawl_urls WHERE state <> 'done'")" 0 "the frontier is done: nothing stuck leased or pending"
expect_eq "$(sql "SELECT count(*) || ' ' || count(DISTINCT url) FROM listings WHERE url LIKE 'http://127.0.0.1:%/ads/%'")" \
	"200 200" "every page is stored exactly once"
expect_eq "$(sql "SELECT count(*) || ' ' || count(DISTINCT url) FROM listings WHERE url LIKE 'http://feed.example/%'")" \
	"3000 3000" "every JSON Lines listing is stored exactly once"
expect_eq "$(sql "SELECT count(*) FROM listings l WHERE (SELECT count(*) FROM listing_versions v WHERE v.listing_id = l.id) <> 1")" \
	0 "every listing has exactly one version"
expect_eq "$(sql "SELECT count(*) FROM listing_versions v WHERE v.flagged AND NOT EXISTS (SELECT 1 FROM hits h WHERE h.version_id = v.id)")" \
	0 "every flagged version has its hits"
# An ingest killed after a batch committed and before its background linker did leaves the
# batch waiting in link_pending; the runs after it link what was left.
expect_eq "$(sql "SELECT count(*) FROM link_pending")" 0 "nothing a killed ingest left is still waiting to be linked"
expect_eq "$(sql "SELECT count(*) FROM listings l WHERE NOT EXISTS (SELECT FROM listing_networks n WHERE n.listing_id = l.id)")" \
	0 "every listing is linked into a network"
sql "$QUEUE_SQL" >"$TMP/queue.got"
if cmp -s "$TMP/queue.want" "$TMP/queue.got"; then ok "the queue equals the uninterrupted run's ($nq items)"; else
	notok "the queue equals the uninterrupted run's"
	diff "$TMP/queue.want" "$TMP/queue.got" | head -10 | sed 's/^/# /'
fi
echo "# kill cycles: $cycles ($nkilled killed mid-way)"

# ---- PostgreSQL stopped and started under a running ingest ----------------------------------------

section "PostgreSQL stopped and started under a running ingest"
awk 'BEGIN { for (i = 0; i < 20000; i++)
	printf "{\"url\":\"http://restart/%d\",\"title\":\"Bulk %d\",\"body\":\"Work abroad, pay a fee. Ref %d\"}\n", i, i, i }' \
	>"$TMP/bulk.jsonl"
"$LW" ingest --retry 60 --batch 100 "$TMP/bulk.jsonl" >"$TMP/bulk.out" 2>"$TMP/bulk.err" &
bulk=$!
i=0
while [ "$(sql "SELECT count(*) FROM listings WHERE url LIKE 'http://restart/%'")" -lt 300 ] && [ $i -lt 300 ]; do
	sleep 0.05; i=$((i + 1))
done
expect_rc 0 "db stop under the running ingest" "$LW" db stop
sleep 2
expect_rc 0 "db start again" "$LW" db start
wait "$bulk"
expect_eq "$?" 0 "the ingest waits for the database, reconnects and finishes (exit 0)"
grep -q 'event=db_retry' "$TMP/bulk.err" && ok "it logs each retry (event=db_retry)" || notok "it logs each retry (event=db_retry)"
grep -q 'event=db_reconnected' "$TMP/bulk.err" && ok "and the reconnection (event=db_reconnected)" ||
	notok "and the reconnection (event=db_reconnected)"
grep 'event=db_' "$TMP/bulk.err" | head -4 | cut -c1-200 | sed 's/^/# /'
waits=$(grep -o 'wait=[0-9.]*' "$TMP/bulk.err" | cut -d= -f2 | tr '\n' ' ')
echo "# waits between attempts: $waits"
expect_eq "$(sql "SELECT count(*) || ' ' || count(DISTINCT url) FROM listings WHERE url LIKE 'http://restart/%'")" \
	"20000 20000" "every listing is stored exactly once, none lost"
expect_eq "$(sql "SELECT count(*) FROM listing_versions v JOIN listings l ON l.id = v.listing_id WHERE l.url LIKE 'http://restart/%'")" \
	20000 "with one version each"
expect_eq "$(sql "SELECT count(*) FROM queue_items q JOIN listings l ON l.id = q.listing_id WHERE l.url LIKE 'http://restart/%'")" \
	20000 "and queued once each"
finish
