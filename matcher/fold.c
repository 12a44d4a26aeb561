/* SPDX-License-Identifier: MIT */
/* Unicode folding: input code points to the units the de-obfuscation passes
 * work on (each with the span of input bytes it came from), and the same
 * folding for rule patterns. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "text.h"
#include "ucat.h"
#include "fold.h"
#include "../util/buf.h"
#include "../util/xmalloc.h"


#define DECOMP_MAX 32

_Atomic unsigned char text_ucat_cache[0x10000];

int text_utf8_valid(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, n, bad;
	uint32_t cp;

	while (i < len) {
		n = text_utf8_decode(s + i, len - i, &cp, &bad);
		if (!n)
			return 0;
		i += n;
	}
	return 1;
}

/* ---- classification of input code points ------------------------------- */

static int is_latin_mark(uint32_t cp)
{
	return cp >= 0x300 && cp <= 0x36F;
}

/* Invisible characters used to break up words: dropped outright. */
static int is_dropped(uint32_t cp)
{
	if (is_latin_mark(cp) || cp == 0x20E3)
		return 1;
	if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF))
		return 1;
	if (cp >= 0x1F3FB && cp <= 0x1F3FF)     /* skin-tone modifiers */
		return 1;
	return text_category(cp) == UTF8PROC_CATEGORY_CF;
}

static int is_line_break(uint32_t cp)
{
	return cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' ||
	       cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

static int is_blank(uint32_t cp)
{
	utf8proc_category_t c;

	if (cp == ' ' || cp == '\t' || cp == 0)
		return 1;
	if (cp < 0x80)
		return cp < 0x20 || cp == 0x7F;
	c = text_category(cp);
	return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_CC;
}

static int is_phone_emoji(uint32_t cp)
{
	return cp == 0x1F4DE || cp == 0x260E || cp == 0x260F ||
	       cp == 0x1F4F1 || cp == 0x1F4F2;
}

static int is_pictograph(uint32_t cp)
{
	if (!((cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF)))
		return 0;
	return text_category(cp) == UTF8PROC_CATEGORY_SO;
}

/* ---- the unit array ------------------------------------------------------ */

static size_t utf8_len(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* Inlined: it runs once a code point, and the call cost as much as the
 * work on non-Latin text. */
static inline __attribute__((always_inline)) int
push(struct units *us, uint32_t cp, uint32_t start, uint32_t end, int upper)
{
	size_t bytes = utf8_len(cp);
	struct text_unit *x;

	if (bytes > us->budget)
		return -1;
	us->budget -= bytes;
	if (us->n == us->cap) {
		us->cap = us->cap ? us->cap * 2 : 256;
		us->u = xreallocarray(us->u, us->cap, sizeof(*us->u));
	}
	x = &us->u[us->n++];
	x->cp = cp;
	x->start = start;
	x->end = end;
	x->flags = upper ? TEXT_UNIT_UPPER : 0;
	return 0;
}

/* Whitespace is collapsed as it arrives: a run becomes one unit covering the
 * whole run, '\n' when any of it broke the line; leading runs are dropped. */
static int push_space(struct units *us, int nl, uint32_t start, uint32_t end)
{
	struct text_unit *last;

	if (!us->n)
		return 0;
	last = &us->u[us->n - 1];
	if (last->cp == ' ' || last->cp == '\n') {
		last->end = end;
		last->flags |= TEXT_UNIT_RUN;
		if (nl)
			last->cp = '\n';
		return 0;
	}
	return push(us, nl ? '\n' : ' ', start, end, 0);
}

static int push_word(struct units *us, const char *w, uint32_t start,
		     uint32_t end)
{
	if (push_space(us, 0, start, end) < 0)
		return -1;
	for (; *w; w++)
		if (push(us, (unsigned char)*w, start, end, 0) < 0)
			return -1;
	return push_space(us, 0, start, end);
}

/* Accents are dropped from Latin and Greek letters, as readers of those
 * scripts ignore them; elsewhere a mark in U+0300..U+036F is part of the
 * letter (Cyrillic й is not и). */
static int drops_marks(uint32_t base)
{
	return base <= 0x3FF || (base >= 0x1E00 && base <= 0x1FFF) ||
	       (base >= 0x2C60 && base <= 0x2C7F) ||
	       (base >= 0xA720 && base <= 0xA7FF);
}

/* NFKC plus case folding of one code point, Latin accents removed.
 * utf8proc decomposes fully, so what stays is composed again (Hangul
 * syllables would otherwise come out as jamo). Returns the count, or -1 when
 * the code point cannot be decomposed (never for valid scalar values). */
static utf8proc_ssize_t fold_cp(uint32_t cp, utf8proc_int32_t *out)
{
	utf8proc_int32_t tmp[DECOMP_MAX];
	utf8proc_ssize_t n, i, k = 0;
	uint32_t base = 0;
	int bc = 0;

	n = utf8proc_decompose_char((utf8proc_int32_t)cp, tmp, DECOMP_MAX,
				    UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT |
				    UTF8PROC_CASEFOLD, &bc);
	if (n < 0 || n > DECOMP_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_latin_mark((uint32_t)tmp[i]))
			base = (uint32_t)tmp[i];
		else if (drops_marks(base))
			continue;
		out[k++] = tmp[i];
	}
	if (k > 1)
		k = utf8proc_normalize_utf32(out, k, UTF8PROC_COMPOSE);
	return k;
}

/* A combining mark arriving on its own joins the letter before it when the
 * two compose (и + breve is й, as NFKC would have it); otherwise it goes,
 * like every accent the folding drops. */
static void attach_mark(struct units *us, uint32_t cp, uint32_t end)
{
	utf8proc_int32_t pair[2];
	struct text_unit *last;

	if (!us->n)
		return;
	last = &us->u[us->n - 1];
	if (drops_marks(last->cp))
		return;
	pair[0] = (utf8proc_int32_t)last->cp;
	pair[1] = (utf8proc_int32_t)cp;
	if (utf8proc_normalize_utf32(pair, 2, UTF8PROC_COMPOSE) != 1 ||
	    utf8_len((uint32_t)pair[0]) > utf8_len(last->cp) + us->budget)
		return;
	us->budget += utf8_len(last->cp);
	us->budget -= utf8_len((uint32_t)pair[0]);
	last->cp = (uint32_t)pair[0];
	last->end = end;
}

_Atomic uint32_t text_fold_cache[0x10000];
_Atomic uint16_t text_fold_second_cache[0x10000];

/* Two characters neither of which is a space: Thai and Lao SARA AM (a
 * vowel sign and a mark under NFKC), Latin ligatures, "ß". */
static int plain_pair(const utf8proc_int32_t *d, utf8proc_ssize_t n)
{
	return n == 2 && d[0] != ' ' && d[1] != ' ' && d[0] < 0x10000 &&
	       d[1] > 0 && d[1] < 0x10000;
}

uint32_t text_fold_fill(uint32_t cp)
{
	utf8proc_int32_t d[DECOMP_MAX];
	utf8proc_ssize_t n = 0;
	utf8proc_category_t cat;
	uint32_t e = 2;

	if (!(is_line_break(cp) || is_blank(cp) || is_latin_mark(cp) ||
	      is_dropped(cp) || is_phone_emoji(cp)))
		n = fold_cp(cp, d);
	if ((n == 1 && d[0] != ' ' && !((uint32_t)d[0] == cp && is_pictograph(cp))) ||
	    plain_pair(d, n)) {
		cat = text_category(cp);
		e = (uint32_t)d[0] << 8 | (n == 2 ? 4u : 0u) |
		    (uint32_t)(cat == UTF8PROC_CATEGORY_LU ||
			       cat == UTF8PROC_CATEGORY_LT) << 1 | 1;
		if (n == 2)
			atomic_store_explicit(&text_fold_second_cache[cp],
					      (uint16_t)d[1], memory_order_relaxed);
	}
	atomic_store_explicit(&text_fold_cache[cp], e, memory_order_relaxed);
	return e;
}

uint32_t text_fold_second_fill(uint32_t cp)
{
	utf8proc_int32_t d[DECOMP_MAX];

	/* Only after the entry said there is a second, so fold_cp gives two. */
	fold_cp(cp, d);
	atomic_store_explicit(&text_fold_second_cache[cp], (uint16_t)d[1],
			      memory_order_relaxed);
	return (uint32_t)d[1];
}

static int add_cp(struct units *us, uint32_t cp, uint32_t start, uint32_t end)
{
	utf8proc_int32_t d[DECOMP_MAX];
	utf8proc_ssize_t n, i;
	utf8proc_category_t cat;
	uint32_t e;
	int upper;

	if (cp > 0x20 && cp < 0x7F)     /* the common case, folded by hand */
		return push(us, cp >= 'A' && cp <= 'Z' ? cp + 32 : cp, start, end,
			    cp >= 'A' && cp <= 'Z');
	if (cp < 0x10000) {
		e = text_fold_entry(cp);
		if ((e & 5) == 1)
			return push(us, e >> 8, start, end, e >> 1 & 1);
		if (e & 1)
			return push(us, e >> 8, start, end, e >> 1 & 1) < 0 ||
			       push(us, text_fold_second(cp), start, end,
				    e >> 1 & 1) < 0 ? -1 : 0;
	}
	if (is_line_break(cp))
		return push_space(us, 1, start, end);
	if (is_blank(cp))
		return push_space(us, 0, start, end);
	if (is_latin_mark(cp)) {
		attach_mark(us, cp, end);
		return 0;
	}
	if (is_dropped(cp))
		return 0;
	if (is_phone_emoji(cp))
		return push_word(us, "phone", start, end);
	n = fold_cp(cp, d);
	if (n < 0 || (n == 1 && (uint32_t)d[0] == cp && is_pictograph(cp)))
		return push_space(us, 0, start, end);
	cat = text_category(cp);
	upper = cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT;
	for (i = 0; i < n; i++) {
		uint32_t c = (uint32_t)d[i];
		int rc = c == ' ' ? push_space(us, 0, start, end) :
			 push(us, c, start, end, upper);

		if (rc < 0)
			return -1;
	}
	return 0;
}

int units_add(struct units *us, const unsigned char *in, size_t from,
	      size_t to, size_t doc_len, size_t *repaired)
{
	size_t i = from, n, bad, bad_from = 0;
	int in_bad = 0;
	uint32_t cp;

	while (i < to) {
		n = text_utf8_decode(in + i, doc_len - i, &cp, &bad);
		if (!n) {
			if (!in_bad)
				bad_from = i;
			in_bad = 1;
			i += bad;
			continue;
		}
		if (in_bad) {
			(*repaired)++;
			in_bad = 0;
			if (push_space(us, 0, (uint32_t)bad_from, (uint32_t)i) < 0)
				return -1;
		}
		if (add_cp(us, cp, (uint32_t)i, (uint32_t)(i + n)) < 0)
			return -1;
		i += n;
	}
	if (in_bad) {
		(*repaired)++;
		/* Whitespace follows, which would have ended the run with a
		 * space; at the end of the document nothing does. */
		if (to < doc_len &&
		    push_space(us, 0, (uint32_t)bad_from, (uint32_t)to) < 0)
			return -1;
	}
	return 0;
}

void units_release(struct units *us)
{
	free(us->u);
	memset(us, 0, sizeof(*us));
}

void text_init(struct lw_text *t)
{
	memset(t, 0, sizeof(*t));
}

void text_release(struct lw_text *t)
{
	free(t->buf);
	free(t->start);
	free(t->end);
	free(t->word_start);
	free(t->word_end);
	free(t->sent_first);
	free(t->para_first);
	text_init(t);
}

/* ---- patterns ------------------------------------------------------------ */

static int is_regex_punct(unsigned char c)
{
	return c > 0x20 && c < 0x7F && !(c >= '0' && c <= '9') &&
	       !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z');
}

/* The last character a pattern produced, where a mark may still attach. */
struct last_char {
	uint32_t cp;        /* 0 after ASCII or a multi-character folding */
	size_t at;          /* its offset in the output */
};

/* As attach_mark() for documents, so that a decomposed "й" in a pattern
 * matches the same in a document. */
static int attach_pattern_mark(struct lw_buf *b, struct last_char *last,
			       uint32_t cp)
{
	utf8proc_int32_t pair[2];
	utf8proc_uint8_t enc[4];
	utf8proc_ssize_t m;

	if (!last->cp || drops_marks(last->cp))
		return 0;
	pair[0] = (utf8proc_int32_t)last->cp;
	pair[1] = (utf8proc_int32_t)cp;
	if (utf8proc_normalize_utf32(pair, 2, UTF8PROC_COMPOSE) != 1)
		return 0;
	m = utf8proc_encode_char(pair[0], enc);
	b->len = last->at;
	last->cp = (uint32_t)pair[0];
	return lw_buf_add(b, enc, (size_t)m);
}

/* Appends the folded form of the non-ASCII cp. Returns -1 when the
 * buffer's cap is reached. */
static int pattern_char(struct lw_buf *b, struct last_char *last, uint32_t cp)
{
	utf8proc_int32_t d[DECOMP_MAX];
	utf8proc_uint8_t enc[4];
	utf8proc_ssize_t k, j, m;

	if (is_latin_mark(cp))
		return attach_pattern_mark(b, last, cp);
	/* The text never holds these, so a pattern keeping them could never
	 * match. */
	if (is_dropped(cp))
		return 0;
	k = fold_cp(cp, d);
	last->cp = k == 1 ? (uint32_t)d[0] : 0;
	last->at = b->len;
	for (j = 0; j < k; j++) {
		m = utf8proc_encode_char(d[j], enc);
		/* "（" folds to "(": keep it a literal, not a group */
		if (m == 1 && is_regex_punct(enc[0]) && lw_buf_addc(b, '\\') < 0)
			return -1;
		if (lw_buf_add(b, enc, (size_t)m) < 0)
			return -1;
	}
	return 0;
}

char *text_normalize_pattern(const char *pattern, struct lw_error *err)
{
	const unsigned char *p = (const unsigned char *)pattern;
	size_t len = strlen(pattern), i = 0, n, bad;
	struct last_char last = { 0, 0 };
	struct lw_buf b;
	uint32_t cp;
	char *res = NULL;
	int rc;

	lw_buf_init(&b, len * TEXT_OUT_FACTOR + TEXT_OUT_SLACK);
	while (i < len) {
		n = text_utf8_decode(p + i, len - i, &cp, &bad);
		if (!n) {
			lw_error_set(err, "pattern is not valid utf-8 at byte %zu", i);
			goto out;
		}
		i += n;
		if (cp < 0x80) {
			last.cp = 0;
			rc = lw_buf_addc(&b, (char)cp);
		} else {
			rc = pattern_char(&b, &last, cp);
		}
		if (rc < 0) {
			lw_error_set(err, "pattern expands beyond %zu bytes when "
				     "normalised", b.max);
			goto out;
		}
	}
	res = lw_buf_detach(&b, NULL);
out:
	lw_buf_release(&b);
	return res;
}
