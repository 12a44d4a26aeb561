/* SPDX-License-Identifier: MIT */
/* Private to matcher/: turning input bytes into folded units (fold.c), the
 * slow path of text_normalize for the stretches its ASCII fast path
 * cannot take. */
#ifndef LW_MATCHER_FOLD_H
#define LW_MATCHER_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include <stdatomic.h>

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

/* Decodes the code point at p[0..n) and returns its length. On an invalid
 * sequence returns 0 and sets *bad to the length of its maximal invalid
 * prefix (at least 1), so the caller can skip exactly that. The second-byte
 * bounds reject overlongs, surrogates and code points above U+10FFFF. */
static inline __attribute__((always_inline)) size_t
text_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp, size_t *bad)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xBF;
	size_t len, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1Fu;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0Fu;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07u;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else {
		*bad = 1;
		return 0;
	}
	for (i = 1; i < len; i++) {
		if (i >= n || p[i] < lo || p[i] > hi) {
			*bad = i;
			return 0;
		}
		v = v << 6 | (p[i] & 0x3Fu);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = v;
	return len;
}

/* For each BMP code point that folds to one other BMP character, as
 * letters do, or to two, neither a space: the (first) folding << 8 |
 * two << 2 | capital << 1 | 1, the second being in
 * text_fold_second_cache; 2 for every other kind (whitespace, marks that
 * attach or drop, emoji, longer foldings); 0 until first asked. Atomic
 * for the reason ucat.h gives. */
extern _Atomic uint32_t text_fold_cache[0x10000];
extern _Atomic uint16_t text_fold_second_cache[0x10000];

/* Work out text_fold_cache[cp] and text_fold_second_cache[cp] and store
 * them. */
uint32_t text_fold_fill(uint32_t cp);
uint32_t text_fold_second_fill(uint32_t cp);

/* The second character cp folds to, when text_fold_entry(cp) & 4 says
 * there is one. A thread may see the entry before the second it stored
 * (the stores are relaxed), so 0 means work it out. */
static inline uint32_t text_fold_second(uint32_t cp)
{
	uint32_t s = atomic_load_explicit(&text_fold_second_cache[cp],
					  memory_order_relaxed);

	return s ? s : text_fold_second_fill(cp);
}

/* text_fold_cache[cp] for cp < 0x10000, filled when first asked. */
static inline uint32_t text_fold_entry(uint32_t cp)
{
	uint32_t e = atomic_load_explicit(&text_fold_cache[cp],
					  memory_order_relaxed);

	return e ? e : text_fold_fill(cp);
}

/* Frees us->u and empties us. */
void units_release(struct units *us);

#endif
