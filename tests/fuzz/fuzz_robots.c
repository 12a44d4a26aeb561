/* SPDX-License-Identifier: MIT */
/* Fuzz target: robots.txt as the crawler reads it (RFC 9309), then the
 * allow/explain decisions for paths and URLs taken from the same input. */
#include "../../crawler/robots.h"
#include "fuzz.h"

static const char *const paths[] = {
	"/", "/ads/1", "/private/x?y=1", "/%E4%B8%AD", "/a*b$", "",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct robots *r = robots_parse((const char *)data, size, "lurewatch");
	char buf[512];

	if (!r)
		return 0;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int a = robots_allowed(r, paths[i]);

		if ((a != 0 && a != 1) || robots_explain(r, paths[i], buf, sizeof(buf)) != a)
			abort();
	}
	/* The input's first line as a path of its own: rules match against
	 * whatever a page's URL holds. */
	if (size > 0 && data[0] == '/') {
		size_t n = 0;

		while (n < size && n < sizeof(buf) - 1 && data[n] != '\n')
			n++;
		memcpy(buf, data, n);
		buf[n] = '\0';
		(void)robots_allowed(r, buf);
	}
	(void)robots_allowed_url(r, "http://example.org/ads/1?x");
	(void)robots_crawl_delay(r);
	for (size_t i = 0; i < robots_sitemap_count(r); i++)
		if (!robots_sitemap(r, i))
			abort();
	(void)robots_rule_count(r);
	robots_free(r);
	return 0;
}
