/* SPDX-License-Identifier: MIT */
/* Fuzz target: an HTML page as the crawler reads it (charset detection,
 * libxml2's recovering parser, <base href>), then the source selectors:
 * links, fields, outlinks. The first byte picks the Content-Type, so
 * declared charsets that contradict the bytes are tried too. */
#include <iconv.h>

#include "../../crawler/extract.h"
#include "fuzz.h"

static const char *const types[] = {
	NULL, "text/html", "text/html; charset=utf-8", "text/html; charset=iso-8859-1",
	"text/html; charset=shift_jis", "text/html; charset=utf-16", "text/html; charset=bogus",
	"application/xhtml+xml",
};

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* libxml2 opens an iconv converter for each page in a charset it has no
 * built-in decoder for, and glibc unloads the converter's module when the
 * last one closes: every input paid a dlopen. One converter per charset
 * held open for the whole run keeps the modules loaded. */
#define HELD 4
static const char *const held[HELD] = { "SHIFT_JIS", "WINDOWS-1252", "UTF-16", "ISO-8859-1" };
static iconv_t held_cd[HELD];

/* Closed at exit, so LeakSanitizer's report stays about the target. */
static void close_held(void)
{
	for (size_t i = 0; i < HELD; i++)
		if (held_cd[i] != (iconv_t)-1 && held_cd[i])
			iconv_close(held_cd[i]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < HELD; i++)
		held_cd[i] = iconv_open("UTF-8", held[i]);
	atexit(close_held);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct extract_page *p;
	struct lw_error err;
	char **urls = NULL, *text = NULL;
	size_t n = 0;

	if (size < 1)
		return 0;
	p = extract_page_parse((const char *)data + 1, size - 1, types[data[0] % 8],
			       data[0] & 8 ? NULL : "https://jobs.example/list/page?x=1", &err);
	if (!p)
		return 0;
	if (extract_links(p, "//a/@href", &urls, &n, &err) == 0)
		extract_strings_free(urls, n);
	if (extract_text(p, "//h1", 0, &text, &err) == 0)
		free(text);
	text = NULL;
	if (extract_text(p, "//div[@class='body'] | //p", 1, &text, &err) == 0)
		free(text);
	urls = NULL;
	if (extract_outlinks(p, &urls, &n, &err) == 0)
		extract_strings_free(urls, n);
	extract_page_free(p);
	return 0;
}
