#!/bin/sh
# SPDX-License-Identifier: MIT
# `lurewatch robots`: verdicts, --agent, --explain, exit codes and usage errors.
. "$(dirname "$0")/lib.sh"

printf '%s\n' \
	'# a job board' \
	'User-agent: *' \
	'Disallow: /' \
	'' \
	'User-agent: lurewatch' \
	'Allow: /jobs/' \
	'Disallow: /jobs/private' \
	'Disallow: /*.pdf$' \
	'Crawl-delay: 5' \
	'' \
	'Sitemap: https://example.com/sitemap.xml' >"$TMP/robots.txt"
R="$TMP/robots.txt"
U=https://example.com

# ---- verdicts and exit codes ---------------------------------------------------------

expect_rc 0 "all allowed exits 0" "$LW" robots "$R" "$U/jobs/1" "$U/about"
printf '%s\tallowed\n%s\tallowed\n' "$U/jobs/1" "$U/about" >"$TMP/want"
if cmp -s "$TMP/want" "$TMP/out"; then ok "one URL<TAB>verdict line per URL"; else
	notok "one URL<TAB>verdict line per URL"; sed 's/^/# /' "$TMP/out"; fi
expect_rc 1 "a disallowed URL exits 1" "$LW" robots "$R" "$U/jobs/1" "$U/jobs/private/2"
expect_grep "^$U/jobs/private/2	disallowed\$" "$TMP/out" "disallowed URL printed"
expect_grep "^$U/jobs/1	allowed\$" "$TMP/out" "the allowed URL still printed"
expect_rc 1 "'\$' anchors the end" "$LW" robots "$R" "$U/jobs/cv.pdf"
expect_rc 0 "'\$' anchors the end (query after it)" "$LW" robots "$R" "$U/jobs/cv.pdf?x=1"
expect_rc 0 "/robots.txt is always allowed" "$LW" robots --agent otherbot "$R" "$U/robots.txt"

# ---- agents ---------------------------------------------------------------------------

expect_rc 1 "another agent gets the * group" "$LW" robots --agent otherbot "$R" "$U/jobs/1"
expect_rc 0 "agent names match case-insensitively" "$LW" robots -a LureWatch "$R" "$U/jobs/1"
expect_rc 0 "--agent=NAME form" "$LW" robots --agent=lurewatch "$R" "$U/jobs/1"

# ---- --explain --------------------------------------------------------------------------

expect_rc 1 "--explain" "$LW" robots --explain "$R" "$U/jobs/private/2" "$U/jobs/3" "$U/x"
expect_grep "^$U/jobs/private/2	disallowed	disallowed by 'Disallow: /jobs/private' (line 7)\$" \
	"$TMP/out" "--explain names the rule and its line"
expect_grep "^$U/jobs/3	allowed	allowed by 'Allow: /jobs/' (line 6)\$" "$TMP/out" \
	"--explain names an Allow rule"
expect_grep "^$U/x	allowed	allowed: no rule matches\$" "$TMP/out" "--explain when no rule matches"

# ---- inputs -----------------------------------------------------------------------------

expect_rc 1 "robots.txt from standard input" sh -c "\"$LW\" robots - \"$U/jobs/private\" <\"$R\""
printf 'User-agent: *\r\nDisallow: /a\r\n' >"$TMP/crlf.txt"
expect_rc 1 "CRLF robots.txt" "$LW" robots "$TMP/crlf.txt" "$U/a"
: >"$TMP/empty.txt"
expect_rc 0 "an empty robots.txt allows everything" "$LW" robots "$TMP/empty.txt" "$U/a"

# ---- errors -----------------------------------------------------------------------------

expect_rc 2 "an unreadable file exits 2" "$LW" robots "$TMP/missing.txt" "$U/a"
expect_grep "missing.txt" "$TMP/err" "the unreadable file is named"
expect_rc 2 "a URL that does not parse exits 2" "$LW" robots "$R" "$U/jobs/1" "not a url"
expect_grep "cannot parse 'not a url'" "$TMP/err" "the bad URL is named"
expect_grep "^$U/jobs/1	allowed" "$TMP/out" "the good URLs are still checked"
expect_rc 2 "a non-http URL exits 2" "$LW" robots "$R" "ftp://example.com/a"
expect_rc 2 "no URL is a usage error" "$LW" robots "$R"
expect_rc 2 "no arguments is a usage error" "$LW" robots
expect_rc 2 "an unknown option is a usage error" "$LW" robots --frobnicate "$R" "$U/a"
expect_rc 0 "--help" "$LW" robots --help
expect_grep '^usage: lurewatch robots' "$TMP/out" "--help prints usage on stdout"
expect_rc 0 "help robots" "$LW" help robots
expect_grep '^usage: lurewatch robots' "$TMP/out" "help robots shows the usage"

finish
