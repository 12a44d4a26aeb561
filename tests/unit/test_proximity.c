/* SPDX-License-Identifier: MIT */
/* Word lists and proximity operators: [words ID] items (words, phrases,
 * stems, other scripts), NEAR/n, BEFORE/n, SENT, PARA and their NOT forms,
 * the word index they count in, evidence spans that are the words that
 * matched, the explanation, and file:line errors. */
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
#include "../../matcher/text.h"
#include "test_fs.h"

static char tmpdir[] = "/tmp/lw-test-prox.XXXXXX";

#include "test_eng.h"

#define WORDS(id, items) "[words " id "]\nwords = " items "\n"
#define COMBO(id, expr) \
	"[rule " id "]\ncategory = deception\nweight = 1\ndescription = d\ncombine = " expr "\n"

/* ---- the word index ----------------------------------------------------------- */

static void index_of(const char *in, struct lw_text *t)
{
	struct lw_error err;

	text_init(t);
	if (text_normalize(in, strlen(in), t, &err) < 0)
		fail_msg("normalize: %s", err.msg);
}

static void test_word_index(void **state)
{
	struct lw_text t;

	(void)state;
	index_of("We keep your passport.  Pay $500 now!\n\nNew para here", &t);
	/* we keep your passport | pay 500 now | new para here */
	assert_int_equal(t.nwords, 10);
	assert_int_equal(t.nsents, 3);
	assert_int_equal(t.nparas, 2);
	assert_int_equal(t.sent_first[1], 4);
	assert_int_equal(t.para_first[1], 7);
	assert_memory_equal(t.buf + t.word_start[3], "passport", 8);
	assert_int_equal(t.word_end[3] - t.word_start[3], 8);
	assert_int_equal(text_word_at(&t, t.word_start[3] + 2), 3);
	assert_int_equal(text_word_at(&t, t.word_end[3]), 4);   /* the '.' after it: next word */
	assert_int_equal(text_word_before(&t, t.word_end[3]), 3);
	assert_int_equal(text_sentence_of(&t, 5), 1);
	assert_int_equal(text_paragraph_of(&t, 9), 1);
	text_release(&t);
	/* a single line break ends a sentence, not a paragraph */
	index_of("line one\nline two", &t);
	assert_int_equal(t.nsents, 2);
	assert_int_equal(t.nparas, 1);
	text_release(&t);
	/* Han characters are words by themselves; a decimal point ends nothing */
	index_of("\xe6\x8a\xa4\xe7\x85\xa7\xe7\x94\xb1 3.5 ok", &t);
	assert_int_equal(t.nwords, 6);
	assert_int_equal(t.nsents, 1);
	text_release(&t);
	index_of("", &t);
	assert_int_equal(t.nwords, 0);
	text_release(&t);
	/* a full-width mark (folded to ASCII) before the next Han character,
	 * and the danda, end sentences */
	index_of("\xe6\x8a\xa4\xe7\x85\xa7\xef\xbc\x81\xe5\xb7\xa5\xe8\xb5\x84", &t);
	assert_int_equal(t.nsents, 2);
	text_release(&t);
	index_of("\xe0\xa4\xaa\xe0\xa4\xb9\xe0\xa4\xb2\xe0\xa4\xbe\xe0\xa5\xa4"
		 "\xe0\xa4\xa6\xe0\xa5\x82\xe0\xa4\xb8\xe0\xa4\xb0\xe0\xa4\xbe", &t);
	assert_int_equal(t.nwords, 2);
	assert_int_equal(t.nsents, 2);
	text_release(&t);
}

/* Length as scoring weighs it: unspaced Thai (one indexed word however
 * long) counts a word per four characters, so a paragraph of Thai is not
 * "short"; spaced scripts and Han count their indexed words. */
static void test_length_words(void **state)
{
	struct lw_text t;

	(void)state;
	index_of("We keep your passport.", &t);
	assert_int_equal(text_length_words(&t), 4);
	text_release(&t);
	/* 9 Thai characters (with a vowel mark) in one run: 1 word indexed,
	 * ceil(9 / 4) = 3 for length, plus the 2 Latin words */
	index_of("\xe0\xb8\x87\xe0\xb8\xb2\xe0\xb8\x99\xe0\xb8\x95\xe0\xb9\x88"
		 "\xe0\xb8\xb2\xe0\xb8\x87\xe0\xb8\x9b\xe0\xb8\xa3 ok now", &t);
	assert_int_equal(t.nwords, 3);
	assert_int_equal(text_length_words(&t), 5);
	text_release(&t);
	/* two Thai runs share the rounding: 4 + 1 characters make 2 words */
	index_of("\xe0\xb8\x87\xe0\xb8\xb2\xe0\xb8\x99\xe0\xb8\x95 \xe0\xb8\x87", &t);
	assert_int_equal(t.nwords, 2);
	assert_int_equal(text_length_words(&t), 2);
	text_release(&t);
	/* Han characters stay a word each */
	index_of("\xe6\x8a\xa4\xe7\x85\xa7\xe7\x94\xb1", &t);
	assert_int_equal(text_length_words(&t), 3);
	text_release(&t);
	index_of("", &t);
	assert_int_equal(text_length_words(&t), 0);
	text_release(&t);
}

/* ---- word lists ------------------------------------------------------------------ */

static void test_words_items(void **state)
{
	struct eng e;

	(void)state;
	eng_open(&e, WORDS("doc", "passport, id card,\n  travel documents\n  recruit*")
		     WORDS("ru", "\xd0\xbf\xd0\xb0\xd1\x81\xd0\xbf\xd0\xbe\xd1\x80\xd1\x82") /* паспорт */
		     WORDS("zh", "\xe6\x8a\xa4\xe7\x85\xa7")                                  /* 护照 */
		     COMBO("x", "doc") COMBO("r", "ru") COMBO("z", "zh"), -1);
	expect_fires(&e, "x", "Bring your PASSPORT", 1);
	expect_fires(&e, "x", "bring your passports", 0);             /* whole words only */
	expect_fires(&e, "x", "your ID\n card please", 1);            /* phrase across a line */
	expect_fires(&e, "x", "no travel  documents", 1);
	expect_fires(&e, "x", "we are Recruiting now", 1);             /* stem */
	expect_fires(&e, "x", "unrecruited", 0);
	expect_fires(&e, "x", "p@ssport kept", 1);                     /* normalised like text */
	scan(&e, "We are RECRUITING now");
	expect_span(&e, "x", "RECRUITING");                            /* a stem's whole word */
	expect_fires(&e, "r", "\xd0\xbf\xd0\xb0\xd1\x81\xd0\xbf\xd0\xbe\xd1\x80\xd1\x82 \xd0\xb7\xd0\xb4\xd0\xb5\xd1\x81\xd1\x8c",
		     1);
	/* inside a longer Cyrillic word: no match (the callback checks boundaries) */
	expect_fires(&e, "r", "\xd0\xb7\xd0\xb0\xd0\xb3\xd1\x80\xd0\xb0\xd0\xbd\xd0\xbf\xd0\xb0\xd1\x81\xd0\xbf"
			      "\xd0\xbe\xd1\x80\xd1\x82", 0);
	/* Chinese does not space words: a plain substring */
	expect_fires(&e, "z", "\xe6\x94\xb6\xe6\x8a\xa4\xe7\x85\xa7\xe4\xbf\x9d\xe7\xae\xa1", 1);
	eng_close(&e);
}

/* Items are Hyperscan literals with their boundaries checked in the scan
 * callback, and after a cache load those checks and the grouping of items
 * come from the cache file: both must see exactly what \b would. */
static void test_items_cold_and_cached(void **state)
{
	static const char *texts[] = {
		"bring your passport", "2passport", "_passport", "passport_x", "passport2",
		"x-passport-y", "not notice", "notice not", "nothing", "id card", "id\ncard",
		"id cards", "recruiting", "prerecruit", "recruit", "\xd0\xbf\xd0\xb0\xd1\x81\xd0\xbf\xd0\xbe\xd1\x80\xd1\x82\xd0\xb0",
	};
	char path[4096], cache[4096];
	struct matcher *m[2];
	struct matcher_scanner *sc[2];
	struct matcher_result r[2];
	struct lw_error err;

	(void)state;
	snprintf(path, sizeof(path), "%s/items.rules", tmpdir);
	snprintf(cache, sizeof(cache), "%s/cache", tmpdir);
	write_file(path, WORDS("doc", "passport, id card, recruit*, not")
			 WORDS("ru", "\xd0\xbf\xd0\xb0\xd1\x81\xd0\xbf\xd0\xbe\xd1\x80\xd1\x82")
			 COMBO("x", "doc") COMBO("r", "ru"));
	for (int k = 0; k < 2; k++) {
		m[k] = compile_path(path, cache, -1);
		assert_int_equal(matcher_from_cache(m[k]), k);
		sc[k] = matcher_scanner_new(m[k], &err);
		assert_non_null(sc[k]);
		matcher_result_init(&r[k]);
	}
	for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
		for (int k = 0; k < 2; k++)
			if (matcher_scan(sc[k], texts[i], strlen(texts[i]), MATCHER_INPUT_TEXT, &r[k],
					 &err) < 0)
				fail_msg("scan: %s", err.msg);
		assert_int_equal(r[0].nhits, r[1].nhits);
		for (size_t h = 0; h < r[0].nhits; h++) {
			assert_int_equal(r[0].hits[h].rule, r[1].hits[h].rule);
			assert_int_equal(r[0].hits[h].start, r[1].hits[h].start);
			assert_int_equal(r[0].hits[h].end, r[1].hits[h].end);
		}
	}
	/* what \b means: digits and '_' are word bytes, '-' is not */
	for (int k = 0; k < 2; k++) {
		static const struct { const char *t; size_t n; } want[] = {
			{ "bring your passport", 1 }, { "2passport", 0 }, { "_passport", 0 },
			{ "passport2", 0 }, { "x-passport-y", 1 }, { "notice not", 1 },
			{ "nothing", 0 }, { "id\ncard", 1 }, { "id cards", 0 }, { "prerecruit", 0 },
			{ "recruiting", 1 },
		};

		for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
			if (matcher_scan(sc[k], want[i].t, strlen(want[i].t), MATCHER_INPUT_TEXT, &r[k],
					 &err) < 0)
				fail_msg("scan: %s", err.msg);
			if (r[k].nhits != want[i].n)
				fail_msg("%s: '%s': %zu hits, want %zu", k ? "cached" : "cold", want[i].t,
					 r[k].nhits, want[i].n);
		}
	}
	for (int k = 0; k < 2; k++) {
		matcher_result_release(&r[k]);
		matcher_scanner_free(sc[k]);
		matcher_free(m[k]);
	}
}

/* ASCII items are matched with their word boundaries written into the
 * literal (a space, over a copy of the text with every non-word byte a
 * space), the others with the boundaries checked in the callback: on random
 * text glued together from items, word bytes, punctuation, line breaks and
 * letters of other scripts, both must find exactly what the \b-bounded
 * regular expression finds. */
static void test_items_padded_as_regex(void **state)
{
	static const char *bits[] = {
		"id", "pay", "we", "keep", "no", "paid", "idea", "e-mail", "email", "24/7",
		"_", "-", ".", ",", "1", "x", " ", " ", " ", "\n", "\xc3\xa9" /* é */,
		"\xd0\xb6" /* ж */, "\xe0\xb9\x84\xe0\xb8\x97\xe0\xb8\xa2" /* ไทย */, "(", "'",
	};
	struct eng e;
	char text[256];
	unsigned seed = 12345;

	(void)state;
	eng_open(&e, WORDS("w", "id, pay, we keep, no, e-mail, 24/7") COMBO("x", "w")
		     "[rule y]\ncategory = deception\nweight = 1\ndescription = d\n"
		     "pattern = /\\bid\\b/\npattern = /\\bpay\\b/\npattern = /\\bwe[ \\n]keep\\b/\n"
		     "pattern = /\\bno\\b/\npattern = /\\be-mail\\b/\npattern = /\\b24\\/7\\b/\n",
		     -1);
	for (int round = 0; round < 3000; round++) {
		struct matcher_hit a[64], b[64];
		size_t len = 0, na, nb;
		int parts = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 24;

		for (int k = 0; k < parts; k++) {
			const char *bit = bits[((seed = seed * 1103515245u + 12345u) >> 16) %
					       (sizeof(bits) / sizeof(*bits))];

			if (len + strlen(bit) >= sizeof(text))
				break;
			memcpy(text + len, bit, strlen(bit));
			len += strlen(bit);
		}
		text[len] = '\0';
		scan(&e, text);
		na = hits_of(&e, "x", a, 64);
		nb = hits_of(&e, "y", b, 64);
		if (na != nb)
			fail_msg("\"%s\": %zu hits from the items, %zu from the patterns", text, na, nb);
		for (size_t i = 0; i < na; i++)
			if (a[i].start != b[i].start || a[i].end != b[i].end)
				fail_msg("\"%s\": item hit %zu-%zu, pattern hit %zu-%zu", text,
					 a[i].start, a[i].end, b[i].start, b[i].end);
	}
	eng_close(&e);
}

/* ---- operators -------------------------------------------------------------------- */

static void test_near_before(void **state)
{
	struct eng e;

	(void)state;
	eng_open(&e, WORDS("pay", "wages, pay, salary") WORDS("hold", "withheld, kept, held back")
		     COMBO("n", "pay NEAR/3 hold") COMBO("b", "pay BEFORE/3 hold")
		     COMBO("w", "pay w/3 hold") COMBO("p", "pay pre/3 hold"), -1);
	expect_fires(&e, "n", "your wages are withheld", 1);          /* 2 words apart */
	expect_fires(&e, "n", "your wages are always kept back", 1);  /* 3 */
	expect_fires(&e, "n", "wages are not ever really kept", 0);   /* 5 */
	expect_fires(&e, "n", "kept until the season ends: your wages", 0);
	expect_fires(&e, "n", "held back: your wages", 1);            /* either order */
	expect_fires(&e, "b", "held back: your wages", 0);            /* BEFORE is ordered */
	expect_fires(&e, "b", "salary held back", 1);
	expect_fires(&e, "w", "your wages are withheld", 1);          /* Lexis spelling */
	expect_fires(&e, "p", "withheld wages", 0);
	/* evidence: the two words, not what lies between */
	scan(&e, "Note that your wages are withheld until you finish.");
	expect_span(&e, "n", "wages");
	expect_span(&e, "n", "withheld");
	for (size_t i = 0; i < e.r.nhits; i++)
		assert_true(e.r.hits[i].end - e.r.hits[i].start <= 8);
	/* the explanation names the words and the distance */
	assert_int_equal(e.r.nreasons >= 1, 1);
	assert_non_null(strstr(e.r.reasons[0].text, "'wages' NEAR/3 'withheld': 2 words apart"));
	eng_close(&e);
}

static void test_sent_para(void **state)
{
	struct eng e;

	(void)state;
	eng_open(&e, WORDS("a", "passport") WORDS("b", "keep, kept")
		     COMBO("s", "a SENT b") COMBO("p", "a PARA b") COMBO("s2", "a /s b"), -1);
	expect_fires(&e, "s", "We keep, for your safety and ours, your passport.", 1);
	expect_fires(&e, "s", "We keep smiling. Bring your passport.", 0);
	expect_fires(&e, "s", "We keep smiling\nBring your passport", 0); /* a line is a sentence */
	expect_fires(&e, "p", "We keep smiling. Bring your passport.", 1);
	expect_fires(&e, "p", "We keep smiling.\n\nBring your passport.", 0);
	expect_fires(&e, "s2", "passport kept", 1);
	eng_close(&e);
}

static void test_not_near(void **state)
{
	struct eng e;

	(void)state;
	eng_open(&e, WORDS("pp", "passport") WORDS("hold", "keep, hold")
		     WORDS("neg", "never, not, don't, do not")
		     COMBO("x", "(pp NEAR/4 hold) NOT NEAR/4 neg")
		     COMBO("y", "pp NOT SENT neg") COMBO("q", "pp NOT PARA neg"), -1);
	expect_fires(&e, "x", "We keep your passport safe", 1);
	expect_fires(&e, "x", "We never keep your passport", 0);
	expect_fires(&e, "x", "We do not keep your passport", 0);
	/* a disclaimer far away does not clear the near one */
	expect_fires(&e, "x", "We keep your passport. Other agencies elsewhere in this town never pay on time.",
		     1);
	/* one occurrence without a disclaimer is enough */
	expect_fires(&e, "x", "We never keep your passport here. There we keep your passport.", 1);
	expect_fires(&e, "y", "Passport needed. Never late.", 1);
	expect_fires(&e, "y", "Passport never needed.", 0);
	expect_fires(&e, "q", "Passport needed. Never late.", 0);
	expect_fires(&e, "q", "Passport needed.\n\nNever late.", 1);
	eng_close(&e);
}

static void test_nesting_and_boolean(void **state)
{
	struct eng e;

	(void)state;
	eng_open(&e, WORDS("a", "alpha") WORDS("b", "bravo") WORDS("c", "charlie")
		     WORDS("d", "delta") "[term t]\npattern = /\\bzulu\\b/\n"
		     COMBO("x", "(a | b) NEAR/2 c & !d") COMBO("y", "(a NEAR/1 b) SENT c")
		     COMBO("z", "t NEAR/2 a | d"), -1);
	expect_fires(&e, "x", "bravo x charlie", 1);
	expect_fires(&e, "x", "alpha charlie", 1);
	expect_fires(&e, "x", "alpha charlie delta", 0);
	expect_fires(&e, "x", "alpha x y z charlie", 0);
	expect_fires(&e, "y", "alpha bravo and then charlie.", 1);
	expect_fires(&e, "y", "alpha x bravo and then charlie.", 0);
	expect_fires(&e, "y", "alpha bravo. then charlie.", 0);
	expect_fires(&e, "z", "zulu and alpha", 1);                  /* a regex term operand */
	expect_fires(&e, "z", "zulu x y alpha", 0);
	expect_fires(&e, "z", "delta", 1);
	eng_close(&e);
}

/* The example of issue 9: a combination's evidence must be the few words
 * that made it, not the paragraph before them. */
/* A long combination goes on over indented lines. */
static void test_combine_continued(void **state)
{
	struct eng e;

	(void)state;
	eng_open(&e, WORDS("a", "alpha") WORDS("b", "bravo") WORDS("c", "charlie")
		     "[rule x]\ncategory = deception\nweight = 1\ndescription = d\n"
		     "combine = a NEAR/2 b\n  | c\n", -1);
	expect_fires(&e, "x", "alpha bravo", 1);
	expect_fires(&e, "x", "charlie", 1);
	expect_fires(&e, "x", "alpha", 0);
	eng_close(&e);
}

static void test_span_is_the_words(void **state)
{
	struct eng e;
	const char *ad = "Our bakery is hiring for the summer and we train everyone on the job.\n\n"
			 "Boys 15-17 can apply for weekend shifts.\n";

	(void)state;
	eng_open(&e, WORDS("kids", "boys, girls") "[term age]\npattern = /\\b1[0-7]\\b/\n"
		     COMBO("minor", "kids NEAR/3 age"), -1);
	scan(&e, ad);
	expect_span(&e, "minor", "Boys");
	expect_span(&e, "minor", "15");
	for (size_t i = 0; i < e.r.nhits; i++)
		assert_true(e.r.hits[i].start >= 70);
	eng_close(&e);
}

/* ---- errors ------------------------------------------------------------------------- */

static void expect_load_error(const char *rules, const char *want)
{
	char path[4096];
	struct lw_error err;
	struct matcher_pack *pack;
	struct matcher *m = NULL;

	snprintf(path, sizeof(path), "%s/bad.rules", tmpdir);
	write_file(path, rules);
	memset(&err, 0, sizeof(err));
	pack = matcher_pack_load(path, &err);
	if (pack) {
		struct matcher_options o = { "", -1 };

		m = matcher_compile(pack, &o, &err);
	}
	if (m) {
		matcher_free(m);
		fail_msg("no error for:\n%s", rules);
	}
	if (!strstr(err.msg, want) || !strstr(err.msg, "bad.rules:"))
		fail_msg("expected \"%s\" with file:line, got \"%s\"", want, err.msg);
}

static void test_errors(void **state)
{
	(void)state;
	expect_load_error(WORDS("a", "x") WORDS("b", "y") COMBO("c", "a NEAR b"), "expected '/n'");
	expect_load_error(WORDS("a", "x") WORDS("b", "y") COMBO("c", "a NEAR/0 b"), "out of range");
	expect_load_error(WORDS("a", "x") WORDS("b", "y") COMBO("c", "a NEAR/5000 b"), "out of range");
	expect_load_error(WORDS("a", "x") WORDS("b", "y") COMBO("c", "a NEAR/2 !b"),
			  "cannot be an operand of a proximity operator");
	expect_load_error(WORDS("a", "x") WORDS("b", "y") COMBO("c", "(a & b) SENT a"),
			  "'&' cannot be an operand");
	expect_load_error(WORDS("a", "x") WORDS("b", "y") COMBO("c", "a NOT b"), "NOT must be followed");
	expect_load_error(WORDS("a", "x") WORDS("b", "y") COMBO("c", "a b"), "an operator is missing");
	expect_load_error(WORDS("a", "x") COMBO("c", "a NEAR/2 nosuch"), "unknown rule 'nosuch'");
	expect_load_error("[words a]\ndescription = d\n", "has no words");
	expect_load_error(WORDS("a", "rec*uit"), "'*' is allowed only at the end");
	expect_load_error(WORDS("a", "ab*"), "at least three characters");
	expect_load_error("[words a]\npattern = /x/\n", "a word list has only words and description");
	expect_load_error(WORDS("a", "\xe2\x80\x8b"), "normalises to nothing");
}

/* ---- the explanation -------------------------------------------------------------- */

static void test_reason_not_near(void **state)
{
	struct eng e;

	(void)state;
	eng_open(&e, WORDS("pp", "passport") WORDS("neg", "never") COMBO("x", "pp NOT NEAR/5 neg"), -1);
	scan(&e, "send your passport today");
	assert_int_equal(e.r.nreasons, 1);
	assert_non_null(strstr(e.r.reasons[0].text, "'passport' NOT NEAR/5"));
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
		cmocka_unit_test(test_word_index),
		cmocka_unit_test(test_length_words),
		cmocka_unit_test(test_words_items),
		cmocka_unit_test(test_items_cold_and_cached),
		cmocka_unit_test(test_items_padded_as_regex),
		cmocka_unit_test(test_near_before),
		cmocka_unit_test(test_sent_para),
		cmocka_unit_test(test_not_near),
		cmocka_unit_test(test_nesting_and_boolean),
		cmocka_unit_test(test_span_is_the_words),
		cmocka_unit_test(test_combine_continued),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_reason_not_near),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
