/* SPDX-License-Identifier: MIT */
/* Fleet-wide politeness and the worker registry: a per-host budget of
 * request starts and concurrent transfers kept in PostgreSQL, so `rate`,
 * `connections` and Crawl-delay hold across every process sharing the
 * database (the reasons are in migration 041). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_internal.h"

int store_host_admit(struct store *st, const char *host, double interval, int connections,
		     const char *owner, int lease_seconds, long *token, double *wait,
		     struct lw_error *err)
{
	char iv[32], conns[16], lease[16];
	const char *p[2] = { host, iv };
	const char *ps[4] = { host, owner, conns, lease };
	PGresult *res = NULL;

	*token = 0;
	*wait = 0;
	snprintf(iv, sizeof(iv), "%.6f", interval > 0 ? interval : 0);
	snprintf(conns, sizeof(conns), "%d", connections > 0 ? connections : 1);
	snprintf(lease, sizeof(lease), "%d", lease_seconds > 0 ? lease_seconds : 120);
	/* The data-modifying CTE's row is granted; when it is not, the main
	 * query still sees the untouched row and says how long to wait. */
	if (db_exec(st, "WITH up AS (INSERT INTO crawl_hosts AS h (host, next_start, requests)"
		    " VALUES ($1, clock_timestamp() + make_interval(secs => $2::float8), 1)"
		    " ON CONFLICT (host) DO UPDATE SET next_start = clock_timestamp()"
		    " + make_interval(secs => $2::float8), requests = h.requests + 1"
		    " WHERE h.next_start <= clock_timestamp() RETURNING 0::float8 AS wait)"
		    " SELECT wait FROM up UNION ALL SELECT GREATEST(EXTRACT(EPOCH FROM"
		    " next_start - clock_timestamp())::float8, 0.001) FROM crawl_hosts"
		    " WHERE host = $1 AND NOT EXISTS (SELECT 1 FROM up)",
		    2, p, &res, err) < 0)
		return -1;
	*wait = PQntuples(res) ? atof(PQgetvalue(res, 0, 0)) : 0.01;
	PQclear(res);
	res = NULL;
	if (*wait > 0)
		return 0;
	if (db_exec(st, "WITH f AS (SELECT s FROM generate_series(1, $3::integer) s"
		    " WHERE NOT EXISTS (SELECT 1 FROM crawl_host_slots c WHERE c.host = $1"
		    " AND c.slot = s AND c.expires > clock_timestamp()) ORDER BY s LIMIT 1)"
		    " INSERT INTO crawl_host_slots AS c (host, slot, owner, expires)"
		    " SELECT $1, s, $2, clock_timestamp() + make_interval(secs => $4::integer) FROM f"
		    " ON CONFLICT (host, slot) DO UPDATE SET owner = excluded.owner,"
		    " expires = excluded.expires WHERE c.expires <= clock_timestamp()"
		    " RETURNING slot",
		    4, ps, &res, err) < 0)
		return -1;
	if (PQntuples(res) == 1) {
		*token = atol(PQgetvalue(res, 0, 0));
	} else {
		/* Every connection to the host is busy: the start granted above
		 * goes unused, which only slows this host down. */
		*wait = 0.01;
	}
	PQclear(res);
	return 0;
}

int store_host_sent(struct store *st, const char *host, double interval, struct lw_error *err)
{
	char iv[32];
	const char *p[2] = { host, iv };

	if (interval <= 0)
		return 0;
	snprintf(iv, sizeof(iv), "%.6f", interval);
	return db_exec(st, "UPDATE crawl_hosts SET next_start = GREATEST(next_start,"
		       " clock_timestamp() + make_interval(secs => $2::float8)) WHERE host = $1",
		       2, p, NULL, err);
}

int store_host_release(struct store *st, const char *host, long token, const char *owner,
		       struct lw_error *err)
{
	char slot[24];
	const char *p[3] = { host, slot, owner };

	snprintf(slot, sizeof(slot), "%ld", token);
	return db_exec(st, "DELETE FROM crawl_host_slots WHERE host = $1 AND slot = $2::integer"
		       " AND owner = $3", 3, p, NULL, err);
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
		       " WHERE h.owner = w.owner AND h.expires > now()),"
		       " 'alive', w.last_seen > now() - make_interval(secs => $1::integer))"
		       " ORDER BY w.role, w.machine, w.pid), '[]'::json) FROM workers w",
		       1, p, out, err);
}
