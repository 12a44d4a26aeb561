/* SPDX-License-Identifier: MIT */
/* The compiled matcher's layout, shared by compile.c, cache.c and scan.c. */
#ifndef LW_MATCHER_INTERNAL_H
#define LW_MATCHER_INTERNAL_H

#include <stdio.h>
#include <stdint.h>

#include <hs/hs.h>

#include "comb.h"
#include "matcher.h"
#include "pack_internal.h"

/* Hyperscan databases, each scanned at most once per document (db_gate
 * and db_fac, the two-stage scan, below):
 * word-list items made of ASCII letters, digits and spaces as literals with
 * their word boundaries written in as spaces (db_pad, scanned over a copy of
 * the text in which every byte that is not an ASCII word byte is a space, so
 * " pay " matches the word and never "repay" or "payment"); the other
 * items as plain literals whose boundaries the scan callback checks, those
 * of ASCII bytes alone (db_lit) apart from those with a byte above 0x7f
 * (db_ulit), which cannot match a text of ASCII bytes and are not scanned
 * over one; and the regular-expression patterns of rules and terms
 * (db_main). Literals compile in a fraction of a second and scan several
 * times faster than the same items written as \b-bounded regexes; writing
 * the boundaries into the literal makes short items ("id", "no", "pay")
 * long enough for Hyperscan's literal matcher to skip most of the text, and
 * stops the callback being woken inside longer words. An ASCII item with
 * punctuation inside ("24/7", "agent's") goes into db_pad too, its
 * punctuation written as spaces as the padded copy has it, and the callback
 * compares the text with the item itself (PAT_VERIFY): db_lit, a pass of
 * its own over every text for some 480 items that seldom match, cost 11%
 * of the raw scan. Combinations are
 * evaluated after the scan (prox.c). */
#define WIDTH_UNBOUNDED 0xffffffffu

/* pat_check bits: what the scan callback checks around a word-list item,
 * where Hyperscan's ASCII-only \b cannot. */
#define PAT_CHECK_LEFT 1u       /* no letter just before the match */
#define PAT_CHECK_RIGHT 2u      /* no letter just after it */
#define PAT_STEM 4u             /* "recruit*": evidence runs to the word's end */
#define PAT_WORD_LEFT 8u        /* no ASCII word byte [A-Za-z0-9_] just before: \b */
#define PAT_WORD_RIGHT 16u      /* no ASCII word byte just after */
#define PAT_PADDED 32u          /* in db_pad: boundaries are part of the literal */
#define PAT_SPACED 64u          /* padded item with a space inside: checked exactly */
#define PAT_VERIFY 128u         /* padded item with other ASCII punctuation inside
                                 * ("24/7", "agent's"): compared with pat_verify */

struct matcher {
	struct matcher_pack *pack;
	hs_database_t *db_main;     /* regular-expression patterns */
	hs_database_t *db_lit;      /* other word-list items of ASCII bytes, as literals */
	hs_database_t *db_ulit;     /* word-list items with a non-ASCII byte, as literals */
	hs_database_t *db_pad;      /* ASCII word-list items with their boundaries */
	/* The two-stage scan (compile.c, gate_plan): regular expressions
	 * from which a required literal can be read, and whose matches are
	 * at most pat_width bytes wide, are not in db_main but in db_gate,
	 * scanned only over windows around the places where db_fac found one
	 * of those literals (fac_len bytes, as far as fac_width bytes from
	 * the matches that need it), or around the text's digits for those
	 * every match of which holds one; db_gate's matches are exactly
	 * those a scan of the whole text finds. A rule's patterns are all in one of
	 * the two, so that each rule's matches come in the order they did. */
	hs_database_t *db_gate;
	hs_database_t *db_fac;
	/* Who owns the six databases: Hyperscan's allocator when compiled
	 * here (hs_free_database each), or this mapping of the cache file
	 * when read from the cache (cache.c, take_dbs): every db_* points
	 * into it and only munmap frees them. NULL when compiled. */
	void *db_mem;
	size_t db_mem_len;
	uint32_t digit_width;       /* widest match gated on digits, 0 when none */
	uint32_t amount_u;          /* the amount term's id (reported at every digit
	                             * by scan.c, in no database), or UINT32_MAX */
	size_t nfac;
	unsigned *fac_width;        /* factor id -> widest match that needs it */
	unsigned *fac_len;          /* factor id -> its length in bytes */
	size_t npat;
	size_t *pat_rule;           /* pattern id -> rule index */
	const char **pat_expr;      /* pattern id -> normalised expression (owned); NULL
	                             * for an item until matcher_pattern_expr builds it */
	const char **pat_lit;       /* item -> its normalised bytes, matched literally
	                             * (owned; compiling only, not after a cache load) */
	unsigned *pat_flags;
	unsigned *pat_width;        /* max match width in bytes, or WIDTH_UNBOUNDED */
	unsigned *pat_fixed;        /* width of every match when fixed (word items), else 0 */
	unsigned char *pat_check;   /* PAT_CHECK_* bits */
	const char **pat_item;      /* word-list item as written, or NULL */
	const char **pat_verify;    /* PAT_VERIFY item -> its normalised bytes, line
	                             * breaks as spaces, pat_fixed of them (owned) */
	/* Hyperscan ids: one per distinct expression, since one word often
	 * sits in several lists; id u stands for the patterns
	 * hs_pids[hs_first[u] .. hs_first[u + 1]). */
	size_t nhs;
	size_t *hs_first;
	unsigned *hs_pids;
	struct comb *combs;         /* per rule; n == 0 when not a combination */
	/* For each rule, the combinations that name it: users[user_first[r] ..
	 * user_first[r + 1]). A combination is evaluated only when one of its
	 * operands matched. */
	size_t *user_first;
	size_t *users;
	double threshold;
	int from_cache;
};

/* Pattern pid's expression: a regex pattern's own, or for a word-list item
 * the regex that matches what its literal and boundary checks match (built
 * on first use, for the benchmarks that compare engines on the same
 * patterns). NULL when the item cannot be normalised. */
const char *matcher_pattern_expr(struct matcher *m, size_t pid);

/* Loads databases and widths for m's pack from the cache directory; returns
 * 0 on a hit, -1 on a miss (never an error: a bad cache file is a miss, and
 * sets damaged to "cache file '...' is damaged" for a warning). */
int cache_load(struct matcher *m, const char *dir, struct lw_error *damaged);
/* Stores m's databases; returns 0 or -1 with err set (callers only warn). */
int cache_store(const struct matcher *m, const char *dir, struct lw_error *err);
/* Maps the cache file at path (at most max bytes) read-only into *data and
 * *len; returns 0, or -1 for a missing, unreadable or oversized file, and
 * -1 with *why set for one owned by another user or writable by others. */
int cache_map_file(const char *path, size_t max, char **data, size_t *len, struct lw_error *why);
/* Creates the temporary file tmp for a cache file, mode 0600 whatever the
 * umask, never through a link; NULL with err set on failure. */
FILE *cache_create(const char *tmp, struct lw_error *err);
/* Writes the cache file path whole or not at all, its bytes from write(f,
 * arg) into a cache_create'd temporary file renamed into place; 0, or -1
 * with err set. */
int cache_write_file(const char *path, int (*write)(FILE *f, void *arg), void *arg,
		     struct lw_error *err);
/* Creates dir and its parents (mode 0700); returns 0 or -1 with errno. */
int cache_mkdirs(const char *dir);
/* Resolves the cache directory from options and environment; returns a new
 * string (caller frees) or NULL when caching is off. */
char *cache_dir_resolve(const char *opt);

#endif
