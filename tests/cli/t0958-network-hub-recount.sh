#!/bin/sh
# SPDX-License-Identifier: MIT
# Linking recounts a detail's statistics only when the batch can carry it over a threshold
# (migration 108, store/link.c refresh_hubs). With hub_max_ads = 6, a number arrives in 2 ads,
# then 1, then 2, then 1, one batch each: the second and third batches cannot take it to 6 ads, so
# its row is not recounted (listings stays 2, unseen counts the ads since), while what is shown
# (`network hubs --all`) counts them afresh; the fourth batch can, recounts it,
# finds it generic and cuts its network, exactly as recounting every batch did; the networks then
# equal those of a rebuild. A second number crossing hub_min_ads in hub_min_places the same way.
# (A new test: the old code recounted every batch, so listings was never behind.)
. "$(dirname "$0")/lib.sh"
use_pg

"$LW" db start >/dev/null 2>&1 || { notok "db start"; finish; }
URL=$("$LW" db url)
cat >"$TMP/lw.conf" <<CONF
[lurewatch]
home = $LUREWATCH_HOME
[networks]
hub_max_ads = 6
hub_min_ads = 4
hub_min_places = 5
CONF
python3 - "$TMP" <<'PY'
import json, random, sys
rng = random.Random(17)
# Made-up words: only the numbers link these ads.
words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8)) for _ in range(3000)]
def text():
    return " ".join(rng.choice(words) for _ in range(40)).capitalize() + "."
k = 0
def batch(name, n, number, places):
    global k
    with open("%s/%s.jsonl" % (sys.argv[1], name), "w") as f:
        for i in range(n):
            k += 1
            f.write(json.dumps({"url": "https://board.test/ads/%d" % k, "title": "Job %d" % k,
                                "body": "%s Call %s." % (text(), number),
                                "location": places[i % len(places)], "source": "board"}) + "\n")
# 021 555 0101 in one place: only hub_max_ads (6) can make it generic.
batch("a1", 2, "021 555 0101", ["Auckland"])
batch("a2", 1, "021 555 0101", ["Auckland"])
batch("a3", 2, "021 555 0101", ["Auckland"])
batch("a4", 1, "021 555 0101", ["Auckland"])
# 022 666 0202: a switchboard at 5 ads in 5 places (hub_min_ads 4, hub_min_places 5).
batch("b1", 2, "022 666 0202", ["Napier", "Nelson"])
batch("b2", 1, "022 666 0202", ["Dunedin"])
batch("b3", 2, "022 666 0202", ["Gisborne", "Rotorua"])
PY
A=+64215550101
B=+64226660202
row() { sql "SELECT listings, unseen, coalesce(generic, '-') FROM contact_stats WHERE normalized = '$1'"; }
shown() {
	"$LW" --config "$TMP/lw.conf" network hubs --all --json | python3 -c '
import json, sys
h = {x["normalized"]: x for x in json.load(sys.stdin)}
print(h[sys.argv[1]]["listings"])' "$1"
}
# in_network NUMBER: how many of the ads with the number are in one network together.
in_network() {
	sql "SELECT coalesce(max(c), 0) FROM (SELECT count(*) c FROM listing_entities e
		JOIN listing_networks n ON n.listing_id = e.listing_id WHERE e.normalized = '$1'
		GROUP BY n.network_id) q"
}
ingest() { expect_rc 0 "ingest $1" "$LW" --config "$TMP/lw.conf" ingest "$TMP/$1.jsonl"; }

ingest a1
expect_eq "$(row $A)" "2|0|-" "2 ads: counted (no row before)"
ingest a2
expect_eq "$(row $A)" "2|1|-" "3 ads cannot reach 6: not recounted, one ad unseen"
expect_eq "$(shown $A)" "3" "network hubs --all counts it afresh: 3 ads"
expect_eq "$(in_network $A)" "3" "its 3 ads are one network"
ingest a3
expect_eq "$(row $A)" "2|3|-" "5 ads cannot reach 6: still not recounted"
expect_eq "$(in_network $A)" "5" "its 5 ads are one network"
ingest a4
expect_eq "$(row $A)" "6|0|in 6 ads (hub_max_ads 6)" "the batch that can take it to 6 recounts it: generic"
expect_eq "$(in_network $A)" "1" "and its network is cut as it turns generic"

ingest b1
ingest b2
expect_eq "$(row $B)" "2|1|-" "a second number: 3 ads in at most 3 places, not recounted"
ingest b3
expect_eq "$(row $B)" "5|0|switchboard: 5 ads in 5 places (hub_min_ads 4, hub_min_places 5)" \
	"5 ads in 5 places: recounted, a switchboard"

# Networks after ingestion are those of a rebuild.
parts() {
	sql "SELECT n.listing_id, min(m.listing_id) FROM listing_networks n JOIN listing_networks m
		ON m.network_id = n.network_id GROUP BY 1 ORDER BY 1"
}
parts >"$TMP/inc"
expect_rc 0 "network rebuild" "$LW" --config "$TMP/lw.conf" network rebuild
parts >"$TMP/full"
if cmp -s "$TMP/inc" "$TMP/full"; then ok "the networks after ingestion are those of a rebuild"
else notok "ingestion and rebuild differ"; diff "$TMP/inc" "$TMP/full" | head -5 | sed 's/^/# /'; fi
expect_eq "$(row $A)" "6|0|in 6 ads (hub_max_ads 6)" "the rebuild counts the same"
finish
