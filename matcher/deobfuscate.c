/* SPDX-License-Identifier: MIT */
/* De-obfuscation passes over folded text: the tricks ad writers use to hide
 * words and phone numbers from keyword filters, undone. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "deobfuscate.h"
#include "ucat.h"
#include "../util/xmalloc.h"

/* Marks a unit for removal; compact() drops them at the end of a pass so
 * that every pass sees its neighbours directly. */
#define DEAD 0xFFFFFFFFu

/* ---- character classes ------------------------------------------------- */

/* The classes are asked several times of every unit by the passes below;
 * inlined, each costs a table load rather than a call. */

static int is_ascii_letter(uint32_t cp)
{
	return cp >= 'a' && cp <= 'z';
}

static int is_digit(uint32_t cp)
{
	return cp >= '0' && cp <= '9';
}

static inline __attribute__((always_inline)) int is_letter(uint32_t cp)
{
	return text_is_letter(cp);
}

/* Letters, digits and marks (Thai vowels and Devanagari signs are marks,
 * and must not split a word). */
static inline __attribute__((always_inline)) int is_word(uint32_t cp)
{
	utf8proc_category_t c;

	if (cp < 0x80)
		return is_letter(cp) || is_digit(cp);
	c = text_category(cp);
	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_ME) ||
	       c == UTF8PROC_CATEGORY_ND;
}

static inline __attribute__((always_inline)) int is_latin(uint32_t cp)
{
	return text_is_latin(cp);
}

static inline __attribute__((always_inline)) int is_cyrillic_greek(uint32_t cp)
{
	return text_is_cyrillic_greek(cp);
}

static size_t compact(struct text_unit *u, size_t n)
{
	size_t i, k;

	/* Most passes remove nothing: find the first dead unit before
	 * copying any. */
	for (k = 0; k < n && u[k].cp != DEAD; k++)
		;
	for (i = k; i < n; i++)
		if (u[i].cp != DEAD)
			u[k++] = u[i];
	return k;
}

/* Replaces u[a..b) by the ASCII string s, which is no longer than b - a;
 * each new byte maps to the whole replaced span. */
static void replace(struct text_unit *u, size_t a, size_t b, const char *s)
{
	uint32_t start = u[a].start, end = u[b - 1].end;
	size_t k;

	for (k = 0; s[k]; k++) {
		u[a + k].cp = (unsigned char)s[k];
		u[a + k].start = start;
		u[a + k].end = end;
		u[a + k].flags = 0;
	}
	for (k += a; k < b; k++)
		u[k].cp = DEAD;
}

/* ---- spaced letters: "w h a t s a p p", "t.e.l.e.g.r.a.m" --------------- */

/* 1 for a single space, 2 for punctuation that spaces letters apart, 0 for
 * anything else. A run keeps to one kind, so "w h a t s a p p t.e.l.e"
 * stays two words; several spaces are not one separator. */
static int spacer_kind(const struct text_unit *x)
{
	switch (x->cp) {
	case ' ':
		return x->flags & TEXT_UNIT_RUN ? 0 : 1;
	case '.': case '-': case '_': case '*': case '|': case '/':
	case 0xB7: case 0x2022:
		return 2;
	default:
		return 0;
	}
}

/* A letter standing alone as a one-letter word. */
static int lone_letter(const struct text_unit *u, size_t n, size_t i)
{
	return i < n && is_letter(u[i].cp) &&
	       (i == 0 || !is_word(u[i - 1].cp)) &&
	       (i + 1 == n || !is_word(u[i + 1].cp));
}

/* Length of the run of spaced elements starting at the lone letter u[i],
 * as the index of its last letter. "@" and "$" may stand between letters
 * ("w h @ t s"): leetspeak turns them into letters after the join. */
static size_t spaced_run(const struct text_unit *u, size_t n, size_t i,
			 size_t *count)
{
	size_t j = i;
	int kind = 0;

	*count = 1;
	while (j + 2 < n && spacer_kind(&u[j + 1]) &&
	       (!kind || spacer_kind(&u[j + 1]) == kind)) {
		kind = spacer_kind(&u[j + 1]);
		/* Between a spaced and a dotted word the space is the word
		 * break: the letter after it opens the dotted run. */
		if (kind == 1 && j + 3 < n && spacer_kind(&u[j + 3]) == 2)
			break;
		if (lone_letter(u, n, j + 2)) {
			j += 2;
			(*count)++;
		} else if ((u[j + 2].cp == '@' || u[j + 2].cp == '$') &&
			   j + 4 < n && spacer_kind(&u[j + 3]) == kind &&
			   lone_letter(u, n, j + 4)) {
			j += 4;
			*count += 2;
		} else {
			break;
		}
	}
	return j;
}

static size_t join_spaced(struct text_unit *u, size_t n)
{
	size_t i = 0, j, k, count;
	int joined = 0;

	while (i < n) {
		/* No unit of a word two or more long stands alone, and most
		 * units are in one: skip it, asking is_word once a unit
		 * instead of lone_letter's three questions. */
		if (i + 1 < n && is_word(u[i].cp) && is_word(u[i + 1].cp)) {
			for (i += 2; i < n && is_word(u[i].cp); i++)
				;
			continue;
		}
		if (!lone_letter(u, n, i)) {
			i++;
			continue;
		}
		j = spaced_run(u, n, i, &count);
		if (count >= 4) {
			for (k = i + 1; k < j; k += 2)
				u[k].cp = DEAD;
			joined = 1;
		}
		i = j + 1;
	}
	return joined ? compact(u, n) : n;
}

/* ---- Cyrillic and Greek look-alikes -------------------------------------- */

/* The Latin letter that cp (already case folded) looks like, or 0. Capitals
 * fold to lowercase letters of a different shape (Greek H folds to eta,
 * which looks like n), so the original case chooses. */
static char lookalike(uint32_t cp, int upper)
{
	switch (cp) {
	case 0x430: case 0x3B1: return 'a';
	case 0x432: case 0x3B2: return 'b';
	case 0x441: case 0x3F2: return 'c';
	case 0x501: return 'd';
	case 0x435: case 0x451: case 0x3B5: return 'e';
	case 0x433: return upper ? 0 : 'r';
	case 0x43D: case 0x4BB: return 'h';
	case 0x456: case 0x457: case 0x3B9: return 'i';
	case 0x458: case 0x3F3: return 'j';
	case 0x43A: case 0x3BA: return 'k';
	case 0x4CF: return 'l';
	case 0x43C: return 'm';
	case 0x3BC: return upper ? 'm' : 'u';
	case 0x3B7: return upper ? 'h' : 'n';
	case 0x3BD: return upper ? 'n' : 'v';
	case 0x43E: case 0x3BF: return 'o';
	case 0x440: case 0x3C1: return 'p';
	case 0x51B: return 'q';
	case 0x455: return 's';
	case 0x442: case 0x3C4: return 't';
	case 0x3C5: return upper ? 'y' : 'u';
	case 0x51D: return 'w';
	case 0x3C9: return upper ? 0 : 'w';
	case 0x445: case 0x3C7: return 'x';
	case 0x443: case 0x4AF: return 'y';
	case 0x3B3: return upper ? 0 : 'y';
	case 0x3B6: return upper ? 'z' : 0;
	default: return 0;
	}
}

/* Whether the word u[a..b) takes Latin look-alikes: 0 when it does not,
 * 1 when it does, 2 when it does only if the document is mostly Latin (a
 * word of look-alikes alone, "сор"). */
static int word_folds(const struct text_unit *u, size_t a, size_t b)
{
	size_t i, latin = 0, other = 0, alike = 0;

	for (i = a; i < b; i++) {
		if (is_latin(u[i].cp))
			latin++;
		else if (is_cyrillic_greek(u[i].cp)) {
			other++;
			alike += lookalike(u[i].cp, u[i].flags & TEXT_UNIT_UPPER) != 0;
		}
	}
	if (!other)
		return 0;
	return latin ? 1 : alike == other ? 2 : 0;
}

static void fold_word(struct text_unit *u, size_t a, size_t b, int mostly_latin)
{
	size_t i;
	int f = word_folds(u, a, b);
	char c;

	if (!f || (f == 2 && !mostly_latin))
		return;
	for (i = a; i < b; i++) {
		c = lookalike(u[i].cp, u[i].flags & TEXT_UNIT_UPPER);
		if (c)
			u[i].cp = (unsigned char)c;
	}
}

void text_script_count(const struct text_unit *u, size_t n, size_t *latin,
		       size_t *other)
{
	size_t i;

	*latin = *other = 0;
	for (i = 0; i < n; i++) {
		*latin += is_latin(u[i].cp);
		*other += is_cyrillic_greek(u[i].cp);
	}
}

/* mostly_latin(arg), when given, says whether the whole document is mostly
 * Latin, u being only part of it; it is asked only when u holds Cyrillic
 * or Greek letters, since counting a whole document costs. */
static void fold_homoglyphs(struct text_unit *u, size_t n,
			    int (*mostly_latin)(void *), void *arg)
{
	size_t i, a, latin, other;
	int mostly;

	text_script_count(u, n, &latin, &other);
	if (!other)
		return;
	mostly = mostly_latin ? mostly_latin(arg) : latin > 4 * other;
	for (i = 0; i < n; i++) {
		if (!is_word(u[i].cp))
			continue;
		for (a = i; i < n && is_word(u[i].cp); i++)
			;
		fold_word(u, a, i, mostly);
	}
}

int text_lookalike_fires(const struct text_unit *u, size_t n,
			 int (*mostly_latin)(void *), void *arg)
{
	size_t i, a;
	int f;

	for (i = 0; i < n; i++) {
		if (!is_word(u[i].cp))
			continue;
		for (a = i; i < n && is_word(u[i].cp); i++)
			;
		f = word_folds(u, a, i);
		if (f == 1 || (f == 2 && mostly_latin(arg)))
			return 1;
	}
	return 0;
}

/* ---- digit words ----------------------------------------------------------- */

static const struct {
	const char *word;
	const char *digits;
} digit_words[] = {
	{ "zero", "0" }, { "oh", "0" }, { "one", "1" }, { "two", "2" },
	{ "three", "3" }, { "four", "4" }, { "five", "5" }, { "six", "6" },
	{ "seven", "7" }, { "eight", "8" }, { "nine", "9" },
	{ "cero", "0" }, { "uno", "1" }, { "dos", "2" }, { "tres", "3" },
	{ "cuatro", "4" }, { "cinco", "5" }, { "seis", "6" }, { "siete", "7" },
	{ "ocho", "8" }, { "nueve", "9" },
};

static int match_at(const struct text_unit *u, size_t i, size_t end,
		    const char *w)
{
	size_t k;

	for (k = 0; w[k]; k++)
		if (i + k >= end || u[i + k].cp != (unsigned char)w[k])
			return 0;
	return 1;
}

/* Index of the digit word starting at u[i] (inside u[..end)), or -1. No
 * word in the table is a prefix of another, so the first match is it. */
static int digit_word_at(const struct text_unit *u, size_t i, size_t end)
{
	size_t k;

	/* Most words start with none of the table's first letters. */
	if (!u[i].cp || u[i].cp > 'z' || !strchr("zotfsencud", (int)u[i].cp))
		return -1;
	for (k = 0; k < sizeof(digit_words) / sizeof(digit_words[0]); k++)
		if ((unsigned char)digit_words[k].word[0] == u[i].cp &&
		    match_at(u, i, end, digit_words[k].word))
			return (int)k;
	return -1;
}

/* "5five5", "38four1": a token built only of digits and digit words, with
 * both kinds and at least three digits in all, is a number. */
static void mixed_token(struct text_unit *u, size_t a, size_t b)
{
	size_t i, digits = 0, words = 0;
	int w;

	for (i = a; i < b; ) {
		if (is_digit(u[i].cp)) {
			digits++;
			i++;
			continue;
		}
		w = digit_word_at(u, i, b);
		if (w < 0)
			return;
		words++;
		i += strlen(digit_words[w].word);
	}
	if (!digits || !words || digits + words < 3)
		return;
	for (i = a; i < b; ) {
		if (is_digit(u[i].cp)) {
			i++;
			continue;
		}
		w = digit_word_at(u, i, b);
		replace(u, i, i + strlen(digit_words[w].word), digit_words[w].digits);
		i += strlen(digit_words[w].word);
	}
}

static size_t join_mixed_digits(struct text_unit *u, size_t n)
{
	size_t i, a;

	for (i = 0; i < n; i++) {
		if (!is_word(u[i].cp))
			continue;
		for (a = i; i < n && is_word(u[i].cp); i++)
			;
		mixed_token(u, a, i);
	}
	return compact(u, n);
}

/* ---- leetspeak ------------------------------------------------------------- */

static char leet_letter(uint32_t cp)
{
	switch (cp) {
	case '0': return 'o';
	case '1': case '!': return 'i';
	case '3': return 'e';
	case '4': case '@': return 'a';
	case '5': case '$': return 's';
	case '7': return 't';
	default: return 0;
	}
}

/* Position of the last "x.y" in the whitespace-delimited chunk holding
 * u[i], scanning from i; an '@' before it is an e-mail address. Returns
 * the chunk end in *chunk_end so one scan serves every '@' of the chunk. */
static size_t last_dot_in_chunk(const struct text_unit *u, size_t n, size_t i,
				size_t *chunk_end)
{
	size_t last = 0;

	for (; i < n && u[i].cp != ' ' && u[i].cp != '\n'; i++)
		if (u[i].cp == '.' && i > 0 && i + 1 < n &&
		    is_word(u[i - 1].cp) && is_word(u[i + 1].cp))
			last = i;
	*chunk_end = i;
	return last;
}

static void undo_leet(struct text_unit *u, size_t n)
{
	size_t i, a, k, chunk_end = 0, last_dot = 0;
	int at;

	for (i = 1; i < n; i++) {
		if (!leet_letter(u[i].cp) || !is_ascii_letter(u[i - 1].cp))
			continue;
		at = 0;
		for (a = i; i < n && leet_letter(u[i].cp); i++) {
			if (u[i].cp != '@')
				continue;
			if (i >= chunk_end)
				last_dot = last_dot_in_chunk(u, n, i, &chunk_end);
			at |= last_dot > i;
		}
		if (i == n || !is_ascii_letter(u[i].cp) || at)
			continue;
		for (k = a; k < i; k++)
			u[k].cp = (unsigned char)leet_letter(u[k].cp);
	}
}

/* ---- spelled-out numbers ------------------------------------------------- */

/* A number token, or a "double"/"triple" joined to the digit after it. */
struct item {
	size_t a, b;            /* units */
	char digits[4];         /* replacement, or "" to keep a digit token */
	int oh;                 /* "oh": zero only when real digits surround it */
	int number;             /* 0: an ordinary word, which ends a run */
};

static int gap_ok(const struct text_unit *u, size_t from, size_t to)
{
	size_t i;

	if (to <= from || to - from > 3)
		return 0;
	for (i = from; i < to; i++)
		if (u[i].cp != ' ' && u[i].cp != '-' && u[i].cp != '.')
			return 0;
	return 1;
}

static void classify(const struct text_unit *u, struct item *it)
{
	size_t i;
	int w;

	memset(it->digits, 0, sizeof(it->digits));
	it->oh = 0;
	it->number = 1;
	for (i = it->a; i < it->b && is_digit(u[i].cp); i++)
		;
	if (i == it->b)
		return;
	w = digit_word_at(u, it->a, it->b);
	if (w >= 0 && it->a + strlen(digit_words[w].word) == it->b) {
		it->digits[0] = digit_words[w].digits[0];
		it->oh = !strcmp(digit_words[w].word, "oh");
		return;
	}
	it->number = 0;
}

/* "double five" / "triple 7": merges it with the next item when that is a
 * single digit. Returns 1 when merged. */
static int multiply(const struct text_unit *u, struct item *it,
		    const struct item *next)
{
	int times;
	char d;

	if (match_at(u, it->a, it->b, "double") && it->b - it->a == 6)
		times = 2;
	else if (match_at(u, it->a, it->b, "triple") && it->b - it->a == 6)
		times = 3;
	else
		return 0;
	if (!next->number || !gap_ok(u, it->b, next->a))
		return 0;
	d = next->digits[0];
	if (!d && next->b - next->a == 1)
		d = (char)u[next->a].cp;
	if (!d)
		return 0;
	memset(it->digits, d, (size_t)times);
	it->digits[times] = '\0';
	it->b = next->b;
	it->oh = 0;
	it->number = 1;
	return 1;
}

/* Collects the words of u as items, "double X" already merged. Returns the
 * count; the caller frees *out. */
/* Items of a component that fit here need no allocation: one per
 * component was 4% of the normaliser's instructions on real postings,
 * where every word with an accent is a component of its own. */
#define ITEMS_ON_STACK 64

/* The items of u[0..n), in stack (ITEMS_ON_STACK of them) while they fit,
 * else in an allocation *out that the caller frees when it is not stack. */
static size_t collect_items(const struct text_unit *u, size_t n,
			    struct item *stack, struct item **out)
{
	struct item *it = stack, next;
	size_t i, a, k = 0, cap = ITEMS_ON_STACK;

	for (i = 0; i < n; i++) {
		if (!is_word(u[i].cp))
			continue;
		for (a = i; i < n && is_word(u[i].cp); i++)
			;
		next.a = a;
		next.b = i;
		classify(u, &next);
		if (k && !it[k - 1].number && multiply(u, &it[k - 1], &next))
			continue;
		if (k == cap) {
			cap *= 2;
			if (it == stack) {
				it = xreallocarray(NULL, cap, sizeof(*it));
				memcpy(it, stack, k * sizeof(*it));
			} else {
				it = xreallocarray(it, cap, sizeof(*it));
			}
		}
		it[k++] = next;
	}
	*out = it;
	return k;
}

/* Rewrites the words of the run it[0..k) when it is long enough to be a
 * number and not the odd "one" or "two" of ordinary prose. */
static int rewrite_run(struct text_unit *u, const struct item *it, size_t k)
{
	size_t i, plain = 0, words = 0;

	for (i = 0; i < k; i++) {
		plain += !it[i].oh;
		words += it[i].digits[0] != '\0';
	}
	if (k < 3 || plain < 2 || !words)
		return 0;
	for (i = 0; i < k; i++)
		if (it[i].digits[0])
			replace(u, it[i].a, it[i].b, it[i].digits);
	return 1;
}

static size_t join_number_runs(struct text_unit *u, size_t n)
{
	struct item stack[ITEMS_ON_STACK], *it;
	size_t k, i, run = 0;
	int rewritten = 0;

	k = collect_items(u, n, stack, &it);
	for (i = 0; i < k; i++) {
		if (!it[i].number) {
			run = i + 1;
			continue;
		}
		if (i > run && !gap_ok(u, it[i - 1].b, it[i].a)) {
			rewritten |= rewrite_run(u, it + run, i - run);
			run = i;
		}
		if (i + 1 == k || !it[i + 1].number)
			rewritten |= rewrite_run(u, it + run, i + 1 - run);
	}
	if (it != stack)
		free(it);
	/* Only a rewritten run leaves dead units. */
	return rewritten ? compact(u, n) : n;
}

size_t text_deobfuscate(struct text_unit *u, size_t n)
{
	return text_deobfuscate_part(u, n, NULL, NULL);
}

/* ---- triggers ------------------------------------------------------------ */

#define T_DIGIT 1u      /* mixed digit words need a digit */
#define T_LEET 2u       /* leetspeak needs one of 0 1 3 4 5 7 ! @ $ */
#define T_ASCII 4u      /* digit words are ASCII letters */
#define T_CYRGREEK 8u   /* look-alikes need Cyrillic or Greek (which may
			 * also become ASCII letters) */

/* The characters present that some pass cannot do without: a pass whose
 * trigger is absent would change nothing, so it is not run. */
/* The triggers of each ASCII character, as is_digit, leet_letter and
 * is_ascii_letter say: one load a unit instead of three tests. */
#define TRIG(c) (((c) >= '0' && (c) <= '9' ? T_DIGIT : 0u) | \
		 ((c) == '0' || (c) == '1' || (c) == '!' || (c) == '3' || \
		  (c) == '4' || (c) == '@' || (c) == '5' || (c) == '$' || \
		  (c) == '7' ? T_LEET : 0u) | \
		 ((c) >= 'a' && (c) <= 'z' ? T_ASCII : 0u))
#define R4(f, b) f(b), f(b + 1), f(b + 2), f(b + 3)
#define R16(f, b) R4(f, b), R4(f, b + 4), R4(f, b + 8), R4(f, b + 12)
#define R64(f, b) R16(f, b), R16(f, b + 16), R16(f, b + 32), R16(f, b + 48)

static const unsigned char ascii_triggers[128] = { R64(TRIG, 0), R64(TRIG, 64) };

static unsigned triggers(const struct text_unit *u, size_t n)
{
	unsigned t = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t cp = u[i].cp;

		if (cp < 0x80) {
			t |= ascii_triggers[cp];
		} else if ((cp >= 0x370 && cp <= 0x52F) ||
			   (cp >= 0x1F00 && cp <= 0x1FFF)) {
			t |= T_CYRGREEK;
		}
	}
	return t;
}

size_t text_deobfuscate_part(struct text_unit *u, size_t n,
			     int (*mostly_latin)(void *), void *arg)
{
	unsigned t = triggers(u, n);

	/* Four lone letters and three separators at least. */
	if (n >= 7)
		n = join_spaced(u, n);
	if (t & T_CYRGREEK)
		fold_homoglyphs(u, n, mostly_latin, arg);
	if (t & T_DIGIT)
		n = join_mixed_digits(u, n);
	/* Digit words turned into digits can only join a leet run through
	 * a ! @ $ beside them, so digits count as a trigger too. */
	if (t & (T_LEET | T_DIGIT))
		undo_leet(u, n);
	/* Three numbers, one a word, and two gaps: "1 1 oh". */
	if ((t & (T_ASCII | T_CYRGREEK)) && n >= 6)
		n = join_number_runs(u, n);
	return n;
}
