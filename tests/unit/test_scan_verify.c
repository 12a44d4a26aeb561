/* SPDX-License-Identifier: MIT */
/* Word-list items with punctuation ("24/7", "agent's", "100%") are matched
 * in db_pad with their punctuation as spaces and then compared with the
 * text (PAT_VERIFY): on random text built from the items, their look-alikes
 * and the edges of the padded copy, each item must find exactly what the
 * same item written as a \b-bounded regex finds, and no pass of its own
 * (db_lit) may be left for them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../matcher/matcher_internal.h"
#include "../../util/buf.h"
#include "test_fs.h"

static char tmpdir[] = "/tmp/lw-test-verify.XXXXXX";

#include "test_eng.h"

#define NITEMS 8

/* Each item as a word list and as the regex that matches what it means. */
static const char *const item[NITEMS] = { "24/7", "agent's", "100%", "only.", "parents'",
					  "'til", "a-a", "sign-up fee" };
static const char *const regex[NITEMS] = { "\\b24\\/7\\b", "\\bagent's\\b", "\\b100%",
					   "\\bonly\\.", "\\bparents'", "'til\\b",
					   "\\ba-a\\b", "\\bsign-up[ \\n]fee\\b" };

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
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

/* Rule wNN fires on item NN from a word list, rule rNN on its regex. */
static char *verify_pack(void)
{
	struct lw_buf b;

	lw_buf_init(&b, 1u << 20);
	for (int i = 0; i < NITEMS; i++) {
		assert_true(lw_buf_printf(&b, "[words l%d]\nwords = %s\n", i, item[i]) == 0);
		assert_true(lw_buf_printf(&b, "[rule w%d]\ncategory = fee_debt\nweight = 1\n"
					  "description = d\ncombine = l%d\n", i, i) == 0);
		assert_true(lw_buf_printf(&b, "[rule r%d]\ncategory = fee_debt\nweight = 1\n"
					  "description = d\npattern = /%s/\n", i, regex[i]) == 0);
	}
	return lw_buf_detach(&b, NULL);
}

/* Items, their look-alikes (other punctuation, a letter glued on) and
 * separators, so that every item meets the text's start and end, a word
 * byte on either side and each punctuation byte the padded copy blanks. */
static size_t random_text(char *out, size_t cap)
{
	static const char *const bits[] = { "24", "7", "/", "-", "'", "%", ".", " ", " ", "\n",
					    "agent", "s", "100", "only", "parents", "til", "a",
					    "sign", "up", "fee", "_", "q", ",", "1" };
	size_t n = 0, parts = 1 + rnd(12);

	for (size_t k = 0; k < parts; k++) {
		const char *p = rnd(3) ? bits[rnd(sizeof(bits) / sizeof(*bits))] : item[rnd(NITEMS)];
		size_t len = strlen(p);

		if (n + len >= cap)
			break;
		memcpy(out + n, p, len);
		n += len;
	}
	out[n] = '\0';
	return n;
}

static void expect_same_hits(struct eng *e, int i, const char *text)
{
	struct matcher_hit w[32], r[32];
	char wid[8], rid[8];
	size_t nw, nr;

	snprintf(wid, sizeof(wid), "w%d", i);
	snprintf(rid, sizeof(rid), "r%d", i);
	nw = hits_of(e, wid, w, 32);
	nr = hits_of(e, rid, r, 32);
	if (nw != nr)
		fail_msg("item '%s' on \"%s\": %zu hits, its regex %zu", item[i], text, nw, nr);
	for (size_t k = 0; k < nw; k++)
		if (w[k].start != r[k].start || w[k].end != r[k].end)
			fail_msg("item '%s' on \"%s\": hit %zu-%zu, its regex %zu-%zu", item[i], text,
				 w[k].start, w[k].end, r[k].start, r[k].end);
}

static void test_items_match_as_their_regex(void **state)
{
	char *pack = verify_pack(), text[256];
	struct eng e;
	size_t hits = 0;

	(void)state;
	eng_open(&e, pack, -1);
	for (int t = 0; t < 20000; t++) {
		random_text(text, sizeof(text));
		scan(&e, text);
		hits += e.r.nhits;
		for (int i = 0; i < NITEMS; i++)
			expect_same_hits(&e, i, text);
	}
	/* the texts did hold the items */
	assert_true(hits > 5000);
	eng_close(&e);
	free(pack);
}

/* Every ASCII item is in db_pad: a pass of db_lit over every text, for
 * some 480 items of the default pack that seldom match, cost 11% of the
 * raw scan. */
static void test_no_pass_for_punctuated_items(void **state)
{
	char *pack = verify_pack();
	struct eng e;

	(void)state;
	eng_open(&e, pack, -1);
	assert_non_null(e.m->db_pad);
	assert_null(e.m->db_lit);
	eng_close(&e);
	free(pack);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_items_match_as_their_regex),
		cmocka_unit_test(test_no_pass_for_punctuated_items),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
