#!/bin/sh
# SPDX-License-Identifier: MIT
# The allocation-failure sweep (tests/alloc/sweep.sh): `match`, `rules
# check` and the ingestion of a small batch run with their N-th allocation
# failing, for every N (ingest: the first 50 and 150 spread over the rest,
# LW_ALLOC_INGEST_POINTS=all for every one), in
# the ASan and UBSan build (build-fuzz/lurewatch, made by make fuzz-build),
# so leaks count as findings. Every run ends in success with the clean run's
# answer, a clear error, or xmalloc's out-of-memory stop; an ingestion that
# fails leaves no half-written row, and running it again stores each
# listing exactly once. A run that hangs is a finding, inside libpq too.
# Hyperscan's compiler allocates with C++ new, which
# ASan takes over, so the cold compile is swept in the plain build.
. "$(dirname "$0")/lib.sh"
use_pg
H=$LUREWATCH_HOME
SAN=$TOP/build-fuzz/lurewatch
FAILMALLOC=$TOP/build-fuzz/failmalloc.so
ASAN_RT=$(clang -print-file-name=libclang_rt.asan-x86_64.so 2>/dev/null)
for f in "$SAN" "$FAILMALLOC" "$ASAN_RT"; do
	if [ ! -f "$f" ]; then
		echo "Bail out! $f is missing: run make fuzz-build"
		exit 1
	fi
done
export LW_SWEEP_RESULTS=${LW_SWEEP_RESULTS:-$TMP/sweep-results.txt}
SWEEP="sh $TOP/tests/alloc/sweep.sh"
points=${LW_ALLOC_POINTS:-all}

cat >"$H/sweep.rules" <<'EOF2'
[pack]
name = sweep
version = 1
threshold = 2
[words w_pay]
words = wages, pay, salary
[words w_later]
words = end of the season, withheld
[rule wages]
category = wage_withholding
weight = 3
description = wages held back
combine = w_pay NEAR/6 w_later
example = Your wages are withheld until the end of the season.
counterexample = Wages are paid every Friday.
[rule fee]
category = fee_debt
weight = 2
description = a fee
pattern = /\bpay\s+a\s+fee\b/
example = You pay a fee first.
EOF2
# A wait on the database that libpq can no longer end (it lost a reply to
# the failed allocation) ends at lurewatch's deadline, 10 + 5 s: well
# inside the sweep's LW_SWEEP_TIMEOUT, after which a run is a hang.
cat >"$H/lurewatch.conf" <<EOF2
[matcher]
rules = $H/sweep.rules
[database]
statement_timeout = 10
EOF2
echo "Your wages are withheld. Call +64 21 555 0168 or mail jo at example dot com and pay a fee." >"$TMP/ad.txt"
# Both builds share the compiled pack's cache: warm it.
expect_rc 0 "the plain build matches" "$LW" match -r "$H/sweep.rules" "$TMP/ad.txt"
expect_rc 0 "the ASan build matches" env LD_PRELOAD="$ASAN_RT" "$SAN" match -r "$H/sweep.rules" "$TMP/ad.txt"

export LW_SWEEP_PRELOAD="$FAILMALLOC:$ASAN_RT"
# A cache that fails to load falls back to compiling: the same answer.
LW_SWEEP_FILTER='s/ (database from cache)//' LW_SWEEP_POINTS=$points \
	$SWEEP match "$SAN" match -r "$H/sweep.rules" "$TMP/ad.txt"
LW_SWEEP_FILTER='s/ (database from cache)//' LW_SWEEP_POINTS=$points \
	$SWEEP rules-check "$SAN" rules check "$H/sweep.rules"
LW_SWEEP_PRELOAD=$FAILMALLOC LUREWATCH_CACHE="$TMP/cold" \
	LW_SWEEP_BEFORE='rm -rf "$LUREWATCH_CACHE"; mkdir "$LUREWATCH_CACHE"' \
	LW_SWEEP_FIRST=0 LW_SWEEP_POINTS=${LW_ALLOC_COLD_POINTS:-100} \
	$SWEEP match-cold-compile "$LW" match -r "$H/sweep.rules" "$TMP/ad.txt"

# ---- ingestion: all or nothing, and nothing twice ----------------------------------------

expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)
sql() { PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A -v ON_ERROR_STOP=1 "$URL" -c "$1"; }
export URL
# The sweep's hooks run in its own shell: they live in a file of their own.
cat >"$TMP/hooks.sh" <<'EOF2'
sql() { PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A -v ON_ERROR_STOP=1 "$URL" -c "$1"; }
# Each run ingests its own three listings (two flagged), so every run's
# rows can be told apart.
batch() {
	printf '{"url":"http://sweep/%s/1","title":"Farm","body":"Your wages are withheld till the end of the season."}\n' "$1"
	printf '{"url":"http://sweep/%s/2","title":"Agency","html":"<p>You pay a fee first. Call +64 21 555 0168</p>"}\n' "$1"
	printf '{"url":"http://sweep/%s/3","title":"Cook","body":"fair pay, nice team"}\n' "$1"
}
# check_batch N RC: all or nothing; afterwards the plain build ingests the
# same batch again and every listing is stored exactly once, with one version,
# the flagged ones queued once.
check_batch() {
	n=$(sql "SELECT count(*) FROM listings WHERE url LIKE 'http://sweep/$1/%'")
	if [ "$2" -eq 0 ] && [ "$n" -ne 3 ]; then echo "exit 0 but $n of 3 listings stored"; return 1; fi
	if [ "$n" -ne 0 ] && [ "$n" -ne 3 ]; then echo "half a batch stored: $n of 3 listings"; return 1; fi
	if [ "$n" -eq 3 ]; then
		bad=$(sql "SELECT count(*) FROM listings l WHERE url LIKE 'http://sweep/$1/%' AND
			(SELECT count(*) FROM listing_versions v WHERE v.listing_id = l.id
			 AND v.version = l.current_version) <> 1")
		[ "$bad" -eq 0 ] || { echo "$bad listings without their version"; return 1; }
	fi
	batch "$1" >"$TMP/again.jsonl"
	"$LW" ingest --jobs 1 "$TMP/again.jsonl" >/dev/null 2>&1 || { echo "the re-run fails"; return 1; }
	got=$(sql "SELECT count(*), count(DISTINCT l.url), (SELECT count(*) FROM listing_versions v JOIN listings l2
		ON l2.id = v.listing_id WHERE l2.url LIKE 'http://sweep/$1/%'), (SELECT count(*) FROM queue_items q
		JOIN listings l3 ON l3.id = q.listing_id WHERE l3.url LIKE 'http://sweep/$1/%')
		FROM listings l WHERE l.url LIKE 'http://sweep/$1/%'")
	[ "$got" = "3|3|3|2" ] || { echo "after the re-run: listings|urls|versions|queued = $got, wanted 3|3|3|2"; return 1; }
}
EOF2
export URL TMP LW HOOKS="$TMP/hooks.sh"
LW_SWEEP_BEFORE='. "$HOOKS"; batch "$N" >"$TMP/batch.jsonl"' LW_SWEEP_AFTER='. "$HOOKS"; check_batch "$N" "$rc"' \
	LW_SWEEP_FILTER='s/[0-9.]* s\b.*//; s/[0-9][0-9.]*\/s//g' LW_SWEEP_POINTS=${LW_ALLOC_INGEST_POINTS:-150} \
	$SWEEP ingest "$SAN" ingest --jobs 1 "$TMP/batch.jsonl"
sed 's/^/# /' "$LW_SWEEP_RESULTS"
finish
