/* SPDX-License-Identifier: MIT */
/* util/sha256.c against FIPS 180-4's examples and odd-sized updates: pack
 * hashes and content hashes stored by earlier versions must not change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../util/sha256.h"

static void hex_of(const char *msg, size_t len, char out[65])
{
	struct lw_sha256 s;

	lw_sha256_init(&s);
	lw_sha256_update(&s, msg, len);
	lw_sha256_hex(&s, out);
}

static void test_vectors(void **state)
{
	static const struct {
		const char *msg, *hex;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	char out[65];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		hex_of(v[i].msg, strlen(v[i].msg), out);
		assert_string_equal(out, v[i].hex);
	}
}

/* A million 'a's fed in uneven pieces cross every block boundary. */
static void test_million_a_in_pieces(void **state)
{
	static char a[997];
	struct lw_sha256 s;
	size_t left = 1000000;
	char out[65];

	(void)state;
	memset(a, 'a', sizeof(a));
	lw_sha256_init(&s);
	for (size_t step = 1; left > 0; step = (step * 7 + 3) % sizeof(a) + 1) {
		size_t n = step < left ? step : left;

		lw_sha256_update(&s, a, n);
		left -= n;
	}
	lw_sha256_hex(&s, out);
	assert_string_equal(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_million_a_in_pieces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
