/* SPDX-License-Identifier: MIT */
/* extract_page_parse_text against extract_page_parse: the same title, body
 * and whole-page text, byte for byte, over about 20,000 pages -- the real
 * pages in the WARC test files (Common Crawl's among them), the extract and
 * sample-site pages, the HTML fuzz corpus, snippets aimed at what the text
 * parse leaves out, and mutations of all of these (run from the top of the
 * tree). A page that differs is left in /tmp/page_text_fail.html. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <glob.h>

#include "../../archive/archive.h"
#include "../../crawler/extract.h"
#include "../../util/xmalloc.h"

#define PAGES_WANTED 20000

struct page {
	char *data;
	size_t len;
	char *ctype;    /* may be NULL */
};

static struct page *pages;
static size_t npages, cap, nreal;

static void add(const char *data, size_t len, const char *ctype)
{
	if (npages == cap) {
		cap = cap ? 2 * cap : 256;
		pages = xreallocarray(pages, cap, sizeof(*pages));
	}
	pages[npages].data = xmalloc(len + 1);
	memcpy(pages[npages].data, data, len);
	pages[npages].data[len] = '\0';
	pages[npages].len = len;
	pages[npages].ctype = ctype ? xstrdup(ctype) : NULL;
	npages++;
}

/* Every HTML page in the WARC test files, with its HTTP Content-Type. */
static void add_warc_pages(const char *pattern)
{
	glob_t g;

	if (glob(pattern, 0, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct lw_error err;
		struct archive_reader *r = archive_reader_open(g.gl_pathv[i], &err);
		struct archive_record rec;
		struct archive_payload pl;

		if (!r)
			continue;
		while (archive_reader_next(r, &rec, &err) == 1) {
			if (archive_payload_decode(&rec, &pl, &err) != 1)
				continue;
			if (pl.html) {
				add(pl.data, pl.len, pl.content_type);
				nreal++;
			}
			archive_payload_release(&pl);
		}
		archive_reader_free(r);
	}
	globfree(&g);
}

static void add_files(const char *pattern)
{
	glob_t g;

	if (glob(pattern, 0, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		FILE *f = fopen(g.gl_pathv[i], "rb");
		char buf[1 << 16];
		size_t n;

		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		add(buf, n, "text/html");
	}
	globfree(&g);
}

/* What the text parse leaves out, placed where the parser's look back into
 * the tree (whitespace after a comment, an attribute-laden element, a
 * script) decides what the text is. */
static const char *const snippets[] = {
	"<b>a</b><!-- c --> <i>b</i>",
	"<p>x<!--c--> <b>y</b></p>",
	"<!--only--> ",
	"<span id=\"a\">one</span> <span id=\"a\">two</span>",
	"<script>var s = '<b>not text</b>';</script> <b>after</b>",
	"<style>p { color: red }</style>\n<p>styled</p>",
	"<title>T<script>x</script>itle</title>",
	"<div class='c' data-x=\"&amp;&lt;\" title=\"t\">attrs</div>",
	"<![CDATA[ cdata ]]>",
	"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">",
	"<head><title>Head title</title><!-- h --> </head>",
	"<body> <!-- b --> <em>e</em> <!-- c --> <em>f</em></body>",
	"<pre>  a\n  b <!-- x -->\n</pre>",
	"<table><tr><td>1</td> <!--x--> <td>2</td></tr></table>",
	"<noscript><p>hidden</p></noscript> text",
	"<a href='x' onclick=\"go()\">link</a> <img alt='pic' src=x> tail",
	"<meta charset=\"utf-8\">",
	"&nbsp; &amp; &#233; &eacute; ",
	"<textarea> t <!-- in --> </textarea>",
	"<script>unterminated",
	"<!-- unterminated",
	"<style>",
	"</body></html> after the end <b>more</b>",
	"\xc3\xa9\xe2\x82\xac caf\xe9 \x80\x81\x9d",
};

static const char *const ctypes[] = {
	NULL, "text/html", "text/html; charset=utf-8", "text/html; charset=windows-1252",
	"text/html; charset=iso-8859-1", "text/html; charset=gbk", "text/html; charset=koi8-r",
	"text/html; charset=shift_jis",
};

static uint64_t rng = 0x2545f4914f6cdd1du;

static uint64_t rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? rng % n : 0;
}

/* A new page out of the ones so far: cut, spliced, or with snippets put in. */
static void add_mutant(size_t nbase)
{
	const struct page *a = &pages[rnd(nbase)], *b = &pages[rnd(nbase)];
	size_t ca = rnd(a->len + 1), cb = rnd(b->len + 1), n;
	const char *ct = rnd(4) ? a->ctype : ctypes[rnd(sizeof(ctypes) / sizeof(*ctypes))];
	char *buf = xmalloc(a->len + b->len + 4096), *at = buf;

	switch (rnd(4)) {
	case 0:         /* cut */
		add(a->data, ca, ct);
		break;
	case 1:         /* a's start, b's end */
		memcpy(at, a->data, ca);
		memcpy(at + ca, b->data + cb, b->len - cb);
		add(buf, ca + b->len - cb, ct);
		break;
	default: {      /* snippets at cuts through a */
		size_t k = 1 + rnd(4), prev = 0, cut;

		n = 0;
		while (k--) {
			const char *s = snippets[rnd(sizeof(snippets) / sizeof(*snippets))];

			cut = prev + rnd(a->len - prev + 1);
			memcpy(buf + n, a->data + prev, cut - prev);
			n += cut - prev;
			memcpy(buf + n, s, strlen(s));
			n += strlen(s);
			prev = cut;
		}
		memcpy(buf + n, a->data + prev, a->len - prev);
		n += a->len - prev;
		add(buf, n, ct);
	}
	}
	free(buf);
}

static void same(const char *what, size_t i, int ra, const char *a, int rb, const char *b)
{
	if (ra != rb || (a == NULL) != (b == NULL) || (a && strcmp(a, b))) {
		FILE *f = fopen("/tmp/page_text_fail.html", "wb");

		if (f) {
			fwrite(pages[i].data, 1, pages[i].len, f);
			fclose(f);
		}
		fail_msg("page %zu (%.60s...): %s differs: %d '%.200s' against %d '%.200s'", i,
			 pages[i].data, what, ra, a ? a : "(null)", rb, b ? b : "(null)");
	}
}

static void compare(size_t i)
{
	const struct page *pg = &pages[i];
	struct lw_error err;
	struct extract_page *full = extract_page_parse(pg->data, pg->len, pg->ctype, NULL, &err);
	struct extract_page *text = extract_page_parse_text(pg->data, pg->len, pg->ctype, &err);
	static const char *const names[] = { "title", "body", "p", "td", "pre" };
	char *a, *b;
	int ra, rb;

	assert_non_null(full);
	assert_non_null(text);
	for (size_t k = 0; k < sizeof(names) / sizeof(*names); k++) {
		a = b = NULL;
		ra = extract_element_text(full, names[k], &a, &err);
		rb = extract_element_text(text, names[k], &b, &err);
		same(names[k], i, ra, a, rb, b);
		free(a);
		free(b);
	}
	a = b = NULL;
	ra = extract_text(full, "/", 0, &a, &err);
	rb = extract_text(text, "/", 0, &b, &err);
	same("the whole page", i, ra, a, rb, b);
	free(a);
	free(b);
	extract_page_free(full);
	extract_page_free(text);
}

static void test_same_text(void **state)
{
	size_t nbase;

	(void)state;
	add_warc_pages("tests/data/warc/*/*.warc*");
	add_warc_pages("tests/data/warc/*/*.arc*");
	add_files("tests/data/extract/*.html");
	add_files("sample/site/*.html");
	add_files("sample/site/*/*.html");
	add_files("tests/fuzz/corpus/fuzz_html/*");
	for (size_t k = 0; k < sizeof(snippets) / sizeof(*snippets); k++)
		add(snippets[k], strlen(snippets[k]), NULL);
	/* The Common Crawl and other real pages must be there, or the rest
	 * would prove little. */
	assert_true(nreal >= 30);
	nbase = npages;
	assert_true(nbase >= 100);
	while (npages < PAGES_WANTED)
		add_mutant(nbase);
	for (size_t i = 0; i < npages; i++)
		compare(i);
	print_message("%zu pages (%zu real, %zu files and snippets, the rest mutants): same text\n",
		      npages, nreal, nbase - nreal);
	for (size_t i = 0; i < npages; i++) {
		free(pages[i].data);
		free(pages[i].ctype);
	}
	free(pages);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
