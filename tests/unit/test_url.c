/* SPDX-License-Identifier: MIT */
/* Unit tests for URL canonicalisation, host extraction and private-IP checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../crawler/url.h"

#define BASE "http://Example.COM:80/a/b/c.html?x=1#frag"

struct canon_case {
	const char *base;
	const char *ref;
	const char *want;       /* NULL: must fail */
	const char *err_has;    /* part of the error message when failing */
};

static const struct canon_case canon_cases[] = {
	/* relative references */
	{ BASE, "d.html", "http://example.com/a/b/d.html", NULL },
	{ BASE, "../d.html", "http://example.com/a/d.html", NULL },
	{ BASE, "../../../../d.html", "http://example.com/d.html", NULL },
	{ BASE, "./", "http://example.com/a/b/", NULL },
	{ BASE, "/root?p=2", "http://example.com/root?p=2", NULL },
	{ BASE, "?q=3", "http://example.com/a/b/c.html?q=3", NULL },
	{ BASE, "#top", "http://example.com/a/b/c.html?x=1", NULL },
	{ BASE, "", "http://example.com/a/b/c.html?x=1", NULL },
	{ BASE, "//Other.ORG:8080/x", "http://other.org:8080/x", NULL },
	{ BASE, "  \n next.html\t ", "http://example.com/a/b/next.html", NULL },
	{ BASE, "ne\nxt.ht\tml", "http://example.com/a/b/next.html", NULL },
	{ BASE, "foo bar.html", "http://example.com/a/b/foo%20bar.html", NULL },
	{ "https://example.com/dir/", "page", "https://example.com/dir/page", NULL },
	/* absolute: case, ports, fragments, dot segments */
	{ NULL, "HTTP://WWW.Example.Com:80/A/../B/", "http://www.example.com/B/", NULL },
	{ NULL, "https://h.example:443/p?b=2&a=1#frag", "https://h.example/p?b=2&a=1", NULL },
	{ NULL, "http://h.example:443/", "http://h.example:443/", NULL },
	{ NULL, "https://h.example:80/", "https://h.example:80/", NULL },
	{ NULL, "http://h.example:8080", "http://h.example:8080/", NULL },
	{ NULL, "http://h.example/a?", "http://h.example/a", NULL },
	{ NULL, "http://h.example/a?#x", "http://h.example/a", NULL },
	{ NULL, "http://h.example/a/./b/../c", "http://h.example/a/c", NULL },
	/* percent-encoding */
	{ NULL, "http://h.example/%7euser/%41%2fx%2F", "http://h.example/~user/A%2Fx%2F", NULL },
	{ NULL, "http://h.example/?a=%2a&b=%7E&c=%3d", "http://h.example/?a=%2A&b=~&c=%3D", NULL },
	{ NULL, "http://h.example/a/%2e%2e/b", "http://h.example/b", NULL },
	{ NULL, "http://h.example/%zz%4", "http://h.example/%zz%4", NULL },
	/* found by fuzz_url: decoding %38 after a stray "%7" made "%78", which a
	 * second pass decoded again */
	{ NULL, "http://h.example/%7%38eu", "http://h.example/%7%38eu", NULL },
	{ NULL, "http://h.example/%%41", "http://h.example/%%41", NULL },
	{ NULL, "http://h.example/caf\xc3\xa9", "http://h.example/caf%C3%A9", NULL },
	{ NULL, "http://h.example/?q=a+b&z=1&a=2", "http://h.example/?q=a+b&z=1&a=2", NULL },
	/* numeric hosts are normalised by curl */
	{ NULL, "http://2130706433/", "http://127.0.0.1/", NULL },
	{ NULL, "http://[::FFFF:127.0.0.1]:8080/", "http://[::ffff:127.0.0.1]:8080/", NULL },
	/* rejected */
	{ BASE, "mailto:a@b.example", NULL, "mailto:a@b.example" },
	{ BASE, "javascript:alert(1)", NULL, "javascript" },
	{ BASE, "tel:+15551234", NULL, "tel:" },
	{ BASE, "data:text/html,hi", NULL, "data:" },
	{ NULL, "ftp://h.example/f", NULL, "scheme 'ftp' is not http or https" },
	{ NULL, "file:///etc/passwd", NULL, "not http or https" },
	{ NULL, "relative/only", NULL, "relative/only" },
	{ NULL, "", NULL, "url ''" },
	{ NULL, "http://a b/", NULL, "url 'http://a b/'" },
	{ NULL, "http://h.example:99999/", NULL, "Port number" },
	/* found by fuzz_url: port 0 was canonical, and url_host gave 0 */
	{ NULL, "http://h.example:0/", NULL, "port 0 is not a port" },
	{ NULL, "HTTP://E\x88XAMPzLE.org:0/e7u8%%tp7euser/ue%%2e", NULL, "port 0" },
	{ NULL, "http://[::1/", NULL, "url" },
	{ NULL, "\x01\x02garbage\x7f", NULL, "url" },
	{ "not a url", "x", NULL, "base url 'not a url'" },
};

static void test_canonicalize(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(canon_cases) / sizeof(canon_cases[0]); i++) {
		const struct canon_case *c = &canon_cases[i];
		struct lw_error err = { "" };
		char *got = (char *)"untouched";
		int rc = url_canonicalize(c->base, c->ref, &got, &err);

		if (c->want) {
			if (rc != 0)
				fail_msg("case %zu '%s': %s", i, c->ref, err.msg);
			if (strcmp(got, c->want)) {
				print_error("case %zu '%s': got '%s', want '%s'\n", i,
					    c->ref, got, c->want);
				free(got);
				fail();
			}
			free(got);
		} else {
			if (rc != -1)
				fail_msg("case %zu '%s': accepted as '%s'", i, c->ref, got);
			assert_string_equal(got, "untouched");
			if (!strstr(err.msg, c->err_has))
				fail_msg("case %zu: error '%s' lacks '%s'", i, err.msg,
					 c->err_has);
		}
	}
}

static void test_canonical_is_fixed_point(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(canon_cases) / sizeof(canon_cases[0]); i++) {
		char *once = NULL, *twice = NULL;

		if (!canon_cases[i].want)
			continue;
		assert_int_equal(url_canonicalize(NULL, canon_cases[i].want, &once, NULL), 0);
		assert_int_equal(url_canonicalize(NULL, once, &twice, NULL), 0);
		assert_string_equal(once, canon_cases[i].want);
		assert_string_equal(twice, once);
		free(once);
		free(twice);
	}
}

static void test_curl_reason_in_error(void **state)
{
	struct lw_error err;
	char *out = NULL;

	(void)state;
	assert_int_equal(url_canonicalize(NULL, "http://h.example:99999/", &out, &err), -1);
	assert_null(out);
	assert_non_null(strstr(err.msg, "'http://h.example:99999/'"));
	assert_non_null(strstr(err.msg, "Port number"));
}

static void test_too_long(void **state)
{
	size_t n = URL_MAX_LEN + 10;
	char *u = malloc(n + 1), *out = NULL;
	struct lw_error err;

	(void)state;
	memcpy(u, "http://h.example/", 17);
	memset(u + 17, 'a', n - 17);
	u[n] = '\0';
	assert_int_equal(url_canonicalize(NULL, u, &out, &err), -1);
	assert_non_null(strstr(err.msg, "longer than"));
	free(u);
}

static void test_host(void **state)
{
	static const struct {
		const char *url, *host;
		int port;
	} cases[] = {
		{ "http://Example.COM/a", "example.com", 80 },
		{ "https://example.com/a", "example.com", 443 },
		{ "http://example.com:8080/", "example.com", 8080 },
		{ "http://[::1]:81/", "::1", 81 },
		{ "https://[FE80::1]/", "fe80::1", 443 },
		{ "http://10.1.2.3/", "10.1.2.3", 80 },
	};
	struct lw_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *host = NULL;
		int port = 0;

		if (url_host(cases[i].url, &host, &port, &err) < 0)
			fail_msg("%s: %s", cases[i].url, err.msg);
		assert_string_equal(host, cases[i].host);
		assert_int_equal(port, cases[i].port);
		free(host);
	}
	{
		char *host = NULL;
		int port = 7;

		assert_int_equal(url_host("ftp://x.example/", &host, &port, &err), -1);
		assert_int_equal(url_host("nonsense", &host, &port, &err), -1);
		assert_null(host);
		assert_int_equal(port, 7);
	}
}

static void test_ip_private(void **state)
{
	static const struct {
		const char *ip;
		int want;
	} cases[] = {
		{ "127.0.0.1", 1 }, { "127.255.1.2", 1 }, { "10.0.0.1", 1 },
		{ "172.16.0.1", 1 }, { "172.31.255.255", 1 }, { "172.15.255.255", 0 },
		{ "172.32.0.1", 0 }, { "192.168.1.1", 1 }, { "192.169.1.1", 0 },
		{ "169.254.169.254", 1 }, { "0.0.0.0", 1 }, { "100.64.0.1", 1 },
		{ "100.127.255.255", 1 }, { "100.63.255.255", 0 }, { "100.128.0.0", 0 },
		{ "224.0.0.1", 1 }, { "239.255.255.250", 1 }, { "255.255.255.255", 1 },
		{ "8.8.8.8", 0 }, { "93.184.216.34", 0 }, { "1.1.1.1", 0 },
		{ "::1", 1 }, { "::", 1 }, { "fc00::1", 1 }, { "fd12:3456::1", 1 },
		{ "fe80::1", 1 }, { "febf::1", 1 }, { "ff02::1", 1 }, { "FF05::2", 1 },
		{ "2001:4860:4860::8888", 0 }, { "2606:4700::1111", 0 }, { "fb00::1", 0 },
		{ "::ffff:127.0.0.1", 1 }, { "::ffff:7f00:1", 1 }, { "::ffff:10.0.0.1", 1 },
		{ "::ffff:192.168.0.1", 1 }, { "::ffff:169.254.1.1", 1 },
		{ "::ffff:8.8.8.8", 0 }, { "::127.0.0.1", 1 }, { "64:ff9b::10.0.0.1", 1 },
		{ "64:ff9b::8.8.8.8", 0 }, { "::ffff:100.64.0.1", 1 },
		{ "example.com", -1 }, { "127.1", -1 }, { "", -1 }, { "[::1]", -1 },
		{ "1.2.3.4.5", -1 }, { "::1%lo", -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (url_ip_is_private(cases[i].ip) != cases[i].want)
			fail_msg("%s: got %d, want %d", cases[i].ip,
				 url_ip_is_private(cases[i].ip), cases[i].want);
	assert_int_equal(url_ip_is_private(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonicalize),
		cmocka_unit_test(test_canonical_is_fixed_point),
		cmocka_unit_test(test_curl_reason_in_error),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_ip_private),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
