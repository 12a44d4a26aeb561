/* SPDX-License-Identifier: MIT */
/* Private to matcher/: the bulk path of text_normalize, which copies long
 * stretches of ordinary ASCII prose sixteen bytes at a time (normbulk.c). */
#ifndef LW_MATCHER_NORMBULK_H
#define LW_MATCHER_NORMBULK_H

#include <stddef.h>

#include "text.h"
#include "textindex.h"

/* Bytes the text and the offset map must have room for beyond t->cap:
 * bulk_emit stores whole vectors past the end of what it writes. */
#define BULK_SLACK 32u

/* Returned by bulk_emit when the whole stretch was written. */
#define BULK_DONE ((size_t)-1)

/* The first position at or after p (a chunk start) of in[0..n) whose chunk
 * the bulk path must leave to the chunk path: a byte that is not ASCII, an
 * '@' or '$' not before a digit, a '!' before a letter, a chunk holding
 * both letters and digits, or the first of two lone letters two bytes
 * apart. n when there is none. Number words are not looked for here:
 * bulk_emit finds them as it indexes words. */
size_t bulk_trouble(const unsigned char *in, size_t n, size_t p);

/* The end of the stretch the bulk path may take from the chunk start p,
 * given trouble (bulk_trouble's answer for p or for an earlier chunk
 * start): the chunks before trouble's, less any at the end that are not
 * letter chunks (chunks with a letter and no digit), or whose last letter
 * stands alone one byte before the next chunk. p when the first chunk
 * itself cannot go: it must be a letter chunk without number words, and
 * must not open with a lone letter when lone_before (a lone letter ends
 * the previous chunk, one byte back). Such a stretch is never reached by
 * a pass from outside it, so copying it lowercased is what the unit path
 * would do; see normbulk.c for why. */
size_t bulk_end(const unsigned char *in, size_t n, size_t p, size_t trouble,
		int lone_before);

/* Writes the stretch in[a..b) (from bulk_end) to t at t->len: lowercased,
 * whitespace collapsed, offset map and word index filled. t must have
 * room for b - a more bytes (plus BULK_SLACK). Returns BULK_DONE, or the
 * position of a number word ("one", "double"...) it met, in which case t
 * and st hold garbage and the caller rolls them back and asks bulk_end
 * for a stretch ending before that word's chunk. */
size_t bulk_emit(struct lw_text *t, struct text_index_state *st,
		 const unsigned char *in, size_t n, size_t a, size_t b);

/* 1 when the letter in[i] is a word by itself. */
int bulk_lone_letter(const unsigned char *in, size_t n, size_t i);

#endif
