/* SPDX-License-Identifier: MIT */
/* Fuzz target: an HTML page as the crawler reads it (charset detection,
 * libxml2's recovering parser, <base href>), then the source selectors:
 * links, fields, outlinks. The first byte picks the Content-Type, so
 * declared charsets that contradict the bytes are tried too. */
#include "../../crawler/extract.h"
#include "fuzz.h"

static const char *const types[] = {
	NULL, "text/html", "text/html; charset=utf-8", "text/html; charset=iso-8859-1",
	"text/html; charset=shift_jis", "text/html; charset=utf-16", "text/html; charset=bogus",
	"application/xhtml+xml",
};

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
