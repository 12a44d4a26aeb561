/* SPDX-License-Identifier: MIT */
/* The pack's internals, shared by the parser, the compiler and the scanner. */
#ifndef LW_MATCHER_PACK_INTERNAL_H
#define LW_MATCHER_PACK_INTERNAL_H

#include <stddef.h>

#include "../util/sha256.h"
#include "matcher.h"

/* A growable list of strings, each with the line it came from. */
struct strv {
	char **v;
	int *lines;
	size_t n, cap;
};

struct pack_rule {
	struct matcher_rule pub;        /* pointers below are exported through it */
	char *id, *description, *source, *lang, *combine, *family;
	const char *file;               /* owned by the pack's file list */
	int line, combine_line;
	int has_category, has_weight;
	struct strv patterns, examples, counterexamples;
	struct strv words;              /* [words ID]: items as written */
};

struct matcher_pack {
	struct pack_rule *rules;
	size_t nrules, cap;
	size_t *index;                  /* rule ids, hashed (packindex.c) */
	size_t index_cap;
	char **files;
	size_t nfiles;
	char *name, *version, *description;
	double threshold;
	int has_threshold;
	double short_words;             /* [pack] short_text_words: 0 turns the factor off */
	double short_boost;             /* [pack] short_text_boost */
	double context_halving;         /* [pack] context_halving: 0 keeps context additive */
	int nadhoc;
	char hash[65];
	struct lw_sha256 *sha;          /* while loading */
	/* A warm start's parsed-pack cache file, mapped read-only for the pack's
	 * life: the strings of its rules point into it (packcache.c). */
	char *cache_bytes;
	size_t cache_len;
	/* and the arrays of its rules' string lists, in one allocation */
	char *cache_arrays;
	size_t cache_arrays_len;
};

/* Finds a rule by id; returns its index or -1. */
long pack_find(const struct matcher_pack *pack, const char *id);
/* Indexes rule i, just added, by its id. */
void pack_index_add(struct matcher_pack *pack, size_t i);

/* Splits "/re/flags" (or a bare regex) into a new expression string (caller
 * frees) and Hyperscan flags. Returns 0 or -1 with err set. */
int pack_parse_pattern(const char *text, char **expr, unsigned *flags,
		       struct lw_error *err);

/* Applies a weights file ("rule_id<TAB>weight" lines, # comments) to the
 * loaded rules and adds its bytes to the pack's hash (pack->sha must be
 * open). Returns 0 or -1 with err set to "file:line: reason". */
int pack_apply_weights(struct matcher_pack *pack, const char *path, struct lw_error *err);

/* Frees the rules and [pack] settings, leaving the files read and the
 * hash: a pack cache miss then parses into it afresh. */
void pack_forget_rules(struct matcher_pack *pack);

/* The parsed-pack cache (packcache.c), keyed by prehash (the hash of the
 * pack's files before the weights file) in dir. pack_cache_load fills an
 * empty pack whose files are read and returns 0 with *weights (caller frees,
 * NULL if none) the [pack] weights path; -1 on a miss, leaving whatever it
 * filled for pack_forget_rules, with damaged set ("cache file '...' is
 * damaged") when the file exists but does not read back. pack_cache_store returns 0 or -1 with err
 * (callers only warn). */
int pack_cache_load(struct matcher_pack *pack, char **weights, const char *prehash,
		    const char *dir, struct lw_error *damaged);
int pack_cache_store(const struct matcher_pack *pack, const char *weights, const char *prehash,
		     const char *dir, struct lw_error *err);

/* Whether s lies in the mapped cache file or the block of arrays beside
 * it (not to be freed alone), and the release of both once nothing points
 * into them. */
int pack_cache_owns(const struct matcher_pack *pack, const void *s);
void pack_cache_unmap(struct matcher_pack *pack);

/* Refreshes every rule's public view after the arrays stopped growing. */
void pack_publish(struct matcher_pack *pack);

#endif
