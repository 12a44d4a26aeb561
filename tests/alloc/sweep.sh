#!/bin/sh
# SPDX-License-Identifier: MIT
# The allocation-failure sweep (SQLite's and curl's technique): runs CMD once
# to count its allocations, then again with the N-th allocation failing, for
# N = 1..LW_SWEEP_FIRST and LW_SWEEP_POINTS more spread evenly over the rest
# ("all": every N). Each run must end in one of three ways:
#   ok     the same exit status and output as the clean run;
#   error  exit 2 with a message;
#   oom    xmalloc's designed stop: "lurewatch: out of memory", abort;
# anything else - another exit, a crash, a sanitizer report (a leak
# included), a wrong answer, or LW_SWEEP_AFTER failing - is a finding.
# usage: sweep.sh NAME CMD [ARGS...]
#   LW_SWEEP_PRELOAD  what to preload: failmalloc.so, then the ASan runtime
#   LW_SWEEP_BEFORE   shell code run before each run ($N set: 0 is the clean run)
#   LW_SWEEP_AFTER    shell code run after each run ($N, $rc set); failing is a finding
#   LW_SWEEP_FILTER   sed script applied to stdout before comparing
#   LW_SWEEP_RESULTS  file to append "NAME TOTAL POINTS OK ERROR OOM LIBRARY FINDINGS
#                     DEADLINE" to (DEADLINE: runs in which a wait on the database
#                     ended at its deadline, whatever the run's outcome)
#   LW_SWEEP_TIMEOUT  seconds a run may take (120); a run that hangs is a finding,
#                     wherever it waits (lurewatch bounds its own waits on the
#                     database), reported with its threads' stacks
# A sanitizer report whose innermost frame is in a library (glibc's NSS,
# libxml2) rather than in lurewatch is counted and listed apart: out of
# memory inside those libraries is theirs to handle.
# Prints "ok - NAME: ..." or "not ok - NAME: ..." with each finding.
set -u
name=$1
shift
first=${LW_SWEEP_FIRST:-50}
points=${LW_SWEEP_POINTS:-150}
work=$(mktemp -d /tmp/lw-sweep.XXXXXX)
trap 'rm -rf "$work"' EXIT
ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1:allocator_may_return_null=1:abort_on_error=0
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS UBSAN_OPTIONS

# run N: the command with the N-th allocation failing (0: none); sets rc.
run() {
	N=$1
	shift
	export N
	[ -n "${LW_SWEEP_BEFORE:-}" ] && eval "$LW_SWEEP_BEFORE"
	rm -f "$work/count" "$work/hang"
	# A run that hangs does not end the sweep: after LW_SWEEP_TIMEOUT its
	# threads' stacks are taken (gdb) for the verdict, then it is killed.
	env LD_PRELOAD="$LW_SWEEP_PRELOAD" LW_FAIL_AT="$N" LW_FAIL_COUNT_FILE="$work/count" \
		"$@" >"$work/out" 2>"$work/err" &
	pid=$!
	(
		sleep "${LW_SWEEP_TIMEOUT:-120}"
		if kill -0 "$pid" 2>/dev/null; then
			gdb -batch -p "$pid" -ex 'thread apply all bt 8' >"$work/hang" 2>&1 ||
				echo "(no stack: gdb failed)" >>"$work/hang"
			kill -9 "$pid" 2>/dev/null
		fi
	) &
	watch=$!
	wait "$pid"
	rc=$?
	kill "$watch" 2>/dev/null
	wait "$watch" 2>/dev/null
	export rc
	if [ -n "${LW_SWEEP_FILTER:-}" ]; then
		sed "$LW_SWEEP_FILTER" "$work/out" >"$work/out.f" && mv "$work/out.f" "$work/out"
	fi
}

run 0 "$@"
if [ "$rc" -gt 1 ] || [ ! -s "$work/count" ]; then
	echo "not ok - $name: the clean run fails (exit $rc)"
	sed 's/^/# /' "$work/err" | head -20
	exit 1
fi
base_rc=$rc
cp "$work/out" "$work/base"
total=$(cat "$work/count")
if [ -n "${LW_SWEEP_AFTER:-}" ] && ! (eval "$LW_SWEEP_AFTER") >"$work/after" 2>&1; then
	echo "not ok - $name: the clean run leaves a bad state"
	sed 's/^/# /' "$work/after"
	exit 1
fi

# The points: 1..first, then `points` more spread over the rest.
if [ "$points" = all ]; then
	seq 1 "$total"
else
	seq 1 "$((first < total ? first : total))"
	[ "$total" -gt "$first" ] && awk -v a="$first" -v t="$total" -v p="$points" \
		'BEGIN { for (i = 1; i <= p; i++) { n = a + int((t - a) * i / p); if (n > a) print n } }'
fi | sort -n -u >"$work/points"

n_ok=0 n_err=0 n_oom=0 n_bad=0 n_lib=0 n_late=0 tried=0
: >"$work/findings"
: >"$work/libs"
: >"$work/late"
top=$(cd "$(dirname "$0")/../.." && pwd)
# ours: 1 when the innermost frame of the sanitizer's first stack, past the
# allocator and this interposer, is in lurewatch's own source.
ours() {
	awk -v top="$top/" '/^ *#[0-9]+ / && !/interceptor|failmalloc|asan_|libclang_rt|__sanitizer/ {
		print (index($0, top) ? 1 : 0); exit }' "$work/err" | grep -q 1
}
while read -r at; do
	run "$at" "$@"
	tried=$((tried + 1))
	why=
	if grep -q -a 'database did not answer within' "$work/err"; then
		n_late=$((n_late + 1))
		echo "N=$at: exit $rc; $(grep -a -m1 -o 'database did not answer within.*' "$work/err" | cut -c1-120)" >>"$work/late"
	fi
	if grep -q -a 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$work/err" && ! ours; then
		# A crash or leak inside a library's own out-of-memory path
		# (glibc's NSS, libxml2): reported, not ours to fix.
		n_lib=$((n_lib + 1))
		echo "N=$at: $(grep -a -m1 'SUMMARY\|runtime error' "$work/err" | cut -c1-160)" >>"$work/libs"
		awk '/^ *#[0-9]+ / && !/interceptor|failmalloc|asan_|libclang_rt/ { print "    " $0; if (++k == 2) exit }' \
			"$work/err" | cut -c1-160 >>"$work/libs"
	elif grep -q -a 'AddressSanitizer: CHECK failed' "$work/err"; then
		# ASan's own runtime, whose thread start-up allocates too.
		n_lib=$((n_lib + 1))
		echo "N=$at: $(grep -a -m1 'CHECK failed' "$work/err" | cut -c1-160)" >>"$work/libs"
	elif [ "$rc" -eq 134 ] && afile=$(sed -n 's/^[^:]*: \([^: ]*\.c\):[0-9]*: .*Assertion .* failed\.$/\1/p' "$work/err" | head -1) &&
	     [ -n "$afile" ] && [ -z "$(find "$top" -name "$(basename "$afile")" -not -path '*/build*' | head -1)" ]; then
		# An assertion in a library's source (glibc's NSS) under memory pressure.
		n_lib=$((n_lib + 1))
		echo "N=$at: $(grep -a -m1 'Assertion' "$work/err" | cut -c1-160)" >>"$work/libs"
	elif grep -q -a 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$work/err"; then
		why="sanitizer: $(grep -a -m1 'SUMMARY\|runtime error' "$work/err")"
	elif [ "$rc" -eq "$base_rc" ] && cmp -s "$work/out" "$work/base"; then
		n_ok=$((n_ok + 1))
	elif [ "$rc" -eq 2 ] && [ -s "$work/err" ]; then
		n_err=$((n_err + 1))
	elif [ "$rc" -eq 134 ] && grep -q -a '^lurewatch: out of memory' "$work/err"; then
		n_oom=$((n_oom + 1))
	elif [ -s "$work/hang" ]; then
		# Inside libpq too: a wait on the server must end at lurewatch's
		# own deadline. The threads' stacks go with the finding.
		why="hung: no answer in ${LW_SWEEP_TIMEOUT:-120} s"
	elif [ "$rc" -le 1 ]; then
		why="wrong answer: exit $rc, output differs from the clean run's"
	else
		why="exit $rc: $(grep -a -v '^ *#\|^$' "$work/err" | tail -1)"
	fi
	if [ -z "$why" ] && [ -n "${LW_SWEEP_AFTER:-}" ] &&
	   ! (eval "$LW_SWEEP_AFTER") >"$work/after" 2>&1; then
		why="bad state afterwards: $(head -1 "$work/after")"
	fi
	if [ -n "$why" ]; then
		n_bad=$((n_bad + 1))
		echo "N=$at: $why" >>"$work/findings"
		if [ -s "$work/hang" ]; then
			grep -a '^Thread \|^#[0-9]' "$work/hang" | head -40 | cut -c1-160 |
				sed 's/^/    /' >>"$work/findings"
		else
			grep -a -m8 '#[0-9] 0x\|lurewatch:' "$work/err" | sed 's/^/    /' >>"$work/findings"
		fi
	fi
done <"$work/points"

summary="$total allocations, $tried failure points: $n_ok ok, $n_err clean errors, $n_oom out-of-memory stops, $n_lib in libraries, $n_bad findings; $n_late waits on the database ended at their deadline"
[ -n "${LW_SWEEP_RESULTS:-}" ] && echo "$name $total $tried $n_ok $n_err $n_oom $n_lib $n_bad $n_late" >>"$LW_SWEEP_RESULTS"
[ -s "$work/libs" ] && sed 's/^/# in a library: /' "$work/libs" | head -20
[ -s "$work/late" ] && sed 's/^/# deadline: /' "$work/late" | head -20
if [ "$n_bad" -eq 0 ]; then
	echo "ok - $name: $summary"
else
	echo "not ok - $name: $summary"
	head -60 "$work/findings" | sed 's/^/# /'
	exit 1
fi
