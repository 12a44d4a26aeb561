/* SPDX-License-Identifier: MIT */
/* Combinations evaluated over a scanned document: boolean operators over
 * "matched anywhere", proximity operators over the words each match
 * covers. Every match of an operand becomes a span of words; NEAR/n,
 * BEFORE/n, SENT and PARA pair spans, and the pairs that hold are the
 * evidence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/xmalloc.h"
#include "scan_internal.h"

/* Bounds that keep one document's evaluation near linear in its matches
 * and independent of where in the document they lie: the pairs a
 * proximity operator makes for each span of its left operand (beyond
 * them, one more: see pairs_within()), the right operand's spans it looks
 * at for each, and spans in all (44 bytes each). There used to be a cap on
 * the spans taken per operand (1,024) and per operator (64), each spent
 * from the document's start: an ad padded with enough amounts or "we pay
 * $20" lines before its lure had used them up before the lure came. */
#define PROX_PER_SPAN 8
#define PROX_CHECKS 256
#define SPANS_MAX (1u << 19)

struct set {
	int truth;
	size_t first, n;        /* spans in s->spans */
};

/* x may point into s->spans (join copies spans there), which growing moves:
 * it is copied first. */
static size_t add_span(struct matcher_scanner *s, const struct prox_span *x)
{
	struct prox_span v = *x;

	if (s->nspans >= SPANS_MAX)
		return 0;
	if (s->nspans == s->spans_cap) {
		s->spans_cap = s->spans_cap ? s->spans_cap * 2 : 256;
		s->spans = xreallocarray(s->spans, s->spans_cap, sizeof(*s->spans));
	}
	s->spans[s->nspans++] = v;
	return 1;
}

/* The span of raw match i: its words, sentences and paragraphs, found by
 * binary search once and kept, since one match often serves several
 * combinations. */
static void leaf_span(struct matcher_scanner *s, size_t i, struct prox_span *x)
{
	const struct lw_text *t = &s->norm;
	struct raw_match *r = &s->raw[i];

	if (r->w0 == RAW_NONE) {
		uint32_t a = raw_start(s, i), b = raw_end(s, i);
		size_t w0 = text_word_at(t, a), w1 = text_word_before(t, b);

		if (t->nwords == 0) {
			w0 = w1 = 0;
		} else {
			if (w0 >= t->nwords)
				w0 = t->nwords - 1;
			if (w1 == (size_t)-1 || w1 < w0)
				w1 = w0;
		}
		r->w0 = (uint32_t)w0;
		r->w1 = (uint32_t)w1;
		r->s0 = (uint32_t)(t->nsents ? text_sentence_of(t, w0) : 0);
		r->s1 = w1 == w0 ? r->s0 : (uint32_t)(t->nsents ? text_sentence_of(t, w1) : 0);
		r->p0 = (uint32_t)(t->nparas ? text_paragraph_of(t, w0) : 0);
		r->p1 = w1 == w0 ? r->p0 : (uint32_t)(t->nparas ? text_paragraph_of(t, w1) : 0);
	}
	x->w0 = r->w0;
	x->w1 = r->w1;
	x->s0 = r->s0;
	x->s1 = r->s1;
	x->p0 = r->p0;
	x->p1 = r->p1;
	x->leaf[0] = (uint32_t)i;
	x->nleaf = 1;
}

static unsigned gap(const struct prox_span *x, const struct prox_span *y)
{
	if (y->w0 > x->w1)
		return y->w0 - x->w1;
	if (x->w0 > y->w1)
		return x->w0 - y->w1;
	return 0;
}

static int holds(const struct comb_node *op, const struct prox_span *x, const struct prox_span *y)
{
	switch (op->kind) {
	case COMB_NEAR:
		return gap(x, y) <= op->dist;
	case COMB_BEFORE:
		return y->w0 > x->w1 && y->w0 - x->w1 <= op->dist;
	case COMB_SENT:
		return x->s0 <= y->s1 && y->s0 <= x->s1;
	case COMB_PARA:
		return x->p0 <= y->p1 && y->p0 <= x->p1;
	default:
		return 0;
	}
}

static void merge(struct prox_span *out, const struct prox_span *x, const struct prox_span *y)
{
	*out = *x;
	out->w0 = x->w0 < y->w0 ? x->w0 : y->w0;
	out->w1 = x->w1 > y->w1 ? x->w1 : y->w1;
	out->s0 = x->s0 < y->s0 ? x->s0 : y->s0;
	out->s1 = x->s1 > y->s1 ? x->s1 : y->s1;
	out->p0 = x->p0 < y->p0 ? x->p0 : y->p0;
	out->p1 = x->p1 > y->p1 ? x->p1 : y->p1;
	for (unsigned k = 0; k < y->nleaf && out->nleaf < PROX_LEAVES; k++)
		out->leaf[out->nleaf++] = y->leaf[k];
}

/* The explanations are built for every combination that holds, so they
 * are appended piece by piece: formatting them with printf cost 40% of
 * settling the combinations. The buffer's cap (4096) is never reached,
 * since explain stops past 1024 bytes and adds under 200, so the pieces
 * cannot be cut where one printf would have been refused whole. */
static void add_uint(struct lw_buf *why, unsigned v)
{
	char d[16];
	size_t n = 0;

	do
		d[sizeof(d) - ++n] = (char)('0' + v % 10);
	while (v /= 10);
	lw_buf_add(why, d + sizeof(d) - n, n);
}

/* comb_op_name's text: "NEAR/5", "NOT SENT". */
static void add_op_name(struct lw_buf *why, const struct comb_node *op)
{
	if (op->negated)
		lw_buf_add(why, "NOT ", 4);
	lw_buf_adds(why, op->kind == COMB_NEAR ? "NEAR" : op->kind == COMB_BEFORE ? "BEFORE" :
			 op->kind == COMB_SENT ? "SENT" : op->kind == COMB_PARA ? "PARA" :
			 op->kind == COMB_AND ? "&" : op->kind == COMB_OR ? "|" : "!");
	if (op->kind == COMB_NEAR || op->kind == COMB_BEFORE) {
		lw_buf_addc(why, '/');
		add_uint(why, op->dist);
	}
}

/* The words of raw match i as they read in the normalised text, quoted
 * (at most 40 bytes, and as "%.*s" would, none from a NUL on). */
static void quote_leaf(struct matcher_scanner *s, struct lw_buf *why, uint32_t i)
{
	uint32_t a = raw_start(s, i), b = raw_end(s, i);
	size_t n = b - a > 40 ? 40 : b - a;

	lw_buf_addc(why, '\'');
	lw_buf_add(why, s->norm.buf + a, strnlen(s->norm.buf + a, n));
	if (b - a > 40)
		lw_buf_add(why, "...", 3);
	lw_buf_addc(why, '\'');
}

/* Says, once per operator, which words satisfied it. */
static void explain(struct matcher_scanner *s, struct lw_buf *why, const struct comb_node *op,
		    const struct prox_span *x, const struct prox_span *y)
{
	unsigned g;

	if (!why || why->len > 1024)
		return;
	if (why->len)
		lw_buf_add(why, "; ", 2);
	quote_leaf(s, why, x->leaf[0]);
	lw_buf_addc(why, ' ');
	add_op_name(why, op);
	if (op->negated) {
		lw_buf_adds(why, op->kind == COMB_SENT ? ": nothing of the other side in its sentence" :
				 op->kind == COMB_PARA ? ": nothing of the other side in its paragraph" :
				 ": nothing of the other side close enough");
		return;
	}
	lw_buf_addc(why, ' ');
	quote_leaf(s, why, y->leaf[0]);
	if (op->kind == COMB_SENT) {
		lw_buf_adds(why, ": same sentence");
	} else if (op->kind == COMB_PARA) {
		lw_buf_adds(why, ": same paragraph");
	} else {
		g = gap(x, y);
		lw_buf_add(why, ": ", 2);
		add_uint(why, g);
		lw_buf_adds(why, g == 1 ? " word apart" : " words apart");
	}
}

static struct set eval(struct matcher_scanner *s, const struct comb *c, int i, struct lw_buf *why);

static struct set eval_id(struct matcher_scanner *s, size_t rule)
{
	struct set r = { s->fired[rule], s->nspans, 0 };
	struct prox_span x;

	if (!r.truth)
		return r;
	for (uint32_t k = s->head[rule]; k != RAW_NONE; k = s->raw[k].next) {
		leaf_span(s, k, &x);
		r.n += add_span(s, &x);
	}
	return r;
}

/* Copies two sets' spans into one (a | b, or the evidence of a & b). */
static struct set join(struct matcher_scanner *s, struct set a, struct set b, int truth)
{
	struct set r = { truth, s->nspans, 0 };

	if (!truth)
		return r;
	for (size_t k = 0; k < a.n && a.truth; k++)
		r.n += add_span(s, &s->spans[a.first + k]);
	for (size_t k = 0; k < b.n && b.truth; k++)
		r.n += add_span(s, &s->spans[b.first + k]);
	return r;
}

/* The word, sentence or paragraph positions that op compares: y pairs
 * with x under NEAR/d, SENT or PARA when lo(y) <= hi(x) + d and
 * hi(y) + d >= lo(x), d being 0 for SENT and PARA. */
static uint32_t lo_key(const struct comb_node *op, const struct prox_span *x)
{
	return op->kind == COMB_SENT ? x->s0 : op->kind == COMB_PARA ? x->p0 : x->w0;
}

static uint32_t hi_key(const struct comb_node *op, const struct prox_span *x)
{
	return op->kind == COMB_SENT ? x->s1 : op->kind == COMB_PARA ? x->p1 : x->w1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Orders b's spans by first word, ties in b's order, into s->ord (the
 * position in b in the low 32 bits), and for NEAR, SENT and PARA keeps in
 * s->pmax[k] the furthest hi_key among ord[0 .. k] and in s->pidx[k] where
 * it is. A span's sentence and paragraph are those of its first and last
 * words, so lo_key rises along ord for every operator, and the spans that
 * may pair with x are a stretch of ord found by binary search: settling a
 * combination costs n log n, not the n * m of trying every pair. */
static void order_operand(struct matcher_scanner *s, struct set b, const struct comb_node *op)
{
	const struct prox_span *sp = s->spans + b.first;
	int sorted = 1;

	if (b.n > s->ord_cap) {
		s->ord_cap = b.n + b.n / 2;
		s->ord = xreallocarray(s->ord, s->ord_cap, sizeof(*s->ord));
		s->pmax = xreallocarray(s->pmax, s->ord_cap, sizeof(*s->pmax));
		s->pidx = xreallocarray(s->pidx, s->ord_cap, sizeof(*s->pidx));
	}
	for (size_t k = 0; k < b.n; k++) {
		s->ord[k] = (uint64_t)sp[k].w0 << 32 | k;
		if (k && s->ord[k] < s->ord[k - 1])
			sorted = 0;
	}
	if (!sorted)
		qsort(s->ord, b.n, sizeof(*s->ord), cmp_u64);
	if (op->kind == COMB_BEFORE)
		return;
	for (size_t k = 0; k < b.n; k++) {
		uint32_t v = hi_key(op, &sp[(uint32_t)s->ord[k]]);

		if (k == 0 || v > s->pmax[k - 1]) {
			s->pmax[k] = v;
			s->pidx[k] = (uint32_t)k;
		} else {
			s->pmax[k] = s->pmax[k - 1];
			s->pidx[k] = s->pidx[k - 1];
		}
	}
}

#define ORD(k) ((uint32_t)s->ord[k])

/* The first max spans of b (positions in b) that start within op->dist
 * words after x ends: BEFORE/n. */
static size_t pairs_before(struct matcher_scanner *s, const struct comb_node *op, struct set b,
			   const struct prox_span *x, uint32_t *out, size_t max)
{
	const struct prox_span *sp = s->spans + b.first;
	uint64_t to = (uint64_t)x->w1 + op->dist;
	size_t lo = 0, hi = b.n, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sp[ORD(mid)].w0 <= x->w1)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo; k < b.n && n < max && sp[ORD(k)].w0 <= to; k++)
		out[n++] = ORD(k);
	return n;
}

/* The same for NEAR/n, SENT and PARA: the first max by first word, looking
 * at PROX_CHECKS at most, and when that leaves some out, also the one
 * reaching furthest, with which any enclosing NEAR, SENT or PARA pairs
 * whenever it pairs with one of those left out on that side. */
static size_t pairs_within(struct matcher_scanner *s, const struct comb_node *op, struct set b,
			   const struct prox_span *x, uint32_t *out, size_t max)
{
	const struct prox_span *sp = s->spans + b.first;
	uint32_t d = op->kind == COMB_NEAR ? op->dist : 0, xlo = lo_key(op, x);
	uint32_t lim_lo = xlo > d ? xlo - d : 0;
	uint64_t lim_hi = (uint64_t)hi_key(op, x) + d;
	size_t lo = 0, hi = b.n, n = 0, k, end, checks = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (lo_key(op, &sp[ORD(mid)]) <= lim_hi)
			lo = mid + 1;
		else
			hi = mid;
	}
	end = lo;
	if (!end || s->pmax[end - 1] < lim_lo)
		return 0;
	lo = 0;
	hi = end;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->pmax[mid] < lim_lo)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (k = lo; k < end && n < max && checks < PROX_CHECKS; k++, checks++)
		if (hi_key(op, &sp[ORD(k)]) >= lim_lo)
			out[n++] = ORD(k);
	if (k < end) {
		uint32_t far = ORD(s->pidx[end - 1]);
		size_t j = 0;

		while (j < n && out[j] != far)
			j++;
		if (j == n)
			out[n++] = far;
	}
	return n;
}

/* The spans of b (positions in b) that x pairs with under op, in b's
 * order, as the pairs were made when every pair was tried. out has room
 * for max + 1. b was ordered by order_operand. */
static size_t pairs(struct matcher_scanner *s, const struct comb_node *op, struct set b,
		    const struct prox_span *x, uint32_t *out, size_t max)
{
	size_t n = op->kind == COMB_BEFORE ? pairs_before(s, op, b, x, out, max)
					   : pairs_within(s, op, b, x, out, max);

	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
			uint32_t t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

#undef ORD

static struct set eval_prox(struct matcher_scanner *s, const struct comb_node *op, struct set a,
			    struct set b, struct lw_buf *why)
{
	struct set r = { 0, s->nspans, 0 };
	int have_b = b.truth && b.n > 0;

	/* A right side of no more spans than a left span may pair with is
	 * tried whole, as all were before: no order, no search. */
	int small = b.n <= PROX_PER_SPAN;

	if (!a.truth)
		return r;
	if (have_b && !small)
		order_operand(s, b, op);
	for (size_t i = 0; i < a.n; i++) {
		/* Copies: add_span may move s->spans. */
		struct prox_span x = s->spans[a.first + i], y, m;
		uint32_t found[PROX_PER_SPAN + 1];
		size_t n = 0;

		if (have_b && small) {
			for (size_t j = 0; j < b.n && !(op->negated && n); j++)
				if (holds(op, &x, &s->spans[b.first + j]))
					found[n++] = (uint32_t)j;
		} else if (have_b) {
			n = pairs(s, op, b, &x, found, op->negated ? 1 : PROX_PER_SPAN);
		}

		if (op->negated) {
			if (n)
				continue;
			if (!r.n)
				explain(s, why, op, &x, &x);
			r.n += add_span(s, &x);
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			y = s->spans[b.first + found[k]];
			if (!r.n)
				explain(s, why, op, &x, &y);
			merge(&m, &x, &y);
			r.n += add_span(s, &m);
		}
	}
	r.truth = r.n > 0;
	return r;
}

static struct set eval(struct matcher_scanner *s, const struct comb *c, int i, struct lw_buf *why)
{
	const struct comb_node *x = &c->nodes[i];
	struct set a, b, none = { 0, s->nspans, 0 };

	switch (x->kind) {
	case COMB_ID:
		return eval_id(s, x->rule);
	case COMB_NOT:
		/* "!!a" is a, evidence included. */
		if (c->nodes[x->a].kind == COMB_NOT)
			return eval(s, c, c->nodes[x->a].a, why);
		a = eval(s, c, x->a, NULL);
		none.truth = !a.truth;
		return none;
	case COMB_AND:
		a = eval(s, c, x->a, why);
		if (!a.truth)
			return none;
		b = eval(s, c, x->b, why);
		return join(s, a, b, b.truth);
	case COMB_OR:
		a = eval(s, c, x->a, why);
		b = eval(s, c, x->b, why);
		return join(s, a, b, a.truth || b.truth);
	default:
		a = eval(s, c, x->a, why);
		if (!a.truth)
			return none;
		b = eval(s, c, x->b, why);
		return eval_prox(s, x, a, b, why);
	}
}

static void add_leaf(struct matcher_scanner *s, uint32_t leaf)
{
	if (s->nleaves == s->leaves_cap) {
		s->leaves_cap = s->leaves_cap ? s->leaves_cap * 2 : 64;
		s->leaves = xreallocarray(s->leaves, s->leaves_cap, sizeof(*s->leaves));
	}
	s->leaves[s->nleaves++] = leaf;
}

int prox_eval_rule(struct matcher_scanner *s, size_t rule, struct lw_buf *why)
{
	const struct comb *c = &s->m->combs[rule];
	struct set r;

	s->nspans = 0;
	s->nleaves = 0;
	if (c->root < 0)
		return 0;
	r = eval(s, c, c->root, why);
	if (!r.truth) {
		if (why)
			why->len = 0;
		return 0;
	}
	for (size_t k = 0; k < r.n; k++)
		for (unsigned l = 0; l < s->spans[r.first + k].nleaf; l++)
			add_leaf(s, s->spans[r.first + k].leaf[l]);
	return 1;
}
