/* SPDX-License-Identifier: MIT */
/* The web interface's output helpers against hostile input: HTML escaping
 * (markup, quotes, control characters, broken UTF-8), links to ad URLs and
 * query-string encoding; Argon2id and token hashing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../web/web_internal.h"

struct esc_case {
	const char *in, *want;
};

static const struct esc_case esc_cases[] = {
	{ "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;" },
	{ "\"><img src=x onerror='a'>", "&quot;&gt;&lt;img src=x onerror=&#39;a&#39;&gt;" },
	{ "a & b", "a &amp; b" },
	{ "tab\tand\nline", "tab\tand\nline" },
	{ "nul\x01" "bell\x07" "del\x7f", "nulbelldel" },
	{ "bad \xff\xfe bytes", "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes" },
	{ "cut \xE2\x82", "cut \xEF\xBF\xBD\xEF\xBF\xBD" },
	{ "ok \xE2\x82\xAC", "ok \xE2\x82\xAC" },
	{ "", "" },
};

static char *esc(const char *s)
{
	struct lw_buf b;

	lw_buf_init(&b, 4096);
	html_esc(&b, s);
	lw_buf_addc(&b, '\0');
	return lw_buf_detach(&b, NULL);
}

static void test_escape(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++) {
		char *got = esc(esc_cases[i].in);

		assert_string_equal(got, esc_cases[i].want);
		free(got);
	}
}

static char *ad_link(const char *url)
{
	struct lw_buf b;

	lw_buf_init(&b, 4096);
	html_ad_link(&b, url, NULL);
	lw_buf_addc(&b, '\0');
	return lw_buf_detach(&b, NULL);
}

static void test_ad_links(void **state)
{
	char *s;

	(void)state;
	s = ad_link("https://jobs.example/ad?a=1&b=\"2\"");
	assert_non_null(strstr(s, "href=\"https://jobs.example/ad?a=1&amp;b=&quot;2&quot;\""));
	assert_non_null(strstr(s, "rel=\"noopener noreferrer"));
	free(s);
	s = ad_link("javascript:alert(document.cookie)");
	assert_null(strstr(s, "href"));
	assert_non_null(strstr(s, "<span class=\"url\">javascript:alert(document.cookie)</span>"));
	free(s);
	s = ad_link("data:text/html,<script>x</script>");
	assert_null(strstr(s, "href"));
	assert_null(strstr(s, "<script>"));
	free(s);
	s = ad_link("http://a.example/x y");
	assert_null(strstr(s, "href"));
	free(s);
}

static void test_urlenc(void **state)
{
	struct lw_buf b;

	(void)state;
	lw_buf_init(&b, 4096);
	html_urlenc(&b, "a b&c=d/é");
	lw_buf_addc(&b, '\0');
	assert_string_equal(b.data, "a%20b%26c%3Dd%2F%C3%A9");
	lw_buf_release(&b);
}

static void test_passwords(void **state)
{
	struct lw_error err;
	char *h = web_password_hash("correct horse battery", &err);
	char tok[65], hash[65];

	(void)state;
	assert_non_null(h);
	assert_true(strncmp(h, "$argon2id$", 10) == 0);
	assert_true(web_password_verify(h, "correct horse battery"));
	assert_false(web_password_verify(h, "correct horse batterY"));
	assert_false(web_password_verify("not a hash", "x"));
	free(h);
	assert_int_equal(web_random_hex(tok, 32, &err), 0);
	assert_int_equal(strlen(tok), 64);
	web_token_hash("abc", hash);
	assert_string_equal(hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_ad_links),
		cmocka_unit_test(test_urlenc),
		cmocka_unit_test(test_passwords),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
