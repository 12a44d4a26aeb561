/* SPDX-License-Identifier: MIT */
/* Combination expressions ("a & !b | (c & d)") over rule and term ids. */
#ifndef LW_MATCHER_COMB_H
#define LW_MATCHER_COMB_H

#include <stddef.h>

/* Most operators an expression may hold, and so its deepest stack. */
#define COMB_MAX_DEPTH 600

#include "../util/buf.h"
#include "../util/error.h"

struct matcher_pack;

enum comb_kind { COMB_ID, COMB_NOT, COMB_AND, COMB_OR };

struct comb_op {
	enum comb_kind kind;
	size_t rule;            /* COMB_ID: index in the pack */
	int negated;            /* COMB_ID: under an odd number of '!' */
};

/* The expression in reverse Polish order. */
struct comb {
	struct comb_op *ops;
	size_t n;
};

/* Parses expr, resolving ids in pack. Operands must be pattern rules or
 * terms, not other combinations. Fills c (release with comb_release) or
 * returns -1 with err set. */
int comb_parse(const struct matcher_pack *pack, const char *expr, struct comb *c,
	       struct lw_error *err);
void comb_release(struct comb *c);

/* Evaluates c with state[rule] != 0 meaning "rule matched anywhere in the
 * document". Returns 1 or 0. */
int comb_eval(const struct comb *c, const unsigned char *state);

/* Writes c as a Hyperscan combination expression, each operand replaced by
 * "(id1 | id2 ...)" of its patterns' Hyperscan ids: first_id[rule] is the id
 * of the rule's first pattern and npat[rule] their count. Returns 0 or -1. */
int comb_to_hs(const struct comb *c, const unsigned *first_id, const size_t *npat,
	       struct lw_buf *out);

#endif
