#!/bin/sh
# SPDX-License-Identifier: MIT
# `lurewatch serve` in headless Chromium driven by Selenium (Debian chromium,
# chromium-driver, python3-selenium; `make test` installs them): keyboard
# triage, the item and network pages, the audit log, concurrent claims and
# hostile ads. Screenshots of each page go to tests/out/.
. "$(dirname "$0")/lib.sh"
for f in /usr/bin/chromium /usr/bin/chromedriver; do
	[ -x "$f" ] || { echo "Bail out! $f missing: run 'sh scripts/deps.sh test'"; exit 1; }
done
. "$TOP/tests/web/setup.sh"
start_web
mkdir -p "$TOP/tests/out"
# Debian's python3-selenium lives with the system interpreter.
/usr/bin/python3 "$TOP/tests/web/browser.py" "$WEB" "$TOP/tests/out" "$URL" >"$TMP/tap.raw" \
	2>"$TMP/browser.err"
sed -n '/^\(not \)*ok /p' "$TMP/tap.raw" >"$TMP/tap"
while read -r line; do
	case $line in
	"ok "*) ok "${line#ok * - }" ;;
	*) notok "${line#not ok * - }" ;;
	esac
done <"$TMP/tap"
grep -q '^1\.\.' "$TMP/tap.raw" || { notok "the browser test ran to the end"; grep -v "^#[0-9]* 0x" "$TMP/browser.err" | sed "s/^/# /" | tail -20; }
grep -q '^not ok' "$TMP/tap" && grep -v "^#[0-9]* 0x" "$TMP/browser.err" | sed "s/^/# /" | tail -20
finish
