/* SPDX-License-Identifier: MIT */
/* The compiled matcher's layout, shared by compile.c, cache.c and scan.c. */
#ifndef LW_MATCHER_INTERNAL_H
#define LW_MATCHER_INTERNAL_H

#include <hs/hs.h>

#include "comb.h"
#include "matcher.h"
#include "pack_internal.h"

/* Hyperscan ids: exact patterns of rules and terms are 0..npat-1 (the same id
 * in every database); weakened quiet copies that feed combination triggers
 * follow; a combination rule r reports COMB_ID_BASE + r. */
#define COMB_ID_BASE 0x40000000u
#define WIDTH_UNBOUNDED 0xffffffffu

struct matcher {
	struct matcher_pack *pack;
	hs_database_t *db_main;     /* rule patterns, trigger copies, combinations */
	hs_database_t *db_terms;    /* exact term patterns, for whole-document checks */
	size_t npat;
	size_t *pat_rule;           /* pattern id -> rule index */
	const char **pat_expr;      /* pattern id -> normalised expression (owned) */
	unsigned *pat_flags;
	unsigned *pat_width;        /* max match width in bytes, or WIDTH_UNBOUNDED */
	struct comb *combs;         /* per rule; n == 0 when not a combination */
	unsigned char *always;      /* per rule: combination without a trigger */
	int has_always;
	double threshold;
	int from_cache;
};

/* Loads databases and widths for m's pack from the cache directory; returns
 * 0 on a hit, -1 on a miss (never an error: a bad cache file is a miss). */
int cache_load(struct matcher *m, const char *dir);
/* Stores m's databases; returns 0 or -1 with err set (callers only warn). */
int cache_store(const struct matcher *m, const char *dir, struct lw_error *err);
/* Resolves the cache directory from options and environment; returns a new
 * string (caller frees) or NULL when caching is off. */
char *cache_dir_resolve(const char *opt);

#endif
