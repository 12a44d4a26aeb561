/* SPDX-License-Identifier: MIT */
/* Fuzz target: the normaliser and its offset map, then a whole listing's
 * analysis. Invariants: every normalised byte maps to a span inside the
 * original on character boundaries; the fast normaliser equals the
 * reference one; every hit and every contact detail of matcher_analyze lies
 * inside the scanned text on character boundaries. The first byte picks
 * plain text or HTML for the analysis. */
#include "../../matcher/prepared.h"
#include "../../matcher/text.h"
#include "fuzz.h"

/* The reference normaliser is many times slower: compare on short inputs. */
#define REFERENCE_MAX 2048

static void check_map(const char *in, size_t len, const struct lw_text *t)
{
	struct fuzz_bounds b;

	fuzz_bounds_init(&b, in, len);
	for (size_t i = 0; i < t->len; i++)
		fuzz_check_span("normalised byte", &b, t->start[i], t->end[i]);
	fuzz_bounds_release(&b);
	for (size_t w = 0; w < t->nwords; w++)
		if (t->word_start[w] >= t->word_end[w] || t->word_end[w] > t->len)
			abort();
}

static void check_reference(const char *in, size_t len, const struct lw_text *fast)
{
	struct lw_text ref;
	struct lw_error err;

	text_init(&ref);
	if (text_normalize_reference(in, len, &ref, &err) != 0)
		abort();
	if (ref.len != fast->len || memcmp(ref.buf, fast->buf, ref.len) != 0 ||
	    memcmp(ref.start, fast->start, ref.len * sizeof(*ref.start)) != 0 ||
	    memcmp(ref.end, fast->end, ref.len * sizeof(*ref.end)) != 0 ||
	    ref.nwords != fast->nwords) {
		fprintf(stderr, "fast and reference normalisers differ:\n fast \"%s\"\n ref  \"%s\"\n",
			fast->buf, ref.buf);
		abort();
	}
	text_release(&ref);
}

/* 0 when matcher_analyze took the input (its normalised text is then the
 * scanner's, see scan_norm), -1 when it refused it. */
static int check_analysis(const char *in, size_t len, int kind)
{
	struct matcher_analysis a;
	struct lw_error err;
	int rc = -1;

	matcher_analysis_init(&a);
	if (matcher_analyze(fuzz_scanner(), in, len, kind, "NZ", &a, &err) == 0) {
		struct fuzz_bounds b;

		fuzz_bounds_init(&b, a.result.text, a.result.text_len);
		for (size_t i = 0; i < a.result.nhits; i++)
			fuzz_check_span("hit", &b, a.result.hits[i].start, a.result.hits[i].end);
		for (size_t i = 0; i < a.entities.n; i++)
			fuzz_check_span("entity", &b, a.entities.v[i].start, a.entities.v[i].end);
		fuzz_bounds_release(&b);
		rc = 0;
	}
	matcher_analysis_release(&a);
	return rc;
}

static void check_norm(const char *in, size_t len, const struct lw_text *t)
{
	check_map(in, len, t);
	if (len <= REFERENCE_MAX)
		check_reference(in, len, t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data + 1;
	struct lw_text t;
	struct lw_error err;
	int kind;

	if (size < 1)
		return 0;
	size--;
	kind = data[0] & 1 ? MATCHER_INPUT_HTML : MATCHER_INPUT_TEXT;
	/* Plain text is normalised by the analysis itself: its result is the
	 * one checked, rather than normalising every input a second time. */
	if (check_analysis(in, size, kind) == 0 && kind == MATCHER_INPUT_TEXT) {
		check_norm(in, size, scan_norm(fuzz_scanner()));
		return 0;
	}
	text_init(&t);
	if (text_normalize(in, size, &t, &err) == 0)
		check_norm(in, size, &t);
	text_release(&t);
	return 0;
}
