#!/bin/sh
# SPDX-License-Identifier: MIT
# Which networks a batch recuts (store/link.c, batch_nets): those of split_min_size ads or more
# that the batch's ads are in. The graph names them: a network made by this batch alone is as
# large as its batch ads (recut when that is split_min_size or more, never read back), one with
# ads from before is counted by the store. Two groups, each on its own number, joined by one ad
# carrying both numbers, form one loosely knit network that a recut splits in two, as a rebuild
# does: whether the bridge comes in the groups' batch (a new network of 13) or alone in a later
# one (one ad, joining two networks of 6, both under split_min_size = 8).
. "$(dirname "$0")/lib.sh"
use_pg

"$LW" db start >/dev/null 2>&1 || { notok "db start"; finish; }
URL=$("$LW" db url)
# ads.py FILE SET FIRST COUNT NUMBERS...: COUNT ads of set SET with unrelated bodies (no text
# ties), each giving every number. Each set has its own numbers, so sets never link.
cat >"$TMP/ads.py" <<'PY'
import json, random, sys
out, set_, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
numbers = sys.argv[5:]
with open(out, "a") as f:
    for i in range(first, first + count):
        # Words of random letters: texts far apart in SimHash, tied by nothing but their numbers.
        r = random.Random("%s-%d" % (set_, i))
        body = " ".join("".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(3, 9)))
                        for _ in range(60))
        body += "".join(" Call %s today." % n for n in numbers)
        f.write(json.dumps({"url": "https://recut.example/%s/%d" % (set_, i), "title": "Ad %d" % i,
                            "body": body, "location": "Place %d" % i, "posted": "2026-01-01",
                            "source": "recut"}) + "\n")
PY
# three_sets: one.jsonl, the two groups and the bridge of set s (numbers 0s01 and 0s02).
for s in 1 2 3; do
	A="+64 21 555 0${s}01"; B="+64 21 555 0${s}02"
	python3 "$TMP/ads.py" "$TMP/s$s.jsonl" "s$s" 1 6 "$A"
	python3 "$TMP/ads.py" "$TMP/s$s.jsonl" "s$s" 7 6 "$B"
	python3 "$TMP/ads.py" "$TMP/s$s.jsonl" "s$s" 13 1 "$A" "$B"
done

# parts SET: each network of two or more of the set's ads as its sorted ad numbers, one a line.
parts() {
	psql "$URL" -X -q -At -v ON_ERROR_STOP=1 -c "SELECT string_agg(split_part(l.url,
		'/', 5), ' ' ORDER BY split_part(l.url, '/', 5)::int) AS m FROM lurewatch.listing_networks n
		JOIN lurewatch.listings l ON l.id = n.listing_id WHERE split_part(l.url, '/', 4) = '$1'
		GROUP BY n.network_id HAVING count(*) > 1 ORDER BY m"
}
conf() { printf '[networks]\nsplit_min_size = %s\n' "$1" >"$TMP/lw.conf"; }

# Without the recut (split_min_size = 0) the bridge glues the two groups into one network.
conf 0
expect_rc 0 "ingest both groups and the bridge, no recut" "$LW" --config "$TMP/lw.conf" ingest "$TMP/s1.jsonl"
expect_eq "$(parts s1 | wc -l) $(parts s1 | wc -w)" "1 13" "linked without a recut: one network of 13"

# What a rebuild makes of it: the network split in two (into 6 and 7 ads).
conf 8
expect_rc 0 "network rebuild" "$LW" --config "$TMP/lw.conf" network rebuild
parts s1 | sed 's/[0-9][0-9]*/N/g' >"$TMP/rebuilt"
expect_eq "$(wc -l <"$TMP/rebuilt") $(wc -w <"$TMP/rebuilt")" "2 13" "a rebuild splits it in two"

# check NAME SET: the set's networks split as the rebuild split set s1's.
check() {
	parts "$2" | sed 's/[0-9][0-9]*/N/g' >"$TMP/$2.parts"
	if cmp -s "$TMP/$2.parts" "$TMP/rebuilt"; then ok "$1"
	else notok "$1"; parts "$2" | sed 's/^/# /'; fi
}

# A network made by one batch alone, 13 ads: recut in that batch.
expect_rc 0 "ingest both groups and the bridge in one batch" "$LW" --config "$TMP/lw.conf" ingest "$TMP/s2.jsonl"
check "a network new in the batch, of split_min_size or more, is recut in it" s2

# Two networks of 6 from an earlier batch, joined by a batch of one ad: recut.
head -n 12 "$TMP/s3.jsonl" >"$TMP/groups.jsonl"
tail -n 1 "$TMP/s3.jsonl" >"$TMP/bridge.jsonl"
expect_rc 0 "ingest the two groups" "$LW" --config "$TMP/lw.conf" ingest "$TMP/groups.jsonl"
expect_eq "$(parts s3 | wc -l) $(parts s3 | wc -w)" "2 12" "two networks of 6"
expect_rc 0 "ingest the bridge alone" "$LW" --config "$TMP/lw.conf" ingest "$TMP/bridge.jsonl"
check "networks from earlier batches joined by a batch of one ad are recut" s3
finish
