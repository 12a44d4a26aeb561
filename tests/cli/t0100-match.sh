#!/bin/sh
# SPDX-License-Identifier: MIT
# `lurewatch match` and the top level: exit codes, JSON, colour, --explain, inputs.
. "$(dirname "$0")/lib.sh"
: "${LUREWATCH_CACHE:=$TMP/cache}"
export LUREWATCH_CACHE
unset LUREWATCH_RULES NO_COLOR

# ---- top level -----------------------------------------------------------------

expect_rc 0 "--version" "$LW" --version
expect_grep '^lurewatch [0-9][0-9.]*' "$TMP/out" "--version names the version"
expect_grep 'hyperscan' "$TMP/out" "--version names hyperscan"
expect_rc 0 "--help" "$LW" --help
expect_grep '^usage: lurewatch' "$TMP/out" "--help prints usage on stdout"
cp "$TMP/out" "$TMP/help"
expect_rc 2 "no command is an error" "$LW"
expect_rc 2 "unknown command exits 2" "$LW" frobnicate
expect_grep "'frobnicate' is not a command" "$TMP/err" "unknown command is named"

# every command listed by --help has its own --help
cmds=$(sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' "$TMP/help")
[ -n "$cmds" ] && ok "--help lists commands ($(echo $cmds))" || notok "--help lists commands"
for c in $cmds; do
	expect_rc 0 "$c --help exits 0" "$LW" "$c" --help
	expect_grep "^usage: lurewatch $c" "$TMP/out" "$c --help prints its usage"
done
expect_rc 0 "help match" "$LW" help match
expect_grep '^usage: lurewatch match' "$TMP/out" "help match shows match's usage"

# ---- a small pack --------------------------------------------------------------------

cat >"$TMP/p.rules" <<'EOF'
[pack]
name = cli-test
threshold = 4

[rule pp]
category = documents
weight = 3
description = passport kept
pattern = /passport/

[rule wa]
category = off_platform_contact
weight = 2
description = chat app
pattern = /whatsapp/

[rule fee]
category = fee_debt
weight = 1
description = fees
pattern = /\bfees?\b/

[rule ctx]
category = context
weight = -5
description = awareness article
pattern = /awareness/
EOF
P="$TMP/p.rules"
printf 'We keep your passport. Contact whatsapp.\n' >"$TMP/flagged.txt"     # 3+2 x1.25 = 6.25
printf 'Bring your passport.\n' >"$TMP/weak.txt"                             # 3 < 4
printf 'A perfectly ordinary job.\n' >"$TMP/none.txt"
printf 'awareness: passport and whatsapp\n' >"$TMP/ctx.txt"                   # 6.25 - 5

expect_rc 0 "flagged input exits 0" "$LW" match -r "$P" "$TMP/flagged.txt"
expect_grep 'FLAGGED, score 6.25 (threshold 4.00)' "$TMP/out" "summary line shows score and threshold"
expect_grep 'categories: documents, off_platform_contact' "$TMP/out" "summary names categories"
expect_grep '\[\[passport\]\]' "$TMP/out" "matched words marked without colour"
expect_rc 1 "weak input exits 1" "$LW" match -r "$P" "$TMP/weak.txt"
expect_grep 'not flagged, score 3.00' "$TMP/out" "weak input not flagged"
expect_rc 1 "input without hits exits 1" "$LW" match -r "$P" "$TMP/none.txt"
expect_grep 'none.txt: not flagged, score 0.00' "$TMP/out" "input without hits reported"
expect_rc 1 "context rule pulls the score down" "$LW" match -r "$P" "$TMP/ctx.txt"
expect_grep 'score 1.25' "$TMP/out" "context subtracts its weight"
expect_rc 0 "--threshold lowers the bar" "$LW" match -r "$P" --threshold 3 "$TMP/weak.txt"
expect_rc 1 "--threshold raises the bar" "$LW" match -r "$P" --threshold 7 "$TMP/flagged.txt"
expect_rc 2 "bad --threshold" "$LW" match -r "$P" --threshold lots "$TMP/flagged.txt"
expect_rc 0 "-q prints nothing" "$LW" match -q -r "$P" "$TMP/flagged.txt"
[ -s "$TMP/out" ] && notok "-q output is empty" || ok "-q output is empty"
expect_rc 2 "missing input file exits 2" "$LW" match -r "$P" "$TMP/no-such-file.txt"
expect_grep 'no-such-file.txt' "$TMP/err" "missing input file is named"
mkdir "$TMP/adir"
expect_rc 2 "a folder as input exits 2" "$LW" match -r "$P" "$TMP/adir"
expect_rc 2 "missing pack exits 2" "$LW" match -r "$TMP/no-such.rules" "$TMP/flagged.txt"
printf '[rule x]\ncategory = fee_debt\nweight = 1\ndescription = d\npattern = /(a)\\1/\n' >"$TMP/broken1.rules"
expect_rc 2 "pack that does not compile exits 2" "$LW" match -r "$TMP/broken1.rules" "$TMP/flagged.txt"
expect_grep 'broken1.rules:5:' "$TMP/err" "compile error names file:line"
printf '[rule x]\ncategory = fees\nweight = 1\ndescription = d\npattern = /a/\n' >"$TMP/broken2.rules"
expect_rc 2 "pack that does not parse exits 2" "$LW" match -r "$TMP/broken2.rules" "$TMP/flagged.txt"
expect_grep "broken2.rules:2: unknown category 'fees'" "$TMP/err" "parse error names file:line"
expect_rc 2 "unknown option exits 2" "$LW" match --frobnicate "$TMP/flagged.txt"
expect_rc 2 "bad --color value exits 2" "$LW" match -r "$P" --color=sometimes "$TMP/flagged.txt"

# ---- stdin and several files ------------------------------------------------------------

expect_rc 0 "stdin without arguments" sh -c "\"$LW\" match -r \"$P\" <\"$TMP/flagged.txt\""
expect_grep '^(stdin): FLAGGED' "$TMP/out" "stdin is named (stdin)"
expect_rc 1 "stdin as -" sh -c "\"$LW\" match -r \"$P\" - <\"$TMP/weak.txt\""
expect_grep '^(stdin): not flagged, score 3.00' "$TMP/out" "stdin as - reported"
expect_rc 0 "several files: one flagged is enough" "$LW" match -r "$P" "$TMP/none.txt" "$TMP/flagged.txt" "$TMP/weak.txt"
expect_grep "none.txt: not flagged" "$TMP/out" "first file reported"
expect_grep "flagged.txt: FLAGGED" "$TMP/out" "second file reported"
expect_grep "weak.txt: not flagged" "$TMP/out" "third file reported"
expect_rc 1 "several files: none flagged" "$LW" match -r "$P" "$TMP/none.txt" "$TMP/weak.txt"
expect_grep "weak.txt: not flagged" "$TMP/out" "several files: the last one reported"
expect_rc 2 "several files: an unreadable one is an error" "$LW" match -r "$P" "$TMP/flagged.txt" "$TMP/nope.txt"
expect_grep "flagged.txt: FLAGGED" "$TMP/out" "the readable file is still reported"

# ---- -e ad-hoc patterns --------------------------------------------------------------------

expect_rc 0 "-e only: a match exits 0" sh -c "echo 'hello world' | \"$LW\" match -e 'w[aeiou]rld'"
expect_grep 'world' "$TMP/out" "-e hit shown"
expect_rc 1 "-e only: no match exits 1" sh -c "echo 'hello world' | \"$LW\" match -e 'passport'"
expect_grep '^(stdin): not flagged' "$TMP/out" "-e only: no match reported"
expect_rc 0 "-e several, one matches" sh -c "echo 'hello world' | \"$LW\" match -e nothing -e /HELLO/i"
expect_rc 2 "-e bad regex exits 2" sh -c "echo 'hello' | \"$LW\" match -e '(unclosed'"
expect_rc 2 "-e bad flag exits 2" sh -c "echo 'hello' | \"$LW\" match -e '/hello/q'"
expect_rc 0 "-e with -r: an ad-hoc hit counts" sh -c "echo 'a perfectly ordinary job' | \"$LW\" match -r \"$P\" -e ordinary"
expect_rc 1 "-e with -r: neither" sh -c "echo 'a job' | \"$LW\" match -r \"$P\" -e ordinary"
expect_grep '^(stdin): not flagged' "$TMP/out" "-e with -r: neither reported"

# ---- JSON ----------------------------------------------------------------------------------------

# Multi-byte text before and inside the hits: offsets are bytes of the input.
printf '\357\274\267\357\275\205 keep your p@ssp0rt \342\200\224 WhatsApp us, pay the fees.\n' >"$TMP/multi.txt"
cat >"$TMP/check_json.py" <<'EOF'
import json, sys
raw = open(sys.argv[1], 'rb').read()
lines = open(sys.argv[2], encoding='utf-8').read().splitlines()
assert len(lines) == 1, lines
o = json.loads(lines[0])
for k in ("input", "score", "flagged", "categories", "hits"):
    assert k in o, k
assert o["input"] == sys.argv[1], o["input"]
assert isinstance(o["score"], (int, float)) and isinstance(o["flagged"], bool)
assert isinstance(o["categories"], list) and isinstance(o["hits"], list)
assert o["hits"], "no hits"
want = sys.argv[3].split(",")
assert sorted(h["rule"] for h in o["hits"]) == sorted(want), [h["rule"] for h in o["hits"]]
last = -1
for h in o["hits"]:
    for k in ("rule", "category", "weight", "start", "end", "match"):
        assert k in h, k
    s, e = h["start"], h["end"]
    assert 0 <= s < e <= len(raw), (s, e)
    assert raw[s:e].decode("utf-8") == h["match"], (raw[s:e], h["match"])
    assert s >= last, "hits not ordered by start"
    last = s
print("score=%.2f flagged=%s categories=%s matches=%s" % (o["score"], o["flagged"],
      ",".join(o["categories"]), "|".join(h["match"] for h in o["hits"])))
EOF
expect_rc 0 "--json on a flagged input" "$LW" match -r "$P" --json "$TMP/multi.txt"
if python3 "$TMP/check_json.py" "$TMP/multi.txt" "$TMP/out" pp,wa,fee >"$TMP/py" 2>&1; then
	ok "--json shape and offsets into the input"
else
	notok "--json shape and offsets into the input"; sed 's/^/# /' "$TMP/py" "$TMP/out"
fi
expect_grep 'matches=p@ssp0rt|WhatsApp|fees' "$TMP/py" "--json matches are the original bytes"
expect_grep 'score=9.00 flagged=True categories=documents,off_platform_contact,fee_debt' "$TMP/py" \
	"--json score and categories"
expect_rc 1 "--json on an input without hits" "$LW" match -r "$P" --json "$TMP/none.txt"
if python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["hits"]==[] and o["flagged"] is False and o["categories"]==[] and o["score"]==0' "$TMP/out" 2>"$TMP/py"; then
	ok "--json without hits"
else
	notok "--json without hits"; sed 's/^/# /' "$TMP/py" "$TMP/out"
fi
expect_rc 0 "--json, two files: one object per line" "$LW" match -r "$P" --json "$TMP/flagged.txt" "$TMP/weak.txt"
if python3 -c 'import json,sys; l=open(sys.argv[1]).read().splitlines(); assert len(l)==2; a,b=[json.loads(x) for x in l]; assert a["flagged"] and not b["flagged"]' "$TMP/out" 2>"$TMP/py"; then
	ok "--json one line per input"
else
	notok "--json one line per input"; sed 's/^/# /' "$TMP/py" "$TMP/out"
fi
expect_rc 0 "--json --explain" "$LW" match -r "$P" --json --explain "$TMP/flagged.txt"
if python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["explain"]; assert e["threshold"]==4 and e["multiplier"]==1.25 and e["base"]==5 and {c["category"] for c in e["categories"]}=={"documents","off_platform_contact"}' "$TMP/out" 2>"$TMP/py"; then
	ok "--json --explain holds the arithmetic"
else
	notok "--json --explain holds the arithmetic"; sed 's/^/# /' "$TMP/py" "$TMP/out"
fi
printf 'passport \377\376 whatsapp\n' >"$TMP/bad-utf8.txt"
expect_rc 0 "invalid UTF-8 input is scanned" "$LW" match -r "$P" --json "$TMP/bad-utf8.txt"
if python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["repaired_utf8"]>0 and len(o["hits"])==2' "$TMP/out" 2>"$TMP/py"; then
	ok "--json reports repaired UTF-8 and still valid JSON"
else
	notok "--json reports repaired UTF-8 and still valid JSON"; sed 's/^/# /' "$TMP/py" "$TMP/out"
fi
expect_grep 'invalid UTF-8' "$TMP/err" "repaired UTF-8 warned on stderr"

# ---- colour ----------------------------------------------------------------------------------

esc=$(printf '\033')
expect_rc 0 "--color=always" "$LW" match -r "$P" --color=always "$TMP/flagged.txt"
expect_grep "${esc}\[1;31mpassport${esc}\[0m" "$TMP/out" "--color=always highlights hits"
expect_rc 0 "--color always (separate argument)" "$LW" match -r "$P" --color always "$TMP/flagged.txt"
expect_grep "${esc}\[" "$TMP/out" "--color always, separate argument, colours"
expect_rc 0 "--color=auto piped" "$LW" match -r "$P" --color=auto "$TMP/flagged.txt"
if grep -q "$esc" "$TMP/out"; then notok "no colour when piped (auto)"; else ok "no colour when piped (auto)"; fi
expect_rc 0 "default piped" "$LW" match -r "$P" "$TMP/flagged.txt"
if grep -q "$esc" "$TMP/out"; then notok "no colour when piped (default)"; else ok "no colour when piped (default)"; fi
expect_rc 0 "--color=never" "$LW" match -r "$P" --color=never "$TMP/flagged.txt"
if grep -q "$esc" "$TMP/out"; then notok "no colour with never"; else ok "no colour with never"; fi
expect_rc 0 "--json --color=always" "$LW" match -r "$P" --json --color=always "$TMP/flagged.txt"
if grep -q "$esc" "$TMP/out"; then notok "no colour codes inside JSON"; else ok "no colour codes inside JSON"; fi
# control characters in the input never reach the terminal
printf 'passport\033[2J whatsapp\n' >"$TMP/ctl.txt"
expect_rc 0 "input with escape codes" "$LW" match -r "$P" "$TMP/ctl.txt"
if grep -q "$esc" "$TMP/out"; then notok "escape codes from the input are not echoed"; else ok "escape codes from the input are not echoed"; fi

# ---- --explain -------------------------------------------------------------------------------

printf 'passport whatsapp fees fee\n' >"$TMP/three.txt"
expect_rc 0 "--explain" "$LW" match -r "$P" --explain "$TMP/three.txt"
expect_grep 'documents  *3.00 = 3.00 pp' "$TMP/out" "--explain shows the documents category"
expect_grep 'off_platform_contact  *2.00 = 2.00 wa' "$TMP/out" "--explain shows the contact category"
expect_grep 'fee_debt  *1.00 = 1.00 fee' "$TMP/out" "--explain shows the fee category"
expect_grep '6.00 x 1.50 (3 distinct categories' "$TMP/out" "--explain shows the multiplier"
expect_grep 'score 9.00 >= threshold 4.00: FLAGGED' "$TMP/out" "--explain shows score against the threshold"
expect_rc 1 "--explain, not flagged" "$LW" match -r "$P" --explain "$TMP/ctx.txt"
expect_grep 'context' "$TMP/out" "--explain shows context rules"
expect_grep 'score 1.25 < threshold 4.00: not flagged' "$TMP/out" "--explain when not flagged"
# context_halving: context discounts instead of subtracting, 6.25 x 2^(-5 / 2.5) = 1.5625
sed 's/^threshold = 4$/threshold = 4\ncontext_halving = 2.5/' "$P" >"$TMP/halving.rules"
printf 'awareness: passport and whatsapp, fees\n' >"$TMP/ctx2.txt"                # (3+2+1) x1.5 x 0.25
expect_rc 1 "context_halving: context discounts" "$LW" match -r "$TMP/halving.rules" --explain "$TMP/ctx.txt"
expect_grep 'x 0.25 context (2^(-5.00 / 2.5): every 2.5 points of context halve the score)' "$TMP/out" \
	"--explain shows the context factor"
expect_grep 'score 1.56 < threshold 4.00' "$TMP/out" "the factor multiplies the score"
expect_rc 1 "context_halving scales with the score" "$LW" match -r "$TMP/halving.rules" "$TMP/ctx2.txt"
expect_grep 'score 2.25' "$TMP/out" "a larger score loses a larger share"
expect_rc 1 "--json --explain with context_halving" "$LW" match -r "$TMP/halving.rules" --json --explain "$TMP/ctx.txt"
if python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["explain"]; assert e["context"]==-5 and abs(e["context_factor"]-0.25)<1e-9' "$TMP/out" 2>"$TMP/py"; then
	ok "--json --explain holds the context factor"
else
	notok "--json --explain holds the context factor"; sed 's/^/# /' "$TMP/py" "$TMP/out"
fi
printf '[pack]\ncontext_halving = -1\n' >"$TMP/badhalving.rules"
expect_rc 2 "a bad context_halving is refused" "$LW" rules check "$TMP/badhalving.rules"
expect_grep "bad context_halving '-1'" "$TMP/err" "the error names the value"

# ---- HTML ------------------------------------------------------------------------------------

cat >"$TMP/ad.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>Job</title>
<script>var passport = "passport";</script>
<style>.passport { display: none }</style></head>
<body><h1>Cleaners wanted</h1>
<p>Message us on <b>WhatsApp</b>, no &amp; fees.</p>
<script>document.write("passport")</script>
</body></html>
EOF
expect_rc 1 "HTML file: script contents are not matched" "$LW" match -r "$P" --json "$TMP/ad.html"
if python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); r=sorted(h["rule"] for h in o["hits"]); assert r==["fee","wa"], r; assert [h["match"] for h in o["hits"]]==["WhatsApp","fees"], o["hits"]' "$TMP/out" 2>"$TMP/py"; then
	ok "HTML file: visible text matched, offsets into it"
else
	notok "HTML file: visible text matched, offsets into it"; sed 's/^/# /' "$TMP/py" "$TMP/out"
fi
cp "$TMP/ad.html" "$TMP/ad.txt"
expect_rc 1 "HTML detected by content" "$LW" match -r "$P" --json "$TMP/ad.txt"
if python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); r=sorted(h["rule"] for h in o["hits"]); assert r==["fee","wa"], r' "$TMP/out" 2>"$TMP/py"; then
	ok "HTML by content: no script hits"
else
	notok "HTML by content: no script hits"; sed 's/^/# /' "$TMP/py" "$TMP/out"
fi
expect_rc 0 "--text treats HTML as text" "$LW" match -r "$P" --text --json "$TMP/ad.html"
expect_grep '"rule": *"pp"' "$TMP/out" "--text: script words match"
printf 'Your <i>passport</i> <b>whatsapp</b>\n' >"$TMP/frag.txt"
expect_rc 0 "--html on a fragment" "$LW" match -r "$P" --html --json "$TMP/frag.txt"
expect_grep '"match": *"passport"' "$TMP/out" "--html: tags are not part of matches"
expect_rc 0 "HTML from stdin with --html" sh -c "\"$LW\" match -r \"$P\" --html <\"$TMP/frag.txt\""

# ---- the default pack: the issue's acceptance example ----------------------------------------

cd "$TOP" || exit 2
expect_rc 0 "acceptance example is flagged by the default pack" sh -c \
	"echo 'Earn \$5000/week, no experience, we keep your passport safe, whatsapp only' | \"$LW\" match --explain"
expect_grep 'FLAGGED' "$TMP/out" "acceptance example: FLAGGED"
expect_grep 'documents' "$TMP/out" "acceptance example: documents category"
expect_grep 'off_platform_contact' "$TMP/out" "acceptance example: off-platform contact category"
expect_grep 'threshold' "$TMP/out" "acceptance example: --explain shows the threshold"
expect_rc 1 "an ordinary ad is not flagged by the default pack" sh -c \
	"echo 'Accountant wanted in Leeds. Salary 32,000 GBP per year, paid monthly. Apply with your CV.' | \"$LW\" match"
expect_grep '^(stdin): not flagged' "$TMP/out" "ordinary ad reported as not flagged"

# ---- finding the rules from another folder ------------------------------------------------
# An uninstalled binary finds the rules beside itself, whatever the folder.
mkdir -p "$TMP/elsewhere"
printf 'Room to let, quiet street.\n' >"$TMP/elsewhere/ad.txt"
expect_rc 1 "match from another folder finds the rules beside the binary" sh -c \
	"cd '$TMP/elsewhere' && env -u LUREWATCH_RULES '$LW' match ad.txt"
expect_grep '^ad.txt: not flagged' "$TMP/out" "and reads the ad there"
# A copy with no rules beside it says where it looked and how to point elsewhere.
cp "$LW" "$TMP/elsewhere/lw"
expect_rc 2 "a binary with no rules near it fails" sh -c \
	"cd '$TMP/elsewhere' && env -u LUREWATCH_RULES ./lw match ad.txt"
expect_grep "looked in ./rules, $TMP/elsewhere/rules, $TMP/elsewhere/../share/lurewatch/rules" \
	"$TMP/err" "the error lists the folders it looked in"
expect_grep "point to one with --rules DIR, LUREWATCH_RULES=DIR" "$TMP/err" "and how to point elsewhere"

# ---- saying so when the pack compiles -------------------------------------------------------
# On a terminal (script gives one) a cache miss says it compiles; a hit, or a pipe, is quiet.
command -v script >/dev/null || { echo "Bail out! script(1) from util-linux is needed" >&2; exit 1; }
export LUREWATCH_CACHE="$TMP/cache-tty"
script -qc "'$LW' match '$TMP/elsewhere/ad.txt'" /dev/null >"$TMP/tty1" 2>&1
expect_grep 'compiling rule pack (first run)' "$TMP/tty1" "a cache miss on a terminal says it compiles"
script -qc "'$LW' match '$TMP/elsewhere/ad.txt'" /dev/null >"$TMP/tty2" 2>&1
if grep -q compiling "$TMP/tty2"; then notok "a cache hit says nothing"; else ok "a cache hit says nothing"; fi
export LUREWATCH_CACHE="$TMP/cache-pipe"
"$LW" match "$TMP/elsewhere/ad.txt" >"$TMP/pipe" 2>&1
if grep -q compiling "$TMP/pipe"; then notok "not on a terminal: quiet"; else ok "not on a terminal: quiet"; fi


# ---- a lure padded with numbers -------------------------------------------------------------
# Each pattern kept its first 256 matches, and an amount term matches at every digit: past 400
# lines of prices the lure at the end of the ad no longer fired its proximity rules.
cd "$TOP" || exit 2
awk 'BEGIN { for (i = 0; i < 1000; i++)
		printf "Room %d: $%d per month, deposit %d dollars.\n", i, 1000 + i * 7, 2000 + i
	print "Pay $300 to register and we find you farm work and a hostel." }' >"$TMP/padded.txt"
expect_rc 1 "a lure after 1,000 lines of prices is matched" \
	"$LW" match --json --explain "$TMP/padded.txt"
expect_grep '"rule":"en_pay_to_start"' "$TMP/out" "padded lure: en_pay_to_start fires"
expect_grep '"rule":"en_recruitment_fee"' "$TMP/out" "padded lure: en_recruitment_fee fires"
expect_grep "'pay' BEFORE/2 '\$3'" "$TMP/out" "padded lure: --explain names the lure's words"

finish
