/* SPDX-License-Identifier: MIT */
/* Private to matcher/: the Unicode category of a code point, remembered.
 * The normaliser asks for the categories of the same few hundred code
 * points of a script over and over, and utf8proc's two-level property
 * lookup was a third of its time on non-Latin text. */
#ifndef LW_MATCHER_UCAT_H
#define LW_MATCHER_UCAT_H

#include <stdatomic.h>
#include <stdint.h>
#include <utf8proc.h>

/* Category + 1 of each code point of the Basic Multilingual Plane, 0 until
 * first asked (fold.c). Entries are atomic so that threads filling the
 * same entry at once write the same value without a data race; relaxed
 * loads and stores cost what plain ones do. */
extern _Atomic unsigned char text_ucat_cache[0x10000];

static inline utf8proc_category_t text_category(uint32_t cp)
{
	unsigned c;

	if (cp >= 0x10000)
		return utf8proc_category((utf8proc_int32_t)cp);
	c = atomic_load_explicit(&text_ucat_cache[cp], memory_order_relaxed);
	if (c)
		return (utf8proc_category_t)(c - 1);
	c = (unsigned)utf8proc_category((utf8proc_int32_t)cp);
	atomic_store_explicit(&text_ucat_cache[cp], (unsigned char)(c + 1),
			      memory_order_relaxed);
	return (utf8proc_category_t)c;
}

#endif
