/* SPDX-License-Identifier: MIT */
/* Combination expressions over rule, term and word-list ids: boolean
 * operators ("a & !b | (c & d)") and proximity operators ("pay NEAR/5
 * withheld", "fee BEFORE/3 visa", "a SENT b", "a PARA b", "a NOT NEAR/8
 * never"), parsed once into a tree and evaluated after a document's scan. */
#ifndef LW_MATCHER_COMB_H
#define LW_MATCHER_COMB_H

#include <stddef.h>
#include <stdint.h>

#include "../util/error.h"

/* Most nodes an expression may hold. */
#define COMB_MAX_NODES 512
/* Most operands struct comb keeps as necessary for its bound. */
#define COMB_MUST_MAX 4
/* Largest n in NEAR/n and BEFORE/n. */
#define COMB_MAX_DISTANCE 1000

struct matcher_pack;

enum comb_kind {
	COMB_ID,        /* an operand: rule, term or word list */
	COMB_NOT,       /* !a */
	COMB_AND,       /* a & b */
	COMB_OR,        /* a | b */
	COMB_NEAR,      /* a NEAR/n b: within n words, either order */
	COMB_BEFORE,    /* a BEFORE/n b: a ends, then b starts within n words */
	COMB_SENT,      /* a SENT b: in one sentence */
	COMB_PARA       /* a PARA b: in one paragraph */
};

struct comb_node {
	enum comb_kind kind;
	int negated;            /* proximity: NOT NEAR, NOT BEFORE, NOT SENT, NOT PARA */
	unsigned dist;          /* NEAR/BEFORE: n */
	size_t rule;            /* COMB_ID: index in the pack */
	int a, b;               /* children (b unused for NOT and ID), -1 none */
};

struct comb {
	struct comb_node *nodes;
	size_t n;
	int root;               /* -1 when empty */
	/* comb_eval_bool's program: the tree in postfix order, one word a
	 * node (COMB_PROG_* in the low bits, an operand's rule above them),
	 * in one array instead of a walk over nodes; NULL when the tree has
	 * no program and is walked instead. */
	uint32_t *prog;
	size_t nprog;
	/* Operands that must all have matched for the bound to hold (some of
	 * them, at most COMB_MUST_MAX): most evaluations fail, and fail here. */
	uint32_t must[COMB_MUST_MAX];
	unsigned nmust;
};

/* Parses expr, resolving ids in pack. Operands are pattern rules, terms or
 * word lists, never other combinations. Proximity operators bind tighter
 * than '&', which binds tighter than '|'; their operands are ids, '|'
 * groups of them, or other proximity expressions, never '!' or '&'. Fills
 * c (release with comb_release) or returns -1 with err set. */
int comb_parse(const struct matcher_pack *pack, const char *expr, struct comb *c,
	       struct lw_error *err);
void comb_release(struct comb *c);

/* Evaluates c as if every proximity operator held whenever both operands
 * matched, with state[rule] != 0 meaning "rule matched somewhere": an upper
 * bound of the real value, used to reject combinations that hold on an
 * empty document and to skip ones that cannot hold. Returns 1 or 0. */
int comb_eval_bool(const struct comb *c, const unsigned char *state);

/* comb_eval_bool by a walk over the tree, which the program replaces: for
 * tests, which hold the two to the same answers. */
int comb_eval_bool_tree(const struct comb *c, const unsigned char *state);

/* The operator's name as written ("NEAR/5", "NOT SENT"). */
void comb_op_name(const struct comb_node *node, char *buf, size_t cap);

#endif
