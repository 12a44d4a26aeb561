/* SPDX-License-Identifier: MIT */
/* A stored item's score explained from its hits: the matcher's arithmetic
 * replayed once here, for `queue show`, the web's item page and the API,
 * which only display it. */
#include <stdlib.h>
#include <string.h>

#include "../util/xmalloc.h"
#include "store.h"

struct rule_w {
	const char *category, *rule;
	double weight;
};

/* By category, then the heaviest (either sign) first, as the matcher adds. */
static int cmp_rule_w(const void *a, const void *b)
{
	const struct rule_w *x = a, *y = b;
	double wx = x->weight < 0 ? -x->weight : x->weight, wy = y->weight < 0 ? -y->weight : y->weight;
	int c = strcmp(x->category, y->category);

	if (c)
		return c;
	return wx < wy ? 1 : wx > wy ? -1 : strcmp(x->rule, y->rule);
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* The distinct rules of hits (a rule hitting twice counts once). */
static size_t distinct_rules(json_t *hits, struct rule_w *r)
{
	size_t n = 0, i;
	json_t *h;

	json_array_foreach(hits, i, h) {
		struct rule_w w = { str(h, "category"), str(h, "rule"),
				    json_number_value(json_object_get(h, "weight")) };
		int dup = 0;

		for (size_t k = 0; k < n && !dup; k++)
			dup = strcmp(r[k].rule, w.rule) == 0;
		if (!dup)
			r[n++] = w;
	}
	qsort(r, n, sizeof(*r), cmp_rule_w);
	return n;
}

json_t *store_score_explain(json_t *hits, double score)
{
	size_t nh = json_array_size(hits), n, i, npos = 0;
	struct rule_w *r = xcalloc(nh ? nh : 1, sizeof(*r));
	double base = 0, context = 0, mult, bm;
	json_t *cats = json_array(), *out;

	n = distinct_rules(hits, r);
	for (i = 0; i < n;) {
		json_t *rules = json_array();
		size_t k = i;
		double sum = 0, f = 1;

		for (; k < n && strcmp(r[k].category, r[i].category) == 0; k++, f /= 2) {
			sum += r[k].weight * f;
			json_array_append_new(rules, json_pack("{s:s,s:f,s:f}", "rule", r[k].rule,
							       "weight", r[k].weight, "factor", f));
		}
		json_array_append_new(cats, json_pack("{s:s,s:o,s:f}", "category", r[i].category,
						      "rules", rules, "sum", sum));
		if (strcmp(r[i].category, "context") == 0)
			context += sum;
		else if (sum > 0 && strcmp(r[i].category, "adhoc") != 0)
			base += sum, npos++;
		i = k;
	}
	mult = npos ? 1.0 + 0.25 * (double)(npos - 1) : 1.0;
	bm = base * mult;
	out = json_pack("{s:o,s:f,s:f,s:i,s:f,s:f}", "categories", cats, "base", base,
			"multiplier", mult, "distinct", (json_int_t)npos, "context", context,
			"score", score);
	/* The short-text factor needs the text's length and a pack with
	 * context_halving discounts by a factor, neither of which the hits
	 * carry: with context, what the stored score leaves over is one
	 * factor (rest) rather than split by guesswork. */
	if (context != 0 && bm > 0)
		json_object_set_new(out, "rest", json_real(score / bm));
	else if (context == 0 && bm > 0 && score / bm > 1.001)
		json_object_set_new(out, "short_text", json_real(score / bm));
	free(r);
	return out;
}
