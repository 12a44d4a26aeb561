#!/bin/sh
# SPDX-License-Identifier: MIT
# Networks against a real PostgreSQL: ads joined by a phone written three
# ways, a Telegram handle, a re-posted template; an excluded number joins
# nothing; incremental linking equals a rebuild from scratch; exports parse.
. "$(dirname "$0")/lib.sh"

export LUREWATCH_HOME="$TMP/home"
export LUREWATCH_PG_FAST=1
chmod 755 "$TMP"
mkdir -p "$LUREWATCH_HOME"
ADS="$TOP/tests/data/networks/ads.jsonl"
conf="$TMP/lw.conf"
cat >"$conf" <<CONF
[lurewatch]
home = $LUREWATCH_HOME
[networks]
exclude = +6495550100
near_duplicate_bits = 3
CONF
export LUREWATCH_CONFIG="$conf"
trap '"$LW" db stop >/dev/null 2>&1; rm -rf "$TMP"' EXIT

# Members of each network of 2+, as "url url ..." lines, sorted.
members() {
	"$LW" network list --json | python3 -c '
import json, sys
for n in json.load(sys.stdin):
    print(" ".join(sorted(m["url"].rsplit("/", 1)[1][:-5] for m in n["members"])))
' | sort
}

# Incremental: the first half, then the rest.
head -n 6 "$ADS" >"$TMP/part1.jsonl"
tail -n +7 "$ADS" >"$TMP/part2.jsonl"
expect_rc 0 "ingest the first half" "$LW" ingest "$TMP/part1.jsonl"
expect_rc 0 "ingest the second half" "$LW" ingest "$TMP/part2.jsonl"
members >"$TMP/inc"
printf 'a1 a2 a3\nb1 b2\nc1 c2\n' >"$TMP/want"
if cmp -s "$TMP/inc" "$TMP/want"; then ok "three networks: one phone in three forms, one handle, one template"
else notok "networks as expected"; sed 's/^/# got: /' "$TMP/inc"; fi
if grep -q x1 "$TMP/inc"; then notok "the excluded board number links nothing"
else ok "the excluded board number links nothing"; fi

expect_rc 0 "network list --json" "$LW" network list --json
python3 - "$TMP/out" <<'PY' && ok "json: members with id and url, shared entities" || notok "json shape"
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a) == 3
for n in a:
    assert isinstance(n["id"], int) and n["listings"] == len(n["members"])
    assert all(isinstance(m["id"], int) and m["url"].startswith("http") for m in n["members"])
shared = {s["normalized"] for n in a for s in n["shared"]}
assert "+64215550177" in shared and "kiwi_jobs_fast" in shared, shared
PY

# From scratch: the same networks.
expect_rc 0 "network rebuild" "$LW" network rebuild
members >"$TMP/full"
if cmp -s "$TMP/inc" "$TMP/full"; then ok "incremental networks equal a rebuild from scratch"
else notok "incremental equals rebuild"; diff "$TMP/inc" "$TMP/full" | sed 's/^/# /'; fi

# The phone network's id, then show and export it.
nid=$("$LW" network list --json | python3 -c '
import json, sys
print(next(n["id"] for n in json.load(sys.stdin) if n["listings"] == 3))')
expect_rc 0 "network show" "$LW" network show "$nid"
expect_grep "+64215550177" "$TMP/out" "show names the shared number"
expect_grep "timeline" "$TMP/out" "show has a timeline"
expect_rc 0 "export graphml" "$LW" network export "$nid" --format graphml
python3 - "$TMP/out" <<'PY' && ok "graphml parses, 3 listings joined to the number" || notok "graphml"
import sys, xml.etree.ElementTree as ET
ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
g = ET.parse(sys.argv[1]).getroot().find("g:graph", ns)
nodes = [n.get("id") for n in g.findall("g:node", ns)]
edges = g.findall("g:edge", ns)
assert sum(n.startswith("listing:") for n in nodes) == 3, nodes
assert "entity:+64215550177" in nodes
assert len(edges) == 3
PY
expect_rc 0 "export csv" "$LW" network export "$nid" --format csv
expect_grep "^source,target,relation,label" "$TMP/out" "csv has a header"
expect_rc 1 "an unknown network: exit 1" "$LW" network show 999999
expect_rc 2 "export without a format: exit 2" "$LW" network export "$nid"

# The queue names an item's network and why it rose.
qid=$("$LW" queue list --json | python3 -c '
import json, sys
print(next(i["id"] for i in json.load(sys.stdin) if i["url"].endswith("/a1.html")))')
expect_rc 0 "queue show of a network member" "$LW" queue show "$qid"
expect_grep "network: *$nid" "$TMP/out" "queue show names the network"

# Without the exclusion the board number glues its three ads together.
sed '/^exclude/d' "$conf" >"$TMP/noex.conf"
expect_rc 0 "rebuild without the exclusion" "$LW" --config "$TMP/noex.conf" network rebuild
LUREWATCH_CONFIG="$TMP/noex.conf" members >"$TMP/noex"
expect_grep "x1 x2 x3" "$TMP/noex" "without the exclusion the board number links its ads"

# match --json: the phone in its three forms normalises to one E.164 value.
for f in a1 a2 a3; do
	grep "/$f.html" "$ADS" | python3 -c 'import json,sys; o=json.load(sys.stdin); print(o["body"])'
done >"$TMP/bodies.txt"
"$LW" match --json "$TMP/bodies.txt" >"$TMP/m.json" 2>/dev/null
python3 - "$TMP/m.json" <<'PY' && ok "match --json: three spellings, one E.164 number" || notok "match entities"
import json, sys
o = json.loads(open(sys.argv[1]).read().splitlines()[0])
phones = [e for e in o["entities"] if e["kind"] in ("phone", "whatsapp")]
assert len(phones) == 3 and {e["normalized"] for e in phones} == {"+64215550177"}, phones
text = open(sys.argv[1].replace("m.json", "bodies.txt"), "rb").read()
for e in phones:
    assert text[e["start"]:e["end"]].decode() == e["value"], e
PY
# One number offered as WhatsApp in one ad and as a plain number in another
# (a wa.me link in a third): one network, the channels kept per mention.
cat >"$TMP/wa.jsonl" <<'JSONL'
{"url": "http://127.0.0.1/ads/w1.html", "title": "Cleaners wanted abroad", "body": "Flights paid, no fee. WhatsApp +44 7700 900431 to apply.", "location": "Manila", "source": "wasample"}
{"url": "http://127.0.0.1/ads/w2.html", "title": "Hotel housekeeping staff", "body": "Good salary, free room. Call 07700 900431 for details.", "location": "Cebu", "source": "wasample"}
{"url": "http://127.0.0.1/ads/w3.html", "title": "Hotel staff, start next month", "body": "Message us: https://wa.me/447700900431", "location": "Davao", "source": "wasample"}
JSONL
expect_rc 0 "ingest a WhatsApp number, a plain number and a wa.me link" "$LW" ingest "$TMP/wa.jsonl"
"$LW" network list --json >"$TMP/wa.json"
python3 - "$TMP/wa.json" <<'PY' && ok "whatsapp, phone and wa.me: one network on the E.164 number" || notok "channel-independent network"
import json, sys
nets = json.load(open(sys.argv[1]))
n = next(n for n in nets if any(m["url"].endswith("/w1.html") for m in n["members"]))
assert sorted(m["url"].rsplit("/", 1)[1] for m in n["members"]) == ["w1.html", "w2.html", "w3.html"], n
s = next(s for s in n["shared"] if s["normalized"] == "+447700900431")
assert sorted(s["kinds"]) == ["phone", "whatsapp"], s
PY
wnid=$(python3 -c '
import json, sys
print(next(n["id"] for n in json.load(open(sys.argv[1])) if any(m["url"].endswith("/w1.html") for m in n["members"])))' "$TMP/wa.json")
expect_rc 0 "network show of the mixed-channel network" "$LW" network show "$wnid"
expect_grep '+447700900431 (3 ads; as phone, whatsapp)' "$TMP/out" "show names the channels of the number"
expect_rc 0 "export csv of the mixed-channel network" "$LW" network export "$wnid" --format csv
expect_grep 'whatsapp' "$TMP/out" "the export keeps the whatsapp channel"
expect_grep 'phone' "$TMP/out" "and the phone channel"

# queue list: the priority it sorts by, and why; --json carries the network id.
expect_rc 0 "queue list" "$LW" queue list
expect_grep '^ *ID ! *SCORE *PRIO ' "$TMP/out" "queue list has a priority column"
expect_grep "network $nid: 3 ads" "$TMP/out" "and the reason a network member rose"
python3 - "$TMP/out" <<'PY' && ok "rows are in priority order" || notok "rows in priority order"
import sys
rows = [l.split() for l in open(sys.argv[1]).read().splitlines()[1:]]
vals = []
for r in rows:
    i = 2 if r[1] == "!" else 1     # ID [!] SCORE PRIO STATUS ...
    vals.append((r[1] == "!", float(r[i + 1])))
assert vals == sorted(vals, key=lambda v: (not v[0], -v[1])), vals
PY
"$LW" queue list --json >"$TMP/q.json"
python3 - "$TMP/q.json" "$nid" <<'PY' && ok "queue list --json: network_id and priority_reason" || notok "queue list --json network"
import json, sys
items = json.load(open(sys.argv[1]))
a1 = next(i for i in items if i["url"].endswith("/a1.html"))
assert a1["network_id"] == int(sys.argv[2]), a1
assert a1["priority_reason"].startswith("network %s:" % sys.argv[2]), a1
assert all("network_id" in i for i in items)
PY
finish
