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

int store_host_lease(struct store *st, const char *host, double length, double ahead,
		     int connections, int inflight, int want, const char *owner,
		     int lease_seconds, struct store_host_lease *out, struct lw_error *err)
{
	char len[32], ah[32], conns[16], infl[16], lease[16];
	const char *p[8] = { host, len, ah, conns, infl, want ? "t" : "f", owner, lease };
	PGresult *res = NULL;

	memset(out, 0, sizeof(*out));
	snprintf(len, sizeof(len), "%.6f", length);
	snprintf(ah, sizeof(ah), "%.6f", ahead);
	snprintf(conns, sizeof(conns), "%d", connections > 0 ? connections : 1);
	snprintf(infl, sizeof(infl), "%d", inflight > 0 ? inflight : 0);
	snprintf(lease, sizeof(lease), "%d", lease_seconds > 0 ? lease_seconds : 120);
	/* One round trip a window: the decision is migration 075's function. */
	if (db_exec_prepared(st, "SELECT granted, start_in, slots, wait FROM host_lease($1, $2::float8,"
			     " $3::float8, $4::integer, $5::integer, $6::boolean, $7, $8::integer)",
			     8, p, &res, err) < 0)
		return -1;
	out->granted = PQgetvalue(res, 0, 0)[0] == 't';
	out->start_in = atof(PQgetvalue(res, 0, 1));
	out->slots = atoi(PQgetvalue(res, 0, 2));
	out->wait = atof(PQgetvalue(res, 0, 3));
	out->length = out->granted ? length : 0;
	PQclear(res);
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
