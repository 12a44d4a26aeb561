#!/bin/sh
# SPDX-License-Identifier: MIT
# Generic contacts and the rebuild (issue 16) against PostgreSQL: a switchboard in 45 unrelated
# ads, a toll-free line and the board's own address link nothing and are listed by `network hubs`
# with the reason; a real group still links; `network show` lists the cut ties and where they
# lead; an analyst's mark (audited) takes a detail out and back in, the network keeping its id;
# merges and splits are logged; the posting rate counts posted dates.
. "$(dirname "$0")/lib.sh"
use_pg

"$LW" db start >/dev/null 2>&1 || { notok "db start"; finish; }
url=$("$LW" db url)
q() { psql "$url" -X -q -At -v ON_ERROR_STOP=1 -c "SET search_path = lurewatch" -c "$1"; }

python3 - "$TMP/ads.jsonl" <<'PY'
import json, random, sys
rng = random.Random(3)
words = ("harbour orchard kitchen forklift roster payslip visa tractor ledger pallet laundry barista "
         "scaffold vineyard warehouse plumbing invoice shearing tunnel welding courier pastry glazing "
         "dairy nursery quarry roofing signage tiling upholstery masonry joinery").split()
def text(n):
    # Texts unlike each other: near-duplicates must not be what links them.
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."
places = ["Auckland", "Wellington", "Christchurch", "Hamilton", "Tauranga", "Napier", "Nelson",
          "Dunedin", "Rotorua", "Whangarei", "Invercargill", "Gisborne"]
with open(sys.argv[1], "w") as f:
    def ad(name, body, loc="Auckland", posted="2025-03-01"):
        f.write(json.dumps({"url": "https://board.test/ads/%s" % name, "title": "Job %s" % name,
                            "body": body, "location": loc, "posted": posted, "source": "board"}) + "\n")
    # Unrelated ads of their own, each with the agency switchboard on it.
    for i in range(45):
        ad("s%d" % i, "%s %s Own line 027 %03d %04d. Our recruitment desk: 09 300 1000."
           % (text(12), text(10), i, 1000 + i), places[i % 12],
           "2025-02-%02d" % (1 + i % 28))
    # Three unrelated ads with the board's hotline, two with its own address.
    for i in range(3):
        ad("t%d" % i, "%s Questions: 0800 555 123." % text(14))
    for i in range(2):
        ad("o%d" % i, "%s Apply via hr@board.test." % text(14))
    # A group: one number in three forms, three places, posted over three days.
    ad("g1", "Hotel cleaners abroad, flights paid. WhatsApp +64 21 444 5566.", "Auckland", "2025-01-01")
    ad("g2", "Farm hands, free room, start now. Call 021 444 5566.", "Hamilton", "2025-01-02")
    ad("g3", "Kitchen staff wanted, cash daily. Text 0214445566.", "Tauranga", "2025-01-03")
PY
expect_rc 0 "ingest 53 ads" "$LW" ingest "$TMP/ads.jsonl"

# Members of each network of 2+, as names, one network a line.
members() {
	"$LW" network list --json | python3 -c '
import json, sys
for n in json.load(sys.stdin):
    print(" ".join(sorted(m["url"].rsplit("/", 1)[1] for m in n["members"])))
' | sort
}
members >"$TMP/inc"
if [ "$(cat "$TMP/inc")" = "g1 g2 g3" ]; then ok "after ingestion only the group is a network"
else notok "only the group links"; sed 's/^/# got: /' "$TMP/inc"; fi

# A second switchboard arriving five ads a batch links its first ads until it crosses the
# threshold (40 ads in 10 places); the batch where it does cuts those networks again.
python3 - "$TMP/more.jsonl" <<'PY'
import json, random, sys
rng = random.Random(5)
words = "ember quartz lagoon meadow canyon harbor cedar falcon granite willow summit delta".split()
places = ["Auckland", "Wellington", "Christchurch", "Hamilton", "Tauranga", "Napier", "Nelson",
          "Dunedin", "Rotorua", "Whangarei", "Invercargill", "Gisborne"]
with open(sys.argv[1], "w") as f:
    for i in range(45):
        body = " ".join(rng.choice(words) for _ in range(20)) + ". Own line 027 9%02d %04d. Desk: 09 300 2000." % (i, 2000 + i)
        f.write(json.dumps({"url": "https://board.test/ads/m%d" % i, "title": "Post %d" % i, "body": body,
                            "location": places[i % 12], "posted": "2025-03-%02d" % (1 + i % 28),
                            "source": "board"}) + "\n")
PY
expect_rc 0 "ingest 45 more ads in batches of 5" "$LW" ingest --batch 5 "$TMP/more.jsonl"
expect_rc 0 "network list" "$LW" network list --json
python3 - "$TMP/out" <<'PY' && ok "the switchboard's early links are undone as it turns generic" || notok "incremental undo"
import json, sys
big = [n for n in json.load(open(sys.argv[1])) if any("/m" in m["url"] for m in n["members"])]
assert not big, [(n["id"], n["listings"]) for n in big]
PY
expect_rc 0 "network events" "$LW" network events --json
python3 - "$TMP/out" <<'PY' && ok "the split made while ingesting is logged" || notok "ingest split logged"
import json, sys
assert any(e["kind"] == "split" and e["cause"] == "ingest" for e in json.load(open(sys.argv[1])))
PY

expect_rc 0 "network rebuild" "$LW" network rebuild
expect_grep "generic details left out" "$TMP/out" "rebuild reports generic details"
members >"$TMP/full"
if [ "$(cat "$TMP/full")" = "g1 g2 g3" ]; then ok "after the rebuild only the group is a network"
else notok "rebuild: only the group links"; sed 's/^/# got: /' "$TMP/full"; fi

expect_rc 0 "network hubs" "$LW" network hubs
expect_grep '^+6493001000 .*switchboard: 45 ads in 12 places' "$TMP/out" "the switchboard is listed with its reason"
expect_grep '^+64800555123 .*toll-free (New Zealand 0800)' "$TMP/out" "the 0800 line is listed as toll-free"
expect_grep "^hr@board.test .*the source's own address" "$TMP/out" "the board's own address is listed"
if grep -q '+64214445566' "$TMP/out"; then notok "the group's number is not generic"; else ok "the group's number is not generic"; fi
expect_rc 0 "network hubs --all --json" "$LW" network hubs --all --json
python3 - "$TMP/out" <<'PY' && ok "hubs --all: statistics per shared detail" || notok "hubs --all statistics"
import json, sys
h = {x["normalized"]: x for x in json.load(open(sys.argv[1]))}
g = h["+64214445566"]
assert g["generic"] is None and g["listings"] == 3 and g["places"] == 3, g
assert sorted(g["kinds"]) == ["phone", "whatsapp"], g
s = h["+6493001000"]
assert s["listings"] == 45 and s["places"] == 12 and s["sources"] == 1, s
PY

nid=$("$LW" network list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
expect_rc 0 "network list --json" "$LW" network list --json
python3 - "$TMP/out" <<'PY' && ok "posting rate counts posted dates: 3 ads over 3 days" || notok "posting rate by posted date"
import json, sys
n = json.load(open(sys.argv[1]))[0]
assert abs(n["posting_rate"] - 1.0) < 0.01, n["posting_rate"]
PY

# The export carries each tie's evidence and weight: a number three ads share weighs 1/2.
expect_rc 0 "export csv" "$LW" network export "$nid" --format csv
expect_grep '^"listing:[0-9]*","'"'"'+64214445566","phone","shares","0.5000"' "$TMP/out" "the export gives each tie its weight"

# A switchboard ad's network: the cut ties and where they lead.
sid=$(q "SELECT n.network_id FROM listing_networks n JOIN listings l ON l.id = n.listing_id WHERE l.url LIKE '%/s0'")
expect_rc 0 "network show of a switchboard ad" "$LW" network show "$sid"
expect_grep 'cut ties' "$TMP/out" "show lists the cut ties"
expect_grep '+6493001000: switchboard: 45 ads in 12 places.*44 ads outside in 44 networks' "$TMP/out" "and where the switchboard leads"
expect_rc 0 "network show --json" "$LW" network show "$nid" --json
python3 - "$TMP/out" <<'PY' && ok "show --json: circuit by posted date, in order" || notok "circuit"
import json, sys
n = json.load(open(sys.argv[1]))
c = [(x["location"], x["from"]) for x in n["circuit"]]
assert c == [("Auckland", "2025-01-01"), ("Hamilton", "2025-01-02"), ("Tauranga", "2025-01-03")], c
PY

# An analyst marks the group's number generic: audited; the rebuild takes the group apart.
expect_rc 0 "network mark --generic" "$LW" network mark +64214445566 --generic --note "a school office" --analyst ana
expect_grep 'marked generic by ana: a school office' "$TMP/out" "mark says the new reason"
if [ "$(q "SELECT count(*) FROM audit_log WHERE action = 'network_mark' AND actor = 'ana' AND details->>'normalized' = '+64214445566'")" = 1 ]; then
	ok "the mark is audited"; else notok "the mark is audited"; fi
expect_rc 0 "rebuild after the mark" "$LW" network rebuild
members >"$TMP/marked"
if [ ! -s "$TMP/marked" ]; then ok "marked generic, the number links nothing"
else notok "marked number still links"; sed 's/^/# got: /' "$TMP/marked"; fi
expect_rc 0 "network events" "$LW" network events "$nid" --json
python3 - "$TMP/out" "$nid" <<'PY' && ok "the split is logged" || notok "split logged"
import json, sys
e = json.load(open(sys.argv[1]))
assert any(x["kind"] == "split" and x["network_id"] == int(sys.argv[2]) and x["listings"] == 2 for x in e), e
PY

expect_rc 0 "network unmark" "$LW" network unmark +64214445566 --analyst ana
expect_rc 2 "unmark without a mark: exit 2" "$LW" network unmark +64214445566
expect_rc 0 "rebuild after the unmark" "$LW" network rebuild
members >"$TMP/back"
nid2=$("$LW" network list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
if [ "$(cat "$TMP/back")" = "g1 g2 g3" ] && [ "$nid2" = "$nid" ]; then ok "the group is back under its old id $nid"
else notok "group back under id $nid (got $nid2)"; sed 's/^/# got: /' "$TMP/back"; fi
expect_rc 0 "network events (all)" "$LW" network events
expect_grep "merge: network $nid took in" "$TMP/out" "the merge back is logged"
if [ "$(q "SELECT count(*) FROM audit_log WHERE action = 'network_unmark'")" = 1 ]; then
	ok "the unmark is audited"; else notok "the unmark is audited"; fi

# Personal: an analyst vouches for the hotline; it links its three ads.
expect_rc 0 "network mark --personal" "$LW" network mark +64800555123 --personal
expect_rc 0 "rebuild after marking personal" "$LW" network rebuild
members >"$TMP/personal"
expect_grep '^t0 t1 t2$' "$TMP/personal" "a detail marked personal links despite the shipped list"
expect_rc 2 "mark without a verdict: exit 2" "$LW" network mark +64800555123

# The thresholds are configuration: raised, the switchboard links its 45 ads.
cat >"$TMP/hi.conf" <<CONF
[lurewatch]
home = $LUREWATCH_HOME
[networks]
hub_min_ads = 100
known_generic = none
CONF
expect_rc 0 "rebuild with hub_min_ads = 100" "$LW" --config "$TMP/hi.conf" network rebuild
expect_rc 0 "list" "$LW" --config "$TMP/hi.conf" network list --json
python3 - "$TMP/out" <<'PY' && ok "with the threshold raised the switchboard glues 45 ads" || notok "threshold raised"
import json, sys
assert max(n["listings"] for n in json.load(open(sys.argv[1]))) == 45
PY
printf '[networks]\nknown_generic = tollfree, bogus\n' >"$TMP/bad.conf"
expect_rc 2 "an unknown category is an error" "$LW" --config "$TMP/bad.conf" network hubs
expect_grep "unknown category 'bogus'" "$TMP/err" "naming the category"
finish
