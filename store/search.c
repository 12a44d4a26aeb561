/* SPDX-License-Identifier: MIT */
/* Full-text search over stored listings, and the indexer that keeps its
 * index outside ingestion (migration 094): ingestion only names new and
 * changed listings in search_pending; store_search_index turns them into
 * listing_search rows in bulk; store_search reads the index for the rest
 * and scans the pending listings' text directly. */
#include <stdio.h>
#include <stdlib.h>

#include "store_internal.h"

/* One statement takes a batch of pending rows (SKIP LOCKED: indexers side
 * by side take different rows), and writes each listing's vector from the
 * text it holds at the statement's snapshot: a change committed later has
 * queued its listing again, so nothing is left stale. DISTINCT because a
 * listing may be queued twice, and ON CONFLICT may touch a row once. */
static const char index_sql[] =
	"WITH p AS (DELETE FROM search_pending WHERE ctid = ANY (ARRAY(SELECT ctid"
	"  FROM search_pending LIMIT $1::integer FOR UPDATE SKIP LOCKED)) RETURNING listing_id),"
	" i AS (INSERT INTO listing_search AS d (listing_id, doc)"
	"  SELECT l.id, to_tsvector('simple', l.title || ' ' || l.body)"
	"  FROM listings l WHERE l.id IN (SELECT listing_id FROM p)"
	"  ON CONFLICT (listing_id) DO UPDATE SET doc = excluded.doc RETURNING 1)"
	" SELECT (SELECT count(*) FROM i), (SELECT count(*) FROM p)";

int store_search_index(struct store *st, long max, long *indexed, struct lw_error *err)
{
	char lim[24];
	const char *p[1] = { lim };
	PGresult *res = NULL;

	snprintf(lim, sizeof(lim), "%ld", max > 0 ? max : STORE_SEARCH_BATCH);
	if (db_exec(st, index_sql, 1, p, &res, err) < 0)
		return lw_error_prefix(err, "search index");
	/* The rows taken, not the listings written: a batch of repeats of
	 * one listing is still work done, and the caller goes on. */
	*indexed = strtol(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	return 0;
}

/* Indexed listings come from the GIN index, except those pending again
 * (their vector may be of an older text); pending ones, newest first up to
 * $4, have their text parsed here. The headline's markers are control
 * characters an ad's text cannot hold after repair... or can, harmlessly:
 * the page escapes everything and only turns these into <mark>. */
static const char search_sql[] =
	"WITH p AS MATERIALIZED (SELECT DISTINCT listing_id AS id FROM search_pending),"
	" tail AS MATERIALIZED (SELECT id FROM p ORDER BY id DESC LIMIT $4::bigint),"
	" m AS MATERIALIZED (SELECT d.listing_id AS id, ts_rank(d.doc, qy) AS r"
	"  FROM listing_search d, websearch_to_tsquery('simple', $1) qy"
	"  WHERE d.doc @@ qy AND NOT EXISTS (SELECT 1 FROM p WHERE p.id = d.listing_id)"
	"  UNION ALL SELECT l.id, ts_rank(v.doc, qy) FROM tail JOIN listings l ON l.id = tail.id"
	"  CROSS JOIN websearch_to_tsquery('simple', $1) qy"
	"  CROSS JOIN LATERAL (SELECT to_tsvector('simple', l.title || ' ' || l.body) AS doc) v"
	"  WHERE v.doc @@ qy)"
	" SELECT json_build_object('total', (SELECT count(*) FROM m),"
	" 'pending', (SELECT count(*) FROM p),"
	" 'unsearched', (SELECT count(*) FROM p) - (SELECT count(*) FROM tail),"
	" 'results', (SELECT coalesce(json_agg(json_build_object('listing_id', l.id, 'url', l.url,"
	"  'title', l.title, 'source', s.name, 'last_seen', l.last_seen, 'rank', round(m.r::numeric, 4),"
	"  'item_id', q.id, 'status', q.status, 'score', q.score,"
	"  'headline', ts_headline('simple', l.body, websearch_to_tsquery('simple', $1),"
	"  'StartSel=\x01, StopSel=\x02, MaxWords=30, MinWords=10, MaxFragments=2'))"
	"  ORDER BY m.r DESC, l.id), '[]')"
	"  FROM (SELECT * FROM m ORDER BY r DESC, id LIMIT $2::bigint OFFSET $3::bigint) m"
	"  JOIN listings l ON l.id = m.id JOIN sources s ON s.id = l.source_id"
	"  LEFT JOIN queue_items q ON q.listing_id = l.id))";

int store_search(struct store *st, const char *query, long limit, long offset, json_t **out,
		 struct lw_error *err)
{
	char lim[24], off[24], tail[24];
	const char *p[4] = { query, lim, off, tail };

	snprintf(lim, sizeof(lim), "%ld", limit > 0 ? limit : 50);
	snprintf(off, sizeof(off), "%ld", offset > 0 ? offset : 0);
	snprintf(tail, sizeof(tail), "%d", STORE_SEARCH_TAIL);
	return db_json(st, search_sql, 4, p, out, err);
}
