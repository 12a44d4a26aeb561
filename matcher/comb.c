/* SPDX-License-Identifier: MIT */
/* Combination expressions: parsed once into a tree by recursive descent.
 * Evaluation over a document's matches lives in prox.c. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/xmalloc.h"
#include "comb.h"
#include "pack_internal.h"

#define COMB_MAX_DEPTH 64

struct parser {
	const struct matcher_pack *pack;
	const char *expr;
	const char *p;
	struct comb *c;
	struct lw_error *err;
	int depth;
};

static int node(struct parser *ps, enum comb_kind k, int a, int b)
{
	struct comb *c = ps->c;

	if (c->n >= COMB_MAX_NODES)
		return lw_error_set(ps->err, "combination is too complex (more than %d operands and operators)",
				    COMB_MAX_NODES);
	c->nodes = xreallocarray(c->nodes, c->n + 1, sizeof(*c->nodes));
	memset(&c->nodes[c->n], 0, sizeof(c->nodes[c->n]));
	c->nodes[c->n].kind = k;
	c->nodes[c->n].a = a;
	c->nodes[c->n].b = b;
	return (int)c->n++;
}

static void skip(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

/* Where the parser stands, for messages: "at column 12 ('NEAR/x b')". */
static int fail_at(struct parser *ps, const char *what)
{
	return lw_error_set(ps->err, "%s at column %d ('%.20s')", what, (int)(ps->p - ps->expr) + 1,
			    *ps->p ? ps->p : "end of expression");
}

/* Reads a keyword if the input has it as a whole word. */
static int keyword(struct parser *ps, const char *kw)
{
	size_t n = strlen(kw);

	if (strncmp(ps->p, kw, n) != 0)
		return 0;
	if (isalnum((unsigned char)ps->p[n]) || ps->p[n] == '_')
		return 0;
	ps->p += n;
	return 1;
}

/* "/n" after NEAR, BEFORE, W or PRE. */
static int distance(struct parser *ps, unsigned *out)
{
	char *end;
	long v;

	if (*ps->p != '/')
		return fail_at(ps, "expected '/n' (a number of words)");
	ps->p++;
	if (!isdigit((unsigned char)*ps->p))
		return fail_at(ps, "expected a number of words after '/'");
	v = strtol(ps->p, &end, 10);
	if (v < 1 || v > COMB_MAX_DISTANCE) {
		lw_error_set(ps->err, "distance %ld out of range: from 1 to %d words", v,
			     COMB_MAX_DISTANCE);
		return -1;
	}
	ps->p = end;
	*out = (unsigned)v;
	return 0;
}

/* A proximity operator at the cursor, if any: returns 1 and fills kind,
 * negated and dist; 0 when none; -1 on a malformed one. Lexis and
 * Westlaw spellings are accepted beside ours (w/5, pre/5, /s, /p). */
static int prox_op(struct parser *ps, enum comb_kind *kind, int *negated, unsigned *dist)
{
	const char *save = ps->p;

	*negated = 0;
	*dist = 0;
	if (keyword(ps, "NOT")) {
		skip(ps);
		*negated = 1;
	}
	if (keyword(ps, "SENT") || (ps->p[0] == '/' && (ps->p[1] == 's' || ps->p[1] == 'S') &&
				    !isalnum((unsigned char)ps->p[2]) && (ps->p += 2))) {
		*kind = COMB_SENT;
		return 1;
	}
	if (keyword(ps, "PARA") || (ps->p[0] == '/' && (ps->p[1] == 'p' || ps->p[1] == 'P') &&
				    !isalnum((unsigned char)ps->p[2]) && (ps->p += 2))) {
		*kind = COMB_PARA;
		return 1;
	}
	if (!strncmp(ps->p, "NEAR", 4) || !strncmp(ps->p, "BEFORE", 6) ||
	    ((ps->p[0] == 'w' || ps->p[0] == 'W') && ps->p[1] == '/') ||
	    (!strncasecmp(ps->p, "pre/", 4))) {
		*kind = (ps->p[0] == 'B' || ps->p[0] == 'p' || ps->p[0] == 'P') ? COMB_BEFORE : COMB_NEAR;
		ps->p += ps->p[0] == 'N' ? 4 : ps->p[0] == 'B' ? 6 : (ps->p[1] == '/' ? 1 : 3);
		return distance(ps, dist) < 0 ? -1 : 1;
	}
	if (*negated) {
		ps->p = save;
		return fail_at(ps, "NOT must be followed by NEAR/n, BEFORE/n, SENT or PARA (use '!' for a negation)");
	}
	return 0;
}

static int parse_or(struct parser *ps);

/* An operand of a proximity operator must have word positions: '!' and '&'
 * have none. */
static int check_span_operand(struct parser *ps, int i)
{
	const struct comb_node *x = &ps->c->nodes[i];

	if (x->kind == COMB_NOT)
		return lw_error_set(ps->err, "a negation ('!') cannot be an operand of a proximity operator: "
					     "write 'a NOT NEAR/n b' instead");
	if (x->kind == COMB_AND)
		return lw_error_set(ps->err, "'&' cannot be an operand of a proximity operator: "
					     "use NEAR, SENT or PARA between the parts");
	if (x->kind == COMB_OR)
		return check_span_operand(ps, x->a) < 0 ? -1 : check_span_operand(ps, x->b);
	return 0;
}

/* primary := '!' primary | '(' or ')' | id */
static int parse_primary(struct parser *ps)
{
	char id[80];
	size_t n = 0;
	long idx;
	int a;

	skip(ps);
	if (ps->depth > COMB_MAX_DEPTH)
		return lw_error_set(ps->err, "combination is nested too deeply");
	if (*ps->p == '!') {
		ps->p++;
		ps->depth++;
		a = parse_primary(ps);
		ps->depth--;
		return a < 0 ? -1 : node(ps, COMB_NOT, a, -1);
	}
	if (*ps->p == '(') {
		ps->p++;
		ps->depth++;
		a = parse_or(ps);
		ps->depth--;
		if (a < 0)
			return -1;
		skip(ps);
		if (*ps->p != ')')
			return fail_at(ps, "missing ')'");
		ps->p++;
		return a;
	}
	while (isalnum((unsigned char)ps->p[n]) || ps->p[n] == '_')
		n++;
	if (n == 0)
		return fail_at(ps, "expected a rule, term or word-list id");
	if (n >= sizeof(id))
		return fail_at(ps, "id too long");
	memcpy(id, ps->p, n);
	id[n] = '\0';
	idx = pack_find(ps->pack, id);
	if (idx < 0)
		return lw_error_set(ps->err, "unknown rule '%s' (no rule, term or word list has that id) at column %d",
				    id, (int)(ps->p - ps->expr) + 1);
	if (ps->pack->rules[idx].combine)
		return lw_error_set(ps->err, "combination names '%s', itself a combination: name its terms instead",
				    id);
	ps->p += n;
	a = node(ps, COMB_ID, -1, -1);
	if (a >= 0)
		ps->c->nodes[a].rule = (size_t)idx;
	return a;
}

/* prox := primary (proxop primary)*, left to right */
static int parse_prox(struct parser *ps)
{
	int a = parse_primary(ps), b, r, neg = 0;
	enum comb_kind kind = COMB_NEAR;
	unsigned dist;

	while (a >= 0) {
		skip(ps);
		r = prox_op(ps, &kind, &neg, &dist);
		if (r <= 0)
			return r < 0 ? -1 : a;
		b = parse_primary(ps);
		if (b < 0 || check_span_operand(ps, a) < 0 || check_span_operand(ps, b) < 0)
			return -1;
		a = node(ps, kind, a, b);
		if (a >= 0) {
			ps->c->nodes[a].negated = neg;
			ps->c->nodes[a].dist = dist;
		}
	}
	return a;
}

static int parse_and(struct parser *ps)
{
	int a = parse_prox(ps), b;

	while (a >= 0) {
		skip(ps);
		if (*ps->p != '&')
			return a;
		ps->p += ps->p[1] == '&' ? 2 : 1;
		b = parse_prox(ps);
		a = b < 0 ? -1 : node(ps, COMB_AND, a, b);
	}
	return a;
}

static int parse_or(struct parser *ps)
{
	int a = parse_and(ps), b;

	while (a >= 0) {
		skip(ps);
		if (*ps->p != '|')
			return a;
		ps->p += ps->p[1] == '|' ? 2 : 1;
		b = parse_and(ps);
		a = b < 0 ? -1 : node(ps, COMB_OR, a, b);
	}
	return a;
}

static void compile_prog(struct comb *c);

int comb_parse(const struct matcher_pack *pack, const char *expr, struct comb *c,
	       struct lw_error *err)
{
	struct parser ps = { pack, expr, expr, c, err, 0 };
	unsigned char *none = NULL;
	int rc = -1;

	c->nodes = NULL;
	c->n = 0;
	c->prog = NULL;
	c->nprog = 0;
	c->nmust = 0;
	c->root = parse_or(&ps);
	if (c->root < 0)
		goto out;
	skip(&ps);
	if (*ps.p) {
		fail_at(&ps, "unexpected text (an operator is missing?)");
		goto out;
	}
	compile_prog(c);
	/* A combination is only evaluated when one of its operands matched, so
	 * one that holds for an empty document would never fire. */
	none = xcalloc(pack->nrules ? pack->nrules : 1, 1);
	if (comb_eval_bool(c, none)) {
		lw_error_set(err, "combination is true when nothing matches: it needs a positive operand");
		goto out;
	}
	rc = 0;
out:
	free(none);
	if (rc < 0)
		comb_release(c);
	return rc;
}

void comb_release(struct comb *c)
{
	free(c->nodes);
	c->nodes = NULL;
	c->n = 0;
	free(c->prog);
	c->prog = NULL;
	c->nprog = 0;
	c->nmust = 0;
	c->root = -1;
}

static int eval_bool(const struct comb *c, int i, const unsigned char *state)
{
	const struct comb_node *x = &c->nodes[i];

	switch (x->kind) {
	case COMB_ID:
		return state[x->rule] != 0;
	case COMB_NOT:
		return !eval_bool(c, x->a, state);
	case COMB_AND:
		return eval_bool(c, x->a, state) && eval_bool(c, x->b, state);
	case COMB_OR:
		return eval_bool(c, x->a, state) || eval_bool(c, x->b, state);
	default:
		/* NOT NEAR may hold whenever a matched; NEAR needs both. */
		if (x->negated)
			return eval_bool(c, x->a, state);
		return eval_bool(c, x->a, state) && eval_bool(c, x->b, state);
	}
}

int comb_eval_bool_tree(const struct comb *c, const unsigned char *state)
{
	return c->root >= 0 && eval_bool(c, c->root, state);
}

/* ---- the compiled form ------------------------------------------------------- */

/* A scan evaluates a few combinations per document and each walk chased
 * node indexes through a tree of its own allocation, a cache miss and a
 * call a node. The program evaluates every node once, short-circuiting
 * nothing: eval_bool has no side effects, so only its answer counts. */
enum { COMB_PROG_ID, COMB_PROG_NOT, COMB_PROG_AND, COMB_PROG_OR, COMB_PROG_FIRST };
#define COMB_PROG_SHIFT 3
#define COMB_PROG_OP(w) ((w) & ((1u << COMB_PROG_SHIFT) - 1))

static int emit(const struct comb *c, int i, uint32_t *prog, size_t *n)
{
	const struct comb_node *x = &c->nodes[i];

	if (x->kind == COMB_ID) {
		if (x->rule > UINT32_MAX >> COMB_PROG_SHIFT)
			return -1;
		prog[(*n)++] = (uint32_t)x->rule << COMB_PROG_SHIFT | COMB_PROG_ID;
		return 0;
	}
	if (emit(c, x->a, prog, n) < 0)
		return -1;
	if (x->kind == COMB_NOT) {
		prog[(*n)++] = COMB_PROG_NOT;
		return 0;
	}
	if (emit(c, x->b, prog, n) < 0)
		return -1;
	/* a negated proximity operator is its left operand (eval_bool) */
	prog[(*n)++] = x->kind == COMB_OR ? COMB_PROG_OR :
		       x->kind != COMB_AND && x->negated ? COMB_PROG_FIRST : COMB_PROG_AND;
	return 0;
}

struct must {
	uint32_t id[COMB_MUST_MAX];
	unsigned n;
};

static int must_has(const struct must *m, uint32_t id)
{
	for (unsigned k = 0; k < m->n; k++)
		if (m->id[k] == id)
			return 1;
	return 0;
}

/* Into *out, operands that node i cannot hold without: its own for an
 * operand, both sides' for '&' and a proximity operator, those both sides
 * of '|' share, the left side's for a negated proximity operator (it is
 * its left operand), none for '!'. Any subset of such a set is one too,
 * so sets are cut at COMB_MUST_MAX. */
static void must_of(const struct comb *c, int i, struct must *out)
{
	const struct comb_node *x = &c->nodes[i];
	struct must a = { { 0 }, 0 }, b = { { 0 }, 0 };

	out->n = 0;
	switch (x->kind) {
	case COMB_ID:
		if (x->rule <= UINT32_MAX)
			out->id[out->n++] = (uint32_t)x->rule;
		return;
	case COMB_NOT:
		return;
	case COMB_OR:
		must_of(c, x->a, &a);
		must_of(c, x->b, &b);
		for (unsigned k = 0; k < a.n; k++)
			if (must_has(&b, a.id[k]))
				out->id[out->n++] = a.id[k];
		return;
	default:
		must_of(c, x->a, out);
		if (x->kind != COMB_AND && x->negated)
			return;
		must_of(c, x->b, &b);
		for (unsigned k = 0; k < b.n && out->n < COMB_MUST_MAX; k++)
			if (!must_has(out, b.id[k]))
				out->id[out->n++] = b.id[k];
		return;
	}
}

/* Fills c->prog from the tree; leaves it NULL (the tree is walked) when a
 * rule index does not fit the program's word. */
static void compile_prog(struct comb *c)
{
	struct must m = { { 0 }, 0 };
	size_t n = 0;

	if (c->root < 0 || c->n == 0)
		return;
	must_of(c, c->root, &m);
	memcpy(c->must, m.id, sizeof(c->must));
	c->nmust = m.n;
	c->prog = xreallocarray(NULL, c->n, sizeof(*c->prog));
	if (emit(c, c->root, c->prog, &n) < 0) {
		free(c->prog);
		c->prog = NULL;
		return;
	}
	c->nprog = n;
}

int comb_eval_bool(const struct comb *c, const unsigned char *state)
{
	/* a postfix program of at most COMB_MAX_NODES words stacks no deeper */
	unsigned char st[COMB_MAX_NODES];
	size_t sp = 0;

	if (!c->prog)
		return comb_eval_bool_tree(c, state);
	for (unsigned k = 0; k < c->nmust; k++)
		if (!state[c->must[k]])
			return 0;
	for (size_t k = 0; k < c->nprog; k++) {
		uint32_t w = c->prog[k];

		switch (COMB_PROG_OP(w)) {
		case COMB_PROG_ID:
			st[sp++] = state[w >> COMB_PROG_SHIFT] != 0;
			break;
		case COMB_PROG_NOT:
			st[sp - 1] ^= 1;
			break;
		case COMB_PROG_AND:
			sp--;
			st[sp - 1] &= st[sp];
			break;
		case COMB_PROG_OR:
			sp--;
			st[sp - 1] |= st[sp];
			break;
		default:
			sp--;
			break;
		}
	}
	return st[0];
}

void comb_op_name(const struct comb_node *x, char *buf, size_t cap)
{
	const char *name = x->kind == COMB_NEAR ? "NEAR" : x->kind == COMB_BEFORE ? "BEFORE" :
			   x->kind == COMB_SENT ? "SENT" : x->kind == COMB_PARA ? "PARA" :
			   x->kind == COMB_AND ? "&" : x->kind == COMB_OR ? "|" : "!";

	if (x->kind == COMB_NEAR || x->kind == COMB_BEFORE)
		snprintf(buf, cap, "%s%s/%u", x->negated ? "NOT " : "", name, x->dist);
	else
		snprintf(buf, cap, "%s%s", x->negated ? "NOT " : "", name);
}
