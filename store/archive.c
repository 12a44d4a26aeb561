/* SPDX-License-Identifier: MIT */
/* The web archive work list: files taken one at a time by any number of
 * workers with a lease (FOR UPDATE SKIP LOCKED), renewed as they read, so a
 * dead worker's file goes back to the list when its lease expires. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/xmalloc.h"
#include "store_internal.h"

int store_archive_add(struct store *st, char *const *names, size_t n, long *added,
		      struct lw_error *err)
{
	char *arr = db_text_array(names, n);
	const char *p[1] = { arr };
	PGresult *res = NULL;
	int rc = -1;

	if (db_exec(st, "WITH i AS (INSERT INTO archive_files (name) SELECT DISTINCT unnest($1::text[])"
		    " ON CONFLICT (name) DO NOTHING RETURNING 1) SELECT count(*) FROM i",
		    1, p, &res, err) < 0)
		goto out;
	*added = atol(PQgetvalue(res, 0, 0));
	rc = 0;
out:
	PQclear(res);
	free(arr);
	return rc;
}

int store_archive_claim(struct store *st, const char *owner, int lease_seconds, long *id,
			char **name, struct lw_error *err)
{
	char lease[24];
	const char *p[2] = { owner, lease };
	PGresult *res = NULL;

	snprintf(lease, sizeof(lease), "%d", lease_seconds);
	if (db_exec(st, "UPDATE archive_files f SET state = 'working', lease_owner = $1,"
		    " lease_expires = now() + make_interval(secs => $2::integer),"
		    " attempts = f.attempts + 1, started_at = now(), finished_at = NULL,"
		    " bytes_done = 0, bytes_total = NULL, records = 0, pages = 0, flagged = 0,"
		    " errors = 0, last_error = NULL"
		    " WHERE f.id = (SELECT id FROM archive_files WHERE state = 'queued'"
		    " OR (state = 'working' AND lease_expires < now())"
		    " ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING f.id, f.name",
		    2, p, &res, err) < 0)
		return -1;
	*name = NULL;
	if (PQntuples(res) == 1) {
		*id = atol(PQgetvalue(res, 0, 0));
		*name = xstrdup(PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return 0;
}

static void counts_params(const struct store_archive_counts *c, char v[6][24])
{
	snprintf(v[0], 24, "%lld", c->bytes_done);
	snprintf(v[1], 24, "%lld", c->bytes_total);
	snprintf(v[2], 24, "%lld", c->records);
	snprintf(v[3], 24, "%lld", c->pages);
	snprintf(v[4], 24, "%lld", c->flagged);
	snprintf(v[5], 24, "%lld", c->errors);
}

int store_archive_progress(struct store *st, long id, const char *owner, int lease_seconds,
			   const struct store_archive_counts *c, int *lost, struct lw_error *err)
{
	char v[6][24], sid[24], lease[24];
	const char *p[9] = { sid, owner, lease, v[0], v[1], v[2], v[3], v[4], v[5] };
	PGresult *res = NULL;

	snprintf(sid, sizeof(sid), "%ld", id);
	snprintf(lease, sizeof(lease), "%d", lease_seconds);
	counts_params(c, v);
	if (db_exec(st, "UPDATE archive_files SET lease_expires = now() + make_interval(secs =>"
		    " $3::integer), bytes_done = $4, bytes_total = NULLIF($5::bigint, 0), records = $6,"
		    " pages = $7, flagged = $8, errors = $9"
		    " WHERE id = $1 AND lease_owner = $2 AND state = 'working' RETURNING 1",
		    9, p, &res, err) < 0)
		return -1;
	*lost = PQntuples(res) != 1;
	PQclear(res);
	return 0;
}

int store_archive_finish(struct store *st, long id, const char *owner, const char *state,
			 const struct store_archive_counts *c, const char *error,
			 struct lw_error *err)
{
	char v[6][24], sid[24];
	const char *p[10] = { sid, owner, state, v[0], v[1], v[2], v[3], v[4], v[5], error };

	snprintf(sid, sizeof(sid), "%ld", id);
	counts_params(c, v);
	return db_exec(st, "UPDATE archive_files SET state = $3, lease_owner = NULL,"
		       " lease_expires = NULL, finished_at = now(), bytes_done = $4,"
		       " bytes_total = NULLIF($5::bigint, 0), records = $6, pages = $7, flagged = $8,"
		       " errors = $9, last_error = $10"
		       " WHERE id = $1 AND lease_owner = $2 AND state = 'working'",
		       10, p, NULL, err);
}

int store_archive_release(struct store *st, const char *owner, struct lw_error *err)
{
	const char *p[1] = { owner };

	return db_exec(st, "UPDATE archive_files SET state = 'queued', lease_owner = NULL,"
		       " lease_expires = NULL WHERE lease_owner = $1 AND state = 'working'",
		       1, p, NULL, err);
}

int store_archive_status(struct store *st, json_t **out, struct lw_error *err)
{
	return db_json(st,
		       "SELECT json_build_object('files', count(*),"
		       " 'queued', count(*) FILTER (WHERE state = 'queued'),"
		       " 'working', count(*) FILTER (WHERE state = 'working'),"
		       " 'done', count(*) FILTER (WHERE state = 'done'),"
		       " 'failed', count(*) FILTER (WHERE state = 'failed'),"
		       " 'bytes_done', coalesce(sum(bytes_done), 0),"
		       " 'bytes_total', coalesce(sum(bytes_total), 0),"
		       " 'records', coalesce(sum(records), 0), 'pages', coalesce(sum(pages), 0),"
		       " 'flagged', coalesce(sum(flagged), 0), 'errors', coalesce(sum(errors), 0),"
		       " 'captures', (SELECT count(*) FROM archive_captures),"
		       " 'current', coalesce((SELECT json_agg(json_build_object('name', w.name,"
		       " 'owner', w.lease_owner, 'bytes_done', w.bytes_done, 'bytes_total',"
		       " w.bytes_total, 'records', w.records, 'lease_expires', w.lease_expires,"
		       " 'expired', w.lease_expires < now()) ORDER BY w.id) FROM archive_files w"
		       " WHERE w.state = 'working'), '[]'::json)) FROM archive_files",
		       0, NULL, out, err);
}
