/* SPDX-License-Identifier: MIT */
/* Networks of ads joined by shared contact details or near-duplicate text:
 * listing, showing, exporting and rebuilding them. Shapes are built in SQL. */
#include <stdio.h>
#include <stdlib.h>

#include "store_internal.h"

/* Listings linked a statement at a time by a rebuild, as an ingest batch. */
#define REBUILD_BATCH 500
#define REBUILD_BATCH_S "500"

/* Members and the entities they share, for network $1. */
#define MEMBERS_SQL                                                                          \
	"(SELECT coalesce(json_agg(json_build_object('id', l.id, 'url', l.url, 'title', l.title," \
	" 'source', s.name, 'location', l.location, 'first_seen', l.first_seen,"                 \
	" 'score', q.score, 'queue_id', q.id, 'status', q.status) ORDER BY l.first_seen, l.id),"  \
	" '[]'::json) FROM listing_networks n JOIN listings l ON l.id = n.listing_id"            \
	" JOIN sources s ON s.id = l.source_id LEFT JOIN queue_items q ON q.listing_id = l.id"    \
	" WHERE n.network_id = ns.network_id)"
#define SHARED_SQL                                                                           \
	"(SELECT coalesce(json_agg(json_build_object('normalized', x.normalized, 'kinds', x.kinds," \
	" 'listings', x.n, 'written', x.written) ORDER BY x.n DESC, x.normalized), '[]'::json)"   \
	" FROM (SELECT e.normalized, array_agg(DISTINCT e.kind) AS kinds,"                       \
	" count(DISTINCT e.listing_id) AS n, array_agg(DISTINCT e.value) AS written"             \
	" FROM listing_entities e JOIN listing_networks n ON n.listing_id = e.listing_id"         \
	" WHERE n.network_id = ns.network_id GROUP BY e.normalized"                              \
	" HAVING count(DISTINCT e.listing_id) > 1) x)"
#define NETWORK_JSON                                                                         \
	"json_build_object('id', ns.network_id, 'listings', ns.listings, 'sources', ns.sources,"  \
	" 'locations', ns.locations, 'first_seen', ns.first_seen, 'last_seen', ns.last_seen,"     \
	" 'posting_rate', round(ns.posting_rate::numeric, 2), 'max_score', ns.max_score,"         \
	" 'categories', ns.categories, 'members', " MEMBERS_SQL ", 'shared', " SHARED_SQL ")"

int store_network_list(struct store *st, long min_size, json_t **out, struct lw_error *err)
{
	char ms[24];
	const char *p[1] = { ms };

	snprintf(ms, sizeof(ms), "%ld", min_size);
	return db_json(st,
		       "SELECT coalesce(json_agg(" NETWORK_JSON " ORDER BY ns.listings DESC,"
		       " ns.max_score DESC NULLS LAST, ns.network_id), '[]'::json)"
		       " FROM network_stats ns WHERE ns.listings >= $1::integer",
		       1, p, out, err);
}

int store_network_show(struct store *st, long id, json_t **out, struct lw_error *err)
{
	char ids[24];
	const char *p[1] = { ids };

	snprintf(ids, sizeof(ids), "%ld", id);
	return db_json(st,
		       "SELECT " NETWORK_JSON " FROM network_stats ns WHERE ns.network_id = $1::bigint",
		       1, p, out, err);
}

int store_network_of_listing(struct store *st, long listing_id, json_t **out, struct lw_error *err)
{
	char ids[24];
	const char *p[1] = { ids };

	snprintf(ids, sizeof(ids), "%ld", listing_id);
	return db_json(st,
		       "SELECT json_build_object('id', ns.network_id, 'listings', ns.listings,"
		       " 'sources', ns.sources, 'posting_rate', round(ns.posting_rate::numeric, 2))"
		       " FROM listing_networks n JOIN network_stats ns ON ns.network_id = n.network_id"
		       " WHERE n.listing_id = $1::bigint",
		       1, p, out, err);
}

/* Nodes: listings and shared entities; edges: listing-entity, and
 * listing-listing where the texts are near-duplicates ($2 bits). */
int store_network_graph(struct store *st, long id, int max_bits, json_t **out,
			struct lw_error *err)
{
	char ids[24], mb[16];
	const char *p[2] = { ids, mb };

	snprintf(ids, sizeof(ids), "%ld", id);
	snprintf(mb, sizeof(mb), "%d", max_bits);
	return db_json(st,
		"WITH m AS (SELECT listing_id FROM listing_networks WHERE network_id = $1::bigint),"
		" e AS (SELECT DISTINCT e.listing_id, e.kind, e.normalized FROM listing_entities e"
		"  JOIN m ON m.listing_id = e.listing_id),"
		" shared AS (SELECT normalized FROM e GROUP BY normalized HAVING count(DISTINCT listing_id) > 1)"
		" SELECT json_build_object("
		" 'listings', (SELECT coalesce(json_agg(json_build_object('id', l.id, 'url', l.url,"
		"   'title', l.title, 'source', s.name, 'location', l.location, 'first_seen', l.first_seen,"
		"   'score', q.score) ORDER BY l.id), '[]'::json) FROM m JOIN listings l ON l.id = m.listing_id"
		"   JOIN sources s ON s.id = l.source_id LEFT JOIN queue_items q ON q.listing_id = l.id),"
		" 'entities', (SELECT coalesce(json_agg(DISTINCT jsonb_build_object('value', e.normalized,"
		"   'kind', e.kind)), '[]'::json) FROM e JOIN shared USING (normalized)),"
		" 'edges', (SELECT coalesce(json_agg(json_build_object('listing', e.listing_id,"
		"   'entity', e.normalized, 'kind', e.kind)), '[]'::json) FROM e JOIN shared USING (normalized)),"
		" 'near_duplicates', (SELECT coalesce(json_agg(json_build_object('a', f.listing_id,"
		"   'b', o.listing_id, 'bits', bit_count((f.simhash # o.simhash)::bit(64)))), '[]'::json)"
		"   FROM listing_fingerprints f JOIN m ON m.listing_id = f.listing_id"
		"   JOIN listing_fingerprints o ON o.listing_id > f.listing_id"
		"   JOIN m m2 ON m2.listing_id = o.listing_id"
		"   WHERE $2::integer >= 0 AND bit_count((f.simhash # o.simhash)::bit(64)) <= $2::integer))",
		2, p, out, err);
}

/* Every listing, a batch at a time in id order, as ingestion links them. */
static int link_all(struct store *st, const char *skip, int max_bits, struct lw_error *err)
{
	long long ids[REBUILD_BATCH], last = 0;
	char from[24];
	const char *p[1] = { from };
	PGresult *res = NULL;
	size_t n;

	do {
		snprintf(from, sizeof(from), "%lld", last);
		if (db_exec(st, "SELECT id FROM listings WHERE id > $1::bigint ORDER BY id LIMIT "
				REBUILD_BATCH_S, 1, p, &res, err) < 0)
			return -1;
		n = (size_t)PQntuples(res);
		for (size_t i = 0; i < n; i++)
			ids[i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
		PQclear(res);
		if (n)
			last = ids[n - 1];
		if (link_listings(st, ids, n, skip, max_bits, n ? ids[0] : 0, err) < 0)
			return -1;
	} while (n == REBUILD_BATCH);
	return 0;
}

int store_network_rebuild(struct store *st, char *const *exclude, size_t n, int max_bits,
			  long *networks, struct lw_error *err)
{
	char *arr = db_text_array(exclude, n);
	PGresult *res = NULL;
	int rc = -1;

	/* From scratch, in one transaction: readers never see half a rebuild. */
	if (db_begin(st, err) < 0)
		goto out;
	if (db_exec(st, "LOCK TABLE listing_networks IN EXCLUSIVE MODE", 0, NULL, NULL, err) < 0 ||
	    db_exec(st, "DELETE FROM listing_networks", 0, NULL, NULL, err) < 0 ||
	    link_all(st, arr, max_bits, err) < 0 ||
	    db_exec(st, "SELECT count(DISTINCT network_id) FROM listing_networks", 0, NULL, &res,
		    err) < 0 ||
	    db_commit(st, err) < 0) {
		db_rollback(st);
		goto out;
	}
	*networks = atol(PQgetvalue(res, 0, 0));
	rc = 0;
out:
	PQclear(res);
	free(arr);
	return rc;
}
