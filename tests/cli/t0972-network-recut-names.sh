#!/bin/sh
# SPDX-License-Identifier: MIT
# A recut names a new part after its lowest listing, as a rebuild does, but a recut sees only
# the networks it recomputes: a network elsewhere may still be called after that listing (it
# kept the id when the listing left it). Named so, the part and that network became one: at
# 1,000,000 bench listings two groups that shared nothing ended in one network of 48. Here a
# network F holds two groups, P (5 ads, one number) and Q (7 ads, another), with nothing
# between them, and an unrelated ad R is in a network called after P's first ad. A new ad
# with P's number makes the batch recut F: Q keeps F (most of its ads), and P must take a
# fresh id, not R's.
. "$(dirname "$0")/lib.sh"
use_pg

expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)
cat >"$TMP/lw.conf" <<CONF
[matcher]
rules = $TOP/rules
CONF
ad() { # URL PHONE TEXT
	printf '{"url": "https://names.example/%s", "title": "%s (%s)", "body": "%s Call %s today.", "location": "Malmo"}\n' \
		"$1" "$3" "$1" "$3" "$2"
}
P="Hotel cleaners wanted in Malmo, rooms and meals on site, start at once."
Q="Berry pickers needed for the summer season in the north, transport arranged from the airport."
{
	for i in 1 2 3 4 5; do ad "p$i" "+46 73 512 34 56" "$P"; done
	for i in 1 2 3 4 5 6 7; do ad "q$i" "+46 73 998 76 54" "$Q"; done
	ad r "+46 70 111 22 33" "Office cleaner, evenings, Lund."
} >"$TMP/ads.jsonl"
expect_rc 0 "ingest the two groups and R" "$LW" --config "$TMP/lw.conf" ingest -q "$TMP/ads.jsonl"
id_of() { sql "SELECT id FROM listings WHERE url = 'https://names.example/$1'"; }
net_of() { sql "SELECT network_id FROM listing_networks n JOIN listings l ON l.id = n.listing_id
	WHERE l.url = 'https://names.example/$1'"; }
p1=$(id_of p1)
expect_eq "$(net_of p1)" "$p1" "P's network is called after its first ad"
# The state a recut can leave: P and Q in one network F (a merge that a recut undid for all
# but its name), R's network called after p1.
sql "UPDATE listing_networks SET network_id = 2000000001 WHERE listing_id IN
	(SELECT id FROM listings WHERE url ~ '/(p|q)[0-9]$')" >/dev/null
sql "UPDATE listing_networks SET network_id = $p1 WHERE listing_id = $(id_of r)" >/dev/null
expect_eq "$(net_of r)" "$p1" "R's network is called after p1, which is in F"

ad p6 "+46 73 512 34 56" "$P" >"$TMP/p6.jsonl"
expect_rc 0 "a new ad with P's number" "$LW" --config "$TMP/lw.conf" ingest -q "$TMP/p6.jsonl"
expect_eq "$(net_of q1)" 2000000001 "Q keeps F's id (most of F's ads)"
pnet=$(net_of p1)
if [ "$pnet" != "$p1" ] && [ "$pnet" != 2000000001 ] && [ "$(net_of p6)" = "$pnet" ]; then
	ok "P and the new ad take a network of their own ($pnet)"
else
	notok "P's network after the recut ($pnet; p1 is $p1)"
fi
expect_eq "$(net_of r)" "$p1" "R keeps its network"
expect_eq "$(sql "SELECT count(*) FROM listing_networks WHERE network_id = $p1")" 1 \
	"and R is alone in it: the recut did not name P's part after p1"
finish
