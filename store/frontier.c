/* SPDX-License-Identifier: MIT */
/* The crawl frontier in PostgreSQL: passes, discovered URLs, leases taken
 * with FOR UPDATE SKIP LOCKED so that any number of crawler processes
 * share the work and none fetches a page another holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "store_internal.h"

/* Advisory-lock keys: (class, source id). */
#define LOCK_PASS "74692041"
#define LOCK_CRON "74692042"

int store_frontier_source(struct store *st, const char *name, long *source_id,
			  struct lw_error *err)
{
	const char *p[1] = { name };
	PGresult *res = NULL;

	if (db_exec(st, "INSERT INTO sources (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", 1, p,
		    NULL, err) < 0 ||
	    db_exec(st, "WITH s AS (SELECT id FROM sources WHERE name = $1), "
			"c AS (INSERT INTO crawl_sources (source_id) SELECT id FROM s "
			"ON CONFLICT (source_id) DO NOTHING) SELECT id FROM s",
		    1, p, &res, err) < 0)
		return -1;
	*source_id = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

int store_frontier_begin_pass(struct store *st, long source_id, char *const *start, size_t n,
			      const char *kind, int force, int *pass, int *started,
			      struct lw_error *err)
{
	char sid[24], fs[2] = { force ? 't' : 'f', 0 };
	char *arr = db_text_array(start, n);
	const char *p[2] = { sid, fs };
	const char *pi[3] = { sid, arr, kind };
	PGresult *res = NULL;
	int rc = -1;

	snprintf(sid, sizeof(sid), "%ld", source_id);
	if (db_begin(st, err) < 0)
		goto out;
	/* One process at a time decides whether a pass starts. */
	if (db_exec(st, "SELECT pg_advisory_xact_lock(" LOCK_PASS ", $1::integer)", 1, p, NULL, err) < 0 ||
	    db_exec(st,
		    "UPDATE crawl_sources SET pass = pass + 1, pass_started = now(), pass_finished = NULL"
		    " WHERE source_id = $1 AND (pass_started IS NULL OR pass_finished IS NOT NULL)"
		    " AND ($2::boolean OR next_run IS NULL OR next_run <= now())"
		    " RETURNING pass",
		    2, p, &res, err) < 0)
		goto fail;
	*started = PQntuples(res) == 1;
	PQclear(res);
	res = NULL;
	if (*started &&
	    db_exec(st,
		    "INSERT INTO crawl_urls (source_id, url, kind, depth, pass)"
		    " SELECT $1, u, $3, 0, c.pass FROM unnest($2::text[]) AS u, crawl_sources c"
		    " WHERE c.source_id = $1"
		    " ON CONFLICT (source_id, url) DO UPDATE SET state = 'queued', pass = excluded.pass,"
		    " next_fetch = now(), attempts = 0, lease_owner = NULL, lease_expires = NULL",
		    3, pi, NULL, err) < 0)
		goto fail;
	if (db_exec(st, "SELECT pass FROM crawl_sources WHERE source_id = $1", 1, p, &res, err) < 0)
		goto fail;
	*pass = atoi(PQgetvalue(res, 0, 0));
	if (db_commit(st, err) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	db_rollback(st);
out:
	PQclear(res);
	free(arr);
	return rc;
}

int store_frontier_add(struct store *st, long source_id, int pass, char *const *urls, size_t n,
		       const char *kind, int depth, size_t *added, struct lw_error *err)
{
	char sid[24], ps[16], ds[16];
	char *arr;
	const char *p[5] = { sid, ps, NULL, kind, ds };
	PGresult *res = NULL;

	*added = 0;
	if (n == 0)
		return 0;
	snprintf(sid, sizeof(sid), "%ld", source_id);
	snprintf(ps, sizeof(ps), "%d", pass);
	snprintf(ds, sizeof(ds), "%d", depth);
	arr = db_text_array(urls, n);
	p[2] = arr;
	/* Never twice in one pass: only rows from an older pass are re-queued.
	 * Rows are taken in URL order, and a statement that still loses a
	 * deadlock (to the page writer marking fetched rows done, or another
	 * crawl process) runs again: it is one statement, all or nothing. */
	for (int attempt = 0;; attempt++) {
		st->sqlstate[0] = '\0';
		if (db_exec(st,
			    "INSERT INTO crawl_urls (source_id, url, kind, depth, pass)"
			    " SELECT $1, u, $4, $5, $2 FROM unnest($3::text[]) AS u ORDER BY u"
			    " ON CONFLICT (source_id, url) DO UPDATE SET state = 'queued',"
			    " pass = excluded.pass, next_fetch = now(), attempts = 0,"
			    " depth = LEAST(crawl_urls.depth, excluded.depth)"
			    " WHERE crawl_urls.pass < excluded.pass AND crawl_urls.state <> 'leased'",
			    5, p, &res, err) == 0)
			break;
		if (!store_conflict_failed(st) || attempt == 4) {
			free(arr);
			return -1;
		}
		usleep((useconds_t)((attempt + 1) * (20000 + rand() % 80000)));
	}
	*added = strtoul(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	free(arr);
	return 0;
}

static char *dup_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : xstrdup(PQgetvalue(res, row, col));
}

int store_frontier_lease(struct store *st, const long *source_ids, size_t nsources, long max,
			 const char *owner, int lease_seconds, struct store_frontier_url **out,
			 size_t *n, struct lw_error *err)
{
	struct lw_buf ids;
	char mx[24], ls[24];
	const char *p[4] = { NULL, mx, owner, ls };
	PGresult *res = NULL;
	struct store_frontier_url *v;
	int rows;

	*out = NULL;
	*n = 0;
	lw_buf_init(&ids, 1 << 20);
	lw_buf_addc(&ids, '{');
	for (size_t i = 0; i < nsources; i++)
		lw_buf_printf(&ids, "%s%ld", i ? "," : "", source_ids[i]);
	lw_buf_addc(&ids, '}');
	p[0] = ids.data;
	snprintf(mx, sizeof(mx), "%ld", max);
	snprintf(ls, sizeof(ls), "%d", lease_seconds);
	if (db_exec(st,
		    "UPDATE crawl_urls u SET state = 'leased', lease_owner = $3,"
		    " lease_expires = now() + make_interval(secs => $4::integer), attempts = attempts + 1"
		    " WHERE u.id IN (SELECT id FROM crawl_urls"
		    "  WHERE source_id = ANY($1::bigint[]) AND ((state = 'queued' AND next_fetch <= now())"
		    "  OR (state = 'leased' AND lease_expires < now()))"
		    "  ORDER BY next_fetch, id LIMIT $2 FOR UPDATE SKIP LOCKED)"
		    " RETURNING u.id, u.source_id, u.url, u.kind, u.etag, u.last_modified, u.depth,"
		    " u.attempts, u.pass",
		    4, p, &res, err) < 0) {
		lw_buf_release(&ids);
		return -1;
	}
	lw_buf_release(&ids);
	rows = PQntuples(res);
	v = xcalloc(rows ? (size_t)rows : 1, sizeof(*v));
	for (int r = 0; r < rows; r++) {
		v[r].id = atol(PQgetvalue(res, r, 0));
		v[r].source_id = atol(PQgetvalue(res, r, 1));
		v[r].url = xstrdup(PQgetvalue(res, r, 2));
		v[r].kind = xstrdup(PQgetvalue(res, r, 3));
		v[r].etag = dup_or_null(res, r, 4);
		v[r].last_modified = dup_or_null(res, r, 5);
		v[r].depth = atoi(PQgetvalue(res, r, 6));
		v[r].attempts = atoi(PQgetvalue(res, r, 7));
		v[r].pass = atoi(PQgetvalue(res, r, 8));
	}
	PQclear(res);
	*out = v;
	*n = (size_t)rows;
	return 0;
}

void store_frontier_urls_free(struct store_frontier_url *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].url);
		free(v[i].kind);
		free(v[i].etag);
		free(v[i].last_modified);
	}
	free(v);
}

int store_frontier_settle(struct store *st, long id, const char *state, double delay,
			  long status, const char *error, const char *etag,
			  const char *last_modified, const char *redirects_json,
			  struct lw_error *err)
{
	char ids[24], ds[32], ss[24];
	const char *p[8] = { ids, state, ds, status ? ss : NULL, error, etag, last_modified,
			     redirects_json };

	snprintf(ids, sizeof(ids), "%ld", id);
	snprintf(ds, sizeof(ds), "%.3f", delay);
	snprintf(ss, sizeof(ss), "%ld", status);
	return db_exec(st,
		       "UPDATE crawl_urls SET state = $2, lease_owner = NULL, lease_expires = NULL,"
		       " next_fetch = now() + make_interval(secs => $3::double precision),"
		       " last_status = $4::integer, last_error = $5,"
		       " etag = COALESCE($6, etag), last_modified = COALESCE($7, last_modified),"
		       " redirects = COALESCE($8::jsonb, redirects),"
		       " last_fetched = CASE WHEN $4::integer IS NOT NULL THEN now() ELSE last_fetched END,"
		       " fetches = fetches + CASE WHEN $4::integer IS NOT NULL THEN 1 ELSE 0 END"
		       " WHERE id = $1",
		       8, p, NULL, err);
}

int store_frontier_release(struct store *st, const char *owner, long *n, struct lw_error *err)
{
	const char *p[1] = { owner };
	PGresult *res = NULL;

	/* The attempt was not made: give it back. */
	if (db_exec(st, "UPDATE crawl_urls SET state = 'queued', lease_owner = NULL,"
			" lease_expires = NULL, attempts = GREATEST(attempts - 1, 0)"
			" WHERE state = 'leased' AND lease_owner = $1",
		    1, p, &res, err) < 0)
		return -1;
	if (n)
		*n = atol(PQcmdTuples(res));
	PQclear(res);
	return 0;
}

int store_frontier_remaining(struct store *st, long source_id, int pass, long *remaining,
			     int *finished, struct lw_error *err)
{
	char sid[24], ps[16];
	const char *p[2] = { sid, ps };
	PGresult *res = NULL;

	snprintf(sid, sizeof(sid), "%ld", source_id);
	snprintf(ps, sizeof(ps), "%d", pass);
	if (db_exec(st,
		    "SELECT (SELECT count(*) FROM crawl_urls WHERE source_id = $1 AND pass = $2"
		    " AND state IN ('queued', 'leased')),"
		    " (SELECT pass <> $2 OR pass_finished IS NOT NULL FROM crawl_sources WHERE source_id = $1)",
		    2, p, &res, err) < 0)
		return -1;
	*remaining = atol(PQgetvalue(res, 0, 0));
	*finished = PQgetvalue(res, 0, 1)[0] == 't';
	PQclear(res);
	return 0;
}

int store_frontier_end_pass(struct store *st, long source_id, int pass, int interval,
			    const char *cut_short, long fetched, long failed, struct lw_error *err)
{
	char sid[24], ps[16], is[16], fs[24], es[24];
	const char *p[6] = { sid, ps, is, fs, es, cut_short };

	snprintf(sid, sizeof(sid), "%ld", source_id);
	snprintf(ps, sizeof(ps), "%d", pass);
	snprintf(is, sizeof(is), "%d", interval);
	snprintf(fs, sizeof(fs), "%ld", fetched);
	snprintf(es, sizeof(es), "%ld", failed);
	return db_exec(st,
		       "UPDATE crawl_sources SET"
		       " pass_finished = CASE WHEN pass = $2 THEN COALESCE(pass_finished, now()) ELSE pass_finished END,"
		       " next_run = CASE WHEN pass = $2 AND pass_finished IS NULL"
		       "   THEN now() + make_interval(secs => $3::integer) ELSE next_run END,"
		       " pages_fetched = pages_fetched + $4, pages_failed = pages_failed + $5,"
		       " cut_short = CASE WHEN pass = $2 THEN $6::text ELSE cut_short END"
		       " WHERE source_id = $1",
		       6, p, NULL, err);
}

int store_frontier_trylock(struct store *st, long source_id, struct lw_error *err)
{
	char sid[24];
	const char *p[1] = { sid };
	PGresult *res = NULL;
	int got;

	snprintf(sid, sizeof(sid), "%ld", source_id);
	if (db_exec(st, "SELECT pg_try_advisory_lock(" LOCK_CRON ", $1::integer)", 1, p, &res, err) < 0)
		return -1;
	got = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return got;
}

int store_frontier_unlock(struct store *st, long source_id, struct lw_error *err)
{
	char sid[24];
	const char *p[1] = { sid };

	snprintf(sid, sizeof(sid), "%ld", source_id);
	return db_exec(st, "SELECT pg_advisory_unlock(" LOCK_CRON ", $1::integer)", 1, p, NULL, err);
}
