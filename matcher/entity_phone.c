/* SPDX-License-Identifier: MIT */
/* Phone numbers in normalised text: runs of digit groups with separators,
 * parsed to E.164, and told apart as WhatsApp/Viber contacts or plain
 * phones by the words around them. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "entities_internal.h"
#include "phone.h"
#include "ucat.h"
#include "../util/xmalloc.h"

#define MAX_GROUPS 24
#define MAX_TOKEN 20            /* digits in one group */
#define MAX_DIGITS 17           /* a little over E.164's 15, for prefixes */
#define MIN_DIGITS 7
#define NATIONAL_SHORT 8        /* fewer digits than any whole number here */

struct group {
	size_t a, b;            /* normalised bytes */
	size_t nd;              /* digits in the group */
	size_t sep;             /* separator bytes before the next group */
	char sepc;              /* the separator when it is one byte */
	int weak;               /* only a lone number word or homophone ("to") */
	int word;               /* exactly one number word, no homophone */
};

struct cand {
	int plus;
	int paren;              /* "(": digits before the ")", else 0 */
	struct group g[MAX_GROUPS];
	size_t ng;
	char digits[MAX_GROUPS * MAX_TOKEN + 1];
	size_t nd;
};

/* ---- digit groups ---------------------------------------------------------- */

/* Number words as posters run them together or mix them with digits
 * ("fivefive5", "twoate9"): the normaliser rewrites only runs of whole
 * words, so the rest is read here. Homophones ("to", "for", "ate", "won")
 * count only inside a token that is clearly a number or between groups
 * that are. Longer words come before their prefixes ("too" before "to"). */
static const struct {
	const char *w;
	char d;
	int homophone;
} number_words[] = {
	{ "zero", '0', 0 }, { "one", '1', 0 }, { "two", '2', 0 }, { "three", '3', 0 },
	{ "four", '4', 0 }, { "five", '5', 0 }, { "six", '6', 0 }, { "seven", '7', 0 },
	{ "eight", '8', 0 }, { "nine", '9', 0 },
	{ "too", '2', 1 }, { "to", '2', 1 }, { "fore", '4', 1 }, { "for", '4', 1 },
	{ "ate", '8', 1 }, { "won", '1', 1 }, { "oh", '0', 1 },
	/* Russian, as in "шесть-ноль-пять" */
	{ "\xd0\xbd\xd0\xbe\xd0\xbb\xd1\x8c", '0', 0 },               /* ноль */
	{ "\xd0\xbd\xd1\x83\xd0\xbb\xd1\x8c", '0', 0 },               /* нуль */
	{ "\xd0\xbe\xd0\xb4\xd0\xb8\xd0\xbd", '1', 0 },               /* один */
	{ "\xd0\xb4\xd0\xb2\xd0\xb0", '2', 0 },                         /* два */
	{ "\xd1\x82\xd1\x80\xd0\xb8", '3', 0 },                         /* три */
	{ "\xd1\x87\xd0\xb5\xd1\x82\xd1\x8b\xd1\x80\xd0\xb5", '4', 0 }, /* четыре */
	{ "\xd0\xbf\xd1\x8f\xd1\x82\xd1\x8c", '5', 0 },               /* пять */
	{ "\xd1\x88\xd0\xb5\xd1\x81\xd1\x82\xd1\x8c", '6', 0 },     /* шесть */
	{ "\xd1\x81\xd0\xb5\xd0\xbc\xd1\x8c", '7', 0 },               /* семь */
	{ "\xd0\xb2\xd0\xbe\xd1\x81\xd0\xb5\xd0\xbc\xd1\x8c", '8', 0 }, /* восемь */
	{ "\xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd1\x82\xd1\x8c", '9', 0 }, /* девять */
};
#define NWORDS (sizeof(number_words) / sizeof(number_words[0]))

/* number_words by first byte, built once (index_words): word_head[b] - 1
 * is the first word starting with byte b, word_next[k] - 1 the next after
 * word k (0: none), in table order. Most bytes start none of them. */
static uint8_t word_head[256];
static uint8_t word_next[NWORDS];
static uint8_t word_len[NWORDS];
/* For each first byte, bit (b & 63) for every second byte b of its words:
 * a test that rules out most letters before the chain is walked. */
static uint64_t word_second[256];

/* 1 when a number word may start at s[i] (s NUL-terminated). */
static int word_maybe(const unsigned char *s, size_t i)
{
	return word_second[s[i]] >> (s[i + 1] & 63) & 1;
}
/* Blocks of the Basic Multilingual Plane that hold a decimal digit (Nd)
 * of some script: bit n of two_byte[lead - 0xC0] for the 64 code points
 * that lead byte and continuation 0x80 + n encode, likewise three_byte[lead
 * - 0xE0]. Code points beyond the BMP are not indexed and count as
 * possible digits. */
static uint64_t two_byte[32];
static uint64_t three_byte[16];

static void mark_digit(uint64_t two[32], uint64_t three[16], utf8proc_int32_t cp)
{
	if (cp < 0x800)
		two[cp >> 6] |= (uint64_t)1 << (cp & 63);
	else
		three[cp >> 12] |= (uint64_t)1 << ((cp >> 6) & 63);
}

/* Unicode assigns decimal digits only in runs of ten, 0 to 9 in order (a
 * stability policy other_digit relies on too), and any eight code points
 * in a row hold a multiple of eight: asking utf8proc of every eighth code
 * point finds every run, and each found is marked whole, from its first
 * digit to its last, so that a run across two blocks marks both. An eighth
 * of the 65,408 look-ups the plain loop made (2 million instructions, a
 * third of a millisecond, at each process's first contact search). */
void ent_phone_index_digits(uint64_t two[32], uint64_t three[16])
{
	utf8proc_int32_t cp, a, b;

	memset(two, 0, 32 * sizeof(*two));
	memset(three, 0, 16 * sizeof(*three));
	for (cp = 0x80; cp < 0x10000; cp += 8) {
		if (utf8proc_category(cp) != UTF8PROC_CATEGORY_ND)
			continue;
		for (a = cp; a > 0x80 && utf8proc_category(a - 1) == UTF8PROC_CATEGORY_ND; a--)
			;
		for (b = cp; b + 1 < 0x10000 && utf8proc_category(b + 1) == UTF8PROC_CATEGORY_ND; b++)
			;
		for (; a <= b; a++)
			mark_digit(two, three, a);
		cp = b - b % 8;
	}
}

void ent_phone_index_digits_ref(uint64_t two[32], uint64_t three[16])
{
	utf8proc_int32_t cp;

	memset(two, 0, 32 * sizeof(*two));
	memset(three, 0, 16 * sizeof(*three));
	for (cp = 0x80; cp < 0x10000; cp++)
		if (utf8proc_category(cp) == UTF8PROC_CATEGORY_ND)
			mark_digit(two, three, cp);
}

/* 0 when the character at p (a UTF-8 lead byte) can begin no unit. */
static int may_digit(const unsigned char *p)
{
	if (p[0] == 0xD0 || p[0] == 0xD1)
		return 1;
	if (p[0] < 0xE0)
		return two_byte[p[0] - 0xC0] >> (p[1] & 63) & 1;
	if (p[0] < 0xF0)
		return three_byte[p[0] - 0xE0] >> (p[1] & 63) & 1;
	return 1;
}

/* What next_start needs to know of a byte: an ASCII letter or digit;
 * may begin a number ('+', '(', "plus", a unit); and begins one only as
 * the input's digit or, for a lead byte, as a decimal digit or Cyrillic
 * (may_digit): ASCII letters other than those of number words, 'o', 'l',
 * 'i' and the 'p' of "plus", and all UTF-8 lead bytes; or begins one as
 * the input's digit or a number word: the other first letters of number
 * words (B_WORD); or begins one as the input's digit or "plus": the 'p'
 * (B_PLUS); or is a look-alike digit, 'o', 'l', 'i' (B_LOOK). */
enum { B_ALNUM = 1, B_START = 2, B_CHECK = 4, B_WORD = 8, B_PLUS = 16, B_LOOK = 32 };
static uint8_t byte_class[256];

enum unit_kind { U_NONE, U_REAL, U_LOOK, U_WORD, U_HOMOPHONE };

/* A decimal digit of another script ("४", "٤"): its value, or -1. Digit
 * blocks are runs of ten in order, so the value is the distance from the
 * run's start. */
static int other_digit(const char *s, size_t i, size_t len, size_t *n)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t k;
	int back = 0;

	if ((unsigned char)s[i] < 0x80)
		return -1;
	k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
	if (k <= 0 || text_category((uint32_t)cp) != UTF8PROC_CATEGORY_ND)
		return -1;
	while (back < 60 && text_category((uint32_t)(cp - back - 1)) == UTF8PROC_CATEGORY_ND)
		back++;
	*n = (size_t)k;
	return back % 10;
}

/* memcmp(a, b, n) == 0 for the few bytes of a number word: inline, as a
 * call cost more than the comparison at every word that starts like one
 * ("the" against "three"). */
static inline int same_bytes(const char *a, const char *b, size_t n)
{
	for (size_t j = 0; j < n; j++)
		if (a[j] != b[j])
			return 0;
	return 1;
}

/* The digit written at normalised byte i: a digit (of any script), a digit
 * that leetspeak folding made a letter ("Ol7O" became "olto"), O/l/I or a
 * Cyrillic "о" written for 0/1, or a number word. Sets *n to the bytes it
 * takes and returns its kind; U_NONE for anything else. */
static int unit_slow(const struct ent_ctx *c, size_t i, char *d, size_t *n)
{
	const char *s = c->t->buf;
	size_t len = c->t->len, k, l;
	char ch = s[i], o;
	int v;

	*n = 1;
	*d = ch;
	if (ent_is_digit((unsigned char)ch))
		return U_REAL;
	if ((o = ent_orig_digit(c, i))) {
		*d = o;
		return U_REAL;
	}
	if ((v = other_digit(s, i, len, n)) >= 0) {
		*d = (char)('0' + v);
		return U_REAL;
	}
	for (k = word_maybe((const unsigned char *)s, i) ? word_head[(unsigned char)ch] : 0;
	     k-- > 0; k = word_next[k]) {
		l = word_len[k];
		if (l <= len - i && number_words[k].w[1] == s[i + 1] &&
		    same_bytes(s + i + 2, number_words[k].w + 2, l - 2)) {
			*n = l;
			*d = number_words[k].d;
			return number_words[k].homophone ? U_HOMOPHONE : U_WORD;
		}
	}
	*d = '0';
	if (ch == 'o')
		return U_LOOK;
	if (i + 1 < len && (unsigned char)ch == 0xD0 && (unsigned char)s[i + 1] == 0xBE) {
		*n = 2;         /* Cyrillic о */
		return U_LOOK;
	}
	*d = '1';
	if (ch == 'l' || ch == 'i')
		return U_LOOK;
	return U_NONE;
}

/* ASCII bytes that are no digit, no look-alike (o, l, i) and begin no
 * number word: at them unit_slow can only find the input's digit. Most
 * bytes the finder asks about (spaces, the letters that end a candidate
 * word) are such bytes, and the call cost more than the answer. */
static uint8_t unit_plain[256];

static inline int unit_at(const struct ent_ctx *c, size_t i, char *d, size_t *n)
{
	char o;

	if (!unit_plain[(unsigned char)c->t->buf[i]])
		return unit_slow(c, i, d, n);
	*n = 1;
	if ((o = ent_orig_digit(c, i))) {
		*d = o;
		return U_REAL;
	}
	*d = '1';
	return U_NONE;
}

/* 1 when a letter of any script starts at j ("два" opens "двадцать"). */
static int letter_at(const char *s, size_t j, size_t len)
{
	utf8proc_int32_t cp;
	int cat;

	if ((unsigned char)s[j] < 0x80)
		return ent_is_alnum((unsigned char)s[j]);
	if (utf8proc_iterate((const utf8proc_uint8_t *)s + j, (utf8proc_ssize_t)(len - j), &cp) <= 0)
		return 0;
	cat = text_category((uint32_t)cp);
	return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

/* A whole word of digits at i, appended to k->digits and described in *g.
 * Returns its end, or 0 when the word holds other letters, is too long, or
 * has nothing but look-alike letters ("lol"). A lone number word or
 * homophone is a weak group: it joins a number, never starts or ends one. */
static size_t token(const struct ent_ctx *c, size_t i, struct cand *k, struct group *g)
{
	const char *s = c->t->buf;
	size_t j, len = c->t->len, n = 0, step;
	int u, real = 0, words = 0, homophones = 0;
	char d;

	for (j = i; j < len && n < MAX_TOKEN; j += step) {
		u = unit_at(c, j, &d, &step);
		if (u == U_NONE)
			break;
		real += u == U_REAL;
		words += u == U_WORD;
		homophones += u == U_HOMOPHONE;
		k->digits[k->nd + n++] = d;
	}
	if (!n || !(real || words || homophones) ||
	    (j < len && (letter_at(s, j, len) || s[j] == '_' ||
			 unit_at(c, j, &d, &step) != U_NONE)))
		return 0;
	g->nd = n;
	g->weak = !real && words + homophones < 2 && !(words && homophones);
	g->word = g->weak && words == 1;
	k->nd += n;
	return j;
}

static int is_sep(char ch)
{
	return ch == ' ' || ch == '.' || ch == '-' || ch == '(' || ch == ')';
}

/* A digit that was written as a word ("five", "cinco"). */
static int spelled(const struct ent_ctx *c, size_t i)
{
	uint32_t a = c->t->start[i];

	return ent_is_digit((unsigned char)c->t->buf[i]) && c->t->end[i] - a > 1 &&
	       ((c->orig[a] | 0x20) >= 'a' && (c->orig[a] | 0x20) <= 'z');
}

/* Bytes of the separator character at j: ASCII ones and the en and em
 * dashes posters type between groups ("415 \u2013 555"); 0 for others. */
static size_t sep_char(const char *s, size_t j, size_t len)
{
	if (is_sep(s[j]))
		return 1;
	if (j + 2 < len && (unsigned char)s[j] == 0xE2 && (unsigned char)s[j + 1] == 0x80 &&
	    ((unsigned char)s[j + 2] == 0x93 || (unsigned char)s[j + 2] == 0x94))
		return 3;
	return 0;
}

/* The separator run at i: length (0 when it cannot join two groups). A
 * comma joins only digits spelled out ("zero two one, five five five"). A
 * line break joins a number still too short to be whole (nd digits so far:
 * "021 555\n0178"), as posters and page layouts split them. */
static size_t separator(const struct ent_ctx *c, size_t i, size_t nd)
{
	const char *s = c->t->buf;
	size_t j, len = c->t->len, units = 0, n;
	int lines = 0;

	if (i > 0 && i + 2 < len && s[i] == ',' && s[i + 1] == ' ' &&
	    spelled(c, i - 1) && spelled(c, i + 2))
		return 2;

	for (j = i; j < len && units < 4; j += n, units++) {
		n = sep_char(s, j, len);
		if (!n && s[j] == '\n' && nd < NATIONAL_SHORT && !lines++)
			n = 1;
		if (!n)
			break;
		if (s[j] == '.' && j + 1 < len && (s[j + 1] == ' ' || s[j + 1] == '\n'))
			return 0;   /* a full stop ends the number */
	}
	if (units > 3)
		return 0;
	return j - i;
}

/* ---- where a number may start -------------------------------------------- */

static int currency_before(const char *s, size_t i)
{
	utf8proc_int32_t cp;
	size_t j = i;

	while (j > 0 && i - j < 4 && ((unsigned char)s[j - 1] & 0xC0) == 0x80)
		j--;
	if (j == 0 || (unsigned char)s[j - 1] < 0xC0)
		return 0;
	if (utf8proc_iterate((const utf8proc_uint8_t *)s + j - 1,
			     (utf8proc_ssize_t)(i - j + 1), &cp) < 0)
		return 0;
	return text_category((uint32_t)cp) == UTF8PROC_CATEGORY_SC;
}

/* Not inside a word, an amount ("$1400", "€1.500") or a decimal, id or
 * path ("3.25", "#4021", "/64215550168"). */
static int start_ok(const struct ent_ctx *c, size_t i)
{
	const char *s = c->t->buf;
	unsigned char p;

	if (i == 0)
		return 1;
	p = (unsigned char)s[i - 1];
	switch (p) {
	case '_': case '$': case '+': case '#': case '/': case '@': case '=': case '&':
	case '%': case '*':
		return 0;
	}
	if (ent_is_alnum(p))
		return 0;
	if ((p == '.' || p == ',') && i >= 2 && ent_is_digit((unsigned char)s[i - 2]))
		return 0;
	return p < 0x80 || !currency_before(s, i);
}

/* Number words one after another ("шесть-ноль-пять") are a number, as
 * the normaliser takes three English ones in a row to be. */
static void strengthen(struct cand *k)
{
	size_t j;

	for (j = 0; j + 1 < k->ng; j++)
		if (k->g[j].word && k->g[j + 1].word)
			k->g[j].weak = k->g[j + 1].weak = 0;
}

/* "plus 4 4 7 ..." said the '+' in words. Returns the bytes it takes. */
static size_t plus_word(const char *s, size_t j, size_t len)
{
	if (len - j > 5 && !memcmp(s + j, "plus ", 5))
		return 5;
	return 0;
}

/* Reads "+", "(" and digit groups from i into k. Returns the count of
 * groups. */
static size_t read_groups(const struct ent_ctx *c, size_t i, struct cand *k)
{
	const char *s = c->t->buf;
	size_t len = c->t->len, j = i, e, sep, p = 0;
	struct group *g;
	int open = 0;

	/* Only the counts need clearing: groups and digits beyond them are
	 * written before they are read, and clearing all of k at every
	 * candidate would cost more than reading it. */
	k->plus = k->paren = 0;
	k->ng = k->nd = 0;
	if (s[j] == '(' && j + 1 < len) {
		open = 1;
		j++;
	}
	if (s[j] == '+' || (p = plus_word(s, j, len))) {
		k->plus = 1;
		j += s[j] == '+' ? 1 : p;
		if (j < len && s[j] == ' ')
			j++;
	}
	if (j < len && s[j] == '(') {
		open = 1;
		j++;
	}
	while (k->ng < MAX_GROUPS && j < len) {
		g = &k->g[k->ng];
		if (!(e = token(c, j, k, g)))
			break;
		g->a = j;
		g->b = e;
		sep = separator(c, e, k->nd);
		g->sep = sep;
		g->sepc = sep == 1 ? s[e] : 0;
		k->ng++;
		/* (646) 555-0181, also spaced out as (6 4 6): the digits
		 * inside the brackets are an area code. */
		if (open && !k->paren && memchr(s + e, ')', sep))
			k->paren = (int)k->nd;
		/* A first group that is a lone homophone ("to", "for") stays
		 * weak whatever follows (strengthen lifts only number words), so
		 * parse turns it down: reading on would be wasted on the most
		 * common words of English. */
		if (!sep || (k->ng == 1 && g->weak && !g->word))
			break;
		j = e + sep;
	}
	strengthen(k);
	return k->ng;
}

/* ---- plausibility ---------------------------------------------------------- */

/* 12.05.2024, 2024-05-12, 5/12/24: a date, never a phone. */
static int is_date(const struct cand *k, size_t ng)
{
	const struct group *g = k->g;

	if (ng != 3 || !g[0].sepc || g[0].sepc == ' ' || g[0].sepc != g[1].sepc)
		return 0;
	if (g[0].nd <= 2 && g[1].nd <= 2 && (g[2].nd == 2 || g[2].nd == 4))
		return 1;
	return g[0].nd == 4 && g[1].nd <= 2 && g[2].nd <= 2;
}

/* (NXX) NXX-XXXX, NXX-NXX-XXXX or 1 NXX NXX XXXX. */
static int nanp_shape(const struct cand *k, size_t ng, size_t d0)
{
	const struct group *g = k->g;
	size_t o = 0;

	if (ng == 4 && g[0].nd == 1 && k->digits[d0] == '1')
		o = 1;
	else if (ng != 3)
		return 0;
	return g[o].nd == 3 && g[o + 1].nd == 3 && g[o + 2].nd == 4 &&
	       k->digits[d0 + o] >= '2' && k->digits[d0 + o + 3] >= '2';
}

/* "021 555 0178 2 people": a lone digit after a full group is the next
 * word of the sentence, not the end of the number (spelled-out numbers
 * come as lone digits throughout, and are left alone). */
static int stray_digit(const struct cand *k, size_t ng)
{
	return ng >= 2 && k->g[ng - 1].nd == 1 && k->g[ng - 2].nd >= 3;
}

/* A decimal or percentage goes on after the last digit. */
static int runs_on(const char *s, size_t e, size_t len)
{
	if (e >= len)
		return 0;
	if (s[e] == '%')
		return 1;
	return (s[e] == '.' || s[e] == ',') && e + 1 < len &&
	       ent_is_digit((unsigned char)s[e + 1]);
}

/* ---- WhatsApp or phone ------------------------------------------------------ */

/* End of the last entity before a on a's line, or the line start. */
static size_t context_start(const struct ent_ctx *c, size_t a)
{
	size_t lo = ent_line_start(c, a), j;

	for (j = 0; j < c->n; j++)
		if (c->v[j].b <= a && c->v[j].b > lo)
			lo = c->v[j].b;
	return lo;
}

/* "021 555 0186 (WhatsApp)", "... / viber" or a keyword ending the line. */
static int keyword_after(const struct ent_ctx *c, size_t b)
{
	const char *s = c->t->buf;
	size_t e = b, len = c->t->len, ke;
	int mark = 0;

	while (e < len && e - b < 3 && strchr(" ([-/:", s[e]) && s[e]) {
		mark |= s[e] != ' ' && s[e] != ':';
		e++;
	}
	if (!ent_keyword_at(c, &ent_kw_whatsapp, e, &ke))
		return 0;
	if (mark)
		return 1;
	while (ke < len && ke - e < 16 && strchr(" ).!", s[ke]) && s[ke])
		ke++;
	return ke == len || s[ke] == '\n';
}

/* The keyword ends the previous line ("WhatsApp:" above the number). */
static int keyword_line_above(const struct ent_ctx *c, size_t lo, size_t a)
{
	const char *s = c->t->buf;
	size_t i, ps, ke;

	for (i = lo; i < a; i++)
		if (ent_is_alnum((unsigned char)s[i]))
			return 0;
	if (lo == 0 || s[lo - 1] != '\n' || lo < 2)
		return 0;
	ps = ent_line_start(c, lo - 2);
	if (!ent_keyword_last(c, &ent_kw_whatsapp, ps, lo - 1, NULL, &ke))
		return 0;
	while (ke < lo - 1 && strchr(" :-", s[ke]) && s[ke])
		ke++;
	return ke == lo - 1;
}

static int is_whatsapp(const struct ent_ctx *c, size_t a, size_t b)
{
	size_t lo = context_start(c, a);

	return ent_keyword_last(c, &ent_kw_whatsapp, lo, a, NULL, NULL) ||
	       ent_flag_letters(c, &ent_kw_whatsapp, lo, a) ||
	       keyword_after(c, b) || keyword_line_above(c, lo, a);
}

/* ---- the region an ad is in ---------------------------------------------- */

/* Places that say an ad is North American, so a national number written
 * without "+1" is read as one there: whole words of the normalised text. */
static const struct {
	const char *word;
	const char *region;
} na_places[] = {
	{ "usa", "US" }, { "u.s.a", "US" }, { "u.s.", "US" }, { "united states", "US" },
	{ "america", "US" }, { "new york", "US" }, { "nyc", "US" },
	{ "los angeles", "US" }, { "california", "US" }, { "texas", "US" },
	{ "florida", "US" }, { "chicago", "US" }, { "houston", "US" }, { "miami", "US" },
	{ "las vegas", "US" }, { "atlanta", "US" }, { "new jersey", "US" },
	{ "seattle", "US" }, { "san francisco", "US" }, { "boston", "US" },
	{ "canada", "CA" }, { "toronto", "CA" }, { "vancouver", "CA" },
	{ "montreal", "CA" }, { "ontario", "CA" }, { "calgary", "CA" }, { "ottawa", "CA" },
};

#define NPLACES (sizeof(na_places) / sizeof(na_places[0]))

static uint8_t place_first[256];
static uint8_t place_len[NPLACES];

/* The North American region the text names first, or NULL. */
static const char *na_region(const struct ent_ctx *c)
{
	const char *s = c->t->buf;
	size_t i, k, n, len = c->t->len;

	for (i = 0; i < len; i++) {
		if (!place_first[(unsigned char)s[i]] ||
		    (i > 0 && ent_is_alnum((unsigned char)s[i - 1])))
			continue;
		for (k = 0; k < NPLACES; k++) {
			n = place_len[k];
			if (na_places[k].word[0] == s[i] && n <= len - i &&
			    !memcmp(s + i, na_places[k].word, n) &&
			    (i + n == len || !ent_is_alnum((unsigned char)s[i + n])))
				return na_places[k].region;
		}
	}
	return NULL;
}

/* na_region, read the first time a number needs it: most documents hold
 * no number at all, and the search looks at every word. */
struct na_cache {
	int known;
	const char *region;
};

static const char *na_get(const struct ent_ctx *c, struct na_cache *na)
{
	if (!na->known) {
		na->region = na_region(c);
		na->known = 1;
	}
	return na->region;
}

/* The region a national number was read in when it is not the default
 * one: the caller says which region it assumed. */
static const char *assumed(const struct ent_ctx *c, const char *e164, const char *na)
{
	const struct phone_region *def = phone_region_find(c->region);
	static const struct {
		const char *prefix, *region;
	} fallbacks[] = { { "+1", "US" }, { "+61", "AU" }, { "+44", "GB" }, { "+64", "NZ" } };
	size_t k, n;

	for (k = 0; k < sizeof(fallbacks) / sizeof(fallbacks[0]); k++) {
		n = strlen(fallbacks[k].prefix);
		if (strncmp(e164, fallbacks[k].prefix, n))
			continue;
		if (def && phone_region_find(fallbacks[k].region)->cc == def->cc)
			return NULL;
		return k == 0 && na ? na : fallbacks[k].region;
	}
	return NULL;
}

/* ---- the finder ------------------------------------------------------------ */

static void index_words(void)
{
	size_t k;

	size_t last[256] = { 0 };
	unsigned char b;

	for (k = 0; k < NWORDS; k++) {
		word_len[k] = (uint8_t)strlen(number_words[k].w);
		b = (unsigned char)number_words[k].w[0];
		if (last[b])
			word_next[last[b] - 1] = (uint8_t)(k + 1);
		else
			word_head[b] = (uint8_t)(k + 1);
		last[b] = k + 1;
		word_second[b] |= (uint64_t)1 << ((unsigned char)number_words[k].w[1] & 63);
	}
	ent_phone_index_digits(two_byte, three_byte);
	for (k = 0; k < 0x80; k++)
		unit_plain[k] = !ent_is_digit((unsigned char)k) && !word_head[k] && k != 'o' &&
				k != 'l' && k != 'i';
	for (k = 0; k < 256; k++) {
		if (ent_is_alnum((unsigned char)k))
			byte_class[k] |= B_ALNUM | B_START;
		if (k == '+' || k == '(' || k >= 0xC0)
			byte_class[k] |= B_START;
		if ((ent_is_alpha((unsigned char)k) && !word_head[k] && k != 'o' && k != 'l' &&
		     k != 'i' && k != 'p') || k >= 0xC0)
			byte_class[k] |= B_CHECK;
		else if (ent_is_alpha((unsigned char)k) && word_head[k] && k != 'o' && k != 'l' &&
			 k != 'i' && k != 'p')
			byte_class[k] |= B_WORD;
		else if (k == 'p')
			byte_class[k] |= B_PLUS;
		else if (k == 'o' || k == 'l' || k == 'i')
			byte_class[k] |= B_LOOK;
	}
	for (k = 0; k < NPLACES; k++) {
		place_len[k] = (uint8_t)strlen(na_places[k].word);
		place_first[(unsigned char)na_places[k].word[0]] = 1;
	}
}

/* Reads the first ng groups of k as a number: E.164 into e164 and, for a
 * national number read in another region than the default, *region. */
static int to_e164(const struct ent_ctx *c, const struct cand *k, size_t ng, size_t nd,
		   const char *na, char e164[PHONE_E164_MAX + 1], const char **region)
{
	struct phone_input in;

	in.digits = k->digits;
	in.ndigits = nd;
	in.plus = k->plus;
	in.nanp_shape = !k->plus && (nanp_shape(k, ng, 0) || (k->paren == 3 && nd == 10));
	*region = NULL;
	if (!phone_to_e164(&in, c->region, e164) ||
	    (na && !k->plus && !phone_to_e164(&in, na, e164))) {
		if (!k->plus)
			*region = assumed(c, e164, na);
		return 0;
	}
	return -1;
}

/* Digits of the lone words and homophones in the first ng groups. */
static size_t weak_digits(const struct cand *k, size_t ng)
{
	size_t j, n = 0;

	for (j = 0; j < ng; j++)
		n += k->g[j].weak ? k->g[j].nd : 0;
	return n;
}

/* Tries the longest run of groups first ("021 555 0178" before "021 555"),
 * so a number is never cut short. A weak group may sit inside a number but
 * not end it, and at most two digits may come from them. Returns the end
 * of the number or 0. */
static size_t parse(struct ent_ctx *c, size_t i, struct cand *k, struct na_cache *na)
{
	char e164[PHONE_E164_MAX + 1];
	const char *region;
	size_t ng, nd, j, b;

	if (k->g[0].weak)
		return 0;
	for (ng = k->ng; ng > 0; ng--) {
		for (nd = 0, j = 0; j < ng; j++)
			nd += k->g[j].nd;
		b = k->g[ng - 1].b;
		if (nd < MIN_DIGITS)
			return 0;
		if (nd > MAX_DIGITS || k->g[ng - 1].weak || weak_digits(k, ng) > 2 ||
		    is_date(k, ng) || stray_digit(k, ng) ||
		    runs_on(c->t->buf, b, c->t->len) || ent_claimed(c, i, b))
			continue;
		if (to_e164(c, k, ng, nd, na_get(c, na), e164, &region))
			continue;
		if (ent_add(c, is_whatsapp(c, i, b) ? ENTITY_WHATSAPP : ENTITY_PHONE,
			    i, b, xstrdup(e164)) == 0)
			c->v[c->n - 1].region = region;
		return b;
	}
	return 0;
}

static int may_start(const struct ent_ctx *c, size_t i)
{
	const char *s = c->t->buf;
	size_t n;
	char d;

	if (s[i] == '+' || s[i] == '(' || plus_word(s, i, c->t->len))
		return i + 1 < c->t->len && start_ok(c, i);
	/* start_ok first: it is the cheaper test and fails inside words. */
	return start_ok(c, i) && unit_at(c, i, &d, &n) != U_NONE;
}

/* 1 when one of number_words starts at s[i] (unit_slow's look-up). A
 * letter that begins number words, was no digit in the input and begins
 * none here can begin no unit ("the" against "three"), so next_start
 * passes it over, where may_start would have turned it down after a
 * call to start_ok and unit_slow. */
static inline int word_starts(const unsigned char *s, size_t i, size_t len)
{
	size_t k;

	for (k = word_maybe(s, i) ? word_head[s[i]] : 0; k-- > 0; k = word_next[k])
		if (word_len[k] <= len - i && number_words[k].w[1] == (char)s[i + 1] &&
		    same_bytes((const char *)s + i + 2, number_words[k].w + 2, word_len[k] - 2))
			return 1;
	return 0;
}

/* For a Cyrillic character at j (lead byte 0xD0 or 0xD1, which may_digit
 * lets through whole): 1 when it may begin a unit. The block holds no
 * decimal digit, so only a Russian number word or the look-alike "о" can
 * (the input's digit is tested by the caller); any other Cyrillic word
 * would go through start_ok and unit_slow to be turned down. */
static inline int cyrillic_unit(const unsigned char *s, size_t j, size_t len)
{
	return (s[j] == 0xD0 && j + 1 < len && s[j + 1] == 0xBE) || word_starts(s, j, len);
}

/* 1 when the look-alike at j ('o', 'l', 'i': "of", "in", "our") opens no
 * number: it was no digit in the input and begins no number word, so it is
 * a look-alike unit, and the byte after it is no unit: the end, or an
 * ASCII byte that is no digit, no look-alike, was no digit in the input
 * and begins no number word (unit_slow's answer for it is U_NONE). A token
 * of look-alikes alone is no number (token), and a number that starts
 * with a letter starts with a token (read_groups), so may_start and
 * read_groups would turn it down after reading it twice. */
static int lone_look(const struct ent_ctx *c, size_t j)
{
	const unsigned char *s = (const unsigned char *)c->t->buf;
	size_t len = c->t->len;
	unsigned char n;

	if (ent_orig_digit(c, j) || word_starts(s, j, len))
		return 0;
	if (j + 1 >= len)
		return 1;
	n = s[j + 1];
	return n < 0x80 && !ent_is_digit(n) && n != 'o' && n != 'l' && n != 'i' &&
	       !ent_orig_digit(c, j + 1) && !word_starts(s, j + 1, len);
}

/* The first byte from i on where may_start can hold: a byte that begins a
 * unit, '+', '(' or "plus", not after an ASCII letter or digit (start_ok).
 * UTF-8 continuation bytes begin nothing. c->phone_starts marks the bytes
 * that pass the first two tests (ent_index_starts), so only those are
 * looked at here. */
static size_t next_start(const struct ent_ctx *c, size_t i)
{
	const unsigned char *s = (const unsigned char *)c->t->buf;
	size_t len = c->t->len, w = i / 64, j;
	uint64_t m;
	uint8_t k;

	if (i >= len)
		return len;
	m = c->phone_starts[w] & (~0ULL << (i % 64));
	for (;;) {
		while (!m) {
			if (++w >= c->nstarts)
				return len;
			m = c->phone_starts[w];
		}
		j = w * 64 + (size_t)__builtin_ctzll(m);
		m &= m - 1;
		if (j >= len)
			return len;
		k = byte_class[s[j]];
		if (((k & B_CHECK) && !ent_orig_digit(c, j) &&
		     (s[j] < 0x80 || !may_digit(s + j) ||
		      ((s[j] == 0xD0 || s[j] == 0xD1) && !cyrillic_unit(s, j, len)))) ||
		    ((k & B_WORD) && !word_starts(s, j, len) && !ent_orig_digit(c, j)) ||
		    ((k & B_PLUS) && !plus_word((const char *)s, j, len) && !ent_orig_digit(c, j)) ||
		    ((k & B_LOOK) && lone_look(c, j)))
			continue;
		return j;
	}
}

void ent_find_phones(struct ent_ctx *c)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct na_cache na = { 0, NULL };
	struct cand cand, *k = &cand;
	size_t i, e;

	pthread_once(&once, index_words);
	i = next_start(c, 0);
	while (i < c->t->len && !ent_full(c)) {
		if (!may_start(c, i) || !read_groups(c, i, k)) {
			i = next_start(c, i + 1);
			continue;
		}
		e = parse(c, i, k, &na);
		/* On failure, a number may still start at the next group. */
		i = e ? e : k->g[0].b;
	}
}
