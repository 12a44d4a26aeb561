/* SPDX-License-Identifier: MIT */
/* util/utf8.c's repair, which copies valid runs whole, against the
 * character-at-a-time repair it replaced, on fixed cases and on random
 * bytes mixing ASCII, NULs, valid and broken sequences: every stored
 * listing passes through it, so its bytes must not change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../util/utf8.h"

/* The earlier repair, one sequence at a time. */
static size_t reference(const char *p, size_t n, char *out, size_t *bad)
{
	size_t i = 0, o = 0;

	*bad = 0;
	while (i < n) {
		size_t l = lw_utf8_seq_len((const unsigned char *)p + i, n - i);

		if (l == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			(*bad)++;
			i++;
		} else if (p[i] == '\0') {
			out[o++] = ' ';
			(*bad)++;
			i++;
		} else {
			memcpy(out + o, p + i, l);
			o += l;
			i += l;
		}
	}
	out[o] = '\0';
	return o;
}

static void check(const char *p, size_t n)
{
	char *want = malloc(n * 3 + 1);
	size_t wlen, wbad, glen = 12345, gbad = 12345;
	char *got;

	assert_non_null(want);
	wlen = reference(p, n, want, &wbad);
	got = lw_utf8_repair(p, n, &glen, &gbad);
	assert_int_equal(glen, wlen);
	assert_int_equal(gbad, wbad);
	assert_memory_equal(got, want, wlen + 1);
	free(got);
	free(want);
}

static void test_fixed(void **state)
{
	static const struct {
		const char *s;
		size_t n;
	} v[] = {
		{ "", 0 },
		{ "plain ascii", 11 },
		{ "caf\xc3\xa9", 5 },
		{ "\xff", 1 },
		{ "a\0b", 3 },
		{ "\0", 1 },
		{ "\xe2\x82", 2 },                 /* cut short */
		{ "\xe2\x82\xac\xe2\x82", 5 },     /* whole, then cut */
		{ "\xc0\xaf", 2 },                 /* overlong */
		{ "\xed\xa0\x80", 3 },             /* surrogate */
		{ "\xf4\x90\x80\x80", 4 },         /* past U+10FFFF */
		{ "ok\xff\xfe\0end\xf0\x9f\x98\x80", 14 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		check(v[i].s, v[i].n);
}

/* Random strings of pieces: most valid, some broken, some NUL. */
static void test_random(void **state)
{
	static const char *const pieces[] = {
		"a", "Z", " ", "\n", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xd0\x96",
		"\xff", "\x80", "\xc3", "\xe2\x82", "\xf0\x9f", "\xed\xa0\x80", "\xc0\x80", "",
	};
	unsigned seed = 20261206;
	char buf[512];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t n = 0, parts = (size_t)(rand_r(&seed) % 40);

		for (size_t k = 0; k < parts; k++) {
			unsigned r = (unsigned)rand_r(&seed);

			if (r % 23 == 0) {
				buf[n++] = '\0';
			} else if (r % 7 == 0) {
				buf[n++] = (char)(r >> 8); /* any byte */
			} else {
				const char *s = pieces[(r >> 4) % (sizeof(pieces) / sizeof(pieces[0]))];

				memcpy(buf + n, s, strlen(s));
				n += strlen(s);
			}
		}
		check(buf, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
