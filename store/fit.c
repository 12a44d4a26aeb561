/* SPDX-License-Identifier: MIT */
/* Reading the analysts' verdicts back as labelled documents, for
 * `lurewatch rules fit --queue`: keyset pages of resolved items with the
 * text of the version the analyst judged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/xmalloc.h"
#include "store_internal.h"

int store_fit_fetch(struct store *st, long after_id, long limit, struct store_fit_row **rows,
		    size_t *n, struct lw_error *err)
{
	char after[24], lim[24];
	const char *p[2] = { after, lim };
	PGresult *res = NULL;
	struct store_fit_row *v;
	int nr;

	snprintf(after, sizeof(after), "%ld", after_id);
	snprintf(lim, sizeof(lim), "%ld", limit);
	if (db_exec(st,
		    "SELECT q.id, q.verdict, coalesce(v.title, l.title), coalesce(v.body, l.body)"
		    " FROM queue_items q JOIN listing_versions v ON v.id = q.version_id"
		    " JOIN listings l ON l.id = v.listing_id"
		    " WHERE q.status = 'resolved' AND q.id > $1::bigint"
		    " ORDER BY q.id LIMIT $2::bigint",
		    2, p, &res, err) < 0)
		return -1;
	nr = PQntuples(res);
	v = xcalloc(nr ? (size_t)nr : 1, sizeof(*v));
	for (int i = 0; i < nr; i++) {
		v[i].item_id = atol(PQgetvalue(res, i, 0));
		/* Escalated ads were judged worse than confirmed ones, not better. */
		v[i].flag = strcmp(PQgetvalue(res, i, 1), "dismissed") != 0;
		v[i].verdict = xstrdup(PQgetvalue(res, i, 1));
		v[i].title = xstrdup(PQgetvalue(res, i, 2));
		v[i].body = xstrdup(PQgetvalue(res, i, 3));
	}
	PQclear(res);
	*rows = v;
	*n = (size_t)nr;
	return 0;
}

void store_fit_rows_free(struct store_fit_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i].verdict);
		free(rows[i].title);
		free(rows[i].body);
	}
	free(rows);
}
