/* SPDX-License-Identifier: MIT */
/* Unit tests for link, text, feed and sitemap extraction (crawler/extract.c)
 * on the fixtures in tests/data/extract and on the sample site. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "../../crawler/extract.h"
#include "../../matcher/matcher.h"
#include "../../crawler/url.h"
#include "../../util/buf.h"
#include "../../util/utf8.h"

#define PAGE "http://jobs.example/jobs/page/1.html"

/* ---- helpers ----------------------------------------------------------- */

/* Reads tests/data/extract/name (relative to $LW_TOP, else the cwd), or a
 * path from the top when name contains a slash. Caller frees. */
static char *slurp(const char *name, size_t *len)
{
	const char *top = getenv("LW_TOP");
	char path[1024];
	struct lw_buf b;
	char chunk[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s%s", top ? top : ".",
		 strchr(name, '/') ? "" : "tests/data/extract/", name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	lw_buf_init(&b, 64u << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(lw_buf_add(&b, chunk, n), 0);
	fclose(f);
	if (!b.data)
		assert_int_equal(lw_buf_adds(&b, ""), 0);
	return lw_buf_detach(&b, len);
}

static char *must_slurp(const char *name, size_t *len)
{
	char *s = slurp(name, len);

	if (!s)
		fail_msg("cannot read fixture %s", name);
	return s;
}

static struct extract_page *load_page(const char *name, const char *ctype,
				      const char *base)
{
	struct lw_error err;
	size_t len;
	char *data = must_slurp(name, &len);
	struct extract_page *p = extract_page_parse(data, len, ctype, base, &err);

	if (!p)
		fail_msg("%s: %s", name, err.msg);
	free(data);
	return p;
}

/* Compares a string array with a NULL-terminated list. */
static void check_list(char **got, size_t n, const char *const *want)
{
	size_t k = 0;

	for (; want[k]; k++) {
		if (k >= n)
			fail_msg("missing [%zu] '%s'", k, want[k]);
		if (strcmp(got[k], want[k]))
			fail_msg("[%zu]: got '%s', want '%s'", k, got[k], want[k]);
	}
	if (n != k)
		fail_msg("%zu results, want %zu (first extra '%s')", n, k, got[k]);
}

static void check_links(struct extract_page *p, const char *xpath,
			const char *const *want)
{
	struct lw_error err;
	char **urls = NULL;
	size_t n = 99;

	if (extract_links(p, xpath, &urls, &n, &err) < 0)
		fail_msg("%s: %s", xpath, err.msg);
	check_list(urls, n, want);
	extract_strings_free(urls, n);
}

static void check_text(struct extract_page *p, const char *xpath, int all,
		       const char *want)
{
	struct lw_error err;
	char *out = (char *)"untouched";

	if (extract_text(p, xpath, all, &out, &err) < 0)
		fail_msg("%s: %s", xpath, err.msg);
	if (!want && out)
		fail_msg("%s: got '%s', want nothing", xpath, out);
	if (want && (!out || strcmp(out, want)))
		fail_msg("%s: got '%s', want '%s'", xpath, out ? out : "(null)", want);
	free(out);
}

/* ---- pages ----------------------------------------------------------------- */

static void test_listing_links(void **state)
{
	static const char *const ads[] = {
		"http://jobs.example/ads/cook.html",
		"http://jobs.example/jobs/ads/driver.html",
		"http://jobs.example/ads/cleaner.html",
		"http://jobs.example/ads/caf%C3%A9-staff.html?ref=list&p=1",
		NULL
	};
	static const char *const next[] = { "http://jobs.example/jobs/page/2.html", NULL };
	static const char *const none[] = { NULL };
	struct extract_page *p = load_page("listing.html", "text/html", PAGE);

	(void)state;
	check_links(p, "//a[@class='ad-link']/@href", ads);
	check_links(p, "//a[@rel='next']/@href | //link[@rel='next']/@href", next);
	check_links(p, "(//link[@rel='next'])[1]/@href", next);
	check_links(p, "string(//link[@rel='next']/@href)", next);
	check_links(p, "//a[@class='nothing']/@href", none);
	check_text(p, "//title", 0, "Jobs, page 1 | Test Board");
	assert_string_equal(extract_page_base(p), PAGE);
	extract_page_free(p);
}

static void test_detail_fields(void **state)
{
	struct extract_page *p = load_page("detail.html", NULL,
					   "http://jobs.example/ads/hostess.html");

	(void)state;
	check_text(p, "//h1[@class='ad-title']", 0, "Hostess work in Macau, high salary");
	check_text(p, "//*[@class='ad-location']", 0, "Macau (SAR)");
	check_text(p, "//time[@class='ad-posted']/@datetime", 0, "2026-11-20");
	check_text(p, "//time[@class='ad-posted']", 0, "20 Nov 2026");
	check_text(p, "//div[@class='ad-body']", 0,
		   "Young girls 18\xe2\x80\x93" "25 wanted for hostess work.\n"
		   "Flight & visa arranged, we keep your passport safe.\n"
		   "Pay after 3 months.\nNo experience\nSalary 5000\xc2\xa0USD");
	check_text(p, "//a[@class='ad-contact']", 0, "WhatsApp");
	check_text(p, "//a[@class='ad-contact']", 1,
		   "WhatsApp\n\nTelegram\n\nMail\n\nCall\n\nApply\n\nWhatsApp again");
	check_text(p, "//a[@class='ad-contact'][1]/text()", 0, "WhatsApp");
	check_text(p, "count(//a[@class='ad-contact'])", 0, "6");
	check_text(p, "normalize-space(//h1)", 0, "Hostess work in Macau, high salary");
	check_text(p, "//*[@class='missing']", 0, NULL);
	check_text(p, "//script", 0, NULL);
	check_text(p, "/", 0, "Hostess work in Macau | Test Board\n"
		   "Hostess work in Macau, high salary\nMacau (SAR) \xc2\xb7 posted 20 Nov 2026\n"
		   "Young girls 18\xe2\x80\x93" "25 wanted for hostess work.\n"
		   "Flight & visa arranged, we keep your passport safe.\n"
		   "Pay after 3 months.\nNo experience\nSalary 5000\xc2\xa0USD\n"
		   "Contact: WhatsApp Telegram Mail Call Apply WhatsApp again\n"
		   "Back About LINE WeChat Top js");
	extract_page_free(p);
}

static void test_outlinks(void **state)
{
	static const char *const want[] = {
		"https://wa.me/85312345678?text=hi",
		"https://t.me/hostessjobs",
		"mailto:agent@recruit.example",
		"tel:+853 1234 5678",
		"https://recruit.example/apply",
		"https://line.me/ti/p/abc",
		"weixin://dl/chat?xyz",
		NULL
	};
	struct extract_page *p = load_page("detail.html", NULL,
					   "http://jobs.example/ads/hostess.html");
	struct lw_error err;
	char **urls = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(extract_outlinks(p, &urls, &n, &err), 0);
	check_list(urls, n, want);
	extract_strings_free(urls, n);
	extract_page_free(p);
}

static void test_outlinks_same_host_messaging(void **state)
{
	static const char html[] =
		"<a href='https://t.me/x'>a</a><a href='/local'>b</a>"
		"<a href='https://sub.t.me.evil.example/'>c</a>"
		"<a href='https://chat.whatsapp.com/inv'>d</a>";
	static const char *const want[] = {
		"https://t.me/x", "https://t.me/local", "https://sub.t.me.evil.example/",
		"https://chat.whatsapp.com/inv", NULL
	};
	struct lw_error err;
	struct extract_page *p = extract_page_parse(html, sizeof(html) - 1, NULL,
						    "https://t.me/page", &err);
	char **urls = NULL;
	size_t n = 0;

	(void)state;
	assert_non_null(p);
	assert_int_equal(extract_outlinks(p, &urls, &n, &err), 0);
	check_list(urls, n, want);
	extract_strings_free(urls, n);
	extract_page_free(p);
}

static void test_base_href(void **state)
{
	static const char *const want[] = {
		"http://cdn.example.org/mirror/listing/ad-1.html",
		"http://cdn.example.org/mirror/ad-2.html",
		"http://cdn.example.org/ad-3.html",
		"http://jobs.example/ad-4.html",
		NULL
	};
	static const char *const out[] = {
		"http://cdn.example.org/mirror/listing/ad-1.html",
		"http://cdn.example.org/mirror/ad-2.html",
		"http://cdn.example.org/ad-3.html",
		NULL
	};
	struct extract_page *p = load_page("base.html", NULL, PAGE);
	struct lw_error err;
	char **urls = NULL;
	size_t n = 0;

	(void)state;
	assert_string_equal(extract_page_base(p), "http://cdn.example.org/mirror/listing/");
	check_links(p, "//a/@href", want);
	/* the page lives on jobs.example: the mirror's links leave it */
	assert_int_equal(extract_outlinks(p, &urls, &n, &err), 0);
	check_list(urls, n, out);
	extract_strings_free(urls, n);
	extract_page_free(p);
}

static void test_no_base_url(void **state)
{
	static const char html[] = "<a href='/rel'>r</a><a href='https://abs.example/x#y'>a</a>";
	static const char *const want[] = { "https://abs.example/x", NULL };
	struct lw_error err;
	struct extract_page *p = extract_page_parse(html, sizeof(html) - 1, NULL, NULL, &err);

	(void)state;
	assert_non_null(p);
	assert_null(extract_page_base(p));
	check_links(p, "//a/@href", want);
	extract_page_free(p);
	assert_null(extract_page_parse(html, sizeof(html) - 1, NULL, "ftp://x/", &err));
	assert_non_null(strstr(err.msg, "html: base: url 'ftp://x/'"));
}

static const char latin_title[] = "Se busca cami\xc3\xb1" "era";
static const char latin_body[] = "Caf\xc3\xa9 en M\xc3\xbcnchen, se\xc3\xb1oritas, ni\xc3\xb1os no.";

static void test_latin1_header(void **state)
{
	struct extract_page *p = load_page("latin1-header.html",
					   "text/html; charset=\"ISO-8859-1\"", PAGE);

	(void)state;
	check_text(p, "//h1", 0, latin_title);
	check_text(p, "//div[@class='ad-body']", 0, latin_body);
	extract_page_free(p);
	/* the same bytes with no hint at all: not UTF-8, so Windows-1252 */
	p = load_page("latin1-header.html", NULL, PAGE);
	check_text(p, "//h1", 0, latin_title);
	extract_page_free(p);
	/* and labelled UTF-8 by a server that says so of everything: the
	 * label is wrong, the bytes say Windows-1252 */
	p = load_page("latin1-header.html", "text/html; charset=utf-8", PAGE);
	check_text(p, "//h1", 0, latin_title);
	check_text(p, "//div[@class='ad-body']", 0, latin_body);
	extract_page_free(p);
}

static void test_latin1_meta(void **state)
{
	struct extract_page *p = load_page("latin1-meta.html", "text/html", PAGE);

	(void)state;
	check_text(p, "//h1", 0, latin_title);
	check_text(p, "//div[@class='ad-body']", 0, latin_body);
	/* the serialised <html> carries the Latin-1 <meta>: text stays right */
	check_text(p, "/html", 0, "Empleo\nSe busca cami\xc3\xb1" "era\n"
		   "Caf\xc3\xa9 en M\xc3\xbcnchen, se\xc3\xb1oritas, ni\xc3\xb1os no.");
	extract_page_free(p);
}

static void test_charset_precedence(void **state)
{
	/* KOI8-R 0xe1 is U+0410, Latin-1 0xe1 is U+00E1 */
	static const char html[] = "<meta charset=koi8-r><p>\xe1</p>";
	static const char bom[] = "\xef\xbb\xbf<meta charset=koi8-r><p>\xc3\xa1</p>";
	static const char utf8[] = "<p>\xc3\xa1</p>";
	static const char unknown[] = "<meta charset=no-such-charset><p>\xc3\xa1</p>";
	struct lw_error err;
	struct extract_page *p;

	(void)state;
	p = extract_page_parse(html, sizeof(html) - 1, "text/html;charset=latin1", NULL, &err);
	check_text(p, "//p", 0, "\xc3\xa1");
	extract_page_free(p);
	p = extract_page_parse(html, sizeof(html) - 1, "text/html", NULL, &err);
	check_text(p, "//p", 0, "\xd0\x90");
	extract_page_free(p);
	p = extract_page_parse(bom, sizeof(bom) - 1, "text/html; charset=koi8-r", NULL, &err);
	check_text(p, "//p", 0, "\xc3\xa1");
	extract_page_free(p);
	p = extract_page_parse(utf8, sizeof(utf8) - 1, "text/html; charset=bogus", NULL, &err);
	check_text(p, "//p", 0, "\xc3\xa1");
	extract_page_free(p);
	p = extract_page_parse(unknown, sizeof(unknown) - 1, NULL, NULL, &err);
	check_text(p, "//p", 0, "\xc3\xa1");
	extract_page_free(p);
}

static void test_cp1252_fallback(void **state)
{
	struct extract_page *p = load_page("cp1252-none.html", NULL, PAGE);

	(void)state;
	check_text(p, "//h1", 0, "\xe2\x80\x9cTrabajo\xe2\x80\x9d en M\xc3\xbcnchen \xe2\x82\xac 500");
	extract_page_free(p);
}

/* A page labelled UTF-8 with one byte that is not, wherever it falls
 * among runs of ASCII (the check goes eight bytes at a time), reads as
 * Windows-1252; the same page with the byte as UTF-8 reads as UTF-8. */
static void test_utf8_check_every_position(void **state)
{
	char html[160], want[64];
	struct lw_error err;

	(void)state;
	for (int at = 0; at < 20; at++) {
		for (int utf8 = 0; utf8 < 2; utf8++) {
			struct extract_page *p;
			char *text = NULL;
			int n;

			n = snprintf(html, sizeof(html),
				     "<html><body><h1>%.*s%sz abcdefghijklmnop</h1></body></html>", at,
				     "xxxxxxxxxxxxxxxxxxxx", utf8 ? "\xc3\xa9" : "\xe9");
			snprintf(want, sizeof(want), "%.*s\xc3\xa9" "z abcdefghijklmnop", at,
				 "xxxxxxxxxxxxxxxxxxxx");
			p = extract_page_parse(html, (size_t)n, "text/html; charset=utf-8", PAGE, &err);
			assert_non_null(p);
			assert_int_equal(extract_text(p, "//h1", 0, &text, &err), 0);
			assert_non_null(text);
			assert_string_equal(text, want);
			free(text);
			extract_page_free(p);
		}
	}
}

static void test_broken_html(void **state)
{
	static const char *const contact[] = { "https://t.me/farm", NULL };
	struct extract_page *p = load_page("broken.html", NULL, PAGE);
	struct lw_error err;
	char **urls = NULL, *s = NULL;
	size_t n = 0;

	(void)state;
	check_text(p, "//h1[@class='ad-title']", 0, "Farm work");
	check_text(p, "//td[@class='ad-location']", 0, "Murcia");
	check_links(p, "//a[@class='ad-contact']/@href", contact);
	assert_int_equal(extract_text(p, "//div[@class='ad-body']", 0, &s, &err), 0);
	assert_non_null(s);
	assert_non_null(strstr(s, "Accommodation provided free"));
	free(s);
	assert_int_equal(extract_outlinks(p, &urls, &n, &err), 0);
	extract_strings_free(urls, n);
	extract_page_free(p);
}

static void test_empty_and_binary_pages(void **state)
{
	static const char bin[] = "\x00\x01\x02\xff\xfe<\x00>";
	struct lw_error err;
	struct extract_page *p;
	char **urls = (char **)&urls;
	size_t n = 5;
	char *s = (char *)"x";

	(void)state;
	p = extract_page_parse("", 0, NULL, PAGE, &err);
	assert_non_null(p);
	assert_int_equal(extract_links(p, "//a/@href", &urls, &n, &err), 0);
	assert_null(urls);
	assert_int_equal(n, 0);
	assert_int_equal(extract_text(p, "/", 0, &s, &err), 0);
	assert_null(s);
	extract_page_free(p);
	p = extract_page_parse(bin, sizeof(bin) - 1, "text/html; charset=utf-16", PAGE, &err);
	assert_non_null(p);
	extract_page_free(p);
	extract_page_free(NULL);
	extract_strings_free(NULL, 0);
	extract_items_free(NULL, 0);
}

static void test_size_cap(void **state)
{
	size_t len = EXTRACT_MAX_INPUT + 1;
	char *big = malloc(len);
	struct lw_error err;
	struct extract_item *items = NULL;
	size_t n = 0;
	int idx = 0;

	(void)state;
	memset(big, 'a', len);
	assert_null(extract_page_parse(big, len, NULL, NULL, &err));
	assert_non_null(strstr(err.msg, "exceeds"));
	assert_int_equal(extract_feed(big, len, NULL, &items, &n, &err), -1);
	assert_non_null(strstr(err.msg, "feed: document of"));
	free(big);
	len = EXTRACT_MAX_SITEMAP + 1;
	big = calloc(1, len);
	assert_int_equal(extract_sitemap(big, len, NULL, &items, &n, &idx, &err), -1);
	assert_non_null(strstr(err.msg, "sitemap: document of"));
	free(big);
}

static void test_link_cap(void **state)
{
	struct lw_buf b;
	struct lw_error err;
	struct extract_page *p;
	char **urls = NULL;
	size_t n = 0;

	(void)state;
	lw_buf_init(&b, EXTRACT_MAX_INPUT);
	for (int i = 0; i < EXTRACT_MAX_ITEMS + 10; i++)
		assert_int_equal(lw_buf_printf(&b, "<a href=/ad/%d>x</a>\n", i), 0);
	p = extract_page_parse(b.data, b.len, NULL, PAGE, &err);
	assert_non_null(p);
	assert_int_equal(extract_links(p, "//a/@href", &urls, &n, &err), 0);
	assert_int_equal(n, EXTRACT_MAX_ITEMS);
	assert_string_equal(urls[0], "http://jobs.example/ad/0");
	assert_string_equal(urls[n - 1], "http://jobs.example/ad/49999");
	extract_strings_free(urls, n);
	extract_page_free(p);
	lw_buf_release(&b);
}

/* ---- XPath ----------------------------------------------------------------- */

static void test_xpath_check(void **state)
{
	static const char *const good[] = {
		"//a[@rel='next']/@href", "//div[contains(@class,'ad-body')]",
		"string(//title)", "(//a)[1] | //link", NULL
	};
	static const char *const bad[] = {
		"//a[@href", "//a[", "///", "//a/@", "]", "//a[@x='1']]", NULL
	};
	struct lw_error err;
	struct extract_page *p;
	char **urls = NULL, *s = NULL;
	size_t n = 0;

	(void)state;
	for (size_t i = 0; good[i]; i++)
		if (extract_xpath_check(good[i], &err))
			fail_msg("'%s' rejected: %s", good[i], err.msg);
	for (size_t i = 0; bad[i]; i++) {
		char want[128];

		if (!extract_xpath_check(bad[i], &err))
			fail_msg("'%s' accepted", bad[i]);
		snprintf(want, sizeof(want), "xpath '%s': ", bad[i]);
		if (strncmp(err.msg, want, strlen(want)))
			fail_msg("'%s': error '%s'", bad[i], err.msg);
	}
	assert_int_equal(extract_xpath_check("//a[@href", &err), -1);
	assert_non_null(strstr(err.msg, "Invalid predicate"));
	assert_int_equal(extract_xpath_check("", &err), -1);
	p = extract_page_parse("<a href=x>", 10, NULL, PAGE, &err);
	assert_int_equal(extract_links(p, "//a[", &urls, &n, &err), -1);
	assert_non_null(strstr(err.msg, "xpath '//a['"));
	assert_int_equal(extract_text(p, "no-such-function()", 0, &s, &err), -1);
	assert_non_null(strstr(err.msg, "xpath 'no-such-function()'"));
	assert_null(s);
	extract_page_free(p);
}

/* ---- feeds and sitemaps ----------------------------------------------------- */

static void check_item(const struct extract_item *it, const char *url,
		       const char *title, const char *summary, const char *published)
{
	const char *got[] = { it->url, it->title, it->summary, it->published };
	const char *want[] = { url, title, summary, published };

	for (int i = 0; i < 4; i++) {
		if (!want[i] && got[i])
			fail_msg("%s: field %d: got '%s', want none", url, i, got[i]);
		if (want[i] && (!got[i] || strcmp(got[i], want[i])))
			fail_msg("%s: field %d: got '%s', want '%s'", url, i,
				 got[i] ? got[i] : "(null)", want[i]);
	}
}

static void test_rss(void **state)
{
	struct lw_error err;
	struct extract_item *items = NULL;
	size_t len, n = 0;
	char *data = must_slurp("feed.rss", &len);

	(void)state;
	if (extract_feed(data, len, "http://jobs.example/feed.rss", &items, &n, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(n, 3);
	check_item(&items[0], "http://jobs.example/ads/cook.html", "Cook wanted",
		   "<p>Kitchen &amp; prep work</p>", "Tue, 24 Nov 2026 09:00:00 +0000");
	check_item(&items[1], "http://jobs.example/ads/nanny.html",
		   "Ni&ntilde;era \xe2\x80\x94 live-in", "<p>Live-in nanny</p>", "2026-11-23");
	check_item(&items[2], "http://jobs.example/ads/driver.html", "Relative link", NULL, NULL);
	extract_items_free(items, n);
	free(data);
}

static void test_atom(void **state)
{
	struct lw_error err;
	struct extract_item *items = NULL;
	size_t len, n = 0;
	char *data = must_slurp("feed.atom", &len);

	(void)state;
	if (extract_feed(data, len, "http://jobs.example/feed.atom", &items, &n, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(n, 2);
	check_item(&items[0], "http://jobs.example/ads/hostess.html", "Hostess work",
		   "High salary, flights paid", "2026-11-20T08:00:00Z");
	check_item(&items[1], "http://jobs.example/ads/fishing.html", "Fishing crew",
		   "Six months at sea", "2026-11-22T00:00:00Z");
	extract_items_free(items, n);
	free(data);
}

static void test_feed_errors(void **state)
{
	static const char html[] = "<html><body>hi</body></html>";
	static const char broken[] = "<rss>\n<channel>\n<item><title>x</titel>\n";
	struct lw_error err;
	struct extract_item *items = (struct extract_item *)&err;
	size_t n = 7;

	(void)state;
	assert_int_equal(extract_feed(html, sizeof(html) - 1, NULL, &items, &n, &err), -1);
	assert_string_equal(err.msg, "feed: not RSS or Atom (root element 'html')");
	assert_int_equal(extract_feed(broken, sizeof(broken) - 1, NULL, &items, &n, &err), -1);
	assert_non_null(strstr(err.msg, "feed: line 4: Premature end of data"));
	assert_int_equal(extract_feed("", 0, NULL, &items, &n, &err), -1);
	assert_string_equal(err.msg, "feed: empty document");
	assert_ptr_equal(items, (struct extract_item *)&err);
	assert_int_equal(n, 7);
}

static void test_sitemap(void **state)
{
	struct lw_error err;
	struct extract_item *items = NULL;
	size_t len, n = 0;
	int idx = -1;
	char *data = must_slurp("sitemap.xml", &len);

	(void)state;
	if (extract_sitemap(data, len, NULL, &items, &n, &idx, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(idx, 0);
	assert_int_equal(n, 3);
	check_item(&items[0], "http://jobs.example/ads/cook.html", NULL, NULL, "2026-11-24");
	check_item(&items[1], "http://jobs.example/ads/driver.html", NULL, NULL, NULL);
	check_item(&items[2], "http://jobs.example/ads/a?x=1&y=2", NULL, NULL, NULL);
	extract_items_free(items, n);
	free(data);

	data = must_slurp("sitemap-index.xml", &len);
	assert_int_equal(extract_sitemap(data, len, NULL, &items, &n, &idx, &err), 0);
	assert_int_equal(idx, 1);
	assert_int_equal(n, 2);
	check_item(&items[0], "http://jobs.example/sitemap-ads.xml", NULL, NULL,
		   "2026-11-24T00:00:00+00:00");
	check_item(&items[1], "http://jobs.example/sitemap-pages.xml", NULL, NULL, NULL);
	extract_items_free(items, n);
	free(data);
}

static void test_sitemap_errors(void **state)
{
	struct lw_error err;
	struct extract_item *items = NULL;
	size_t len, n = 0;
	int idx = 0;
	char *data = must_slurp("sitemap-broken.xml", &len);

	(void)state;
	assert_int_equal(extract_sitemap(data, len, NULL, &items, &n, &idx, &err), -1);
	if (strncmp(err.msg, "sitemap: line 3: ", 17))
		fail_msg("error '%s'", err.msg);
	free(data);
	data = must_slurp("feed.rss", &len);
	assert_int_equal(extract_sitemap(data, len, NULL, &items, &n, &idx, &err), -1);
	assert_string_equal(err.msg, "sitemap: not a sitemap (root element 'rss')");
	free(data);
}

static void test_sitemap_cap(void **state)
{
	struct lw_buf b;
	struct lw_error err;
	struct extract_item *items = NULL;
	size_t n = 0;
	int idx = 0;

	(void)state;
	lw_buf_init(&b, EXTRACT_MAX_SITEMAP);
	assert_int_equal(lw_buf_adds(&b, "<urlset>"), 0);
	for (int i = 0; i < EXTRACT_MAX_ITEMS + 5; i++)
		assert_int_equal(lw_buf_printf(&b, "<url><loc>http://h.example/%d</loc></url>\n", i), 0);
	assert_int_equal(lw_buf_adds(&b, "</urlset>"), 0);
	assert_int_equal(extract_sitemap(b.data, b.len, NULL, &items, &n, &idx, &err), 0);
	assert_int_equal(n, EXTRACT_MAX_ITEMS);
	assert_string_equal(items[n - 1].url, "http://h.example/49999");
	extract_items_free(items, n);
	lw_buf_release(&b);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_billion_laughs(void **state)
{
	struct lw_error err;
	struct extract_item *items = NULL;
	size_t len, n = 0;
	char *data = must_slurp("billion-laughs.xml", &len);
	double t0 = now();
	int rc = extract_feed(data, len, NULL, &items, &n, &err);

	(void)state;
	assert_true(now() - t0 < 2.0);
	/* libxml2 may refuse the document or keep it unexpanded: either way
	 * no field grows past what the file holds */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		assert_true(!items[i].title || strlen(items[i].title) < 64);
		assert_true(!items[i].summary || strlen(items[i].summary) < 64);
	}
	if (rc == 0)
		extract_items_free(items, n);
	free(data);
}

static void test_external_entities(void **state)
{
	struct lw_error err;
	struct extract_item *items = NULL;
	size_t len, n = 0;
	int idx = 0;
	char *data = must_slurp("xxe.xml", &len);
	double t0 = now();
	int rc = extract_feed(data, len, NULL, &items, &n, &err);

	(void)state;
	assert_true(now() - t0 < 2.0);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		assert_null(strstr(items[i].title ? items[i].title : "", "root:"));
		assert_true(!items[i].title || !strcmp(items[i].title, "secret"));
		assert_true(!items[i].summary || !strcmp(items[i].summary, "net"));
	}
	if (rc == 0)
		extract_items_free(items, n);
	free(data);
	data = must_slurp("xxe-dtd.xml", &len);
	t0 = now();
	rc = extract_sitemap(data, len, NULL, &items, &n, &idx, &err);
	assert_true(now() - t0 < 2.0);
	if (rc)
		fail_msg("%s", err.msg);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].url, "http://jobs.example/ads/dtd.html");
	extract_items_free(items, n);
	free(data);
}

/* ---- fuzz -------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* extract_element_text(name) gives what extract_text("//name", 0) gives. */
static void check_element_walk(struct extract_page *p, const char *name)
{
	struct lw_error e1, e2;
	char xpath[32], *a = NULL, *b = NULL;
	int ra, rb;

	snprintf(xpath, sizeof(xpath), "//%s", name);
	ra = extract_text(p, xpath, 0, &a, &e1);
	rb = extract_element_text(p, name, &b, &e2);
	assert_int_equal(ra, rb);
	if (ra == 0 && (!a || !b))
		assert_ptr_equal(a, b);
	else if (ra == 0)
		assert_string_equal(a, b);
	free(a);
	free(b);
}

static void check_element_walks(struct extract_page *p)
{
	static const char *const names[] = { "title", "body", "p", "div", "h1", "span", "li" };

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		check_element_walk(p, names[i]);
}

/* Runs every parser on data; only crashes and leaks count as failures (and
 * the element walk differing from its XPath). */
static void run_all(const char *data, size_t len)
{
	static const char *const ctypes[] = { NULL, "text/html; charset=utf-8",
					      "text/html; charset=iso-8859-1", "charset=" };
	struct lw_error err;
	struct extract_page *p;
	struct extract_item *items;
	char **urls, *s, *u;
	size_t n;
	int idx;

	p = extract_page_parse(data, len, ctypes[rnd() % 4], PAGE, &err);
	assert_non_null(p);
	if (!extract_links(p, "//a/@href | //@src", &urls, &n, &err))
		extract_strings_free(urls, n);
	if (!extract_outlinks(p, &urls, &n, &err))
		extract_strings_free(urls, n);
	if (!extract_text(p, "//p | //div", 1, &s, &err))
		free(s);
	check_element_walks(p);
	extract_page_free(p);
	if (!extract_feed(data, len, PAGE, &items, &n, &err))
		extract_items_free(items, n);
	if (!extract_sitemap(data, len, PAGE, &items, &n, &idx, &err))
		extract_items_free(items, n);
	s = strndup(data, len);
	if (!url_canonicalize(PAGE, s, &u, &err))
		free(u);
	free(s);
}

static void test_fuzz(void **state)
{
	static const char *const seeds[] = {
		"listing.html", "detail.html", "broken.html", "latin1-meta.html",
		"feed.rss", "feed.atom", "sitemap.xml", "sitemap-index.xml",
		"billion-laughs.xml", "xxe.xml"
	};
	static const char alphabet[] = "<>/=\"'&;#![]-?:x \n\xc3\xa9\xff";
	char buf[2048];

	(void)state;
	for (int round = 0; round < 300; round++) {     /* random bytes */
		size_t len = rnd() % sizeof(buf);

		for (size_t i = 0; i < len; i++)
			buf[i] = (rnd() & 1) ? (char)rnd() : alphabet[rnd() % (sizeof(alphabet) - 1)];
		run_all(buf, len);
	}
	for (size_t k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {   /* mutated fixtures */
		size_t len;
		char *orig = must_slurp(seeds[k], &len);
		char *mut = malloc(len + 1);

		for (int round = 0; round < 40; round++) {
			size_t mlen = len;

			memcpy(mut, orig, len);
			for (int m = 0; m < 1 + (int)(rnd() % 8); m++)
				mut[rnd() % len] = (rnd() & 1) ? (char)rnd() : alphabet[rnd() % (sizeof(alphabet) - 1)];
			if (rnd() % 4 == 0)
				mlen = rnd() % (len + 1);       /* truncated */
			run_all(mut, mlen);
		}
		free(mut);
		free(orig);
	}
}

/* ---- the sample site (sample/site, see sample/README.md) ------------------- */

#define SAMPLE "http://127.0.0.1:8642"

static int is_utf8(const char *s)
{
	size_t len = strlen(s), k;

	for (size_t i = 0; i < len; i += k)
		if (!(k = lw_utf8_seq_len((const unsigned char *)s + i, len - i)))
			return 0;
	return 1;
}

/* Parses sample/site<path> as lwserve would serve it. */
static struct extract_page *sample_page(const char *path, const char *ctype)
{
	char file[512], url[512];

	snprintf(file, sizeof(file), "sample/site%s", path);
	snprintf(url, sizeof(url), SAMPLE "%s", path);
	return load_page(file, ctype, url);
}

static char *text_of(struct extract_page *p, const char *xpath)
{
	struct lw_error err;
	char *s = NULL;

	if (extract_text(p, xpath, 0, &s, &err))
		fail_msg("%s: %s", xpath, err.msg);
	return s;
}

/* Title, body, location and date of one detail page; its contact link, when
 * it has one, among the outlinks. */
static void check_sample_ad(const char *url)
{
	const char *path = url + strlen(SAMPLE);
	const char *ctype = strstr(path, "camareras-madrid") ?
			    "text/html; charset=iso-8859-1" : "text/html; charset=utf-8";
	static const char *const fields[] = {
		"//h1[@class='ad-title']", "//div[@class='ad-body']",
		"//span[@class='ad-location']", "//time[@class='ad-posted']/@datetime"
	};
	struct extract_page *p = sample_page(path, ctype);
	struct lw_error err;
	char **contact = NULL, **out = NULL;
	size_t ncontact = 0, nout = 0, k;

	for (int f = 0; f < 4; f++) {
		char *s = text_of(p, fields[f]);

		if (!s || !is_utf8(s))
			fail_msg("%s: %s: '%s'", path, fields[f], s ? s : "(none)");
		if (f == 3 && strlen(s) != 10)
			fail_msg("%s: date '%s'", path, s);
		free(s);
	}
	assert_int_equal(extract_links(p, "//a[@class='ad-contact']/@href", &contact,
				       &ncontact, &err), 0);
	assert_int_equal(extract_outlinks(p, &out, &nout, &err), 0);
	for (size_t i = 0; i < ncontact; i++) {
		for (k = 0; k < nout && strcmp(out[k], contact[i]); k++)
			;
		if (k == nout)
			fail_msg("%s: contact '%s' not among the outlinks", path, contact[i]);
	}
	for (k = 0; k < nout; k++)  /* nothing on the site's own host */
		assert_null(strstr(out[k], "127.0.0.1"));
	extract_strings_free(contact, ncontact);
	extract_strings_free(out, nout);
	extract_page_free(p);
}

static void test_sample_listings(void **state)
{
	struct extract_page *p = sample_page("/index.html", "text/html");
	struct lw_error err;
	char **pages = NULL, **ads, **next;
	size_t npages = 0, nads, nnext, total = 0;

	(void)state;
	assert_int_equal(extract_links(p, "//a[@class='page-link']/@href", &pages, &npages, &err), 0);
	assert_int_equal(npages, 4);
	extract_page_free(p);
	for (size_t i = 0; i < npages; i++) {
		char want[128];

		assert_int_equal(strncmp(pages[i], SAMPLE "/jobs/page/", strlen(SAMPLE "/jobs/page/")), 0);
		p = sample_page(pages[i] + strlen(SAMPLE), NULL);
		assert_int_equal(extract_links(p, "//a[@class='ad-link']/@href", &ads, &nads, &err), 0);
		assert_int_equal(nads, 10);
		for (size_t k = 0; k < nads; k++)
			check_sample_ad(ads[k]);
		total += nads;
		extract_strings_free(ads, nads);
		assert_int_equal(extract_links(p, "//a[@rel='next']/@href", &next, &nnext, &err), 0);
		snprintf(want, sizeof(want), SAMPLE "/jobs/page/%zu.html", i + 2);
		if (i + 1 < npages) {
			assert_int_equal(nnext, 1);
			assert_string_equal(next[0], want);
		} else {
			assert_int_equal(nnext, 0);
		}
		extract_strings_free(next, nnext);
		extract_page_free(p);
	}
	assert_int_equal(total, 40);
	extract_strings_free(pages, npages);
}

static void test_sample_special_pages(void **state)
{
	struct extract_page *p;
	char *s;

	(void)state;
	/* Latin-1, declared only in <meta> (no header charset) */
	p = sample_page("/ads/camareras-madrid.html", "text/html");
	s = text_of(p, "//div[@class='ad-body']");
	assert_non_null(s);
	assert_non_null(strstr(s, "25 a\xc3\xb1os, guapas y simp\xc3\xa1ticas"));
	assert_non_null(strstr(s, "Ganar\xc3\xa1s"));
	free(s);
	extract_page_free(p);
	/* broken markup */
	p = sample_page("/ads/dancers-club-tour.html", NULL);
	s = text_of(p, "//h1[@class='ad-title']");
	assert_string_equal(s, "Dancers & models for overseas club tour - earn $10k/month");
	free(s);
	s = text_of(p, "//span[@class='ad-location']");
	assert_string_equal(s, "Auckland");
	free(s);
	s = text_of(p, "//time[@class='ad-posted']/@datetime");
	assert_string_equal(s, "2026-11-20");
	free(s);
	s = text_of(p, "//div[@class='ad-body']");
	assert_non_null(strstr(s, "holds all passports"));
	free(s);
	extract_page_free(p);
}

static void test_sample_feeds(void **state)
{
	const char *const files[] = { "sample/site/feed.rss", "sample/site/feed.atom",
				      "sample/site/sitemap.xml" };
	struct lw_error err;
	struct extract_item *items = NULL;
	size_t len, n = 0;
	int idx = -1;

	(void)state;
	for (int i = 0; i < 3; i++) {
		char *data = must_slurp(files[i], &len);
		int rc = i < 2 ? extract_feed(data, len, NULL, &items, &n, &err) :
				 extract_sitemap(data, len, NULL, &items, &n, &idx, &err);

		if (rc)
			fail_msg("%s: %s", files[i], err.msg);
		assert_int_equal(n, 40);
		for (size_t k = 0; k < n; k++) {
			assert_int_equal(strncmp(items[k].url, SAMPLE "/ads/", strlen(SAMPLE "/ads/")), 0);
			assert_non_null(items[k].published);
			if (i < 2 && (!items[k].title || !items[k].summary))
				fail_msg("%s: item %zu lacks title or summary", files[i], k);
		}
		extract_items_free(items, n);
		free(data);
	}
	assert_int_equal(idx, 0);
}

static int teardown(void **state)
{
	(void)state;
	xmlCleanupParser();
	return 0;
}

/* ---- element text: walked in place, as it read when parsed again ------------- */

/* The text of node as extract_text once made it: the element serialised,
 * parsed again as a document of its own and walked. */
static char *text_reparsed(htmlDocPtr doc, xmlNodePtr node, size_t *len)
{
	xmlBufferPtr buf = xmlBufferCreate();
	struct lw_buf html;
	struct lw_error err;
	char *text;

	assert_non_null(buf);
	assert_true(htmlNodeDump(buf, doc, node) >= 0);
	lw_buf_init(&html, 64u << 20);
	lw_buf_adds(&html, "<meta charset=\"utf-8\"><body>");
	lw_buf_add(&html, xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
	text = matcher_html_text(html.data, html.len, len, &err);
	if (!text)
		fail_msg("reparse: %s", err.msg);
	lw_buf_release(&html);
	xmlBufferFree(buf);
	return text;
}

static void trim(const char **p, size_t *len)
{
	while (*len && strchr(" \t\n\r", (*p)[0]))
		(*p)++, (*len)--;
	while (*len && strchr(" \t\n\r", (*p)[*len - 1]))
		(*len)--;
}

/* Every element of doc: its text walked in the page's own tree equals its
 * text parsed again, leading and trailing blanks aside. */
static void check_elements_of(const char *name, const char *data, size_t len)
{
	htmlDocPtr doc = htmlReadMemory(data, (int)len, NULL, NULL,
					HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
					HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	xmlNodePtr node;
	size_t checked = 0;

	assert_non_null(doc);
	node = xmlDocGetRootElement(doc);
	while (node) {
		if (node->type == XML_ELEMENT_NODE && xmlStrcasecmp(node->name, (const xmlChar *)"head") &&
		    (!node->parent || xmlStrcasecmp(node->parent->name, (const xmlChar *)"head"))) {
			struct lw_error err;
			size_t la, lb;
			char *a = matcher_html_node_text(node, &la, &err), *b;
			const char *pa = a, *pb;

			if (!a)
				fail_msg("%s: %s", name, err.msg);
			b = text_reparsed(doc, node, &lb);
			pb = b;
			trim(&pa, &la);
			trim(&pb, &lb);
			if (la != lb || memcmp(pa, pb, la))
				fail_msg("%s: <%s>: walked '%.*s', reparsed '%.*s'", name,
					 (const char *)node->name, (int)la, pa, (int)lb, pb);
			free(a);
			free(b);
			checked++;
		}
		if (node->children) {
			node = node->children;
			continue;
		}
		while (node && !node->next)
			node = node->parent && node->parent->type == XML_ELEMENT_NODE ? node->parent : NULL;
		if (node)
			node = node->next;
	}
	assert_true(checked > 0);
	xmlFreeDoc(doc);
}

static void test_element_text_walked(void **state)
{
	static const char *files[] = {
		"detail.html", "listing.html", "broken.html", "base.html",
		"sample/site/index.html", "sample/site/jobs/page/2.html",
	};
	static const char *snippets[] = {
		"<div>a<br>b<p>c</p><table><tr><td>x</td><td>y</td></tr></table>"
		"<pre>l1\nl2</pre><script>no()</script><style>p{}</style>"
		"<span>s&amp;t &eacute;</span><noscript>hidden</noscript>"
		"<ul><li>one</li><li>two</li></ul></div>",
		"<div><div><div><p>deep <b>bold</b> <i>it</i></p></div></div>tail</div>",
		"<section>  spaced   words  <template>t</template><h2>H</h2>after</section>",
	};
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		char *data = slurp(files[i], &len);

		if (!data)
			fail_msg("cannot read %s", files[i]);
		check_elements_of(files[i], data, len);
		free(data);
	}
	for (size_t i = 0; i < sizeof(snippets) / sizeof(*snippets); i++)
		check_elements_of("snippet", snippets[i], strlen(snippets[i]));
}

static void test_element_walk(void **state)
{
	static const char *files[] = {
		"detail.html", "listing.html", "broken.html", "base.html", "latin1-meta.html",
		"sample/site/index.html", "sample/site/jobs/page/2.html",
	};
	static const char *snippets[] = {
		"<title> </title><title>second</title><body><p></p><p>two</p></body>",
		"<html><head><title>t</title></head><body><script>x()</script></body></html>",
		"<div><div></div><div>inner <div>nested</div></div></div><!-- c --><p>p</p>",
		"<svg><title>in svg</title></svg><title>real</title>",
		"plain text, no tags at all",
		"",
	};
	struct lw_error err;
	struct extract_page *p;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		char *data = slurp(files[i], &len);

		if (!data)
			fail_msg("cannot read %s", files[i]);
		p = extract_page_parse(data, len, NULL, PAGE, &err);
		assert_non_null(p);
		check_element_walks(p);
		extract_page_free(p);
		free(data);
	}
	for (size_t i = 0; i < sizeof(snippets) / sizeof(*snippets); i++) {
		p = extract_page_parse(snippets[i], strlen(snippets[i]), NULL, PAGE, &err);
		assert_non_null(p);
		check_element_walks(p);
		extract_page_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listing_links),
		cmocka_unit_test(test_element_walk),
		cmocka_unit_test(test_detail_fields),
		cmocka_unit_test(test_outlinks),
		cmocka_unit_test(test_outlinks_same_host_messaging),
		cmocka_unit_test(test_base_href),
		cmocka_unit_test(test_no_base_url),
		cmocka_unit_test(test_latin1_header),
		cmocka_unit_test(test_latin1_meta),
		cmocka_unit_test(test_charset_precedence),
		cmocka_unit_test(test_cp1252_fallback),
		cmocka_unit_test(test_utf8_check_every_position),
		cmocka_unit_test(test_broken_html),
		cmocka_unit_test(test_empty_and_binary_pages),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_link_cap),
		cmocka_unit_test(test_xpath_check),
		cmocka_unit_test(test_rss),
		cmocka_unit_test(test_atom),
		cmocka_unit_test(test_feed_errors),
		cmocka_unit_test(test_sitemap),
		cmocka_unit_test(test_sitemap_errors),
		cmocka_unit_test(test_sitemap_cap),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_external_entities),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_sample_listings),
		cmocka_unit_test(test_sample_special_pages),
		cmocka_unit_test(test_sample_feeds),
		cmocka_unit_test(test_element_text_walked),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
