/* SPDX-License-Identifier: MIT */
/* text_length_words, which counts a word whose first byte is no 0xE0 or
 * 0xE1 without decoding it, against the count as its header defines it,
 * computed here by decoding every word: random normalised texts of ASCII,
 * accented Latin, Cyrillic, CJK, and the unspaced scripts (Thai, Lao,
 * Burmese, Khmer) with their neighbours in the same lead bytes
 * (Devanagari, Tibetan, Georgian, Mongolian). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../matcher/text.h"
#include "../../util/utf8.h"

#define UNSPACED_CHARS 4   /* textindex.c's TEXT_UNSPACED_CHARS */

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static int unspaced(uint32_t cp)
{
	return (cp >= 0x0E00 && cp <= 0x0EFF) || (cp >= 0x1000 && cp <= 0x109F) ||
	       (cp >= 0x1780 && cp <= 0x17FF) || (cp >= 0x19E0 && cp <= 0x19FF);
}

static size_t plain_count(const struct lw_text *t)
{
	const unsigned char *b = (const unsigned char *)t->buf;
	size_t words = 0, chars = 0, n;

	for (size_t w = 0; w < t->nwords; w++) {
		size_t i = t->word_start[w];

		if (!unspaced(lw_utf8_decode(b + i, &n))) {
			words++;
			continue;
		}
		for (; i < t->word_end[w]; i += n)
			(void)lw_utf8_decode(b + i, &n), chars++;
	}
	return words + (chars + UNSPACED_CHARS - 1) / UNSPACED_CHARS;
}

/* Code point ranges to draw letters from. */
static const uint32_t ranges[][2] = {
	{ 'a', 'z' }, { '0', '9' }, { 0xE0, 0xFF }, { 0x430, 0x44F }, { 0x4E00, 0x4E80 },
	{ 0x0E01, 0x0E30 }, { 0x0E81, 0x0EB0 }, { 0x1000, 0x102A }, { 0x1780, 0x17B3 },
	{ 0x19E0, 0x19FF }, { 0x0905, 0x0939 }, { 0x0F40, 0x0F6C }, { 0x10D0, 0x10F0 },
	{ 0x1820, 0x1877 }, { 0x1E00, 0x1EFF },
};

static size_t put_cp(char *p, uint32_t cp)
{
	if (cp < 0x80) {
		p[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (char)(0xC0 | cp >> 6);
		p[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	p[0] = (char)(0xE0 | cp >> 12);
	p[1] = (char)(0x80 | (cp >> 6 & 0x3F));
	p[2] = (char)(0x80 | (cp & 0x3F));
	return 3;
}

static void test_count_matches_plain(void **state)
{
	static char in[16384];
	struct lw_text t;
	struct lw_error err;
	size_t fast_total = 0, unspaced_seen = 0;

	(void)state;
	text_init(&t);
	for (int round = 0; round < 3000; round++) {
		size_t n = 0, words = 1 + rnd(200);

		for (size_t w = 0; w < words && n + 64 < sizeof(in); w++) {
			size_t r = rnd(sizeof(ranges) / sizeof(ranges[0])), len = 1 + rnd(9);

			for (size_t k = 0; k < len; k++) {
				/* a word may switch script halfway */
				if (rnd(8) == 0)
					r = rnd(sizeof(ranges) / sizeof(ranges[0]));
				n += put_cp(in + n, ranges[r][0] + rnd(ranges[r][1] - ranges[r][0] + 1));
			}
			in[n++] = rnd(6) ? ' ' : '\n';
		}
		assert_int_equal(text_normalize(in, n, &t, &err), 0);
		assert_int_equal(text_length_words(&t), plain_count(&t));
		fast_total += text_length_words(&t);
		for (size_t w = 0; w < t.nwords; w++)
			unspaced_seen += (unsigned char)t.buf[t.word_start[w]] == 0xE0;
	}
	assert_true(fast_total > 3000 && unspaced_seen > 1000);
	text_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_matches_plain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
