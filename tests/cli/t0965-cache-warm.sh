#!/bin/sh
# SPDX-License-Identifier: MIT
# The warm start: a second `match` takes the parsed pack (.pack) and the
# Hyperscan databases (.hsdb) from the cache and gives byte-identical
# output; a truncated or damaged cache file is named in a warning, the
# pack is parsed or compiled again, the same answer comes out and the file
# is written afresh; an edit to a rule or to the weights file is never
# served from a stale cache.
. "$(dirname "$0")/lib.sh"
unset LUREWATCH_RULES NO_COLOR
export LUREWATCH_CACHE="$TMP/cache"

mkdir -p "$TMP/pack"
cat >"$TMP/pack/a.rules" <<'RULES'
[pack]
name = warm-test
version = 3
description = start-up from the cache
threshold = 4
weights = w.tsv

[words w_docs]
description = identity documents
words = passport, passports, id card,
  travel documents

[words w_keep]
description = keeping
words = keep, keeps, hold*

[rule docs_kept]
category = documents
weight = 3
description = documents kept by the employer
combine = w_keep NEAR/4 w_docs
example = We keep your passport safe.
counterexample = Bring your passport on the first day.

[rule wa]
category = off_platform_contact
weight = 2
description = chat app
pattern = /whats\s?app/
RULES
cat >"$TMP/pack/b.rules" <<'RULES'
[rule fee]
category = fee_debt
weight = 1
description = fees
pattern = /\bfees?\b/
source = test
lang = en

[rule ctx]
category = context
weight = -5
description = awareness article
pattern = /awareness/
RULES
printf 'fee\t2.5\n' >"$TMP/pack/w.tsv"
printf 'We hold your passport. Fees paid by whatsapp.\n' >"$TMP/ad.txt"

run() { "$LW" match -r "$TMP/pack" --json --explain "$TMP/ad.txt" >"$TMP/$1.out" 2>"$TMP/$1.err"; }

LUREWATCH_CACHE= "$LW" match -r "$TMP/pack" --json --explain "$TMP/ad.txt" >"$TMP/nocache.out" 2>&1
expect_grep '"flagged"' "$TMP/nocache.out" "the pack matches without a cache"
run cold
set -- "$TMP"/cache/*.pack; pack=$1
set -- "$TMP"/cache/*.hsdb; hsdb=$1
[ -s "$pack" ] && [ -s "$hsdb" ] && ok "a cold start stores .pack and .hsdb" || notok "cache files stored"
cmp -s "$TMP/cold.out" "$TMP/nocache.out" && ok "cold output as without a cache" || notok "cold output"
run warm
cmp -s "$TMP/warm.out" "$TMP/nocache.out" && ok "warm output byte-identical" || notok "warm output"
[ ! -s "$TMP/warm.err" ] && ok "a warm start says nothing" || notok "warm start quiet: $(cat "$TMP/warm.err")"
"$LW" rules check "$TMP/pack" >"$TMP/check.warm" 2>&1
LUREWATCH_CACHE= "$LW" rules check "$TMP/pack" >"$TMP/check.none" 2>&1
sed 's/ (database from cache)$//' "$TMP/check.warm" | cmp -s - "$TMP/check.none" &&
	ok "rules check as without a cache" || notok "rules check"
expect_grep '0 failures (database from cache)' "$TMP/check.warm" "rules check passes, warm"

# ---- damaged files -------------------------------------------------------------------
size=$(wc -c <"$pack")
head -c 200 "$pack" >"$TMP/x" && cat "$TMP/x" >"$pack"
run tpack
expect_grep "warning: cache file '$pack' is damaged; parsing the pack again" "$TMP/tpack.err" \
	"a truncated .pack is named"
cmp -s "$TMP/tpack.out" "$TMP/nocache.out" && ok "and the answer is the same" || notok "tpack output"
[ "$(wc -c <"$pack")" -eq "$size" ] && ok "the .pack is written afresh" || notok ".pack rewritten"
printf 'LWPACK1\0\377\377\377\377' | dd of="$pack" bs=1 seek=0 conv=notrunc 2>/dev/null
printf '\377\377\377\177' | dd of="$pack" bs=1 seek=8 conv=notrunc 2>/dev/null
run bpack
expect_grep "is damaged; parsing the pack again" "$TMP/bpack.err" "a .pack with a wild length is named"
cmp -s "$TMP/bpack.out" "$TMP/nocache.out" && ok "and the answer is the same" || notok "bpack output"

size=$(wc -c <"$hsdb")
head -c $((size / 2)) "$hsdb" >"$TMP/x" && cat "$TMP/x" >"$hsdb"
run thsdb
expect_grep "warning: cache file '$hsdb' is damaged; compiling the pack again" "$TMP/thsdb.err" \
	"a truncated .hsdb is named"
cmp -s "$TMP/thsdb.out" "$TMP/nocache.out" && ok "and the answer is the same" || notok "thsdb output"
[ "$(wc -c <"$hsdb")" -eq "$size" ] && ok "the .hsdb is written afresh" || notok ".hsdb rewritten"
# A damaged header. (Bytes flipped inside a database's bytecode go unseen,
# as they always have: Hyperscan checks only its header on deserializing.)
printf 'XXXXXXXX' | dd of="$hsdb" bs=1 seek=0 conv=notrunc 2>/dev/null
run chsdb
expect_grep "is damaged; compiling the pack again" "$TMP/chsdb.err" "a damaged header is named"
cmp -s "$TMP/chsdb.out" "$TMP/nocache.out" && ok "and the answer is the same" || notok "chsdb output"
run again
[ ! -s "$TMP/again.err" ] && ok "then the warm start is quiet again" || notok "quiet again: $(cat "$TMP/again.err")"

# ---- files others could have written are refused ---------------------------------------
# The databases are scanned where they lie in the file: one another user could write is
# never used, whatever it holds, and its replacement is this user's alone.
chmod g+w "$hsdb"
run ghsdb
expect_grep "warning: cache file '$hsdb' is not trusted (owned by another user or writable by others); compiling the pack again" \
	"$TMP/ghsdb.err" "a group-writable .hsdb is refused, and named"
cmp -s "$TMP/ghsdb.out" "$TMP/nocache.out" && ok "and the answer is the same" || notok "ghsdb output"
expect_eq "$(stat -c %a "$hsdb")" "600" "its replacement is mode 600"
chmod o+w "$pack"
run gpack
expect_grep "warning: cache file '$pack' is not trusted" "$TMP/gpack.err" "a world-writable .pack is refused"
cmp -s "$TMP/gpack.out" "$TMP/nocache.out" && ok "and the answer is the same" || notok "gpack output"
expect_eq "$(stat -c %a "$pack")" "600" "its replacement is mode 600"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	chown nobody "$hsdb"
	run ohsdb
	expect_grep "'$hsdb' is not trusted" "$TMP/ohsdb.err" "a .hsdb another user owns is refused"
	cmp -s "$TMP/ohsdb.out" "$TMP/nocache.out" && ok "and the answer is the same" || notok "ohsdb output"
fi
(umask 002; LUREWATCH_CACHE="$TMP/cache2" "$LW" match -r "$TMP/pack" "$TMP/ad.txt" >/dev/null 2>&1)
expect_eq "$(stat -c %a "$TMP"/cache2/* | sort -u | tr '\n' ' ')" "600 " \
	"with umask 002 the cache files are still this user's alone"

# ---- edits are never served from the cache --------------------------------------------
sed -i 's/^weight = 2$/weight = 4/' "$TMP/pack/a.rules"
run edit
LUREWATCH_CACHE= "$LW" match -r "$TMP/pack" --json --explain "$TMP/ad.txt" >"$TMP/edit.none" 2>&1
! cmp -s "$TMP/edit.none" "$TMP/nocache.out" && cmp -s "$TMP/edit.out" "$TMP/edit.none" &&
	ok "an edited rule is parsed again" || notok "edited rule"
printf 'fee\t0.5\n' >"$TMP/pack/w.tsv"
run wedit
LUREWATCH_CACHE= "$LW" match -r "$TMP/pack" --json --explain "$TMP/ad.txt" >"$TMP/wedit.none" 2>&1
! cmp -s "$TMP/wedit.none" "$TMP/edit.none" && cmp -s "$TMP/wedit.out" "$TMP/wedit.none" &&
	ok "an edited weights file applies to a cached pack" || notok "edited weights"
finish
