/* SPDX-License-Identifier: MIT */
/* Fuzz target: JSON Lines ingestion up to the database: each line read as
 * `lurewatch ingest` reads it, and each listing's title and body analysed
 * as the ingestion engine analyses them (text or HTML), with the offset
 * invariants of fuzz_normalize on its hits and contacts. */
#include "../../cli/ingest_jsonl.h"
#include "fuzz.h"

static void analyse(const char *text, int kind)
{
	struct matcher_analysis a;
	struct lw_error err;

	matcher_analysis_init(&a);
	if (matcher_analyze(fuzz_scanner(), text, strlen(text), kind, NULL, &a, &err) == 0) {
		struct fuzz_bounds b;

		fuzz_bounds_init(&b, a.result.text, a.result.text_len);
		for (size_t i = 0; i < a.result.nhits; i++)
			fuzz_check_span("hit", &b, a.result.hits[i].start, a.result.hits[i].end);
		for (size_t i = 0; i < a.entities.n; i++)
			fuzz_check_span("entity", &b, a.entities.v[i].start, a.entities.v[i].end);
		fuzz_bounds_release(&b);
	}
	matcher_analysis_release(&a);
}

static int listing(const struct store_listing *l, void *ctx)
{
	(void)ctx;
	if (!l->origin)
		abort();
	if (l->title)
		analyse(l->title, MATCHER_INPUT_TEXT);
	if (l->body)
		analyse(l->body, l->is_html ? MATCHER_INPUT_HTML : MATCHER_INPUT_TEXT);
	return 0;
}

static void reject(const char *where, const char *msg, void *ctx)
{
	(void)ctx;
	if (!where || !msg)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f;
	struct lw_error err;

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "rb");
	if (!f)
		abort();
	(void)jsonl_read(f, "fuzz.jsonl", listing, reject, NULL, &err);
	fclose(f);
	return 0;
}
