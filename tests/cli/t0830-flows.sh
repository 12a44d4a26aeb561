#!/bin/sh
# SPDX-License-Identifier: MIT
# Movement (issue 16) against PostgreSQL: recruitment corridors from flagged ads (the advertised
# place, else the number's country, to the countries and cities the text names) as a table, CSV,
# JSON and GraphML over a period; a network's numbers that do not fit its places; the circuit.
. "$(dirname "$0")/lib.sh"
use_pg

"$LW" db start >/dev/null 2>&1 || { notok "db start"; finish; }
cat >"$TMP/ads.jsonl" <<'JSONL'
{"url": "https://board.test/f/1", "title": "Hotel cleaners for Dubai", "body": "Flights paid, no experience needed. We keep your passport safe for you. Pay the placement fee before departure. WhatsApp +44 7700 900123.", "location": "Manila", "posted": "2025-04-01", "source": "fl"}
{"url": "https://board.test/f/2", "title": "Housekeepers, Doha and Dubai", "body": "No experience needed, we keep your passport. Pay the placement fee before you fly. Call 07700 900123.", "location": "Cebu City", "posted": "2025-04-03", "source": "fl"}
{"url": "https://board.test/f/3", "title": "Farm work in New Zealand", "body": "No experience needed, we keep your passport safe. Pay the placement fee before departure. Zalo 0912 345 678.", "location": "Hanoi", "posted": "2025-05-10", "source": "fl"}
{"url": "https://board.test/f/4", "title": "Trabajo en España", "body": "No experience needed, we keep your passport safe. Pay the placement fee before departure, trabajo en Madrid.", "posted": "2025-06-01", "source": "fl"}
{"url": "https://board.test/f/5", "title": "Office manager", "body": "A permanent role in our Dubai office with a full contract.", "location": "Manila", "posted": "2025-04-02", "source": "fl"}
{"url": "https://board.test/f/6", "title": "Cleaners, Oman", "body": "Apply to our woman-led team: no experience needed, we keep your passport safe, pay the placement fee first.", "location": "Dubai", "posted": "2025-04-05", "source": "fl"}
JSONL
expect_rc 0 "ingest" "$LW" ingest "$TMP/ads.jsonl"

expect_rc 0 "flows --json" "$LW" flows --json
python3 - "$TMP/out" <<'PY' && ok "corridors: place -> named countries, cities counted as their country" || notok "corridors"
import json, sys
c = {(x["origin"], x["destination"]): x for x in json.load(open(sys.argv[1]))}
assert c[("PH", "AE")]["ads"] == 2, c            # Manila and Cebu City -> Dubai
assert c[("PH", "AE")]["networks"] == 1, c       # the two share a number
assert c[("PH", "QA")]["ads"] == 1, c            # Doha
assert c[("VN", "NZ")]["ads"] == 1, c
assert "dubai" in c[("PH", "AE")]["named"], c
assert "documents" in c[("PH", "AE")]["categories"], c
# No place given: the origin is unknown ('?'), the destination named twice.
assert c[("?", "ES")]["ads"] == 1 and set(c[("?", "ES")]["named"]) >= {"madrid"}, c
# "woman" is not Oman; an unflagged ad is no corridor; Dubai -> its own country is none.
assert ("AE", "OM") in c and c[("AE", "OM")]["named"] == ["oman"], c
assert all(x["ads"] <= 2 for x in c.values()), c
assert not any(k[0] == k[1] for k in c), c
PY
expect_rc 0 "flows as a table" "$LW" flows
expect_grep '^PH *-> AE *2 *1 *dubai' "$TMP/out" "the table has the PH -> AE corridor"
expect_rc 0 "flows --format csv" "$LW" flows --format csv
expect_grep '^origin,destination,ads,networks,named,categories' "$TMP/out" "csv has a header"
expect_grep '^"PH","AE","2","1"' "$TMP/out" "csv has the corridor"
expect_rc 0 "flows --format graphml" "$LW" flows --format graphml
python3 - "$TMP/out" <<'PY' && ok "graphml parses: countries as nodes, corridors as weighted edges" || notok "graphml"
import sys, xml.etree.ElementTree as ET
ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
g = ET.parse(sys.argv[1]).getroot().find("g:graph", ns)
nodes = {n.get("id") for n in g.findall("g:node", ns)}
assert {"PH", "AE", "QA", "VN", "NZ"} <= nodes, nodes
e = [x for x in g.findall("g:edge", ns) if x.get("source") == "PH" and x.get("target") == "AE"]
assert e and e[0].find("g:data[@key='ads']", ns).text == "2"
PY
expect_rc 0 "flows over April only" "$LW" flows --since 2025-04-01 --until 2025-04-30 --json
python3 - "$TMP/out" <<'PY' && ok "the period is by posted date" || notok "period"
import json, sys
c = {(x["origin"], x["destination"]) for x in json.load(open(sys.argv[1]))}
assert ("PH", "AE") in c and ("VN", "NZ") not in c and ("?", "ES") not in c, c
PY
# Destinations (migrations 070, 071): names in inflected forms, regions written as names, and
# places named as where recruits come from left out.
cat >"$TMP/dest.jsonl" <<'JSONL'
{"url": "https://board.test/d/1", "title": "Стройка в Новой Зеландии", "body": "No experience needed, we keep your passport safe. Pay the placement fee before departure.", "location": "Manila", "posted": "2025-07-01", "source": "fl"}
{"url": "https://board.test/d/2", "title": "Praca w Niemczech", "body": "No experience needed, we keep your passport safe. Pay the placement fee before departure.", "location": "Manila", "posted": "2025-07-02", "source": "fl"}
{"url": "https://board.test/d/3", "title": "Drivers from Romania / Poland / Bulgaria for the UK", "body": "No experience needed, we keep your passport safe. Pay the placement fee before departure.", "location": "Manila", "posted": "2025-07-03", "source": "fl"}
{"url": "https://board.test/d/4", "title": "Farm work in Waikato", "body": "No experience needed, we keep your passport safe. Pay the placement fee before departure. Sri Lanka & Nepal applicants.", "location": "Manila", "posted": "2025-07-04", "source": "fl"}
{"url": "https://board.test/d/5", "title": "Farm work, early starts", "body": "No experience needed, we keep your passport safe. Pay the placement fee cuando you arrive, nothing else.", "location": "Manila", "posted": "2025-07-05", "source": "fl"}
JSONL
expect_rc 0 "ingest ads naming places in other forms" "$LW" ingest "$TMP/dest.jsonl"
expect_rc 0 "flows over July" "$LW" flows --since 2025-07-01 --until 2025-07-31 --json
python3 - "$TMP/out" <<'PY' && ok "inflected names, regions and origins: PH -> NZ, DE, GB only" || notok "destinations"
import json, sys
c = {(x["origin"], x["destination"]): x for x in json.load(open(sys.argv[1]))}
assert c[("PH", "NZ")]["ads"] == 2, c            # "в Новой Зеландии"; the region "Waikato"
assert "новая зеландия" in c[("PH", "NZ")]["named"] and "waikato" in c[("PH", "NZ")]["named"], c
assert c[("PH", "DE")]["ads"] == 1, c            # "w Niemczech"
assert c[("PH", "GB")]["ads"] == 1, c            # "for the UK"
# Origins are not destinations; "cuando" (a region of Angola) is a word here.
assert set(c) == {("PH", "NZ"), ("PH", "DE"), ("PH", "GB")}, c
PY
expect_rc 1 "no corridor in an empty period: exit 1" "$LW" flows --since 2030-01-01
expect_rc 2 "a bad format: exit 2" "$LW" flows --format xml

# The network of the two PH ads: a UK number on ads placed in the Philippines; the circuit.
nid=$("$LW" network list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
expect_rc 0 "network show" "$LW" network show "$nid"
expect_grep 'numbers that do not fit' "$TMP/out" "show lists numbers that do not fit the places"
expect_grep '+447700900123 (GB) in 2 ads placed in PH' "$TMP/out" "the UK number on ads placed in the Philippines"
expect_grep 'posted 2025-04-01 to 2025-04-03' "$TMP/out" "show gives the posted dates"
expect_grep '2025-04-03 .. 2025-04-03  Cebu City' "$TMP/out" "and the circuit"
finish
