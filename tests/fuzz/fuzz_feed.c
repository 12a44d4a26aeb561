/* SPDX-License-Identifier: MIT */
/* Fuzz target: RSS, Atom and sitemap documents as the crawler reads them
 * (no DTD, no entity expansion, no network). */
#include "../../crawler/extract.h"
#include "fuzz.h"

static void check(struct extract_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!items[i].url || strncmp(items[i].url, "http", 4) != 0)
			abort();    /* promised: url is canonical http(s), never NULL */
	extract_items_free(items, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct extract_item *items = NULL;
	struct lw_error err;
	size_t n = 0;
	int is_index = 0;

	if (extract_feed((const char *)data, size, "https://jobs.example/feed", &items, &n, &err) == 0)
		check(items, n);
	items = NULL;
	n = 0;
	if (extract_sitemap((const char *)data, size, NULL, &items, &n, &is_index, &err) == 0)
		check(items, n);
	return 0;
}
