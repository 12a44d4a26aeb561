/* SPDX-License-Identifier: MIT */
/* Every wait of lurewatch on PostgreSQL: libpq's asynchronous calls and
 * poll() with a deadline, so a server that never answers, or a connection
 * libpq lost track of, ends in an error and a dropped connection, never a
 * hang. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store_internal.h"

/* Beyond the server's own statement_timeout: its "canceling statement"
 * error, which says more, gets here before our deadline does. */
#define DB_GRACE_SECONDS 5

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double db_deadline(const struct store *st)
{
	return now() + st->timeout_now + DB_GRACE_SECONDS;
}

void db_drop(struct store *st)
{
	/* The connection is non-blocking: PQfinish's goodbye never waits. */
	PQfinish(st->conn);
	st->conn = NULL;
	st->nprepared = 0;
	st->server_timeout = 0;
}

int db_error(struct lw_error *err, const char *what, const char *msg)
{
	char buf[LW_ERROR_MAX];
	size_t n;

	/* libpq's messages end with a newline; ours do not. */
	snprintf(buf, sizeof(buf), "%s", msg && msg[0] ? msg : "unknown error");
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return lw_error_set(err, "%s: %s", what, buf);
}

int db_conn_error(struct store *st, const char *what, struct lw_error *err)
{
	char prefix[160];

	snprintf(prefix, sizeof(prefix), "database connection failed during %s", what);
	db_error(err, prefix, st->conn ? PQerrorMessage(st->conn) : "connection closed");
	db_drop(st);
	return -1;
}

/* 1 when c's socket is ready for events, 0 when the deadline passed,
 * -1 on a poll error (err set). Interrupted polls go on waiting. */
static int ready(PGconn *c, int events, double deadline, struct lw_error *err)
{
	for (;;) {
		struct pollfd p = { PQsocket(c), (short)events, 0 };
		double left = deadline - now();
		int r;

		if (p.fd < 0)
			return lw_error_set(err, "database connection has no socket");
		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return lw_error_set(err, "poll: %s", strerror(errno));
	}
}

static int too_late(struct store *st, int seconds, const char *what, struct lw_error *err)
{
	lw_error_set(err, "database did not answer within %d s during %s; connection dropped",
		     seconds, what);
	if (st)
		db_drop(st);
	return -1;
}

/* Waits on st's socket; 0 ready, or -1 with err and the connection dropped. */
static int await(struct store *st, int events, double deadline, const char *what,
		 struct lw_error *err)
{
	int r = ready(st->conn, events, deadline, err);

	if (r > 0)
		return 0;
	if (r == 0)
		return too_late(st, st->timeout_now + DB_GRACE_SECONDS, what, err);
	db_drop(st);
	return -1;
}

PGconn *db_connect(const char *conninfo, int seconds, struct lw_error *err)
{
	double deadline = now() + seconds;
	PGconn *c = PQconnectStart(conninfo);
	PostgresPollingStatusType ps = PGRES_POLLING_WRITING;

	if (!c) {
		lw_error_set(err, "cannot connect to the database: out of memory");
		return NULL;
	}
	while (ps != PGRES_POLLING_OK) {
		int r;

		if (ps == PGRES_POLLING_FAILED || PQstatus(c) == CONNECTION_BAD) {
			db_error(err, "cannot connect to the database", PQerrorMessage(c));
			goto fail;
		}
		/* The socket may change between calls (another address tried). */
		r = ready(c, ps == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline, err);
		if (r == 0)
			too_late(NULL, seconds, "connecting", err);
		if (r <= 0)
			goto fail;
		ps = PQconnectPoll(c);
	}
	/* Sending never blocks either: a full socket buffer is waited on
	 * here, with the deadline, not inside libpq. */
	if (PQsetnonblocking(c, 1) != 0) {
		db_error(err, "cannot connect to the database", PQerrorMessage(c));
		goto fail;
	}
	return c;
fail:
	PQfinish(c);
	return NULL;
}

int db_connect_seconds(const struct store *st)
{
	return st->timeouts.connect < st->timeout_now ? st->timeouts.connect : st->timeout_now;
}

/* Whether a failed connection attempt got as far as a server's own error
 * ("FATAL:  the database system is starting up"): libpq keeps no other
 * trace of it. */
static int server_spoke(PGconn *c)
{
	const char *m = PQerrorMessage(c);

	return strstr(m, "FATAL:") || strstr(m, "ERROR:");
}

enum store_ping_state store_ping(const char *conninfo, int seconds, struct lw_error *err)
{
	double deadline = now() + seconds;
	PGconn *c = PQconnectStart(conninfo);
	PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
	enum store_ping_state s = STORE_PING_DOWN;
	/* The socket is connected: whatever holds the address took us in. */
	int held = 0;

	if (!c) {
		lw_error_set(err, "cannot connect to the database: out of memory");
		return STORE_PING_DOWN;
	}
	for (;;) {
		ConnStatusType cs = PQstatus(c);
		int r;

		if (ps == PGRES_POLLING_OK) {
			s = STORE_PING_OK;
			break;
		}
		if (ps == PGRES_POLLING_FAILED || cs == CONNECTION_BAD) {
			s = held && server_spoke(c) ? STORE_PING_REJECTED : STORE_PING_DOWN;
			db_error(err, "no server", PQerrorMessage(c));
			break;
		}
		held |= cs != CONNECTION_STARTED;
		r = ready(c, ps == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline, err);
		if (r == 0) {
			s = held ? STORE_PING_SILENT : STORE_PING_DOWN;
			lw_error_set(err, held ? "it accepted the connection but did not answer within %d s"
					       : "no connection within %d s", seconds);
			break;
		}
		if (r < 0)
			break;
		ps = PQconnectPoll(c);
	}
	PQfinish(c);
	return s;
}

int db_flush(struct store *st, double deadline, const char *what, struct lw_error *err)
{
	int r;

	while ((r = PQflush(st->conn)) == 1) {
		if (await(st, POLLIN | POLLOUT, deadline, what, err) < 0)
			return -1;
		/* Read what the server sends meanwhile, or it may stop reading us. */
		if (!PQconsumeInput(st->conn))
			return db_conn_error(st, what, err);
	}
	if (r < 0)
		return db_conn_error(st, what, err);
	return 0;
}

int db_next_result(struct store *st, double deadline, const char *what, PGresult **res,
		   struct lw_error *err)
{
	if (db_flush(st, deadline, what, err) < 0)
		return -1;
	while (PQisBusy(st->conn)) {
		if (await(st, POLLIN, deadline, what, err) < 0)
			return -1;
		if (!PQconsumeInput(st->conn))
			return db_conn_error(st, what, err);
	}
	*res = PQgetResult(st->conn);
	return 0;
}

static int is_copy(const PGresult *r)
{
	ExecStatusType s = PQresultStatus(r);

	return s == PGRES_COPY_IN || s == PGRES_COPY_OUT || s == PGRES_COPY_BOTH;
}

int db_results(struct store *st, double deadline, const char *what, PGresult **res,
	       struct lw_error *err)
{
	PGresult *keep = NULL, *r = NULL;

	for (;;) {
		if (db_next_result(st, deadline, what, &r, err) < 0) {
			PQclear(keep);
			return -1;
		}
		if (!r)
			break;
		/* COPY goes on until the caller ends it: libpq would hand out
		 * this result again and again. */
		if (is_copy(r)) {
			PQclear(keep);
			keep = r;
			break;
		}
		/* The first error says what went wrong; later results only
		 * follow from it. */
		if (keep && PQresultStatus(keep) == PGRES_FATAL_ERROR) {
			PQclear(r);
			continue;
		}
		PQclear(keep);
		keep = r;
	}
	/* No result at all: libpq failed to make one (out of memory). */
	if (!keep)
		return db_conn_error(st, what, err);
	*res = keep;
	return 0;
}

int db_copy_end(struct store *st, const char *data, size_t len, const char *what,
		struct lw_error *err)
{
	double deadline = db_deadline(st);
	PGresult *r = NULL;
	int rc = -1, sent;

	/* Non-blocking: 0 means libpq's buffer is full, so send some first. */
	while ((sent = PQputCopyData(st->conn, data, (int)len)) == 0)
		if (db_flush(st, deadline, what, err) < 0 ||
		    await(st, POLLOUT, deadline, what, err) < 0)
			return -1;
	if (sent < 0)
		return db_conn_error(st, what, err);
	while ((sent = PQputCopyEnd(st->conn, NULL)) == 0)
		if (db_flush(st, deadline, what, err) < 0 ||
		    await(st, POLLOUT, deadline, what, err) < 0)
			return -1;
	if (sent < 0)
		return db_conn_error(st, what, err);
	if (db_results(st, deadline, what, &r, err) < 0)
		return -1;
	/* Still in COPY after its end was sent: libpq lost the end (out of
	 * memory). Only a new connection gets out of that. */
	if (is_copy(r)) {
		lw_error_set(err, "database connection stuck in COPY during %s; connection dropped",
			     what);
		db_drop(st);
		goto out;
	}
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		db_error(err, "COPY failed", PQresultErrorMessage(r));
		goto out;
	}
	rc = 0;
out:
	PQclear(r);
	return rc;
}
