#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every libFuzzer target (or those named) for SECONDS each: first the
# inputs that once crashed it (tests/fuzz/regress/TARGET/), then fuzzing
# from the seeds (tests/fuzz/corpus/TARGET/) and the corpus earlier runs
# grew ($LW_FUZZ_BUILD/corpus/TARGET/, kept so overnight runs build on each
# other). Prints "ok N - TARGET: E executions in S s" or "not ok" with the
# crash, and appends "TARGET EXECUTIONS SECONDS" to
# $LW_FUZZ_BUILD/fuzz-results.txt.
# usage: tests/fuzz/run.sh SECONDS [TARGET...]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
secs=${1:-10}
[ $# -gt 0 ] && shift
build=${LW_FUZZ_BUILD:-build-fuzz}
targets=${*:-$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')}
n=0
fails=0
mkdir -p "$build/corpus" "$build/crashes"
results="$build/fuzz-results.txt"
: >"$results"
# Leaks are findings too; an input that runs more than 10 s is a hang.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS
for t in $targets; do
	bin="$build/fuzz/$t"
	n=$((n + 1))
	if [ ! -x "$bin" ]; then
		echo "not ok $n - $t: $bin missing (make fuzz-build)"
		fails=$((fails + 1))
		continue
	fi
	log=$(mktemp)
	rc=0
	if [ -d "tests/fuzz/regress/$t" ] && [ -n "$(ls "tests/fuzz/regress/$t")" ]; then
		"$bin" -timeout=10 -rss_limit_mb=2048 "tests/fuzz/regress/$t"/* >"$log" 2>&1 || rc=$?
		if [ $rc -ne 0 ]; then
			echo "not ok $n - $t: a regression input fails again"
			sed 's/^/# /' "$log" | tail -40
			fails=$((fails + 1))
			rm -f "$log"
			continue
		fi
	fi
	mkdir -p "$build/corpus/$t"
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/crashes/$t-" "$build/corpus/$t" "tests/fuzz/corpus/$t" \
		>"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
	if [ $rc -eq 0 ] && [ -n "$execs" ]; then
		echo "ok $n - $t: ${execs} executions in ${took:-$secs} s"
		echo "$t ${execs} ${took:-$secs}" >>"$results"
	else
		echo "not ok $n - $t (exit $rc; the input is under $build/crashes/)"
		# The finding's own message and the first frames of its stack.
		grep -a -v -E '^(INFO|MS:|base unit|0x|\\|artifact_prefix|stat::|#[0-9]+[^0-9])' "$log" |
			grep -a -v -E 'in fuzzer::|in main |libc_start|_start ' | head -40 | sed 's/^/# /'
		fails=$((fails + 1))
	fi
	rm -f "$log"
done
[ "$fails" -eq 0 ]
