/* SPDX-License-Identifier: MIT */
/* What one document may keep of its matches must not decide, by what comes
 * before a lure, whether the lure is found: an ad padded with prices (every
 * digit of a number was a match of an amount term, and each pattern kept
 * its first 256) lost the proximity rules of a lure at its end. Lures at
 * the start, in the middle and at the end of padding of several sizes; the
 * evidence of a number folded into one record; a hostile ten megabytes of
 * digits, in time and bounded memory; and the default pack's own rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../matcher/matcher.h"
#include "../../util/buf.h"
#include "test_fs.h"

static char tmpdir[] = "/tmp/lw-test-cap.XXXXXX";

#include "test_eng.h"

#define WORDS(id, items) "[words " id "]\nwords = " items "\n"
#define COMBO(id, expr) \
	"[rule " id "]\ncategory = fee_debt\nweight = 1\ndescription = d\ncombine = " expr "\n"

/* The shape of the default pack's pay-to-register rules. */
#define LURE_PACK \
	WORDS("payv", "pay, send") WORDS("reg", "register, sign up") WORDS("dep", "deposit") \
	"[term amt]\npattern = /\\d[\\d.,]*\\d|\\d/\n" \
	COMBO("lure", "(payv NEAR/4 amt) NEAR/8 reg") \
	COMBO("dep_near", "payv NEAR/4 dep") \
	"[term money]\npattern = /\\$ ?\\d/\n" \
	COMBO("lure2", "(payv BEFORE/2 money) BEFORE/3 reg")
/* and a pattern rule, whose every match is a hit */
#define PACK LURE_PACK \
	"[rule num]\ncategory = fee_debt\nweight = 1\ndescription = d\npattern = /\\d+/\n"

static const char lure[] = "Pay $300 to register and we find you farm work and a hostel.\n";

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

/* n lines of prices, each with three numbers (fourteen digits or so). */
static void add_rooms(struct lw_buf *b, size_t from, size_t n)
{
	char line[128];

	for (size_t i = from; i < from + n; i++) {
		int len = snprintf(line, sizeof(line), "Room %zu: $%zu per month, deposit %zu dollars.\n",
				   i, 1000 + i * 7, 2000 + i);

		assert_true(lw_buf_add(b, line, (size_t)len) == 0);
	}
}

enum where { AT_START, IN_MIDDLE, AT_END };

static char *padded_ad(size_t n, enum where w, size_t *len)
{
	struct lw_buf b;

	lw_buf_init(&b, 64u << 20);
	if (w == AT_START)
		assert_true(lw_buf_adds(&b, lure) == 0);
	add_rooms(&b, 0, w == IN_MIDDLE ? n / 2 : n);
	if (w == IN_MIDDLE) {
		assert_true(lw_buf_adds(&b, lure) == 0);
		add_rooms(&b, n / 2, n - n / 2);
	}
	if (w == AT_END)
		assert_true(lw_buf_adds(&b, lure) == 0);
	return lw_buf_detach(&b, len);
}

/* Up to 2^14 words of one pattern (here the amount term, three a line)
 * may come before the lure: the bound of scan.c, MAX_RAW_PER_PATTERN. */
static void test_lure_anywhere_in_padding(void **state)
{
	static const size_t sizes[] = { 0, 10, 50, 150, 400, 1000, 5000 };
	static const char *const where[] = { "start", "middle", "end" };
	struct eng e;

	(void)state;
	eng_open(&e, PACK, -1);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		for (int w = AT_START; w <= AT_END; w++) {
			size_t len;
			char *ad = padded_ad(sizes[i], (enum where)w, &len);

			scan_kind(&e, ad, len, MATCHER_INPUT_TEXT);
			if (!fired(&e, "lure"))
				fail_msg("lure at the %s of %zu lines of prices did not fire", where[w],
					 sizes[i]);
			/* the padding's own "deposit" lines never meet "pay" */
			if (w != AT_START && sizes[i] && !fired(&e, "dep_near"))
				fail_msg("'pay' next to the last 'deposit' before it, at the %s of %zu lines: not found",
					 where[w], sizes[i]);
			expect_span(&e, "lure", "Pay");
			expect_span(&e, "lure", "register");
			free(ad);
		}
	}
	eng_close(&e);
}

/* An operator's results were capped at 64 from the document's start, too:
 * 200 lines that each pair "pay" with an amount came before the lure. */
static void test_many_pairs_before_lure(void **state)
{
	struct lw_buf b;
	struct eng e;
	size_t len;
	char *ad;

	(void)state;
	lw_buf_init(&b, 1u << 20);
	for (int i = 0; i < 200; i++) {
		char line[80];
		int n = snprintf(line, sizeof(line), "We pay %d dollars an hour for shift %d.\n",
				 20 + i % 7, i);

		assert_true(lw_buf_add(&b, line, (size_t)n) == 0);
	}
	assert_true(lw_buf_adds(&b, lure) == 0);
	ad = lw_buf_detach(&b, &len);
	eng_open(&e, PACK, -1);
	scan_kind(&e, ad, len, MATCHER_INPUT_TEXT);
	assert_true(fired(&e, "lure"));
	expect_span(&e, "lure", "register");
	eng_close(&e);
	free(ad);
}

/* A number is one match however many ends Hyperscan reports in it, and
 * its evidence is the whole number, never its last digit; in Thai, which
 * the index counts as one word per unspaced run, two matches of an item a
 * phrase apart stay two. */
static void test_evidence_of_folded_matches(void **state)
{
	struct matcher_hit h[8];
	struct eng e;

	(void)state;
	eng_open(&e, PACK WORDS("th", "\xe0\xb8\x87\xe0\xb8\xb2\xe0\xb8\x99") COMBO("thai", "th"), -1);
	scan(&e, "Send 1049 now to register, or 12,500.75 later.");
	assert_int_equal(hits_of(&e, "num", h, 8), 4);
	expect_span(&e, "num", "1049");
	expect_span(&e, "num", "12");
	expect_span(&e, "num", "500");
	expect_span(&e, "num", "75");
	expect_span(&e, "lure", "1049");
	scan(&e, lure);
	expect_span(&e, "lure", "300");
	/* งาน ดี มาก งาน: one run of Thai, two matches of the item */
	scan(&e, "\xe0\xb8\x87\xe0\xb8\xb2\xe0\xb8\x99\xe0\xb8\x94\xe0\xb8\xb5\xe0\xb8\xa1\xe0\xb8\xb2"
		 "\xe0\xb8\x81\xe0\xb8\x87\xe0\xb8\xb2\xe0\xb8\x99");
	assert_int_equal(hits_of(&e, "thai", h, 8), 2);
	for (int i = 0; i < 2; i++)
		assert_int_equal(h[i].end - h[i].start, 9);
	eng_close(&e);
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* ---- the sorted sweep against every pair ------------------------------------ */

/* Random documents of the words a, b, c and filler ("fill": single
 * letters would be joined as spelled apart), with sentence and paragraph
 * breaks, many of each so that the sweep's bounds (8 pairs a
 * span, binary search) are in play: whether each operator holds must be
 * what trying every pair of word positions says, and a nested NEAR too. */
enum { NW = 600 };

struct doc {
	int word[NW];           /* 0 filler, 1 a, 2 b, 3 c */
	int sent[NW], para[NW];
	int n;
};

static int brute(const struct doc *d, int kind, unsigned dist, int negated)
{
	for (int i = 0; i < d->n; i++) {
		int found = 0;

		if (d->word[i] != 1)
			continue;
		for (int j = 0; j < d->n && !found; j++) {
			if (d->word[j] != 2)
				continue;
			found = kind == 0 ? (unsigned)abs(i - j) <= dist
				: kind == 1 ? j > i && (unsigned)(j - i) <= dist
				: kind == 2 ? d->sent[i] == d->sent[j] : d->para[i] == d->para[j];
		}
		if (found != negated)
			return 1;
	}
	return 0;
}

/* (a NEAR/2 b) NEAR/3 c */
static int brute_nested(const struct doc *d)
{
	for (int i = 0; i < d->n; i++)
		for (int j = 0; j < d->n; j++) {
			int lo = i < j ? i : j, hi = i < j ? j : i;

			if (d->word[i] != 1 || d->word[j] != 2 || hi - lo > 2)
				continue;
			for (int k = 0; k < d->n; k++)
				if (d->word[k] == 3 && (k > hi ? k - hi : k < lo ? lo - k : 0) <= 3)
					return 1;
		}
	return 0;
}

static void test_sweep_is_every_pair(void **state)
{
	static const char *const names[] = { "fill", "aa", "bb", "cc" };
	static const char *const ops[] = { "near", "before", "sent", "para" };
	struct eng e;
	unsigned seed = 7;

	(void)state;
	eng_open(&e, WORDS("a", "aa") WORDS("b", "bb") WORDS("c", "cc")
		     COMBO("near", "a NEAR/3 b") COMBO("before", "a BEFORE/2 b")
		     COMBO("sent", "a SENT b") COMBO("para", "a PARA b")
		     COMBO("nnear", "a NOT NEAR/3 b") COMBO("nbefore", "a NOT BEFORE/2 b")
		     COMBO("nsent", "a NOT SENT b") COMBO("npara", "a NOT PARA b")
		     COMBO("nested", "(a NEAR/2 b) NEAR/3 c"), -1);
	for (int round = 0; round < 300; round++) {
		struct lw_buf t;
		struct doc d;
		int sent = 0, para = 0, dens = 2 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 30;
		char *text;

		lw_buf_init(&t, 1u << 20);
		d.n = 50 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % (NW - 50);
		for (int i = 0; i < d.n; i++) {
			unsigned r = (seed = seed * 1103515245u + 12345u) >> 16;

			d.word[i] = (int)(r % 100) < dens ? 1 + (int)(r / 100) % 3 : 0;
			d.sent[i] = sent;
			d.para[i] = para;
			assert_true(lw_buf_adds(&t, names[d.word[i]]) == 0);
			if (r % 97 == 0) {
				assert_true(lw_buf_adds(&t, ".\n\n") == 0);
				sent++;
				para++;
			} else if (r % 13 == 0) {
				assert_true(lw_buf_adds(&t, ". ") == 0);
				sent++;
			} else {
				assert_true(lw_buf_addc(&t, ' ') == 0);
			}
		}
		text = lw_buf_detach(&t, NULL);
		scan(&e, text);
		for (int k = 0; k < 4; k++) {
			char neg[16];
			unsigned dist = k == 0 ? 3 : 2;

			snprintf(neg, sizeof(neg), "n%s", ops[k]);
			if (fired(&e, ops[k]) != brute(&d, k, dist, 0) ||
			    fired(&e, neg) != brute(&d, k, dist, 1))
				fail_msg("round %d, %s: %d/%d, every pair says %d/%d", round, ops[k],
					 fired(&e, ops[k]), fired(&e, neg), brute(&d, k, dist, 0),
					 brute(&d, k, dist, 1));
		}
		if (fired(&e, "nested") != brute_nested(&d))
			fail_msg("round %d, nested: %d, every pair says %d", round, fired(&e, "nested"),
				 brute_nested(&d));
		free(text);
	}
	eng_close(&e);
}

/* Ten megabytes of digits: as one run (one word: one record, and the lure
 * after it still fires) and as three-digit numbers (2.6 million of them:
 * the amount term fills its share, a lure before them still fires, and one
 * after them still has every other pattern's matches: the money term's,
 * whose rule fires). Each within seconds and a bounded amount of memory. */
static void test_hostile_digits(void **state)
{
	const size_t mb = 10u << 20;
	char *ad = malloc(mb + sizeof(lure));
	struct eng e;
	long rss0;

	(void)state;
	assert_non_null(ad);
	eng_open(&e, LURE_PACK, -1);
	rss0 = maxrss_kb();
	for (int kind = 0; kind < 2; kind++) {
		double t0;

		memset(ad, '7', mb);
		for (size_t i = 3; kind == 1 && i < mb; i += 4)
			ad[i] = ' ';
		ad[mb - 1] = '\n';
		memcpy(ad + mb, lure, sizeof(lure) - 1);
		if (kind == 1)
			memcpy(ad, lure, sizeof(lure) - 1);
		t0 = cpu_seconds();
		scan_kind(&e, ad, mb + sizeof(lure) - 1, MATCHER_INPUT_TEXT);
		print_message("# %s: %.2f s CPU, max RSS %ld -> %ld kB\n",
			      kind ? "3-digit numbers" : "one run of digits", cpu_seconds() - t0, rss0,
			      maxrss_kb());
		assert_true(fired(&e, "lure"));
		expect_span(&e, "lure", "register");
		if (kind == 1) {
			struct matcher_hit h[8];
			size_t n = hits_of(&e, "lure2", h, 8);

			assert_true(n >= 2 && h[n - 1].start > mb);
		}
		/* generous: sanitizer builds run it too */
		assert_true(cpu_seconds() - t0 < 60.0);
	}
	/* The normalised text and its maps take some 12 bytes an input byte;
	 * the matches kept are bounded apart from the input's size. */
	assert_true(maxrss_kb() - rss0 < 400 * 1024);
	eng_close(&e);
	free(ad);
}

/* The default pack's rules, on the ad of the report. */
static void test_default_pack_padded(void **state)
{
	struct matcher_options opts = { NULL, -1 };
	const char *top = getenv("LW_TOP");
	struct matcher_pack *p;
	struct lw_error err;
	char path[4096];
	struct eng e;

	(void)state;
	snprintf(path, sizeof(path), "%s/rules", top && top[0] ? top : ".");
	p = matcher_pack_load(path, &err);
	if (!p)
		fail_msg("%s: %s", path, err.msg);
	e.m = matcher_compile(p, &opts, &err);
	if (!e.m)
		fail_msg("compile: %s", err.msg);
	e.sc = matcher_scanner_new(e.m, &err);
	assert_non_null(e.sc);
	matcher_result_init(&e.r);
	for (size_t n = 50; n <= 5000; n *= 3) {
		size_t len;
		char *ad = padded_ad(n, AT_END, &len);

		scan_kind(&e, ad, len, MATCHER_INPUT_TEXT);
		if (!fired(&e, "en_pay_to_start") || !fired(&e, "en_recruitment_fee"))
			fail_msg("%zu lines of prices: en_pay_to_start %d, en_recruitment_fee %d", n,
				 fired(&e, "en_pay_to_start"), fired(&e, "en_recruitment_fee"));
		free(ad);
	}
	eng_close(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lure_anywhere_in_padding),
		cmocka_unit_test(test_many_pairs_before_lure),
		cmocka_unit_test(test_evidence_of_folded_matches),
		cmocka_unit_test(test_sweep_is_every_pair),
		cmocka_unit_test(test_hostile_digits),
		cmocka_unit_test(test_default_pack_padded),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
