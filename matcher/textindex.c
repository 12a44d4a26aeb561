/* SPDX-License-Identifier: MIT */
/* The word, sentence and paragraph index of normalised text: proximity
 * operators (NEAR/n, BEFORE/n, SENT, PARA) count in it. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "text.h"
#include "textindex.h"
#include "../util/utf8.h"
#include "../util/xmalloc.h"

static void push(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = x;
}

void text_index_grow_words(struct lw_text *t)
{
	t->words_cap = t->words_cap ? t->words_cap * 2 : 256;
	t->word_start = xreallocarray(t->word_start, t->words_cap,
				      sizeof(*t->word_start));
	t->word_end = xreallocarray(t->word_end, t->words_cap,
				    sizeof(*t->word_end));
}

void text_index_opens(struct lw_text *t, struct text_index_state *st)
{
	if (st->new_sent)
		push(&t->sent_first, &t->nsents, &t->sents_cap, (uint32_t)t->nwords);
	if (st->new_para)
		push(&t->para_first, &t->nparas, &t->paras_cap, (uint32_t)t->nwords);
	st->new_sent = st->new_para = 0;
}

/* Line breaks in the input span of a '\n' of the text: two or more make a
 * blank line, and so a paragraph break. */
int text_blank_line(const char *in, size_t from, size_t to)
{
	int n = 0;

	for (size_t i = from; i < to && n < 2; i++) {
		if (in[i] == '\n' || (in[i] == '\r' && (i + 1 >= to || in[i + 1] != '\n')))
			n++;
		else if ((unsigned char)in[i] == 0xE2 && i + 2 < to &&
			 (unsigned char)in[i + 1] == 0x80 && (unsigned char)in[i + 2] == 0xA9)
			n += 2; /* U+2029 PARAGRAPH SEPARATOR */
	}
	return n >= 2;
}

void text_index_start(struct lw_text *t, struct text_index_state *st)
{
	t->nwords = t->nsents = t->nparas = 0;
	st->new_sent = st->new_para = 1;
}

void text_index_feed(struct lw_text *t, struct text_index_state *st,
		     size_t from, const char *in, size_t in_len)
{
	const unsigned char *b = (const unsigned char *)t->buf;
	int in_word = 0;
	size_t i = from, n;

	while (i < t->len) {
		uint32_t cp = lw_utf8_decode(b + i, &n), next = 0;
		int wc = text_word_class(cp);

		if (wc == 1 && in_word) {
			t->word_end[t->nwords - 1] = (uint32_t)(i + n);
		} else if (wc) {
			text_index_word(t, st, (uint32_t)i, (uint32_t)(i + n));
		}
		in_word = wc == 1;
		if (!wc) {
			if (i + n < t->len) {
				size_t m;

				next = lw_utf8_decode(b + i + n, &m);
			}
			if (cp == '\n')
				text_index_line(t, st, i, in, in_len);
			else if (text_ends_sentence(cp, next))
				st->new_sent = 1;
		}
		i += n;
	}
}

void text_index(struct lw_text *t, const char *in, size_t in_len)
{
	struct text_index_state st;

	text_index_start(t, &st);
	text_index_feed(t, &st, 0, in, in_len);
}

/* Thai, Lao, Burmese and Khmer do not space words, so a run of them is
 * one "word" to the index however long it is; left at that, a page of Thai
 * would count as a few words and get the short-text boost. For length they
 * count one word per TEXT_UNSPACED_CHARS characters (code points, vowel
 * and tone marks included), about the average word in those scripts. */
#define TEXT_UNSPACED_CHARS 4

static int unspaced_script(uint32_t cp)
{
	return (cp >= 0x0E00 && cp <= 0x0EFF) || (cp >= 0x1000 && cp <= 0x109F) ||
	       (cp >= 0x1780 && cp <= 0x17FF) || (cp >= 0x19E0 && cp <= 0x19FF);
}

size_t text_length_words(const struct lw_text *t)
{
	const unsigned char *b = (const unsigned char *)t->buf;
	size_t words = 0, chars = 0, n;

	for (size_t w = 0; w < t->nwords; w++) {
		size_t i = t->word_start[w], k = 0;

		/* the unspaced scripts lie in U+0E00..U+19FF, whose UTF-8 lead
		 * bytes are 0xE0 and 0xE1: any other first byte, ASCII above
		 * all, starts a spaced word without a decode */
		if (b[i] != 0xE0 && b[i] != 0xE1) {
			words++;
			continue;
		}
		if (!unspaced_script(lw_utf8_decode(b + i, &n))) {
			words++;
			continue;
		}
		for (; i < t->word_end[w]; i += n, k++)
			lw_utf8_decode(b + i, &n);
		chars += k;
	}
	return words + (chars + TEXT_UNSPACED_CHARS - 1) / TEXT_UNSPACED_CHARS;
}

/* The first word whose end is after off. */
size_t text_word_at(const struct lw_text *t, size_t off)
{
	size_t lo = 0, hi = t->nwords;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->word_end[mid] <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t text_word_before(const struct lw_text *t, size_t off)
{
	size_t lo = 0, hi = t->nwords;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->word_start[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : (size_t)-1;
}

static size_t group_of(const uint32_t *first, size_t n, size_t w)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (first[mid] <= w)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : 0;
}

size_t text_sentence_of(const struct lw_text *t, size_t w)
{
	return group_of(t->sent_first, t->nsents, w);
}

size_t text_paragraph_of(const struct lw_text *t, size_t w)
{
	return group_of(t->para_first, t->nparas, w);
}
