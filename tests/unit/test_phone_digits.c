/* SPDX-License-Identifier: MIT */
/* The phone finder's index of decimal-digit blocks, built by asking
 * utf8proc of every eighth code point (Unicode's runs of ten), against the
 * index built by asking of every code point: the same bits, and some set,
 * both for two-byte and three-byte characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../matcher/entities_internal.h"

static void test_index_matches_plain_loop(void **state)
{
	uint64_t two[32], three[16], two_ref[32], three_ref[16];
	int nset = 0;

	(void)state;
	ent_phone_index_digits(two, three);
	ent_phone_index_digits_ref(two_ref, three_ref);
	for (int i = 0; i < 32; i++) {
		assert_int_equal(two[i], two_ref[i]);
		nset += two[i] != 0;
	}
	for (int i = 0; i < 16; i++) {
		assert_int_equal(three[i], three_ref[i]);
		nset += three[i] != 0;
	}
	/* Arabic-Indic (U+0660) and Devanagari (U+0966) digits at least */
	assert_true(two[0x660 >> 6] >> (0x660 & 63) & 1);
	assert_true(three[0] >> ((0x966 >> 6) & 63) & 1);
	assert_true(nset >= 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_matches_plain_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
