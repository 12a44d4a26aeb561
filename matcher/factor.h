/* SPDX-License-Identifier: MIT */
/* Required literal factors of a regular expression (factor.c). */
#ifndef LW_MATCHER_FACTOR_H
#define LW_MATCHER_FACTOR_H

#include <stddef.h>

/* Most literals one factor may have: beyond them a pattern stays ungated. */
#define FACTOR_MAX_LITERALS 32

/* Derives from Hyperscan expression expr (caseless) a set of literals,
 * lower case, one of which every match of expr contains. Returns how
 * many, with the array and its strings in *out (caller frees both), or 0
 * when the pattern's structure gives none: an anchor (^, $), syntax this
 * parser does not follow, or an alternative without a literal. *digit is
 * set to 1 when every match holds an ASCII digit, read the same way
 * (0 on an anchor or syntax not followed). */
size_t factor_derive(const char *expr, char ***out, int *digit);

#endif
