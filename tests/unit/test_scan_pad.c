/* SPDX-License-Identifier: MIT */
/* The scanner's literal-database copies of a text made sixteen bytes at a
 * time (scan_literal_texts) against the byte-at-a-time reference: both
 * copies and the high-byte flag must agree on random text of every length
 * and alignment, every byte value included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../matcher/scan_internal.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Mostly text-like bytes (letters, digits, '_', spaces, line breaks,
 * punctuation next to the ranges' edges), sometimes any byte at all. */
static unsigned char random_byte(void)
{
	static const char edges[] = "azAZ09_@[`{/:\n \t.-";

	switch (rnd(4)) {
	case 0: return (unsigned char)rnd(256);
	case 1: return (unsigned char)edges[rnd(sizeof(edges) - 1)];
	default: return (unsigned char)(0x20 + rnd(0x5f));
	}
}

static void check(const char *t, size_t len)
{
	char *s1 = malloc(len + 1), *p1 = malloc(len + 1), *s2 = malloc(len + 1), *p2 = malloc(len + 1);
	int h1, h2;

	assert_non_null(s1);
	assert_non_null(p1);
	assert_non_null(s2);
	assert_non_null(p2);
	h1 = scan_literal_texts(t, len, s1, p1);
	h2 = scan_literal_texts_ref(t, len, s2, p2);
	assert_int_equal(h1, h2);
	assert_memory_equal(s1, s2, len);
	assert_memory_equal(p1, p2, len);
	free(s1);
	free(p1);
	free(s2);
	free(p2);
}

static void test_random_agrees(void **state)
{
	char buf[300];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len = rnd(sizeof(buf) - 8), off = rnd(8);

		for (size_t i = 0; i < len; i++)
			buf[off + i] = (char)random_byte();
		check(buf + off, len);
	}
}

/* Every byte value in every lane of a 16-byte block. */
static void test_every_byte(void **state)
{
	char buf[48];

	(void)state;
	for (int v = 0; v < 256; v++) {
		for (int lane = 0; lane < 16; lane++) {
			memset(buf, 'a', sizeof(buf));
			buf[lane] = (char)v;
			buf[16 + lane] = (char)v;
			check(buf, sizeof(buf));
		}
	}
}

/* What the copies are, spelled out, so the two cannot agree on a mistake. */
static void test_known(void **state)
{
	const char *t = "Ab_9 x-y\n\xc3\xa9z{`@[/:";
	char s[32], p[32];

	(void)state;
	assert_int_equal(scan_literal_texts(t, strlen(t), s, p), 1);
	assert_memory_equal(s, "Ab_9 x-y \xc3\xa9z{`@[/:", strlen(t));
	assert_memory_equal(p, "Ab_9 x y   z      ", strlen(t));
	assert_int_equal(scan_literal_texts("plain ascii text, no high bytes!", 32, s, p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_agrees),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_known),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
