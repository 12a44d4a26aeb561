/* SPDX-License-Identifier: MIT */
/* Reading stored listings back for a rescan, in id order (keyset pages, so
 * memory stays flat however many listings there are). */
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

int store_rescan_fetch(struct store *st, long after_id, const char *since, const char *source,
		       long limit, struct store_rescan_row **rows, size_t *n, struct lw_error *err)
{
	char after[24], lim[24];
	const char *p[4] = { since, source, after, lim };
	PGresult *res = NULL;
	struct store_rescan_row *v;
	int nr;

	snprintf(after, sizeof(after), "%ld", after_id);
	snprintf(lim, sizeof(lim), "%ld", limit);
	if (db_exec(st,
		    "SELECT l.id, v.id, l.url, s.name, v.title, v.body FROM listings l"
		    " JOIN listing_versions v ON v.listing_id = l.id AND v.version = l.current_version"
		    " JOIN sources s ON s.id = l.source_id"
		    " WHERE l.id > $3::bigint AND" RESCAN_FILTER " ORDER BY l.id LIMIT $4::bigint",
		    4, p, &res, err) < 0)
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
