#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the Debian packages lurewatch needs to build, test and run, when
# any is missing. Run by `make`, `make test` and `make demo`; quiet when all
# are present. `deps.sh test` adds what the browser tests drive (headless
# Chromium through Selenium), `deps.sh bench` the HTTP load generator.
set -eu

PKGS="build-essential pkg-config libhyperscan-dev libxml2-dev libcurl4-openssl-dev
libpq-dev postgresql libutf8proc-dev libinih-dev libjansson-dev libcmocka-dev
libssl-dev libpcre2-dev libigraph-dev iso-codes zlib1g-dev ripgrep curl python3 procps
libmicrohttpd-dev libgnutls28-dev libargon2-dev libgraphviz-dev graphviz clang libclang-rt-14-dev"
case "${1:-}" in
test) PKGS="$PKGS chromium chromium-driver python3-selenium gdb" ;;
bench) PKGS="$PKGS wrk" ;;
esac

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "deps: installing missing packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "deps: not root and no sudo; install as root: apt-get install$missing" >&2
		exit 1
	fi
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
# An old or absent package list is the usual reason an install finds nothing.
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
