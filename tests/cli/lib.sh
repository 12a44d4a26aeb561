# SPDX-License-Identifier: MIT
# TAP-style helpers for the command-line tests (git's t/test-lib.sh, small).
# Each test prints "ok N - name" or "not ok N - name"; tests/run.sh counts them.
n=0
fails=0
LW=${LW_BIN:-$(pwd)/lurewatch}
TOP=${LW_TOP:-$(pwd)}
TMP=$(mktemp -d /tmp/lw-cli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

# expect_rc WANT NAME CMD...: runs CMD, output in $TMP/out and $TMP/err.
expect_rc() {
	want=$1; name=$2; shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$name"; else
		notok "$name (exit $got, wanted $want)"
		sed 's/^/# /' "$TMP/out" "$TMP/err" | head -20
	fi
}

# expect_grep PATTERN FILE NAME
expect_grep() {
	if grep -q -- "$1" "$2"; then ok "$3"; else
		notok "$3 ('$1' not in $2)"
		sed 's/^/# /' "$2" | head -20
	fi
}

finish() { [ "$fails" -eq 0 ]; exit $?; }
