#!/bin/sh
# SPDX-License-Identifier: MIT
# libcurl, libpq, libxml2, microhttpd, argon2 and zlib are opened on their
# first call (util/lazy.h), not linked: `match`, `rules check` and
# `--version` load none of them, an HTML match opens libxml2 when it needs
# it, and a library that cannot be opened stops the command with a message
# naming it, the loader's reason and the package, not a crash. The commands
# that use the others are covered by t0400, t0500, t0600, t0920 and t0963.
. "$(dirname "$0")/lib.sh"

LAZY='libcurl\|libpq\|libxml2\|libmicrohttpd\|libargon2\|libz\.'

ldd "$LW" >"$TMP/ldd" 2>&1
expect_grep 'libhs' "$TMP/ldd" "ldd lists the binary's libraries"
if grep -q "$LAZY" "$TMP/ldd"; then
	notok "none of the lazily opened libraries is linked"
	grep "$LAZY" "$TMP/ldd" | sed 's/^/# /'
else
	ok "none of the lazily opened libraries is linked"
fi

export LUREWATCH_CACHE="$TMP/cache"
# What the loader opens, as each command runs (twice: cold and warm cache).
for cmd in "--version" "rules check" "match -" "match -"; do
	echo "work abroad, no experience needed" |
		LD_DEBUG=libs "$LW" $cmd >"$TMP/out" 2>"$TMP/libs"
	if grep -q "calling init:.*\($LAZY\)" "$TMP/libs"; then
		notok "'$cmd' opens none of them"
		grep "calling init:.*\($LAZY\)" "$TMP/libs" | sed 's/^/# /'
	else
		ok "'$cmd' opens none of them"
	fi
done

# HTML needs libxml2: opened on first use, and the text still scored.
printf '<html><body><p>Free visa &amp; flight, passport kept by the agent</p></body></html>\n' \
	>"$TMP/ad.html"
LD_DEBUG=libs "$LW" match --json --html "$TMP/ad.html" >"$TMP/out" 2>"$TMP/libs"
expect_grep "calling init:.*libxml2" "$TMP/libs" "an HTML match opens libxml2"
expect_grep '"score"' "$TMP/out" "and scores the page's text"
"$LW" match --json --text "$TMP/ad.html" >"$TMP/text.json" 2>/dev/null
if cmp -s "$TMP/out" "$TMP/text.json"; then
	notok "the HTML was parsed, not read as text"
else
	ok "the HTML was parsed, not read as text"
fi

# A libxml2 without its functions, found first on the library path: the
# command stops with status 2 and says which library, why and which package.
sed -n 's/.*find library=\(libxml2\.so[.0-9]*\) .*/\1/p' "$TMP/libs" | head -n 1 >"$TMP/soname"
expect_grep '^libxml2\.so' "$TMP/soname" "the loader's trace names libxml2's soname"
soname=$(cat "$TMP/soname")
mkdir -p "$TMP/fake"
echo 'int lurewatch_fake_libxml2;' >"$TMP/fake.c"
cc -shared -fPIC -o "$TMP/fake/$soname" "$TMP/fake.c"
LD_LIBRARY_PATH="$TMP/fake" "$LW" match --html "$TMP/ad.html" >"$TMP/out" 2>"$TMP/err"
expect_eq "$?" 2 "a library without its functions: exit status 2, no crash"
expect_grep "^lurewatch: reading HTML needs $soname: .*undefined symbol" "$TMP/err" \
	"the message names the library and the loader's reason"
expect_grep "(Debian package libxml2[^)]*)" "$TMP/err" "and the package to install"
# Plain text needs no libxml2, so the broken one is never opened.
echo "a plain ad" | LD_LIBRARY_PATH="$TMP/fake" "$LW" match - >"$TMP/out" 2>"$TMP/err"
expect_eq "$?" 1 "plain text still matches with libxml2 broken"
finish
