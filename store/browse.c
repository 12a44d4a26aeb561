/* SPDX-License-Identifier: MIT */
/* Read-only views for the web interface: a filtered, counted, paged queue,
 * full-text search over listings, the audit log and the figures /metrics
 * exports. Changes to the queue go through store/queue.c only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* NULL parameters mean "any": one statement serves every filter combination
 * without assembling SQL from strings. The filters touch queue_items alone
 * (the source through a semi-join), so counting and paging never join the
 * listings of the whole queue: only the page's 50 rows are joined. */
#define PAGE_WHERE                                                                     \
	" WHERE ($1::text IS NULL OR q.status = $1)"                                      \
	" AND (NOT $11::boolean OR q.status <> 'resolved')"                               \
	" AND ($2::text IS NULL OR $2 = ANY (q.categories))"                              \
	" AND ($3::text IS NULL OR q.listing_id IN (SELECT l.id FROM listings l"          \
	"  JOIN sources s ON s.id = l.source_id WHERE s.name = $3))"                      \
	" AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM hits h WHERE h.version_id ="     \
	"  q.version_id AND split_part(h.rule_id, '_', 1) = $4))"                         \
	" AND ($5::bigint IS NULL OR EXISTS (SELECT 1 FROM listing_networks n"            \
	"  WHERE n.listing_id = q.listing_id AND n.network_id = $5::bigint))"            \
	" AND ($6::real IS NULL OR q.score >= $6::real)"                                  \
	" AND ($7::text IS NULL OR q.claimed_by = $7)"

/* A page's statement for an item shape: the full one (the API's, as the
 * CLI's --json) or the queue page's few fields, titles cut to what a row
 * shows: parsing 35 kB of JSON was half the server's time on that page. */
#define PAGE_SQL(shape)                                                                \
	"WITH page AS (SELECT q.id FROM queue_items q" PAGE_WHERE                         \
	"  ORDER BY " ITEM_ORDER " LIMIT $8::bigint OFFSET $9::bigint)"                   \
	" SELECT json_build_object("                                                      \
	" 'total', CASE WHEN $10::boolean THEN (SELECT count(*) FROM queue_items q"       \
	PAGE_WHERE ") END,"                                                               \
	" 'items', (SELECT coalesce(json_agg(" shape " ORDER BY " ITEM_ORDER "), '[]')"   \
	"  FROM page p JOIN queue_items q ON q.id = p.id" ITEM_JOINS "))"

/* The page analysts open all day, open items unfiltered, on its own: no
 * parameter switches a filter, so one plan made once serves every call
 * (walking the open-items index), where the statement above is planned
 * anew for each call's filters (0.6 ms, as long as running it). For
 * PostgreSQL to keep that one plan, no call's values may look cheaper
 * than it: limit and offset are subqueries, which no plan can see into;
 * and each item is its own subquery by id, so that not knowing how many
 * there are never turns the joins into scans of the whole queue. */
#define OPEN_PAGE_SQL(shape)                                                           \
	"SELECT json_build_object('items', coalesce(json_agg((SELECT " shape             \
	"  FROM queue_items q" ITEM_JOINS " WHERE q.id = p.id)"                           \
	"  ORDER BY p.urgent DESC, p.priority DESC, p.id), '[]'))"                        \
	" FROM (SELECT q.id, q.urgent, q.priority FROM queue_items q"                     \
	"  WHERE q.status <> 'resolved' ORDER BY " ITEM_ORDER                            \
	"  LIMIT (SELECT $1::bigint) OFFSET (SELECT $2::bigint)) p"

#define BRIEF_JSON                                                                     \
	"json_build_object('id', q.id, 'title', left(v.title, 161), 'source', s.name,"    \
	" 'score', q.score, 'priority_reason', q.priority_reason, 'urgent', q.urgent,"    \
	" 'categories', to_json(q.categories), 'status', q.status,"                       \
	" 'claimed_by', q.claimed_by)"

static const char *const page_sql[2] = { PAGE_SQL(ITEM_JSON), PAGE_SQL(BRIEF_JSON) };
static const char *const open_page_sql[2] = { OPEN_PAGE_SQL(ITEM_JSON),
					      OPEN_PAGE_SQL(BRIEF_JSON) };

static const char counts_sql[] =
	"SELECT json_build_object("
	" 'new', (SELECT count(*) FROM queue_items WHERE status = 'new'),"
	" 'claimed', (SELECT count(*) FROM queue_items WHERE status = 'claimed'),"
	" 'resolved', (SELECT count(*) FROM queue_items WHERE status = 'resolved'),"
	" 'urgent_open', (SELECT count(*) FROM queue_items WHERE urgent AND status <> 'resolved'))";

static const char mine_sql[] =
	"SELECT count(*) FROM queue_items WHERE status = 'claimed' AND claimed_by = $1";

/* What the filters offer: every source, and the categories of open items.
 * A scan of the open items: the web server keeps the answer a while. */
static const char facets_sql[] =
	"SELECT json_build_object("
	" 'sources', (SELECT coalesce(json_agg(name ORDER BY name), '[]') FROM sources),"
	" 'categories', (SELECT coalesce(json_agg(c ORDER BY c), '[]') FROM (SELECT DISTINCT c"
	"  FROM queue_items, unnest(categories) c WHERE status <> 'resolved') x))";

int store_queue_facets(struct store *st, json_t **out, struct lw_error *err)
{
	return db_json(st, facets_sql, 0, NULL, out, err);
}

int store_queue_counts(struct store *st, json_t **out, struct lw_error *err)
{
	return db_json_prepared(st, counts_sql, 0, NULL, out, err);
}

/* The total of an unfiltered page from the per-status counts. */
static json_int_t plain_total(json_t *c, const char *status)
{
	json_int_t n = json_integer_value(json_object_get(c, "new"));
	json_int_t cl = json_integer_value(json_object_get(c, "claimed"));
	json_int_t res = json_integer_value(json_object_get(c, "resolved"));

	if (!status)
		return n + cl + res;
	return !strcmp(status, "open") ? n + cl : !strcmp(status, "new") ? n :
	       !strcmp(status, "claimed") ? cl : !strcmp(status, "resolved") ? res : 0;
}

/* Adds counts (given or counted now) with the caller's own claims. */
static int add_counts(struct store *st, const struct store_queue_query *qq, json_t *v,
		      struct lw_error *err)
{
	const char *p[1] = { qq->me ? qq->me : "" };
	PGresult *res = NULL;
	json_t *c = NULL;

	if (qq->counts)
		c = json_deep_copy(qq->counts);
	else if (store_queue_counts(st, &c, err) < 0)
		return -1;
	json_object_set_new(v, "counts", c);
	if (db_exec_prepared(st, mine_sql, 1, p, &res, err) < 0)
		return -1;
	json_object_set_new(c, "mine", json_integer(strtoll(PQgetvalue(res, 0, 0), NULL, 10)));
	PQclear(res);
	return 0;
}

int store_queue_page(struct store *st, const struct store_queue_query *qq, json_t **out,
		     struct lw_error *err)
{
	char net[24], score[32], limit[24], offset[24];
	int open = qq->status && strcmp(qq->status, "open") == 0;
	/* "open" is its own parameter so that the planner, given the values,
	 * sees exactly the predicate of the open-items index. */
	/* Without filters beyond the status, the per-status counts give the
	 * total: counting the open items twice was a third of the page's time. */
	int plain = !qq->category && !qq->source && !qq->language && qq->network <= 0 &&
		    qq->min_score < 0 && !qq->claimed_by;
	const char *p[11] = { open ? NULL : qq->status, qq->category, qq->source, qq->language,
			      NULL, NULL, qq->claimed_by, limit, offset, plain ? "f" : "t",
			      open ? "t" : "f" };
	int brief = qq->brief != 0;
	json_t *v = NULL;

	if (store_queue_expire(st, NULL, err) < 0)
		return -1;
	if (qq->network > 0) {
		snprintf(net, sizeof(net), "%ld", qq->network);
		p[4] = net;
	}
	if (qq->min_score >= 0) {
		snprintf(score, sizeof(score), "%.6g", qq->min_score);
		p[5] = score;
	}
	snprintf(limit, sizeof(limit), "%ld", qq->limit > 0 ? qq->limit : 50);
	snprintf(offset, sizeof(offset), "%ld", qq->offset > 0 ? qq->offset : 0);
	if (plain && open) {
		const char *pp[2] = { limit, offset };

		if (db_json_prepared(st, open_page_sql[brief], 2, pp, &v, err) < 0)
			return -1;
	} else if (db_json(st, page_sql[brief], 11, p, &v, err) < 0) {
		return -1;
	}
	if (add_counts(st, qq, v, err) < 0) {
		json_decref(v);
		return -1;
	}
	if (plain)
		json_object_set_new(v, "total", json_integer(plain_total(
			json_object_get(v, "counts"), qq->status)));
	*out = v;
	return 0;
}

int store_audit_list(struct store *st, const char *actor, long limit, json_t **out,
		     struct lw_error *err)
{
	char lim[24];
	const char *p[2] = { actor, lim };

	snprintf(lim, sizeof(lim), "%ld", limit > 0 ? limit : 100);
	return db_json(st, "SELECT coalesce(json_agg(json_build_object('id', a.id, 'at', a.at,"
		       " 'actor', a.actor, 'action', a.action, 'item_id', a.item_id, 'details',"
		       " a.details) ORDER BY a.id DESC), '[]') FROM (SELECT * FROM audit_log"
		       " WHERE $1::text IS NULL OR actor = $1 ORDER BY id DESC LIMIT $2::bigint) a",
		       2, p, out, err);
}

static const char metrics_sql[] =
	"SELECT json_build_object("
	" 'pages_fetched', (SELECT coalesce(sum(pages_fetched), 0) FROM crawl_sources),"
	" 'pages_failed', (SELECT coalesce(sum(pages_failed), 0) FROM crawl_sources),"
	" 'sources', (SELECT coalesce(json_agg(json_build_object('name', s.name,"
	"  'fetched', coalesce(c.pages_fetched, 0), 'failed', coalesce(c.pages_failed, 0))), '[]')"
	"  FROM sources s LEFT JOIN crawl_sources c ON c.source_id = s.id),"
	" 'frontier', (SELECT coalesce(json_object_agg(state, n), '{}') FROM"
	"  (SELECT state, count(*) AS n FROM crawl_urls GROUP BY state) f),"
	" 'listings', (SELECT count(*) FROM listings),"
	" 'versions', (SELECT count(*) FROM listing_versions),"
	" 'versions_scored', (SELECT count(*) FROM listing_versions),"
	" 'hits', (SELECT count(*) FROM hits),"
	" 'queue', (SELECT json_build_object('new', count(*) FILTER (WHERE status = 'new'),"
	"  'claimed', count(*) FILTER (WHERE status = 'claimed'),"
	"  'resolved', count(*) FILTER (WHERE status = 'resolved')) FROM queue_items),"
	" 'verdicts', (SELECT json_build_object("
	"  'confirmed', count(*) FILTER (WHERE verdict = 'confirmed'),"
	"  'dismissed', count(*) FILTER (WHERE verdict = 'dismissed'),"
	"  'escalated', count(*) FILTER (WHERE verdict = 'escalated')) FROM queue_items),"
	" 'claims_expired', (SELECT count(*) FROM audit_log WHERE action = 'claim_expired'),"
	" 'schema_version', (SELECT max(version) FROM schema_migrations))";

int store_metrics(struct store *st, json_t **out, struct lw_error *err)
{
	return db_json(st, metrics_sql, 0, NULL, out, err);
}

static const char detail_sql[] =
	"SELECT json_build_object("
	" 'contacts', (SELECT coalesce(json_agg(json_build_object('kind', e.kind,"
	"  'value', e.value, 'normalized', e.normalized, 'shared_with', (SELECT"
	"  count(DISTINCT o.listing_id) FROM listing_entities o WHERE o.normalized ="
	"  e.normalized AND o.listing_id <> e.listing_id)) ORDER BY e.start_offset), '[]')"
	"  FROM listing_entities e WHERE e.listing_id = $1::bigint),"
	" 'versions', (SELECT coalesce(json_agg(json_build_object('version', v.version,"
	"  'seen_at', v.seen_at, 'title', v.title, 'score', v.score, 'flagged', v.flagged,"
	"  'categories', v.categories) ORDER BY v.version DESC), '[]')"
	"  FROM listing_versions v WHERE v.listing_id = $1::bigint))";

/* What the item page shows beyond store_queue_show: the listing's contact
 * details (with how many other listings share each) and its versions. */
int store_listing_detail(struct store *st, long listing_id, json_t **out, struct lw_error *err)
{
	char ids[24];
	const char *p[1] = { ids };

	snprintf(ids, sizeof(ids), "%ld", listing_id);
	return db_json_prepared(st, detail_sql, 1, p, out, err);
}
