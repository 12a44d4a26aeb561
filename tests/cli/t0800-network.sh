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
finish
