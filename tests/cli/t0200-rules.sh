#!/bin/sh
# SPDX-License-Identifier: MIT
# `lurewatch rules check` and `rules list`: exit codes, file:line reports, JSON.
. "$(dirname "$0")/lib.sh"
: "${LUREWATCH_CACHE:=$TMP/cache}"
export LUREWATCH_CACHE
unset LUREWATCH_RULES

cat >"$TMP/good.rules" <<'EOF'
[pack]
name = small
version = 1.2.3

[term never_charge]
description = a "we never charge fees" disclaimer
pattern = /\bnever\s+charge\b/

[rule fee]
category = fee_debt
weight = 2
description = a fee to be paid by the worker
lang = en
pattern = /\b(?:agency|visa)\s+fees?\b/
example = Pay the agency fee before you fly.
example = A visa fee of $500 applies.
counterexample = No fees of any kind.

[rule fee_not_disclaimed]
category = fee_debt
weight = 1.5
description = a fee and no disclaimer
lang = en
combine = fee & !never_charge
example = Pay the agency fee before you fly.
example = The visa fee is deducted.
counterexample = We never charge. Pay the agency fee? No.
counterexample = Pay the agency fee? No, we never charge.

[rule news]
category = context
weight = -2
description = news report
lang = es
pattern = /\bnoticias\b/
example = Noticias de hoy
example = NOTICIAS
counterexample = nada
EOF
G="$TMP/good.rules"

# ---- check ----------------------------------------------------------------------------

expect_rc 0 "check passes on a good pack" "$LW" rules check "$G"
expect_grep '^3 rules, 6 examples, 4 counterexamples: 0 failures' "$TMP/out" "check counts rules and examples"
expect_rc 0 "check --strict passes on a good pack" "$LW" rules check --strict "$G"
expect_rc 0 "check --quiet" "$LW" rules check --quiet "$G"
[ -s "$TMP/out" ] && notok "check --quiet prints nothing on success" || ok "check --quiet prints nothing on success"
expect_rc 0 "check again, from the cache" "$LW" rules check "$G"
expect_grep 'database from cache' "$TMP/out" "the second check uses the cached database"
expect_rc 0 "check with the pack from \$LUREWATCH_RULES" env LUREWATCH_RULES="$G" "$LW" rules check
expect_grep '^3 rules' "$TMP/out" "\$LUREWATCH_RULES names the default pack"

# a failing example and a failing counterexample, each with its file:line
sed -e 's/^example = A visa fee of \$500 applies\./example = A visa charge of $500 applies./' \
    -e 's/^counterexample = nada/counterexample = noticias buenas/' "$G" >"$TMP/fails.rules"
expect_rc 1 "check: failing examples exit 1" "$LW" rules check "$TMP/fails.rules"
expect_grep "fails.rules:16: rule 'fee': example did not fire: A visa charge" "$TMP/out" \
	"failing example named with file:line"
expect_grep "fails.rules:38: rule 'news': counterexample fired: noticias buenas" "$TMP/out" \
	"failing counterexample named with file:line"
expect_grep '2 failures' "$TMP/out" "failures counted"

# --strict wants two examples and a counterexample
grep -v '^example = NOTICIAS' "$G" >"$TMP/thin.rules"
expect_rc 0 "check without --strict accepts one example" "$LW" rules check "$TMP/thin.rules"
expect_rc 1 "check --strict wants two examples" "$LW" rules check --strict "$TMP/thin.rules"
expect_grep "thin.rules:30: rule 'news': has 1 examples and 1 counterexamples" "$TMP/out" \
	"--strict names the rule's file:line"

# broken packs exit 2 with file:line
printf '[rule a]\ncategory = fee_debt\nweight = 1\ndescription = d\npattern = /ok/\nbogus = 1\n' >"$TMP/bad-key.rules"
expect_rc 2 "check: a pack that does not parse exits 2" "$LW" rules check "$TMP/bad-key.rules"
expect_grep "bad-key.rules:6: unknown key 'bogus'" "$TMP/err" "parse error with file:line"
printf '[rule a]\ncategory = fee_debt\nweight = 1\ndescription = d\npattern = /ok/\npattern = /x(?=y)/\n' >"$TMP/bad-re.rules"
expect_rc 2 "check: a pack that does not compile exits 2" "$LW" rules check "$TMP/bad-re.rules"
expect_grep "bad-re.rules:6: rule 'a'" "$TMP/err" "compile error with file:line"
expect_grep "look-around" "$TMP/err" "compile error explains look-around"
expect_rc 2 "check: a missing pack exits 2" "$LW" rules check "$TMP/missing.rules"
expect_grep "missing.rules" "$TMP/err" "missing pack named"

# a folder pack: errors name the file inside it
mkdir "$TMP/folder"
cp "$G" "$TMP/folder/10-good.rules"
printf '[rule b]\ncategory = documents\nweight = 1\ndescription = d\npattern = /passport/\nexample = passport\nexample = PASSPORT\ncounterexample = pass\n' >"$TMP/folder/20-more.rules"
expect_rc 0 "check a folder pack" "$LW" rules check "$TMP/folder"
expect_grep '^4 rules' "$TMP/out" "folder pack counts every file's rules"
printf '\n[rule fee]\ncategory = documents\nweight = 1\ndescription = d\npattern = /x/\n' >"$TMP/folder/30-dup.rules"
expect_rc 2 "check: duplicate id across files exits 2" "$LW" rules check "$TMP/folder"
expect_grep "30-dup.rules:2: duplicate id 'fee' (first defined at .*10-good.rules:9)" "$TMP/err" \
	"duplicate id names both files"
rm "$TMP/folder/30-dup.rules"

# ---- list ------------------------------------------------------------------------------

expect_rc 0 "list" "$LW" rules list "$G"
expect_grep '^ID  *KIND  *CATEGORY  *WEIGHT  *LANG  *DESCRIPTION' "$TMP/out" "list has a header"
expect_grep '^fee  *rule  *fee_debt  *2.00 en  *a fee to be paid by the worker' "$TMP/out" "list shows a rule"
expect_grep '^news  *rule  *context  *-2.00 es' "$TMP/out" "list shows a negative weight"
if grep -q never_charge "$TMP/out"; then notok "list hides terms"; else ok "list hides terms"; fi
expect_rc 0 "list --all" "$LW" rules list --all "$G"
expect_grep '^never_charge  *term' "$TMP/out" "list --all shows terms"
expect_rc 0 "list --json" "$LW" rules list --json "$G"
cat >"$TMP/check_list.py" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1]))
assert isinstance(a, list), type(a)
ids = [r["id"] for r in a]
assert ids == sys.argv[2].split(","), ids
for r in a:
    for k in ("id", "kind", "category", "weight", "lang", "description", "file", "line"):
        assert k in r, (k, r)
    assert r["file"].endswith(".rules") and isinstance(r["line"], int) and r["line"] > 0
byid = {r["id"]: r for r in a}
f = byid["fee"]
assert f["kind"] == "rule" and f["category"] == "fee_debt" and f["weight"] == 2, f
assert f["lang"] == "en" and f["line"] == 9 and f["description"] == "a fee to be paid by the worker", f
assert byid["news"]["weight"] == -2 and byid["news"]["lang"] == "es"
if "never_charge" in byid:
    t = byid["never_charge"]
    assert t["kind"] == "term" and t["category"] is None and t["lang"] is None, t
EOF
if python3 "$TMP/check_list.py" "$TMP/out" fee,fee_not_disclaimed,news 2>"$TMP/py"; then
	ok "list --json: array of rules with their fields"
else
	notok "list --json: array of rules with their fields"; sed 's/^/# /' "$TMP/py" "$TMP/out"
fi
expect_rc 0 "list --json --all" "$LW" rules list --json --all "$G"
if python3 "$TMP/check_list.py" "$TMP/out" never_charge,fee,fee_not_disclaimed,news 2>"$TMP/py"; then
	ok "list --json --all includes terms"
else
	notok "list --json --all includes terms"; sed 's/^/# /' "$TMP/py" "$TMP/out"
fi
expect_rc 2 "list: a broken pack exits 2" "$LW" rules list "$TMP/bad-key.rules"
expect_grep "bad-key.rules:6:" "$TMP/err" "list: error with file:line"

# ---- usage errors -------------------------------------------------------------------------

expect_rc 2 "rules without a subcommand" "$LW" rules
expect_rc 2 "rules with an unknown subcommand" "$LW" rules frobnicate "$G"
expect_grep "unknown 'rules' subcommand 'frobnicate'" "$TMP/err" "unknown subcommand named"
expect_rc 2 "rules check with two packs" "$LW" rules check "$G" "$G"
expect_rc 2 "rules check with an unknown option" "$LW" rules check --frobnicate "$G"
expect_rc 0 "rules --help" "$LW" rules --help
expect_grep 'rules check' "$TMP/out" "rules --help shows check"
expect_grep 'rules list' "$TMP/out" "rules --help shows list"

# ---- the default pack ----------------------------------------------------------------------

cd "$TOP" || exit 2
expect_rc 0 "check passes on the default pack" "$LW" rules check
expect_grep ': 0 failures' "$TMP/out" "default pack: no failing example"
expect_rc 0 "check --strict passes on the default pack" "$LW" rules check --strict rules
expect_rc 0 "list the default pack" "$LW" rules list --json
if python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert len(a)>=12 and len({r["lang"] for r in a})>=5 and len({r["category"] for r in a})>=12' "$TMP/out" 2>"$TMP/py"; then
	ok "default pack: at least 12 categories and 5 languages listed"
else
	notok "default pack: at least 12 categories and 5 languages listed"; sed 's/^/# /' "$TMP/py"
fi

finish
