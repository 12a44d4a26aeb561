/* SPDX-License-Identifier: MIT */
/* Text preparation inside the matcher: HTML to visible text, and the
 * normalisation (Unicode folding and de-obfuscation) that patterns see,
 * with an offset map back to the original bytes. Internal to matcher/ and
 * its tests; other modules go through matcher.h. */
#ifndef LW_MATCHER_TEXT_H
#define LW_MATCHER_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "../util/error.h"

/* Largest document the matcher accepts (bytes of input). */
#define TEXT_MAX_INPUT (16u * 1024u * 1024u)

/* Normalised text plus, for every byte of it, the span of original input
 * bytes it came from: output byte i came from input[start[i] .. end[i]).
 * A hit on output bytes [s, e) therefore covers input [start[s], end[e-1]). */
struct lw_text {
	char *buf;          /* valid UTF-8, NUL-terminated */
	size_t len;
	uint32_t *start;    /* len entries */
	uint32_t *end;      /* len entries */
	size_t cap;
	size_t repaired;    /* invalid UTF-8 sequences replaced in the input */
	/* The word index that proximity operators count in (text_index):
	 * word w is buf[word_start[w] .. word_end[w]); sentence s begins at
	 * word sent_first[s], paragraph p at word para_first[p]. */
	uint32_t *word_start, *word_end;
	size_t nwords, words_cap;
	uint32_t *sent_first;
	size_t nsents, sents_cap;
	uint32_t *para_first;
	size_t nparas, paras_cap;
};

void text_init(struct lw_text *t);
void text_release(struct lw_text *t);

/* Normalises len bytes of in (any bytes; invalid UTF-8 is repaired: each
 * invalid sequence becomes one space in the output and t->repaired counts
 * them) into t, replacing what t held. Steps, in order:
 *  - NFKC compatibility mapping and Unicode case folding (utf8proc), per code
 *    point; combining marks U+0300..U+036F dropped (accents on Latin letters,
 *    Vietnamese tones); zero-width and format characters (Cf, variation
 *    selectors, U+20E3 keycap) dropped; all whitespace runs become one ' '
 *    except that a line break stays '\n';
 *  - Cyrillic/Greek look-alike letters become Latin inside words that also
 *    hold Latin letters, or in all-look-alike words of a mostly Latin text;
 *  - leetspeak inside words (p@ssp0rt, v1sa, m0ney, wh@tsapp): a run of
 *    0 1 3 4 5 7 @ $ ! with letters on both sides becomes letters;
 *  - letters spelled apart (w h a t s a p p, t.e.l.e.g.r.a.m, w-h-a-t):
 *    4 or more single letters separated by one separator are joined;
 *  - emoji: phone emoji become the word "phone", other pictographs a space;
 *  - spelled-out digits in number runs ("zero two one double five", "5five5")
 *    become digits.
 * Returns 0, or -1 with err set when the input exceeds TEXT_MAX_INPUT. */
int text_normalize(const char *in, size_t len, struct lw_text *t,
		   struct lw_error *err);

/* The same normalisation, done the plain way: every code point through
 * the unit pipeline and every pass over the whole document. Many times
 * slower; kept so that tests can hold text_normalize to it byte for byte. */
int text_normalize_reference(const char *in, size_t len, struct lw_text *t,
			     struct lw_error *err);

/* Builds t's word index from t->buf and the input in it was normalised
 * from (paragraph breaks are blank lines of the input, which the text
 * itself collapses to one '\n'). A word is a maximal run of letters,
 * digits and marks, except that every Han, Hiragana and Katakana character
 * is a word by itself (those scripts do not space words). A sentence ends
 * at a line break or at . ! ? ; followed by a space or the end, and at the
 * full-width 。！？；. The document's first word opens a sentence and a
 * paragraph. text_normalize calls it; it is exposed for tests. */
void text_index(struct lw_text *t, const char *in, size_t in_len);

/* The word holding byte off of t->buf, or else the first word after it;
 * t->nwords when none follows. */
size_t text_word_at(const struct lw_text *t, size_t off);
/* The last word that starts before byte off; (size_t)-1 when none does. */
size_t text_word_before(const struct lw_text *t, size_t off);
/* The sentence and paragraph that word w belongs to. */
size_t text_sentence_of(const struct lw_text *t, size_t w);
size_t text_paragraph_of(const struct lw_text *t, size_t w);

/* The text's length in words as scoring weighs it (the short-text
 * factor): indexed words, except that runs of Thai, Lao, Burmese and Khmer,
 * which do not space words, count one word per four characters. */
size_t text_length_words(const struct lw_text *t);

/* Applies only the Unicode part (NFKC, case folding, Latin accent removal)
 * to the non-ASCII characters of a pattern, so rule authors can write
 * "pasaporte" or "hộ chiếu" in ordinary spelling. ASCII bytes (all regex
 * syntax) are copied unchanged. Returns a new string (caller frees), or NULL
 * with err set when pattern is not valid UTF-8. */
char *text_normalize_pattern(const char *pattern, struct lw_error *err);

/* Extracts the visible text of an HTML document with libxml2: script, style,
 * noscript, template and head content other than <title> dropped; block
 * elements and <br> end a line; entities decoded; a declared charset is
 * honoured. Returns a new UTF-8 string (caller frees; *out_len set) or NULL
 * with err set. Broken markup is recovered, never rejected. */
char *text_from_html(const char *html, size_t len, size_t *out_len,
		     struct lw_error *err);
/* The same of one element of a document already parsed by libxml2 (the
 * element and what it holds). */
struct _xmlNode;
char *text_from_html_node(struct _xmlNode *node, size_t *out_len, struct lw_error *err);

/* Returns 1 when p[0..len) is valid UTF-8 (no overlongs, no surrogates). */
int text_utf8_valid(const char *p, size_t len);

#endif
