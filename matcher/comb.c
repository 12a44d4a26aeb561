/* SPDX-License-Identifier: MIT */
/* Combination expressions: parsed once to reverse Polish order, then written
 * out for Hyperscan and evaluated over a whole document. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../util/xmalloc.h"
#include "comb.h"
#include "pack_internal.h"

#define COMB_MAX_OPS 512 /* < COMB_MAX_DEPTH */

struct parser {
	const struct matcher_pack *pack;
	const char *p;
	struct comb *c;
	struct lw_error *err;
	int depth;
};

static void emit(struct parser *ps, enum comb_kind k, size_t rule, int negated)
{
	struct comb *c = ps->c;

	c->ops = xreallocarray(c->ops, c->n + 1, sizeof(*c->ops));
	c->ops[c->n].kind = k;
	c->ops[c->n].rule = rule;
	c->ops[c->n].negated = negated;
	c->n++;
}

static void skip(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static int parse_or(struct parser *ps, int negated);

/* primary := '!' primary | '(' or ')' | id */
static int parse_primary(struct parser *ps, int negated)
{
	char id[80];
	size_t n = 0;
	long idx;

	skip(ps);
	if (ps->c->n > COMB_MAX_OPS || ps->depth > 64)
		return lw_error_set(ps->err, "combination is too complex");
	if (*ps->p == '!') {
		ps->p++;
		if (parse_primary(ps, !negated) < 0)
			return -1;
		emit(ps, COMB_NOT, 0, 0);
		return 0;
	}
	if (*ps->p == '(') {
		ps->p++;
		ps->depth++;
		if (parse_or(ps, negated) < 0)
			return -1;
		ps->depth--;
		skip(ps);
		if (*ps->p != ')')
			return lw_error_set(ps->err, "missing ')' in combination");
		ps->p++;
		return 0;
	}
	while (isalnum((unsigned char)ps->p[n]) || ps->p[n] == '_')
		n++;
	if (n == 0)
		return lw_error_set(ps->err, "expected a rule id at '%.20s'", *ps->p ? ps->p : "end");
	if (n >= sizeof(id))
		return lw_error_set(ps->err, "id too long in combination");
	memcpy(id, ps->p, n);
	id[n] = '\0';
	ps->p += n;
	idx = pack_find(ps->pack, id);
	if (idx < 0)
		return lw_error_set(ps->err, "combination names unknown rule '%s'", id);
	if (ps->pack->rules[idx].combine)
		return lw_error_set(ps->err, "combination names '%s', itself a combination: name its terms instead",
				    id);
	emit(ps, COMB_ID, (size_t)idx, negated);
	return 0;
}

static int parse_and(struct parser *ps, int negated)
{
	if (parse_primary(ps, negated) < 0)
		return -1;
	for (;;) {
		skip(ps);
		if (*ps->p != '&')
			return 0;
		ps->p++;
		if (*ps->p == '&')
			ps->p++;
		if (parse_primary(ps, negated) < 0)
			return -1;
		emit(ps, COMB_AND, 0, 0);
	}
}

static int parse_or(struct parser *ps, int negated)
{
	if (parse_and(ps, negated) < 0)
		return -1;
	for (;;) {
		skip(ps);
		if (*ps->p != '|')
			return 0;
		ps->p++;
		if (*ps->p == '|')
			ps->p++;
		if (parse_and(ps, negated) < 0)
			return -1;
		emit(ps, COMB_OR, 0, 0);
	}
}

int comb_parse(const struct matcher_pack *pack, const char *expr, struct comb *c,
	       struct lw_error *err)
{
	struct parser ps = { pack, expr, c, err, 0 };
	unsigned char *none = NULL;
	int rc = -1;

	c->ops = NULL;
	c->n = 0;
	if (parse_or(&ps, 0) < 0)
		goto out;
	skip(&ps);
	if (*ps.p) {
		lw_error_set(err, "unexpected '%.20s' in combination", ps.p);
		goto out;
	}
	/* Hyperscan only evaluates a combination when one of its operands
	 * matches, so one that holds for an empty document would never fire. */
	none = xcalloc(pack->nrules ? pack->nrules : 1, 1);
	if (comb_eval(c, none)) {
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
	free(c->ops);
	c->ops = NULL;
	c->n = 0;
}

int comb_eval(const struct comb *c, const unsigned char *state)
{
	unsigned char stack[COMB_MAX_DEPTH];
	size_t sp = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct comb_op *op = &c->ops[i];

		switch (op->kind) {
		case COMB_ID:
			stack[sp++] = state[op->rule] != 0;
			break;
		case COMB_NOT:
			stack[sp - 1] = !stack[sp - 1];
			break;
		case COMB_AND:
			sp--;
			stack[sp - 1] = stack[sp - 1] && stack[sp];
			break;
		case COMB_OR:
			sp--;
			stack[sp - 1] = stack[sp - 1] || stack[sp];
			break;
		}
	}
	return sp == 1 && stack[0];
}

int comb_to_hs(const struct comb *c, const unsigned *first_id, const size_t *npat,
	       struct lw_buf *out)
{
	/* Rebuild infix from RPN with a stack of strings. */
	char **st = xcalloc(c->n + 1, sizeof(*st));
	size_t sp = 0;
	int rc = -1;

	for (size_t i = 0; i < c->n; i++) {
		const struct comb_op *op = &c->ops[i];
		struct lw_buf b;

		lw_buf_init(&b, 1u << 20);
		if (op->kind == COMB_ID) {
			lw_buf_addc(&b, '(');
			for (size_t k = 0; k < npat[op->rule]; k++)
				lw_buf_printf(&b, "%s%u", k ? " | " : "", first_id[op->rule] + (unsigned)k);
			lw_buf_addc(&b, ')');
		} else if (op->kind == COMB_NOT) {
			lw_buf_printf(&b, "!%s", st[sp - 1]);
			free(st[--sp]);
		} else {
			lw_buf_printf(&b, "(%s %c %s)", st[sp - 2], op->kind == COMB_AND ? '&' : '|',
				      st[sp - 1]);
			free(st[--sp]);
			free(st[--sp]);
		}
		if (!b.data) {
			lw_buf_release(&b);
			goto out;
		}
		st[sp++] = lw_buf_detach(&b, NULL);
	}
	if (sp == 1 && lw_buf_adds(out, st[0]) == 0)
		rc = 0;
out:
	while (sp)
		free(st[--sp]);
	free(st);
	return rc;
}
