/* SPDX-License-Identifier: MIT */
/* Reading stored listings back for a rescan, in id order, through a
 * server-side cursor (memory stays flat however many listings there are). */
#include <stdio.h>
#include <stdlib.h>

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
	struct store *conn;     /* a connection of its own, inside one transaction */
};

void store_rescan_close(struct store_rescan *r)
{
	if (!r)
		return;
	/* Ending the connection ends its transaction and the cursor with it. */
	store_close(r->conn);
	free(r);
}

struct store_rescan *store_rescan_open(struct store *st, const char *since, const char *source,
				       struct lw_error *err)
{
	const char *p[2] = { since, source };
	struct store_rescan *r = xcalloc(1, sizeof(*r));

	r->conn = store_open(st->conninfo, 0, err);
	if (!r->conn)
		goto fail;
	/* REPEATABLE READ: the stream is one snapshot, however long it runs
	 * and whatever the rescan itself writes meanwhile. */
	if (db_exec(r->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL,
		    err) < 0 ||
	    db_exec(r->conn,
		    "DECLARE rescan NO SCROLL CURSOR FOR"
		    " SELECT l.id, v.id, l.url, s.name, v.title, v.body FROM listings l"
		    " JOIN listing_versions v ON v.listing_id = l.id AND v.version = l.current_version"
		    " JOIN sources s ON s.id = l.source_id"
		    " WHERE" RESCAN_FILTER " ORDER BY l.id",
		    2, p, NULL, err) < 0)
		goto fail;
	return r;
fail:
	store_rescan_close(r);
	return NULL;
}

int store_rescan_next(struct store_rescan *r, long max, struct store_rescan_row **rows, size_t *n,
		      struct lw_error *err)
{
	char sql[64];
	PGresult *res = NULL;
	struct store_rescan_row *v;
	int nr;

	/* FETCH takes no parameters: the count is a number we format. */
	snprintf(sql, sizeof(sql), "FETCH FORWARD %ld FROM rescan", max > 0 ? max : 1);
	if (db_exec(r->conn, sql, 0, NULL, &res, err) < 0)
		return -1;
	nr = PQntuples(res);
	v = xcalloc(nr ? (size_t)nr : 1, sizeof(*v));
	for (int i = 0; i < nr; i++) {
		v[i].listing_id = atol(PQgetvalue(res, i, 0));
		v[i].version_id = atol(PQgetvalue(res, i, 1));
		v[i].url = xstrdup(PQgetvalue(res, i, 2));
		v[i].source = xstrdup(PQgetvalue(res, i, 3));
		v[i].title = xstrdup(PQgetvalue(res, i, 4));
		v[i].body = xstrdup(PQgetvalue(res, i, 5));
	}
	PQclear(res);
	*rows = v;
	*n = (size_t)nr;
	return 0;
}

void store_rescan_rows_free(struct store_rescan_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].url);
		free(rows[i].source);
		free(rows[i].title);
		free(rows[i].body);
	}
	free(rows);
}
