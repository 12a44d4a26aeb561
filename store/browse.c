/* SPDX-License-Identifier: MIT */
/* Read-only views for the web interface: a filtered, counted, paged queue,
 * full-text search over listings, the audit log and the figures /metrics
 * exports. Changes to the queue go through store/queue.c only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* Whether a hit of item q's version comes from a rule of language lang
 * (its rule id is lang or starts with lang_), from the version's hit sets
 * by key. A subquery per item, not a join: written as EXISTS over the hits
 * view, PostgreSQL expanded every hit set of the store into rows to hash
 * them (a queue page took 1.4-1.5 s at 10,000 open items of 27,000;
 * this, 0.16-0.20 s). */
#define LANGUAGE_HIT(lang)                                                             \
	"coalesce((SELECT bool_or(jsonb_path_exists(hs.hits, '$[*] ? (@.rule == $l ||"    \
	" @.rule starts with $p)', jsonb_build_object('l', " lang "::text, 'p', " lang    \
	" || '_'))) FROM hit_sets hs WHERE hs.version_id = q.version_id), false)"

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
	" AND ($4::text IS NULL OR " LANGUAGE_HIT("$4") ")"                              \
	" AND ($5::bigint IS NULL OR EXISTS (SELECT 1 FROM listing_networks n"            \
	"  WHERE n.listing_id = q.listing_id AND n.network_id = $5::bigint))"            \
	" AND ($6::real IS NULL OR q.score >= $6::real)"                                  \
	" AND ($7::text IS NULL OR q.claimed_by = $7)"

/* A page's statement for an item shape: the full one, the API's (as the
 * CLI's --json). The web's queue page reads rows (BRIEF_SQL below). */
#define PAGE_SQL(shape)                                                                \
	"WITH page AS (SELECT q.id FROM queue_items q" PAGE_WHERE                         \
	"  ORDER BY " ITEM_ORDER " LIMIT $8::bigint OFFSET $9::bigint)"                   \
	" SELECT json_build_object("                                                      \
	" 'total', CASE WHEN $10::boolean THEN (SELECT count(*) FROM queue_items q"       \
	PAGE_WHERE ") END,"                                                               \
	" 'items', (SELECT coalesce(json_agg(" shape " ORDER BY " ITEM_ORDER "), '[]')"   \
	"  FROM page p JOIN queue_items q ON q.id = p.id" ITEM_JOINS "))"

/* The API's page of open items, unfiltered, on its own: no parameter
 * switches a filter, so one plan made once serves every call (walking the
 * open-items index), where the statement above is planned anew for each
 * call's filters. For PostgreSQL to keep that one plan, no call's values
 * may look cheaper than it: limit and offset are subqueries, which no plan
 * can see into; and each item is its own subquery by id, so that not
 * knowing how many there are never turns the joins into scans of the whole
 * queue. */
#define OPEN_PAGE_SQL(shape)                                                           \
	"SELECT json_build_object('items', coalesce(json_agg((SELECT " shape             \
	"  FROM queue_items q" ITEM_JOINS " WHERE q.id = p.id)"                           \
	"  ORDER BY p.urgent DESC, p.priority DESC, p.id), '[]'))"                        \
	" FROM (SELECT q.id, q.urgent, q.priority FROM queue_items q"                     \
	"  WHERE q.status <> 'resolved' ORDER BY " ITEM_ORDER                            \
	"  LIMIT (SELECT $1::bigint) OFFSET (SELECT $2::bigint)) p"

static const char page_sql[] = PAGE_SQL(ITEM_JSON);
static const char open_page_sql[] = OPEN_PAGE_SQL(ITEM_JSON);

/* ---- the web queue's rows ------------------------------------------------------ */

/* The web's queue page (brief items) is read as plain rows, not JSON:
 * PostgreSQL building 50 objects and the server parsing them back again
 * were half of the page's cost on each side. One row per item, or one row
 * of NULLs when the page is empty, each carrying the caller's own claims
 * ("mine") and the filtered total (NULL when not asked for), so that a
 * page is one round trip after the expiry of old claims. */
#define BRIEF_MINE                                                                      \
	"(SELECT count(*) FROM queue_items WHERE status = 'claimed' AND claimed_by = $1)"
/* All a row shows but the title and the source is in the open items' index
 * (migration 061); those two are a lookup by key for each of the page's
 * rows, after the limit. */
#define BRIEF_ROW_COLS                                                                  \
	"q.id, q.urgent, q.priority, q.score, q.categories, q.claimed_by, q.listing_id,"  \
	" q.version_id, q.status, q.priority_reason"
/* Categories are the matcher's fixed names (matcher_category_name): a
 * comma cannot be part of one. */
#define BRIEF_COLS                                                                      \
	"m.mine, m.total, p.id, (SELECT left(coalesce(v.title, l.title), 161)"          \
	"  FROM listing_versions v JOIN listings l ON l.id = v.listing_id"               \
	"  WHERE v.id = p.version_id), (SELECT s.name FROM listings l JOIN sources s"     \
	"  ON s.id = l.source_id WHERE l.id = p.listing_id), p.score, p.priority_reason," \
	" p.urgent, array_to_string(p.categories, ','), p.status, p.claimed_by"
enum { B_MINE, B_TOTAL, B_ID, B_TITLE, B_SOURCE, B_SCORE, B_REASON, B_URGENT, B_CATS,
       B_STATUS, B_CLAIMED_BY, B_NCOLS };
/* The filters, NULL meaning "any"; $4 is new or claimed among open items,
 * or any status elsewhere. */
#define BRIEF_FILTERS                                                                   \
	" AND ($4::text IS NULL OR q.status = $4)"                                        \
	" AND ($5::text IS NULL OR $5 = ANY (q.categories))"                              \
	" AND ($6::text IS NULL OR q.listing_id IN (SELECT l.id FROM listings l"          \
	"  JOIN sources s ON s.id = l.source_id WHERE s.name = $6))"                      \
	" AND ($7::text IS NULL OR " LANGUAGE_HIT("$7") ")"                              \
	" AND ($8::bigint IS NULL OR EXISTS (SELECT 1 FROM listing_networks n"            \
	"  WHERE n.listing_id = q.listing_id AND n.network_id = $8::bigint))"            \
	" AND ($9::real IS NULL OR q.score >= $9::real)"                                  \
	" AND ($10::text IS NULL OR q.claimed_by = $10)"
/* Limit and offset are subqueries so that the lookups are planned for a
 * page's few rows whatever the values (see OPEN_PAGE_SQL). */
#define BRIEF_SQL(scope, filters, total)                                                \
	"SELECT " BRIEF_COLS " FROM (SELECT " BRIEF_MINE " AS mine, " total " AS total) m"  \
	" LEFT JOIN (SELECT " BRIEF_ROW_COLS " FROM queue_items q WHERE " scope filters    \
	"  ORDER BY " ITEM_ORDER " LIMIT (SELECT $2::bigint) OFFSET (SELECT $3::bigint)) p" \
	" ON true ORDER BY p.urgent DESC, p.priority DESC, p.id"
#define BRIEF_TOTAL(scope)                                                              \
	"CASE WHEN $11::boolean THEN (SELECT count(*) FROM queue_items q WHERE " scope     \
	BRIEF_FILTERS ") END"
#define OPEN_SCOPE "q.status <> 'resolved'"

/* Open items unfiltered, the page analysts open all day: nothing in it
 * depends on a value, so PostgreSQL plans it once for good. */
static const char brief_open_sql[] = BRIEF_SQL(OPEN_SCOPE, "", "NULL::bigint");
/* Open items filtered: one fixed shape, prepared, so that only planning
 * is left for each call (~0.4 ms: the values decide which index and which
 * subqueries answer best, so no one plan would do), where the statement
 * shared with resolved items was parsed and planned anew (~2 ms). */
static const char brief_filtered_sql[] =
	BRIEF_SQL(OPEN_SCOPE, BRIEF_FILTERS, BRIEF_TOTAL(OPEN_SCOPE));
/* Resolved or all items: rarer, planned for each call's status. */
static const char brief_any_sql[] = BRIEF_SQL("true", BRIEF_FILTERS, BRIEF_TOTAL("true"));

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

/* Adds counts (given or counted now) with the caller's own claims, mine
 * (-1: count them now). */
static int add_counts(struct store *st, const struct store_queue_query *qq, json_t *v,
		      long long mine, struct lw_error *err)
{
	const char *p[1] = { qq->me ? qq->me : "" };
	PGresult *res = NULL;
	json_t *c = NULL;

	if (qq->counts)
		c = json_deep_copy(qq->counts);
	else if (store_queue_counts(st, &c, err) < 0)
		return -1;
	json_object_set_new(v, "counts", c);
	if (mine < 0) {
		if (db_exec_prepared(st, mine_sql, 1, p, &res, err) < 0)
			return -1;
		mine = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
	}
	json_object_set_new(c, "mine", json_integer(mine));
	return 0;
}

/* A text column as JSON: null when NULL. */
static json_t *col_str(PGresult *res, int row, int col)
{
	json_t *s;

	if (PQgetisnull(res, row, col))
		return json_null();
	/* The database's text is UTF-8: a NULL here would be a bug, shown as null. */
	s = json_stringn(PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col));
	return s ? s : json_null();
}

static json_t *col_cats(PGresult *res, int row)
{
	const char *p = PQgetvalue(res, row, B_CATS);
	json_t *a = json_array();

	while (*p) {
		size_t n = strcspn(p, ",");

		json_array_append_new(a, json_stringn(p, n));
		p += n + (p[n] == ',');
	}
	return a;
}

/* The brief items of rows from BRIEF_SQL: {items, total (when counted)};
 * *mine set. res is cleared. */
static int brief_items(PGresult *res, json_t **out, long long *mine, struct lw_error *err)
{
	int rows = PQntuples(res);
	json_t *v, *items;

	if (rows < 1 || PQnfields(res) != B_NCOLS) {
		PQclear(res);
		return lw_error_set(err, "database returned %d rows of %d columns for the queue page",
				    rows, PQnfields(res));
	}
	*mine = strtoll(PQgetvalue(res, 0, B_MINE), NULL, 10);
	items = json_array();
	v = json_pack("{s:o}", "items", items);
	if (!PQgetisnull(res, 0, B_TOTAL))
		json_object_set_new(v, "total", json_integer(strtoll(PQgetvalue(res, 0, B_TOTAL),
								       NULL, 10)));
	/* An empty page is one row of NULL items. */
	for (int i = 0; i < rows && !PQgetisnull(res, i, B_ID); i++)
		json_array_append_new(items, json_pack("{s:I,s:o,s:o,s:f,s:o,s:b,s:o,s:o,s:o}",
			"id", (json_int_t)strtoll(PQgetvalue(res, i, B_ID), NULL, 10),
			"title", col_str(res, i, B_TITLE), "source", col_str(res, i, B_SOURCE),
			"score", strtod(PQgetvalue(res, i, B_SCORE), NULL),
			"priority_reason", col_str(res, i, B_REASON),
			"urgent", PQgetvalue(res, i, B_URGENT)[0] == 't',
			"categories", col_cats(res, i), "status", col_str(res, i, B_STATUS),
			"claimed_by", col_str(res, i, B_CLAIMED_BY)));
	PQclear(res);
	*out = v;
	return 0;
}

/* The web's page: rows, with the caller's claims counted in the same
 * statement. p holds BRIEF_SQL's 11 parameters, p[3] the status ("open":
 * NULL). */
static int brief_page(struct store *st, const struct store_queue_query *qq, int plain,
		      const char *const *p, json_t **out, long long *mine, struct lw_error *err)
{
	/* New, claimed or both: the open items, whose index the statement names. */
	int open_items = qq->status && strcmp(qq->status, "resolved") != 0;
	PGresult *res = NULL;
	int rc;

	if (open_items && plain && !p[3])
		rc = db_exec_prepared(st, brief_open_sql, 3, p, &res, err);
	else if (open_items)
		rc = db_exec_prepared(st, brief_filtered_sql, 11, p, &res, err);
	else
		rc = db_exec(st, brief_any_sql, 11, p, &res, err);
	if (rc < 0)
		return -1;
	return brief_items(res, out, mine, err);
}

int store_queue_page(struct store *st, const struct store_queue_query *qq, json_t **out,
		     struct lw_error *err)
{
	char net[24], score[32], limit[24], offset[24];
	int open = qq->status && strcmp(qq->status, "open") == 0;
	/* Without filters beyond the status, the per-status counts give the
	 * total: counting the open items twice was a third of the page's time. */
	int plain = !qq->category && !qq->source && !qq->language && qq->network <= 0 &&
		    qq->min_score < 0 && !qq->claimed_by;
	long long mine = -1;
	json_t *v = NULL;

	if (store_queue_expire(st, NULL, err) < 0)
		return -1;
	net[0] = score[0] = '\0';
	if (qq->network > 0)
		snprintf(net, sizeof(net), "%ld", qq->network);
	if (qq->min_score >= 0)
		snprintf(score, sizeof(score), "%.6g", qq->min_score);
	snprintf(limit, sizeof(limit), "%ld", qq->limit > 0 ? qq->limit : 50);
	snprintf(offset, sizeof(offset), "%ld", qq->offset > 0 ? qq->offset : 0);
	if (qq->brief) {
		const char *p[11] = { qq->me ? qq->me : "", limit, offset, open ? NULL : qq->status,
				      qq->category, qq->source, qq->language, net[0] ? net : NULL,
				      score[0] ? score : NULL, qq->claimed_by, plain ? "f" : "t" };

		if (brief_page(st, qq, plain, p, &v, &mine, err) < 0)
			return -1;
	} else if (plain && open) {
		const char *pp[2] = { limit, offset };

		if (db_json_prepared(st, open_page_sql, 2, pp, &v, err) < 0)
			return -1;
	} else {
		/* "open" is its own parameter so that the planner, given the values,
		 * sees exactly the predicate of the open-items index. */
		const char *p[11] = { open ? NULL : qq->status, qq->category, qq->source,
				      qq->language, net[0] ? net : NULL, score[0] ? score : NULL,
				      qq->claimed_by, limit, offset, plain ? "f" : "t",
				      open ? "t" : "f" };

		if (db_json(st, page_sql, 11, p, &v, err) < 0)
			return -1;
	}
	if (add_counts(st, qq, v, mine, err) < 0) {
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
	"  'seen_at', v.seen_at, 'title', coalesce(v.title, l.title), 'score', v.score,"
	"  'flagged', v.flagged, 'categories', v.categories) ORDER BY v.version DESC), '[]')"
	"  FROM listing_versions v JOIN listings l ON l.id = v.listing_id"
	"  WHERE v.listing_id = $1::bigint))";

/* What the item page shows beyond store_queue_show: the listing's contact
 * details (with how many other listings share each) and its versions. */
int store_listing_detail(struct store *st, long listing_id, json_t **out, struct lw_error *err)
{
	char ids[24];
	const char *p[1] = { ids };

	snprintf(ids, sizeof(ids), "%ld", listing_id);
	return db_json_prepared(st, detail_sql, 1, p, out, err);
}
