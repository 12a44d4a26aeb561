/* SPDX-License-Identifier: MIT */
/* on_match's extend(), which folds a match one byte past each pattern's
 * latest record without calling record() for each, against record() for
 * each (the scanner's no_extend): random documents of the words, numbers
 * and prices the default pack looks for, with stems, bounded word-list
 * items, other scripts and punctuation between, must get the same hits,
 * score and reasons both ways, under the default pack and a small one
 * whose regular expressions end at every byte of a word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../matcher/matcher.h"
#include "../../matcher/matcher_internal.h"
#include "../../matcher/scan_internal.h"
#include "test_fs.h"

static char tmpdir[] = "/tmp/lw-test-extend.XXXXXX";

#include "test_eng.h"

#define SMALL_PACK \
	"[pack]\nname = extend\nversion = 1\n" \
	"[words fee]\nwords = fee, fees, pay, deposit, 1049\n" \
	"[term amt]\npattern = /\\d[\\d.,]*\\d|\\d/\n" \
	"[term amt2]\npattern = /\\d[\\d.,]*\\d|\\d/\n" \
	"[rule num]\ncategory = fee_debt\nweight = 1\ndescription = d\npattern = /\\d+/\n" \
	"[rule word]\ncategory = fee_debt\nweight = 1\ndescription = d\npattern = /[a-z]+s/\n" \
	"[rule stem]\ncategory = fee_debt\nweight = 1\ndescription = d\npattern = /depos\\w*/\n" \
	"[rule dot]\ncategory = fee_debt\nweight = 1\ndescription = d\npattern = /\\d+\\.?/\n" \
	"[rule lure]\ncategory = fee_debt\nweight = 2\ndescription = d\n" \
	"combine = (fee NEAR/4 amt) | (num BEFORE/3 word)\n"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static const char *const pieces[] = {
	"pay", "fee", "fees", "deposit", "deposits", "visa", "passport", "job", "work", "salary",
	"1049", "12", "7", "$300", "$ 45", "1,049", "12ab34", "3.50", "0800", "a1b2c3",
	"free", "housing", "paspor", "дом", "работа", "1049руб", "工作", "งาน", "x", "ok",
	"register", "sign up", "per month", "USD", "99999999", "no", "id", "pay2", "2pay",
};

static const char *const gaps[] = { " ", " ", " ", "\n", ", ", ". ", "-", "", "!", "\n\n" };

static size_t random_doc(char *buf, size_t cap)
{
	size_t n = 0, words = 1 + rnd(120);

	for (size_t w = 0; w < words; w++) {
		const char *p = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];
		const char *g = gaps[rnd(sizeof(gaps) / sizeof(gaps[0]))];
		size_t a = strlen(p), b = strlen(g);

		if (n + a + b + 1 >= cap)
			break;
		memcpy(buf + n, p, a);
		n += a;
		memcpy(buf + n, g, b);
		n += b;
	}
	buf[n] = '\0';
	return n;
}

struct copy {
	struct matcher_hit *hits;
	size_t nhits, nreasons;
	char **why;
	size_t *why_rule;
	double score;
};

static void keep(const struct matcher_result *r, struct copy *c)
{
	c->nhits = r->nhits;
	c->hits = malloc((r->nhits + 1) * sizeof(*c->hits));
	assert_non_null(c->hits);
	memcpy(c->hits, r->hits, r->nhits * sizeof(*c->hits));
	c->nreasons = r->nreasons;
	c->why = calloc(r->nreasons + 1, sizeof(*c->why));
	c->why_rule = calloc(r->nreasons + 1, sizeof(*c->why_rule));
	assert_non_null(c->why);
	assert_non_null(c->why_rule);
	for (size_t i = 0; i < r->nreasons; i++) {
		c->why[i] = strdup(r->reasons[i].text ? r->reasons[i].text : "");
		c->why_rule[i] = r->reasons[i].rule;
	}
	c->score = r->score;
}

static void drop(struct copy *c)
{
	for (size_t i = 0; i < c->nreasons; i++)
		free(c->why[i]);
	free(c->why);
	free(c->why_rule);
	free(c->hits);
}

/* Scans ndocs random documents with and without extend(); returns the
 * hits found, to show the documents reach the patterns at all. */
static size_t compare(struct eng *e, int ndocs)
{
	static char doc[8192];
	size_t total = 0;

	for (int d = 0; d < ndocs; d++) {
		size_t len = random_doc(doc, sizeof(doc));
		struct copy fast, slow;

		e->sc->no_extend = 0;
		scan_kind(e, doc, len, MATCHER_INPUT_TEXT);
		keep(&e->r, &fast);
		e->sc->no_extend = 1;
		scan_kind(e, doc, len, MATCHER_INPUT_TEXT);
		keep(&e->r, &slow);
		e->sc->no_extend = 0;
		if (fast.nhits != slow.nhits)
			fail_msg("doc %d: %zu hits with extend, %zu without: %s", d, fast.nhits,
				 slow.nhits, doc);
		for (size_t i = 0; i < fast.nhits; i++)
			if (fast.hits[i].rule != slow.hits[i].rule ||
			    fast.hits[i].start != slow.hits[i].start ||
			    fast.hits[i].end != slow.hits[i].end)
				fail_msg("doc %d: hit %zu differs: %s", d, i, doc);
		assert_int_equal(fast.nreasons, slow.nreasons);
		for (size_t i = 0; i < fast.nreasons; i++) {
			assert_int_equal(fast.why_rule[i], slow.why_rule[i]);
			assert_string_equal(fast.why[i], slow.why[i]);
		}
		assert_true(fast.score == slow.score);
		total += fast.nhits;
		drop(&fast);
		drop(&slow);
	}
	return total;
}

static void test_extend_small_pack(void **state)
{
	struct eng e;

	(void)state;
	eng_open(&e, SMALL_PACK, -1);
	assert_true(compare(&e, 3000) > 3000);
	eng_close(&e);
}

static void test_extend_default_pack(void **state)
{
	const char *top = getenv("LW_TOP");
	char path[4096];
	struct lw_error err;
	struct eng e;

	(void)state;
	snprintf(path, sizeof(path), "%s/rules", top && top[0] ? top : ".");
	e.m = compile_path(path, "", -1);
	e.sc = matcher_scanner_new(e.m, &err);
	if (!e.sc)
		fail_msg("scanner: %s", err.msg);
	matcher_result_init(&e.r);
	assert_true(compare(&e, 1500) > 1500);
	eng_close(&e);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extend_small_pack),
		cmocka_unit_test(test_extend_default_pack),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
