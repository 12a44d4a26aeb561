/* SPDX-License-Identifier: MIT */
/* `network rebuild`: every network recomputed at once from the strong
 * edges (store/netgraph.c), loosely knit components split, ids kept, and
 * the merges and splits that happened logged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/xmalloc.h"
#include "netgraph.h"
#include "store_internal.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_ll(const void *x, const void *y)
{
	long long a = *(const long long *)x, b = *(const long long *)y;

	return (a > b) - (a < b);
}

/* Every listing in id order (the nodes) and its network before. */
struct nodes {
	long long *ids, *old;
	size_t n;
};

/* All listings, or (nets not NULL, a bigint[] literal) the members of
 * those networks. */
static int load_nodes(struct store *st, const char *nets, struct nodes *nd, struct lw_error *err)
{
	PGresult *res = NULL;
	const char *p[1] = { nets };

	if (db_exec(st, nets ? "SELECT listing_id, network_id FROM listing_networks"
			       " WHERE network_id = ANY ($1::bigint[]) ORDER BY 1"
			     : "SELECT l.id, coalesce(n.network_id, -1) FROM listings l"
			       " LEFT JOIN listing_networks n ON n.listing_id = l.id ORDER BY l.id",
		    nets ? 1 : 0, nets ? p : NULL, &res, err) < 0)
		return -1;
	nd->n = (size_t)PQntuples(res);
	nd->ids = xcalloc(nd->n ? nd->n : 1, sizeof(*nd->ids));
	nd->old = xcalloc(nd->n ? nd->n : 1, sizeof(*nd->old));
	for (size_t i = 0; i < nd->n; i++) {
		nd->ids[i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
		nd->old[i] = strtoll(PQgetvalue(res, (int)i, 1), NULL, 10);
	}
	PQclear(res);
	return 0;
}

static long node_of(const struct nodes *nd, long long id)
{
	const long long *p = bsearch(&id, nd->ids, nd->n, sizeof(*nd->ids), cmp_ll);

	return p ? (long)(p - nd->ids) : -1;
}

/* Recounts the fingerprint bands too common to link (incremental linking
 * reads them; a rescan may have shrunk one). */
static int recount_mass(struct store *st, struct lw_error *err)
{
	char ms[16];
	const char *p[1] = { ms };

	snprintf(ms, sizeof(ms), "%d", NETGRAPH_TEXT_MASS);
	return db_exec(st, "SELECT fingerprint_mass_recount($1::integer)", 1, p, NULL, err);
}

/* Recounts every shared detail and decides which are generic. */
static int refresh_stats(struct store *st, const struct store_network_rules *r, const char *skip,
			 long *generic, struct lw_error *err)
{
	struct link_hubs h;
	const char *p[5];
	PGresult *res = NULL;
	int rc = -1;

	link_hubs_init(&h, r);
	p[0] = skip;
	p[1] = h.known;
	p[2] = h.max_ads;
	p[3] = h.min_ads;
	p[4] = h.min_places;
	if (db_exec(st, "DELETE FROM contact_stats", 0, NULL, NULL, err) < 0 ||
	    db_exec(st, "SELECT contact_stats_refresh(NULL, $1::text[], $2::text[], $3::integer,"
			" $4::integer, $5::integer)", 5, p, NULL, err) < 0 ||
	    db_exec(st, "SELECT count(*) FROM contact_stats WHERE generic IS NOT NULL", 0, NULL, &res,
		    err) < 0)
		goto out;
	*generic = atol(PQgetvalue(res, 0, 0));
	rc = 0;
out:
	PQclear(res);
	link_hubs_release(&h);
	return rc;
}

/* Ties through every shared detail that is not generic (of the listings
 * ids, a bigint[] literal, when not NULL: a detail that links is never
 * shared across networks, so their details are all of its ads). */
static int add_contacts(struct store *st, const struct nodes *nd, const char *skip, const char *ids,
			struct netgraph *g, struct lw_error *err)
{
	const char *p[2] = { skip, ids };
	PGresult *res = NULL;
	uint32_t *run = NULL;
	size_t k = 0;
	int rows;

	/* The listings' details first (OFFSET 0 keeps the planner from starting
	 * at contact_stats): started there, it read every shared detail in the
	 * store and all of its ads, 905 details and 14,700 pages for a recut
	 * of 3,200 listings at 100,000, growing with the store. */
	if (db_exec(st, ids ? "SELECT c.normalized, e.listing_id FROM (SELECT listing_id, normalized"
			      " FROM listing_entities WHERE listing_id = ANY ($2::bigint[]) OFFSET 0) e"
			      " JOIN contact_stats c ON c.normalized = e.normalized"
			      " WHERE c.generic IS NULL"
			      " AND NOT (c.normalized = ANY ($1::text[])) GROUP BY 1, 2 ORDER BY 1, 2"
			    : "SELECT c.normalized, e.listing_id FROM contact_stats c"
			      " JOIN listing_entities e ON e.normalized = c.normalized"
			      " WHERE c.generic IS NULL AND NOT (c.normalized = ANY ($1::text[]))"
			      " GROUP BY 1, 2 ORDER BY 1, 2",
		    ids ? 2 : 1, p, &res, err) < 0)
		return -1;
	rows = PQntuples(res);
	run = xcalloc(rows ? (size_t)rows : 1, sizeof(*run));
	for (int i = 0; i < rows; i++) {
		long node = node_of(nd, strtoll(PQgetvalue(res, i, 1), NULL, 10));

		if (i && strcmp(PQgetvalue(res, i, 0), PQgetvalue(res, i - 1, 0))) {
			netgraph_add_contact(g, run, k);
			k = 0;
		}
		if (node >= 0)
			run[k++] = (uint32_t)node;
	}
	netgraph_add_contact(g, run, k);
	free(run);
	PQclear(res);
	return 0;
}

/* Ties through near-duplicate texts. Of some listings (ids not NULL) the
 * store says which of their bands are shared by more than the mass of
 * texts; of all, the graph counts them itself. */
static int add_texts(struct store *st, const struct nodes *nd, int max_bits, const char *ids,
		     struct netgraph *g, struct lw_error *err)
{
	char ms[16];
	const char *p[2] = { ids, ms };
	PGresult *res = NULL;
	uint64_t *sh;
	unsigned char *has, *mass = NULL;

	if (max_bits < 0)
		return 0;
	snprintf(ms, sizeof(ms), "%d", NETGRAPH_TEXT_MASS);
	/* Each band against a hash of that band's mass values (a handful),
	 * built once: a row per band joined and summed back was four rows and
	 * a hash aggregate for every listing of a recut. */
	if (db_exec(st, ids ? "SELECT p.listing_id, p.simhash,"
			      " CASE WHEN p.band0 IN (SELECT m.value FROM fingerprint_mass_bands m"
			      " WHERE m.band = 0 AND m.texts > $2::integer) THEN 1 ELSE 0 END"
			      " | CASE WHEN p.band1 IN (SELECT m.value FROM fingerprint_mass_bands m"
			      " WHERE m.band = 1 AND m.texts > $2::integer) THEN 2 ELSE 0 END"
			      " | CASE WHEN p.band2 IN (SELECT m.value FROM fingerprint_mass_bands m"
			      " WHERE m.band = 2 AND m.texts > $2::integer) THEN 4 ELSE 0 END"
			      " | CASE WHEN p.band3 IN (SELECT m.value FROM fingerprint_mass_bands m"
			      " WHERE m.band = 3 AND m.texts > $2::integer) THEN 8 ELSE 0 END"
			      " FROM listing_fingerprints p WHERE p.listing_id = ANY ($1::bigint[])"
			    : "SELECT listing_id, simhash FROM listing_fingerprints",
		    ids ? 2 : 0, ids ? p : NULL, &res, err) < 0)
		return -1;
	sh = xcalloc(nd->n ? nd->n : 1, sizeof(*sh));
	has = xcalloc(nd->n ? nd->n : 1, 1);
	if (ids)
		mass = xcalloc(nd->n ? nd->n : 1, 1);
	for (int i = 0; i < PQntuples(res); i++) {
		long node = node_of(nd, strtoll(PQgetvalue(res, i, 0), NULL, 10));

		if (node < 0)
			continue;
		sh[node] = (uint64_t)strtoll(PQgetvalue(res, i, 1), NULL, 10);
		has[node] = 1;
		if (mass)
			mass[node] = (unsigned char)atoi(PQgetvalue(res, i, 2));
	}
	PQclear(res);
	netgraph_add_texts(g, sh, has, mass, max_bits);
	free(sh);
	free(has);
	free(mass);
	return 0;
}

/* ---- merges and splits ------------------------------------------------------ */

struct move {
	long long from, to;
	long n;
};

static int cmp_move(const void *x, const void *y)
{
	const struct move *a = x, *b = y;

	if (a->from != b->from)
		return (a->from > b->from) - (a->from < b->from);
	return (a->to > b->to) - (a->to < b->to);
}

/* Tallies (from, to) over the nodes, sorted by from then to. */
static size_t tally(const long long *from, const long long *to, size_t n, struct move *m)
{
	size_t k = 0, nm = 0;

	for (size_t i = 0; i < n; i++)
		if (from[i] >= 0 && to[i] >= 0) {
			m[k].from = from[i];
			m[k].to = to[i];
			m[k++].n = 1;
		}
	qsort(m, k, sizeof(*m), cmp_move);
	for (size_t i = 0; i < k; i++) {
		if (nm && m[nm - 1].from == m[i].from && m[nm - 1].to == m[i].to)
			m[nm - 1].n++;
		else
			m[nm++] = m[i];
	}
	return nm;
}

/* One event per network that drew ads from others (merge: keyed by the new
 * id, others the old ids) or whose ads went to several (split: keyed by the
 * old id, others the new ones). self is the key's own id, counted out. */
static void events_of(json_t *out, const char *kind, const struct move *m, size_t nm, long *count)
{
	for (size_t s = 0, e; s < nm; s = e) {
		json_t *others = json_array();
		long moved = 0;
		size_t groups = 0;
		int kept = 0;

		for (e = s; e < nm && m[e].from == m[s].from; e++) {
			groups++;
			kept |= m[e].to == m[s].from;
			if (m[e].to != m[s].from) {
				json_array_append_new(others, json_integer(m[e].to));
				moved += m[e].n;
			}
		}
		/* A split needs two destinations; a merge is a network that kept
		 * its id and drew ads from others (a part of a split that got a
		 * new id is logged with the split). */
		if (json_array_size(others) && (kind[0] == 'm' ? kept : groups > 1)) {
			json_array_append_new(out, json_pack("{s:s, s:I, s:o, s:I}", "kind", kind,
							     "network_id", (json_int_t)m[s].from,
							     "others", others, "listings",
							     (json_int_t)moved));
			(*count)++;
		} else {
			json_decref(others);
		}
	}
}

static int log_events(struct store *st, const struct nodes *nd, const long long *newid,
		      const char *cause, struct store_rebuild_stats *s, struct lw_error *err)
{
	struct move *m = xcalloc(nd->n ? nd->n : 1, sizeof(*m));
	json_t *ev = json_array();
	char *txt = NULL;
	const char *p[2];
	size_t nm;
	int rc = -1;

	nm = tally(newid, nd->old, nd->n, m);        /* by new id: what it drew from */
	events_of(ev, "merge", m, nm, &s->merges);
	nm = tally(nd->old, newid, nd->n, m);        /* by old id: where its ads went */
	events_of(ev, "split", m, nm, &s->splits);
	if (json_array_size(ev) == 0) {
		rc = 0;
		goto out;
	}
	txt = json_dumps(ev, JSON_COMPACT);
	p[0] = txt;
	p[1] = cause;
	if (db_exec(st, "INSERT INTO network_events (kind, network_id, others, listings, cause)"
			" SELECT x.kind, x.network_id,"
			" ARRAY(SELECT jsonb_array_elements_text(x.others)::bigint), x.listings, $2"
			" FROM jsonb_to_recordset($1::jsonb) AS x(kind text, network_id bigint,"
			" others jsonb, listings integer)",
		    2, p, NULL, err) < 0)
		goto out;
	rc = 0;
out:
	free(txt);
	json_decref(ev);
	free(m);
	return rc;
}

/* ---- the rebuild ------------------------------------------------------------- */

/* The listings whose network changed, as two bigint[] literals. */
static size_t changed(const struct nodes *nd, const long long *newid, char **ids, char **nets)
{
	long long *a = xcalloc(nd->n ? nd->n : 1, sizeof(*a)), *b = xcalloc(nd->n ? nd->n : 1, sizeof(*b));
	size_t k = 0;

	for (size_t i = 0; i < nd->n; i++)
		if (newid[i] != nd->old[i]) {
			a[k] = nd->ids[i];
			b[k++] = newid[i];
		}
	*ids = db_bigint_array(a, k);
	*nets = db_bigint_array(b, k);
	free(a);
	free(b);
	return k;
}

static int write_networks(struct store *st, const struct nodes *nd, const long long *newid,
			  long long next_fresh, int all, struct lw_error *err)
{
	char *a = NULL, *b = NULL, nf[24];
	const char *p[2];
	size_t k = 0;
	int rc = 0;

	/* A recut (inside the batch's transaction, nd->old read in it) leaves
	 * most networks as they were: only the listings that moved are sent. */
	if (all) {
		a = db_bigint_array(nd->ids, nd->n);
		b = db_bigint_array(newid, nd->n);
	} else {
		k = changed(nd, newid, &a, &b);
	}
	p[0] = a;
	p[1] = b;
	snprintf(nf, sizeof(nf), "%lld", next_fresh);
	if (all) {
		rc = db_exec(st, "DELETE FROM listing_networks", 0, NULL, NULL, err);
		if (rc == 0)
			rc = db_exec(st, "INSERT INTO listing_networks (listing_id, network_id)"
					 " SELECT * FROM unnest($1::bigint[], $2::bigint[])", 2, p, NULL,
				     err);
	} else if (k > 0) {
		rc = db_exec(st, "UPDATE listing_networks n SET network_id = m.net"
				 " FROM unnest($1::bigint[], $2::bigint[]) AS m(id, net)"
				 " WHERE n.listing_id = m.id AND n.network_id <> m.net", 2, p, NULL, err);
	}
	p[0] = nf;
	if (rc == 0)
		rc = db_exec(st, "SELECT setval('network_ids', $1::bigint, false)", 1, p, NULL, err);
	free(a);
	free(b);
	return rc;
}

static void figures(const struct netgraph_result *res, size_t n, struct store_rebuild_stats *s)
{
	size_t *size = xcalloc(res->nparts ? res->nparts : 1, sizeof(*size));

	for (size_t i = 0; i < n; i++)
		size[res->part[i]]++;
	for (size_t p = 0; p < res->nparts; p++) {
		s->networks += size[p] > 1;
		if ((long)size[p] > s->largest)
			s->largest = (long)size[p];
	}
	s->split = (long)res->split;
	s->cut_edges = (long)res->cut_edges;
	free(size);
}

static int next_fresh_id(struct store *st, long long *next, struct lw_error *err)
{
	PGresult *res = NULL;

	if (db_exec(st, "SELECT nextval('network_ids')", 0, NULL, &res, err) < 0)
		return -1;
	*next = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

/* A recut names a part that holds none of its networks' old ids after its
 * lowest listing, as a rebuild does; but where a rebuild renames every
 * network, a recut sees only some, and a network outside it may still be
 * called after that listing (it kept the id when the listing left it, as
 * the part holding most of its members). Named so, the part became one
 * network with it: at 1,000,000 listings two true groups of 25 and 23 ads
 * that shared nothing ended in one network of 48 this way. Such a part
 * takes a fresh id instead. */
static int unclash_ids(struct store *st, const struct nodes *nd, const struct netgraph_result *r,
		       long long *next, long long *net, struct lw_error *err)
{
	long long *olds = xcalloc(nd->n ? nd->n : 1, sizeof(*olds));
	long long *names = xcalloc(r->nparts ? r->nparts : 1, sizeof(*names));
	size_t no = 0, nn = 0;
	char *arr = NULL;
	const char *p[1];
	PGresult *res = NULL;
	int rc = -1;

	for (size_t i = 0; i < nd->n; i++)
		if (nd->old[i] >= 0)
			olds[no++] = nd->old[i];
	qsort(olds, no, sizeof(*olds), cmp_ll);
	/* The parts named after a listing rather than given an old id. */
	for (size_t q = 0; q < r->nparts; q++)
		if (!bsearch(&net[q], olds, no, sizeof(*olds), cmp_ll))
			names[nn++] = net[q];
	if (nn == 0) {
		rc = 0;
		goto out;
	}
	arr = db_bigint_array(names, nn);
	p[0] = arr;
	if (db_exec(st, "SELECT DISTINCT c.id FROM unnest($1::bigint[]) AS c(id)"
			" WHERE EXISTS (SELECT FROM listing_networks n WHERE n.network_id = c.id)",
		    1, p, &res, err) < 0)
		goto out;
	for (int i = 0; i < PQntuples(res); i++) {
		long long busy = strtoll(PQgetvalue(res, i, 0), NULL, 10);

		for (size_t q = 0; q < r->nparts; q++)
			if (net[q] == busy)
				net[q] = (*next)++;
	}
	rc = 0;
out:
	PQclear(res);
	free(arr);
	free(olds);
	free(names);
	return rc;
}

/* The networks of nd's listings recomputed from their strong edges (all
 * listings when all is 1), written and logged. Inside the caller's
 * transaction. */
static int recompute(struct store *st, struct nodes *nd, const char *skip, int max_bits,
		     const struct netgraph_split *so, int all, const char *cause,
		     struct store_rebuild_stats *s, struct lw_error *err)
{
	struct netgraph g;
	struct netgraph_result res;
	char *ids = all ? NULL : db_bigint_array(nd->ids, nd->n);
	long long *net = NULL, *newid = NULL, next = 0;
	int rc = -1;

	memset(&res, 0, sizeof(res));
	netgraph_init(&g, nd->n);
	if (add_contacts(st, nd, skip, ids, &g, err) < 0 || add_texts(st, nd, max_bits, ids, &g, err) < 0)
		goto out;
	netgraph_finish(&g);
	if (netgraph_partition(&g, so, &res, err) < 0 || next_fresh_id(st, &next, err) < 0)
		goto out;
	net = xcalloc(res.nparts ? res.nparts : 1, sizeof(*net));
	netgraph_assign_ids(&res, nd->n, nd->old, nd->ids, &next, net);
	if (!all && unclash_ids(st, nd, &res, &next, net, err) < 0)
		goto out;
	newid = xcalloc(nd->n ? nd->n : 1, sizeof(*newid));
	for (size_t i = 0; i < nd->n; i++)
		newid[i] = net[res.part[i]];
	s->listings += (long)nd->n;
	s->edges += (long)g.ne;
	figures(&res, nd->n, s);
	if (write_networks(st, nd, newid, next, all, err) < 0 ||
	    log_events(st, nd, newid, cause, s, err) < 0)
		goto out;
	rc = 0;
out:
	netgraph_release(&g);
	netgraph_result_release(&res);
	free(ids);
	free(net);
	free(newid);
	return rc;
}

int network_recut(struct store *st, const long long *nets, size_t n, const char *skip, int max_bits,
		  size_t split_min_size, double split_max_conductance, struct lw_error *err)
{
	struct netgraph_split so = { split_min_size, split_max_conductance, 16 };
	struct store_rebuild_stats s;
	struct nodes nd = { NULL, NULL, 0 };
	char *arr;
	int rc;

	if (n == 0)
		return 0;
	memset(&s, 0, sizeof(s));
	arr = db_bigint_array(nets, n);
	rc = load_nodes(st, arr, &nd, err);
	if (rc == 0)
		rc = recompute(st, &nd, skip, max_bits, &so, 0, "ingest", &s, err);
	free(arr);
	free(nd.ids);
	free(nd.old);
	return rc;
}

int store_network_rebuild(struct store *st, const struct store_network_rules *r,
			  struct store_rebuild_stats *s, struct lw_error *err)
{
	struct netgraph_split so = { r->split_min_size, r->split_max_conductance, 16 };
	struct nodes nd = { NULL, NULL, 0 };
	char *skip = db_text_array(r->exclude, r->nexclude);
	double t0 = now();
	int rc = -1, saved = db_long_begin(st);

	memset(s, 0, sizeof(*s));
	/* In one transaction: readers never see half a rebuild. */
	if (db_begin(st, err) < 0)
		goto out;
	/* Linking's lock first: a batch that had read the networks before the
	 * rebuild would otherwise write its links into the rebuilt ones. */
	if (db_exec(st, "SELECT pg_advisory_xact_lock(" LOCK_LINK ")", 0, NULL, NULL, err) < 0 ||
	    db_exec(st, "LOCK TABLE listing_networks IN EXCLUSIVE MODE", 0, NULL, NULL, err) < 0 ||
	    load_nodes(st, NULL, &nd, err) < 0 || refresh_stats(st, r, skip, &s->generic, err) < 0 ||
	    recount_mass(st, err) < 0 ||
	    recompute(st, &nd, skip, r->max_bits, &so, 1, "rebuild", s, err) < 0 ||
	    db_commit(st, err) < 0) {
		db_rollback(st);
		goto out;
	}
	s->seconds = now() - t0;
	rc = 0;
out:
	db_long_end(st, saved);
	free(nd.ids);
	free(nd.old);
	free(skip);
	return rc;
}
