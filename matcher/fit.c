/* SPDX-License-Identifier: MIT */
/* Learning rule weights from labelled documents: an L2-regularised logistic
 * regression on which rules fired, mapped back to pack weights and measured
 * with the pack's own (non-linear) scoring, in-sample and cross-validated. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "matcher_internal.h"

#define FIT_MAX_ITER 100
#define FIT_MAX_HALVINGS 40
#define WEIGHT_MAX 10.0
#define MIN_THRESHOLD 0.01
/* Below this the intercept says little about where the boundary lies (see
 * map_scale). */
#define INTERCEPT_MIN 0.25

struct matcher_fit_data {
	const struct matcher *m;
	size_t nfeat;           /* scored rules */
	size_t *feat_rule;      /* feature -> pack rule */
	long *rule_feat;        /* pack rule -> feature, -1 for terms and ad-hoc rules */
	size_t ndocs, docs_cap;
	size_t *first;          /* doc i fired feats[first[i] .. first[i + 1]) */
	unsigned char *flag;
	size_t *nwords;         /* per document: its length, which scoring weighs */
	size_t nfeats, feats_cap;
	size_t *feats;
	unsigned char *mark;    /* scratch for matcher_fit_data_add */
};

/* ---- the labelled set ------------------------------------------------------ */

struct matcher_fit_data *matcher_fit_data_new(const struct matcher *m)
{
	struct matcher_fit_data *d = xcalloc(1, sizeof(*d));
	const struct matcher_pack *pack = m->pack;

	d->m = m;
	d->rule_feat = xmalloc((pack->nrules ? pack->nrules : 1) * sizeof(*d->rule_feat));
	d->feat_rule = xmalloc((pack->nrules ? pack->nrules : 1) * sizeof(*d->feat_rule));
	for (size_t i = 0; i < pack->nrules; i++) {
		const struct matcher_rule *r = &pack->rules[i].pub;

		/* Terms never score and ad-hoc rules are left out of scoring. */
		if (r->is_term || r->category == MATCHER_CAT_ADHOC) {
			d->rule_feat[i] = -1;
			continue;
		}
		d->rule_feat[i] = (long)d->nfeat;
		d->feat_rule[d->nfeat++] = i;
	}
	d->mark = xcalloc(d->nfeat ? d->nfeat : 1, 1);
	d->docs_cap = 64;
	d->first = xmalloc((d->docs_cap + 1) * sizeof(*d->first));
	d->flag = xmalloc(d->docs_cap);
	d->nwords = xmalloc(d->docs_cap * sizeof(*d->nwords));
	d->first[0] = 0;
	return d;
}

void matcher_fit_data_free(struct matcher_fit_data *d)
{
	if (!d)
		return;
	free(d->feat_rule);
	free(d->rule_feat);
	free(d->first);
	free(d->flag);
	free(d->nwords);
	free(d->feats);
	free(d->mark);
	free(d);
}

void matcher_fit_data_add(struct matcher_fit_data *d, const struct matcher_result *r, int flag)
{
	size_t start = d->nfeats;

	if (d->ndocs == d->docs_cap) {
		d->docs_cap *= 2;
		d->first = xreallocarray(d->first, d->docs_cap + 1, sizeof(*d->first));
		d->flag = xreallocarray(d->flag, d->docs_cap, 1);
		d->nwords = xreallocarray(d->nwords, d->docs_cap, sizeof(*d->nwords));
	}
	for (size_t i = 0; i < r->nhits; i++) {
		long f = d->rule_feat[r->hits[i].rule];

		if (f < 0 || d->mark[f])
			continue;
		d->mark[f] = 1;
		if (d->nfeats == d->feats_cap) {
			d->feats_cap = d->feats_cap ? d->feats_cap * 2 : 256;
			d->feats = xreallocarray(d->feats, d->feats_cap, sizeof(*d->feats));
		}
		d->feats[d->nfeats++] = (size_t)f;
	}
	for (size_t i = start; i < d->nfeats; i++)
		d->mark[d->feats[i]] = 0;
	d->nwords[d->ndocs] = r->nwords;
	d->flag[d->ndocs++] = flag ? 1 : 0;
	d->first[d->ndocs] = d->nfeats;
}

size_t matcher_fit_data_count(const struct matcher_fit_data *d)
{
	return d->ndocs;
}

/* ---- logistic regression ----------------------------------------------------- */

/* log(1 + e^z) without overflow for large |z|. */
static double softplus(double z)
{
	return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

static double sigmoid(double z)
{
	double e;

	if (z >= 0) {
		e = exp(-z);
		return 1 / (1 + e);
	}
	e = exp(z);
	return e / (1 + e);
}

/* The problem restricted to the training documents and the features that
 * fire in them: a feature that never fires has a zero gradient, and under
 * L2 its coefficient is exactly 0. theta[0] is the intercept, theta[1 + j]
 * the coefficient of active feature j. */
struct problem {
	const struct matcher_fit_data *d;
	const size_t *docs;
	size_t n;
	double l2;
	long *pos;              /* feature -> 1 + active index, or -1 */
	size_t p;               /* 1 + active features */
};

static double doc_z(const struct problem *pb, size_t doc, const double *theta)
{
	const struct matcher_fit_data *d = pb->d;
	double z = theta[0];

	for (size_t k = d->first[doc]; k < d->first[doc + 1]; k++)
		z += theta[pb->pos[d->feats[k]]];
	return z;
}

/* The penalised negative log-likelihood. */
static double loss(const struct problem *pb, const double *theta)
{
	double l = 0;

	for (size_t i = 0; i < pb->n; i++) {
		double z = doc_z(pb, pb->docs[i], theta);

		l += softplus(z) - (pb->d->flag[pb->docs[i]] ? z : 0);
	}
	for (size_t j = 1; j < pb->p; j++)
		l += 0.5 * pb->l2 * theta[j] * theta[j];
	return l;
}

/* Gradient g and Hessian h (p x p, row-major) at theta. The intercept gets
 * a tiny ridge only so that h stays invertible when every document is
 * predicted with certainty. */
static void derivatives(const struct problem *pb, const double *theta, double *g, double *h)
{
	const struct matcher_fit_data *d = pb->d;
	size_t p = pb->p;

	memset(g, 0, p * sizeof(*g));
	memset(h, 0, p * p * sizeof(*h));
	for (size_t i = 0; i < pb->n; i++) {
		size_t doc = pb->docs[i], a = d->first[doc], b = d->first[doc + 1];
		double mu = sigmoid(doc_z(pb, doc, theta)), w = mu * (1 - mu);
		double r = mu - d->flag[doc];

		g[0] += r;
		h[0] += w;
		for (size_t k = a; k < b; k++) {
			size_t j = (size_t)pb->pos[d->feats[k]];

			g[j] += r;
			h[j] += w;
			h[j * p] += w;
			for (size_t l = a; l < b; l++)
				h[j * p + (size_t)pb->pos[d->feats[l]]] += w;
		}
	}
	h[0] += 1e-9;
	for (size_t j = 1; j < p; j++) {
		g[j] += pb->l2 * theta[j];
		h[j * p + j] += pb->l2;
	}
}

/* Solves h x = g in place (x replaces g) by Cholesky; h is overwritten.
 * Returns -1 when h is not positive definite. */
static int cholesky_solve(double *h, double *g, size_t p)
{
	for (size_t j = 0; j < p; j++) {
		double s = h[j * p + j];

		for (size_t k = 0; k < j; k++)
			s -= h[j * p + k] * h[j * p + k];
		if (!(s > 0))
			return -1;
		h[j * p + j] = sqrt(s);
		for (size_t i = j + 1; i < p; i++) {
			double t = h[i * p + j];

			for (size_t k = 0; k < j; k++)
				t -= h[i * p + k] * h[j * p + k];
			h[i * p + j] = t / h[j * p + j];
		}
	}
	for (size_t i = 0; i < p; i++) {
		for (size_t k = 0; k < i; k++)
			g[i] -= h[i * p + k] * g[k];
		g[i] /= h[i * p + i];
	}
	for (size_t i = p; i-- > 0;) {
		for (size_t k = i + 1; k < p; k++)
			g[i] -= h[k * p + i] * g[k];
		g[i] /= h[i * p + i];
	}
	return 0;
}

/* One damped Newton step: backtracks until the loss falls enough (Armijo).
 * Returns the largest change of a coefficient, or 0 when no step helps. */
static double newton_step(const struct problem *pb, double *theta, double *g, double *h,
			  double *trial, double *cur)
{
	double slope = 0, t = 1, change = 0;

	derivatives(pb, theta, g, h);
	for (size_t j = 0; j < pb->p; j++)
		trial[j] = g[j];
	if (cholesky_solve(h, g, pb->p) < 0)
		return 0;
	for (size_t j = 0; j < pb->p; j++)
		slope += trial[j] * g[j];
	for (int k = 0; k < FIT_MAX_HALVINGS; k++, t /= 2) {
		for (size_t j = 0; j < pb->p; j++)
			trial[j] = theta[j] - t * g[j];
		if (loss(pb, trial) <= *cur - 1e-4 * t * slope)
			break;
	}
	*cur = loss(pb, trial);
	for (size_t j = 0; j < pb->p; j++) {
		double c = fabs(trial[j] - theta[j]);

		if (c > change)
			change = c;
		theta[j] = trial[j];
	}
	return change;
}

/* Fits the model on docs; coef (nfeat) receives coefficients, 0 for
 * features that never fire in docs. Returns 1 when Newton converged. */
static int fit_logistic(const struct matcher_fit_data *d, const size_t *docs, size_t n,
			double l2, double *intercept, double *coef)
{
	struct problem pb = { d, docs, n, l2, NULL, 1 };
	double *theta, *g, *h, *trial, cur;
	int converged = 0;

	pb.pos = xmalloc((d->nfeat ? d->nfeat : 1) * sizeof(*pb.pos));
	for (size_t f = 0; f < d->nfeat; f++)
		pb.pos[f] = -1;
	for (size_t i = 0; i < n; i++)
		for (size_t k = d->first[docs[i]]; k < d->first[docs[i] + 1]; k++)
			if (pb.pos[d->feats[k]] < 0)
				pb.pos[d->feats[k]] = (long)pb.p++;
	theta = xcalloc(pb.p, sizeof(*theta));
	g = xmalloc(pb.p * sizeof(*g));
	trial = xmalloc(pb.p * sizeof(*trial));
	h = xmalloc(pb.p * pb.p * sizeof(*h));
	cur = loss(&pb, theta);
	for (int it = 0; it < FIT_MAX_ITER && !converged; it++)
		converged = newton_step(&pb, theta, g, h, trial, &cur) < 1e-8;
	*intercept = theta[0];
	for (size_t f = 0; f < d->nfeat; f++)
		coef[f] = pb.pos[f] < 0 ? 0 : theta[pb.pos[f]];
	free(theta);
	free(g);
	free(trial);
	free(h);
	free(pb.pos);
	return converged;
}

/* ---- from coefficients to pack weights ------------------------------------------- */

/* The fitted boundary is where b0 + sum(coef) = 0, i.e. sum(coef) = -b0;
 * scaling by T / -b0 puts it at sum(weights) = T, the pack threshold. When
 * the intercept is near zero or positive (a queue holds only flagged ads,
 * so no document has nothing firing and the intercept is ill-defined) the
 * scale instead lets the strongest rule alone reach the threshold. */
static double map_scale(double b0, const double *coef, size_t nfeat, double threshold)
{
	double top = 0;

	if (b0 < -INTERCEPT_MIN)
		return threshold / -b0;
	for (size_t f = 0; f < nfeat; f++)
		if (coef[f] > top)
			top = coef[f];
	return top > 1e-6 ? threshold / top : 1.0;
}

static double clip_round(double v, int context)
{
	double lo = context ? -WEIGHT_MAX : 0, hi = context ? 0 : WEIGHT_MAX;

	v = v < lo ? lo : v > hi ? hi : v;
	v = round(v * 100) / 100;
	return v == 0 ? 0.0 : v;   /* no "-0.00" */
}

/* w (per pack rule) = current weights, with every feature that fired in
 * the training documents (fired[f]) replaced by its mapped coefficient. */
static void map_weights(const struct matcher_fit_data *d, const double *coef,
			const unsigned char *fired, double scale, double *w)
{
	const struct matcher_pack *pack = d->m->pack;

	for (size_t i = 0; i < pack->nrules; i++)
		w[i] = pack->rules[i].pub.weight;
	for (size_t f = 0; f < d->nfeat; f++) {
		size_t i = d->feat_rule[f];

		if (fired[f])
			w[i] = clip_round(scale * coef[f],
					  pack->rules[i].pub.category == MATCHER_CAT_CONTEXT);
	}
}

/* ---- measuring with the pack's own scoring ---------------------------------------- */

/* matcher_score on a copy of the matcher whose rules carry other weights:
 * the figures reported are those the pack would give, decay and category
 * multiplier included, not those of the linear model. */
struct scorer {
	struct matcher m;
	struct matcher_pack pack;
	struct pack_rule *rules;
	struct matcher_result r;
};

static void scorer_init(struct scorer *s, const struct matcher *m)
{
	size_t n = m->pack->nrules;

	s->m = *m;
	s->pack = *m->pack;
	s->rules = xmalloc((n ? n : 1) * sizeof(*s->rules));
	memcpy(s->rules, m->pack->rules, n * sizeof(*s->rules));
	s->pack.rules = s->rules;
	s->m.pack = &s->pack;
	matcher_result_init(&s->r);
}

static void scorer_release(struct scorer *s)
{
	free(s->rules);
	matcher_result_release(&s->r);
}

/* scores[i] for every document under weights w (per pack rule). */
static void score_all(struct scorer *s, const struct matcher_fit_data *d, const double *w,
		      double *scores)
{
	for (size_t i = 0; i < s->pack.nrules; i++)
		s->rules[i].pub.weight = w[i];
	for (size_t doc = 0; doc < d->ndocs; doc++) {
		size_t a = d->first[doc], n = d->first[doc + 1] - a;

		if (n > s->r.hits_cap) {
			s->r.hits_cap = n;
			s->r.hits = xreallocarray(s->r.hits, n, sizeof(*s->r.hits));
		}
		for (size_t k = 0; k < n; k++) {
			s->r.hits[k].rule = d->feat_rule[d->feats[a + k]];
			s->r.hits[k].start = 0;
			s->r.hits[k].end = 1;
		}
		s->r.nhits = n;
		s->r.nwords = d->nwords[doc];
		matcher_score(&s->m, &s->r, s->m.threshold);
		scores[doc] = s->r.score;
	}
}

struct counts {
	size_t tp, fn, fp, tn;
};

static void count(const struct matcher_fit_data *d, const double *scores, const size_t *docs,
		  size_t n, double threshold, struct counts *c)
{
	for (size_t i = 0; i < n; i++) {
		int flagged = scores[docs[i]] >= threshold;

		if (d->flag[docs[i]])
			flagged ? c->tp++ : c->fn++;
		else
			flagged ? c->fp++ : c->tn++;
	}
}

static double ratio(size_t a, size_t b)
{
	return b ? (double)a / (double)b : 0;
}

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

static double midway(double lo, double hi)
{
	double t = ceil((lo + hi) / 2 * 100) / 100;

	t = t > hi ? hi : t;
	return t < MIN_THRESHOLD ? MIN_THRESHOLD : t;
}

/* Raises t as far as it goes without losing a lure it flags: when recall is
 * already complete at a higher threshold, fewer false alarms are free. */
static double widen(const struct matcher_fit_data *d, const double *scores, const size_t *docs,
		    size_t n, double t)
{
	double fmin = INFINITY, below = -INFINITY;

	for (size_t i = 0; i < n; i++)
		if (d->flag[docs[i]] && scores[docs[i]] >= t && scores[docs[i]] < fmin)
			fmin = scores[docs[i]];
	if (isinf(fmin))
		return t;
	for (size_t i = 0; i < n; i++)
		if (!d->flag[docs[i]] && scores[docs[i]] < fmin && scores[docs[i]] > below)
			below = scores[docs[i]];
	return isinf(below) ? midway(0, fmin) : midway(below, fmin);
}

/* The lowest threshold at which at most target_far of the clear documents
 * among docs score at or above it (halfway between the first clear score
 * that must stay below and the next score above it, rounded up to 0.01),
 * then raised while no lure is lost. */
static double far_threshold(const struct matcher_fit_data *d, const double *scores,
			    const size_t *docs, size_t n, double target_far)
{
	double *clear = xmalloc((n ? n : 1) * sizeof(*clear)), v, next = INFINITY, t;
	size_t nc = 0, allowed;

	for (size_t i = 0; i < n; i++)
		if (!d->flag[docs[i]])
			clear[nc++] = scores[docs[i]];
	qsort(clear, nc, sizeof(*clear), cmp_desc);
	allowed = (size_t)floor(target_far * (double)nc + 1e-9);
	v = allowed < nc ? clear[allowed] : 0;
	free(clear);
	for (size_t i = 0; i < n; i++)
		if (scores[docs[i]] > v && scores[docs[i]] < next)
			next = scores[docs[i]];
	if (isinf(next))
		return v + 1;   /* nothing scores above: flag nothing */
	t = midway(v, next);
	return widen(d, scores, docs, n, t);
}

/* ---- fitting, folds, report ----------------------------------------------------- */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Stratified folds: each label shuffled with the seed, then dealt round
 * the folds in turn, so every fold holds its share of both labels. */
static void assign_folds(const struct matcher_fit_data *d, int k, unsigned long seed, int *fold)
{
	size_t *order = xmalloc((d->ndocs ? d->ndocs : 1) * sizeof(*order)), n = 0, deal = 0;
	uint64_t s = seed;

	for (int label = 1; label >= 0; label--) {
		size_t start = n;

		for (size_t i = 0; i < d->ndocs; i++)
			if (d->flag[i] == label)
				order[n++] = i;
		for (size_t i = n - start; i > 1; i--) {
			size_t j = (size_t)(splitmix64(&s) % i), tmp = order[start + i - 1];

			order[start + i - 1] = order[start + j];
			order[start + j] = tmp;
		}
		for (size_t i = start; i < n; i++)
			fold[order[i]] = (int)(deal++ % (size_t)k);
	}
	free(order);
}

/* Fits on docs and maps to weights w; fired (nfeat) is scratch. */
static int fit_weights(const struct matcher_fit_data *d, const size_t *docs, size_t n,
		       const struct matcher_fit_options *o, double *coef, unsigned char *fired,
		       double *w, double *intercept, double *scale)
{
	int converged = fit_logistic(d, docs, n, o->l2, intercept, coef);

	memset(fired, 0, d->nfeat ? d->nfeat : 1);
	for (size_t i = 0; i < n; i++)
		for (size_t k = d->first[docs[i]]; k < d->first[docs[i] + 1]; k++)
			fired[d->feats[k]] = 1;
	*scale = map_scale(*intercept, coef, d->nfeat, d->m->threshold);
	map_weights(d, coef, fired, *scale, w);
	return converged;
}

static void cross_validate(const struct matcher_fit_data *d, const struct matcher_fit_options *o,
			   int k, struct scorer *sc, struct matcher_fit_report *rep)
{
	int *fold = xmalloc(d->ndocs * sizeof(*fold));
	size_t *train = xmalloc(d->ndocs * sizeof(*train)), *test = xmalloc(d->ndocs * sizeof(*test));
	double *coef = xmalloc((d->nfeat ? d->nfeat : 1) * sizeof(*coef));
	double *w = xmalloc((d->m->pack->nrules ? d->m->pack->nrules : 1) * sizeof(*w));
	double *scores = xmalloc(d->ndocs * sizeof(*scores)), b0, scale;
	unsigned char *fired = xmalloc(d->nfeat ? d->nfeat : 1);
	struct counts c = { 0, 0, 0, 0 };

	assign_folds(d, k, o->seed, fold);
	for (int f = 0; f < k; f++) {
		size_t ntrain = 0, ntest = 0;

		for (size_t i = 0; i < d->ndocs; i++) {
			if (fold[i] == f)
				test[ntest++] = i;
			else
				train[ntrain++] = i;
		}
		fit_weights(d, train, ntrain, o, coef, fired, w, &b0, &scale);
		score_all(sc, d, w, scores);
		count(d, scores, test, ntest,
		      far_threshold(d, scores, train, ntrain, o->target_far), &c);
	}
	rep->folds = k;
	rep->cv_recall = ratio(c.tp, c.tp + c.fn);
	rep->cv_far = ratio(c.fp, c.fp + c.tn);
	free(fold);
	free(train);
	free(test);
	free(coef);
	free(w);
	free(scores);
	free(fired);
}

static void fill_rules(const struct matcher_fit_data *d, const double *coef, const double *w,
		       struct matcher_fit_report *rep)
{
	const struct matcher_pack *pack = d->m->pack;

	rep->nrules = d->nfeat;
	rep->rules = xcalloc(d->nfeat ? d->nfeat : 1, sizeof(*rep->rules));
	for (size_t f = 0; f < d->nfeat; f++) {
		struct matcher_fit_rule *r = &rep->rules[f];

		r->rule = d->feat_rule[f];
		r->current = pack->rules[r->rule].pub.weight;
		r->coef = coef[f];
		r->fitted = w[r->rule];
	}
	for (size_t doc = 0; doc < d->ndocs; doc++)
		for (size_t k = d->first[doc]; k < d->first[doc + 1]; k++)
			d->flag[doc] ? rep->rules[d->feats[k]].nflag++ : rep->rules[d->feats[k]].nclear++;
	for (size_t f = 0; f < d->nfeat; f++) {
		struct matcher_fit_rule *r = &rep->rules[f];

		/* Context rules are meant to fire on clear documents. */
		r->mostly_clear = r->nflag + r->nclear >= 2 && r->nclear > r->nflag &&
				  pack->rules[r->rule].pub.category != MATCHER_CAT_CONTEXT;
	}
}

/* In-sample figures: current weights at the pack threshold, fitted weights
 * at the pack threshold and at the threshold meeting the target. */
static void measure(const struct matcher_fit_data *d, const struct matcher_fit_options *o,
		    struct scorer *sc, const size_t *all, const double *w,
		    struct matcher_fit_report *rep)
{
	const struct matcher_pack *pack = d->m->pack;
	double *cur = xmalloc((pack->nrules ? pack->nrules : 1) * sizeof(*cur));
	double *scores = xmalloc(d->ndocs * sizeof(*scores));
	struct counts c0 = { 0, 0, 0, 0 }, c1 = c0, c2 = c0;

	for (size_t i = 0; i < pack->nrules; i++)
		cur[i] = pack->rules[i].pub.weight;
	score_all(sc, d, cur, scores);
	count(d, scores, all, d->ndocs, rep->pack_threshold, &c0);
	score_all(sc, d, w, scores);
	count(d, scores, all, d->ndocs, rep->pack_threshold, &c1);
	rep->suggested = far_threshold(d, scores, all, d->ndocs, o->target_far);
	count(d, scores, all, d->ndocs, rep->suggested, &c2);
	rep->cur_recall = ratio(c0.tp, rep->nflag);
	rep->cur_far = ratio(c0.fp, rep->nclear);
	rep->fit_recall = ratio(c1.tp, rep->nflag);
	rep->fit_far = ratio(c1.fp, rep->nclear);
	rep->sug_recall = ratio(c2.tp, rep->nflag);
	rep->sug_far = ratio(c2.fp, rep->nclear);
	free(cur);
	free(scores);
}

int matcher_fit(const struct matcher_fit_data *d, const struct matcher_fit_options *o,
		struct matcher_fit_report *rep, struct lw_error *err)
{
	size_t nflag = 0, *all = NULL;
	double *coef = NULL, *w = NULL;
	unsigned char *fired = NULL;
	struct scorer sc;
	int k;

	for (size_t i = 0; i < d->ndocs; i++)
		nflag += d->flag[i];
	if (!(o->l2 > 0) || !(o->target_far >= 0 && o->target_far < 1) || o->folds < 2)
		return lw_error_set(err, "bad fit options: l2 > 0, 0 <= target false-alarm rate < 1 "
				    "and at least 2 folds wanted");
	if (nflag < 2 || d->ndocs - nflag < 2)
		return lw_error_set(err, "%zu flag and %zu clear documents: at least 2 of each wanted",
				    nflag, d->ndocs - nflag);
	/* A fold without both labels measures nothing: fewer folds instead. */
	k = o->folds;
	if ((size_t)k > nflag)
		k = (int)nflag;
	if ((size_t)k > d->ndocs - nflag)
		k = (int)(d->ndocs - nflag);
	memset(rep, 0, sizeof(*rep));
	rep->nflag = nflag;
	rep->nclear = d->ndocs - nflag;
	rep->pack_threshold = d->m->threshold;
	all = xmalloc(d->ndocs * sizeof(*all));
	for (size_t i = 0; i < d->ndocs; i++)
		all[i] = i;
	coef = xmalloc((d->nfeat ? d->nfeat : 1) * sizeof(*coef));
	w = xmalloc((d->m->pack->nrules ? d->m->pack->nrules : 1) * sizeof(*w));
	fired = xmalloc(d->nfeat ? d->nfeat : 1);
	scorer_init(&sc, d->m);
	rep->converged = fit_weights(d, all, d->ndocs, o, coef, fired, w, &rep->intercept,
				     &rep->scale);
	fill_rules(d, coef, w, rep);
	measure(d, o, &sc, all, w, rep);
	cross_validate(d, o, k, &sc, rep);
	scorer_release(&sc);
	free(all);
	free(coef);
	free(w);
	free(fired);
	return 0;
}

void matcher_fit_report_release(struct matcher_fit_report *rep)
{
	if (!rep)
		return;
	free(rep->rules);
	memset(rep, 0, sizeof(*rep));
}

/* ---- the weights file ------------------------------------------------------------- */

static void write_body(FILE *f, const struct matcher *m, const struct matcher_fit_report *rep,
		       const struct matcher_fit_options *o, const char *what)
{
	const struct matcher_pack *pack = m->pack;
	size_t silent = 0;

	fprintf(f, "# lurewatch rules fit: weights for pack '%s' %s (%.12s)\n",
		matcher_pack_name(pack), matcher_pack_version(pack), matcher_pack_hash(pack));
	fprintf(f, "# from %s: %zu flag, %zu clear; L2 %g\n", what, rep->nflag, rep->nclear, o->l2);
	fprintf(f, "# pack threshold %.2f: recall %.3f, false alarms %.3f\n", rep->pack_threshold,
		rep->fit_recall, rep->fit_far);
	fprintf(f, "# threshold %.2f meets %.1f%% false alarms: recall %.3f, false alarms %.3f\n",
		rep->suggested, 100 * o->target_far, rep->sug_recall, rep->sug_far);
	fprintf(f, "# cross-validated (%d folds): recall %.3f, false alarms %.3f\n", rep->folds,
		rep->cv_recall, rep->cv_far);
	fprintf(f, "# use it with '[pack] weights = FILE' (relative to that .rules file)\n");
	for (size_t i = 0; i < rep->nrules; i++) {
		const struct matcher_fit_rule *r = &rep->rules[i];

		if (r->nflag + r->nclear == 0) {
			silent++;
			continue;
		}
		fprintf(f, "%s\t%.2f\t# was %.2f; fired on %zu flag, %zu clear\n",
			pack->rules[r->rule].pub.id, r->fitted, r->current, r->nflag, r->nclear);
	}
	if (silent)
		fprintf(f, "# %zu rules never fired: they keep the pack's weights\n", silent);
}

int matcher_fit_write(const struct matcher *m, const struct matcher_fit_report *rep,
		      const struct matcher_fit_options *o, const char *what, const char *path,
		      struct lw_error *err)
{
	struct lw_buf tmp;
	FILE *f = NULL;
	int rc = -1;

	lw_buf_init(&tmp, 8192);
	if (lw_buf_printf(&tmp, "%s.tmp%ld", path, (long)getpid()) < 0) {
		lw_error_set(err, "path '%s' is too long", path);
		goto out;
	}
	f = fopen(tmp.data, "w");
	if (!f) {
		lw_error_set(err, "cannot create '%s': %s", tmp.data, strerror(errno));
		goto out;
	}
	write_body(f, m, rep, o, what);
	/* fclose's status is the write's: a full disk shows up here. */
	if (ferror(f) | (fclose(f) != 0)) {
		f = NULL;
		lw_error_set(err, "cannot write '%s': %s", tmp.data, strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp.data, path) < 0) {
		lw_error_set(err, "cannot rename '%s' to '%s': %s", tmp.data, path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	if (rc < 0 && tmp.data)
		remove(tmp.data);
	lw_buf_release(&tmp);
	return rc;
}
