/* SPDX-License-Identifier: MIT */
/* Fleet-wide politeness and the worker registry: per-host leases (windows of
 * request starts and a share of the host's connections) kept in PostgreSQL,
 * so `rate`, `connections` and Crawl-delay hold across every process sharing
 * the database (the reasons are in migration 041 and the README). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_internal.h"

/* ---- host leases ----------------------------------------------------------------- */

/* A process that waits for a host's connections leaves a marker row (a
 * negative slot of its own) so that those holding them keep only their
 * share; it goes when the process is granted or stops asking. */
#define WAITER_SLOT "(-1 - abs(hashtext($2::text) % 1000000000))"

/* Sets owner's slots for host to keep of 1..connections (fewer when taken). */
static int hold_slots(struct store *st, const char *host, const char *owner, int connections,
		      int keep, int waiting, const char *lease, int *held, struct lw_error *err)
{
	char conns[16], ks[16];
	const char *p[5] = { host, owner, conns, ks, lease };
	PGresult *res = NULL;

	*held = 0;
	snprintf(conns, sizeof(conns), "%d", connections > keep ? connections : keep);
	snprintf(ks, sizeof(ks), "%d", keep);
	if (db_exec(st, "DELETE FROM crawl_host_slots WHERE host = $1 AND owner = $2", 2, p, NULL,
		    err) < 0)
		return -1;
	if (keep > 0) {
		if (db_exec(st, "INSERT INTO crawl_host_slots AS c (host, slot, owner, expires)"
			    " SELECT $1, s, $2, clock_timestamp() + make_interval(secs => $5::integer)"
			    " FROM generate_series(1, $3::integer) s WHERE NOT EXISTS (SELECT 1 FROM"
			    " crawl_host_slots o WHERE o.host = $1 AND o.slot = s"
			    " AND o.expires > clock_timestamp()) ORDER BY s LIMIT $4::integer"
			    " ON CONFLICT (host, slot) DO UPDATE SET owner = excluded.owner,"
			    " expires = excluded.expires RETURNING slot",
			    5, p, &res, err) < 0)
			return -1;
		*held = PQntuples(res);
		PQclear(res);
	}
	if (waiting &&
	    db_exec(st, "INSERT INTO crawl_host_slots AS c (host, slot, owner, expires)"
		    " VALUES ($1, " WAITER_SLOT ", $2, clock_timestamp() + interval '2 seconds')"
		    " ON CONFLICT (host, slot) DO UPDATE SET owner = excluded.owner,"
		    " expires = excluded.expires",
		    2, p, NULL, err) < 0)
		return -1;
	return 0;
}

/* The window itself: next_start moves past it, so no other process's
 * window can overlap it. */
static int take_window(struct store *st, const char *host, double length, double *start_in,
		       struct lw_error *err)
{
	char len[32];
	const char *p[2] = { host, len };
	PGresult *res = NULL;

	snprintf(len, sizeof(len), "%.6f", length);
	if (db_exec(st, "UPDATE crawl_hosts SET next_start = GREATEST(next_start, clock_timestamp())"
		    " + make_interval(secs => $2::float8), requests = requests + 1 WHERE host = $1"
		    " RETURNING EXTRACT(EPOCH FROM next_start - clock_timestamp())::float8 - $2::float8",
		    2, p, &res, err) < 0)
		return -1;
	*start_in = PQntuples(res) ? atof(PQgetvalue(res, 0, 0)) : 0;
	if (*start_in < 0)
		*start_in = 0;
	PQclear(res);
	return 0;
}

/* Within the transaction that holds the host's row: what to keep and
 * whether a window is granted. */
static int lease_locked(struct store *st, const char *host, double length, double ahead,
			int connections, int inflight, int want, const char *owner,
			const char *lease, struct store_host_lease *out, struct lw_error *err)
{
	const char *p[2] = { host, owner };
	PGresult *res = NULL;
	double until;
	int others, owners, fair, free_, keep, grant, held;

	/* The upsert locks the host's row: one lease decision at a time. */
	if (db_exec(st, "INSERT INTO crawl_hosts AS h (host, next_start) VALUES ($1,"
		    " clock_timestamp()) ON CONFLICT (host) DO UPDATE SET host = h.host"
		    " RETURNING EXTRACT(EPOCH FROM next_start - clock_timestamp())::float8",
		    1, p, &res, err) < 0)
		return -1;
	until = atof(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (db_exec(st, "SELECT count(*) FILTER (WHERE owner <> $2 AND slot > 0),"
		    " count(DISTINCT owner) FILTER (WHERE owner <> $2)"
		    " FROM crawl_host_slots WHERE host = $1 AND expires > clock_timestamp()",
		    2, p, &res, err) < 0)
		return -1;
	others = atoi(PQgetvalue(res, 0, 0));
	owners = atoi(PQgetvalue(res, 0, 1));
	PQclear(res);
	free_ = connections - others;
	fair = (connections + owners) / (owners + 1);
	if (fair < 1)
		fair = 1;
	keep = want ? (free_ < fair ? free_ : fair) : 0;
	if (keep < inflight)
		keep = inflight;        /* running transfers are never taken back */
	grant = want && keep > inflight && until <= ahead;
	if (hold_slots(st, host, owner, connections, keep, want && !grant, lease, &held, err) < 0)
		return -1;
	out->slots = held;
	if (grant && held > inflight) {
		if (take_window(st, host, length, &out->start_in, err) < 0)
			return -1;
		out->granted = 1;
		out->length = length;
		return 0;
	}
	/* Not now: after the windows already given out, or soon when it is
	 * the connections that are busy. */
	out->wait = until > ahead ? until - ahead : 0.01;
	if (out->wait < 0.005)
		out->wait = 0.005;
	return 0;
}

int store_host_lease(struct store *st, const char *host, double length, double ahead,
		     int connections, int inflight, int want, const char *owner,
		     int lease_seconds, struct store_host_lease *out, struct lw_error *err)
{
	char lease[16];

	memset(out, 0, sizeof(*out));
	snprintf(lease, sizeof(lease), "%d", lease_seconds > 0 ? lease_seconds : 120);
	if (connections < 1)
		connections = 1;
	if (db_begin(st, err) < 0)
		return -1;
	if (lease_locked(st, host, length, ahead, connections, inflight, want, owner, lease, out,
			 err) < 0 ||
	    db_commit(st, err) < 0) {
		db_rollback(st);
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

int store_host_renew(struct store *st, const char *owner, int lease_seconds, struct lw_error *err)
{
	char lease[16];
	const char *p[2] = { owner, lease };

	snprintf(lease, sizeof(lease), "%d", lease_seconds > 0 ? lease_seconds : 120);
	return db_exec(st, "UPDATE crawl_host_slots SET expires = clock_timestamp()"
		       " + make_interval(secs => $2::integer) WHERE owner = $1", 2, p, NULL, err);
}

int store_host_release_all(struct store *st, const char *owner, struct lw_error *err)
{
	const char *p[1] = { owner };

	return db_exec(st, "DELETE FROM crawl_host_slots WHERE owner = $1", 1, p, NULL, err);
}

int store_worker_beat(struct store *st, const char *owner, const char *role, long long done,
		      struct lw_error *err)
{
	char host[256], pid[24], d[32];
	const char *p[5] = { owner, host, pid, role, d };

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	snprintf(d, sizeof(d), "%lld", done);
	/* Workers silent for a day are history, not news. */
	if (db_exec(st, "DELETE FROM workers WHERE last_seen < now() - interval '1 day'", 0, NULL,
		    NULL, err) < 0)
		return -1;
	return db_exec(st, "INSERT INTO workers AS w (owner, machine, pid, role, done)"
		       " VALUES ($1, $2, $3::integer, $4, $5::bigint)"
		       " ON CONFLICT (owner) DO UPDATE SET role = excluded.role, done = excluded.done,"
		       " rate = CASE WHEN now() > w.last_seen THEN GREATEST(excluded.done - w.done, 0)"
		       " / EXTRACT(EPOCH FROM now() - w.last_seen) ELSE w.rate END,"
		       " last_seen = now(),"
		       " started_at = CASE WHEN w.role = excluded.role THEN w.started_at ELSE now() END",
		       5, p, NULL, err);
}

int store_worker_gone(struct store *st, const char *owner, struct lw_error *err)
{
	const char *p[1] = { owner };

	return db_exec(st, "DELETE FROM workers WHERE owner = $1", 1, p, NULL, err);
}

int store_workers(struct store *st, int stale_seconds, json_t **out, struct lw_error *err)
{
	char s[16];
	const char *p[1] = { s };

	snprintf(s, sizeof(s), "%d", stale_seconds);
	return db_json(st,
		       "SELECT coalesce(json_agg(json_build_object('owner', w.owner, 'machine',"
		       " w.machine, 'pid', w.pid, 'role', w.role, 'since', w.started_at,"
		       " 'last_seen', w.last_seen, 'done', w.done, 'rate', w.rate,"
		       " 'hosts_held', (SELECT count(DISTINCT h.host) FROM crawl_host_slots h"
		       " WHERE h.owner = w.owner AND h.slot > 0 AND h.expires > now()),"
		       " 'alive', w.last_seen > now() - make_interval(secs => $1::integer))"
		       " ORDER BY w.role, w.machine, w.pid), '[]'::json) FROM workers w",
		       1, p, out, err);
}
