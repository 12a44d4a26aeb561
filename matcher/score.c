/* SPDX-License-Identifier: MIT */
/* Scoring: weak indicators add up, distinct categories count for more than
 * one category repeated, legitimate-context rules pull the score down. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/xmalloc.h"
#include "matcher_internal.h"

static const char *const names[MATCHER_CAT_COUNT] = {
	"deception", "offshore_recruitment", "fee_debt", "documents", "wage_withholding",
	"movement_restriction", "isolation_living", "off_platform_contact",
	"sexual_exploitation", "minors", "domestic_servitude", "obfuscation", "context", "adhoc",
};

const char *matcher_category_name(int cat)
{
	return cat >= 0 && cat < MATCHER_CAT_COUNT ? names[cat] : NULL;
}

int matcher_category_parse(const char *name)
{
	for (int i = 0; i < MATCHER_CAT_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static int cmp_weight_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	/* Context weights are negative: sort by magnitude either way. */
	if (x < 0)
		x = -x;
	if (y < 0)
		y = -y;
	return x < y ? 1 : x > y ? -1 : 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_cat_desc(const void *a, const void *b)
{
	const struct matcher_category_score *x = a, *y = b;

	return x->score < y->score ? 1 : x->score > y->score ? -1 : x->category - y->category;
}

/* Distinct rules' weights, largest first, count 1, 1/2, 1/4, ... so ten
 * variants of one phrase cannot outweigh two different indicators. */
static double decayed(double *w, size_t n)
{
	double sum = 0, f = 1;

	if (n > 1)
		qsort(w, n, sizeof(*w), cmp_weight_desc);
	for (size_t i = 0; i < n; i++, f /= 2)
		sum += w[i] * f;
	return sum;
}

void matcher_score(const struct matcher *m, struct matcher_result *r, double threshold)
{
	const struct matcher_pack *pack = m->pack;
	double *w = xmalloc((r->nhits ? r->nhits : 1) * sizeof(*w));
	double base = 0, context = 0;
	size_t npositive = 0, nuniq = 0;
	size_t *uniq = xmalloc((r->nhits ? r->nhits : 1) * sizeof(*uniq));

	/* Hits are ordered by start and a rule may hit many times: each rule
	 * counts once. */
	for (size_t i = 0; i < r->nhits; i++)
		uniq[i] = r->hits[i].rule;
	if (r->nhits > 1)
		qsort(uniq, r->nhits, sizeof(*uniq), cmp_size);
	for (size_t i = 0; i < r->nhits; i++)
		if (!nuniq || uniq[nuniq - 1] != uniq[i])
			uniq[nuniq++] = uniq[i];
	r->ncats = 0;
	r->categories = 0;
	for (int cat = 0; cat < MATCHER_CAT_COUNT; cat++) {
		struct matcher_category_score *cs;
		size_t n = 0;

		if (cat == MATCHER_CAT_ADHOC)
			continue;
		for (size_t i = 0; i < nuniq; i++)
			if (pack->rules[uniq[i]].pub.category == cat)
				w[n++] = pack->rules[uniq[i]].pub.weight;
		if (!n)
			continue;
		cs = &r->cats[r->ncats++];
		cs->category = cat;
		cs->nrules = n;
		cs->raw = 0;
		for (size_t i = 0; i < n; i++)
			cs->raw += w[i];
		cs->score = decayed(w, n);
		if (cat == MATCHER_CAT_CONTEXT) {
			context = cs->score;
			continue;
		}
		if (cs->score > 0) {
			base += cs->score;
			npositive++;
			r->categories |= 1u << cat;
		}
	}
	if (r->ncats > 1)
		qsort(r->cats, r->ncats, sizeof(r->cats[0]), cmp_cat_desc);
	r->base = base;
	r->multiplier = npositive ? 1.0 + 0.25 * (double)(npositive - 1) : 1.0;
	r->length = 1.0;
	if (npositive >= 2 && pack->short_words > 0 && (double)r->nwords < pack->short_words)
		r->length += pack->short_boost * (pack->short_words - (double)r->nwords) /
			     pack->short_words;
	/* A news report or a guidance text names many indicators, so its
	 * positive score grows with its length: subtracting a fixed context
	 * weight cannot outweigh it. With context_halving H the context
	 * discounts instead: every H points of it halve the score. */
	r->context = context;
	r->context_factor = 1.0;
	if (pack->context_halving > 0 && context < 0)
		r->context_factor = pow(2.0, context / pack->context_halving);
	r->score = base * r->multiplier * r->length * r->context_factor;
	if (pack->context_halving <= 0)
		r->score += context;
	if (r->score < 0)
		r->score = 0;
	r->flagged = r->score >= threshold;
	free(w);
	free(uniq);
}
