#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every libFuzzer target (or those named) for SECONDS each: first the
# inputs that once crashed it (tests/fuzz/regress/TARGET/), then fuzzing
# from the seeds (tests/fuzz/corpus/TARGET/) and the corpus earlier runs
# grew ($LW_FUZZ_BUILD/corpus/TARGET/, kept so overnight runs build on each
# other). Prints "ok N - TARGET: E executions in S s" or "not ok" with the
# crash, and appends "TARGET EXECUTIONS SECONDS" to
# $LW_FUZZ_BUILD/fuzz-results.txt.
# LW_FUZZ_RUNS=N stops each target once it has run N inputs (SECONDS still
# caps it): the Reliability table's aim is ten million a target. LW_FUZZ_JOBS=N
# fuzzes N targets at a time (one core each); the report keeps target order.
# LW_FUZZ_TIMEOUT=S (default 10) is how long one input may run before it
# counts as a hang: libFuzzer measures it on the wall clock, so a campaign
# run at low priority beside other work needs more (a 10 s limit reported a
# config input that takes 0.1 s of CPU, starved at nice 19 and load 10).
# usage: tests/fuzz/run.sh SECONDS [TARGET...]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
secs=${1:-10}
[ $# -gt 0 ] && shift
build=${LW_FUZZ_BUILD:-build-fuzz}
targets=${*:-$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')}
runs=${LW_FUZZ_RUNS:-}
jobs=${LW_FUZZ_JOBS:-1}
timeout=${LW_FUZZ_TIMEOUT:-10}
case "$runs" in *[!0-9]*) echo "LW_FUZZ_RUNS must be a number of inputs, not '$runs'" >&2; exit 2 ;; esac
case "$jobs" in '' | *[!0-9]* | 0) echo "LW_FUZZ_JOBS must be a number of targets at a time, not '$jobs'" >&2; exit 2 ;; esac
case "$timeout" in '' | *[!0-9]* | 0) echo "LW_FUZZ_TIMEOUT must be a number of seconds, not '$timeout'" >&2; exit 2 ;; esac
mkdir -p "$build/corpus" "$build/crashes"
results="$build/fuzz-results.txt"
: >"$results"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Leaks are findings too; an input that runs more than 10 s is a hang.
# quarantine_size_mb=10 as OSS-Fuzz runs: ASan's default 256 MB quarantine
# made every target hold ~380 MB and recycling it cost ~8% of the HTML
# target's time, for use-after-frees found only when the freed block stays
# unreused across millions of later allocations.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:quarantine_size_mb=10}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS
run_one() {
	n=$1
	t=$2
	bin="$build/fuzz/$t"
	if [ ! -x "$bin" ]; then
		echo "not ok $n - $t: $bin missing (make fuzz-build)"
		return 1
	fi
	log=$(mktemp)
	rc=0
	if [ -d "tests/fuzz/regress/$t" ] && [ -n "$(ls "tests/fuzz/regress/$t")" ]; then
		"$bin" -timeout="$timeout" -rss_limit_mb=2048 "tests/fuzz/regress/$t"/* >"$log" 2>&1 || rc=$?
		if [ $rc -ne 0 ]; then
			echo "not ok $n - $t: a regression input fails again"
			sed 's/^/# /' "$log" | tail -40
			rm -f "$log"
			return 1
		fi
	fi
	mkdir -p "$build/corpus/$t"
	# -reload=0: by default libFuzzer lists and stats every file of the
	# corpus folder each second, looking for inputs that other processes
	# fuzzing the same target put there. Nothing else writes this folder,
	# and with the thousands of inputs overnight runs keep (web 3,800,
	# robots 4,900) that rescan was a fixed share of every second's CPU.
	"$bin" -max_total_time="$secs" ${runs:+-runs="$runs"} -timeout="$timeout" -rss_limit_mb=2048 -print_final_stats=1 -reload=0 \
		-artifact_prefix="$build/crashes/$t-" "$build/corpus/$t" "tests/fuzz/corpus/$t" \
		>"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
	if [ $rc -eq 0 ] && [ -n "$execs" ]; then
		echo "ok $n - $t: ${execs} executions in ${took:-$secs} s"
		echo "$t ${execs} ${took:-$secs}" >"$out/$n.result"
	else
		echo "not ok $n - $t (exit $rc; the input is under $build/crashes/)"
		# The finding's own message and the first frames of its stack.
		grep -a -v -E '^(INFO|MS:|base unit|0x|\\|artifact_prefix|stat::|#[0-9]+[^0-9])' "$log" |
			grep -a -v -E 'in fuzzer::|in main |libc_start|_start ' | head -40 | sed 's/^/# /'
		rc=1
	fi
	rm -f "$log"
	return $rc
}

# Lane k runs targets k, k+jobs, k+2*jobs, ... one after another.
lane() {
	k=$1
	i=0
	for t in $targets; do
		i=$((i + 1))
		[ $(((i - 1) % jobs)) -eq "$k" ] || continue
		run_one "$i" "$t" >"$out/$i.txt" 2>&1 || echo "$i" >>"$out/failed.$k"
	done
}

fails=0
if [ "$jobs" -eq 1 ]; then
	# One at a time, each line as soon as its target is done.
	i=0
	for t in $targets; do
		i=$((i + 1))
		run_one "$i" "$t" || fails=$((fails + 1))
		[ -f "$out/$i.result" ] && cat "$out/$i.result" >>"$results"
	done
else
	k=0
	while [ "$k" -lt "$jobs" ]; do
		lane "$k" &
		k=$((k + 1))
	done
	wait
	i=0
	for t in $targets; do
		i=$((i + 1))
		cat "$out/$i.txt"
		[ -f "$out/$i.result" ] && cat "$out/$i.result" >>"$results"
	done
	fails=$(cat "$out"/failed.* 2>/dev/null | wc -l)
fi
[ "$fails" -eq 0 ]
