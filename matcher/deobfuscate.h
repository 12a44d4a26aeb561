/* SPDX-License-Identifier: MIT */
/* Private to matcher/: the unit array that normalize.c builds and the
 * de-obfuscation passes in deobfuscate.c rewrite. */
#ifndef LW_MATCHER_DEOBFUSCATE_H
#define LW_MATCHER_DEOBFUSCATE_H

#include <stddef.h>
#include <stdint.h>

#include "ucat.h"

/* One output code point and the input bytes [start, end) it came from.
 * Units are in input order, so start and end never decrease along the
 * array; that is what keeps the offset map monotone. */
struct text_unit {
	uint32_t cp;        /* case-folded code point; ' ' or '\n' for whitespace */
	uint32_t start;
	uint32_t end;
	uint8_t flags;      /* TEXT_UNIT_* */
};

#define TEXT_UNIT_UPPER 1u  /* the input letter was a capital: Greek H is eta */
#define TEXT_UNIT_RUN 2u    /* whitespace collapsed from several characters */

/* The letter classes of the look-alike pass, here so that the normaliser's
 * count of a whole document (doc_mostly_latin) is the pass's own. cp is a
 * folded code point: ASCII letters are lowercase. */
static inline __attribute__((always_inline)) int text_is_letter(uint32_t cp)
{
	utf8proc_category_t c;

	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
	c = text_category(cp);
	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

static inline __attribute__((always_inline)) int text_is_latin(uint32_t cp)
{
	if (cp < 0x80)
		return cp >= 'a' && cp <= 'z';
	return ((cp >= 0xC0 && cp <= 0x2AF) || (cp >= 0x1E00 && cp <= 0x1EFF) ||
		(cp >= 0x2C60 && cp <= 0x2C7F) || (cp >= 0xA720 && cp <= 0xA7FF)) &&
	       text_is_letter(cp);
}

static inline __attribute__((always_inline)) int text_is_cyrillic_greek(uint32_t cp)
{
	return ((cp >= 0x370 && cp <= 0x52F) || (cp >= 0x1F00 && cp <= 0x1FFF)) &&
	       text_is_letter(cp);
}

/* Rewrites u[0..n) in place: spaced letters joined, Cyrillic/Greek
 * look-alikes in Latin words, digit words mixed with digits, leetspeak and
 * spelled-out number runs. Expects folded units with whitespace already
 * collapsed. Returns the new count, never more than n. */
size_t text_deobfuscate(struct text_unit *u, size_t n);

/* As text_deobfuscate for u[0..n), a stretch of a longer document that no
 * pass reaches across: whitespace-delimited, with no spaced-letter or
 * number run running over its ends. Only the look-alike pass looks at the
 * whole document, for whether it is mostly Latin: it calls
 * mostly_latin(arg) for the answer, at most once and only when u holds
 * Cyrillic or Greek letters. */
size_t text_deobfuscate_part(struct text_unit *u, size_t n,
			     int (*mostly_latin)(void *), void *arg);

/* 1 when the look-alike pass would change a word of u[0..n), which holds
 * folded units and no whitespace, as text_deobfuscate_part would run it
 * with the same mostly_latin (asked only of a word of look-alikes alone). */
int text_lookalike_fires(const struct text_unit *u, size_t n,
			 int (*mostly_latin)(void *), void *arg);

/* Counts the Latin and the Cyrillic or Greek letters of u[0..n), as the
 * look-alike pass does. */
void text_script_count(const struct text_unit *u, size_t n, size_t *latin,
		       size_t *other);

#endif
