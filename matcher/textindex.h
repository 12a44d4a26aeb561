/* SPDX-License-Identifier: MIT */
/* Private to matcher/: building the word index of struct lw_text a piece
 * at a time, as text_normalize produces the text. */
#ifndef LW_MATCHER_TEXTINDEX_H
#define LW_MATCHER_TEXTINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "text.h"
#include "ucat.h"

/* 0: not a word character; 1: part of a word; 2: a word by itself. */
static inline __attribute__((always_inline)) int text_word_class(uint32_t cp)
{
	utf8proc_category_t c;

	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
		       (cp >= '0' && cp <= '9');
	if ((cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
	    (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	    (cp >= 0x20000 && cp <= 0x2FA1F))
		return 2;
	c = text_category(cp);
	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_ME) ||
	       c == UTF8PROC_CATEGORY_ND;
}

/* Folding turns full-width ！？； into ASCII, so in Chinese and Japanese
 * they come straight before the next sentence's first character: there a
 * character that is a word by itself after the mark ends the sentence too.
 * Scripts with marks of their own: the danda (Hindi, Nepali), the Arabic
 * question mark and full stop, the Burmese and Khmer full stops. */
static inline int text_ends_sentence(uint32_t cp, uint32_t next)
{
	if (cp == '.' || cp == '!' || cp == '?' || cp == ';')
		return next == 0 || next == ' ' || next == '\n' || text_word_class(next) == 2;
	return cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F || cp == 0xFF1B || cp == 0x0964 ||
	       cp == 0x0965 || cp == 0x061F || cp == 0x06D4 || cp == 0x104B || cp == 0x17D4;
}

/* What the next word opens. */
struct text_index_state {
	int new_sent;
	int new_para;
};

/* Empties t's index; the first word will open a sentence and a paragraph. */
void text_index_start(struct lw_text *t, struct text_index_state *st);

/* Indexes t->buf[from .. t->len), where buf[from] does not continue a word
 * and whatever comes after t->len is a space or the end of the text (which
 * is how text_normalize hands out pieces); in is the input t was
 * normalised from. */
void text_index_feed(struct lw_text *t, struct text_index_state *st,
		     size_t from, const char *in, size_t in_len);

/* 1 when the input span [from, to) of a '\n' holds a blank line. */
int text_blank_line(const char *in, size_t from, size_t to);

void text_index_grow_words(struct lw_text *t);
void text_index_opens(struct lw_text *t, struct text_index_state *st);

/* Adds the word buf[a .. b). */
static inline void text_index_word(struct lw_text *t,
				   struct text_index_state *st,
				   uint32_t a, uint32_t b)
{
	if (st->new_sent | st->new_para)
		text_index_opens(t, st);
	if (t->nwords == t->words_cap)
		text_index_grow_words(t);
	t->word_start[t->nwords] = a;
	t->word_end[t->nwords] = b;
	t->nwords++;
}

/* buf[i] is a '\n': it ends the sentence, and the paragraph when its input
 * span holds a blank line. */
static inline void text_index_line(struct lw_text *t,
				   struct text_index_state *st, size_t i,
				   const char *in, size_t in_len)
{
	st->new_sent = 1;
	if (in && t->start && t->end[i] <= in_len &&
	    text_blank_line(in, t->start[i], t->end[i]))
		st->new_para = 1;
}

#endif
