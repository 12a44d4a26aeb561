#!/bin/sh
# SPDX-License-Identifier: MIT
# `lurewatch rules fit`: on tests/data/fit, whose right answer is known by
# construction (lure_sign fires only on lures, both_sign equally on both
# labels, clear_sign and ctx_sign only on clear documents, silent never),
# then weights files, then the same documents as queue verdicts in a
# throwaway cluster.
. "$(dirname "$0")/lib.sh"
use_pg
DATA="$TOP/tests/data/fit"

# check PYTHON-EXPR NAME: evaluates an expression over the JSON in $TMP/out (as o).
check() {
	if python3 -c "import json,sys; o=json.load(open(sys.argv[1])); r={x['rule']: x for x in o['rules']}; sys.exit(0 if ($1) else 1)" "$TMP/out"; then
		ok "$2"
	else
		notok "$2"
		sed 's/^/# /' "$TMP/out" | head -5
	fi
}

# ---- a labelled corpus ---------------------------------------------------------------------

expect_rc 0 "rules fit on a corpus" "$LW" rules fit -r "$DATA/pack.rules" --json "$DATA"
check "o['documents'] == {'flag': 12, 'clear': 12} and o['converged']" "every document is read"
check "r['lure_sign']['fitted'] >= 5 and r['lure_sign']['flag'] == 12 and r['lure_sign']['clear'] == 0" \
	"a rule that fires only on lures gets a large weight"
check "abs(r['both_sign']['fitted']) <= 0.25 and abs(r['both_sign']['coef']) < 0.05" \
	"a rule that fires equally on both labels gets about 0"
check "r['clear_sign']['coef'] < -0.5 and r['clear_sign']['fitted'] == 0" \
	"a rule that fires only on clear documents is clipped to 0"
check "r['ctx_sign']['fitted'] <= -1" "a context rule that fires only on clear documents goes negative"
check "o['never_fired'] == ['silent'] and r['silent']['fitted'] == r['silent']['current'] == 2" \
	"a rule that never fires is listed and keeps its weight"
check "o['mostly_clear'] == ['clear_sign']" "rules firing mostly on clear documents are listed"
check "o['current'] == {'recall': 0.5, 'false_alarms': 0.25} and o['fitted']['recall'] == 1 and o['fitted']['false_alarms'] == 0" \
	"the guessed weights miss half the lures, the fitted ones none"
check "o['cross_validated']['folds'] == 5 and o['cross_validated']['recall'] == 1 and o['cross_validated']['false_alarms'] == 0" \
	"cross-validated recall and false alarms"
check "4 < o['suggested']['threshold'] <= 10 and o['suggested']['false_alarms'] <= 0.03" \
	"the suggested threshold meets the target false-alarm rate"
cp "$TMP/out" "$TMP/first.json"
"$LW" rules fit -r "$DATA/pack.rules" --json "$DATA" >"$TMP/second.json"
cmp -s "$TMP/first.json" "$TMP/second.json" && ok "the same seed gives the same figures" ||
	notok "the same seed gives the same figures"
expect_rc 0 "rules fit prints a table" "$LW" rules fit -r "$DATA/pack.rules" "$DATA"
expect_grep '^lure_sign  *documents  *1.00  *10.00' "$TMP/out" "the table shows current and fitted weights"
expect_grep '^cross-validated (5 folds, seed 17): recall 1.000, false alarms 0.000' "$TMP/out" \
	"the table shows cross-validated figures"
expect_rc 0 "rules fit --help" "$LW" rules fit --help
expect_grep 'weights = FILE' "$TMP/out" "the help explains the weights file"
expect_rc 2 "rules fit needs a corpus or --queue" "$LW" rules fit -r "$DATA/pack.rules"
expect_rc 2 "a bad --folds" "$LW" rules fit -r "$DATA/pack.rules" --folds 1 "$DATA"
mkdir "$TMP/bad" && printf 'file\tlabel\nx.txt\tmaybe\n' >"$TMP/bad/labels.tsv"
expect_rc 2 "a bad label" "$LW" rules fit -r "$DATA/pack.rules" "$TMP/bad"
expect_grep "labels.tsv:2: label 'maybe': expected flag or clear" "$TMP/err" "a bad label is named by line"

# ---- weights files ----------------------------------------------------------------------------

mkdir "$TMP/pack"
sed 's/^threshold = 4$/threshold = 4\nweights = fitted.tsv/' "$DATA/pack.rules" >"$TMP/pack/pack.rules"
expect_rc 0 "rules fit --write" "$LW" rules fit -r "$DATA/pack.rules" --write "$TMP/pack/fitted.tsv" "$DATA"
expect_grep '^lure_sign	10.00	# was 1.00; fired on 12 flag, 0 clear' "$TMP/pack/fitted.tsv" \
	"the weights file has one line per rule that fired"
expect_rc 0 "a pack with the weights file" "$LW" rules list "$TMP/pack/pack.rules"
expect_grep '^lure_sign  *rule  *documents  *10.00' "$TMP/out" "the pack takes the fitted weights"
expect_grep '^silent  *rule  *minors  *2.00' "$TMP/out" "rules not in the file keep theirs"
expect_rc 0 "fit again with the weighted pack" "$LW" rules fit -r "$TMP/pack/pack.rules" --json "$DATA"
check "r['lure_sign']['current'] == 10 and o['current']['recall'] == 1 and o['current']['false_alarms'] == 0" \
	"the weighted pack flags every lure and no clear document"
"$LW" rules check "$TMP/pack/pack.rules" >/dev/null
expect_rc 0 "a compiled pack comes from the cache" "$LW" rules check "$TMP/pack/pack.rules"
expect_grep 'from cache' "$TMP/out" "the cache holds the weighted pack"
printf 'lure_sign\t9.5\n' >"$TMP/pack/fitted.tsv"
expect_rc 0 "other weights" "$LW" rules check "$TMP/pack/pack.rules"
if grep -q 'from cache' "$TMP/out"; then notok "other weights change the pack's hash"
else ok "other weights change the pack's hash"; fi
printf '# a comment\n\nlure_sign\t9.5\nnope\t1\n' >"$TMP/pack/fitted.tsv"
expect_rc 2 "an unknown rule in the weights file" "$LW" rules list "$TMP/pack/pack.rules"
expect_grep "fitted.tsv:4: unknown rule 'nope'" "$TMP/err" "the unknown rule is named by file and line"
printf 'clear_sign\t-2\n' >"$TMP/pack/fitted.tsv"
expect_rc 2 "a negative weight outside context" "$LW" rules list "$TMP/pack/pack.rules"
expect_grep "fitted.tsv:1: rule 'clear_sign': negative weights are only for category 'context'" \
	"$TMP/err" "the weights file keeps the pack's rules"
printf 'lure_sign\t11\n' >"$TMP/pack/fitted.tsv"
expect_rc 2 "a weight out of range" "$LW" rules list "$TMP/pack/pack.rules"
expect_grep "fitted.tsv:1: bad weight '11'" "$TMP/err" "weights stay within -10..10"
rm "$TMP/pack/fitted.tsv"
expect_rc 2 "a missing weights file" "$LW" rules list "$TMP/pack/pack.rules"
expect_grep "cannot open weights file '$TMP/pack/fitted.tsv'" "$TMP/err" \
	"the weights file is found beside the pack file"

# ---- the queue's verdicts ----------------------------------------------------------------------

H=$LUREWATCH_HOME
cat >"$H/lurewatch.conf" <<EOF2
[matcher]
rules = $DATA/pack.rules
threshold = 1
EOF2
# Every document as a listing: title on its first line, body below.
python3 - "$DATA" >"$TMP/ads.jsonl" <<'PY'
import json, sys
d = sys.argv[1]
for line in open(d + "/labels.tsv", encoding="utf-8").read().splitlines()[1:]:
    name = line.split("\t")[0]
    title, body = open(d + "/" + name, encoding="utf-8").read().split("\n", 1)
    print(json.dumps({"url": "http://fit.example/" + name, "title": title, "body": body}))
PY
expect_rc 0 "db start" "$LW" db start
"$LW" ingest "$TMP/ads.jsonl" >"$TMP/ingest.out" 2>&1
expect_rc 0 "queue list" "$LW" queue list --json --status new
# Analysts: lures confirmed (every third escalated), the rest dismissed.
python3 - "$TMP/out" >"$TMP/verdicts" <<'PY'
import json, sys
for k, it in enumerate(json.load(open(sys.argv[1]))):
    lure = "/docs/f" in it["url"]
    print(it["id"], "dismissed" if not lure else "escalated" if k % 3 == 0 else "confirmed")
PY
expect_eq() { if [ "$1" = "$2" ]; then ok "$3"; else notok "$3 (got '$1', wanted '$2')"; fi; }
expect_eq "$(wc -l <"$TMP/verdicts" | tr -d ' ')" 21 "lures and clear ads with a signal are queued"
"$LW" queue claim --analyst ana --count 5 >/dev/null
bad=0
while read -r id verdict; do
	to=
	[ "$verdict" = escalated ] && to="--to police"
	# shellcheck disable=SC2086
	"$LW" queue resolve "$id" --analyst ana --verdict "$verdict" $to >/dev/null 2>"$TMP/err" || bad=1
done <"$TMP/verdicts"
expect_eq "$bad" 0 "every item is resolved"
expect_rc 0 "rules fit --queue" "$LW" rules fit --queue --json
check "o['documents'] == {'flag': 12, 'clear': 9}" "confirmed and escalated are lures, dismissed are not"
# Every queued ad had a signal, so the intercept says little: the scale lets
# the strongest rule alone reach the threshold (1 here).
check "r['lure_sign']['fitted'] >= o['pack_threshold'] and r['both_sign']['fitted'] < 0.25 and r['clear_sign']['fitted'] == 0 and r['ctx_sign']['fitted'] < 0" \
	"the verdicts give the known answer"
check "o['current']['false_alarms'] == 1 and o['fitted']['false_alarms'] == 0 and o['fitted']['recall'] == 1" \
	"the fitted weights flag no dismissed ad"
check "o['mostly_clear'] == ['clear_sign'] and o['never_fired'] == ['silent']" \
	"rules analysts dismiss most of the time are listed"
expect_rc 0 "rules fit --queue prints a table" "$LW" rules fit --queue
expect_grep '^rules analysts dismiss most of the time:' "$TMP/out" "the table names dismissed rules"
finish
