/* SPDX-License-Identifier: MIT */
/* Private to matcher/: the state the entity finders share while they walk
 * one normalised document, and the small text helpers they have in common. */
#ifndef LW_MATCHER_ENTITIES_INTERNAL_H
#define LW_MATCHER_ENTITIES_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "entities.h"
#include "text.h"

/* An entity while extraction runs: a span of the normalised text. */
struct ent_found {
	int kind;
	size_t a, b;
	char *norm;
	const char *region;     /* see struct entity's region */
};

struct ent_ctx {
	const struct lw_text *t;        /* the normalised document */
	const char *orig;               /* the input it came from */
	size_t orig_len;
	const char *region;             /* default phone region, "NZ" */
	struct ent_found *v;
	size_t n, cap;
	uint8_t *claimed;               /* bit per normalised byte already in an entity */
	/* Bit i (of word i / 64) for byte i of the text where a finder's
	 * per-byte loop would stop (ent_index_starts): phone_starts where a
	 * number may begin (a unit's byte, '+', '(', not after an ASCII
	 * letter or digit), handle_starts where a handle trigger may stand
	 * (an ASCII trigger not after an ASCII letter, or a UTF-8 lead byte).
	 * The finders then visit those bytes only, instead of every byte. */
	uint64_t *phone_starts, *handle_starts;
	size_t nstarts;                 /* words in each */
};

/* How far keyword searches look around a value, in bytes of normalised text:
 * far enough for "WhatsApp me on", near enough to keep the cost linear. */
#define ENT_KEYWORD_WINDOW 160

/* Adds an entity over normalised bytes [a, b), taking ownership of norm.
 * Returns 0, or -1 when the document already holds ENTITIES_MAX entities
 * (norm is then freed). */
int ent_add(struct ent_ctx *c, int kind, size_t a, size_t b, char *norm);
/* 1 when the list is full: finders stop early. */
static inline int ent_full(const struct ent_ctx *c)
{
	return c->n >= ENTITIES_MAX;
}
/* 1 when any byte of [a, b) already belongs to an entity. */
int ent_claimed(const struct ent_ctx *c, size_t a, size_t b);

/* The normalised byte i, except that a byte that came from exactly one
 * ASCII byte of the input gives that byte, lowercased: handles and
 * addresses keep the digits that leetspeak folding turned into letters. */
char ent_raw(const struct ent_ctx *c, size_t i);


/* Start of the line holding byte i (never further back than the window). */
size_t ent_line_start(const struct ent_ctx *c, size_t i);
/* End of the line holding byte i ('\n' or text end, within the window). */
size_t ent_line_end(const struct ent_ctx *c, size_t i);

/* A keyword list (entity_keywords.c), indexed by first byte. A word written
 * with a leading '=' must stand alone (no ASCII letter or digit either
 * side); others must not follow an ASCII letter but may run on ("telegram"
 * finds "telegramm"). */
#define ENT_KEYWORDS_MAX 24

struct ent_keyword {
	const char *text;       /* without the '=' */
	uint8_t len;
	uint8_t whole;          /* written with '=' */
	uint8_t ascii;          /* starts with an ASCII byte */
};

struct ent_keywords {
	const char *const *list;                /* as written, NULL-terminated */
	struct ent_keyword word[ENT_KEYWORDS_MAX];
	size_t n;
	uint8_t first[256];                     /* 1: some word starts with the byte */
	/* The words starting with byte b, in list order: head[b] - 1 is the
	 * first, next[k] - 1 the one after word k (0: none). */
	uint8_t head[256];
	uint8_t next[ENT_KEYWORDS_MAX];
	uint64_t second[256];   /* bit (c & 63) when a word starting with the
	                         * byte has c next (every bit for a one-byte
	                         * word): "the" and "this" are no "telegram" */
};

/* 0 when no keyword of kw can start at byte i of s (NUL-terminated, i
 * inside it): the first of ent_keyword_at's tests, cheap enough for
 * every byte. */
static inline int ent_keyword_maybe(const struct ent_keywords *kw, const char *s, size_t i)
{
	unsigned char b = (unsigned char)s[i];

	return kw->first[b] && (kw->second[b] >> ((unsigned char)s[i + 1] & 63) & 1);
}

extern struct ent_keywords ent_kw_whatsapp;
extern struct ent_keywords ent_kw_telegram;
extern struct ent_keywords ent_kw_wechat;
extern struct ent_keywords ent_kw_line;
extern struct ent_keywords ent_kw_zalo;
extern struct ent_keywords ent_kw_other;    /* other networks' names */

/* Builds the lists' indexes, once per process however often it is called;
 * entities_extract_text calls it before any finder runs. */
void ent_keywords_init(void);

/* Finds the last keyword of kw starting in [lo, hi) and ending by hi.
 * Returns 1 and sets *at and *end (either may be NULL), or 0. */
int ent_keyword_last(const struct ent_ctx *c, const struct ent_keywords *kw,
		     size_t lo, size_t hi, size_t *at, size_t *end);
/* 1 when a keyword of kw starts exactly at i; *end receives its end. The
 * list's earlier words win: the first that fits is the one found. */
int ent_keyword_at(const struct ent_ctx *c, const struct ent_keywords *kw, size_t i,
		   size_t *end);
/* 1 when the input behind normalised bytes [a - 1, b + 1) (the text at
 * [a, b) and what normalising dropped around it) spells one of kw's words
 * in regional-indicator letters (U+1F1FC is W). */
int ent_flag_letters(const struct ent_ctx *c, const struct ent_keywords *kw,
		     size_t a, size_t b);

static inline int ent_is_alnum(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9');
}

static inline int ent_is_alpha(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static inline int ent_is_digit(unsigned char ch)
{
	return ch >= '0' && ch <= '9';
}

/* The ASCII digit the input had at normalised byte i, or 0. Inline: the
 * phone finder asks at nearly every word. */
static inline char ent_orig_digit(const struct ent_ctx *c, size_t i)
{
	uint32_t s = c->t->start[i], e = c->t->end[i];

	if (e - s == 1 && ent_is_digit((unsigned char)c->orig[s]))
		return c->orig[s];
	return 0;
}

/* The table of bytes a handle may begin at (entity_handle.c), built once;
 * ent_index_starts reads its ASCII entries. */
const uint8_t *ent_handle_triggers(void);
/* Fills c->phone_starts and c->handle_starts (allocated; the caller frees
 * phone_starts, which holds both). */
void ent_index_starts(struct ent_ctx *c);

/* The finders, run in this order; each skips text an earlier one claimed. */
void ent_find_emails(struct ent_ctx *c);
void ent_find_urls(struct ent_ctx *c);
void ent_find_handles(struct ent_ctx *c);
void ent_find_phones(struct ent_ctx *c);

/* The phone finder's index of decimal digits (Nd) in the Basic Multilingual
 * Plane: bit n of two[lead - 0xC0] when a digit is among the 64 code
 * points that lead byte and continuation 0x80 + n encode, likewise
 * three[lead - 0xE0]. The _ref form asks utf8proc of every code point;
 * the other, used, only of every eighth, and test_entities holds the two
 * equal. */
void ent_phone_index_digits(uint64_t two[32], uint64_t three[16]);
void ent_phone_index_digits_ref(uint64_t two[32], uint64_t three[16]);

#endif
