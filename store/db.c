/* SPDX-License-Identifier: MIT */
/* Connecting to PostgreSQL, running parameterised statements, and applying
 * the embedded migrations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "store_internal.h"

/* Any other session's migrator waits on this while we migrate. */
#define MIGRATE_LOCK "7469203"

/* How send_wait sends: parameters, or creating or running a prepared
 * statement, or several statements in one string (simple protocol). */
enum send_how { SEND_PARAMS, SEND_PREPARE, SEND_PREPARED, SEND_SIMPLE };
static int send_wait(struct store *st, enum send_how how, const char *sql, const char *name,
		     int n, const char *const *params, PGresult **res, struct lw_error *err);

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
	 * (a third of a rescan batch's priority statement). The server's
	 * statement_timeout in step with our deadline (store/wait.c).
	 * Values this session writes are compressed with lz4 where the server
	 * has it (PostgreSQL 14 and later, built with it): a posting's body is
	 * compressed once, as ingestion stages it, and the listing and its
	 * version keep that datum. For real postings (median 3 KB) the COPY
	 * into the stage, where that happens, was 40% of the server's CPU:
	 * 0.42 s per 5,232 with pglz, 0.24 s with lz4 (log_statement_stats). A server without lz4 has no
	 * 'lz4' among the setting's values, so the setting is left alone. */
	char ms[24];
	const char *p[1] = { ms };

	snprintf(ms, sizeof(ms), "%lld", (long long)st->timeout_now * 1000);
	if (send_wait(st, SEND_PARAMS, "SELECT pg_catalog.set_config('search_path', "
			  "'lurewatch, pg_catalog, pg_temp', false),"
			  " pg_catalog.set_config('jit', 'off', false),"
			  " pg_catalog.set_config('statement_timeout', $1, false),"
			  " (SELECT pg_catalog.set_config(name, 'lz4', false) FROM pg_catalog.pg_settings"
			  " WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals))",
		      NULL, 1, p, NULL, err) < 0)
		return lw_error_prefix(err, "cannot set up the database session");
	st->server_timeout = st->timeout_now;
	return 0;
}

/* The server's statement_timeout follows ours when a long operation
 * starts or ends. Not in a failed transaction: nothing runs there. */
static int sync_timeout(struct store *st, struct lw_error *err)
{
	char ms[24];
	const char *p[1] = { ms };

	if (st->server_timeout == st->timeout_now ||
	    PQtransactionStatus(st->conn) == PQTRANS_INERROR)
		return 0;
	snprintf(ms, sizeof(ms), "%lld", (long long)st->timeout_now * 1000);
	if (send_wait(st, SEND_PARAMS, "SELECT pg_catalog.set_config('statement_timeout', $1, false)",
		      NULL, 1, p, NULL, err) < 0)
		return -1;
	st->server_timeout = st->timeout_now;
	return 0;
}

struct store *store_open(const char *conninfo, int migrate, struct lw_error *err)
{
	return store_open_timed(conninfo, migrate, NULL, err);
}

struct store *store_open_timed(const char *conninfo, int migrate,
			       const struct store_timeouts *t, struct lw_error *err)
{
	struct store *st = xcalloc(1, sizeof(*st));

	st->conninfo = xstrdup(conninfo);
	st->timeouts.statement = t ? t->statement : STORE_TIMEOUT_DEFAULT;
	st->timeouts.long_statement = t ? t->long_statement : STORE_LONG_TIMEOUT_DEFAULT;
	st->timeouts.connect = t && t->connect > 0 ? t->connect : STORE_CONNECT_TIMEOUT_DEFAULT;
	st->timeout_now = st->timeouts.statement;
	st->conn = db_connect(conninfo, db_connect_seconds(st), err);
	if (!st->conn)
		goto fail;
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

int store_conflict_failed(const struct store *st)
{
	/* deadlock_detected and serialization_failure: the server rolled the
	 * transaction back only because another one held what it needed. */
	return strcmp(st->sqlstate, "40P01") == 0 || strcmp(st->sqlstate, "40001") == 0;
}

enum db_retry db_retry_next(const struct store *st, struct db_retry_state *r, int max_conflicts,
			   double retry_seconds)
{
	if (r->pause == 0)
		r->pause = 0.5;
	if (store_conflict_failed(st) && r->conflicts < max_conflicts) {
		r->conflicts++;
		return DB_RETRY_CONFLICT;
	}
	if (store_connection_lost(st) && r->waited < retry_seconds)
		return DB_RETRY_RECONNECT;
	return DB_RETRY_NO;
}

void db_retry_sleep(struct db_retry_state *r, enum db_retry how)
{
	if (how == DB_RETRY_CONFLICT) {
		/* Short and jittered: the other transaction is about to finish. */
		usleep((useconds_t)(r->conflicts * (20000 + rand() % 80000)));
	} else if (how == DB_RETRY_RECONNECT) {
		usleep((useconds_t)(r->pause * 1e6));
		r->waited += r->pause;
		r->pause = r->pause * 2 > 8 ? 8 : r->pause * 2;
	}
}

/* A dropped connection (server restarted, or one that did not answer in
 * time) is re-established once, so a long-running process does not die
 * with the server. */
static int ensure_connected(struct store *st, struct lw_error *err)
{
	if (!store_connection_lost(st))
		return 0;
	/* The transaction died with its session: going on in a new one would
	 * commit the rest of it without its start. Its next statement fails
	 * (once: a caller that does not roll back is not locked out). */
	if (st->in_tx) {
		st->in_tx = 0;
		return lw_error_set(err, "database connection lost inside a transaction");
	}
	if (st->conn)
		db_drop(st);
	st->conn = db_connect(st->conninfo, db_connect_seconds(st), err);
	if (!st->conn)
		return lw_error_prefix(err, "database connection lost and cannot be re-established");
	PQsetNoticeProcessor(st->conn, quiet_notice, NULL);
	return setup_session(st, err);
}

/* The result's status checked: 0 with *res set (or cleared when res is
 * NULL), or -1 with err and the result cleared. */
static int take_result(struct store *st, PGresult *r, PGresult **res, struct lw_error *err)
{
	ExecStatusType s = PQresultStatus(r);

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		const char *msg = PQresultErrorMessage(r);
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

		snprintf(st->sqlstate, sizeof(st->sqlstate), "%s", state ? state : "");

		db_error(err, "database error",
			 msg && msg[0] ? msg : st->conn ? PQerrorMessage(st->conn) : NULL);
		PQclear(r);
		return -1;
	}
	if (res)
		*res = r;
	else
		PQclear(r);
	return 0;
}

/* A statement in a "did not answer" message: its start, on one line. */
static void describe(const char *sql, char *buf, size_t size)
{
	size_t n = 0;
	const char *s = sql;

	buf[n++] = '"';
	for (; *s && n + 5 < size; s++) {
		if ((*s == ' ' || *s == '\n' || *s == '\t') && buf[n - 1] == ' ')
			continue;
		buf[n++] = *s == '\n' || *s == '\t' ? ' ' : *s;
	}
	if (*s)
		buf[n++] = '.', buf[n++] = '.';
	buf[n++] = '"';
	buf[n] = '\0';
}

/* Sends one statement and waits for its result within the deadline
 * (store/wait.c); then as take_result. sql is sent or, for a prepared
 * one, names it in messages. */
static int send_wait(struct store *st, enum send_how how, const char *sql, const char *name,
		     int n, const char *const *params, PGresult **res, struct lw_error *err)
{
	char what[72];
	double deadline = db_deadline(st);
	PGresult *r = NULL;
	int sent = 0;

	describe(sql, what, sizeof(what));
	switch (how) {
	case SEND_PARAMS:
		sent = PQsendQueryParams(st->conn, sql, n, NULL, params, NULL, NULL, 0);
		break;
	case SEND_PREPARE:
		sent = PQsendPrepare(st->conn, name, sql, n, NULL);
		break;
	case SEND_PREPARED:
		sent = PQsendQueryPrepared(st->conn, name, n, params, NULL, NULL, 0);
		break;
	case SEND_SIMPLE:
		sent = PQsendQuery(st->conn, sql);
		break;
	}
	/* Refused (out of memory, or another statement still running): the
	 * connection's state is unknown, so it starts again. */
	if (!sent)
		return db_conn_error(st, what, err);
	if (db_results(st, deadline, what, &r, err) < 0)
		return -1;
	st->in_tx = PQtransactionStatus(st->conn) != PQTRANS_IDLE;
	if (PQresultStatus(r) == PGRES_COPY_IN || PQresultStatus(r) == PGRES_COPY_OUT ||
	    PQresultStatus(r) == PGRES_COPY_BOTH) {
		PQclear(r);
		lw_error_set(err, "database began a COPY during %s; connection dropped", what);
		db_drop(st);
		return -1;
	}
	return take_result(st, r, res, err);
}

static int run(struct store *st, enum send_how how, const char *sql, const char *name, int n,
	       const char *const *params, PGresult **res, struct lw_error *err)
{
	if (ensure_connected(st, err) < 0 || sync_timeout(st, err) < 0)
		return -1;
	return send_wait(st, how, sql, name, n, params, res, err);
}

int db_exec(struct store *st, const char *sql, int n, const char *const *params,
	    PGresult **res, struct lw_error *err)
{
	return run(st, SEND_PARAMS, sql, NULL, n, params, res, err);
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
		if (run(st, SEND_PREPARE, sql, name, n, NULL, NULL, err) < 0)
			return -1;
		st->prepared[st->nprepared++] = sql;
	}
	return run(st, SEND_PREPARED, sql, name, n, params, res, err);
}

int db_copy_begin(struct store *st, const char *sql, struct lw_error *err)
{
	char what[72];
	double deadline = db_deadline(st);
	PGresult *r = NULL;
	int rc = -1;

	describe(sql, what, sizeof(what));
	/* Inside the caller's transaction: a lost connection is not reset here. */
	if (store_connection_lost(st))
		return lw_error_set(err, "database connection lost before %s", what);
	if (!PQsendQuery(st->conn, sql))
		return db_conn_error(st, what, err);
	if (db_results(st, deadline, what, &r, err) < 0)
		return -1;
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		db_error(err, "cannot start COPY", PQresultErrorMessage(r));
		goto out;
	}
	rc = 0;
out:
	PQclear(r);
	return rc;
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
	/* store_conflict_failed answers for this transaction only. */
	st->sqlstate[0] = '\0';
	return db_exec(st, "BEGIN", 0, NULL, NULL, err);
}

int db_commit(struct store *st, struct lw_error *err)
{
	return db_exec(st, "COMMIT", 0, NULL, NULL, err);
}

void db_rollback(struct store *st)
{
	struct lw_error ignored;

	/* Said by the caller: the transaction is over, a lost one included. */
	st->in_tx = 0;
	/* A statement_timeout set inside the transaction is undone with it. */
	st->server_timeout = 0;
	if (store_connection_lost(st))
		return;
	send_wait(st, SEND_PARAMS, "ROLLBACK", NULL, 0, NULL, NULL, &ignored);
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
	if (send_wait(st, SEND_SIMPLE, mg->sql, NULL, 0, NULL, NULL, err) < 0) {
		lw_error_prefix(err, "migration %03d_%s failed", mg->version, mg->name);
		goto fail;
	}
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
	int n = 0, rc = -1, saved;

	if (applied)
		*applied = 0;
	if (up_to_date(st))
		return 0;
	/* Index builds over big tables may take their time. */
	saved = db_long_begin(st);
	/* Bootstrap outside the numbered migrations: where they are recorded. */
	if (db_exec(st, "CREATE SCHEMA IF NOT EXISTS lurewatch", 0, NULL, NULL, err) < 0 ||
	    db_exec(st, "CREATE TABLE IF NOT EXISTS lurewatch.schema_migrations ("
			"version integer PRIMARY KEY, name text NOT NULL, "
			"applied_at timestamptz NOT NULL DEFAULT now())",
		    0, NULL, NULL, err) < 0)
		goto out;
	for (size_t i = 0; i < store_nmigrations; i++)
		if (apply_one(st, &store_migrations[i], &n, err) < 0)
			goto out;
	if (applied)
		*applied = n;
	rc = 0;
out:
	db_long_end(st, saved);
	return rc;
}

int db_long_begin(struct store *st)
{
	int saved = st->timeout_now;

	st->timeout_now = st->timeouts.long_statement;
	return saved;
}

void db_long_end(struct store *st, int saved)
{
	st->timeout_now = saved;
}

int store_schema_version(struct store *st, struct lw_error *err)
{
	int v;

	if (applied_version(st, &v, err) < 0)
		return -1;
	return v;
}
