#!/bin/sh
# SPDX-License-Identifier: MIT
# A fingerprint band shared by more than 200 texts (a board's boilerplate) links nothing, as ads
# arrive as in a rebuild (issue 16; store/netgraph.h NETGRAPH_TEXT_MASS, migration 072). 150 ads
# of one boilerplate text are ingested first and, as near-duplicates, form one network; 60 more
# copies take the band over 200 and the batch that does so cuts that network apart again; 5 more
# link to nothing. A pair of near-duplicates of another text still links, in batches of odd sizes,
# and the networks after ingestion equal those of a rebuild.
. "$(dirname "$0")/lib.sh"
use_pg

"$LW" db start >/dev/null 2>&1 || { notok "db start"; finish; }
url=$("$LW" db url)
python3 - "$TMP" <<'PY'
import json, random, sys
rng = random.Random(11)
# Made-up words, so that only the copies are near-duplicates of anything.
words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8)) for _ in range(2000)]
def text(n):
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."
board = text(60)
pair = text(60)
k = 0
def ad(f, body):
    global k
    k += 1
    f.write(json.dumps({"url": "https://board.test/ads/%d" % k, "title": "Job %d" % k,
                        "body": body, "location": "Auckland", "source": "board"}) + "\n")
with open(sys.argv[1] + "/p1.jsonl", "w") as f:
    for i in range(150):
        ad(f, board)
    for i in range(20):
        ad(f, text(60))
with open(sys.argv[1] + "/p2.jsonl", "w") as f:
    for i in range(60):
        ad(f, board)
    ad(f, pair)
    ad(f, pair + " Apply")
with open(sys.argv[1] + "/p3.jsonl", "w") as f:
    for i in range(5):
        ad(f, board)
PY

# Sizes of the networks of 2 or more, largest first, on one line.
sizes() {
	psql "$url" -X -q -At -v ON_ERROR_STOP=1 -c "SELECT coalesce(string_agg(n::text, ' '
		ORDER BY n DESC), '-') FROM (SELECT count(*) AS n FROM lurewatch.listing_networks
		GROUP BY network_id HAVING count(*) > 1) t"
}
partition() {
	psql "$url" -X -q -At -v ON_ERROR_STOP=1 -c "SELECT string_agg(listing_id::text, ' '
		ORDER BY listing_id) AS m FROM lurewatch.listing_networks GROUP BY network_id
		HAVING count(*) > 1 ORDER BY m"
}

expect_rc 0 "ingest 150 copies of a boilerplate text" "$LW" ingest --batch 37 "$TMP/p1.jsonl"
got=$(sizes)
if [ "$got" = "150" ]; then ok "below the mass the copies link as near-duplicates"
else notok "150 copies linked (networks: $got)"; fi
expect_rc 0 "ingest 60 more and a pair" "$LW" ingest --batch 41 "$TMP/p2.jsonl"
got=$(sizes)
if [ "$got" = "2" ]; then ok "over the mass the boilerplate links nothing; the pair links"
else notok "boilerplate over the mass (networks: $got, wanted only the pair)"; fi
cnt=$(psql "$url" -X -q -At -c "SELECT count(*) FROM lurewatch.fingerprint_mass_bands")
if [ "$cnt" = 4 ]; then ok "the four bands of the boilerplate are remembered"
else notok "mass bands remembered ($cnt)"; fi
expect_rc 0 "ingest 5 more copies" "$LW" ingest "$TMP/p3.jsonl"
partition >"$TMP/inc"
got=$(sizes)
if [ "$got" = "2" ]; then ok "later copies link to nothing"
else notok "later copies (networks: $got)"; fi
expect_rc 0 "network rebuild" "$LW" network rebuild
partition >"$TMP/full"
if cmp -s "$TMP/inc" "$TMP/full"; then ok "incremental networks equal a rebuild's"
else notok "incremental equals rebuild"; diff "$TMP/inc" "$TMP/full" | head -10 | sed 's/^/# /'; fi
cnt=$(psql "$url" -X -q -At -c "SELECT string_agg(texts::text, ' ') FROM lurewatch.fingerprint_mass_bands")
if [ "$cnt" = "215 215 215 215" ]; then ok "the rebuild recounts the mass bands"
else notok "mass bands recounted ($cnt)"; fi
finish
