#!/bin/sh
# SPDX-License-Identifier: MIT
# No data is lost (issue 16): a near-duplicate text that did not link two networks is listed by
# `network show` under the cut ties, with the network it leads to, both ways. Two groups of ten ads,
# each on its own number and address, one ad of each a copy of the other's (a reused template),
# with texts linking (the default): the copy ties the two groups into one network as they are
# ingested, community detection cuts them apart again, each copy staying with the nine ads that
# share its details, both after ingestion and after a rebuild; the cut tie is listed. Nothing of
# the kind is said of a network with no such tie.
. "$(dirname "$0")/lib.sh"
use_pg
conf=$TMP/lurewatch.conf
cat >"$conf" <<CONF
[lurewatch]
home = $LUREWATCH_HOME
CONF
export LUREWATCH_CONFIG="$conf"

"$LW" db start >/dev/null 2>&1 || { notok "db start"; finish; }
python3 - "$TMP/ads.jsonl" <<'PY'
import json, random, sys
rng = random.Random(7)
# Made-up words, so that only the copy is a near-duplicate of anything.
words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8)) for _ in range(2000)]
def text(n):
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."
copied = text(40)
with open(sys.argv[1], "w") as f:
    def ad(name, body):
        f.write(json.dumps({"url": "https://board.test/ads/%s" % name, "title": "Job %s" % name,
                            "body": body, "location": "Auckland", "source": "board"}) + "\n")
    for i in range(10):
        ad("a%d" % i, "%s Call 021 444 5566 or mail jobs.a@mail.test." % (copied if i == 9 else text(40)))
        ad("b%d" % i, "%s Call 022 777 8899 or mail jobs.b@mail.test." % (copied if i == 9 else text(40)))
    ad("c0", "%s Call 027 123 4567." % text(40))
    ad("c1", "%s Text 027 123 4567." % text(40))
PY
# groups: each copy is with its own group, the groups apart; prints the networks of a0, b0, c0.
groups() {
	python3 - "$TMP/out" >"$TMP/ids" <<'PY'
import json, sys
nets = {}
for n in json.load(open(sys.argv[1])):
    for m in n["members"]:
        nets[m["url"].rsplit("/", 1)[1]] = n["id"]
assert len({nets["a%d" % i] for i in range(10)}) == 1, nets
assert len({nets["b%d" % i] for i in range(10)}) == 1, nets
assert nets["a9"] != nets["b9"] and nets["c0"] == nets["c1"], nets
print(nets["a0"], nets["b0"], nets["c0"])
PY
}
expect_rc 0 "ingest two groups and a pair" "$LW" ingest "$TMP/ads.jsonl"
expect_rc 0 "network list --json" "$LW" network list --json
groups && ok "after ingestion the copied template does not join the groups" || notok "groups kept apart (ingestion)"
expect_rc 0 "network rebuild" "$LW" network rebuild
expect_rc 0 "network list --json" "$LW" network list --json
groups && ok "after a rebuild the copied template does not join the groups" || notok "groups kept apart (rebuild)"
read -r na nb nc <"$TMP/ids"
expect_rc 0 "network show of the first group" "$LW" network show "$na"
expect_grep 'cut ties' "$TMP/out" "show lists cut ties"
expect_grep "near-duplicate text (0 bits): 1 ads near 1 ads of network $nb " "$TMP/out" \
	"the cut text tie and the network it leads to"
expect_rc 0 "network show --json of the second group" "$LW" network show "$nb" --json
python3 - "$TMP/out" "$na" <<'PY' && ok "show --json: the tie back, with the pair of ads" || notok "cut_texts in json"
import json, sys
c = json.load(open(sys.argv[1]))["cut_texts"]
assert len(c) == 1 and c[0]["network"] == int(sys.argv[2]) and c[0]["bits"] == 0, c
assert c[0]["ads"] == 1 and c[0]["outside"] == 1 and len(c[0]["pair"]) == 2, c
PY
expect_rc 0 "network show of the pair" "$LW" network show "$nc"
if grep -q 'near-duplicate' "$TMP/out"; then notok "no text ties where there are none"
else ok "no text ties where there are none"; fi
finish
