/* SPDX-License-Identifier: MIT */
/* Reading stored listings back for a rescan, in id order, a page at a time
 * (memory stays flat however many listings there are), and the chunks that
 * share one rescan among processes. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "store_internal.h"

/* $1 since (timestamptz or NULL), $2 source name (or NULL). */
#define RESCAN_FILTER                                                                   \
	" ($1::timestamptz IS NULL OR l.last_seen >= $1::timestamptz)"                   \
	" AND ($2::text IS NULL OR l.source_id = (SELECT id FROM sources WHERE name = $2))"

int store_rescan_count(struct store *st, const char *since, const char *source, long *n,
		       struct lw_error *err)
{
	const char *p[2] = { since, source };
	PGresult *res = NULL;

	if (db_exec(st, "SELECT count(*) FROM listings l WHERE" RESCAN_FILTER, 2, p, &res, err) < 0)
		return -1;
	*n = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

struct store_rescan {
	struct store *conn;     /* a connection of its own, kept across chunks */
	char *since, *source, *pack;
	long next, hi;          /* the ids still to read: next..hi */
	int drained;            /* a short page came back: nothing left in next..hi */
};

void store_rescan_close(struct store_rescan *r)
{
	if (!r)
		return;
	store_close(r->conn);
	free(r->since);
	free(r->source);
	free(r->pack);
	free(r);
}

struct store_rescan *store_rescan_open(struct store *st, const char *since, const char *source,
				       const char *pack, struct lw_error *err)
{
	struct store_rescan *r = xcalloc(1, sizeof(*r));

	r->pack = xstrdup(pack ? pack : "");
	r->since = since ? xstrdup(since) : NULL;
	r->source = source ? xstrdup(source) : NULL;
	r->next = 1;
	r->hi = 0;
	r->conn = store_open_timed(st->conninfo, 0, &st->timeouts, err);
	if (!r->conn) {
		store_rescan_close(r);
		return NULL;
	}
	return r;
}

void store_rescan_seek(struct store_rescan *r, long lo, long hi)
{
	r->next = lo > 0 ? lo : 1;
	r->hi = hi > 0 ? hi : 0;
	r->drained = 0;
}

struct store_rescan *store_rescan_open_range(struct store *st, const char *since,
					     const char *source, const char *pack, long lo, long hi,
					     struct lw_error *err)
{
	struct store_rescan *r = store_rescan_open(st, since, source, pack, err);

	if (r)
		store_rescan_seek(r, lo, hi);
	return r;
}

static int read_links(struct store_rescan *r, struct store_rescan_row *v, int nr,
		      struct lw_error *err);

int store_rescan_next(struct store_rescan *r, long max, struct store_rescan_row **rows, size_t *n,
		      struct lw_error *err)
{
	char snext[24], shi[24], slim[24];
	const char *p[6] = { r->since, r->source, snext, shi, slim, r->pack };
	PGresult *res = NULL;
	struct store_rescan_row *v;
	int nr;

	if (r->drained) {
		*rows = xcalloc(1, sizeof(**rows));
		*n = 0;
		return 0;
	}
	snprintf(snext, sizeof(snext), "%ld", r->next);
	/* The chunk's last id bounds the index scan: as a filter beside
	 * "id >= next" (the generic plan of "$4 = 0 OR id <= $4"), the last
	 * page of every chunk read the rest of the table, id by id, to find
	 * nothing (70 ms a chunk at 50k listings, growing with the store). */
	snprintf(shi, sizeof(shi), "%ld", r->hi > 0 ? r->hi : LONG_MAX);
	snprintf(slim, sizeof(slim), "%ld", max > 0 ? max : 1);
	/* Keyset pages, each its own statement: the primary key seeks to the
	 * next id (an OFFSET or a cursor would keep one snapshot, and one
	 * transaction, open for the whole rescan while it rewrites every
	 * version). Each listing is read as it stands when its page is read;
	 * chunks were fixed when the rescan began. */
	if (db_exec_prepared(r->conn,
			     /* A version this pack scored already would be
			      * analysed only for its writes to find nothing
			      * to change (the same verdict): it comes
			      * without its text, and is left alone. A
			      * current version's text is its listing's
			      * (migration 111). */
			     "SELECT l.id, v.id, l.url, s.name,"
			     " CASE WHEN v.rule_pack = $6 THEN NULL ELSE coalesce(v.title, l.title) END,"
			     " CASE WHEN v.rule_pack = $6 THEN NULL ELSE coalesce(v.body, l.body) END,"
			     " v.rule_pack = $6, v.flagged, f.simhash FROM listings l"
			     " JOIN listing_versions v ON v.listing_id = l.id"
			     " AND v.version = l.current_version"
			     " JOIN sources s ON s.id = l.source_id"
			     " LEFT JOIN listing_fingerprints f ON f.listing_id = l.id"
			     " WHERE" RESCAN_FILTER " AND l.id BETWEEN $3::bigint AND $4::bigint"
			     " ORDER BY l.id LIMIT $5::bigint",
			     6, p, &res, err) < 0)
		return -1;
	nr = PQntuples(res);
	v = xcalloc(nr ? (size_t)nr : 1, sizeof(*v));
	for (int i = 0; i < nr; i++) {
		v[i].listing_id = atol(PQgetvalue(res, i, 0));
		v[i].version_id = atol(PQgetvalue(res, i, 1));
		v[i].url = xstrdup(PQgetvalue(res, i, 2));
		v[i].source = xstrdup(PQgetvalue(res, i, 3));
		v[i].scored = PQgetvalue(res, i, 6)[0] == 't';
		v[i].flagged = PQgetvalue(res, i, 7)[0] == 't';
		if (!v[i].scored) {
			v[i].title = xstrdup(PQgetvalue(res, i, 4));
			v[i].body = xstrdup(PQgetvalue(res, i, 5));
		}
		v[i].has_simhash = !PQgetisnull(res, i, 8);
		v[i].simhash = v[i].has_simhash ? strtoll(PQgetvalue(res, i, 8), NULL, 10) : 0;
	}
	PQclear(res);
	if (nr && read_links(r, v, nr, err) < 0) {
		store_rescan_rows_free(v, (size_t)nr);
		return -1;
	}
	if (nr)
		r->next = v[nr - 1].listing_id + 1;
	/* A page short of max was the last: asking again only to be told so
	 * was one more statement per chunk. */
	r->drained = nr < (max > 0 ? max : 1);
	*rows = v;
	*n = (size_t)nr;
	return 0;
}

char *link_key(const char *kind, const char *value, size_t value_len, const char *normalized,
	       long start, long end)
{
	struct lw_buf b;

	lw_buf_init(&b, (size_t)-1);
	lw_buf_printf(&b, "%zu:%s%zu:", strlen(kind), kind, value_len);
	lw_buf_add(&b, value, value_len);
	lw_buf_printf(&b, "%zu:%s%ld,%ld;", strlen(normalized), normalized, start, end);
	return lw_buf_detach(&b, NULL);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *link_keys_join(char **keys, size_t n, int distinct)
{
	struct lw_buf b;
	char *out;

	lw_buf_init(&b, (size_t)-1);
	lw_buf_adds(&b, "");
	if (n)
		qsort(keys, n, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < n; i++) {
		/* Keys are length-prefixed: the joined string parses back. */
		if (!distinct || i == 0 || strcmp(keys[i - 1], keys[i]) != 0)
			lw_buf_adds(&b, keys[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	out = lw_buf_detach(&b, NULL);
	return out ? out : xstrdup("");
}

/* Fills the links of the page's rows that will be analysed: their stored
 * contact details, read in one statement by the page's id range (the
 * primary key's first column), so the writer compares them in the client
 * and not with two subqueries per staged row. */
static int read_links(struct store_rescan *r, struct store_rescan_row *v, int nr,
		      struct lw_error *err)
{
	char lo[24], hi[24];
	const char *p[2] = { lo, hi };
	PGresult *res = NULL;
	char **keys = NULL;
	size_t nk = 0, cap = 0;
	int e = 0, ne, any = 0;

	for (int i = 0; i < nr; i++)
		any |= !v[i].scored;
	if (!any)
		return 0;
	snprintf(lo, sizeof(lo), "%ld", v[0].listing_id);
	snprintf(hi, sizeof(hi), "%ld", v[nr - 1].listing_id);
	if (db_exec_prepared(r->conn,
			     "SELECT e.listing_id, e.kind, e.value, e.normalized, e.start_offset,"
			     " e.end_offset FROM listing_entities e"
			     " WHERE e.listing_id BETWEEN $1::bigint AND $2::bigint ORDER BY 1",
			     2, p, &res, err) < 0)
		return -1;
	ne = PQntuples(res);
	/* Both in listing order: one walk. */
	for (int i = 0; i < nr; i++) {
		while (e < ne && atol(PQgetvalue(res, e, 0)) < v[i].listing_id)
			e++;
		for (nk = 0; e < ne && atol(PQgetvalue(res, e, 0)) == v[i].listing_id; e++) {
			if (nk == cap) {
				cap = cap ? 2 * cap : 16;
				keys = xrealloc(keys, cap * sizeof(*keys));
			}
			keys[nk++] = link_key(PQgetvalue(res, e, 1), PQgetvalue(res, e, 2),
					      (size_t)PQgetlength(res, e, 2), PQgetvalue(res, e, 3),
					      atol(PQgetvalue(res, e, 4)), atol(PQgetvalue(res, e, 5)));
		}
		if (v[i].scored) {
			for (size_t k = 0; k < nk; k++)
				free(keys[k]);
			continue;
		}
		v[i].links = link_keys_join(keys, nk, 0);
	}
	free(keys);
	PQclear(res);
	return 0;
}

void store_rescan_rows_free(struct store_rescan_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].url);
		free(rows[i].source);
		free(rows[i].title);
		free(rows[i].body);
		free(rows[i].links);
	}
	free(rows);
}

/* ---- shared rescans ---------------------------------------------------------------- */

int store_rescan_join(struct store *st, const char *key, const char *since, const char *source,
		      long chunk_size, long *rescan_id, long *total, struct lw_error *err)
{
	char cs[24];
	const char *pk[1] = { key };
	const char *pc[4] = { since, source, key, cs };
	PGresult *res = NULL;

	snprintf(cs, sizeof(cs), "%ld", chunk_size);
	if (db_begin(st, err) < 0)
		return -1;
	/* One process at a time decides whether the rescan exists. */
	if (db_exec(st, "SELECT pg_advisory_xact_lock(74692043, hashtext($1))", 1, pk, NULL, err) < 0 ||
	    db_exec(st, "SELECT id, total FROM rescans WHERE key = $1 AND finished_at IS NULL",
		    1, pk, &res, err) < 0)
		goto fail;
	if (PQntuples(res) == 0) {
		PQclear(res);
		res = NULL;
		if (db_exec(st, "WITH r AS (INSERT INTO rescans (key, total) SELECT $3,"
			    " (SELECT count(*) FROM listings l WHERE" RESCAN_FILTER ") RETURNING id, total),"
			    /* About 64 chunks: enough for many workers to share
			     * and a killed one to lose little, few enough that
			     * claiming, the per-chunk work and progress stay cheap. */
			    " z AS (SELECT CASE WHEN $4::bigint > 0 THEN $4::bigint ELSE"
			    " least(5000, greatest(500, ceil(r.total / 64.0)::bigint)) END AS n FROM r),"
			    " c AS (INSERT INTO rescan_chunks (rescan_id, chunk, lo, hi, listings)"
			    " SELECT r.id, x.g, min(x.id), max(x.id), count(*) FROM r, (SELECT l.id,"
			    " ((row_number() OVER (ORDER BY l.id)) - 1) / (SELECT n FROM z) AS g"
			    " FROM listings l WHERE" RESCAN_FILTER ") x GROUP BY r.id, x.g)"
			    " SELECT id, total FROM r",
			    4, pc, &res, err) < 0)
			goto fail;
	}
	*rescan_id = atol(PQgetvalue(res, 0, 0));
	*total = atol(PQgetvalue(res, 0, 1));
	PQclear(res);
	return db_commit(st, err);
fail:
	PQclear(res);
	db_rollback(st);
	return -1;
}

int store_rescan_renew(struct store *st, long rescan_id, const char *owner, int lease_seconds,
		       struct lw_error *err)
{
	char rid[24], lease[24];
	const char *p[3] = { rid, owner, lease };

	snprintf(rid, sizeof(rid), "%ld", rescan_id);
	snprintf(lease, sizeof(lease), "%d", lease_seconds);
	return db_exec(st, "UPDATE rescan_chunks SET lease_expires = now() +"
		       " make_interval(secs => $3::integer) WHERE rescan_id = $1 AND lease_owner = $2"
		       " AND state = 'working'", 3, p, NULL, err);
}

int store_rescan_claim(struct store *st, long rescan_id, const char *owner, int lease_seconds,
		       long *chunk, long *lo, long *hi, int *attempts, struct lw_error *err)
{
	char rid[24], lease[24];
	const char *p[3] = { rid, owner, lease };
	PGresult *res = NULL;
	int rc;

	snprintf(rid, sizeof(rid), "%ld", rescan_id);
	snprintf(lease, sizeof(lease), "%d", lease_seconds);
	/* A worker keeps its last chunk until its next is scored: renew
	 * whatever it holds. */
	if (store_rescan_renew(st, rescan_id, owner, lease_seconds, err) < 0)
		return -1;
	if (db_exec(st, "UPDATE rescan_chunks c SET state = 'working', lease_owner = $2,"
		    " lease_expires = now() + make_interval(secs => $3::integer), attempts = attempts + 1"
		    " WHERE (c.rescan_id, c.chunk) = (SELECT rescan_id, chunk FROM rescan_chunks"
		    " WHERE rescan_id = $1 AND (state = 'queued' OR (state = 'working'"
		    " AND lease_expires < now())) ORDER BY chunk LIMIT 1 FOR UPDATE SKIP LOCKED)"
		    " RETURNING chunk, lo, hi, attempts",
		    3, p, &res, err) < 0)
		return -1;
	if (PQntuples(res) == 1) {
		*chunk = atol(PQgetvalue(res, 0, 0));
		*lo = atol(PQgetvalue(res, 0, 1));
		*hi = atol(PQgetvalue(res, 0, 2));
		*attempts = atoi(PQgetvalue(res, 0, 3));
		PQclear(res);
		return 1;
	}
	PQclear(res);
	res = NULL;
	/* Nothing to take: finished, or others still hold chunks. */
	if (db_exec(st, "WITH f AS (UPDATE rescans SET finished_at = now() WHERE id = $1"
		    " AND finished_at IS NULL AND NOT EXISTS (SELECT 1 FROM rescan_chunks"
		    " WHERE rescan_id = $1 AND state <> 'done') RETURNING 1)"
		    " SELECT EXISTS (SELECT 1 FROM rescan_chunks WHERE rescan_id = $1 AND state <> 'done'),"
		    " CASE WHEN EXISTS (SELECT 1 FROM f) THEN (SELECT max(attempts) FROM rescan_chunks"
		    " WHERE rescan_id = $1) ELSE 0 END,"
		    " (SELECT min(lo) FROM rescan_chunks WHERE rescan_id = $1),"
		    " (SELECT max(hi) FROM rescan_chunks WHERE rescan_id = $1)",
		    1, p, &res, err) < 0)
		return -1;
	rc = strcmp(PQgetvalue(res, 0, 0), "t") == 0 ? 0 : 2;
	if (rc == 2) {
		*attempts = atoi(PQgetvalue(res, 0, 1));
		*lo = atol(PQgetvalue(res, 0, 2));
		*hi = atol(PQgetvalue(res, 0, 3));
	}
	PQclear(res);
	return rc;
}

int store_rescan_chunk_done(struct store *st, long rescan_id, long chunk, const char *owner,
			    struct lw_error *err)
{
	char rid[24], ch[24];
	const char *p[3] = { rid, ch, owner };

	snprintf(rid, sizeof(rid), "%ld", rescan_id);
	snprintf(ch, sizeof(ch), "%ld", chunk);
	return db_exec(st, "UPDATE rescan_chunks SET state = 'done', lease_owner = NULL,"
		       " lease_expires = NULL WHERE rescan_id = $1 AND chunk = $2::integer"
		       " AND lease_owner = $3", 3, p, NULL, err);
}

int store_rescan_progress(struct store *st, long rescan_id, long *done, long *total,
			  struct lw_error *err)
{
	char rid[24];
	const char *p[1] = { rid };
	PGresult *res = NULL;

	snprintf(rid, sizeof(rid), "%ld", rescan_id);
	if (db_exec(st, "SELECT coalesce(sum(c.listings) FILTER (WHERE c.state = 'done'), 0),"
		    " (SELECT total FROM rescans WHERE id = $1) FROM rescan_chunks c"
		    " WHERE c.rescan_id = $1", 1, p, &res, err) < 0)
		return -1;
	*done = atol(PQgetvalue(res, 0, 0));
	*total = atol(PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}
