#!/bin/sh
# SPDX-License-Identifier: MIT
# Start-up does not load igraph or Graphviz: they are opened when a network
# is split or drawn (util/dynlib.h), which t0800, t0820 and t0920 exercise.
# Linked in, they were 18 of 66 shared libraries loaded by every command.
. "$(dirname "$0")/lib.sh"

ldd "$LW" >"$TMP/ldd" 2>&1
expect_grep 'libhs' "$TMP/ldd" "ldd lists the binary's libraries"
if grep -q 'libigraph\|libgvc\|libcgraph' "$TMP/ldd"; then
	notok "igraph and Graphviz are not linked"
	grep 'libigraph\|libgvc\|libcgraph' "$TMP/ldd" | sed 's/^/# /'
else
	ok "igraph and Graphviz are not linked"
fi
# What the loader opens for a match, as it runs.
echo x | LUREWATCH_CACHE="$TMP/cache" LD_DEBUG=libs "$LW" match - >"$TMP/out" 2>"$TMP/libs"
expect_grep 'libhs' "$TMP/libs" "the loader's trace names the libraries it opens"
if grep -q 'libigraph\|libgvc' "$TMP/libs"; then notok "a match opens neither"; else
	ok "a match opens neither"
fi
finish
