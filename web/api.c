/* SPDX-License-Identifier: MIT */
/* The JSON API under /api/ (bearer tokens from `lurewatch user token`),
 * shaped like the CLI's --json output, and /metrics in Prometheus text
 * format. Queue changes go through store/queue.c like everything else. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

#include "web_internal.h"

#ifndef LW_VERSION
#define LW_VERSION "dev"
#endif

static void api_db_fail(struct web_req *r, struct lw_error *err)
{
	fprintf(stderr, "lurewatch serve: %s\n", err->msg);
	web_fail(r, 500, "database error");
}

/* Sends v (stolen) or, when rc < 0, the error. */
static void reply(struct web_req *r, int rc, json_t *v, struct lw_error *err)
{
	if (rc < 0)
		api_db_fail(r, err);
	else
		web_json(r, 200, v);
}

/* As `network show --json`; a network that does not exist is a 404, as
 * docs/api.md says, not a 200 with null. */
static void network_show(struct web_req *r, long id)
{
	struct lw_error err;
	json_t *v = NULL;

	if (store_network_show(r->st, id, &v, &err) < 0) {
		api_db_fail(r, &err);
	} else if (json_is_null(v)) {
		json_decref(v);
		web_fail(r, 404, "no such network %ld", id);
	} else {
		web_json(r, 200, v);
	}
}

static long qnum(struct web_req *r, const char *name, long dflt)
{
	const char *v = web_query(r, name);
	char *end;
	long n;

	if (!v)
		return dflt;
	errno = 0;
	n = strtol(v, &end, 10);
	return errno || *end || n < 0 ? dflt : n;
}

/* A field of the body: JSON object members, else form fields. */
static const char *body_field(struct web_req *r, json_t *body, const char *name)
{
	json_t *v = json_object_get(body, name);

	if (json_is_string(v))
		return json_string_value(v)[0] ? json_string_value(v) : NULL;
	return web_form(r, name);
}

static void api_queue(struct web_req *r)
{
	struct store_queue_query q;
	struct lw_error err;
	json_t *page = NULL, *items;
	const char *ms = web_query(r, "min_score");
	int rc;

	memset(&q, 0, sizeof(q));
	q.status = web_query(r, "status") ? web_query(r, "status") : "open";
	if (strcmp(q.status, "all") == 0)
		q.status = NULL;
	q.category = web_query(r, "category");
	q.source = web_query(r, "source");
	q.language = web_query(r, "language");
	q.network = qnum(r, "network", 0);
	q.min_score = ms ? strtod(ms, NULL) : -1;
	q.claimed_by = web_query(r, "mine") ? web_user(r) : web_query(r, "claimed_by");
	q.me = web_user(r);
	q.limit = qnum(r, "limit", 50);
	if (q.limit > 1000)
		q.limit = 1000;
	q.offset = qnum(r, "offset", 0);
	q.counts = web_queue_counts(r);
	rc = store_queue_page(r->st, &q, &page, &err);
	json_decref(q.counts);
	if (rc < 0) {
		api_db_fail(r, &err);
		return;
	}
	/* As `queue list --json`: an array of items. */
	items = json_incref(json_object_get(page, "items"));
	json_decref(page);
	web_json(r, 200, items);
}

static void api_item(struct web_req *r, long id, const char *action)
{
	struct lw_error err;
	json_t *it = NULL, *body = NULL, *arr;
	int rc;

	if (!action) {
		if (store_queue_show(r->st, id, &it, &err) < 0) {
			api_db_fail(r, &err);
			return;
		}
		if (json_is_null(it)) {
			json_decref(it);
			web_fail(r, 404, "no queue item %ld", id);
			return;
		}
		web_json(r, 200, it);
		return;
	}
	if (strcmp(r->method, "POST") != 0) {
		web_fail(r, 405, "use POST");
		return;
	}
	if (r->body.data && r->body.data[0] == '{')
		body = json_loads(r->body.data, 0, NULL);
	if (strcmp(action, "claim") == 0) {
		rc = store_queue_claim_item(r->st, id, web_user(r), r->srv->cfg->claim_minutes, &it,
					    &err);
	} else if (strcmp(action, "release") == 0) {
		rc = store_queue_release(r->st, id, web_user(r), &it, &err);
	} else if (strcmp(action, "resolve") == 0) {
		const char *agency = body_field(r, body, "agency");

		if (agency && !config_has_agency(r->srv->cfg, agency)) {
			web_fail(r, 400, "unknown agency '%s'", agency);
			json_decref(body);
			return;
		}
		rc = store_queue_resolve(r->st, id, web_user(r), body_field(r, body, "verdict"), agency,
					 body_field(r, body, "note"), &it, &err);
	} else if (strcmp(action, "note") == 0) {
		rc = store_queue_note(r->st, id, web_user(r), body_field(r, body, "note"), &it, &err);
	} else if ((strcmp(action, "reassign") == 0 || strcmp(action, "reopen") == 0) &&
		   r->role < ROLE_SUPERVISOR) {
		web_fail(r, 403, "%s needs the supervisor role", action);
		json_decref(body);
		return;
	} else if (strcmp(action, "reassign") == 0) {
		if (auth_reassign_target(r, body_field(r, body, "to")) < 0) {
			json_decref(body);
			return;
		}
		rc = store_queue_reassign(r->st, id, web_user(r), body_field(r, body, "to"),
					  r->srv->cfg->claim_minutes, &it, &err);
	} else if (strcmp(action, "reopen") == 0) {
		rc = store_queue_reopen(r->st, id, web_user(r), body_field(r, body, "note"), &it, &err);
	} else {
		web_fail(r, 404, "no such action '%s'", action);
		json_decref(body);
		return;
	}
	json_decref(body);
	if (rc < 0) {
		web_fail(r, 409, "%s", err.msg);
		return;
	}
	if (json_is_null(it)) {
		json_decref(it);
		web_fail(r, 404, "no queue item %ld", id);
		return;
	}
	/* As the CLI's --json: an array even for one item. */
	arr = json_array();
	json_array_append_new(arr, it);
	web_json(r, 200, arr);
}

static void api_claim_next(struct web_req *r)
{
	struct lw_error err;
	json_t *items = NULL;
	long count = qnum(r, "count", 1);

	if (strcmp(r->method, "POST") != 0) {
		web_fail(r, 405, "use POST");
		return;
	}
	if (store_queue_claim(r->st, web_user(r), count > 0 && count <= 100 ? count : 1,
			      r->srv->cfg->claim_minutes, &items, &err) < 0) {
		web_fail(r, 409, "%s", err.msg);
		return;
	}
	web_json(r, 200, items);
}

/* GET: the sources as the files say now; POST op and name (and a source's
 * settings, as the admin page's form fields): the same change. */
static void api_sources(struct web_req *r)
{
	struct lw_error err;
	struct config *c;
	const char *op = web_form(r, "op"), *name = web_form(r, "name");

	if (r->role < ROLE_ADMIN) {
		web_fail(r, 403, "sources need the admin role");
	} else if (strcmp(r->method, "GET") == 0) {
		c = config_load(r->srv->cfg->path, &err);
		if (!c) {
			web_fail(r, 500, "the configuration does not load: %s", err.msg);
			return;
		}
		web_json(r, 200, web_sources_json(c));
		config_free(c);
	} else if (strcmp(r->method, "POST") != 0) {
		web_fail(r, 405, "use GET or POST");
	} else if (web_source_change(r, op, name, &err) < 0) {
		web_fail(r, 400, "%s", err.msg);
	} else {
		web_json(r, 200, json_pack("{s:s,s:s}", "source", name, "op", op));
	}
}

/* Splits "/items/12/claim" into 12 and "claim". */
static int path_id(const char *p, const char *prefix, long *id, const char **rest)
{
	size_t n = strlen(prefix);
	char *end;

	if (strncmp(p, prefix, n) != 0 || p[n] < '1' || p[n] > '9')
		return 0;
	errno = 0;
	*id = strtol(p + n, &end, 10);
	if (errno)
		return 0;
	if (*end == '\0')
		*rest = NULL;
	else if (*end == '/' && end[1])
		*rest = end + 1;
	else
		return 0;
	return 1;
}

void api_route(struct web_req *r, const char *p)
{
	struct lw_error err;
	json_t *v = NULL;
	const char *rest = NULL;
	long id = 0;
	int get = strcmp(r->method, "GET") == 0;

	if (!r->user || !r->api) {
		web_fail(r, 401, "the API needs 'Authorization: Bearer TOKEN' (lurewatch user token)");
		return;
	}
	if (strcmp(p, "/me") == 0 && get) {
		web_json(r, 200, json_pack("{s:s,s:s}", "name", web_user(r), "role",
					   web_role_name(r->role)));
	} else if (strcmp(p, "/queue") == 0 && get) {
		api_queue(r);
	} else if (strcmp(p, "/queue/stats") == 0 && get) {
		reply(r, store_queue_stats(r->st, &v, &err), v, &err);
	} else if (strcmp(p, "/claim") == 0) {
		api_claim_next(r);
	} else if (path_id(p, "/items/", &id, &rest)) {
		api_item(r, id, rest);
	} else if (path_id(p, "/networks/", &id, &rest) && get) {
		if (rest && strcmp(rest, "graph") == 0)
			reply(r, store_network_graph(r->st, id, r->srv->cfg->near_duplicate_bits, &v,
						     &err), v, &err);
		else if (!rest)
			network_show(r, id);
		else
			web_fail(r, 404, "no such resource");
	} else if (strcmp(p, "/search") == 0 && get) {
		if (!web_query(r, "q"))
			web_fail(r, 400, "search needs q");
		else
			reply(r, store_search(r->st, web_query(r, "q"), qnum(r, "limit", 50),
					      qnum(r, "offset", 0), &v, &err), v, &err);
	} else if (strcmp(p, "/rules/stats") == 0 && get) {
		reply(r, store_rules_stats(r->st, &v, &err), v, &err);
	} else if (strcmp(p, "/status") == 0 && get) {
		reply(r, store_status(r->st, &v, &err), v, &err);
	} else if (strcmp(p, "/audit") == 0 && get) {
		if (r->role < ROLE_SUPERVISOR)
			web_fail(r, 403, "the audit log needs the supervisor role");
		else
			reply(r, store_audit_list(r->st, web_query(r, "actor"), qnum(r, "limit", 100),
						  &v, &err), v, &err);
	} else if (strcmp(p, "/sources") == 0) {
		api_sources(r);
	} else if (strcmp(p, "/accounts") == 0 && get) {
		if (r->role < ROLE_ADMIN)
			web_fail(r, 403, "accounts need the admin role");
		else
			reply(r, store_account_list(r->st, &v, &err), v, &err);
	} else {
		web_fail(r, 404, "no such API resource");
	}
}

/* ---- /metrics ------------------------------------------------------------------------ */

/* A Prometheus label value: backslash, quote and newline escaped. */
static void label(struct lw_buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			lw_buf_addc(b, '\\');
		if (*s == '\n') {
			lw_buf_adds(b, "\\n");
			continue;
		}
		lw_buf_addc(b, *s);
	}
}

static void metric(struct lw_buf *b, const char *name, const char *type, const char *help)
{
	lw_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void by_key(struct lw_buf *b, const char *name, const char *lname, json_t *o)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		lw_buf_printf(b, "%s{%s=\"", name, lname);
		label(b, k);
		lw_buf_printf(b, "\"} %lld\n", (long long)json_integer_value(v));
	}
}

static void process_metrics(struct web_req *r, struct lw_buf *b)
{
	struct web_server *ws = r->srv;
	static const char *const cls[] = { "", "1xx", "2xx", "3xx", "4xx", "5xx" };

	metric(b, "lurewatch_http_responses_total", "counter", "Responses sent by this server.");
	pthread_mutex_lock(&ws->stat_mu);
	for (int i = 1; i <= 5; i++)
		lw_buf_printf(b, "lurewatch_http_responses_total{code=\"%s\"} %lu\n", cls[i],
			      ws->responses[i]);
	metric(b, "lurewatch_http_response_seconds_total", "counter",
	       "Time spent answering requests.");
	lw_buf_printf(b, "lurewatch_http_response_seconds_total %.6f\n", ws->seconds);
	metric(b, "lurewatch_logins_total", "counter", "Sign-in attempts by result.");
	lw_buf_printf(b, "lurewatch_logins_total{result=\"ok\"} %lu\n", ws->logins);
	lw_buf_printf(b, "lurewatch_logins_total{result=\"failed\"} %lu\n", ws->login_failures);
	pthread_mutex_unlock(&ws->stat_mu);
}

void page_metrics(struct web_req *r)
{
	struct lw_error err;
	json_t *m = NULL, *x;
	struct lw_buf *b = &r->out;
	size_t i;

	if (store_metrics(r->st, &m, &err) < 0) {
		api_db_fail(r, &err);
		return;
	}
	metric(b, "lurewatch_build_info", "gauge", "Version of lurewatch and its matcher.");
	lw_buf_printf(b, "lurewatch_build_info{version=\"%s\",hyperscan=\"", LW_VERSION);
	label(b, hs_version());
	lw_buf_printf(b, "\",schema=\"%ld\"} 1\n", jint(m, "schema_version"));
	metric(b, "lurewatch_pages_fetched_total", "counter", "Pages fetched by the crawler.");
	json_array_foreach(json_object_get(m, "sources"), i, x) {
		lw_buf_adds(b, "lurewatch_pages_fetched_total{source=\"");
		label(b, jstr(x, "name"));
		lw_buf_printf(b, "\"} %ld\n", jint(x, "fetched"));
	}
	metric(b, "lurewatch_pages_failed_total", "counter", "Pages the crawler failed to fetch.");
	json_array_foreach(json_object_get(m, "sources"), i, x) {
		lw_buf_adds(b, "lurewatch_pages_failed_total{source=\"");
		label(b, jstr(x, "name"));
		lw_buf_printf(b, "\"} %ld\n", jint(x, "failed"));
	}
	metric(b, "lurewatch_listings_ingested_total", "counter", "Distinct listings stored.");
	lw_buf_printf(b, "lurewatch_listings_ingested_total %ld\n", jint(m, "listings"));
	metric(b, "lurewatch_listing_versions_scored_total", "counter",
	       "Listing versions the matcher scored.");
	lw_buf_printf(b, "lurewatch_listing_versions_scored_total %ld\n", jint(m, "versions"));
	metric(b, "lurewatch_hits_total", "counter", "Rule hits stored.");
	lw_buf_printf(b, "lurewatch_hits_total %ld\n", jint(m, "hits"));
	metric(b, "lurewatch_queue_items", "gauge", "Queue items by status.");
	by_key(b, "lurewatch_queue_items", "status", json_object_get(m, "queue"));
	metric(b, "lurewatch_verdicts_total", "counter", "Resolved items by verdict.");
	by_key(b, "lurewatch_verdicts_total", "verdict", json_object_get(m, "verdicts"));
	metric(b, "lurewatch_claims_expired_total", "counter", "Claims that ran out.");
	lw_buf_printf(b, "lurewatch_claims_expired_total %ld\n", jint(m, "claims_expired"));
	metric(b, "lurewatch_frontier_urls", "gauge", "Crawl frontier URLs by state.");
	by_key(b, "lurewatch_frontier_urls", "state", json_object_get(m, "frontier"));
	process_metrics(r, b);
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
	json_decref(m);
}
