#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every test: the cmocka unit tests in $LW_BUILD/tests and the shell
# tests in tests/cli, then prints "N passed, N failed" (counting test cases).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
build=${LW_BUILD:-build}
export LW_TOP="$top"
export LW_BIN="${LW_BIN:-$top/lurewatch}"
# Tests never share the user's compiled-database cache.
LUREWATCH_CACHE=$(mktemp -d /tmp/lw-test-cache.XXXXXX)
export LUREWATCH_CACHE
trap 'rm -rf "$LUREWATCH_CACHE"' EXIT INT TERM
passed=0
failed=0
failures=""

count_cmocka() {
	# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)..."
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$1" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$1" | awk '{s+=$1} END {print s+0}')
	passed=$((passed + p))
	failed=$((failed + f))
}

for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	log=$(mktemp)
	"$t" >"$log" 2>&1
	rc=$?
	count_cmocka "$log"
	if [ $rc -ne 0 ]; then
		# A crash before cmocka's summary still counts as a failure.
		if ! grep -q '^\[  FAILED  \]' "$log"; then failed=$((failed + 1)); fi
		failures="$failures $name"
		cat "$log"
	elif [ -n "${V:-}" ]; then
		cat "$log"
	fi
	rm -f "$log"
done

for t in tests/cli/t*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t")
	log=$(mktemp)
	sh "$t" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
	if [ $rc -ne 0 ] || [ "$f" -ne 0 ]; then
		failures="$failures $name"
		cat "$log"
	elif [ -n "${V:-}" ]; then
		cat "$log"
	fi
	rm -f "$log"
done

[ -n "$failures" ] && echo "failing:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
