#!/bin/sh
# SPDX-License-Identifier: MIT
# Which networks a batch recuts when a tie stops counting (store/link.c, recut_batch): a detail
# that turned generic, or a fingerprint band that passed NETGRAPH_TEXT_MASS texts, tied only the
# ads that carry it, so only networks holding two or more of them are recomputed. The smallest
# such network, a pair glued by nothing else, must still come apart in the batch where its tie
# stops counting, as in a rebuild, while a network holding one such ad keeps its other ties.
. "$(dirname "$0")/lib.sh"
use_pg

"$LW" db start >/dev/null 2>&1 || { notok "db start"; finish; }
URL=$("$LW" db url)
python3 - "$TMP" <<'PY'
import json, random, sys
rng = random.Random(23)
# Made-up words: no two texts are near-duplicates unless they are copies.
words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8)) for _ in range(3000)]
def text(n):
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."
places = ["Auckland", "Wellington", "Christchurch", "Hamilton", "Tauranga", "Napier", "Nelson"]
def ad(f, name, body, loc="Auckland"):
    f.write(json.dumps({"url": "https://carriers.test/%s" % name, "title": "Job %s" % name,
                        "body": body, "location": loc, "source": "carriers"}) + "\n")
with open(sys.argv[1] + "/d1.jsonl", "w") as f:
    # p1 and p2: one number and nothing else in common, a network of two. r1 has a number of
    # its own.
    ad(f, "p1", text(40) + " Call 021 555 0101.")
    ad(f, "p2", text(40) + " Text 0215550101.")
    ad(f, "r1", text(40) + " WhatsApp 021 555 0202.")
with open(sys.argv[1] + "/d2.jsonl", "w") as f:
    # Five more ads of p's number in other places: it is in 7 ads now, generic at 6. The first
    # also gives r1's number: a network of two holding one ad with p's number.
    for i in range(5):
        ad(f, "s%d" % i, text(40) + " Phone 021 555 0101%s." % (" or 021 555 0202" if i == 0 else ""),
           places[i])
board = text(60)
with open(sys.argv[1] + "/t1.jsonl", "w") as f:
    # Two copies of a board's boilerplate: near-duplicates, a network of two.
    ad(f, "c1", board)
    ad(f, "c2", board)
with open(sys.argv[1] + "/t2.jsonl", "w") as f:
    # 210 more copies in one batch: the bands pass 200 texts and link nothing any more.
    for i in range(210):
        ad(f, "m%d" % i, board)
PY
printf '[networks]\nhub_max_ads = 6\n' >"$TMP/lw.conf"

# pair A B: t when ads A and B are in one network, else f.
pair() {
	psql "$URL" -X -q -At -v ON_ERROR_STOP=1 -c "SELECT count(DISTINCT n.network_id) = 1
		FROM lurewatch.listing_networks n JOIN lurewatch.listings l ON l.id = n.listing_id
		WHERE l.url IN ('https://carriers.test/$1', 'https://carriers.test/$2')"
}
# Networks of two or more, as sorted ad names, one a line.
parts() {
	psql "$URL" -X -q -At -v ON_ERROR_STOP=1 -c "SELECT string_agg(split_part(l.url, '/', 4),
		' ' ORDER BY split_part(l.url, '/', 4)) AS m FROM lurewatch.listing_networks n
		JOIN lurewatch.listings l ON l.id = n.listing_id GROUP BY n.network_id
		HAVING count(*) > 1 ORDER BY m"
}

expect_rc 0 "ingest a pair tied by one number" "$LW" --config "$TMP/lw.conf" ingest "$TMP/d1.jsonl"
expect_eq "$(parts | tr '\n' '|')" "p1 p2|" "the number links the pair"
expect_rc 0 "ingest five more ads of the number" "$LW" --config "$TMP/lw.conf" ingest "$TMP/d2.jsonl"
gen=$(psql "$URL" -X -q -At -c "SELECT count(*) FROM lurewatch.contact_stats WHERE generic IS NOT NULL")
expect_eq "$gen" "1" "the number turned generic in that batch"
expect_eq "$(pair p1 p2)" "f" "the pair it glued is cut apart in the same batch"
expect_eq "$(parts | tr '\n' '|')" "r1 s0|" "r1's number still links, and nothing links through p's"

expect_rc 0 "ingest two copies of a boilerplate text" "$LW" --config "$TMP/lw.conf" ingest "$TMP/t1.jsonl"
expect_eq "$(pair c1 c2)" "t" "near-duplicates link"
expect_rc 0 "ingest 210 more copies in one batch" "$LW" --config "$TMP/lw.conf" ingest "$TMP/t2.jsonl"
cnt=$(psql "$URL" -X -q -At -c "SELECT count(*) FROM lurewatch.fingerprint_mass_bands")
expect_eq "$cnt" "4" "the four bands passed the mass in that batch"
expect_eq "$(pair c1 c2)" "f" "the pair they glued is cut apart in the same batch"
parts >"$TMP/inc"
expect_eq "$(tr '\n' '|' <"$TMP/inc")" "r1 s0|" "no copy links to another"

expect_rc 0 "network rebuild" "$LW" --config "$TMP/lw.conf" network rebuild
parts >"$TMP/full"
if cmp -s "$TMP/inc" "$TMP/full"; then ok "incremental networks equal a rebuild's"
else notok "incremental equals rebuild"; diff "$TMP/inc" "$TMP/full" | head -10 | sed 's/^/# /'; fi
finish
