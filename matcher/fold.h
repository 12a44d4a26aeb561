/* SPDX-License-Identifier: MIT */
/* Private to matcher/: turning input bytes into folded units (fold.c), the
 * slow path of text_normalize for the stretches its ASCII fast path
 * cannot take. */
#ifndef LW_MATCHER_FOLD_H
#define LW_MATCHER_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "deobfuscate.h"

/* Folding can expand text (U+FDFA becomes 18 code points), and every output
 * byte costs 8 more bytes of offset map, so the output is capped relative to
 * the input; only crafted input comes near this. */
#define TEXT_OUT_FACTOR 3u
#define TEXT_OUT_SLACK 64u

struct units {
	struct text_unit *u;
	size_t n;
	size_t cap;
	size_t budget;      /* output bytes still allowed */
};

/* Appends to us the folded units of the whole code points in[from..to) of
 * a document of doc_len bytes, where in[to] (when to < doc_len) is ASCII
 * whitespace. Whitespace collapses into the last unit when that is a space
 * already, and is dropped while us is empty (leading whitespace); each
 * maximal run of invalid UTF-8 counts once in *repaired and reads as a
 * space. Returns 0, or -1 when the output would exceed us->budget. */
int units_add(struct units *us, const unsigned char *in, size_t from,
	      size_t to, size_t doc_len, size_t *repaired);

/* Frees us->u and empties us. */
void units_release(struct units *us);

#endif
