/* SPDX-License-Identifier: MIT */
/* Fleet-wide politeness and the worker registry: per-host leases (windows of
 * request starts and a share of the host's connections) kept in PostgreSQL,
 * so `rate`, `connections` and Crawl-delay hold across every process sharing
 * the database (the reasons are in migration 041 and the README). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/xmalloc.h"
#include "store_internal.h"

/* ---- host leases ----------------------------------------------------------------- */

/* {a,b,...}: one field of every ask, for an array parameter. */
static char *array_of(const struct store_host_ask *asks, size_t n, int field)
{
	struct lw_buf b;

	lw_buf_init(&b, 1 << 20);
	lw_buf_addc(&b, '{');
	for (size_t i = 0; i < n; i++) {
		const struct store_host_ask *a = &asks[i];

		if (i)
			lw_buf_addc(&b, ',');
		switch (field) {
		case 0: lw_buf_printf(&b, "%.6f", a->length); break;
		case 1: lw_buf_printf(&b, "%.6f", a->ahead); break;
		case 2: lw_buf_printf(&b, "%d", a->connections > 0 ? a->connections : 1); break;
		case 3: lw_buf_printf(&b, "%d", a->inflight > 0 ? a->inflight : 0); break;
		default: lw_buf_addc(&b, a->want ? 't' : 'f'); break;
		}
	}
	lw_buf_addc(&b, '}');
	return lw_buf_detach(&b, NULL);
}

int store_host_lease(struct store *st, const struct store_host_ask *asks, size_t n,
		     const char *owner, int lease_seconds, struct store_host_lease *out,
		     struct lw_error *err)
{
	char lease[16], *arr[6] = { NULL };
	char **hosts = xcalloc(n ? n : 1, sizeof(*hosts));
	const char *p[8];
	PGresult *res = NULL;
	int rc = -1;

	memset(out, 0, n * sizeof(*out));
	if (n == 0) {
		free(hosts);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		hosts[i] = (char *)asks[i].host;
	arr[0] = db_text_array(hosts, n);
	for (int k = 0; k < 5; k++)
		arr[k + 1] = array_of(asks, n, k);
	snprintf(lease, sizeof(lease), "%d", lease_seconds > 0 ? lease_seconds : 120);
	for (int k = 0; k < 6; k++)
		p[k] = arr[k];
	p[6] = owner;
	p[7] = lease;
	/* One round trip for every host the fetch loop asks about; the
	 * decision per host is migration 075's function. */
	if (db_exec_prepared(st, "SELECT l.granted, l.start_in, l.slots, l.wait FROM unnest($1::text[],"
			     " $2::float8[], $3::float8[], $4::integer[], $5::integer[], $6::boolean[])"
			     " WITH ORDINALITY AS a(host, len, ahead, conns, inflight, want, i)"
			     " CROSS JOIN LATERAL host_lease(a.host, a.len, a.ahead, a.conns, a.inflight,"
			     " a.want, $7, $8::integer) l ORDER BY a.i",
			     8, p, &res, err) < 0)
		goto out;
	if ((size_t)PQntuples(res) != n) {
		lw_error_set(err, "host leases: %d answers to %zu questions", PQntuples(res), n);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		out[i].granted = PQgetvalue(res, (int)i, 0)[0] == 't';
		out[i].start_in = atof(PQgetvalue(res, (int)i, 1));
		out[i].slots = atoi(PQgetvalue(res, (int)i, 2));
		out[i].wait = atof(PQgetvalue(res, (int)i, 3));
		out[i].length = out[i].granted ? asks[i].length : 0;
	}
	rc = 0;
out:
	PQclear(res);
	for (int k = 0; k < 6; k++)
		free(arr[k]);
	free(hosts);
	return rc;
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
