/* SPDX-License-Identifier: MIT */
/* The graph behind networks: weighted edges, components, Leiden splits of
 * loosely knit components (igraph), and ids that survive re-linking. */
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <igraph.h>

#include "../util/dynlib.h"
#include "../util/xmalloc.h"
#include "netgraph.h"

#ifndef LW_IGRAPH_SONAME
#define LW_IGRAPH_SONAME "libigraph.so.3"
#endif

/* Communities a split may produce before the conductance pass gives up
 * merging them back (it is cubic in their number). */
#define MERGE_MAX 256

/* igraph 0.10 as Debian builds it is not thread-safe (IGRAPH_THREAD_SAFE
 * is 0): its error-unwinding (IGRAPH_FINALLY) stack, its error handlers and
 * its default random generator are one per process. The crawl's writer
 * lanes link networks on several threads, and two linking at once aborted
 * the process ("Corrupt finally stack", t1330). Every igraph call here is
 * made with this lock held, and only igraph calls: the graph building and
 * the merging pass around them run unlocked. */
static pthread_mutex_t igraph_mu = PTHREAD_MUTEX_INITIALIZER;

/* igraph and its two dozen libraries are opened at the first split, not at
 * every start-up (util/dynlib.h); its headers still type these pointers. */
struct igraph_fns {
	__typeof__(igraph_set_error_handler) *set_error_handler;
	__typeof__(igraph_set_warning_handler) *set_warning_handler;
	__typeof__(igraph_error_handler_ignore) *error_handler_ignore;
	__typeof__(igraph_warning_handler_ignore) *warning_handler_ignore;
	__typeof__(igraph_vector_int_init) *vector_int_init;
	__typeof__(igraph_vector_int_destroy) *vector_int_destroy;
	__typeof__(igraph_vector_init) *vector_init;
	__typeof__(igraph_vector_destroy) *vector_destroy;
	__typeof__(igraph_create) *create;
	__typeof__(igraph_destroy) *destroy;
	__typeof__(igraph_rng_default) *rng_default;
	__typeof__(igraph_rng_seed) *rng_seed;
	__typeof__(igraph_community_leiden) *community_leiden;
};

#define IG(f) { "igraph_" #f, offsetof(struct igraph_fns, f) }
static const struct lw_dynsym igraph_syms[] = {
	IG(set_error_handler), IG(set_warning_handler), IG(error_handler_ignore),
	IG(warning_handler_ignore), IG(vector_int_init), IG(vector_int_destroy), IG(vector_init),
	IG(vector_destroy), IG(create), IG(destroy), IG(rng_default), IG(rng_seed),
	IG(community_leiden),
};
#undef IG

static struct igraph_fns ig;
static struct lw_error igraph_err;
static int igraph_rc = -1;
static pthread_once_t igraph_once = PTHREAD_ONCE_INIT;

static void igraph_load(void)
{
	igraph_rc = lw_dynlib_load(LW_IGRAPH_SONAME, "network split", igraph_syms,
				   sizeof(igraph_syms) / sizeof(igraph_syms[0]), &ig, &igraph_err);
	if (igraph_rc < 0)
		return;
	/* Failures come back as return codes; the default handler aborts. */
	ig.set_error_handler(ig.error_handler_ignore);
	ig.set_warning_handler(ig.warning_handler_ignore);
}

void netgraph_init(struct netgraph *g, size_t n)
{
	memset(g, 0, sizeof(*g));
	g->n = n;
}

void netgraph_release(struct netgraph *g)
{
	free(g->e);
	memset(g, 0, sizeof(*g));
}

double netgraph_contact_weight(size_t k)
{
	/* An ad's ties through one detail add up to 1 whatever the number of
	 * ads sharing it, so each tie of a rarer detail is stronger, and a
	 * group's many ties do not drown a pair's one. */
	return k <= 2 ? 1.0 : 1.0 / (double)(k - 1);
}

double netgraph_text_weight(int bits, int max_bits, size_t degree)
{
	if (max_bits < 0 || bits > max_bits)
		return 0;
	/* Half of a detail's: templates are copied between groups. An exact
	 * copy 0.5, at the limit 0.25, spread over the ad's near-duplicates. */
	return (0.5 - 0.25 * (double)bits / (double)(max_bits > 0 ? max_bits : 1)) /
	       (double)(degree > 1 ? degree : 1);
}

void netgraph_add_edge(struct netgraph *g, uint32_t a, uint32_t b, double w, int why)
{
	if (a == b || a >= g->n || b >= g->n)
		return;
	if (g->ne == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 1024;
		g->e = xrealloc(g->e, g->cap * sizeof(*g->e));
	}
	g->e[g->ne].a = a < b ? a : b;
	g->e[g->ne].b = a < b ? b : a;
	g->e[g->ne].w = (float)w;
	g->e[g->ne].why = (uint8_t)why;
	g->ne++;
}

void netgraph_add_contact(struct netgraph *g, const uint32_t *nodes, size_t k)
{
	double w = netgraph_contact_weight(k > NETGRAPH_CLIQUE_MAX ? 13 : k);

	if (k <= NETGRAPH_CLIQUE_MAX) {
		for (size_t i = 0; i < k; i++)
			for (size_t j = i + 1; j < k; j++)
				netgraph_add_edge(g, nodes[i], nodes[j], w, NETGRAPH_CONTACT);
		return;
	}
	/* A ring with chords at 1, 2, 4 ... 32 places on: connected, every ad
	 * with a dozen ties, as dense as a clique to community detection. */
	for (size_t i = 0; i < k; i++)
		for (size_t step = 1; step <= 32; step *= 2)
			netgraph_add_edge(g, nodes[i], nodes[(i + step) % k], w, NETGRAPH_CONTACT);
}

/* LSD radix sort of v[0..m) by the bytes at shifts[0..npass), least
 * significant first, through tmp (m words). Each pass is a stable counting
 * sort, so bytes left out keep the order they came in. */
static void radix_sort(uint64_t *v, uint64_t *tmp, size_t m, const int *shifts, int npass)
{
	size_t count[256];
	uint64_t *from = v, *to = tmp, *t;

	for (int p = 0; p < npass; p++) {
		size_t sum = 0;

		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < m; i++)
			count[from[i] >> shifts[p] & 0xff]++;
		for (int b = 0; b < 256; b++) {
			size_t c = count[b];

			count[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < m; i++)
			to[count[from[i] >> shifts[p] & 0xff]++] = from[i];
		t = from;
		from = to;
		to = t;
	}
	if (from != v)
		memcpy(v, from, m * sizeof(*v));
}

/* Every ingest batch recuts its networks of split_min_size ads or more, so
 * the nodes sorted are all their members (3,700 for a batch of 2,000 into
 * 200,000 bench_groups listings) and the pairs their near-duplicates
 * (17,344), growing as the networks grow with the store; a rebuild sorts
 * every listing. qsort was 19% of a rebuild's CPU at 210,000 listings (and
 * 40% of an ingest's in a profile at 345,000); radix sorts give the same
 * order in linear time. */

/* Band values (bits 32-47) in two passes: nodes (the low word) were added in
 * ascending order and stay so within a value, as qsort on the word had them. */
static void sort_band(uint64_t *v, uint64_t *tmp, size_t m)
{
	static const int shifts[] = { 32, 40 };

	radix_sort(v, tmp, m, shifts, 2);
}

/* Pairs a << 32 | b of nodes below n: only the bytes of a and b that can be
 * non-zero are sorted on. */
static void sort_pairs(uint64_t *pair, uint64_t *tmp, size_t np, size_t n)
{
	int shifts[8], k = 0, bytes = 1;

	while (bytes < 4 && (n - 1) >> (8 * bytes))
		bytes++;
	for (int half = 0; half < 64; half += 32)
		for (int b = 0; b < bytes; b++)
			shifts[k++] = half + 8 * b;
	radix_sort(pair, tmp, np, shifts, k);
}

void netgraph_add_texts(struct netgraph *g, const uint64_t *simhash, const unsigned char *has,
			const unsigned char *mass, int max_bits)
{
	uint64_t *v, *tmp, *pair = NULL;
	size_t m = 0, np = 0, cap = 0, k = 0;
	uint32_t *degree;

	if (max_bits < 0 || g->n == 0)
		return;
	v = xcalloc(g->n, sizeof(*v));
	tmp = xcalloc(g->n, sizeof(*tmp));
	/* Texts within max_bits <= 3 share at least one of four 16-bit bands
	 * (pigeonhole), so pairs are only compared within a band's bucket. */
	for (int band = 0; band < 4; band++) {
		m = 0;
		for (size_t i = 0; i < g->n; i++)
			if (has[i])
				v[m++] = ((simhash[i] >> (16 * band)) & 0xffffu) << 32 | (uint64_t)i;
		sort_band(v, tmp, m);
		for (size_t s = 0, e; s < m; s = e) {
			for (e = s + 1; e < m && v[e] >> 32 == v[s] >> 32; e++)
				;
			if (e - s > NETGRAPH_TEXT_MASS ||
			    (mass && (mass[(uint32_t)v[s]] >> band & 1))) {
				g->mass_templates++;
				continue;
			}
			for (size_t i = s; i < e; i++)
				for (size_t j = i + 1; j < e; j++) {
					uint32_t a = (uint32_t)v[i], b = (uint32_t)v[j];

					if (__builtin_popcountll(simhash[a] ^ simhash[b]) > max_bits)
						continue;
					if (np == cap) {
						cap = cap ? 2 * cap : 1024;
						pair = xrealloc(pair, cap * sizeof(*pair));
					}
					pair[np++] = (uint64_t)(a < b ? a : b) << 32 | (a < b ? b : a);
				}
		}
	}
	/* A pair shares several bands: once each, then each ad's count of
	 * near-duplicates spreads its text ties as a detail's are spread. */
	if (np) {
		uint64_t *ptmp = xcalloc(np, sizeof(*ptmp));

		sort_pairs(pair, ptmp, np, g->n);
		free(ptmp);
	}
	for (size_t i = 0; i < np; i++)
		if (!k || pair[k - 1] != pair[i])
			pair[k++] = pair[i];
	degree = xcalloc(g->n, sizeof(*degree));
	for (size_t i = 0; i < k; i++) {
		degree[pair[i] >> 32]++;
		degree[(uint32_t)pair[i]]++;
	}
	for (size_t i = 0; i < k; i++) {
		uint32_t a = (uint32_t)(pair[i] >> 32), b = (uint32_t)pair[i];
		size_t d = degree[a] > degree[b] ? degree[a] : degree[b];

		netgraph_add_edge(g, a, b,
				  netgraph_text_weight(__builtin_popcountll(simhash[a] ^ simhash[b]),
						       max_bits, d),
				  NETGRAPH_TEXT);
	}
	free(degree);
	free(pair);
	free(tmp);
	free(v);
}

static int cmp_edge(const void *x, const void *y)
{
	const struct netgraph_edge *a = x, *b = y;

	if (a->a != b->a)
		return (a->a > b->a) - (a->a < b->a);
	if (a->b != b->b)
		return (a->b > b->b) - (a->b < b->b);
	return (a->why > b->why) - (a->why < b->why);
}

void netgraph_finish(struct netgraph *g)
{
	size_t k = 0;

	if (g->ne) /* g->e is NULL until an edge is added, and qsort must not see it */
		qsort(g->e, g->ne, sizeof(*g->e), cmp_edge);
	for (size_t i = 0; i < g->ne; i++) {
		struct netgraph_edge *p = k ? &g->e[k - 1] : NULL;

		if (p && p->a == g->e[i].a && p->b == g->e[i].b) {
			/* Contacts sort first: two details keep the stronger, a text on
			 * top of a detail adds to it. */
			if (g->e[i].why == p->why) {
				if (g->e[i].w > p->w)
					p->w = g->e[i].w;
			} else if (!(p->why & g->e[i].why)) {
				p->w += g->e[i].w;
				p->why |= g->e[i].why;
			}
			continue;
		}
		g->e[k++] = g->e[i];
	}
	g->ne = k;
}

/* ---- components and splits ------------------------------------------------ */

static uint32_t find(uint32_t *p, uint32_t x)
{
	while (p[x] != x) {
		p[x] = p[p[x]];
		x = p[x];
	}
	return x;
}

/* One component's ties by node (local numbers): node i's neighbours are
 * to[off[i]..off[i+1]) with weights w[]. */
struct adj {
	size_t *off;
	uint32_t *to;
	double *w;
};

static void adj_build(struct adj *a, const struct netgraph *g, const size_t *eidx, size_t m,
		      const uint32_t *local, size_t nv)
{
	size_t *fill = xcalloc(nv + 1, sizeof(*fill));

	a->off = xcalloc(nv + 1, sizeof(*a->off));
	a->to = xcalloc(2 * m + 1, sizeof(*a->to));
	a->w = xcalloc(2 * m + 1, sizeof(*a->w));
	for (size_t j = 0; j < m; j++) {
		a->off[local[g->e[eidx[j]].a] + 1]++;
		a->off[local[g->e[eidx[j]].b] + 1]++;
	}
	for (size_t i = 0; i < nv; i++)
		a->off[i + 1] += a->off[i];
	for (size_t j = 0; j < m; j++) {
		const struct netgraph_edge *e = &g->e[eidx[j]];
		uint32_t x = local[e->a], y = local[e->b];

		a->to[a->off[x] + fill[x]] = y;
		a->w[a->off[x] + fill[x]++] = e->w;
		a->to[a->off[y] + fill[y]] = x;
		a->w[a->off[y] + fill[y]++] = e->w;
	}
	free(fill);
}

static void adj_release(struct adj *a)
{
	free(a->off);
	free(a->to);
	free(a->w);
}

/* The community with the largest share of its tie weight at its border,
 * if that share is above max_cond; k when none is. */
static size_t loosest(const struct adj *a, const double *strength, size_t nv,
		      const igraph_vector_int_t *memb, size_t k, const char *dead, double max_cond,
		      double *vol, double *cut)
{
	double V = 0, worst_phi = max_cond;
	size_t worst = k;

	memset(vol, 0, k * sizeof(*vol));
	memset(cut, 0, k * sizeof(*cut));
	for (size_t i = 0; i < nv; i++) {
		size_t c = (size_t)VECTOR(*memb)[i];

		vol[c] += strength[i];
		V += strength[i];
		for (size_t x = a->off[i]; x < a->off[i + 1]; x++)
			if (VECTOR(*memb)[a->to[x]] != (igraph_integer_t)c)
				cut[c] += a->w[x];
	}
	for (size_t c = 0; c < k; c++) {
		double den = fmin(vol[c], V - vol[c]);

		if (!dead[c] && den > 0 && cut[c] / den > worst_phi) {
			worst_phi = cut[c] / den;
			worst = c;
		}
	}
	return worst;
}

/* Dissolves communities whose ties mostly lead outside them, until every
 * community left holds at most max_cond of its weight at its border. A
 * dissolved community's ads go where the community is most tied, except an
 * ad more tied to another community than to the rest of its own, which
 * follows its own ties: Leiden can stop at a community of two ads joined by
 * a copied text, each tied far more to its own group (moving either alone
 * lowers modularity), and moving that pair as one put one ad in the other
 * ad's group. memb is rewritten in place. */
static void merge_loose(const struct netgraph *g, const size_t *eidx, size_t m, const uint32_t *local,
			const double *strength, size_t nv, igraph_vector_int_t *memb, size_t k,
			double max_cond)
{
	double *vol = xcalloc(k, sizeof(*vol)), *cut = xcalloc(k, sizeof(*cut));
	double *row = xcalloc(k, sizeof(*row)), *tie = xcalloc(k, sizeof(*tie));
	igraph_integer_t *dest = xcalloc(nv ? nv : 1, sizeof(*dest));
	char *dead = xcalloc(k, 1);
	size_t alive = k;
	struct adj a;

	adj_build(&a, g, eidx, m, local, nv);
	while (alive > 1) {
		size_t worst = loosest(&a, strength, nv, memb, k, dead, max_cond, vol, cut), best = k;
		igraph_integer_t wc = (igraph_integer_t)worst;

		if (worst == k)
			break;
		memset(row, 0, k * sizeof(*row));
		for (size_t i = 0; i < nv; i++)
			for (size_t x = a.off[i]; VECTOR(*memb)[i] == wc && x < a.off[i + 1]; x++)
				if (VECTOR(*memb)[a.to[x]] != wc)
					row[VECTOR(*memb)[a.to[x]]] += a.w[x];
		for (size_t d = 0; d < k; d++)
			if (!dead[d] && d != worst && row[d] > 0 && (best == k || row[d] > row[best]))
				best = d;
		if (best == k)
			break;
		for (size_t i = 0; i < nv; i++) {
			double inside = 0;
			size_t own = k;

			if (VECTOR(*memb)[i] != wc)
				continue;
			for (size_t x = a.off[i]; x < a.off[i + 1]; x++) {
				size_t c = (size_t)VECTOR(*memb)[a.to[x]];

				if (c == worst)
					inside += a.w[x];
				else
					tie[c] += a.w[x];
			}
			for (size_t x = a.off[i]; x < a.off[i + 1]; x++) {
				size_t c = (size_t)VECTOR(*memb)[a.to[x]];

				if (c != worst && (own == k || tie[c] > tie[own] ||
						   (tie[c] == tie[own] && c < own)))
					own = c;
			}
			dest[i] = (igraph_integer_t)(own < k && tie[own] > inside ? own : best);
			for (size_t x = a.off[i]; x < a.off[i + 1]; x++)
				tie[VECTOR(*memb)[a.to[x]]] = 0;
		}
		for (size_t i = 0; i < nv; i++)
			if (VECTOR(*memb)[i] == wc)
				VECTOR(*memb)[i] = dest[i];
		dead[worst] = 1;
		alive--;
	}
	adj_release(&a);
	free(vol);
	free(cut);
	free(row);
	free(tie);
	free(dest);
	free(dead);
}

/* Leiden on one component (nodes[0..nv), edges eidx[0..m)); rep[] of its
 * nodes set to the lowest node of each community kept. Returns the number
 * of communities (1: left whole), or -1 on an igraph failure. */
static long split_one(const struct netgraph *g, const struct netgraph_split *o, const uint32_t *nodes,
		      size_t nv, const size_t *eidx, size_t m, uint32_t *local, uint32_t *rep)
{
	igraph_vector_int_t ev, memb;
	igraph_vector_t w, nw;
	igraph_t gr;
	igraph_integer_t nc = 0;
	igraph_real_t q = 0, total = 0;
	double *strength = NULL;
	uint32_t *low = NULL;
	long rc = -1;
	int have_gr = 0;
	igraph_error_t ierr;

	for (size_t i = 0; i < nv; i++)
		local[nodes[i]] = (uint32_t)i;
	pthread_mutex_lock(&igraph_mu);
	if (ig.vector_int_init(&ev, (igraph_integer_t)(2 * m)) != IGRAPH_SUCCESS) {
		pthread_mutex_unlock(&igraph_mu);
		return -1;
	}
	ig.vector_init(&w, (igraph_integer_t)m);
	ig.vector_init(&nw, (igraph_integer_t)nv);
	ig.vector_int_init(&memb, (igraph_integer_t)nv);
	pthread_mutex_unlock(&igraph_mu);
	strength = xcalloc(nv, sizeof(*strength));
	for (size_t j = 0; j < m; j++) {
		const struct netgraph_edge *e = &g->e[eidx[j]];

		VECTOR(ev)[2 * j] = local[e->a];
		VECTOR(ev)[2 * j + 1] = local[e->b];
		VECTOR(w)[j] = e->w;
		strength[local[e->a]] += e->w;
		strength[local[e->b]] += e->w;
		total += e->w;
	}
	for (size_t i = 0; i < nv; i++)
		VECTOR(nw)[i] = strength[i];
	/* One hold from seeding to Leiden's end: the generator is shared, and
	 * the same seed must give the same split whatever other lanes do. */
	pthread_mutex_lock(&igraph_mu);
	ierr = ig.create(&gr, &ev, (igraph_integer_t)nv, IGRAPH_UNDIRECTED);
	if (ierr == IGRAPH_SUCCESS) {
		have_gr = 1;
		ig.rng_seed(ig.rng_default(), o->seed);
		/* Modularity: node weights are strengths, resolution 1/(2m). */
		ierr = ig.community_leiden(&gr, &w, &nw, 1.0 / (2.0 * total), 0.01, 0, -1, &memb,
					     &nc, &q);
	}
	pthread_mutex_unlock(&igraph_mu);
	if (ierr != IGRAPH_SUCCESS)
		goto out;
	if (nc > 1 && (size_t)nc <= MERGE_MAX)
		merge_loose(g, eidx, m, local, strength, nv, &memb, (size_t)nc, o->max_conductance);
	low = xcalloc((size_t)nc, sizeof(*low));
	for (igraph_integer_t c = 0; c < nc; c++)
		low[c] = UINT32_MAX;
	for (size_t i = 0; i < nv; i++) {
		igraph_integer_t c = VECTOR(memb)[i];

		if (nodes[i] < low[c])
			low[c] = nodes[i];
	}
	rc = 0;
	for (size_t i = 0; i < nv; i++)
		rep[nodes[i]] = low[VECTOR(memb)[i]];
	for (igraph_integer_t c = 0; c < nc; c++)
		rc += low[c] != UINT32_MAX;
out:
	pthread_mutex_lock(&igraph_mu);
	if (have_gr)
		ig.destroy(&gr);
	ig.vector_int_destroy(&ev);
	ig.vector_int_destroy(&memb);
	ig.vector_destroy(&w);
	ig.vector_destroy(&nw);
	pthread_mutex_unlock(&igraph_mu);
	free(strength);
	free(low);
	return rc;
}

void netgraph_result_release(struct netgraph_result *r)
{
	free(r->part);
	memset(r, 0, sizeof(*r));
}

/* Components of at least min_size nodes, with their nodes and edges
 * grouped (counting sort by component). */
struct comps {
	size_t nbig;
	uint32_t *big_of;       /* per root: index among big components, or UINT32_MAX */
	size_t *nstart, *estart;
	uint32_t *nodes;
	size_t *edges;
};

static void comps_build(struct comps *c, const struct netgraph *g, uint32_t *root, size_t min_size)
{
	size_t *size = xcalloc(g->n ? g->n : 1, sizeof(*size)), *fill;

	memset(c, 0, sizeof(*c));
	c->big_of = xcalloc(g->n ? g->n : 1, sizeof(*c->big_of));
	for (size_t i = 0; i < g->n; i++)
		size[root[i]]++;
	for (size_t i = 0; i < g->n; i++) {
		c->big_of[i] = UINT32_MAX;
		if (min_size >= 2 && size[i] >= min_size)
			c->big_of[i] = (uint32_t)c->nbig++;
	}
	c->nstart = xcalloc(c->nbig + 1, sizeof(*c->nstart));
	c->estart = xcalloc(c->nbig + 1, sizeof(*c->estart));
	for (size_t i = 0; i < g->n; i++)
		if (c->big_of[root[i]] != UINT32_MAX)
			c->nstart[c->big_of[root[i]] + 1]++;
	for (size_t j = 0; j < g->ne; j++)
		if (c->big_of[root[g->e[j].a]] != UINT32_MAX)
			c->estart[c->big_of[root[g->e[j].a]] + 1]++;
	for (size_t k = 0; k < c->nbig; k++) {
		c->nstart[k + 1] += c->nstart[k];
		c->estart[k + 1] += c->estart[k];
	}
	c->nodes = xcalloc(c->nstart[c->nbig] + 1, sizeof(*c->nodes));
	c->edges = xcalloc(c->estart[c->nbig] + 1, sizeof(*c->edges));
	fill = xcalloc(c->nbig + 1, sizeof(*fill));
	for (size_t i = 0; i < g->n; i++) {
		uint32_t b = c->big_of[root[i]];

		if (b != UINT32_MAX)
			c->nodes[c->nstart[b] + fill[b]++] = (uint32_t)i;
	}
	memset(fill, 0, (c->nbig + 1) * sizeof(*fill));
	for (size_t j = 0; j < g->ne; j++) {
		uint32_t b = c->big_of[root[g->e[j].a]];

		if (b != UINT32_MAX)
			c->edges[c->estart[b] + fill[b]++] = j;
	}
	free(fill);
	free(size);
}

static void comps_release(struct comps *c)
{
	free(c->big_of);
	free(c->nstart);
	free(c->estart);
	free(c->nodes);
	free(c->edges);
}

int netgraph_partition(const struct netgraph *g, const struct netgraph_split *o,
		       struct netgraph_result *r, struct lw_error *err)
{
	uint32_t *root = xcalloc(g->n ? g->n : 1, sizeof(*root)), *local = NULL;
	struct comps c;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < g->n; i++)
		root[i] = (uint32_t)i;
	/* Union by lower index: each root is its component's lowest node. */
	for (size_t j = 0; j < g->ne; j++) {
		uint32_t a = find(root, g->e[j].a), b = find(root, g->e[j].b);

		if (a != b)
			root[a < b ? b : a] = a < b ? a : b;
	}
	for (size_t i = 0; i < g->n; i++)
		root[i] = find(root, (uint32_t)i);
	comps_build(&c, g, root, o->min_size);
	local = xcalloc(g->n ? g->n : 1, sizeof(*local));
	/* Only a component big enough to split needs igraph. */
	if (c.nbig > 0) {
		pthread_once(&igraph_once, igraph_load);
		if (igraph_rc < 0) {
			lw_error_set(err, "%s", igraph_err.msg);
			goto out;
		}
	}
	/* root becomes rep: each node's lowest fellow after the splits. */
	for (size_t k = 0; k < c.nbig; k++) {
		size_t nv = c.nstart[k + 1] - c.nstart[k], m = c.estart[k + 1] - c.estart[k];
		long parts = split_one(g, o, c.nodes + c.nstart[k], nv, c.edges + c.estart[k], m, local,
				       root);

		if (parts < 0) {
			lw_error_set(err, "community detection failed on a component of %zu ads", nv);
			goto out;
		}
		r->split += parts > 1;
	}
	for (size_t j = 0; j < g->ne; j++)
		r->cut_edges += root[g->e[j].a] != root[g->e[j].b];
	r->part = xcalloc(g->n ? g->n : 1, sizeof(*r->part));
	for (size_t i = 0; i < g->n; i++)
		r->part[i] = root[i] == i ? (uint32_t)r->nparts++ : r->part[root[i]];
	rc = 0;
out:
	comps_release(&c);
	free(root);
	free(local);
	return rc;
}

/* ---- stable ids ------------------------------------------------------------- */

struct tally {
	long long old;
	uint32_t part;
	size_t n;
};

static int cmp_tally(const void *x, const void *y)
{
	const struct tally *a = x, *b = y;

	if (a->old != b->old)
		return (a->old > b->old) - (a->old < b->old);
	return (a->part > b->part) - (a->part < b->part);
}

static int cmp_ll(const void *x, const void *y)
{
	long long a = *(const long long *)x, b = *(const long long *)y;

	return (a > b) - (a < b);
}

void netgraph_assign_ids(const struct netgraph_result *r, size_t n, const long long *old,
			 const long long *ids, long long *next_fresh, long long *net)
{
	struct tally *t = xcalloc(n ? n : 1, sizeof(*t));
	long long *taken = xcalloc(n ? n : 1, sizeof(*taken));
	size_t *count = xcalloc(r->nparts ? r->nparts : 1, sizeof(*count));
	size_t nt = 0, k = 0, ntaken = 0;

	for (size_t p = 0; p < r->nparts; p++)
		net[p] = -1;
	for (size_t i = 0; i < n; i++)
		if (old[i] >= 0) {
			t[nt].old = old[i];
			t[nt].part = r->part[i];
			t[nt++].n = 1;
		}
	qsort(t, nt, sizeof(*t), cmp_tally);
	for (size_t i = 0; i < nt; i++) {
		if (k && t[k - 1].old == t[i].old && t[k - 1].part == t[i].part)
			t[k - 1].n++;
		else
			t[k++] = t[i];
	}
	nt = k;
	/* Each old id goes to the part holding most of its members; a part
	 * offered several keeps the one it holds most of (olds in ascending
	 * order, so a tie keeps the lower id). */
	for (size_t s = 0, e; s < nt; s = e) {
		size_t best = s;

		for (e = s + 1; e < nt && t[e].old == t[s].old; e++)
			if (t[e].n > t[best].n)
				best = e;
		taken[ntaken++] = t[s].old;
		if (net[t[best].part] < 0 || t[best].n > count[t[best].part]) {
			net[t[best].part] = t[best].old;
			count[t[best].part] = t[best].n;
		}
	}
	qsort(taken, ntaken, sizeof(*taken), cmp_ll);
	/* The rest: their lowest listing id (the first ad of a new network
	 * names it, as incremental linking does) unless an old network had it. */
	for (size_t i = 0; i < n; i++) {
		uint32_t p = r->part[i];

		if (net[p] >= 0)
			continue;
		if (!bsearch(&ids[i], taken, ntaken, sizeof(*taken), cmp_ll))
			net[p] = ids[i];
		else
			net[p] = (*next_fresh)++;
	}
	free(t);
	free(taken);
	free(count);
}
