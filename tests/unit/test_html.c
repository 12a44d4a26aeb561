/* SPDX-License-Identifier: MIT */
/* Unit tests for visible-text extraction from HTML. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../matcher/text.h"

struct html_case {
	const char *name;
	const char *in;
	const char *out;
};

static void check_html(const char *name, const char *in, size_t len,
		       const char *want)
{
	struct lw_error err;
	size_t out_len = 12345;
	char *got = text_from_html(in, len, &out_len, &err);
	char shown[256];

	if (!got)
		fail_msg("%s: text_from_html failed: %s", name, err.msg);
	if (strcmp(got, want)) {
		snprintf(shown, sizeof(shown), "%s", got);
		free(got);
		fail_msg("%s: got \"%s\", want \"%s\"", name, shown, want);
	}
	assert_int_equal(out_len, strlen(want));
	free(got);
}

static void test_cases(void **state)
{
	static const struct html_case cases[] = {
		{ "script and style dropped",
		  "<html><head><style>p{color:red}</style><script>var s='hidden';"
		  "</script></head><body><p>Visible</p><script>alert(1)</script>"
		  "<noscript>enable js</noscript><template><p>tpl</p></template>"
		  "<svg><text>vector</text></svg>text</body></html>",
		  "Visible\ntext" },
		{ "title first, rest of head dropped",
		  "<html><head><meta name=\"description\" content=\"meta\">"
		  "<title>Job in Dubai</title></head><body>Apply now</body></html>",
		  "Job in Dubai\nApply now" },
		{ "block elements end lines",
		  "<div>one</div><p>two</p>three<br>four<ul><li>five</li>"
		  "<li>six</li></ul><h2>seven</h2><blockquote>eight</blockquote>",
		  "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight" },
		{ "inline elements do not split words",
		  "<p>pass<b>port</b> <i>and</i> <span>visa</span></p>",
		  "passport and visa" },
		{ "table cells separated, rows on lines",
		  "<table><tr><td>a</td><td>b</td></tr><tr><th>c</th><td>d</td>"
		  "</tr></table>",
		  "a b\nc d" },
		{ "whitespace collapsed",
		  "<p>  lots   of\n\n\tspace  </p>", "lots of space" },
		{ "pre keeps its lines",
		  "<pre>line one\nline two</pre>", "line one\nline two" },
		{ "entities decoded",
		  "<p>Tom &amp; Jerry &lt;3 caf&eacute; &#x1F4DE; &#233;&nbsp;x</p>",
		  "Tom & Jerry <3 caf\xc3\xa9 \xf0\x9f\x93\x9e \xc3\xa9\xc2\xa0x" },
		{ "comments dropped",
		  "<p>keep<!-- hidden comment -->this</p>", "keepthis" },
		{ "broken markup recovered",
		  "<div><p>unclosed <b>bold <i>italic</div></span>after",
		  "unclosed bold italic\nafter" },
		{ "stray text without tags", "just text", "just text" },
		{ "UTF-8 kept", "<p>Привет мир</p>", "Привет мир" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_html(cases[i].name, cases[i].in, strlen(cases[i].in),
			   cases[i].out);
}

static void test_charset(void **state)
{
	static const char latin1[] =
		"<html><head><meta charset=\"iso-8859-1\"></head>"
		"<body>Se\xf1or, caf\xe9</body></html>";
	static const char http_equiv[] =
		"<html><head><meta http-equiv=\"Content-Type\" "
		"content=\"text/html; charset=windows-1251\"></head>"
		"<body>\xcf\xf0\xe8\xe2\xe5\xf2</body></html>";
	static const char utf8[] =
		"<html><head><meta charset=\"utf-8\"></head>"
		"<body>Se\xc3\xb1or</body></html>";

	(void)state;
	check_html("meta charset", latin1, sizeof(latin1) - 1,
		   "Se\xc3\xb1or, caf\xc3\xa9");
	check_html("http-equiv", http_equiv, sizeof(http_equiv) - 1,
		   "Привет");
	check_html("utf-8", utf8, sizeof(utf8) - 1, "Se\xc3\xb1or");
}

/* Undeclared bytes that are not UTF-8 still come out as valid UTF-8. */
static void test_undeclared_bytes(void **state)
{
	static const char in[] = "<p>caf\xe9 ok</p>";
	struct lw_error err;
	size_t len;
	char *got;

	(void)state;
	got = text_from_html(in, sizeof(in) - 1, &len, &err);
	assert_non_null(got);
	assert_true(text_utf8_valid(got, len));
	assert_non_null(strstr(got, "ok"));
	free(got);
}

static void test_empty(void **state)
{
	(void)state;
	check_html("empty", "", 0, "");
	check_html("blank", "   \n ", 5, "");
	check_html("no text", "<html><body></body></html>", 26, "");
	check_html("only script", "<script>only()</script>", 23, "");
}

static char *nested(const char *open, const char *close, size_t depth,
		    const char *middle, const char *after, size_t *len)
{
	size_t lo = strlen(open), lc = strlen(close), lm = strlen(middle);
	size_t la = strlen(after), n = 0, i;
	char *s = malloc(depth * (lo + lc) + lm + la + 1);

	assert_non_null(s);
	for (i = 0; i < depth; i++, n += lo)
		memcpy(s + n, open, lo);
	memcpy(s + n, middle, lm);
	n += lm;
	for (i = 0; i < depth; i++, n += lc)
		memcpy(s + n, close, lc);
	memcpy(s + n, after, la);
	n += la;
	s[n] = '\0';
	*len = n;
	return s;
}

/* Deep nesting must neither exhaust the stack nor hide what follows it. */
static void test_deep_nesting(void **state)
{
	size_t len;
	char *s;

	(void)state;
	s = nested("<div>", "</div>", 10000, "deep", "<p>after</p>", &len);
	check_html("nested divs", s, len, "deep\nafter");
	free(s);
	s = nested("<span><b>", "", 10000, "inner", "", &len);
	check_html("unclosed inline", s, len, "inner");
	free(s);
}

static void test_too_large(void **state)
{
	struct lw_error err;
	size_t len = 7;
	char *big = calloc(TEXT_MAX_INPUT + 1u, 1);

	(void)state;
	assert_non_null(big);
	assert_null(text_from_html(big, TEXT_MAX_INPUT + 1u, &len, &err));
	assert_non_null(strstr(err.msg, "exceeds"));
	assert_int_equal(len, 7);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_charset),
		cmocka_unit_test(test_undeclared_bytes),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_too_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
