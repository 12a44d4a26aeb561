/* SPDX-License-Identifier: MIT */
/* Private to matcher/: building the word index of struct lw_text a piece
 * at a time, as text_normalize produces the text. */
#ifndef LW_MATCHER_TEXTINDEX_H
#define LW_MATCHER_TEXTINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "text.h"

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
