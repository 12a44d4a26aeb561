/* SPDX-License-Identifier: MIT */
/* Linking a batch of listings into networks at once: one statement finds
 * every candidate tie (network_candidates, migration 009), union-find here
 * joins the batch and the networks it touches into components, and two
 * statements write the merges and the batch's memberships. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "netgraph.h"
#include "store_internal.h"

struct uf {
	size_t *parent;
	size_t n;
};

static size_t uf_find(struct uf *u, size_t x)
{
	while (u->parent[x] != x) {
		u->parent[x] = u->parent[u->parent[x]];
		x = u->parent[x];
	}
	return x;
}

static void uf_union(struct uf *u, size_t a, size_t b)
{
	a = uf_find(u, a);
	b = uf_find(u, b);
	if (a != b)
		u->parent[a < b ? b : a] = a < b ? a : b;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Sorts and deduplicates v, returning the new length. */
static size_t sort_unique(long long *v, size_t n)
{
	size_t k = 0;

	qsort(v, n, sizeof(*v), cmp_ll);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}

static long index_of(const long long *v, size_t n, long long x)
{
	const long long *p = bsearch(&x, v, n, sizeof(*v), cmp_ll);

	return p ? (long)(p - v) : -1;
}

char *db_bigint_array(const long long *v, size_t n)
{
	struct lw_buf b;

	lw_buf_init(&b, (size_t)-1);
	lw_buf_addc(&b, '{');
	for (size_t i = 0; i < n; i++)
		lw_buf_printf(&b, "%s%lld", i ? "," : "", v[i]);
	lw_buf_addc(&b, '}');
	return lw_buf_detach(&b, NULL);
}

/* Only fingerprints sharing a 16-bit band that is not a mass (shared by
 * more than NETGRAPH_TEXT_MASS texts: mass has bit k set for band k, the
 * same for both since the band's value is) are candidates, as in SQL. */
static int near(long long a, long long b, unsigned mass, int max_bits)
{
	uint64_t x = (uint64_t)a ^ (uint64_t)b;

	for (int k = 0; k < 4; k++)
		if (((x >> (16 * k)) & 0xffffu) == 0 && !(mass >> k & 1))
			return __builtin_popcountll(x) <= max_bits;
	return 0;
}

struct fp {
	size_t node;
	long long simhash;
	unsigned mass;          /* bands too common to link */
	unsigned mass_new;      /* of them, those the store just counted */
};

/* What the candidates say, as a union-find over the batch (nodes 0..n-1,
 * in the order of ids) and the networks it touches (nodes n.., in the order
 * of nets). own[i] is batch listing i's network, or -1. */
struct graph {
	long long *ids, *nets;
	size_t n, nnets;
	long long *own;
	struct uf uf;
	struct fp *fps;         /* the batch's fingerprints */
	size_t nfp;
};

static void graph_release(struct graph *g)
{
	free(g->ids);
	free(g->nets);
	free(g->own);
	free(g->uf.parent);
	free(g->fps);
	memset(g, 0, sizeof(*g));
}

static int is_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col);
}

static long long val(const PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Batch mates' near-duplicates: pairs sharing a band that is not mass (mass
 * is the same for both, as the band's value is) and within max_bits, as
 * near() decides, found among the fingerprints sorted by each band in turn.
 * Comparing every pair was two million calls of near() for a 2,000-ad
 * batch, a tenth of an ingest's client CPU; a pair that shares several
 * bands is joined again, which union-find ignores. */
static void join_batch_texts(struct graph *g, int max_bits)
{
	uint64_t *key = xcalloc(g->nfp ? g->nfp : 1, sizeof(*key));

	for (int b = 0; b < 4; b++) {
		size_t m = 0;

		for (size_t i = 0; i < g->nfp; i++)
			if (!(g->fps[i].mass >> b & 1))
				key[m++] = ((uint64_t)g->fps[i].simhash >> (16 * b) & 0xffffu) << 32 | i;
		qsort(key, m, sizeof(*key), cmp_u64);
		for (size_t s = 0, e; s < m; s = e) {
			for (e = s + 1; e < m && key[e] >> 32 == key[s] >> 32; e++)
				;
			for (size_t x = s; x < e; x++)
				for (size_t y = x + 1; y < e; y++) {
					const struct fp *p = &g->fps[(uint32_t)key[x]];
					const struct fp *q = &g->fps[(uint32_t)key[y]];

					if (near(p->simhash, q->simhash, p->mass, max_bits))
						uf_union(&g->uf, p->node, q->node);
				}
		}
	}
	free(key);
}

static void graph_build(struct graph *g, const PGresult *r, int max_bits)
{
	int rows = PQntuples(r);
	struct fp *fps = xcalloc(rows ? (size_t)rows : 1, sizeof(*fps));
	size_t nfp = 0;

	g->fps = fps;

	g->nets = xcalloc(rows ? (size_t)rows : 1, sizeof(*g->nets));
	for (int i = 0; i < rows; i++)
		if (!is_null(r, i, 2))
			g->nets[g->nnets++] = val(r, i, 2);
	g->nnets = sort_unique(g->nets, g->nnets);
	g->uf.n = g->n + g->nnets;
	g->uf.parent = xcalloc(g->uf.n ? g->uf.n : 1, sizeof(*g->uf.parent));
	for (size_t i = 0; i < g->uf.n; i++)
		g->uf.parent[i] = i;
	g->own = xcalloc(g->n ? g->n : 1, sizeof(*g->own));
	for (size_t i = 0; i < g->n; i++)
		g->own[i] = -1;
	for (int i = 0; i < rows; i++) {
		long l = index_of(g->ids, g->n, val(r, i, 0));

		if (l < 0)
			continue;
		if (!is_null(r, i, 2)) {
			long long net = val(r, i, 2);

			uf_union(&g->uf, (size_t)l, g->n + (size_t)index_of(g->nets, g->nnets, net));
			if (!is_null(r, i, 1) && val(r, i, 1) == g->ids[l])
				g->own[l] = net;
		} else if (!is_null(r, i, 1)) {
			long m = index_of(g->ids, g->n, val(r, i, 1));

			if (m >= 0)
				uf_union(&g->uf, (size_t)l, (size_t)m);
		} else if (!is_null(r, i, 3)) {
			fps[nfp].node = (size_t)l;
			fps[nfp].simhash = val(r, i, 3);
			fps[nfp].mass = (unsigned)val(r, i, 4);
			fps[nfp++].mass_new = (unsigned)val(r, i, 5);
		}
	}
	g->nfp = nfp;
	join_batch_texts(g, max_bits);
}

/* Remembers the bands the store found too common to link while answering
 * for this batch, so the next batch skips them at one probe each. */
static int note_mass(struct store *st, const struct graph *g, struct lw_error *err)
{
	long long *band = xcalloc(4 * g->nfp + 1, sizeof(*band));
	long long *value = xcalloc(4 * g->nfp + 1, sizeof(*value));
	char *pb = NULL, *pv = NULL, texts[16];
	const char *p[3];
	size_t k = 0;
	int rc = 0;

	for (size_t i = 0; i < g->nfp; i++)
		for (int b = 0; b < 4; b++)
			if (g->fps[i].mass_new >> b & 1) {
				band[k] = b;
				value[k++] = (long long)(((uint64_t)g->fps[i].simhash >> (16 * b)) & 0xffffu);
			}
	if (k) {
		/* Counted mass + 1 deep: at least that many share it. */
		snprintf(texts, sizeof(texts), "%d", NETGRAPH_TEXT_MASS + 1);
		p[0] = pb = db_bigint_array(band, k);
		p[1] = pv = db_bigint_array(value, k);
		p[2] = texts;
		rc = db_exec(st, "INSERT INTO fingerprint_mass_bands (band, value, texts, turned)"
				 " SELECT DISTINCT b, v, $3::integer, pg_current_xact_id()::text::bigint"
				 " FROM unnest($1::smallint[], $2::integer[]) AS m(b, v)"
				 " ON CONFLICT (band, value) DO NOTHING",
			     3, p, NULL, err);
	}
	free(pb);
	free(pv);
	free(band);
	free(value);
	return rc;
}

/* Each component's network: its lowest existing network, or without one
 * its lowest listing id (the first of them to be linked starts it). has[root]
 * is set for a component that holds an existing network; has is uf.n long. */
static long long *targets(struct graph *g, char *has)
{
	long long *t = xcalloc(g->uf.n ? g->uf.n : 1, sizeof(*t));

	for (size_t i = 0; i < g->uf.n; i++)
		t[i] = INT64_MAX;
	for (size_t k = 0; k < g->nnets; k++) {
		size_t root = uf_find(&g->uf, g->n + k);

		has[root] = 1;
		if (g->nets[k] < t[root])
			t[root] = g->nets[k];
	}
	for (size_t i = 0; i < g->n; i++) {
		size_t root = uf_find(&g->uf, i);

		if (!has[root] && g->ids[i] < t[root])
			t[root] = g->ids[i];
	}
	return t;
}

static int write_pairs(struct store *st, const char *sql, const long long *a, const long long *b,
		       size_t n, struct lw_error *err)
{
	char *pa, *pb;
	const char *p[2];
	int rc;

	if (n == 0)
		return 0;
	pa = db_bigint_array(a, n);
	pb = db_bigint_array(b, n);
	p[0] = pa;
	p[1] = pb;
	rc = db_exec(st, sql, 2, p, NULL, err);
	free(pa);
	free(pb);
	return rc;
}

static int write_networks(struct store *st, struct graph *g, const long long *t,
			  struct lw_error *err)
{
	size_t big = g->n > g->nnets ? g->n : g->nnets;
	long long *a = xcalloc(big ? big : 1, sizeof(*a)), *b = xcalloc(big ? big : 1, sizeof(*b));
	size_t k = 0;
	int rc = -1;

	for (size_t i = 0; i < g->nnets; i++) {
		long long to = t[uf_find(&g->uf, g->n + i)];

		if (to != g->nets[i]) {
			a[k] = g->nets[i];
			b[k++] = to;
		}
	}
	/* Logged before the move, while the merged networks can be counted:
	 * an analyst following network 12 learns it became part of 7. */
	if (write_pairs(st,
			"INSERT INTO network_events (kind, network_id, others, listings, cause)"
			" SELECT 'merge', m.target, array_agg(m.old ORDER BY m.old),"
			" (SELECT count(*) FROM listing_networks n WHERE n.network_id = ANY (array_agg(m.old))),"
			" 'ingest' FROM unnest($1::bigint[], $2::bigint[]) AS m(old, target) GROUP BY m.target",
			a, b, k, err) < 0)
		goto out;
	if (write_pairs(st,
			"UPDATE listing_networks n SET network_id = m.target"
			" FROM unnest($1::bigint[], $2::bigint[]) AS m(old, target)"
			" WHERE n.network_id = m.old",
			a, b, k, err) < 0)
		goto out;
	/* A listing already in a network moved with it (merged or not). */
	k = 0;
	for (size_t i = 0; i < g->n; i++) {
		if (g->own[i] >= 0)
			continue;
		a[k] = g->ids[i];
		b[k++] = t[uf_find(&g->uf, i)];
	}
	if (write_pairs(st,
			"INSERT INTO listing_networks (listing_id, network_id)"
			" SELECT * FROM unnest($1::bigint[], $2::bigint[])"
			" ON CONFLICT (listing_id) DO UPDATE SET network_id = excluded.network_id",
			a, b, k, err) < 0)
		goto out;
	rc = 0;
out:
	free(a);
	free(b);
	return rc;
}

/* The networks the batch's listings are in once written that may have
 * split_min_size members or more, for the recut's choice (which counts
 * them). A component without an existing network is the batch's listings
 * alone, and its network is new, named after the lowest of them (never an
 * existing network's id: an existing network's id is a listing of its own or
 * a fresh one a billion past the listings, migration 010), so one smaller
 * than that is left out here: most are one ad. Reading the batch's networks
 * back cost a probe of listing_networks for each listing, and one of its
 * network index for each network. Returns how many were written to nets (as
 * long as the batch). */
static size_t batch_nets(struct graph *g, const long long *t, const char *has, size_t min_size,
			 long long *nets)
{
	size_t *count = xcalloc(g->uf.n ? g->uf.n : 1, sizeof(*count)), k = 0;

	for (size_t i = 0; i < g->n; i++)
		count[uf_find(&g->uf, i)]++;
	for (size_t r = 0; r < g->uf.n && min_size; r++)
		if (count[r] && (has[r] || count[r] >= min_size))
			nets[k++] = t[r];
	free(count);
	return k;
}

void link_hubs_init(struct link_hubs *h, const struct store_network_rules *r)
{
	h->known = db_text_array(r->known, r->nknown);
	snprintf(h->max_ads, sizeof(h->max_ads), "%d", r->hub_max_ads);
	snprintf(h->min_ads, sizeof(h->min_ads), "%d", r->hub_min_ads);
	snprintf(h->min_places, sizeof(h->min_places), "%d", r->hub_min_places);
	h->split_min_size = r->split_min_size;
	h->split_max_conductance = r->split_max_conductance;
	h->off = !r->link_on_ingest;
	h->background = r->link_in_background;
}

void link_hubs_release(struct link_hubs *h)
{
	free(h->known);
	h->known = NULL;
}

/* Recounts the statistics of the batch's details that could cross a
 * threshold now, so that one crossing it stops linking now; the others only
 * note the batch's ads (contact_stats_refresh_batch, migration 108: a group's
 * number read all its ads deep for every batch that carried it made this
 * grow with the store). A detail already generic is not recounted: counts
 * only grow as ads arrive, so it stays generic, and a switchboard's
 * thousands of rows read again for every batch made ingestion slow down as
 * the store grew. Its figures are brought up to date by a rebuild. */
static int refresh_hubs(struct store *st, const char *arr, const char *skip,
			const struct link_hubs *h, struct lw_error *err)
{
	const char *p[6] = { arr, skip, h->known, h->max_ads, h->min_ads, h->min_places };

	return db_exec(st,
		       "SELECT contact_stats_refresh_batch($1::bigint[], $2::text[], $3::text[],"
		       " $4::integer, $5::integer, $6::integer)",
		       6, p, NULL, err);
}

/* Linking only ever merges; what it merged may not belong together: a
 * detail that turned generic in this batch glued its ads' networks, as did
 * a text band that turned out to be everyone's boilerplate, and a template
 * copied into another group pulled that group in. So the networks with a
 * detail that turned generic now, those with a text in a band found too
 * common now, and those of the batch large enough to be split, are
 * recomputed as a rebuild would.
 *
 * A detail or band ties only the ads that carry it, so a network holding
 * one of its ads lost no tie of its own when it stopped counting: only
 * networks holding two or more are recomputed. A band turns common at 200
 * texts, nearly all of them alone in their networks: at 980,000 listings
 * a 2,000-ad batch recomputed 585 to 1,735 networks for such bands, 94% of
 * them single ads, which a recut cannot change (now 8 to 23 networks). */
static int recut_batch(struct store *st, const long long *batch, size_t nbatch, const char *skip,
		       int max_bits, const struct link_hubs *h, struct lw_error *err)
{
	char ms[24], *arr = db_bigint_array(batch, nbatch);
	const char *p[2] = { arr, ms };
	PGresult *res = NULL;
	long long *nets;
	size_t n;
	int rc;

	snprintf(ms, sizeof(ms), "%zu", h->split_min_size ? h->split_min_size : (size_t)1 << 30);
	rc = db_exec(st, "SELECT t.network_id FROM unnest($1::bigint[]) AS t(network_id)"
			/* Whether there are that many members, not how many. */
			" WHERE EXISTS (SELECT FROM listing_networks m"
			" WHERE m.network_id = t.network_id OFFSET $2::integer - 1)"
			" UNION SELECT n.network_id FROM contact_stats c"
			" JOIN listing_entities e ON e.normalized = c.normalized"
			" JOIN listing_networks n ON n.listing_id = e.listing_id"
			" WHERE c.turned = pg_current_xact_id()::text::bigint"
			" GROUP BY n.network_id, c.normalized HAVING count(DISTINCT e.listing_id) > 1"
			" UNION SELECT n.network_id FROM fingerprint_mass_bands m"
			" CROSS JOIN LATERAL (SELECT o.listing_id FROM listing_fingerprints o"
			" WHERE m.band = 0 AND o.band0 = m.value"
			" UNION ALL SELECT o.listing_id FROM listing_fingerprints o"
			" WHERE m.band = 1 AND o.band1 = m.value"
			" UNION ALL SELECT o.listing_id FROM listing_fingerprints o"
			" WHERE m.band = 2 AND o.band2 = m.value"
			" UNION ALL SELECT o.listing_id FROM listing_fingerprints o"
			" WHERE m.band = 3 AND o.band3 = m.value) o"
			" JOIN listing_networks n ON n.listing_id = o.listing_id"
			" WHERE m.turned = pg_current_xact_id()::text::bigint"
			" GROUP BY n.network_id, m.band, m.value HAVING count(DISTINCT o.listing_id) > 1",
		     2, p, &res, err);
	free(arr);
	if (rc < 0)
		return -1;
	n = (size_t)PQntuples(res);
	nets = xcalloc(n ? n : 1, sizeof(*nets));
	for (size_t i = 0; i < n; i++)
		nets[i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
	PQclear(res);
	rc = network_recut(st, nets, n, skip, max_bits, h->split_min_size, h->split_max_conductance,
			   err);
	free(nets);
	return rc;
}

int link_listings(struct store *st, const long long *ids, size_t n, const char *skip,
		  int max_bits, long long below, const struct link_hubs *hubs,
		  struct lw_error *err)
{
	struct graph g;
	long long *t = NULL, *nets = NULL;
	char *arr = NULL, *has = NULL, mb[16], bl[24], ms[16];
	const char *p[5];
	PGresult *res = NULL;
	int rc = -1;

	memset(&g, 0, sizeof(g));
	/* Off for a backfill (one rebuild afterwards costs less than linking
	 * every batch) and to measure what linking adds to ingestion. */
	if (n == 0 || (hubs && hubs->off))
		return 0;
	g.ids = xcalloc(n, sizeof(*g.ids));
	memcpy(g.ids, ids, n * sizeof(*ids));
	g.n = sort_unique(g.ids, n);
	arr = db_bigint_array(g.ids, g.n);
	snprintf(mb, sizeof(mb), "%d", max_bits);
	p[0] = arr;
	p[1] = skip;
	p[2] = mb;
	snprintf(bl, sizeof(bl), "%lld", below);
	p[3] = below > 0 ? bl : NULL;
	snprintf(ms, sizeof(ms), "%d", NETGRAPH_TEXT_MASS);
	p[4] = ms;
	/* One batch links at a time, whichever process it comes from. Each
	 * statement sees only committed ads, so two batches linking at once
	 * never saw each other's: an ad and its mate written at the same moment
	 * by two ingests (or rescan --jobs) stayed apart, and their number's
	 * count of ads stayed one short. Taken before the first statement that
	 * reads what other batches link, held until commit. */
	if (db_exec(st, "SELECT pg_advisory_xact_lock(" LOCK_LINK ")", 0, NULL, NULL, err) < 0)
		goto out;
	if (hubs && refresh_hubs(st, arr, skip, hubs, err) < 0)
		goto out;
	if (db_exec(st, "SELECT listing_id, mate, network_id, simhash, mass_bands, mass_new"
			" FROM network_candidates($1::bigint[], $2::text[], $3::integer, $4::bigint,"
			" $5::integer)",
		    5, p, &res, err) < 0)
		goto out;
	graph_build(&g, res, max_bits);
	if (note_mass(st, &g, err) < 0)
		goto out;
	has = xcalloc(g.uf.n ? g.uf.n : 1, 1);
	t = targets(&g, has);
	rc = write_networks(st, &g, t, err);
	if (rc == 0 && hubs) {
		nets = xcalloc(g.n, sizeof(*nets));
		rc = recut_batch(st, nets, batch_nets(&g, t, has, hubs->split_min_size, nets), skip,
				 max_bits, hubs, err);
	}
out:
	PQclear(res);
	free(arr);
	free(has);
	free(t);
	free(nets);
	graph_release(&g);
	return rc;
}
