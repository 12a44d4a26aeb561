/* SPDX-License-Identifier: MIT */
/* The analysts' review queue: listing, claiming, releasing, resolving and
 * annotating items, each change audited in its own transaction, plus
 * statistics (the LISTEN/NOTIFY watch is store/watch.c). A missing item is not an error:
 * show, release, resolve and note then return 0 with JSON null. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

static const char list_sql[] =
	"SELECT coalesce(json_agg(t.item ORDER BY t.urgent DESC, t.priority DESC, t.id), '[]')"
	" FROM (SELECT " ITEM_JSON " AS item, q.urgent, q.priority, q.id"
	" FROM queue_items q" ITEM_JOINS
	" WHERE ($1::text IS NULL OR q.status = $1 OR ($1 = 'open' AND q.status <> 'resolved'))"
	" AND ($2::real IS NULL OR q.score >= $2)"
	" AND ($3::text IS NULL OR $3 = ANY (q.categories))"
	" AND ($4::timestamptz IS NULL OR q.created_at >= $4)"
	" ORDER BY " ITEM_ORDER " LIMIT $5::bigint) t";

/* Locked rows are being changed by someone else right now: skip them, and
 * re-read each row we lock so a claim released meanwhile is left alone. */
static const char expire_sql[] =
	"WITH old AS (SELECT id, claimed_by, claim_expires FROM queue_items"
	" WHERE status = 'claimed' AND claim_expires <= now() FOR UPDATE SKIP LOCKED),"
	" ch AS (UPDATE queue_items q SET status = 'new', claimed_by = NULL,"
	" claim_expires = NULL, updated_at = now() FROM old WHERE q.id = old.id"
	" RETURNING q.id, q.listing_id, old.claimed_by, old.claim_expires)"
	" INSERT INTO audit_log (actor, action, item_id, listing_id, details)"
	" SELECT 'system', 'claim_expired', id, listing_id, jsonb_build_object("
	"'previous_status', 'claimed', 'previous_claimed_by', claimed_by,"
	" 'claim_expires', claim_expires) FROM ch";

static const char claim_sql[] =
	"WITH c AS (UPDATE queue_items q SET status = 'claimed', claimed_by = $1,"
	" claim_expires = now() + make_interval(mins => $3::int), updated_at = now()"
	" WHERE q.id IN (SELECT id FROM queue_items WHERE status = 'new'"
	" ORDER BY urgent DESC, priority DESC, id LIMIT $2::bigint FOR UPDATE SKIP LOCKED)"
	" RETURNING q.*),"
	" a AS (INSERT INTO audit_log (actor, action, item_id, listing_id, details)"
	" SELECT $1, 'claimed', id, listing_id, jsonb_build_object('previous_status', 'new',"
	" 'claim_expires', claim_expires, 'minutes', $3::int, 'version_id', version_id) FROM c)"
	" SELECT coalesce(json_agg(" ITEM_JSON " ORDER BY " ITEM_ORDER "), '[]')"
	" FROM c q" ITEM_JOINS;

/* The state an action is checked against, with the row locked. */
static const char lock_sql[] =
	"SELECT status, coalesce(claimed_by, ''), coalesce(claim_expires > now(), false),"
	" coalesce(verdict, ''), coalesce(resolved_by, ''),"
	" coalesce(to_char(claim_expires AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'), ''),"
	" coalesce(escalated_to, '')"
	" FROM queue_items WHERE id = $1 FOR UPDATE";

enum { LK_STATUS, LK_CLAIMANT, LK_LIVE, LK_VERDICT, LK_RESOLVER, LK_EXPIRES, LK_AGENCY };

static const char release_sql[] =
	"WITH prev AS (SELECT id, status, claimed_by, claim_expires FROM queue_items WHERE id = $1),"
	" ch AS (UPDATE queue_items q SET status = 'new', claimed_by = NULL, claim_expires = NULL,"
	" updated_at = now() WHERE q.id = $1 RETURNING q.*),"
	" a AS (INSERT INTO audit_log (actor, action, item_id, listing_id, details)"
	" SELECT $2, 'released', ch.id, ch.listing_id, jsonb_build_object('previous_status',"
	" prev.status, 'previous_claimed_by', prev.claimed_by, 'claim_expires', prev.claim_expires,"
	" 'expired', prev.claim_expires <= now()) FROM ch, prev)"
	" SELECT " ITEM_JSON " FROM ch q" ITEM_JOINS;

/* Resolving an item not claimed by this analyst claims it first, visibly. */
static const char implicit_claim_sql[] =
	"INSERT INTO audit_log (actor, action, item_id, listing_id, details)"
	" SELECT $2, 'claimed', id, listing_id, jsonb_build_object('implicit', true,"
	" 'previous_status', status, 'previous_claimed_by', claimed_by,"
	" 'claim_expires', claim_expires) FROM queue_items WHERE id = $1";

static const char resolve_sql[] =
	"WITH prev AS (SELECT id, status, claimed_by FROM queue_items WHERE id = $1),"
	" ch AS (UPDATE queue_items q SET status = 'resolved', verdict = $3, escalated_to = $4,"
	" resolved_by = $2, resolved_at = now(), claimed_by = NULL, claim_expires = NULL,"
	" updated_at = now() WHERE q.id = $1 RETURNING q.*),"
	" n AS (INSERT INTO queue_notes (item_id, analyst, note)"
	" SELECT id, $2, $5::text FROM ch WHERE $5::text IS NOT NULL RETURNING id),"
	" a AS (INSERT INTO audit_log (actor, action, item_id, listing_id, details)"
	" SELECT $2, 'resolved', ch.id, ch.listing_id, jsonb_strip_nulls(jsonb_build_object("
	"'verdict', $3::text, 'agency', $4::text, 'note', $5::text, 'note_id', (SELECT id FROM n),"
	" 'previous_status', prev.status, 'previous_claimed_by', prev.claimed_by,"
	" 'version_id', ch.version_id, 'categories', to_jsonb(ch.categories))) FROM ch, prev)"
	" SELECT " ITEM_JSON " FROM ch q" ITEM_JOINS;

static const char note_sql[] =
	"WITH n AS (INSERT INTO queue_notes (item_id, analyst, note)"
	" SELECT id, $2, $3 FROM queue_items WHERE id = $1 RETURNING id, item_id),"
	" a AS (INSERT INTO audit_log (actor, action, item_id, listing_id, details)"
	" SELECT $2, 'noted', q.id, q.listing_id, jsonb_build_object('note', $3::text,"
	" 'note_id', n.id, 'status', q.status) FROM n JOIN queue_items q ON q.id = n.item_id)"
	" SELECT " ITEM_JSON " FROM n JOIN queue_items q ON q.id = n.item_id" ITEM_JOINS;

/* The scanned text is store_compose_text()'s: hit offsets refer to it. */
static const char show_sql[] =
	"SELECT json_build_object(" ITEM_FIELDS ","
	" 'body', coalesce(v.body, l.body), 'first_seen', l.first_seen, 'last_seen', l.last_seen,"
	" 'current_version', l.current_version,"
	" 'versions', (SELECT count(*) FROM listing_versions lv WHERE lv.listing_id = l.id),"
	" 'rule_pack', v.rule_pack, 'text', coalesce(v.title, l.title) || E'\\n\\n' || coalesce(v.body, l.body),"
	" 'hits', (SELECT coalesce(json_agg(json_build_object('rule', h.rule_id, 'category',"
	" h.category, 'weight', h.weight, 'start', h.start_offset, 'end', h.end_offset,"
	" 'match', h.matched) ORDER BY h.start_offset, h.end_offset, h.position), '[]')"
	" FROM hits h WHERE h.version_id = v.id AND h.rule_pack = v.rule_pack),"
	" 'network', (SELECT json_build_object('id', ns.network_id, 'listings', ns.listings,"
	" 'sources', ns.sources, 'locations', ns.locations,"
	" 'posting_rate', round(ns.posting_rate::numeric, 2), 'reason', q.priority_reason)"
	" FROM listing_networks ln JOIN network_stats ns ON ns.network_id = ln.network_id"
	" WHERE ln.listing_id = l.id AND ns.listings > 1),"
	" 'links', (SELECT coalesce(json_agg(json_build_object('kind', k.kind, 'url', k.url)"
	" ORDER BY k.kind DESC, k.position), '[]') FROM listing_links k WHERE k.listing_id = l.id),"
	" 'notes', (SELECT coalesce(json_agg(json_build_object('id', n.id, 'analyst', n.analyst,"
	" 'note', n.note, 'created_at', n.created_at) ORDER BY n.id), '[]')"
	" FROM queue_notes n WHERE n.item_id = q.id),"
	" 'history', (SELECT coalesce(json_agg(json_build_object('id', a.id, 'at', a.at,"
	" 'actor', a.actor, 'action', a.action, 'details', a.details) ORDER BY a.id), '[]')"
	" FROM audit_log a WHERE a.item_id = q.id))"
	" FROM queue_items q" ITEM_JOINS " WHERE q.id = $1";

static const char stats_sql[] =
	"SELECT json_build_object('total', (SELECT count(*) FROM queue_items),"
	" 'by_status', (SELECT json_build_object('new', count(*) FILTER (WHERE status = 'new'),"
	" 'claimed', count(*) FILTER (WHERE status = 'claimed'),"
	" 'resolved', count(*) FILTER (WHERE status = 'resolved')) FROM queue_items),"
	" 'by_verdict', (SELECT json_build_object("
	"'confirmed', count(*) FILTER (WHERE verdict = 'confirmed'),"
	" 'dismissed', count(*) FILTER (WHERE verdict = 'dismissed'),"
	" 'escalated', count(*) FILTER (WHERE verdict = 'escalated')) FROM queue_items),"
	" 'by_category', (SELECT coalesce(json_object_agg(c.cat, json_build_object("
	"'total', c.total, 'open', c.open) ORDER BY c.cat), '{}') FROM (SELECT cat,"
	" count(*) AS total, count(*) FILTER (WHERE q.status <> 'resolved') AS open"
	" FROM queue_items q CROSS JOIN LATERAL unnest(q.categories) AS cat GROUP BY cat) c),"
	" 'by_agency', (SELECT coalesce(json_object_agg(escalated_to, n ORDER BY escalated_to), '{}')"
	" FROM (SELECT escalated_to, count(*) AS n FROM queue_items WHERE verdict = 'escalated'"
	" GROUP BY escalated_to) e),"
	" 'open_urgent', (SELECT count(*) FROM queue_items WHERE urgent AND status <> 'resolved'),"
	" 'oldest_new', (SELECT min(created_at) FROM queue_items WHERE status = 'new'))";

/* Verdicts are attributed to the rules that fired on the version the
 * analyst reviewed (the item's version). */
static const char rules_stats_sql[] =
	"SELECT coalesce(json_agg(r ORDER BY r.dismissed DESC, r.items DESC, r.rule), '[]') FROM"
	" (SELECT h.rule_id AS rule, min(h.category) AS category, count(DISTINCT q.id) AS items,"
	" count(DISTINCT q.id) FILTER (WHERE q.verdict = 'confirmed') AS confirmed,"
	" count(DISTINCT q.id) FILTER (WHERE q.verdict = 'dismissed') AS dismissed,"
	" count(DISTINCT q.id) FILTER (WHERE q.verdict = 'escalated') AS escalated,"
	" count(DISTINCT q.id) FILTER (WHERE q.status <> 'resolved') AS open"
	" FROM queue_items q JOIN hits h ON h.version_id = q.version_id GROUP BY h.rule_id) r";

/* ---- helpers ------------------------------------------------------------------ */

static void fmt_long(char *buf, size_t n, long v)
{
	snprintf(buf, n, "%ld", v);
}

/* Locks item id; *res receives its state (caller PQclear), or NULL when
 * there is no such item. */
static int lock_item(struct store *st, long id, PGresult **res, struct lw_error *err)
{
	char ids[24];
	const char *p[1] = { ids };
	PGresult *r = NULL;

	fmt_long(ids, sizeof(ids), id);
	if (db_exec(st, lock_sql, 1, p, &r, err) < 0)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		r = NULL;
	}
	*res = r;
	return 0;
}

static const char *lk(PGresult *r, int col)
{
	return PQgetvalue(r, 0, col);
}

/* ---- list, show, claim ---------------------------------------------------------- */

int store_queue_expire(struct store *st, long *n, struct lw_error *err)
{
	PGresult *res = NULL;

	/* Run before every read of the queue: prepared once. */
	if (db_exec_prepared(st, expire_sql, 0, NULL, &res, err) < 0)
		return -1;
	if (n)
		*n = strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return 0;
}

int store_queue_list(struct store *st, const struct store_filter *f, json_t **out,
		     struct lw_error *err)
{
	char score[32], limit[24];
	const char *p[5] = { NULL, NULL, NULL, NULL, NULL };

	if (store_queue_expire(st, NULL, err) < 0)
		return -1;
	if (f) {
		p[0] = f->status;
		if (f->min_score >= 0) {
			snprintf(score, sizeof(score), "%.6g", f->min_score);
			p[1] = score;
		}
		p[2] = f->category;
		p[3] = f->since;
		if (f->limit > 0) {
			fmt_long(limit, sizeof(limit), f->limit);
			p[4] = limit;
		}
	}
	return db_json(st, list_sql, 5, p, out, err);
}

/* Runs a query returning at most one item; no row means no such item:
 * JSON null. */
static int one_item(struct store *st, const char *sql, int n, const char *const *params,
		    json_t **out, struct lw_error *err)
{
	PGresult *res = NULL;
	json_error_t jerr;
	json_t *v;

	/* Every caller's statement is static and keyed by the item's id. */
	if (db_exec_prepared(st, sql, n, params, &res, err) < 0)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		*out = json_null();
		return 0;
	}
	v = json_loads(PQgetvalue(res, 0, 0), JSON_DECODE_ANY, &jerr);
	PQclear(res);
	if (!v)
		return lw_error_set(err, "database returned bad json: %s", jerr.text);
	*out = v;
	return 0;
}

static int item_query(struct store *st, const char *sql, long id, json_t **out,
		      struct lw_error *err)
{
	char ids[24];
	const char *p[1] = { ids };

	fmt_long(ids, sizeof(ids), id);
	return one_item(st, sql, 1, p, out, err);
}

int store_queue_show(struct store *st, long id, json_t **out, struct lw_error *err)
{
	if (store_queue_expire(st, NULL, err) < 0)
		return -1;
	if (item_query(st, show_sql, id, out, err) < 0)
		return -1;
	if (json_is_object(*out))
		json_object_set_new(*out, "explain", store_score_explain(
			json_object_get(*out, "hits"),
			json_number_value(json_object_get(*out, "score"))));
	return 0;
}

int store_queue_claim(struct store *st, const char *analyst, long count, int minutes,
		      json_t **out, struct lw_error *err)
{
	char cnt[24], mins[24];
	const char *p[3] = { analyst, cnt, mins };

	if (!analyst || !analyst[0])
		return lw_error_set(err, "an analyst name is required to claim items");
	if (count < 1 || minutes < 1)
		return lw_error_set(err, "claim needs a count and minutes of at least 1");
	if (store_queue_expire(st, NULL, err) < 0)
		return -1;
	fmt_long(cnt, sizeof(cnt), count);
	snprintf(mins, sizeof(mins), "%d", minutes);
	return db_json(st, claim_sql, 3, p, out, err);
}

/* ---- release, resolve, note ------------------------------------------------------- */

static int release_check(PGresult *r, long id, const char *analyst, struct lw_error *err)
{
	if (strcmp(lk(r, LK_STATUS), "resolved") == 0)
		return lw_error_set(err, "item %ld was resolved by '%s' as '%s': there is no claim to "
				    "release", id, lk(r, LK_RESOLVER), lk(r, LK_VERDICT));
	if (strcmp(lk(r, LK_STATUS), "claimed") != 0)
		return lw_error_set(err, "item %ld is not claimed", id);
	if (strcmp(lk(r, LK_CLAIMANT), analyst) != 0 && strcmp(lk(r, LK_LIVE), "t") == 0)
		return lw_error_set(err, "item %ld is claimed by '%s' until %s: only they can "
				    "release it", id, lk(r, LK_CLAIMANT), lk(r, LK_EXPIRES));
	return 0;
}

/* Locks item id and runs check on its state (-1 refused, 1 pre is needed,
 * 0 not), then pre (when needed; $1 and $2 of params) and sql, all in one
 * transaction. A missing item gives JSON null. */
static int locked_action(struct store *st, long id, const char *analyst,
			 int (*check)(PGresult *, long, const char *, struct lw_error *), const char *pre, const char *sql, int n,
			 const char *const *params, json_t **out, struct lw_error *err)
{
	PGresult *state = NULL;
	json_t *v = NULL;
	int need_pre = 0, rc = -1;

	if (db_begin(st, err) < 0)
		return -1;
	if (lock_item(st, id, &state, err) < 0)
		goto out;
	if (!state) {
		v = json_null();
		rc = 0;
		goto out;
	}
	need_pre = check(state, id, analyst, err);
	if (need_pre < 0)
		goto out;
	if (pre && need_pre && db_exec(st, pre, 2, params, NULL, err) < 0)
		goto out;
	if (db_json(st, sql, n, params, &v, err) < 0)
		goto out;
	rc = 0;
out:
	PQclear(state);
	if (rc == 0 && db_commit(st, err) < 0)
		rc = -1;
	if (rc < 0) {
		db_rollback(st);
		json_decref(v);
	} else {
		*out = v;
	}
	return rc;
}

int store_queue_release(struct store *st, long id, const char *analyst, json_t **out,
			struct lw_error *err)
{
	char ids[24];
	const char *p[2] = { ids, analyst };

	if (!analyst || !analyst[0])
		return lw_error_set(err, "an analyst name is required");
	fmt_long(ids, sizeof(ids), id);
	return locked_action(st, id, analyst, release_check, NULL, release_sql, 2, p, out,
			     err);
}

/* Claiming one chosen item (the web interface's item page and its `c` key)
 * takes it whatever its place in the queue; the row lock makes two analysts
 * claiming it at once get one claim and one refusal. */
static const char claim_item_sql[] =
	"WITH prev AS (SELECT id, status, claimed_by FROM queue_items WHERE id = $1),"
	" ch AS (UPDATE queue_items q SET status = 'claimed', claimed_by = $2,"
	" claim_expires = now() + make_interval(mins => $3::int), updated_at = now()"
	" WHERE q.id = $1 RETURNING q.*),"
	" a AS (INSERT INTO audit_log (actor, action, item_id, listing_id, details)"
	" SELECT $2, 'claimed', ch.id, ch.listing_id, jsonb_build_object('previous_status',"
	" prev.status, 'previous_claimed_by', prev.claimed_by, 'claim_expires', ch.claim_expires,"
	" 'minutes', $3::int, 'version_id', ch.version_id, 'chosen', true) FROM ch, prev)"
	" SELECT " ITEM_JSON " FROM ch q" ITEM_JOINS;

static int claim_item_check(PGresult *r, long id, const char *analyst, struct lw_error *err)
{
	if (strcmp(lk(r, LK_STATUS), "resolved") == 0)
		return lw_error_set(err, "item %ld was already resolved by '%s' as '%s'", id,
				    lk(r, LK_RESOLVER), lk(r, LK_VERDICT));
	if (strcmp(lk(r, LK_STATUS), "claimed") == 0 && strcmp(lk(r, LK_CLAIMANT), analyst) != 0 &&
	    strcmp(lk(r, LK_LIVE), "t") == 0)
		return lw_error_set(err, "item %ld is claimed by '%s' until %s", id,
				    lk(r, LK_CLAIMANT), lk(r, LK_EXPIRES));
	return 0;
}

int store_queue_claim_item(struct store *st, long id, const char *analyst, int minutes,
			   json_t **out, struct lw_error *err)
{
	char ids[24], mins[24];
	const char *p[3] = { ids, analyst, mins };

	if (!analyst || !analyst[0])
		return lw_error_set(err, "an analyst name is required to claim items");
	if (minutes < 1)
		return lw_error_set(err, "a claim needs minutes of at least 1");
	fmt_long(ids, sizeof(ids), id);
	snprintf(mins, sizeof(mins), "%d", minutes);
	return locked_action(st, id, analyst, claim_item_check, NULL, claim_item_sql, 3, p, out,
			     err);
}

/* ---- supervisors: reassign and reopen ------------------------------------------------- */

/* A supervisor hands an open item to an analyst (whoever held it), or
 * takes a verdict back: both are audited with what they replaced, so the
 * log keeps every verdict ever given even though the item's is cleared. */
static const char reassign_sql[] =
	"WITH prev AS (SELECT id, status, claimed_by, claim_expires FROM queue_items WHERE id = $1),"
	" ch AS (UPDATE queue_items q SET status = 'claimed', claimed_by = $3,"
	" claim_expires = now() + make_interval(mins => $4::int), updated_at = now()"
	" WHERE q.id = $1 RETURNING q.*),"
	" a AS (INSERT INTO audit_log (actor, action, item_id, listing_id, details)"
	" SELECT $2, 'reassigned', ch.id, ch.listing_id, jsonb_build_object('to', $3::text,"
	" 'previous_status', prev.status, 'previous_claimed_by', prev.claimed_by,"
	" 'claim_expires', ch.claim_expires) FROM ch, prev)"
	" SELECT " ITEM_JSON " FROM ch q" ITEM_JOINS;

static const char reopen_sql[] =
	"WITH prev AS (SELECT id, verdict, escalated_to, resolved_by, resolved_at FROM queue_items"
	" WHERE id = $1),"
	" ch AS (UPDATE queue_items q SET status = 'new', verdict = NULL, escalated_to = NULL,"
	" resolved_by = NULL, resolved_at = NULL, updated_at = now() WHERE q.id = $1 RETURNING q.*),"
	" a AS (INSERT INTO audit_log (actor, action, item_id, listing_id, details)"
	" SELECT $2, 'reopened', ch.id, ch.listing_id, jsonb_strip_nulls(jsonb_build_object("
	"'previous_verdict', prev.verdict, 'previous_agency', prev.escalated_to,"
	" 'previous_resolved_by', prev.resolved_by, 'previous_resolved_at', prev.resolved_at,"
	" 'note', $3::text)) FROM ch, prev)"
	" SELECT " ITEM_JSON " FROM ch q" ITEM_JOINS;

static int reassign_check(PGresult *r, long id, const char *who, struct lw_error *err)
{
	(void)who;
	if (strcmp(lk(r, LK_STATUS), "resolved") == 0)
		return lw_error_set(err, "item %ld was resolved by '%s' as '%s': reopen it first", id,
				    lk(r, LK_RESOLVER), lk(r, LK_VERDICT));
	return 0;
}

static int reopen_check(PGresult *r, long id, const char *who, struct lw_error *err)
{
	(void)who;
	if (strcmp(lk(r, LK_STATUS), "resolved") != 0)
		return lw_error_set(err, "item %ld is not resolved: there is nothing to reopen", id);
	return 0;
}

int store_queue_reassign(struct store *st, long id, const char *supervisor, const char *analyst,
			 int minutes, json_t **out, struct lw_error *err)
{
	char ids[24], mins[24];
	const char *p[4] = { ids, supervisor, analyst, mins };

	if (!supervisor || !supervisor[0] || !analyst || !analyst[0])
		return lw_error_set(err, "reassigning needs the supervisor's and the analyst's names");
	if (minutes < 1)
		return lw_error_set(err, "a claim needs minutes of at least 1");
	fmt_long(ids, sizeof(ids), id);
	snprintf(mins, sizeof(mins), "%d", minutes);
	return locked_action(st, id, supervisor, reassign_check, NULL, reassign_sql, 4, p, out, err);
}

int store_queue_reopen(struct store *st, long id, const char *supervisor, const char *note,
		       json_t **out, struct lw_error *err)
{
	char ids[24];
	const char *p[3] = { ids, supervisor, note && note[0] ? note : NULL };

	if (!supervisor || !supervisor[0])
		return lw_error_set(err, "a supervisor's name is required");
	fmt_long(ids, sizeof(ids), id);
	return locked_action(st, id, supervisor, reopen_check, NULL, reopen_sql, 3, p, out, err);
}

/* Returns 1 when the analyst must claim the item implicitly, 0 when they
 * hold it, -1 when it may not be resolved. */
static int resolve_check(PGresult *r, long id, const char *analyst, struct lw_error *err)
{
	if (strcmp(lk(r, LK_STATUS), "resolved") == 0) {
		if (lk(r, LK_AGENCY)[0])
			return lw_error_set(err, "item %ld was already resolved by '%s' as '%s' (to "
					    "'%s'); a verdict is never overwritten", id,
					    lk(r, LK_RESOLVER), lk(r, LK_VERDICT), lk(r, LK_AGENCY));
		return lw_error_set(err, "item %ld was already resolved by '%s' as '%s'; a verdict "
				    "is never overwritten", id, lk(r, LK_RESOLVER), lk(r, LK_VERDICT));
	}
	if (strcmp(lk(r, LK_STATUS), "claimed") == 0 && strcmp(lk(r, LK_CLAIMANT), analyst) != 0 &&
	    strcmp(lk(r, LK_LIVE), "t") == 0)
		return lw_error_set(err, "item %ld is claimed by '%s' until %s: only they can resolve "
				    "it", id, lk(r, LK_CLAIMANT), lk(r, LK_EXPIRES));
	return !(strcmp(lk(r, LK_STATUS), "claimed") == 0 && strcmp(lk(r, LK_CLAIMANT), analyst) == 0);
}

int store_queue_resolve(struct store *st, long id, const char *analyst, const char *verdict,
			const char *agency, const char *note, json_t **out, struct lw_error *err)
{
	char ids[24];
	const char *p[5] = { ids, analyst, verdict, NULL, note && note[0] ? note : NULL };

	if (!analyst || !analyst[0])
		return lw_error_set(err, "an analyst name is required");
	if (!verdict || (strcmp(verdict, "confirmed") && strcmp(verdict, "dismissed") &&
			 strcmp(verdict, "escalated")))
		return lw_error_set(err, "bad verdict '%s': expected confirmed, dismissed or escalated",
				    verdict ? verdict : "");
	if (strcmp(verdict, "escalated") == 0) {
		if (!agency || !agency[0])
			return lw_error_set(err, "an escalated verdict needs an agency");
		p[3] = agency;
	} else if (agency && agency[0]) {
		return lw_error_set(err, "an agency applies only to an escalated verdict, not '%s'",
				    verdict);
	}
	fmt_long(ids, sizeof(ids), id);
	return locked_action(st, id, analyst, resolve_check, implicit_claim_sql, resolve_sql,
			     5, p, out, err);
}

int store_queue_note(struct store *st, long id, const char *analyst, const char *note,
		     json_t **out, struct lw_error *err)
{
	char ids[24];
	const char *p[3] = { ids, analyst, note };

	if (!analyst || !analyst[0])
		return lw_error_set(err, "an analyst name is required");
	if (!note || !note[0])
		return lw_error_set(err, "an empty note");
	fmt_long(ids, sizeof(ids), id);
	/* One statement: the note and its audit row commit together. */
	return one_item(st, note_sql, 3, p, out, err);
}

/* ---- statistics -------------------------------------------------------------------- */

int store_queue_stats(struct store *st, json_t **out, struct lw_error *err)
{
	if (store_queue_expire(st, NULL, err) < 0)
		return -1;
	return db_json(st, stats_sql, 0, NULL, out, err);
}

int store_rules_stats(struct store *st, json_t **out, struct lw_error *err)
{
	return db_json(st, rules_stats_sql, 0, NULL, out, err);
}
