/* SPDX-License-Identifier: MIT */
/* Unit tests for text normalisation: Unicode folding, de-obfuscation,
 * UTF-8 repair and the offset map back to the input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../matcher/text.h"

struct norm_case {
	const char *in;
	const char *out;
};

static void check_cases(const struct norm_case *c, size_t n)
{
	struct lw_text t;
	struct lw_error err;
	size_t i;

	text_init(&t);
	for (i = 0; i < n; i++) {
		assert_int_equal(text_normalize(c[i].in, strlen(c[i].in), &t, &err), 0);
		if (strcmp(t.buf, c[i].out))
			fail_msg("normalising \"%s\": got \"%s\", want \"%s\"",
				 c[i].in, t.buf, c[i].out);
		assert_int_equal(t.len, strlen(c[i].out));
	}
	text_release(&t);
}

#define CHECK(cases) check_cases(cases, sizeof(cases) / sizeof(cases[0]))

/* ---- Unicode ------------------------------------------------------------- */

static void test_unicode_folding(void **state)
{
	static const struct norm_case cases[] = {
		{ "ＷＨＡＴＳＡＰＰ", "whatsapp" },
		{ "Call ｗｈａｔｓａｐｐ now", "call whatsapp now" },
		{ "①②③", "123" },
		{ "𝟎𝟐𝟏", "021" },
		{ "1\xef\xb8\x8f\xe2\x83\xa3" "2\xef\xb8\x8f\xe2\x83\xa3", "12" },
		{ "Straße", "strasse" },
		{ "İstanbul", "istanbul" },
		{ "pasaporte PASAPORTE pásaporte", "pasaporte pasaporte pasaporte" },
		{ "Hộ chiếu", "ho chieu" },
		{ "ﬁnance", "finance" },
		{ "HELLO World", "hello world" },
		/* marks outside U+0300..U+036F belong to their script */
		{ "สวัสดี", "สวัสดี" },
		{ "हिन्दी", "हिन्दी" },
		{ "한국어", "한국어" },
		/* Cyrillic keeps its letters, loses stress marks; Greek, like
		 * Latin, loses its accents */
		{ "Зайти ЁЛКА", "зайти ёлка" },
		{ "\xd0\xb8\xcc\x86", "й" },
		{ "рабо\xcc\x81та", "работа" },
		{ "Καλημέρα", "καλημερα" },
	};

	(void)state;
	CHECK(cases);
}

static void test_invisible_dropped(void **state)
{
	static const struct norm_case cases[] = {
		{ "what\xe2\x80\x8bs\xe2\x80\x8c" "app", "whatsapp" },
		{ "pass\xc2\xadport", "passport" },
		{ "\xef\xbb\xbfhello", "hello" },
		{ "w\xe2\x81\xa0hat", "what" },
		{ "vi\xe2\x80\x8dsa", "visa" },
		{ "ok\xef\xb8\x8f", "ok" },
	};

	(void)state;
	CHECK(cases);
}

static void test_whitespace(void **state)
{
	static const struct norm_case cases[] = {
		{ "  a \t\xc2\xa0 b  ", "a b" },
		{ "a\r\nb", "a\nb" },
		{ "a \n\n b", "a\nb" },
		{ "a\rb", "a\nb" },
		{ "a\xe2\x80\xa8" "b", "a\nb" },
		{ "a\xc2\x85" "b", "a\nb" },
		{ "a\xe2\x80\x83" "b", "a b" },
		{ "a\xe3\x80\x80" "b", "a b" },
		{ "\n\n", "" },
		{ "", "" },
	};

	(void)state;
	CHECK(cases);
}

/* ---- de-obfuscation ------------------------------------------------------ */

static void test_homoglyphs(void **state)
{
	static const struct norm_case cases[] = {
		/* Cyrillic а and о inside Latin words */
		{ "p\xd0\xb0ssp\xd0\xbert", "passport" },
		{ "Whats\xd0\x90pp", "whatsapp" },
		/* Greek capitals Eta, Epsilon, Omicron: H, not eta's n */
		{ "\xce\x97\xce\x95LL\xce\x9f", "hello" },
		{ "\xce\xbdisa", "visa" },
		/* an all-look-alike word in a Latin text */
		{ "Good salary, free flights and housing, ask for "
		  "\xd0\x9a\xd0\xb0\xd1\x82\xd0\xb5",
		  "good salary, free flights and housing, ask for kate" },
		/* Russian and Greek text is left alone */
		{ "Привет, работа за границей", "привет, работа за границей" },
		{ "Работа в Москве, оплата высокая, бонус",
		  "работа в москве, оплата высокая, бонус" },
		{ "καλη δουλεια", "καλη δουλεια" },
	};

	(void)state;
	CHECK(cases);
}

static void test_leetspeak(void **state)
{
	static const struct norm_case cases[] = {
		{ "p@ssp0rt", "passport" },
		{ "v1sa", "visa" },
		{ "m0ney", "money" },
		{ "wh@tsapp", "whatsapp" },
		{ "p@$$w0rd", "password" },
		{ "fr33 h0using", "fr33 housing" },       /* no letter after "33" */
		/* not leetspeak */
		{ "$5000", "$5000" },
		{ "24h", "24h" },
		{ "covid19", "covid19" },
		{ "021 555", "021 555" },
		{ "10am", "10am" },
		{ "john@gmail.com", "john@gmail.com" },
		{ "write to info@work-abroad.co.uk", "write to info@work-abroad.co.uk" },
	};

	(void)state;
	CHECK(cases);
}

static void test_spaced_letters(void **state)
{
	static const struct norm_case cases[] = {
		{ "w h a t s a p p", "whatsapp" },
		{ "t.e.l.e.g.r.a.m", "telegram" },
		{ "w-h-a-t-s-a-p-p", "whatsapp" },
		{ "s_k_y_p_e", "skype" },
		{ "v\xc2\xb7i\xc2\xb7s\xc2\xb7" "a", "visa" },
		{ "w.h-a.t", "what" },
		{ "w h @ t s a p p", "whatsapp" },
		{ "a.b.c.d.", "abcd." },
		{ "call w h a t s a p p now", "call whatsapp now" },
		{ "w h a t s a p p t.e.l.e.g.r.a.m", "whatsapp telegram" },
		{ "t.e.l.e.g.r.a.m w h a t s a p p", "telegram whatsapp" },
		/* beside words of other scripts, which join_spaced skips whole;
		 * a letter touching a word is no lone letter */
		{ "\xe0\xb8\xaa\xe0\xb8\xa7\xe0\xb8\xb1\xe0\xb8\xaa\xe0\xb8\x94\xe0\xb8\xb5 w h a t s a p p",
		  "\xe0\xb8\xaa\xe0\xb8\xa7\xe0\xb8\xb1\xe0\xb8\xaa\xe0\xb8\x94\xe0\xb8\xb5 whatsapp" },
		{ "\xd0\xbd\xd0\xb5\xd1\x82 w h a t s", "\xd0\xbd\xd0\xb5\xd1\x82 whats" },
		{ "ok.w.h.a.t.s", "ok.whats" },
		{ "w h a t s a p p\xc3\xa9", "whatsap pe" },
		{ "ab1 c d e f", "ab1 cdef" },
		/* too short, digits, or more than one separator */
		{ "I am a nurse", "i am a nurse" },
		{ "a b c", "a b c" },
		{ "U.S.A.", "u.s.a." },
		{ "1 2 3 4 5", "1 2 3 4 5" },
		{ "w  h  a  t", "w h a t" },
		{ "w. h. a. t.", "w. h. a. t." },
	};

	(void)state;
	CHECK(cases);
}

/* A number run of more words than join_number_runs keeps on the stack
 * (64): the items move to an allocation part way, and all of them are
 * still rewritten. */
static void test_number_run_long(void **state)
{
	static const char *const w[] = {
		"one", "two", "three", "four", "five", "six", "seven", "eight",
		"nine", "oh",
	};
	char in[1024], out[512];
	struct norm_case c = { in, out };
	size_t i, a = 0, b = 0;

	(void)state;
	a += (size_t)snprintf(in + a, sizeof(in) - a, "call");
	b += (size_t)snprintf(out + b, sizeof(out) - b, "call");
	for (i = 0; i < 150; i++) {
		a += (size_t)snprintf(in + a, sizeof(in) - a, " %s", w[i % 10]);
		b += (size_t)snprintf(out + b, sizeof(out) - b, " %c",
				      "1234567890"[i % 10]);
	}
	snprintf(in + a, sizeof(in) - a, " now");
	snprintf(out + b, sizeof(out) - b, " now");
	check_cases(&c, 1);
}

static void test_emoji(void **state)
{
	static const struct norm_case cases[] = {
		{ "call\xf0\x9f\x93\x9enow", "call phone now" },
		{ "\xe2\x98\x8e 0123", "phone 0123" },
		{ "\xe2\x98\x8e\xef\xb8\x8f", "phone" },
		{ "\xf0\x9f\x93\xb1+44", "phone +44" },
		{ "msg \xf0\x9f\x93\xb2 \xe2\x98\x8f", "msg phone phone" },
		{ "I \xe2\x9d\xa4 you \xf0\x9f\x8e\x89", "i you" },
		{ "ok\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd" "go", "ok go" },
	};

	(void)state;
	CHECK(cases);
}

static void test_digit_words(void **state)
{
	static const struct norm_case cases[] = {
		{ "zero two one double five five zero one six eight",
		  "0 2 1 55 5 0 1 6 8" },
		{ "5five5", "555" },
		{ "38four1", "3841" },
		{ "oh seven seven double oh one two", "0 7 7 00 1 2" },
		{ "call nine one one now", "call 9 1 1 now" },
		{ "cero dos uno cinco", "0 2 1 5" },
		{ "triple seven two nine", "777 2 9" },
		{ "one-two-three", "1-2-3" },
		{ "Zero Two ONE", "0 2 1" },
		{ "f1ve f1ve s1x", "5 5 6" },
		{ "021 five five", "021 5 5" },
		/* spaced letters spelling a digit word inside a number run */
		{ "1 2 f i v e", "1 2 5" },
		{ "call 0 f i v e 5 now", "call 0 5 5 now" },
		{ "n i n e 0 7 one", "9 0 7 1" },
		/* ordinary prose */
		{ "no one will know", "no one will know" },
		{ "one of the best", "one of the best" },
		{ "two weeks", "two weeks" },
		{ "one two weeks", "one two weeks" },
		{ "oh oh seven", "oh oh seven" },
		{ "2one", "2one" },
		{ "one, two, three", "one, two, three" },
	};

	(void)state;
	CHECK(cases);
}

/* ---- invalid input --------------------------------------------------------- */

struct repair_case {
	const char *in;
	size_t len;
	const char *out;
	size_t repaired;
};

#define RC(s, out, n) { s, sizeof(s) - 1, out, n }

static void test_invalid_utf8(void **state)
{
	static const struct repair_case cases[] = {
		RC("a\xff" "b", "a b", 1),
		RC("a\xe2\x82", "a", 1),                /* truncated at the end */
		RC("a\xe2\x82" "b", "a b", 1),          /* truncated */
		RC("a\xc0\xaf" "b", "a b", 1),          /* overlong '/' */
		RC("a\xe0\x80\xaf" "b", "a b", 1),      /* overlong, 3 bytes */
		RC("a\xed\xa0\x80" "b", "a b", 1),      /* surrogate */
		RC("a\x80" "b", "a b", 1),              /* lone continuation */
		RC("a\xf4\x90\x80\x80" "b", "a b", 1),  /* above U+10FFFF */
		RC("a\xff b\xfe", "a b", 2),
		RC("a\x00" "b", "a b", 0),
		RC("\xf0\x9f\x93", "", 1),
	};
	struct lw_text t;
	struct lw_error err;
	size_t i;

	(void)state;
	text_init(&t);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(text_normalize(cases[i].in, cases[i].len, &t, &err), 0);
		assert_string_equal(t.buf, cases[i].out);
		assert_int_equal(t.repaired, cases[i].repaired);
		assert_true(text_utf8_valid(t.buf, t.len));
	}
	text_release(&t);
}

static void test_utf8_valid(void **state)
{
	(void)state;
	assert_true(text_utf8_valid("", 0));
	assert_true(text_utf8_valid("abc", 3));
	assert_true(text_utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x93\x9e", 9));
	assert_true(text_utf8_valid("\xf4\x8f\xbf\xbf", 4));   /* U+10FFFF */
	assert_false(text_utf8_valid("\xc3", 1));
	assert_false(text_utf8_valid("\xc1\xbf", 2));
	assert_false(text_utf8_valid("\xe0\x9f\xbf", 3));
	assert_false(text_utf8_valid("\xed\xbf\xbf", 3));
	assert_false(text_utf8_valid("\xf0\x8f\xbf\xbf", 4));
	assert_false(text_utf8_valid("\xf4\x90\x80\x80", 4));
	assert_false(text_utf8_valid("\xf5\x80\x80\x80", 4));
	assert_false(text_utf8_valid("ab\x80", 3));
}

static void test_limits(void **state)
{
	struct lw_text t;
	struct lw_error err;
	char *big = calloc(TEXT_MAX_INPUT + 1u, 1);
	char *wide = malloc(3000);
	size_t i;

	(void)state;
	assert_non_null(big);
	assert_non_null(wide);
	text_init(&t);
	assert_int_equal(text_normalize(big, TEXT_MAX_INPUT + 1u, &t, &err), -1);
	assert_non_null(strstr(err.msg, "exceeds"));
	/* U+FDFA folds to 18 code points: the output cap refuses it */
	for (i = 0; i < 3000; i += 3)
		memcpy(wide + i, "\xef\xb7\xba", 3);
	assert_int_equal(text_normalize(wide, 3000, &t, &err), -1);
	assert_non_null(strstr(err.msg, "expands"));
	/* a few of them in ordinary text are fine */
	assert_int_equal(text_normalize(wide, 6, &t, &err), 0);
	assert_true(t.len > 6);
	text_release(&t);
	free(big);
	free(wide);
}

/* ---- offset map ------------------------------------------------------------ */

struct span_case {
	const char *in;
	const char *found;      /* in the normalised text */
	const char *orig;       /* the input bytes it must map back to */
};

static void test_offset_map(void **state)
{
	static const struct span_case cases[] = {
		{ "Call ｗｈａｔｓａｐｐ now", "whatsapp", "ｗｈａｔｓａｐｐ" },
		{ "get p@ssp0rt back", "passport", "p@ssp0rt" },
		{ "msg w h a t s a p p today", "whatsapp", "w h a t s a p p" },
		{ "ring \xf0\x9f\x93\x9e me", "phone", "\xf0\x9f\x93\x9e" },
		{ "call zero two one now", "0 2 1", "zero two one" },
		{ "Straße", "ss", "ß" },
		{ "die Straße hier", "strasse", "Straße" },
		{ "pásaporte", "pasaporte", "pásaporte" },
		{ "p\xd0\xb0ssp\xd0\xbert", "passport", "p\xd0\xb0ssp\xd0\xbert" },
		{ "x\xffy", " ", "\xff" },
		{ "take 5five5", "555", "5five5" },
		{ "call double five one two", "55", "double five" },
		{ "a\r\nb", "\n", "\r\n" },
		{ "what\xe2\x80\x8bsapp", "whatsapp", "what\xe2\x80\x8bsapp" },
		{ "Hộ chiếu", "ho chieu", "Hộ chiếu" },
	};
	struct lw_text t;
	struct lw_error err;
	size_t i, s, e;
	const char *hit;

	(void)state;
	text_init(&t);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(text_normalize(cases[i].in, strlen(cases[i].in), &t, &err), 0);
		hit = strstr(t.buf, cases[i].found);
		if (!hit)
			fail_msg("\"%s\" not in \"%s\"", cases[i].found, t.buf);
		s = (size_t)(hit - t.buf);
		e = s + strlen(cases[i].found);
		assert_int_equal(t.end[e - 1] - t.start[s], strlen(cases[i].orig));
		assert_memory_equal(cases[i].in + t.start[s], cases[i].orig,
				    strlen(cases[i].orig));
	}
	text_release(&t);
}

/* Every output byte of a multi-byte character maps to the same span. */
static void test_offset_map_bytes(void **state)
{
	static const char in[] = "é ж";
	struct lw_text t;
	struct lw_error err;

	(void)state;
	text_init(&t);
	assert_int_equal(text_normalize(in, strlen(in), &t, &err), 0);
	assert_string_equal(t.buf, "e ж");
	assert_int_equal(t.start[0], 0);
	assert_int_equal(t.end[0], 2);
	assert_int_equal(t.start[2], 3);
	assert_int_equal(t.start[3], 3);
	assert_int_equal(t.end[2], 5);
	assert_int_equal(t.end[3], 5);
	text_release(&t);
}

/* ---- random input ------------------------------------------------------------ */

static uint32_t rng_state = 0x2545F491u;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Random bytes mixed with the pieces the passes react to, so that they,
 * and not only the UTF-8 repair, get exercised. */
static size_t random_doc(char *buf, size_t max)
{
	static const char *const bits[] = {
		" ", "  ", ".", "-", "@", "$", "!", "0", "1", "5", "a", "w",
		"h", "five", "double", "oh", "one", "\n", "\r\n", "\xd0\xb0",
		"\xce\x97", "\xef\xbd\x97", "\xe2\x91\xa0", "\xf0\x9f\x93\x9e",
		"\xe2\x83\xa3", "\xcc\x81", "\xe2\x80\x8b", "\xc3\x9f",
		"\xef\xb7\xba", "\xc4\xb0", "x.y", "\xc2\xb7", "\xe0\xb8\xb1",
	};
	size_t len = rng() % (max + 1), n = 0, k;
	const char *b;

	while (n < len) {
		if (rng() % 3 == 0) {
			buf[n++] = (char)(rng() & 0xFF);
			continue;
		}
		b = bits[rng() % (sizeof(bits) / sizeof(bits[0]))];
		k = strlen(b);
		if (n + k > len)
			break;
		memcpy(buf + n, b, k);
		n += k;
	}
	return n;
}

static void check_invariants(const struct lw_text *t, size_t in_len)
{
	size_t i;

	assert_true(text_utf8_valid(t->buf, t->len));
	assert_int_equal(strlen(t->buf), t->len);
	for (i = 0; i < t->len; i++) {
		assert_true(t->start[i] < t->end[i]);
		assert_true(t->end[i] <= in_len);
		if (i) {
			assert_true(t->start[i - 1] <= t->start[i]);
			assert_true(t->end[i - 1] <= t->end[i]);
		}
	}
}

static void test_random_input(void **state)
{
	char buf[300];
	struct lw_text t;
	struct lw_error err;
	size_t len;
	int i;

	(void)state;
	text_init(&t);
	for (i = 0; i < 4000; i++) {
		len = random_doc(buf, sizeof(buf));
		assert_int_equal(text_normalize(buf, len, &t, &err), 0);
		check_invariants(&t, len);
	}
	text_release(&t);
}

/* ---- patterns ---------------------------------------------------------------- */

static void test_pattern(void **state)
{
	static const struct norm_case cases[] = {
		{ "pásaporte", "pasaporte" },
		{ "hộ chiếu", "ho chieu" },
		{ "PASAPORTE", "PASAPORTE" },           /* ASCII untouched */
		{ "\\bVISA\\s+[0-9]{3,}", "\\bVISA\\s+[0-9]{3,}" },
		{ "ПАСПОРТ\\s*", "паспорт\\s*" },
		{ "straße", "strasse" },
		{ "ｗｈａｔｓ", "whats" },
		{ "（x）", "\\(x\\)" },              /* folded punctuation stays literal */
		{ "a\xe2\x80\x8b" "b", "ab" },
		{ "\xd0\x98\xcc\x86", "й" },
		{ "e\xcc\x81", "e" },
		{ "ё", "ё" },
		{ "", "" },
	};
	struct lw_error err;
	char *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = text_normalize_pattern(cases[i].in, &err);
		assert_non_null(p);
		assert_string_equal(p, cases[i].out);
		free(p);
	}
	assert_null(text_normalize_pattern("abc\xff", &err));
	assert_string_equal(err.msg, "pattern is not valid utf-8 at byte 3");
	assert_null(text_normalize_pattern("\xc3\xa9\xed\xa0\x80", &err));
	assert_string_equal(err.msg, "pattern is not valid utf-8 at byte 2");
}

/* A struct reused across calls holds only the latest result. */
static void test_reuse(void **state)
{
	static const char long_in[] = "a fairly long first document with words";
	struct lw_text t;
	struct lw_error err;

	(void)state;
	text_init(&t);
	text_release(&t);
	assert_int_equal(text_normalize(long_in, strlen(long_in), &t, &err), 0);
	assert_int_equal(text_normalize("a\xff", 2, &t, &err), 0);
	assert_int_equal(t.repaired, 1);
	assert_int_equal(text_normalize("Hi", 2, &t, &err), 0);
	assert_string_equal(t.buf, "hi");
	assert_int_equal(t.len, 2);
	assert_int_equal(t.repaired, 0);
	text_release(&t);
	assert_null(t.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unicode_folding),
		cmocka_unit_test(test_invisible_dropped),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_homoglyphs),
		cmocka_unit_test(test_leetspeak),
		cmocka_unit_test(test_spaced_letters),
		cmocka_unit_test(test_number_run_long),
		cmocka_unit_test(test_emoji),
		cmocka_unit_test(test_digit_words),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_offset_map),
		cmocka_unit_test(test_offset_map_bytes),
		cmocka_unit_test(test_random_input),
		cmocka_unit_test(test_pattern),
		cmocka_unit_test(test_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
