/* SPDX-License-Identifier: MIT */
/* Connecting to PostgreSQL, running parameterised statements, and applying
 * the embedded migrations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "store_internal.h"

/* Any other session's migrator waits on this while we migrate. */
#define MIGRATE_LOCK "7469203"

/* libpq messages end with a newline; error messages here do not. */
static int pq_error(struct lw_error *err, const char *what, const char *msg)
{
	char buf[LW_ERROR_MAX];
	size_t n;

	snprintf(buf, sizeof(buf), "%s", msg ? msg : "unknown error");
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return lw_error_set(err, "%s: %s", what, buf);
}

/* Server notices ("relation already exists, skipping") are not for users. */
static void quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int setup_session(struct store *st, struct lw_error *err)
{
	/* A safe search_path: our schema, then nothing a user could plant.
	 * No JIT: batch statements over big tables are costed above its
	 * threshold and spent ~30 ms each compiling code that runs for less
	 * (a third of a rescan batch's priority statement). */
	PGresult *res = PQexec(st->conn, "SELECT pg_catalog.set_config('search_path', "
					 "'lurewatch, pg_catalog, pg_temp', false),"
					 " pg_catalog.set_config('jit', 'off', false)");
	int ok = PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		pq_error(err, "cannot set search_path", PQerrorMessage(st->conn));
	PQclear(res);
	return ok ? 0 : -1;
}

struct store *store_open(const char *conninfo, int migrate, struct lw_error *err)
{
	struct store *st = xcalloc(1, sizeof(*st));

	st->conninfo = xstrdup(conninfo);
	st->conn = PQconnectdb(conninfo);
	if (!st->conn || PQstatus(st->conn) != CONNECTION_OK) {
		pq_error(err, "cannot connect to the database",
			 st->conn ? PQerrorMessage(st->conn) : "out of memory");
		goto fail;
	}
	PQsetNoticeProcessor(st->conn, quiet_notice, NULL);
	if (setup_session(st, err) < 0)
		goto fail;
	if (migrate && store_migrate(st, NULL, err) < 0)
		goto fail;
	return st;
fail:
	store_close(st);
	return NULL;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	if (st->conn)
		PQfinish(st->conn);
	free(st->conninfo);
	free(st);
}

int store_connection_lost(const struct store *st)
{
	return !st->conn || PQstatus(st->conn) != CONNECTION_OK;
}

/* A dropped connection (server restarted) is re-established once, so a
 * long-running process does not die with the server. */
static int ensure_connected(struct store *st, struct lw_error *err)
{
	if (PQstatus(st->conn) == CONNECTION_OK)
		return 0;
	PQreset(st->conn);
	/* A new server session knows none of the old one's statements. */
	st->nprepared = 0;
	if (PQstatus(st->conn) != CONNECTION_OK)
		return pq_error(err, "database connection lost and cannot be re-established",
				PQerrorMessage(st->conn));
	return setup_session(st, err);
}

/* The result's status checked: 0 with *res set (or cleared when res is
 * NULL), or -1 with err and the result cleared. */
static int take_result(struct store *st, PGresult *r, PGresult **res, struct lw_error *err)
{
	ExecStatusType s = PQresultStatus(r);

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(st->conn);

		pq_error(err, "database error", msg && msg[0] ? msg : PQerrorMessage(st->conn));
		PQclear(r);
		return -1;
	}
	if (res)
		*res = r;
	else
		PQclear(r);
	return 0;
}

int db_exec(struct store *st, const char *sql, int n, const char *const *params,
	    PGresult **res, struct lw_error *err)
{
	if (ensure_connected(st, err) < 0)
		return -1;
	return take_result(st, PQexecParams(st->conn, sql, n, NULL, params, NULL, NULL, 0), res,
			   err);
}

int db_exec_prepared(struct store *st, const char *sql, int n, const char *const *params,
		     PGresult **res, struct lw_error *err)
{
	char name[24];
	size_t i;

	if (ensure_connected(st, err) < 0)
		return -1;
	for (i = 0; i < st->nprepared && st->prepared[i] != sql; i++)
		;
	/* More hot statements than slots: the rest run unprepared. */
	if (i == DB_PREPARED_MAX)
		return db_exec(st, sql, n, params, res, err);
	snprintf(name, sizeof(name), "lw_%zu", i);
	if (i == st->nprepared) {
		if (take_result(st, PQprepare(st->conn, name, sql, n, NULL), NULL, err) < 0)
			return -1;
		st->prepared[st->nprepared++] = sql;
	}
	return take_result(st, PQexecPrepared(st->conn, name, n, params, NULL, NULL, 0), res,
			   err);
}

/* One row of one json column parsed into *out; res is cleared. */
static int json_result(PGresult *res, json_t **out, struct lw_error *err)
{
	json_error_t jerr;
	json_t *v;
	int rows = PQntuples(res);

	if (rows > 1 || PQnfields(res) != 1) {
		PQclear(res);
		return lw_error_set(err, "database returned %d rows where one was expected", rows);
	}
	/* No row is "nothing there", as a NULL value is. */
	if (rows == 0 || PQgetisnull(res, 0, 0))
		v = json_null();
	else
		v = json_loads(PQgetvalue(res, 0, 0), JSON_DECODE_ANY, &jerr);
	PQclear(res);
	if (!v)
		return lw_error_set(err, "database returned bad json: %s", jerr.text);
	*out = v;
	return 0;
}

int db_json(struct store *st, const char *sql, int n, const char *const *params, json_t **out,
	    struct lw_error *err)
{
	PGresult *res = NULL;

	if (db_exec(st, sql, n, params, &res, err) < 0)
		return -1;
	return json_result(res, out, err);
}

int db_json_prepared(struct store *st, const char *sql, int n, const char *const *params,
		     json_t **out, struct lw_error *err)
{
	PGresult *res = NULL;

	if (db_exec_prepared(st, sql, n, params, &res, err) < 0)
		return -1;
	return json_result(res, out, err);
}

int db_begin(struct store *st, struct lw_error *err)
{
	return db_exec(st, "BEGIN", 0, NULL, NULL, err);
}

int db_commit(struct store *st, struct lw_error *err)
{
	return db_exec(st, "COMMIT", 0, NULL, NULL, err);
}

void db_rollback(struct store *st)
{
	PGresult *r;

	if (PQstatus(st->conn) != CONNECTION_OK)
		return;
	r = PQexec(st->conn, "ROLLBACK");
	PQclear(r);
}

/* Text for a PostgreSQL array literal parameter: {"a","b"} with escapes. */
char *db_text_array(char *const *v, size_t n)
{
	struct lw_buf b;

	lw_buf_init(&b, (size_t)-1);
	lw_buf_addc(&b, '{');
	for (size_t i = 0; i < n; i++) {
		lw_buf_adds(&b, i ? ",\"" : "\"");
		for (const char *s = v[i]; *s; s++) {
			if (*s == '"' || *s == '\\')
				lw_buf_addc(&b, '\\');
			lw_buf_addc(&b, *s);
		}
		lw_buf_addc(&b, '"');
	}
	lw_buf_addc(&b, '}');
	return lw_buf_detach(&b, NULL);
}

/* ---- migrations --------------------------------------------------------------- */

static int applied_version(struct store *st, int *version, struct lw_error *err)
{
	PGresult *res = NULL;

	if (db_exec(st, "SELECT coalesce(max(version), 0) FROM lurewatch.schema_migrations", 0, NULL,
		    &res, err) < 0)
		return -1;
	*version = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

/* Whether migration version is recorded; -1 on error. */
static int is_applied(struct store *st, int version, struct lw_error *err)
{
	char ver[16];
	const char *p[1] = { ver };
	PGresult *res = NULL;
	int applied;

	snprintf(ver, sizeof(ver), "%d", version);
	if (db_exec(st, "SELECT 1 FROM lurewatch.schema_migrations WHERE version = $1", 1, p, &res,
		    err) < 0)
		return -1;
	applied = PQntuples(res) > 0;
	PQclear(res);
	return applied;
}

/* 1 when every embedded migration is recorded. Only reads, so users in the
 * ingest and analyst roles, who may create nothing, get through. */
static int up_to_date(struct store *st)
{
	struct lw_error ignored;
	PGresult *res = NULL;
	int exists, n = 0;

	if (db_exec(st, "SELECT to_regclass('lurewatch.schema_migrations') IS NOT NULL", 0, NULL,
		    &res, &ignored) < 0)
		return 0;
	exists = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	for (size_t i = 0; exists && i < store_nmigrations; i++)
		n += is_applied(st, store_migrations[i].version, &ignored) == 1;
	return exists && (size_t)n == store_nmigrations;
}

static int apply_one(struct store *st, const struct store_migration *mg, int *applied,
		     struct lw_error *err)
{
	char ver[16];
	const char *params[2] = { ver, mg->name };
	int done;
	PGresult *r;

	snprintf(ver, sizeof(ver), "%d", mg->version);
	if (db_begin(st, err) < 0)
		return -1;
	/* By number, not "above the highest": a migration added late still runs. */
	if (db_exec(st, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", 0, NULL, NULL, err) < 0 ||
	    (done = is_applied(st, mg->version, err)) < 0)
		goto fail;
	if (done) {
		db_rollback(st);
		return 0;
	}
	/* Migration files hold several statements: the simple-query protocol. */
	r = PQexec(st->conn, mg->sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		pq_error(err, "migration failed", PQresultErrorMessage(r));
		lw_error_prefix(err, "migration %03d_%s", mg->version, mg->name);
		PQclear(r);
		goto fail;
	}
	PQclear(r);
	if (db_exec(st, "INSERT INTO lurewatch.schema_migrations (version, name) VALUES ($1, $2)", 2,
		    params, NULL, err) < 0 ||
	    db_commit(st, err) < 0)
		goto fail;
	(*applied)++;
	return 0;
fail:
	db_rollback(st);
	return -1;
}

int store_migrate(struct store *st, int *applied, struct lw_error *err)
{
	int n = 0;

	if (applied)
		*applied = 0;
	if (up_to_date(st))
		return 0;
	/* Bootstrap outside the numbered migrations: where they are recorded. */
	if (db_exec(st, "CREATE SCHEMA IF NOT EXISTS lurewatch", 0, NULL, NULL, err) < 0 ||
	    db_exec(st, "CREATE TABLE IF NOT EXISTS lurewatch.schema_migrations ("
			"version integer PRIMARY KEY, name text NOT NULL, "
			"applied_at timestamptz NOT NULL DEFAULT now())",
		    0, NULL, NULL, err) < 0)
		return -1;
	for (size_t i = 0; i < store_nmigrations; i++)
		if (apply_one(st, &store_migrations[i], &n, err) < 0)
			return -1;
	if (applied)
		*applied = n;
	return 0;
}

int store_schema_version(struct store *st, struct lw_error *err)
{
	int v;

	if (applied_version(st, &v, err) < 0)
		return -1;
	return v;
}
