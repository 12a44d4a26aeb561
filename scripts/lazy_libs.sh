#!/bin/sh
# SPDX-License-Identifier: MIT
# Compiler flags naming the libraries util/lazy_*.c open on first use: for
# each, the soname of the library the linker would have picked (so dlopen
# asks for the version the headers came with, on any distribution) and, where
# dpkg knows it, the package that ships it, for the error when it is missing.
# Prints -DLW_<NAME>_SONAME='"..."' -DLW_<NAME>_PACKAGE='"..."' for each.
set -u
# name, pkg-config name, library file stem, soname if none is found
libs='CURL libcurl curl libcurl.so.4
PQ libpq pq libpq.so.5
XML2 libxml-2.0 xml2 libxml2.so.2
MHD libmicrohttpd microhttpd libmicrohttpd.so.12
ARGON2 libargon2 argon2 libargon2.so.1
Z zlib z libz.so.1'

found=$(echo "$libs" | while read -r name pc stem fallback; do
	dir=$(pkg-config --variable=libdir "$pc" 2>/dev/null)
	so=$(objdump -p "$dir/lib$stem.so" 2>/dev/null | awk '$1 == "SONAME" { print $2 }')
	echo "$name ${so:-$fallback} $dir/${so:-$fallback} ${dir#/usr}/${so:-$fallback}"
done)
# One dpkg call for all: each costs a second reading its file lists.
# Under merged /usr a library may be registered under /lib, so ask for both.
owners=$(dpkg -S $(echo "$found" | awk '{ print $3, $4 }') 2>/dev/null)
echo "$found" | while read -r name so path path2; do
	pkg=$(echo "$owners" | awk -v p="$path" -v q="$path2" \
		'$NF == p || $NF == q { sub(/:.*/, "", $1); print $1; exit }')
	printf "%s " "-DLW_${name}_SONAME='\"$so\"' -DLW_${name}_PACKAGE='\"$pkg\"'"
done
