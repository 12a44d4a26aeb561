/* SPDX-License-Identifier: MIT */
/* The fast normaliser against the reference one on random documents full of
 * obfuscation, byte for byte: text, offset map, repairs and word index; and
 * the word index itself. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../matcher/text.h"

/* ---- random documents ---------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

#define N(a) (sizeof(a) / sizeof(a[0]))

/* Pieces of text, each chosen to wake one pass or sit at the edge of one. */
static const char *const words[] = {
	"we", "are", "hiring", "Waitress", "for", "the", "summer", "in", "Dubai",
	"CONTACT", "us", "on", "WhatsApp", "passport", "visa", "money", "job",
	"a", "I", "x", "A", "of", "to", "agency", "Free", "accommodation", "no",
	"experience", "needed", "e.g.", "x-ray", "T-shirt", "it's", "(call)",
	"end.", "now!", "why?", "yes;", "\"quote\"", "5pm", "9am", "2nd", "mp3",
	"covid19", "hi!there", "wow!!", "$25", "$", "@", "@handle", "100%",
};
static const char *const obfuscated[] = {
	"w h a t s a p p", "t.e.l.e.g.r.a.m", "w-h-a-t", "w h @ t s a p p",
	"s_k_y_p_e", "w.h.@.t.s", "c-@-$-h", "a.@.b.@.c", "a b c", "a b c d", "v i s a", "I a m", "x.y", "a.b.c.d.",
	"p@ssp0rt", "v1sa", "m0ney", "wh@tsapp", "pas5port", "h!re", "a1!b",
	"john@mail.com", "t3l3gr4m", "c4$h", "we1come",
	"zero two one double five", "5five5", "38four1", "triple 7", "oh",
	"one", "two", "three", "one of", "five-six-seven", "cero uno dos tres",
	"double room", "double five", "nine nine nine", "oh one two",
	"021 five five 5", "+64 21 555 1234", "1-800-five-five", "5 5 5",
	"ONE TWO THREE", "fivefive5", "seven.eight.nine", "two - three - four",
};
static const char *const unicode[] = {
	"раssроrt", "сор", "ΗΕLLΟ", "Работа за границей", "о", "а", "с",
	"Ελλάδα", "ωμέγα", "νυ", "Н", "γ", "ζ", "Зайти ЁЛКА",
	"😊", "📞", "☎️", "👍🏽", "1️⃣", "🔥🔥", "✈️", "📱",
	"招聘服务员", "高薪。", "日本語！", "カタカナ", "สวัสดี", "हिन्दी", "한국어",
	"Bogotá", "pásaporte", "Hộ chiếu", "e\xcc\x81", "\xd0\xb8\xcc\x86",
	"\xcc\x81", "Straße", "İstanbul", "ﬁnance", "ＷＨＡＴＳＡＰＰ", "①②③",
	"𝟎𝟐𝟏", "\xe2\x80\x8b", "\xc2\xad", "w\xe2\x80\x8b" "h\xe2\x80\x8b" "a",
	"\xef\xb7\xba", "ǅ", "ﬀ", "½", "·", "•", "a·b·c·d",
	"\xff", "\xe2\x80", "\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf",
};
static const char *const spaces[] = {
	" ", " ", " ", " ", " ", "  ", "\t", "\n", "\r\n", "\n\n", "\r\n\r\n",
	"\r", "\r\r", " \n ", "\xc2\xa0", "\xe2\x80\xa8", "\xe2\x80\xa9",
	"\x0b", "\f", "\x01", "", "-", ".", ". ", ", ", " - ", "\xc2\x85",
};

static size_t add(char *doc, size_t len, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (len + n >= cap)
		return len;
	memcpy(doc + len, s, n);
	return len + n;
}

/* A document of up to cap - 1 bytes; NUL bytes may occur inside. */
static size_t random_doc(char *doc, size_t cap)
{
	size_t len = 0, pieces = 1 + rnd(60), i;
	uint32_t mix = rnd(4);  /* how obfuscated the document is */

	for (i = 0; i < pieces; i++) {
		uint32_t r = rnd(100);

		if (r < 55 - 15 * mix)
			len = add(doc, len, cap, words[rnd(N(words))]);
		else if (r < 80 - 5 * mix)
			len = add(doc, len, cap, obfuscated[rnd(N(obfuscated))]);
		else if (r < 97)
			len = add(doc, len, cap, unicode[rnd(N(unicode))]);
		else if (len + 1 < cap)
			doc[len++] = (char)rnd(256);       /* any byte, NUL too */
		len = add(doc, len, cap, spaces[rnd(N(spaces))]);
	}
	return len;
}

/* ---- comparison -------------------------------------------------------- */

static void same_u32(const uint32_t *a, const uint32_t *b, size_t n,
		     const char *what, uint64_t seed)
{
	if (n && memcmp(a, b, n * sizeof(*a))) {
		size_t i = 0;

		while (a[i] == b[i])
			i++;
		fail_msg("seed %llu: %s differs at %zu: fast %u, reference %u",
			 (unsigned long long)seed, what, i, a[i], b[i]);
	}
}

static void check_same(const char *doc, size_t len, uint64_t seed)
{
	struct lw_text fast, ref;
	struct lw_error e1, e2;
	int rc1, rc2;

	text_init(&fast);
	text_init(&ref);
	rc1 = text_normalize(doc, len, &fast, &e1);
	rc2 = text_normalize_reference(doc, len, &ref, &e2);
	if (rc1 != rc2)
		fail_msg("seed %llu: fast returns %d, reference %d",
			 (unsigned long long)seed, rc1, rc2);
	if (rc1 == 0) {
		if (fast.len != ref.len || memcmp(fast.buf, ref.buf, ref.len + 1))
			fail_msg("seed %llu: text differs:\n fast \"%s\"\n ref  \"%s\"",
				 (unsigned long long)seed, fast.buf, ref.buf);
		same_u32(fast.start, ref.start, ref.len, "start[]", seed);
		same_u32(fast.end, ref.end, ref.len, "end[]", seed);
		assert_int_equal(fast.repaired, ref.repaired);
		assert_int_equal(fast.nwords, ref.nwords);
		same_u32(fast.word_start, ref.word_start, ref.nwords, "word_start[]", seed);
		same_u32(fast.word_end, ref.word_end, ref.nwords, "word_end[]", seed);
		assert_int_equal(fast.nsents, ref.nsents);
		same_u32(fast.sent_first, ref.sent_first, ref.nsents, "sent_first[]", seed);
		assert_int_equal(fast.nparas, ref.nparas);
		same_u32(fast.para_first, ref.para_first, ref.nparas, "para_first[]", seed);
	}
	text_release(&fast);
	text_release(&ref);
}

/* ---- tests ----------------------------------------------------------------- */

/* Fixed seeds, so a failure names the document that shows it. */
static void test_fast_matches_reference(void **state)
{
	static char doc[4096];
	uint64_t seed;
	size_t len;

	(void)state;
	for (seed = 1; seed <= 6000; seed++) {
		rng_state = seed * 0x9E3779B97F4A7C15ull;
		len = random_doc(doc, sizeof(doc));
		check_same(doc, len, seed);
	}
}

/* Pieces glued with no space between them, and random bytes. */
static void test_fast_matches_reference_dense(void **state)
{
	static char doc[1024];
	uint64_t seed;
	size_t len, i;

	(void)state;
	for (seed = 1; seed <= 3000; seed++) {
		rng_state = seed * 0xD1B54A32D192ED03ull;
		len = 0;
		for (i = rnd(40); i > 0; i--) {
			uint32_t r = rnd(8);

			if (r == 0)
				len = add(doc, len, sizeof(doc), unicode[rnd(N(unicode))]);
			else if (r < 3)
				len = add(doc, len, sizeof(doc), obfuscated[rnd(N(obfuscated))]);
			else if (r < 5)
				len = add(doc, len, sizeof(doc), words[rnd(N(words))]);
			else if (r < 7)
				len = add(doc, len, sizeof(doc), spaces[rnd(N(spaces))]);
			else if (len + 1 < sizeof(doc))
				doc[len++] = "a1 .@$!-\n\xc3\xa9Z5o"[rnd(14)];
		}
		check_same(doc, len, seed);
	}
}

/* Documents whose Latin and Cyrillic letters stand near the 4:1 ratio at
 * which look-alikes are folded (doc_mostly_latin in normalize.c counts the
 * ASCII bytes by class and folds only the runs of other bytes; the
 * reference folds the whole document): a miscount flips "раssроrt" between
 * "passport" and Cyrillic. Each piece says the Latin and Cyrillic letters
 * it folds to; marks, emoji, ligatures, full-width letters and invalid
 * bytes sit at the edges of the runs. */
static const struct {
	const char *s;
	unsigned latin, other;
} ratio_pieces[] = {
	{ "abcd", 4, 0 }, { "WXYZ", 4, 0 }, { "Hi", 2, 0 }, { "a", 1, 0 },
	{ "\xef\xac\x81", 2, 0 },                     /* fi ligature */
	{ "\xef\xbc\xb7\xef\xbc\xa8", 2, 0 },         /* full-width WH */
	{ "\xf0\x9f\x93\x9e", 5, 0 },                 /* phone emoji: "phone" */
	{ "Bogot\xc3\xa1", 6, 0 }, { "e\xcc\x81", 1, 0 }, { "\xc3\x89", 1, 0 },
	{ "\xd0\xb8\xcc\x86", 0, 1 },                 /* и + breve: й */
	{ "\xd0\x91\xd0\x94", 0, 2 }, { "\xce\xb1\xcc\x81", 0, 1 },
	{ "\xcc\x81", 0, 0 }, { "\xff", 0, 0 }, { "\xc3", 0, 0 }, { "7", 0, 0 },
	{ "\xe2\x80\x8b", 0, 0 }, { "\xc2\xa0", 0, 0 },
};

static void test_fast_matches_reference_script_ratio(void **state)
{
	static char doc[2048];
	uint64_t seed;
	size_t len;
	unsigned latin, other, want, k;

	(void)state;
	for (seed = 1; seed <= 4000; seed++) {
		rng_state = seed * 0xA24BAED4963EE407ull;
		/* "раssроrt": four Cyrillic look-alikes, four Latin letters. */
		len = add(doc, 0, sizeof(doc), "\xd1\x80\xd0\xb0ss\xd1\x80\xd0\xbert ");
		latin = 4;
		other = 4;
		for (k = rnd(3); k > 0; k--) {
			len = add(doc, len, sizeof(doc), "\xd1\x81\xd0\xbe\xd1\x80 ");
			other += 3;
		}
		want = 4 * other - 6 + rnd(13);
		while (latin < want && len + 16 < sizeof(doc)) {
			k = rnd(N(ratio_pieces));
			len = add(doc, len, sizeof(doc), ratio_pieces[k].s);
			latin += ratio_pieces[k].latin;
			other += ratio_pieces[k].other;
			if (rnd(3))
				len = add(doc, len, sizeof(doc), spaces[rnd(N(spaces))]);
		}
		check_same(doc, len, seed);
	}
}

/* Ordinary prose, which the bulk path copies sixteen bytes at a time, with
 * now and then something it must leave to the chunk path: number words,
 * lone letters, digits, ! @ $, non-ASCII, runs of whitespace. Words run
 * over the 16-byte blocks at every offset. */
static const char *const prose[] = {
	"the", "The", "successful", "CANDIDATE", "will", "be", "trained", "on-site",
	"e.g.", "etc.", "(see", "below)", "co-workers,", "housekeeping/laundry",
	"\"great\"", "it's", "end.", "now!", "now!!", "why?", "so;", "x-ray", "ok:",
	"internationalisation", "responsibilities.", "well-being", "a", "I", "oneself",
	"often", "done", "tone", "ones", "twos", "sixty", "seventh", "doubles", "oh!",
	"...", "--", "&", "#tag", "100", "9", "$45", "@", "hi!there", "Zero",
};

static void test_fast_matches_reference_prose(void **state)
{
	static char doc[3000];
	uint64_t seed;
	size_t len;

	(void)state;
	for (seed = 1; seed <= 4000; seed++) {
		uint32_t rare;

		rng_state = seed * 0xA24BAED4963EE407ull;
		rare = 2 + rnd(30);
		len = 0;
		while (len + 40 < sizeof(doc) && rnd(400)) {
			uint32_t r = rnd(100);

			if (r >= rare)
				len = add(doc, len, sizeof(doc), prose[rnd(N(prose))]);
			else if (r % 3 == 0)
				len = add(doc, len, sizeof(doc), obfuscated[rnd(N(obfuscated))]);
			else if (r % 3 == 1)
				len = add(doc, len, sizeof(doc), unicode[rnd(N(unicode))]);
			else
				len = add(doc, len, sizeof(doc), words[rnd(N(words))]);
			len = add(doc, len, sizeof(doc),
				  rnd(8) ? " " : spaces[rnd(N(spaces))]);
		}
		check_same(doc, len, seed);
	}
}

/* Words of other scripts, which fold_chunk (normalize.c) folds straight to
 * the output when no pass could rewrite them, next to what could make a
 * pass fire after all: accents that fold to digit words ("dós", "ÓNE"),
 * Cyrillic words made of look-alikes alone ("сор", "оно") or mixed with
 * Latin letters ("pаss"), lone letters of other scripts spaced or dotted
 * ("é ö ü ä", "ж.з.и.к"), full-width digits, ! and separators, marks that
 * attach (e + U+0301) or belong (Devanagari signs), capitals whose folding
 * grows in UTF-8 (U+023A to U+2C65), CJK with its own full stops, digits
 * of other scripts, punctuation inside the chunk, and characters that fold
 * to two. */
static const char *const scripts[] = {
	"работа", "Работа,", "«Москва»", "сор", "оно", "СОР", "кто-то", "pаss",
	"раssроrt", "Ελλάδα", "ΗΕLLΟ", "ωμέγα", "κόσμος.", "ж", "з", "и", "к",
	"ж.з.и.к", "é", "ö", "ü", "ä", "é.ö.ü.ä", "é-ö", "dós", "ÓNE", "Dos",
	"Tres", "dós,", "seís", "Ｔｗｏ", "ＴＷＯ", "ｏｎｅ", "１２３", "ａ！ｂ",
	"ｗ．ｈ．ａ．ｔ", "e\xcc\x81t\xc3\xa9", "caf\xc3\xa9", "Hộ", "chiếu", "ở",
	"và", "Đà", "Nẵng.", "हिन्दी", "के", "।", "इच्छुक।", "招聘", "高薪。好",
	"工作！", "日本語", "สวัสดี", "ครับ", "٣٤٥", "अ१२", "Ⱥ", "Ⱥbc", "ȿ",
	"Straße", "STRASSE", "İstanbul", "naïve", "Åre", "Göteborg", "växjö",
	"för", "på", "—", "l’été", "x.é", "é.x", "a.é.b", "ǅ", "ß", "ﬁ", "·",
	"•", "é·ö", "😊", "ok😊", "\xc3\x28", "é\xff", "ΑΒΓ", "αβγ", "Ηνα",
	/* Characters that fold to two: Thai SARA AM, ligatures, digraphs,
	 * "№" (to "no"), "㎏", the two-dot leader (to ".."), "ŉ". */
	"ทำงาน", "น้ำ", "ำ", "ǆ", "Ǉ", "ﬀ", "ﬅ", "№", "№.", "㎏", "a‥b", "‥",
	"ŉ", "ß.ß", "ǳ",
	/* Control bytes and DEL end a chunk, wherever they fall in the
	 * 16-byte blocks chunk_end reads. */
	"работа\x7fработа", "ทำงาน\x7fงาน", "ทำงานทำงาน\x1fทำงาน", "é\x7f",
	"高薪高薪高薪\x7f高薪", "\x7fработа",
};

static void test_fast_matches_reference_scripts(void **state)
{
	static char doc[2048];
	uint64_t seed;
	size_t len, i;

	(void)state;
	for (seed = 1; seed <= 6000; seed++) {
		rng_state = seed * 0x94D049BB133111EBull;
		len = 0;
		for (i = 1 + rnd(50); i > 0; i--) {
			uint32_t r = rnd(20);

			if (r < 12)
				len = add(doc, len, sizeof(doc), scripts[rnd(N(scripts))]);
			else if (r < 15)
				len = add(doc, len, sizeof(doc), words[rnd(N(words))]);
			else if (r < 17)
				len = add(doc, len, sizeof(doc), obfuscated[rnd(N(obfuscated))]);
			else if (r < 18)
				len = add(doc, len, sizeof(doc), unicode[rnd(N(unicode))]);
			/* Mostly one space, so spaced letters and number runs
			 * can reach across; now and then nothing, gluing two. */
			if (rnd(10))
				len = add(doc, len, sizeof(doc), rnd(4) ? " " : spaces[rnd(N(spaces))]);
		}
		check_same(doc, len, seed);
	}
}

/* Documents that expand past the output cap fail in both, at any mix. */
static void test_fast_matches_reference_limits(void **state)
{
	static char doc[600];
	uint64_t seed;
	size_t len;

	(void)state;
	for (seed = 1; seed <= 300; seed++) {
		rng_state = seed;
		len = 0;
		while (len + 4 < sizeof(doc)) {
			if (rnd(3))
				len = add(doc, len, sizeof(doc), "\xef\xb7\xba");
			else
				len = add(doc, len, sizeof(doc), words[rnd(N(words))]);
			if (rnd(2))
				len = add(doc, len, sizeof(doc), " ");
		}
		check_same(doc, len, seed);
	}
	check_same("", 0, 0);
	check_same("   \n\n ", 6, 0);
	check_same("\xff", 1, 0);
	check_same("a \xff", 3, 0);
	check_same("\xe2\x80\x8b x", 5, 0);
}

/* ---- the word index ------------------------------------------------------ */

static void index_of(const char *in, struct lw_text *t)
{
	struct lw_error err;

	assert_int_equal(text_normalize(in, strlen(in), t, &err), 0);
}

static void expect_words(const struct lw_text *t, const char *const *want,
			 size_t n)
{
	size_t i;

	assert_int_equal(t->nwords, n);
	for (i = 0; i < n; i++) {
		size_t len = t->word_end[i] - t->word_start[i];

		if (len != strlen(want[i]) || memcmp(t->buf + t->word_start[i], want[i], len))
			fail_msg("word %zu: got \"%.*s\", want \"%s\"", i, (int)len,
				 t->buf + t->word_start[i], want[i]);
	}
}

static void test_index_words(void **state)
{
	static const char *const want[] = { "call", "me", "on", "whatsapp", "24", "7" };
	static const char *const cjk[] = { "招", "聘", "ok", "カ", "タ", "สวัสดี" };
	struct lw_text t;

	(void)state;
	text_init(&t);
	index_of("Call me, on w h a t s a p p -- 24/7!", &t);
	expect_words(&t, want, N(want));
	/* Han and kana characters are words each; Thai marks stay in words */
	index_of("招聘 ok カタ สวัสดี", &t);
	expect_words(&t, cjk, N(cjk));
	assert_int_equal(text_word_at(&t, 0), 0);
	assert_int_equal(text_word_at(&t, 4), 1);      /* inside 聘 */
	assert_int_equal(text_word_at(&t, 6), 2);      /* the space before ok */
	assert_int_equal(text_word_before(&t, 7), 1);
	assert_int_equal(text_word_before(&t, 0), (size_t)-1);
	text_release(&t);
}

static void test_index_sentences(void **state)
{
	struct lw_text t;

	(void)state;
	text_init(&t);
	/* . ! ? ; end a sentence before a space; "3.5" and "e.g" do not */
	index_of("Pay is 3.5 a day. Apply now! Why? Yes; e.g it works", &t);
	assert_int_equal(t.nsents, 5);
	assert_int_equal(t.sent_first[1], 6);    /* apply */
	assert_int_equal(t.sent_first[2], 8);    /* why */
	assert_int_equal(t.sent_first[3], 9);    /* yes */
	assert_int_equal(t.sent_first[4], 10);   /* e */
	assert_int_equal(text_sentence_of(&t, 5), 0);
	assert_int_equal(text_sentence_of(&t, 7), 1);
	/* a line break ends one; so do the full-width marks */
	index_of("first line\nsecond line 高薪。包吃", &t);
	assert_int_equal(t.nsents, 3);
	assert_int_equal(t.sent_first[1], 2);
	assert_int_equal(t.sent_first[2], 6);
	assert_int_equal(t.nparas, 1);
	text_release(&t);
}

static void test_index_paragraphs(void **state)
{
	struct lw_text t;

	(void)state;
	text_init(&t);
	/* blank lines, however written, open paragraphs; one break does not */
	index_of("one para\nstill\n\nsecond\r\n\r\nthird\r\rfourth \n \n fifth"
		 "\xe2\x80\xa9sixth", &t);
	assert_int_equal(t.nparas, 6);
	assert_int_equal(t.para_first[1], 3);
	assert_int_equal(t.para_first[2], 4);
	assert_int_equal(t.para_first[3], 5);
	assert_int_equal(t.para_first[4], 6);
	assert_int_equal(t.para_first[5], 7);
	assert_int_equal(text_paragraph_of(&t, 2), 0);
	assert_int_equal(text_paragraph_of(&t, 7), 5);
	/* leading blank lines open nothing extra */
	index_of("\n\n\nhello", &t);
	assert_int_equal(t.nparas, 1);
	assert_int_equal(t.nsents, 1);
	index_of("", &t);
	assert_int_equal(t.nwords, 0);
	assert_int_equal(t.nparas, 0);
	text_release(&t);
}

/* text_index on its own rebuilds what text_normalize built. */
static void test_index_rebuild(void **state)
{
	struct lw_text t;
	struct lw_error err;
	uint32_t words[64];
	size_t n;
	const char *in = "Bogotá 😊 jobs.\n\nCall zero two one five five!";

	(void)state;
	text_init(&t);
	assert_int_equal(text_normalize(in, strlen(in), &t, &err), 0);
	n = t.nwords;
	assert_true(n <= 64);
	memcpy(words, t.word_start, n * sizeof(*words));
	text_index(&t, in, strlen(in));
	assert_int_equal(t.nwords, n);
	assert_memory_equal(words, t.word_start, n * sizeof(*words));
	assert_int_equal(t.nparas, 2);
	text_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_matches_reference),
		cmocka_unit_test(test_fast_matches_reference_dense),
		cmocka_unit_test(test_fast_matches_reference_prose),
		cmocka_unit_test(test_fast_matches_reference_limits),
		cmocka_unit_test(test_fast_matches_reference_script_ratio),
		cmocka_unit_test(test_fast_matches_reference_scripts),
		cmocka_unit_test(test_index_words),
		cmocka_unit_test(test_index_sentences),
		cmocka_unit_test(test_index_paragraphs),
		cmocka_unit_test(test_index_rebuild),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
