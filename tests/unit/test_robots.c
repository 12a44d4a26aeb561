/* SPDX-License-Identifier: MIT */
/* robots.txt: Google's conformance suite (with a table of deliberate
 * differences), group selection, wildcards, percent-encoding, limits, fuzz. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "../../crawler/robots.h"
#include "../../util/hex.h"

/* ---- helpers ---------------------------------------------------------------- */

static struct robots *parse(const char *text, const char *agent)
{
	struct robots *r = robots_parse(text, strlen(text), agent);

	assert_non_null(r);
	return r;
}

/* 1/0 for path under text for agent. */
static int allowed(const char *text, const char *agent, const char *path)
{
	struct robots *r = parse(text, agent);
	int a = robots_allowed(r, path);

	robots_free(r);
	return a;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* tests/data/... relative to the repository root ($LW_TOP, else the cwd). */
static void data_path(char *buf, size_t n, const char *rel)
{
	const char *top = getenv("LW_TOP");

	snprintf(buf, n, "%s/%s", top && *top ? top : ".", rel);
}

/* Decodes hex into a new buffer (caller frees). */
static char *unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex);
	char *out = malloc(n / 2 + 1);

	assert_non_null(out);
	assert_int_equal(n % 2, 0);
	for (size_t i = 0; i < n; i += 2) {
		int hi = lw_hex_digit(hex[i]), lo = lw_hex_digit(hex[i + 1]);

		assert_true(hi >= 0 && lo >= 0);
		out[i / 2] = (char)(hi * 16 + lo);
	}
	*len = n / 2;
	return out;
}

/* ---- Google's conformance suite --------------------------------------------- */

/* Cases where lurewatch deliberately answers differently from Google's suite
 * (see docs/robots.md). A case is file + test_index + url + user agent, since
 * one test_index holds several expectations. */
static const struct exception {
	const char *file;
	int test_index;
	const char *url;
	const char *agent;
	const char *decided;   /* what robots_allowed_url answers */
	const char *reason;
} exceptions[] = {
	{ "correctness/non-ascii-paths.textproto", 1, "http://foo.bar/foo/bar/\xE3\x83\x84", "FooBot",
	  "ALLOWED", "RFC 9309 2.2.2: non-ASCII octets of the URI are percent-encoded before "
		     "comparison, so a raw UTF-8 path matches 'Allow: /foo/bar/\xE3\x83\x84'" },
	{ "correctness/non-ascii-paths.textproto", 2, "http://foo.bar/foo/bar/\xE3\x83\x84", "FooBot",
	  "ALLOWED", "RFC 9309 2.2.2: as above, against 'Allow: /foo/bar/%E3%83%84'" },
	{ "correctness/non-ascii-paths.textproto", 3, "http://foo.bar/foo/bar/baz", "FooBot",
	  "ALLOWED", "RFC 9309 2.2.2 (and its example table): %62%61%7A are unreserved "
		     "characters, decoded before comparison, so the rule is '/foo/bar/baz'" },
	{ "stress/327748.textproto", 0, "http://m.example.com/robots.txt", "asdfbot",
	  "ALLOWED", "RFC 9309 2.2.2: the /robots.txt URI is implicitly allowed" },
	{ "stress/369883.textproto", 0, "http://example.com/robots.txt", "BarBot",
	  "ALLOWED", "RFC 9309 2.2.2: the /robots.txt URI is implicitly allowed" },
	{ "stress/369883.textproto", 0, "http://example.com/robots.txt", "AB",
	  "ALLOWED", "RFC 9309 2.2.2: the /robots.txt URI is implicitly allowed" },
	{ "stress/860237.textproto", 0, "http://example.com/robots.txt", "XYZ",
	  "ALLOWED", "RFC 9309 2.2.2: the /robots.txt URI is implicitly allowed" },
};

#define NEXCEPTIONS (sizeof(exceptions) / sizeof(exceptions[0]))

static const struct exception *find_exception(const char *file, int idx, const char *url,
					      const char *agent)
{
	for (size_t i = 0; i < NEXCEPTIONS; i++) {
		const struct exception *e = &exceptions[i];

		if (strcmp(e->file, file) == 0 && e->test_index == idx && strcmp(e->url, url) == 0 &&
		    strcmp(e->agent, agent) == 0)
			return e;
	}
	return NULL;
}

struct suite_counts {
	size_t cases, passed, failed, excepted;
	size_t seen[NEXCEPTIONS];
};

static void run_case(json_t *c, struct suite_counts *k)
{
	const char *file = json_string_value(json_object_get(c, "file"));
	const char *hex = json_string_value(json_object_get(c, "robotstxt_hex"));
	const char *agent = json_string_value(json_object_get(c, "useragent"));
	const char *url = json_string_value(json_object_get(c, "url"));
	const char *expected = json_string_value(json_object_get(c, "expected"));
	int idx = (int)json_integer_value(json_object_get(c, "test_index"));
	const struct exception *e;
	const char *want, *got;
	struct robots *r;
	size_t len;
	char *bytes;
	int a;

	assert_true(file && hex && agent && url && expected);
	bytes = unhex(hex, &len);
	r = robots_parse(bytes, len, agent);
	a = robots_allowed_url(r, url);
	got = a == 1 ? "ALLOWED" : a == 0 ? "DISALLOWED" : "ERROR";
	e = find_exception(file, idx, url, agent);
	want = e ? e->decided : expected;
	if (e) {
		k->excepted++;
		k->seen[e - exceptions]++;
		/* An exception that agrees with Google is stale: drop it. */
		assert_string_not_equal(e->decided, expected);
	}
	k->cases++;
	if (strcmp(want, got) == 0) {
		k->passed++;
	} else {
		k->failed++;
		fprintf(stderr, "FAIL %s #%d agent '%s' url '%s': want %s, got %s\n", file, idx,
			agent, url, want, got);
	}
	robots_free(r);
	free(bytes);
}

static void test_conformance_suite(void **state)
{
	char path[4096], line[1 << 17];
	struct suite_counts k = { 0 };
	FILE *f;

	(void)state;
	data_path(path, sizeof(path), "tests/data/robots-spec/cases.jsonl");
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		json_error_t jerr;
		json_t *c = json_loads(line, 0, &jerr);

		assert_non_null(c);
		run_case(c, &k);
		json_decref(c);
	}
	fclose(f);
	printf("robots conformance: %zu cases, %zu passed (%zu as decided exceptions), %zu failed\n",
	       k.cases, k.passed, k.excepted, k.failed);
	assert_int_equal(k.cases, 400);
	assert_int_equal(k.failed, 0);
	/* Every exception names exactly one case of the suite. */
	for (size_t i = 0; i < NEXCEPTIONS; i++)
		assert_int_equal(k.seen[i], 1);
}

/* ---- groups ---------------------------------------------------------------------- */

static void test_merge_groups(void **state)
{
	const char *t = "User-agent: lurewatch\n"
			"Disallow: /a\n"
			"\n"
			"User-agent: other\n"
			"Disallow: /\n"
			"\n"
			"user-agent: LUREWATCH\n"
			"Disallow: /b\n"
			"Allow: /b/ok\n";

	(void)state;
	assert_int_equal(allowed(t, "lurewatch", "/a/x"), 0);
	assert_int_equal(allowed(t, "lurewatch", "/b/x"), 0);
	assert_int_equal(allowed(t, "lurewatch", "/b/ok/1"), 1);
	assert_int_equal(allowed(t, "lurewatch", "/c"), 1);
	assert_int_equal(allowed(t, "LureWatch", "/a"), 0);
	assert_int_equal(allowed(t, "other", "/c"), 0);
	/* consecutive user-agent lines share one group, blank lines between them too */
	t = "User-agent: a\n\nUser-agent: lurewatch\nDisallow: /x\nUser-agent: b\nDisallow: /y\n";
	assert_int_equal(allowed(t, "lurewatch", "/x"), 0);
	assert_int_equal(allowed(t, "lurewatch", "/y"), 1);
	assert_int_equal(allowed(t, "a", "/x"), 0);
	assert_int_equal(allowed(t, "b", "/x"), 1);
	/* rules before any user-agent line belong to no group */
	assert_int_equal(allowed("Disallow: /\nUser-agent: *\nDisallow: /z\n", "x", "/a"), 1);
}

static void test_most_specific_agent(void **state)
{
	const char *t = "User-agent: *\n"
			"Disallow: /\n"
			"User-agent: lurewatch\n"
			"Disallow: /private\n";
	struct robots *r;

	(void)state;
	/* the agent's own group replaces "*" entirely */
	assert_int_equal(allowed(t, "lurewatch", "/jobs"), 1);
	assert_int_equal(allowed(t, "lurewatch", "/private/1"), 0);
	assert_int_equal(allowed(t, "otherbot", "/jobs"), 0);
	assert_int_equal(allowed(t, NULL, "/jobs"), 0);
	assert_int_equal(allowed(t, "", "/jobs"), 0);
	/* a group naming the agent with no rules allows everything */
	assert_int_equal(allowed("User-agent: *\nDisallow: /\nUser-agent: lurewatch\n", "lurewatch",
				 "/x"), 1);
	/* only the product token of the line counts: letters, '-' and '_' */
	assert_int_equal(allowed("User-agent: lurewatch/1.0 (+https://x)\nDisallow: /\n",
				 "lurewatch", "/x"), 0);
	assert_int_equal(allowed("User-agent: lurewatchbot\nDisallow: /\n", "lurewatch", "/x"), 1);
	assert_int_equal(allowed("User-agent: * lurewatch\nDisallow: /\n", "anybot", "/x"), 0);
	/* the kept group has only its own rules */
	r = parse(t, "lurewatch");
	assert_int_equal(robots_rule_count(r), 1);
	robots_free(r);
}

/* ---- patterns -------------------------------------------------------------------- */

static void test_dollar(void **state)
{
	const char *t = "User-agent: *\n"
			"Disallow: /*.php$\n"
			"Disallow: /exact$\n"
			"Disallow: /mid$dle\n";

	(void)state;
	assert_int_equal(allowed(t, "x", "/index.php"), 0);
	assert_int_equal(allowed(t, "x", "/a/b.php"), 0);
	assert_int_equal(allowed(t, "x", "/index.php?x=1"), 1);
	assert_int_equal(allowed(t, "x", "/index.php5"), 1);
	assert_int_equal(allowed(t, "x", "/exact"), 0);
	assert_int_equal(allowed(t, "x", "/exact/"), 1);
	assert_int_equal(allowed(t, "x", "/exactly"), 1);
	/* '$' is special only at the end */
	assert_int_equal(allowed(t, "x", "/mid$dle/x"), 0);
	assert_int_equal(allowed(t, "x", "/middle"), 1);
	/* "/$" is the home page only; it beats "/" by length */
	t = "User-agent: *\nDisallow: /\nAllow: /$\n";
	assert_int_equal(allowed(t, "x", "/"), 1);
	assert_int_equal(allowed(t, "x", "/a"), 0);
	assert_int_equal(allowed(t, "x", ""), 1);
}

static void test_star(void **state)
{
	const char *t = "User-agent: *\n"
			"Disallow: /*/edit\n"
			"Disallow: /search*q=\n"
			"Disallow: /**x**y\n"
			"Allow: /*/edit/ok\n";

	(void)state;
	assert_int_equal(allowed(t, "x", "/jobs/1/edit"), 0);
	assert_int_equal(allowed(t, "x", "/jobs/1/edit/more"), 0);
	assert_int_equal(allowed(t, "x", "/edit"), 1);
	assert_int_equal(allowed(t, "x", "/jobs/1/edit/ok"), 1);
	assert_int_equal(allowed(t, "x", "/search?a=1&q=2"), 0);
	assert_int_equal(allowed(t, "x", "/search?a=1"), 1);
	assert_int_equal(allowed(t, "x", "/aaxbby"), 0);
	assert_int_equal(allowed(t, "x", "/aayx"), 1);
	/* "*" alone and a trailing "*" match everything */
	assert_int_equal(allowed("User-agent: *\nDisallow: *\n", "x", "/a"), 0);
	assert_int_equal(allowed("User-agent: *\nDisallow: /a*\n", "x", "/a"), 0);
	/* longest pattern wins, Allow wins a tie */
	t = "User-agent: *\nAllow: /p\nDisallow: /*.h\nAllow: /a/\nDisallow: /a/\n";
	assert_int_equal(allowed(t, "x", "/page.h"), 0);
	assert_int_equal(allowed(t, "x", "/page"), 1);
	assert_int_equal(allowed(t, "x", "/a/b"), 1);
	/* an empty Disallow matches nothing */
	assert_int_equal(allowed("User-agent: *\nDisallow:\n", "x", "/a"), 1);
}

static void test_percent_encoding(void **state)
{
	const char *t = "User-agent: *\n"
			"Disallow: /a%2fb\n"
			"Disallow: /%7Euser\n"
			"Disallow: /caf\xC3\xA9\n"
			"Disallow: /sp ace\n";

	(void)state;
	/* hex digits compare case-insensitively */
	assert_int_equal(allowed(t, "x", "/a%2Fb"), 0);
	assert_int_equal(allowed(t, "x", "/a%2fb"), 0);
	/* an encoded '/' is not a '/' (reserved: kept encoded) */
	assert_int_equal(allowed(t, "x", "/a/b"), 1);
	/* unreserved characters are decoded on both sides */
	assert_int_equal(allowed(t, "x", "/~user/x"), 0);
	assert_int_equal(allowed(t, "x", "/%7euser"), 0);
	assert_int_equal(allowed("User-agent: *\nDisallow: /~a\n", "x", "/%7Ea"), 0);
	assert_int_equal(allowed("User-agent: *\nDisallow: /%61\n", "x", "/a"), 0);
	/* non-ASCII octets are percent-encoded on both sides */
	assert_int_equal(allowed(t, "x", "/caf%C3%A9"), 0);
	assert_int_equal(allowed(t, "x", "/caf%c3%a9"), 0);
	assert_int_equal(allowed(t, "x", "/caf\xC3\xA9"), 0);
	assert_int_equal(allowed(t, "x", "/cafe"), 1);
	assert_int_equal(allowed(t, "x", "/sp%20ace"), 0);
	/* a '%' without two hex digits is just a byte */
	assert_int_equal(allowed("User-agent: *\nDisallow: /100%\n", "x", "/100%"), 0);
	assert_int_equal(allowed("User-agent: *\nDisallow: /100%\n", "x", "/100"), 1);
	/* a literal '*' is written %2A */
	assert_int_equal(allowed("User-agent: *\nDisallow: /a%2Ab\n", "x", "/a%2ab"), 0);
	assert_int_equal(allowed("User-agent: *\nDisallow: /a%2Ab\n", "x", "/axb"), 1);
}

/* ---- syntax ------------------------------------------------------------------------- */

static void test_syntax(void **state)
{
	struct robots *r;

	(void)state;
	/* BOM, CR, CRLF, comments, odd case and spacing */
	assert_int_equal(allowed("\xEF\xBB\xBFUser-agent: x\r\nDisallow: /a\r\n", "x", "/a"), 0);
	assert_int_equal(allowed("User-agent: x\rDisallow: /a\r", "x", "/a"), 0);
	assert_int_equal(allowed("  USER-AGENT :\tx  # me\n\tdIsAlLoW  :  /a  # not /\n", "x", "/b"),
			 1);
	assert_int_equal(allowed("  USER-AGENT :\tx  # me\n\tdIsAlLoW  :  /a  # not /\n", "x", "/a"),
			 0);
	assert_int_equal(allowed("# User-agent: x\n# Disallow: /\n", "x", "/a"), 1);
	/* Google's accepted mistakes */
	assert_int_equal(allowed("user agent: x\ndisalow: /a\n", "x", "/a"), 0);
	assert_int_equal(allowed("useragent: x\ndissallow: /a\n", "x", "/a"), 0);
	assert_int_equal(allowed("user-agent x\ndisallow /a\n", "x", "/a"), 0);
	/* three words and no colon is not a record */
	assert_int_equal(allowed("user-agent: x\ndisallow /a /b\n", "x", "/a"), 1);
	/* garbage lines are skipped, NUL bytes included */
	{
		static const char nul[] = "User-agent: x\n\0\0garbage\nDisallow: /a\n";

		r = robots_parse(nul, sizeof(nul) - 1, "x");
	}
	assert_int_equal(robots_allowed(r, "/a"), 0);
	robots_free(r);
	r = robots_parse(NULL, 0, NULL);
	assert_int_equal(robots_allowed(r, "/"), 1);
	assert_int_equal(robots_rule_count(r), 0);
	robots_free(r);
	robots_free(NULL);
}

static void test_crawl_delay(void **state)
{
	const char *t = "User-agent: *\n"
			"Crawl-delay: 10\n"
			"User-agent: lurewatch\n"
			"Crawl-delay: 2.5\n"
			"User-agent: lurewatch\n"
			"Crawl-delay: 7\n"
			"User-agent: bad\n"
			"Crawl-delay: soon\n"
			"User-agent: neg\n"
			"Crawl-delay: -1\n";
	struct robots *r;

	(void)state;
	r = parse(t, "lurewatch");
	assert_true(robots_crawl_delay(r) == 2.5);
	robots_free(r);
	r = parse(t, "other");
	assert_true(robots_crawl_delay(r) == 10);
	robots_free(r);
	r = parse(t, "bad");
	assert_true(robots_crawl_delay(r) == -1);
	robots_free(r);
	r = parse(t, "neg");
	assert_true(robots_crawl_delay(r) == -1);
	robots_free(r);
	r = parse("User-agent: *\nDisallow: /\n", "x");
	assert_true(robots_crawl_delay(r) == -1);
	robots_free(r);
	r = robots_allow_all();
	assert_true(robots_crawl_delay(r) == -1);
	robots_free(r);
}

static void test_sitemaps(void **state)
{
	const char *t = "Sitemap: https://example.com/a.xml\n"
			"User-agent: other\n"
			"Disallow: /\n"
			"sitemap:https://example.com/b.xml # comment\n"
			"Site-map: https://example.com/c.xml\n"
			"Sitemap:\n";
	struct robots *r = parse(t, "lurewatch");

	(void)state;
	assert_int_equal(robots_sitemap_count(r), 3);
	assert_string_equal(robots_sitemap(r, 0), "https://example.com/a.xml");
	assert_string_equal(robots_sitemap(r, 1), "https://example.com/b.xml");
	assert_string_equal(robots_sitemap(r, 2), "https://example.com/c.xml");
	assert_null(robots_sitemap(r, 3));
	robots_free(r);
}

/* ---- decisions, URLs and explanations ------------------------------------------- */

static void test_allow_disallow_all(void **state)
{
	struct robots *a = robots_allow_all(), *d = robots_disallow_all();
	char buf[256];

	(void)state;
	assert_int_equal(robots_allowed(a, "/x"), 1);
	assert_int_equal(robots_allowed(d, "/x"), 0);
	assert_int_equal(robots_allowed(d, "/"), 0);
	/* RFC 9309 2.2.2: /robots.txt is implicitly allowed */
	assert_int_equal(robots_allowed(d, "/robots.txt"), 1);
	assert_int_equal(robots_allowed(d, "/robots.txt?x"), 0);
	assert_int_equal(robots_explain(d, "/x", buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "disallow all"));
	assert_int_equal(robots_explain(a, "/x", buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "allow all"));
	assert_int_equal(robots_sitemap_count(a), 0);
	robots_free(a);
	robots_free(d);
}

static void test_explain(void **state)
{
	const char *t = "# jobs site\n"
			"User-agent: *\n"
			"Allow: /private/open\n"
			"\n"
			"Sitemap: /s.xml\n"
			"\n"
			"Disallow: /private\n"
			"Allow: /x/index.html\n";
	struct robots *r = parse(t, "lurewatch");
	char buf[256], tiny[8];

	(void)state;
	assert_int_equal(robots_explain(r, "/private/1", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "disallowed by 'Disallow: /private' (line 7)");
	assert_int_equal(robots_explain(r, "/private/open/1", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "allowed by 'Allow: /private/open' (line 3)");
	assert_int_equal(robots_explain(r, "/jobs", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "allowed: no rule matches");
	assert_int_equal(robots_explain(r, "/robots.txt", buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "always allowed"));
	assert_int_equal(robots_explain(r, "/x/", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "allowed by 'Allow: /x/index.html' (line 8, read as '/x/$')");
	/* a short buffer is truncated, not overrun */
	assert_int_equal(robots_explain(r, "/private/1", tiny, sizeof(tiny)), 0);
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	assert_int_equal(robots_explain(r, "/private/1", NULL, 0), 0);
	robots_free(r);
}

static void test_urls(void **state)
{
	struct robots *r = parse("User-agent: *\nDisallow: /*?q=\nDisallow: /b$\n", "x");
	char *p;

	(void)state;
	assert_int_equal(robots_allowed_url(r, "https://example.com/a?q=1"), 0);
	assert_int_equal(robots_allowed_url(r, "https://example.com/a?r=1"), 1);
	assert_int_equal(robots_allowed_url(r, "https://example.com/b#frag"), 0);
	assert_int_equal(robots_allowed_url(r, "HTTP://EXAMPLE.COM/b"), 0);
	assert_int_equal(robots_allowed_url(r, "https://example.com"), 1);
	assert_int_equal(robots_allowed_url(r, "https://example.com/x/../b"), 0);
	assert_int_equal(robots_allowed_url(r, "ftp://example.com/a"), -1);
	assert_int_equal(robots_allowed_url(r, "not a url"), -1);
	assert_int_equal(robots_allowed_url(r, "https://exa mple.com/"), -1);
	assert_int_equal(robots_allowed_url(r, NULL), -1);
	p = robots_url_path("http://example.com?x=1");
	assert_string_equal(p, "/?x=1");
	free(p);
	p = robots_url_path("http://example.com/a/b?");
	assert_string_equal(p, "/a/b?");
	free(p);
	p = robots_url_path("");
	assert_string_equal(p, "/");
	free(p);
	robots_free(r);
}

/* ---- limits -------------------------------------------------------------------------- */

static void test_pathological_wildcards(void **state)
{
	size_t plen = 100000, nstars = 5000;
	char *robots = malloc(32 + 2 * nstars + 64), *path = malloc(plen + 2);
	struct robots *r;
	double t0;
	size_t o;

	(void)state;
	assert_non_null(robots);
	assert_non_null(path);
	o = (size_t)snprintf(robots, 32, "User-agent: *\nDisallow: /");
	for (size_t i = 0; i < nstars; i++) {
		robots[o++] = '*';
		robots[o++] = 'a';
	}
	memcpy(robots + o, "*b\nDisallow: /*aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab$\n", 49);
	o += 49;
	path[0] = '/';
	memset(path + 1, 'a', plen);
	path[plen + 1] = '\0';
	r = robots_parse(robots, o, "x");
	t0 = now();
	for (int i = 0; i < 20; i++)
		assert_int_equal(robots_allowed(r, path), 1);
	path[plen] = 'b';
	assert_int_equal(robots_allowed(r, path), 0);
	assert_true(now() - t0 < 2.0);
	robots_free(r);
	free(robots);
	free(path);
}

static void test_size_cap(void **state)
{
	size_t cap = ROBOTS_MAX_BYTES, n = cap + 4096, o;
	char *t = malloc(n);
	struct robots *r;
	const char *head = "User-agent: *\nDisallow: /early\n";

	(void)state;
	assert_non_null(t);
	/* comment filler, then "Disallow: /cut" straddling the cap, then one beyond it */
	memset(t, '#', n);
	memcpy(t, head, strlen(head));
	for (size_t i = 100; i < cap - 200; i += 100)
		t[i] = '\n';
	o = cap - 50;
	t[o - 1] = '\n';
	memcpy(t + o, "Disallow: /inside\n", 18);
	o = cap - 5;
	memcpy(t + o, "Disallow: /cut\n", 15);
	memcpy(t + cap + 100, "\nDisallow: /\n", 13);
	r = robots_parse(t, n, "x");
	assert_int_equal(robots_allowed(r, "/early"), 0);
	assert_int_equal(robots_allowed(r, "/inside"), 0);
	assert_int_equal(robots_allowed(r, "/cut"), 1);
	assert_int_equal(robots_allowed(r, "/other"), 1);
	assert_int_equal(robots_rule_count(r), 2);
	robots_free(r);
	/* a line that ends exactly at the cap is kept */
	memcpy(t + cap - 14, "\nDisallow: /z\n", 14);
	r = robots_parse(t, n, "x");
	assert_int_equal(robots_allowed(r, "/z"), 0);
	robots_free(r);
	free(t);
}

/* A fixed-seed generator, so a failure can be replayed. */
static uint32_t rnd(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void test_fuzz(void **state)
{
	static const char *const words[] = {
		"User-agent:", "Disallow:", "Allow:", "Sitemap:", "Crawl-delay:", " ", "*", "$",
		"/", "%", "%2", "%2F", "#", "\n", "\r", "\r\n", "x", "lurewatch", "\xEF\xBB\xBF", ":",
		"\t", "?", "a", "\xE3\x83\x84", "index.html", "-1", "1e999", "0",
	};
	uint32_t seed = 12345;
	char buf[4096], path[256];

	(void)state;
	for (int iter = 0; iter < 3000; iter++) {
		size_t n = 0, target = rnd(&seed) % sizeof(buf);
		struct robots *r;
		char why[128];

		while (n < target) {
			if (rnd(&seed) % 4 == 0) {
				buf[n++] = (char)(rnd(&seed) & 0xff);
			} else {
				const char *w = words[rnd(&seed) % (sizeof(words) / sizeof(words[0]))];
				size_t wl = strlen(w);

				if (n + wl > target)
					break;
				memcpy(buf + n, w, wl);
				n += wl;
			}
		}
		r = robots_parse(buf, n, rnd(&seed) % 2 ? "lurewatch" : "x");
		for (int k = 0; k < 8; k++) {
			size_t pl = rnd(&seed) % (sizeof(path) - 1);

			for (size_t i = 0; i < pl; i++)
				path[i] = buf[rnd(&seed) % (n ? n : 1)] ? buf[rnd(&seed) % (n ? n : 1)] : 'a';
			path[pl] = '\0';
			assert_true(robots_allowed(r, path) >= 0);
			assert_true(robots_explain(r, path, why, sizeof(why)) >= 0);
		}
		(void)robots_crawl_delay(r);
		for (size_t i = 0; i < robots_sitemap_count(r); i++)
			assert_non_null(robots_sitemap(r, i));
		robots_free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conformance_suite),
		cmocka_unit_test(test_merge_groups),
		cmocka_unit_test(test_most_specific_agent),
		cmocka_unit_test(test_dollar),
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_percent_encoding),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_crawl_delay),
		cmocka_unit_test(test_sitemaps),
		cmocka_unit_test(test_allow_disallow_all),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_pathological_wildcards),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
