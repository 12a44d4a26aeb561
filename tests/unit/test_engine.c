/* SPDX-License-Identifier: MIT */
/* The compiled matcher end to end: combinations over whole documents, hit
 * offsets in the original bytes, scoring, HTML and broken input, the
 * database cache, and a 5,000-rule pack. */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../matcher/matcher.h"
#include "test_fs.h"

static char tmpdir[] = "/tmp/lw-test-engine.XXXXXX";

#include "test_eng.h"

static void assert_close(double got, double want)
{
	if (fabs(got - want) > 1e-9)
		fail_msg("got %.6f, wanted %.6f", got, want);
}

#define SCORED(id, cat, w, pat) \
	"[rule " id "]\ncategory = " cat "\nweight = " w "\ndescription = d\npattern = " pat "\n"
#define COMBO(id, expr) \
	"[rule " id "]\ncategory = deception\nweight = 1\ndescription = d\ncombine = " expr "\n"
#define TERM(id, pat) "[term " id "]\npattern = " pat "\n"

/* ---- combinations -------------------------------------------------------------- */

static void test_comb_not_both_orders(void **state)
{
	struct eng e;
	char *pad;

	(void)state;
	eng_open(&e, TERM("a", "/\\bagency fee\\b/") TERM("b", "/never charge/")
		     COMBO("x", "a & !b"), -1);
	expect_fires(&e, "x", "Pay the agency fee before you fly.", 1);
	expect_fires(&e, "x", "We never charge. Pay the agency fee? No.", 0);      /* b before a */
	expect_fires(&e, "x", "Pay the agency fee? No: we never charge.", 0);      /* b after a */
	expect_fires(&e, "x", "never charge agency fee never charge", 0);
	expect_fires(&e, "x", "nothing here", 0);
	expect_fires(&e, "x", "we never charge", 0);
	/* b far after a, beyond any window */
	pad = malloc(20001);
	assert_non_null(pad);
	memset(pad, 'z', 20000);
	memcpy(pad, "agency fee ", 11);
	memcpy(pad + 20000 - 14, " never charge", 13);
	pad[19999] = ' ';
	pad[20000] = '\0';
	expect_fires(&e, "x", pad, 0);
	memcpy(pad + 20000 - 14, " sometimes ok", 13);
	expect_fires(&e, "x", pad, 1);
	free(pad);
	/* the combination's evidence is a's match */
	scan(&e, "Pay the AGENCY FEE now");
	expect_span(&e, "x", "AGENCY FEE");
	/* the same scanner, reused, forgets the last document */
	expect_fires(&e, "x", "we never charge", 0);
	expect_fires(&e, "x", "agency fee", 1);
	eng_close(&e);
}

static void test_comb_negated_scored_rule(void **state)
{
	struct eng e;

	(void)state;
	/* b a scored rule rather than a term: it fires itself and blocks x */
	eng_open(&e, TERM("a", "/alpha/") SCORED("b", "context", "-1", "/bravo/")
		     COMBO("x", "a & !b"), -1);
	scan(&e, "bravo then alpha");
	assert_false(fired(&e, "x"));
	assert_true(fired(&e, "b"));
	scan(&e, "alpha then bravo");
	assert_false(fired(&e, "x"));
	assert_true(fired(&e, "b"));
	scan(&e, "alpha alone");
	assert_true(fired(&e, "x"));
	assert_false(fired(&e, "b"));
	/* terms are quiet: never a hit of their own */
	for (size_t i = 0; i < e.r.nhits; i++)
		assert_false(matcher_pack_rule(matcher_get_pack(e.m), e.r.hits[i].rule)->is_term);
	eng_close(&e);
}

static void test_comb_or_and_not(void **state)
{
	struct eng e;

	(void)state;
	eng_open(&e, TERM("a", "/apple/") TERM("b", "/banana/") TERM("c", "/cherry/")
		     COMBO("x", "(a | c) & !b") COMBO("y", "a & c") COMBO("z", "!!a & (b | !c)"),
		 -1);
	expect_fires(&e, "x", "apple", 1);
	expect_fires(&e, "x", "cherry", 1);
	expect_fires(&e, "x", "apple cherry", 1);
	expect_fires(&e, "x", "banana apple", 0);
	expect_fires(&e, "x", "cherry banana", 0);
	expect_fires(&e, "x", "apple cherry banana", 0);
	expect_fires(&e, "x", "banana", 0);
	expect_fires(&e, "x", "", 0);
	expect_fires(&e, "y", "cherry ... apple", 1);
	expect_fires(&e, "y", "apple", 0);
	expect_fires(&e, "z", "apple", 1);
	expect_fires(&e, "z", "apple cherry", 0);
	expect_fires(&e, "z", "apple cherry banana", 1);
	expect_fires(&e, "z", "cherry banana", 0);
	/* both operands contribute evidence */
	scan(&e, "cherry and apple");
	expect_span(&e, "x", "cherry");
	expect_span(&e, "x", "apple");
	eng_close(&e);
}

static void test_comb_operand_assertions(void **state)
{
	struct eng e;

	(void)state;
	eng_open(&e, TERM("v", "/\\bvisa\\b/") TERM("end", "/end of ad$/")
		     TERM("ln", "/^call now$/m") COMBO("x", "v & end") COMBO("y", "v & ln")
		     COMBO("w", "v & !end"),
		 -1);
	expect_fires(&e, "x", "we arrange your visa. end of ad", 1);
	expect_fires(&e, "x", "we arrange your visas. end of ad", 0);   /* \b fails */
	expect_fires(&e, "x", "we arrange your visa. end of ad, more", 0); /* $ fails */
	expect_fires(&e, "x", "end of ad visa", 0);
	expect_fires(&e, "y", "visa\ncall now\nthanks", 1);
	expect_fires(&e, "y", "visa\ncall now please\nthanks", 0);
	expect_fires(&e, "w", "visa", 1);
	expect_fires(&e, "w", "visa end of ad", 0);
	expect_fires(&e, "w", "visa end of adverts", 1);
	eng_close(&e);
}

/* ---- offsets and highlighting --------------------------------------------------------- */

static void test_offsets_original_bytes(void **state)
{
	struct eng e;
	const char *in;

	(void)state;
	eng_open(&e, SCORED("pp", "documents", "2", "/passport/")
		     SCORED("wa", "off_platform_contact", "1", "/whatsapp/")
		     SCORED("pa", "documents", "1", "/pasaporte/"),
		 -1);
	in = "We keep your p@ssp0rt safe";
	scan(&e, in);
	assert_ptr_equal(e.r.text, in);
	expect_span(&e, "pp", "p@ssp0rt");
	in = "Hand over your \xef\xbd\x90\xef\xbd\x81\xef\xbd\x93\xef\xbd\x93\xef\xbd\x90\xef\xbd\x8f"
	     "\xef\xbd\x92\xef\xbd\x94 now"; /* fullwidth "passport" */
	scan(&e, in);
	expect_span(&e, "pp", "\xef\xbd\x90\xef\xbd\x81\xef\xbd\x93\xef\xbd\x93\xef\xbd\x90\xef\xbd\x8f"
			      "\xef\xbd\x92\xef\xbd\x94");
	scan(&e, "PASSPORT and Pasaporte and p\xc3\xa1saporte; message w h a t s a p p");
	expect_span(&e, "pp", "PASSPORT");
	expect_span(&e, "pa", "Pasaporte");
	expect_span(&e, "pa", "p\xc3\xa1saporte");
	expect_span(&e, "wa", "w h a t s a p p");
	/* multi-byte text before the hit shifts every offset */
	in = "\xe6\x8b\x9b\xe8\x81\x98 \xd0\xb2\xd0\xb0\xd0\xba\xd0\xb0\xd0\xbd\xd1\x81\xd0\xb8\xd1\x8f "
	     "passport";
	scan(&e, in);
	expect_span(&e, "pp", "passport");
	{
		struct matcher_hit h[4];

		assert_int_equal(hits_of(&e, "pp", h, 4), 1);
		assert_int_equal(h[0].start, strlen(in) - 8);
		assert_int_equal(h[0].end, strlen(in));
	}
	eng_close(&e);
}

static void test_start_of_bounded_gap(void **state)
{
	struct eng e;
	struct matcher_hit h[4];

	(void)state;
	eng_open(&e, SCORED("gap", "documents", "1", "/\\bpassports?\\W+(?:\\w+\\W+){0,3}held\\b/")
		     SCORED("unb", "documents", "1", "/\\bwages\\b.*\\bwithheld\\b/")
		     SCORED("cls", "fee_debt", "1", "/\\b(?:pay|deposit)\\s+\\d{2,5}\\s*(?:usd|\\$)/"),
		 -1);
	scan(&e, "Note: your passport will be held by the agent.");
	expect_span(&e, "gap", "passport will be held");
	assert_int_equal(hits_of(&e, "gap", h, 4), 1);
	assert_int_equal(h[0].start, strlen("Note: your "));
	scan(&e, "All wages are withheld until the end of the contract.");
	expect_span(&e, "unb", "wages are withheld");
	scan(&e, "First deposit 500 usd then work");
	expect_span(&e, "cls", "deposit 500 usd");
	eng_close(&e);
}

static void test_hits_merged_and_ordered(void **state)
{
	struct eng e;
	struct matcher_hit h[8];

	(void)state;
	eng_open(&e, SCORED("fee", "fee_debt", "1", "/fees?/") SCORED("vi", "fee_debt", "1", "/visa/")
		     SCORED("vf", "fee_debt", "1", "/visa fees?/"),
		 -1);
	/* "fee" and "fees" end at two places: one hit per occurrence */
	scan(&e, "fees, fees and a fee");
	assert_int_equal(hits_of(&e, "fee", h, 8), 3);
	assert_int_equal(h[0].start, 0);
	assert_int_equal(h[0].end, 4);
	assert_int_equal(h[1].start, 6);
	assert_int_equal(h[1].end, 10);
	assert_int_equal(h[2].start, 17);
	assert_int_equal(h[2].end, 20);
	/* several rules: every hit ordered by start */
	scan(&e, "fee first, then visa fees");
	assert_int_equal(e.r.nhits, 4);
	for (size_t i = 1; i < e.r.nhits; i++)
		assert_true(e.r.hits[i - 1].start <= e.r.hits[i].start);
	expect_span(&e, "vf", "visa fees");
	expect_span(&e, "vi", "visa");
	expect_span(&e, "fee", "fees");
	expect_span(&e, "fee", "fee");
	/* one rule firing many times still counts once in the score */
	assert_close(e.r.score, 1 + 0.5 + 0.25);
	eng_close(&e);
}

/* A fresh result whose first document has no hits (hits still NULL): the
 * scan must not hand NULL to qsort (UBSan in `make sanitize` catches it). */
static void test_no_hits_fresh_result(void **state)
{
	struct eng e;

	(void)state;
	eng_open(&e, SCORED("pp", "documents", "2", "/passport/"), -1);
	scan(&e, "nothing to see");
	assert_int_equal(e.r.nhits, 0);
	assert_close(e.r.score, 0);
	assert_false(e.r.flagged);
	scan(&e, "");
	assert_int_equal(e.r.nhits, 0);
	scan(&e, "passport");
	assert_int_equal(e.r.nhits, 1);
	scan(&e, "nothing again");
	assert_int_equal(e.r.nhits, 0);
	eng_close(&e);
}

/* ---- scoring ------------------------------------------------------------------------ */

#define SCORE_RULES \
	SCORED("f1", "fee_debt", "2", "/alpha/") SCORED("f2", "fee_debt", "3", "/bravo/") \
	SCORED("f3", "fee_debt", "1", "/charlie/") SCORED("d1", "documents", "2", "/delta/") \
	SCORED("e1", "deception", "1.5", "/echo/") SCORED("c1", "context", "-2", "/foxtrot/") \
	SCORED("c2", "context", "-1", "/golf/")
#define SCORE_PACK "[pack]\nthreshold = 6\n" SCORE_RULES

static void test_score_formula(void **state)
{
	struct eng e;

	(void)state;
	eng_open(&e, SCORE_PACK, -1);
	assert_close(matcher_threshold(e.m), 6);
	/* one category: 3 + 2/2 + 1/4 */
	scan(&e, "alpha bravo charlie");
	assert_close(e.r.score, 4.25);
	assert_close(e.r.base, 4.25);
	assert_close(e.r.multiplier, 1);
	assert_int_equal(e.r.ncats, 1);
	assert_int_equal(e.r.cats[0].category, MATCHER_CAT_FEE_DEBT);
	assert_int_equal(e.r.cats[0].nrules, 3);
	assert_close(e.r.cats[0].raw, 6);
	assert_close(e.r.cats[0].score, 4.25);
	assert_int_equal(e.r.categories, 1u << MATCHER_CAT_FEE_DEBT);
	assert_false(e.r.flagged);
	/* one rule repeated counts once */
	scan(&e, "alpha alpha alpha alpha alpha");
	assert_close(e.r.score, 2);
	/* distinct categories beat one category repeated, even with less weight */
	scan(&e, "alpha bravo");
	assert_close(e.r.score, 3 + 1.0);
	scan(&e, "alpha delta");
	assert_close(e.r.score, (2 + 2) * 1.25);
	assert_close(e.r.multiplier, 1.25);
	assert_int_equal(e.r.categories, (1u << MATCHER_CAT_FEE_DEBT) | (1u << MATCHER_CAT_DOCUMENTS));
	/* three categories, highest category first in cats */
	scan(&e, "echo delta bravo alpha");
	assert_close(e.r.base, (3 + 1.0) + 2 + 1.5);
	assert_close(e.r.multiplier, 1.5);
	assert_close(e.r.score, 7.5 * 1.5);
	assert_int_equal(e.r.ncats, 3);
	assert_int_equal(e.r.cats[0].category, MATCHER_CAT_FEE_DEBT);
	assert_int_equal(e.r.cats[1].category, MATCHER_CAT_DOCUMENTS);
	assert_int_equal(e.r.cats[2].category, MATCHER_CAT_DECEPTION);
	assert_true(e.r.flagged);
	/* context subtracts after the multiplier, with the same decay */
	scan(&e, "echo delta bravo alpha foxtrot golf");
	assert_close(e.r.score, 7.5 * 1.5 - (2 + 1.0 / 2));
	assert_close(e.r.multiplier, 1.5);
	assert_false(e.r.categories & (1u << MATCHER_CAT_CONTEXT));
	assert_true(e.r.flagged); /* 8.75 >= 6 */
	scan(&e, "bravo delta foxtrot");
	assert_close(e.r.score, 5 * 1.25 - 2);
	assert_false(e.r.flagged);
	/* never below zero */
	scan(&e, "charlie foxtrot golf");
	assert_close(e.r.score, 0);
	assert_false(e.r.flagged);
	scan(&e, "nothing at all");
	assert_close(e.r.score, 0);
	assert_int_equal(e.r.ncats, 0);
	assert_int_equal(e.r.nhits, 0);
	eng_close(&e);
}

/* A pack that asks for it: a short post with indicators in two categories
 * counts more, in proportion to how short it is; one category alone does
 * not, and a pack without the keys has no factor. */
static void test_short_text(void **state)
{
	struct eng e;

	(void)state;
	eng_open(&e, "[pack]\nshort_text_words = 60\nshort_text_boost = 0.5\n"
		     SCORED("f1", "fee_debt", "2", "/alpha/") SCORED("d1", "documents", "2", "/delta/"),
		 -1);
	scan(&e, "alpha delta");
	assert_int_equal(e.r.nwords, 2);
	assert_close(e.r.length, 1 + 0.5 * 58.0 / 60.0);
	assert_close(e.r.score, (2 + 2) * 1.25 * (1 + 0.5 * 58.0 / 60.0));
	scan(&e, "alpha alpha"); /* one category: no factor */
	assert_close(e.r.length, 1);
	assert_close(e.r.score, 2);
	{
		char buf[1024];
		size_t n = (size_t)snprintf(buf, sizeof(buf), "alpha delta");

		for (int i = 0; i < 60; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, " filler");
		scan(&e, buf);
		assert_close(e.r.length, 1);
		assert_close(e.r.score, 5);
	}
	{
		/* Thai does not space words: 200 characters in one run are 50
		 * words long, not 1, so no more boost than 50 spaced words */
		char buf[1024];
		size_t n = (size_t)snprintf(buf, sizeof(buf), "alpha delta ");

		for (int i = 0; i < 200; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\xe0\xb8\x87");
		scan(&e, buf);
		assert_int_equal(e.r.nwords, 52);
		assert_close(e.r.length, 1 + 0.5 * 8.0 / 60.0);
	}
	eng_close(&e);
	eng_open(&e, SCORE_PACK, -1);
	scan(&e, "alpha delta");
	assert_close(e.r.length, 1);
	eng_close(&e);
}

static void test_context_halving(void **state)
{
	struct eng e;

	(void)state;
	eng_open(&e, "[pack]\nthreshold = 6\ncontext_halving = 2\n" SCORE_RULES, -1);
	assert_close(matcher_context_halving(e.m), 2);
	/* context multiplies instead of subtracting: 2^(-(2 + 1/2) / 2) */
	scan(&e, "echo delta bravo alpha foxtrot golf");
	assert_close(e.r.context, -2.5);
	assert_close(e.r.context_factor, pow(2.0, -1.25));
	assert_close(e.r.score, 7.5 * 1.5 * pow(2.0, -1.25));
	/* every 2 points halve, however large the score */
	scan(&e, "bravo delta foxtrot");
	assert_close(e.r.score, 5 * 1.25 * 0.5);
	scan(&e, "alpha bravo");
	assert_close(e.r.context_factor, 1);
	assert_close(e.r.score, 4);
	eng_close(&e);
	eng_open(&e, SCORE_PACK, -1);
	assert_close(matcher_context_halving(e.m), 0);
	scan(&e, "bravo delta foxtrot");
	assert_close(e.r.context_factor, 1);
	assert_close(e.r.context, -2);
	eng_close(&e);
}

static void test_threshold(void **state)
{
	struct eng e;

	(void)state;
	/* the pack's threshold */
	eng_open(&e, SCORE_PACK, -1);
	scan(&e, "bravo delta echo"); /* 6.5 * 1.5 = 9.75 */
	assert_true(e.r.flagged);
	scan(&e, "alpha delta"); /* 5 */
	assert_false(e.r.flagged);
	/* re-scored with another threshold */
	matcher_score(e.m, &e.r, 5);
	assert_true(e.r.flagged);
	assert_close(e.r.score, 5);
	matcher_score(e.m, &e.r, 5.01);
	assert_false(e.r.flagged);
	eng_close(&e);
	/* the option overrides the pack */
	eng_open(&e, SCORE_PACK, 5);
	assert_close(matcher_threshold(e.m), 5);
	scan(&e, "alpha delta");
	assert_true(e.r.flagged);
	eng_close(&e);
	/* a pack without [pack] uses the default */
	eng_open(&e, SCORED("a", "fee_debt", "10", "/alpha/"), -1);
	assert_close(matcher_threshold(e.m), MATCHER_DEFAULT_THRESHOLD);
	scan(&e, "alpha");
	assert_true(e.r.flagged);
	eng_close(&e);
}

/* ---- awkward input --------------------------------------------------------------------- */

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t next_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static void test_invalid_utf8(void **state)
{
	static const char in[] = "\xff\xfe your \xc3\x28 passport \xe2\x82 kept \xf0\x9f\x98 by us \xed\xa0\x80"
				 " \xc0\xaf end \xf8\x88\x80\x80\x80";
	struct eng e;
	char buf[600];

	(void)state;
	eng_open(&e, SCORED("pp", "documents", "2", "/passport\\s+kept/")
		     SCORED("wa", "off_platform_contact", "1", "/whatsapp|telegram/")
		     TERM("t", "/end/") COMBO("x", "t & !pp"),
		 -1);
	scan_kind(&e, in, sizeof(in) - 1, MATCHER_INPUT_TEXT);
	assert_true(e.r.repaired > 0);
	expect_span(&e, "pp", "passport \xe2\x82 kept");
	assert_false(fired(&e, "x"));
	/* random bytes: never a crash, offsets inside the input */
	for (int iter = 0; iter < 300; iter++) {
		size_t len = next_rand() % sizeof(buf);

		for (size_t i = 0; i < len; i++) {
			uint64_t r = next_rand();

			/* mostly bytes that form or break UTF-8, some words */
			buf[i] = r % 5 == 0 ? "passport kept whatsapp end "[r % 27]
					    : (char)(0x80 | (r >> 8 & 0x7f)) ^ (char)(r % 3 ? 0 : 0x40);
		}
		scan_kind(&e, buf, len, iter % 7 == 0 ? MATCHER_INPUT_HTML : MATCHER_INPUT_TEXT);
		for (size_t i = 0; i < e.r.nhits; i++) {
			assert_true(e.r.hits[i].start < e.r.hits[i].end);
			assert_true(e.r.hits[i].end <= e.r.text_len);
		}
		if (iter % 7 != 0)
			assert_true(e.r.repaired <= len);
	}
	/* NUL bytes and a lone continuation byte */
	scan_kind(&e, "a\0passport kept\0\x80", 18, MATCHER_INPUT_TEXT);
	expect_span(&e, "pp", "passport kept");
	assert_true(e.r.repaired > 0);
	/* valid text repairs nothing */
	scan(&e, "caf\xc3\xa9 passport kept");
	assert_int_equal(e.r.repaired, 0);
	eng_close(&e);
}

static void test_html_input(void **state)
{
	static const char html[] =
		"<!DOCTYPE html><html><head><title>Jobs abroad</title>"
		"<script>var passport = 'passport kept';</script>"
		"<style>.passport-kept { color: red }</style></head>"
		"<body><p>We offer good jobs.</p><p>Your <b>passport</b>\n kept by &amp; the agent."
		"</p><script type=\"text/javascript\">telegram('passport kept')</script>"
		"<noscript>telegram</noscript><p>Contact &#x77;hatsapp</p></body></html>";
	struct eng e;

	(void)state;
	eng_open(&e, SCORED("pp", "documents", "2", "/passport\\s+kept/")
		     SCORED("tg", "off_platform_contact", "1", "/telegram/")
		     SCORED("wa", "off_platform_contact", "1", "/whatsapp/")
		     SCORED("jobs", "deception", "1", "/jobs abroad/"),
		 -1);
	scan_kind(&e, html, sizeof(html) - 1, MATCHER_INPUT_HTML);
	/* offsets are into the visible text, which the result holds */
	assert_ptr_not_equal(e.r.text, html);
	assert_null(strstr(e.r.text, "var passport"));
	assert_null(strstr(e.r.text, "<b>"));
	assert_false(fired(&e, "tg"));
	assert_true(fired(&e, "pp"));
	assert_true(fired(&e, "wa"));
	assert_true(fired(&e, "jobs")); /* <title> is visible */
	{
		struct matcher_hit h[4];

		assert_int_equal(hits_of(&e, "pp", h, 4), 1);
		assert_true(h[0].end <= e.r.text_len);
		assert_memory_equal(e.r.text + h[0].start, "passport", 8);
	}
	expect_span(&e, "wa", "whatsapp");
	/* scripts only: nothing */
	{
		static const char only[] = "<html><body><script>passport kept telegram</script></body></html>";

		scan_kind(&e, only, strlen(only), MATCHER_INPUT_HTML);
	}
	assert_int_equal(e.r.nhits, 0);
	/* the same bytes as text do match */
	scan(&e, "<html><body><script>passport kept telegram</script></body></html>");
	assert_true(fired(&e, "pp"));
	assert_true(fired(&e, "tg"));
	expect_span(&e, "tg", "telegram");
	/* broken markup is recovered */
	{
		static const char broken[] = "<p>passport kept<div><<>>&&telegram";

		scan_kind(&e, broken, strlen(broken), MATCHER_INPUT_HTML);
	}
	assert_true(fired(&e, "pp"));
	eng_close(&e);
}

/* ---- the database cache ------------------------------------------------------------------- */

/* Counts the entries of dir whose names hold needle. */
static size_t count_files(const char *dir, const char *needle)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, needle))
			n++;
	}
	closedir(d);
	return n;
}

static void cache_result(struct matcher *m, const char *text, struct matcher_result *r)
{
	struct lw_error err;
	struct matcher_scanner *sc = matcher_scanner_new(m, &err);

	assert_non_null(sc);
	if (matcher_scan(sc, text, strlen(text), MATCHER_INPUT_TEXT, r, &err) < 0)
		fail_msg("scan: %s", err.msg);
	matcher_scanner_free(sc);
}

static void test_cache(void **state)
{
	static const char doc[] = "Pay the agency fee, we keep your p@ssport. No charge? fees apply.";
	char path[4096], cache[4096];
	struct matcher *m1, *m2, *m3;
	struct matcher_result r1, r2, r3;

	(void)state;
	snprintf(path, sizeof(path), "%s/cached.rules", tmpdir);
	snprintf(cache, sizeof(cache), "%s/cache/sub", tmpdir);
	write_file(path, SCORED("fee", "fee_debt", "2", "/agency\\s+fees?\\b/")
			 SCORED("pp", "documents", "3", "/keep\\s+your\\s+passport/")
			 TERM("nc", "/no charge/") TERM("fa", "/fees apply/")
			 COMBO("x", "fa & !nc") COMBO("y", "fa & !pp"));
	matcher_result_init(&r1);
	matcher_result_init(&r2);
	matcher_result_init(&r3);
	m1 = compile_path(path, cache, -1);
	assert_int_equal(matcher_from_cache(m1), 0);
	assert_int_equal(count_files(cache, ".hsdb"), 1); /* and no temporary file left */
	m2 = compile_path(path, cache, -1);
	assert_int_equal(matcher_from_cache(m2), 1);
	cache_result(m1, doc, &r1);
	cache_result(m2, doc, &r2);
	assert_int_equal(r1.nhits, r2.nhits);
	assert_true(r1.nhits >= 2);
	for (size_t i = 0; i < r1.nhits; i++) {
		assert_int_equal(r1.hits[i].rule, r2.hits[i].rule);
		assert_int_equal(r1.hits[i].start, r2.hits[i].start);
		assert_int_equal(r1.hits[i].end, r2.hits[i].end);
	}
	assert_close(r1.score, r2.score);
	assert_false(matcher_result_has_rule(&r2, rule_index(m2, "x")));
	assert_false(matcher_result_has_rule(&r2, rule_index(m2, "y")));
	matcher_free(m2);

	/* a changed pack (same path) is compiled afresh and behaves anew */
	write_file(path, SCORED("fee", "fee_debt", "2", "/agency\\s+fees?\\b/")
			 SCORED("pp", "documents", "3", "/keep\\s+your\\s+visa/")
			 TERM("nc", "/no charge/") TERM("fa", "/fees apply/")
			 COMBO("x", "fa & !nc") COMBO("y", "fa & !pp"));
	m3 = compile_path(path, cache, -1);
	assert_int_equal(matcher_from_cache(m3), 0);
	cache_result(m3, doc, &r3);
	assert_false(matcher_result_has_rule(&r3, rule_index(m3, "pp")));
	assert_true(matcher_result_has_rule(&r3, rule_index(m3, "y")));
	assert_int_equal(count_files(cache, ".hsdb"), 2);
	matcher_free(m3);
	m3 = compile_path(path, cache, -1);
	assert_int_equal(matcher_from_cache(m3), 1);
	matcher_free(m3);

	/* a damaged cache file is a miss, not an error */
	{
		DIR *d = opendir(cache);
		struct dirent *de;

		assert_non_null(d);
		while ((de = readdir(d)) != NULL) {
			char f[8192];

			if (!strstr(de->d_name, ".hsdb"))
				continue;
			snprintf(f, sizeof(f), "%s/%s", cache, de->d_name);
			assert_int_equal(truncate(f, 100), 0);
		}
		closedir(d);
	}
	m3 = compile_path(path, cache, -1);
	assert_int_equal(matcher_from_cache(m3), 0);
	matcher_result_release(&r3);
	matcher_result_init(&r3);
	cache_result(m3, doc, &r3);
	assert_true(matcher_result_has_rule(&r3, rule_index(m3, "y")));
	matcher_free(m3);
	/* cache_dir "" disables the cache */
	m3 = compile_path(path, "", -1);
	assert_int_equal(matcher_from_cache(m3), 0);
	matcher_free(m3);

	matcher_result_release(&r1);
	matcher_result_release(&r2);
	matcher_result_release(&r3);
	matcher_free(m1);
}

/* ---- a big pack -------------------------------------------------------------------------- */

#define BIG_N 5000

/* Three letters, unique below 26^3: letters only, since the normaliser turns
 * digits between letters into letters. */
static void word_for(unsigned i, const char *prefix, char *out, size_t cap)
{
	snprintf(out, cap, "%s%c%c%c", prefix, 'a' + i / 676 % 26, 'a' + i / 26 % 26, 'a' + i % 26);
}

static const char *const big_cats[] = {
	"deception", "offshore_recruitment", "fee_debt", "documents", "wage_withholding",
	"movement_restriction", "isolation_living", "off_platform_contact",
};

/* The kind of rule i: half literal phrases, the rest regexes of three kinds
 * (Hyperscan's compile time grows with the regexes). */
static unsigned big_kind(unsigned i)
{
	static const unsigned kinds[10] = { 0, 1, 0, 2, 0, 3, 0, 1, 0, 2 };

	return kinds[i % 10];
}

static void big_rule(FILE *f, unsigned i)
{
	char w[32], v[32];

	word_for(i, "zk", w, sizeof(w));
	word_for(i, "vx", v, sizeof(v));
	fprintf(f, "[rule r%u]\ncategory = %s\nweight = %.1f\ndescription = generated %u\n", i,
		big_cats[i % 8], 0.5 + (double)(i % 5), i);
	switch (big_kind(i)) {
	case 0: /* literal phrase */
		fprintf(f, "pattern = %s marker %s\n", w, v);
		break;
	case 1: /* regex with classes and a bounded gap */
		fprintf(f, "pattern = /\\b%s\\s+(?:\\w+\\s+){0,2}%s\\b/\n", w, v);
		break;
	case 2: /* alternation and digits */
		fprintf(f, "pattern = /\\b(?:%s|%sy)\\s*:\\s*\\d{2,4}\\b/\n", w, w);
		break;
	default: /* two patterns */
		fprintf(f, "pattern = /\\b%s\\b/\npattern = /\\b%s\\s+now\\b/\n", w, v);
		break;
	}
}

static void test_big_pack(void **state)
{
	char path[4096];
	FILE *f;
	struct eng e;
	struct timespec t0, t1;
	struct lw_error err;
	char doc[256], w[32], v[32];
	size_t nrules;

	(void)state;
	snprintf(path, sizeof(path), "%s/big.rules", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "[pack]\nname = big\nthreshold = 100\n\n");
	for (unsigned i = 0; i < BIG_N; i++)
		big_rule(f, i);
	/* combinations over terms, counted in the 5,000 */
	for (unsigned i = 0; i < 50; i++) {
		word_for(i, "tm", w, sizeof(w));
		word_for(i, "tn", v, sizeof(v));
		fprintf(f, "[term ta%u]\npattern = /\\b%s\\b/\n[term tb%u]\npattern = /\\b%s\\b/\n", i, w,
			i, v);
		fprintf(f, "[rule c%u]\ncategory = deception\nweight = 1\ndescription = combo\n"
			   "combine = ta%u & !tb%u\n", i, i, i);
	}
	assert_int_equal(fclose(f), 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	e.m = compile_path(path, "", -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("5,000-rule pack compiled in %.2f s\n",
		      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	nrules = matcher_pack_rule_count(matcher_get_pack(e.m));
	assert_int_equal(nrules, BIG_N + 150);
	e.sc = matcher_scanner_new(e.m, &err);
	assert_non_null(e.sc);
	matcher_result_init(&e.r);

	/* rule #4321 (a regex with a gap) and nothing else */
	word_for(4321, "zk", w, sizeof(w));
	word_for(4321, "vx", v, sizeof(v));
	snprintf(doc, sizeof(doc), "Intro text. %s some words %s. The end.", w, v);
	scan(&e, doc);
	assert_true(fired(&e, "r4321"));
	assert_int_equal(e.r.nhits, 1);
	{
		char want[128];

		snprintf(want, sizeof(want), "%s some words %s", w, v);
		expect_span(&e, "r4321", want);
	}
	/* one of each kind */
	for (unsigned i = 4000; i < 4010; i++) {
		char id[16];

		word_for(i, "zk", w, sizeof(w));
		word_for(i, "vx", v, sizeof(v));
		switch (big_kind(i)) {
		case 0: snprintf(doc, sizeof(doc), "x %s marker %s y", w, v); break;
		case 1: snprintf(doc, sizeof(doc), "x %s a b %s y", w, v); break;
		case 2: snprintf(doc, sizeof(doc), "x %sy: 123 y", w); break;
		default: snprintf(doc, sizeof(doc), "x %s now", v); break;
		}
		snprintf(id, sizeof(id), "r%u", i);
		scan(&e, doc);
		if (!fired(&e, id) || e.r.nhits != 1)
			fail_msg("rule %s on \"%s\": %zu hits", id, doc, e.r.nhits);
	}
	/* a near miss fires nothing */
	word_for(4321, "zk", w, sizeof(w));
	word_for(4321, "vx", v, sizeof(v));
	snprintf(doc, sizeof(doc), "%s red green blue %s", w, v);
	scan(&e, doc);
	assert_int_equal(e.r.nhits, 0);
	/* combinations */
	word_for(17, "tm", w, sizeof(w));
	word_for(17, "tn", v, sizeof(v));
	snprintf(doc, sizeof(doc), "a %s b", w);
	expect_fires(&e, "c17", doc, 1);
	snprintf(doc, sizeof(doc), "a %s b %s", w, v);
	expect_fires(&e, "c17", doc, 0);
	/* many rules in one document */
	{
		char big[8192];
		size_t o = 0;

		for (unsigned i = 0; i < 200; i += 2) { /* the even ones are literal */
			word_for(i, "zk", w, sizeof(w));
			word_for(i, "vx", v, sizeof(v));
			o += (size_t)snprintf(big + o, sizeof(big) - o, "%s marker %s. ", w, v);
		}
		scan(&e, big);
		assert_int_equal(e.r.nhits, 100);
		assert_true(e.r.score > 0);
	}
	eng_close(&e);
}

/* ---- main ------------------------------------------------------------------------------ */

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
		cmocka_unit_test(test_comb_not_both_orders),
		cmocka_unit_test(test_comb_negated_scored_rule),
		cmocka_unit_test(test_comb_or_and_not),
		cmocka_unit_test(test_comb_operand_assertions),
		cmocka_unit_test(test_offsets_original_bytes),
		cmocka_unit_test(test_start_of_bounded_gap),
		cmocka_unit_test(test_hits_merged_and_ordered),
		cmocka_unit_test(test_score_formula),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_short_text),
		cmocka_unit_test(test_context_halving),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_html_input),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_big_pack),
		/* last: under UBSan a failure here aborts the program */
		cmocka_unit_test(test_no_hits_fresh_result),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
