#!/bin/sh
# SPDX-License-Identifier: MIT
# Batch boundaries change nothing that ingestion stores: the same generated
# ads (a tenth in networks), then a second file of changed and repeated ads,
# ingested in batches of 2,000, of 97 and of 500 (this one on one analysing
# thread and with the input in two files), give the same rows in every table
# (timestamps and transaction ids aside); ingesting both files again stores
# nothing more.
. "$(dirname "$0")/lib.sh"
use_pg

python3 "$TOP/bench/gen_listings.py" jsonl "$TMP/ads.jsonl" "$TMP/ads.csv" 3000 11 0.10 >/dev/null 2>&1 ||
	notok "generate the ads"
# A second run: 300 ads with a changed body (new versions), 300 as they were,
# and one ad twice in a row (the second copy changed: two versions in one run).
# current.jsonl: every ad as the store holds it after both runs.
python3 - "$TMP/ads.jsonl" "$TMP/more.jsonl" "$TMP/current.jsonl" <<'PY'
import json, sys
ads = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
more = []
for i, a in enumerate(ads[:600]):
    more.append(dict(a, body=a.get("body", "") + " Call now, start this week.") if i % 2 == 0 else a)
twice = dict(ads[700], body=ads[700].get("body", "") + " Passport kept safe by us.")
more += [dict(ads[700], body=ads[700].get("body", "") + " Call today."), twice]
current = more[:600] + [twice if i == 700 else a for i, a in enumerate(ads) if i >= 600]
for name, rows in ((sys.argv[2], more), (sys.argv[3], current)):
    with open(name, "w", encoding="utf-8") as o:
        o.writelines(json.dumps(a) + "\n" for a in rows)
PY
head -n 1400 "$TMP/ads.jsonl" >"$TMP/ads1.jsonl"
tail -n +1401 "$TMP/ads.jsonl" >"$TMP/ads2.jsonl"

homes=""
cleanup_homes() {
	for h in $homes; do LUREWATCH_HOME=$h "$LW" db stop >/dev/null 2>&1; rm -rf "$h"; done
	lw_cleanup
}
trap cleanup_homes EXIT

# store NAME ARGS...: a fresh store of its own, both files ingested with ARGS
# (the first file in two parts when ARGS start with "split"); its dump in $TMP/NAME.
store() {
	sname_=$1
	shift
	h=$(mktemp -d /tmp/lw-XXXXXX)
	chmod 755 "$h"
	homes="$homes $h"
	first="$TMP/ads.jsonl"
	[ "$1" = split ] && { first="$TMP/ads1.jsonl $TMP/ads2.jsonl"; shift; }
	export LUREWATCH_HOME=$h
	"$LW" db start >/dev/null 2>&1 || notok "db start ($sname_)"
	# shellcheck disable=SC2086
	expect_rc 0 "ingest the ads, $sname_" "$LW" ingest --quiet "$@" $first
	expect_rc 0 "ingest the changed and repeated ads, $sname_" "$LW" ingest --quiet "$@" "$TMP/more.jsonl"
	URL=$("$LW" db url)
	sh "$TOP/tests/tools/store_dump.sh" "$URL" >"$TMP/$sname_" || notok "dump $sname_"
}

store b2000 --batch 2000
[ -n "${T0355_KEEP:-}" ] && cp "$TMP/b2000" "$T0355_KEEP.b2000"
store b97 --batch 97
[ -n "${T0355_KEEP:-}" ] && cp "$TMP/b97" "$T0355_KEEP.b97"
store b500 split --batch 500 -j 1

rows=$(wc -l <"$TMP/b2000")
listings=$(grep -c '^listings	' "$TMP/b2000")
versions=$(grep -c '^listing_versions	' "$TMP/b2000")
networks=$(sql "SELECT count(*) FROM (SELECT network_id FROM listing_networks GROUP BY 1
	HAVING count(*) > 1) s")
# 3,000 ads, 301 changed ones and one more change of the ad seen twice.
expect_eq "$listings" 3000 "3,000 listings stored"
expect_eq "$versions" 3302 "3,302 versions (the changed ads and the ad changed twice)"
if [ "$networks" -ge 20 ]; then ok "networks were linked ($networks of 2 or more)"
else notok "networks linked ($networks)"; fi
# An item's reason and priority go together: raised with the reason why, or
# at its bare score with none (an update once reset the score and kept the
# reason of a network that no longer raised it).
stale=$(sql "SELECT count(*) FROM queue_items WHERE (priority_reason <> '') <> (priority > score)")
expect_eq "$stale" 0 "every raised item says why, and no other item gives a reason"
for other in b97 b500; do
	if cmp -s "$TMP/b2000" "$TMP/$other"; then ok "batches of 2000 and $other store the same $rows rows"
	else notok "batches of 2000 and $other store the same rows"
		diff "$TMP/b2000" "$TMP/$other" | head -10 | cut -c 1-200 | sed 's/^/# /'; fi
done

# Every ad again as it is stored, into the last store: nothing is stored twice
# (only last_seen moves, and it is not dumped).
expect_rc 0 "ingest every ad again as stored" "$LW" ingest --quiet --batch 500 "$TMP/current.jsonl"
sh "$TOP/tests/tools/store_dump.sh" "$URL" >"$TMP/again" || notok "dump again"
if cmp -s "$TMP/b500" "$TMP/again"; then ok "a second ingest of the same ads stores nothing"
else notok "a second ingest stores nothing"
	diff "$TMP/b500" "$TMP/again" | head -10 | cut -c 1-200 | sed 's/^/# /'; fi

# Two flagged ads with one number, posted the same day: a network of two at
# two ads a day, which raises its items. One comes back posted ten days
# earlier: two ads in eleven days no longer raise them, so that item goes
# back to its bare score with no reason (it kept the old one once).
lure='Hotel work in Dubai, no experience needed, visa guaranteed. We keep your passport safe and you pay the recruitment fee first. WhatsApp +44 7911 123456.'
for d in a b; do
	printf '{"url": "https://t0355.example/%s", "title": "Hotel staff %s", "body": "%s", "posted": "2026-11-20"}\n' \
		"$d" "$d" "$lure Room $d."
done >"$TMP/pair.jsonl"
printf '{"url": "https://t0355.example/a", "title": "Hotel staff a", "body": "%s", "posted": "2026-11-10"}\n' \
	"$lure Room a, start now." >"$TMP/moved.jsonl"
expect_rc 0 "ingest two ads that share a number" "$LW" ingest --quiet "$TMP/pair.jsonl"
reason() {
	sql "SELECT q.priority > q.score, q.priority_reason <> '' FROM queue_items q JOIN listings l
		ON l.id = q.listing_id WHERE l.url = 'https://t0355.example/$1'"
}
expect_eq "$(reason a)" "t|t" "a network of two at two ads a day raises its items, with the reason"
expect_rc 0 "ingest one of them again, posted ten days earlier" "$LW" ingest --quiet "$TMP/moved.jsonl"
expect_eq "$(reason a)" "f|f" "no longer raised: the bare score and no reason"
finish
