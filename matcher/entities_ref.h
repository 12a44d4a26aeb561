/* SPDX-License-Identifier: MIT */
/* Private to matcher/ and its tests: the reference entity finders, the
 * straightforward ones that try every keyword at every byte, kept verbatim
 * (entities_ref.c, entity_*_ref.c) so that tests can hold the candidate-
 * driven finders to them entity for entity. Their shared names are renamed
 * here so that both sets link into one library. */
#ifndef LW_MATCHER_ENTITIES_REF_H
#define LW_MATCHER_ENTITIES_REF_H

#define ent_add ref_ent_add
#define ent_full ref_ent_full
#define ent_claimed ref_ent_claimed
#define ent_raw ref_ent_raw
#define ent_orig_digit ref_ent_orig_digit
#define ent_line_start ref_ent_line_start
#define ent_line_end ref_ent_line_end
#define ent_kw_whatsapp ref_ent_kw_whatsapp
#define ent_kw_telegram ref_ent_kw_telegram
#define ent_kw_wechat ref_ent_kw_wechat
#define ent_kw_line ref_ent_kw_line
#define ent_keyword_last ref_ent_keyword_last
#define ent_keyword_at ref_ent_keyword_at
#define ent_flag_letters ref_ent_flag_letters
#define ent_find_emails ref_ent_find_emails
#define ent_find_urls ref_ent_find_urls
#define ent_find_handles ref_ent_find_handles
#define ent_find_phones ref_ent_find_phones
#define ent_found ref_ent_found
#define ent_ctx ref_ent_ctx

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
};

/* How far keyword searches look around a value, in bytes of normalised text:
 * far enough for "WhatsApp me on", near enough to keep the cost linear. */
#define ENT_KEYWORD_WINDOW 160

/* Adds an entity over normalised bytes [a, b), taking ownership of norm.
 * Returns 0, or -1 when the document already holds ENTITIES_MAX entities
 * (norm is then freed). */
int ent_add(struct ent_ctx *c, int kind, size_t a, size_t b, char *norm);
/* 1 when the list is full: finders stop early. */
int ent_full(const struct ent_ctx *c);
/* 1 when any byte of [a, b) already belongs to an entity. */
int ent_claimed(const struct ent_ctx *c, size_t a, size_t b);

/* The normalised byte i, except that a byte that came from exactly one
 * ASCII byte of the input gives that byte, lowercased: handles and
 * addresses keep the digits that leetspeak folding turned into letters. */
char ent_raw(const struct ent_ctx *c, size_t i);
/* The ASCII digit the input had at normalised byte i, or 0. */
char ent_orig_digit(const struct ent_ctx *c, size_t i);

/* Start of the line holding byte i (never further back than the window). */
size_t ent_line_start(const struct ent_ctx *c, size_t i);
/* End of the line holding byte i ('\n' or text end, within the window). */
size_t ent_line_end(const struct ent_ctx *c, size_t i);

/* A keyword list: NULL-terminated. A word starting with '=' must stand
 * alone (no ASCII letter or digit either side); others must not follow an
 * ASCII letter but may run on ("telegram" finds "telegramm"). */
extern const char *const ent_kw_whatsapp[];
extern const char *const ent_kw_telegram[];
extern const char *const ent_kw_wechat[];
extern const char *const ent_kw_line[];

/* Finds the last keyword of kw starting in [lo, hi) and ending by hi.
 * Returns 1 and sets *at and *end (either may be NULL), or 0. */
int ent_keyword_last(const struct ent_ctx *c, const char *const *kw,
		     size_t lo, size_t hi, size_t *at, size_t *end);
/* 1 when a keyword of kw starts exactly at i; *end receives its end. */
int ent_keyword_at(const struct ent_ctx *c, const char *const *kw, size_t i,
		   size_t *end);
/* 1 when the input behind normalised bytes [a - 1, b + 1) (the text at
 * [a, b) and what normalising dropped around it) spells one of kw's words
 * in regional-indicator letters (U+1F1FC is W). */
int ent_flag_letters(const struct ent_ctx *c, const char *const *kw,
		     size_t a, size_t b);

static inline int ent_is_alnum(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9');
}

static inline int ent_is_digit(unsigned char ch)
{
	return ch >= '0' && ch <= '9';
}

/* The finders, run in this order; each skips text an earlier one claimed. */
void ent_find_emails(struct ent_ctx *c);
void ent_find_urls(struct ent_ctx *c);
void ent_find_handles(struct ent_ctx *c);
void ent_find_phones(struct ent_ctx *c);

struct lw_text;

/* entities_extract_text done the reference way: same arguments, same
 * results, many times slower. */
int entities_extract_text_reference(const struct lw_text *t, const char *orig,
				    size_t orig_len, const char *default_region,
				    struct entity_list *out, struct lw_error *err);

#endif
