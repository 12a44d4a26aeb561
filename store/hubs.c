/* SPDX-License-Identifier: MIT */
/* Generic contact details (switchboards, hotlines, placeholders, a board's
 * own address): listing them with the reason, an analyst's marks, and the
 * log of network merges and splits. */
#include <stdio.h>
#include <stdlib.h>

#include "store_internal.h"

void store_network_rules_from_config(struct store_network_rules *r, const struct config *cfg)
{
	r->exclude = cfg->network_exclude;
	r->nexclude = cfg->nnetwork_exclude;
	r->max_bits = cfg->near_duplicate_bits;
	r->hub_max_ads = cfg->hub_max_ads;
	r->hub_min_ads = cfg->hub_min_ads;
	r->hub_min_places = cfg->hub_min_places;
	r->known = cfg->known_generic;
	r->nknown = cfg->nknown_generic;
	r->split_min_size = cfg->split_min_size > 0 ? (size_t)cfg->split_min_size : 0;
	r->split_max_conductance = cfg->split_max_conductance;
	r->link_on_ingest = cfg->link_on_ingest;
	r->link_in_background = cfg->link_in_background;
}

#define HUB_JSON                                                                              \
	"json_build_object('normalized', c.normalized, 'kinds', c.kinds, 'listings', c.listings," \
	" 'places', c.places, 'sources', c.sources, 'templates', c.templates,"                    \
	" 'own_address', c.own_address, 'first_seen', c.first_seen, 'last_seen', c.last_seen,"    \
	" 'generic', c.generic, 'mark', (SELECT json_build_object('verdict', m.verdict,"          \
	" 'analyst', m.analyst, 'note', m.note, 'at', m.at) FROM contact_marks m"                 \
	" WHERE m.normalized = c.normalized))"

int store_network_hubs(struct store *st, long limit, int all, json_t **out, struct lw_error *err)
{
	char lim[24];
	const char *p[2] = { lim, all ? "t" : "f" };

	snprintf(lim, sizeof(lim), "%ld", limit > 0 ? limit : 0);
	/* contact_stats_now: a detail's figures lag in contact_stats while
	 * linking has not recounted it (migration 108). */
	return db_json(st,
		       "SELECT coalesce(json_agg(" HUB_JSON " ORDER BY c.listings DESC, c.normalized),"
		       " '[]'::json) FROM (SELECT * FROM contact_stats_now c"
		       " WHERE $2::boolean OR c.generic IS NOT NULL"
		       " ORDER BY c.listings DESC, c.normalized"
		       " LIMIT CASE WHEN $1::integer > 0 THEN $1::integer END) c",
		       2, p, out, err);
}

/* The mark (or its removal) and its audit row in one statement. */
static int write_mark(struct store *st, const char *v, const char *verdict, const char *analyst,
		      const char *note, struct lw_error *err)
{
	const char *p[4] = { v, verdict, analyst, note };
	PGresult *res = NULL;
	int rc;

	if (verdict)
		return db_exec(st,
			       "WITH m AS (INSERT INTO contact_marks (normalized, verdict, analyst, note)"
			       " VALUES ($1, $2, $3, $4) ON CONFLICT (normalized) DO UPDATE"
			       " SET verdict = excluded.verdict, analyst = excluded.analyst,"
			       " note = excluded.note, at = now() RETURNING normalized)"
			       " INSERT INTO audit_log (actor, action, details)"
			       " SELECT $3, 'network_mark', jsonb_build_object('normalized', m.normalized,"
			       " 'verdict', $2::text, 'note', $4::text) FROM m",
			       4, p, NULL, err);
	rc = db_exec(st,
		     "WITH m AS (DELETE FROM contact_marks WHERE normalized = $1 RETURNING *)"
		     " INSERT INTO audit_log (actor, action, details)"
		     " SELECT $2, 'network_unmark', jsonb_build_object('normalized', m.normalized,"
		     " 'was', m.verdict, 'by', m.analyst) FROM m RETURNING id",
		     2, (const char *[]){ v, analyst }, &res, err);
	if (rc == 0 && PQntuples(res) == 0)
		rc = lw_error_set(err, "no mark on '%s'", v);
	PQclear(res);
	return rc;
}

int store_network_mark(struct store *st, const char *normalized, const char *verdict,
		       const char *analyst, const char *note, const struct store_network_rules *r,
		       json_t **out, struct lw_error *err)
{
	struct link_hubs h;
	char *skip = db_text_array(r->exclude, r->nexclude);
	const char *p[6];
	int rc = -1;

	link_hubs_init(&h, r);
	p[0] = normalized;
	p[1] = skip;
	p[2] = h.known;
	p[3] = h.max_ads;
	p[4] = h.min_ads;
	p[5] = h.min_places;
	if (db_begin(st, err) < 0)
		goto out;
	/* Its counts decide with the mark: a detail with ads not yet counted
	 * (unseen, migration 108) is recounted first. */
	if (write_mark(st, normalized, verdict, analyst, note, err) < 0 ||
	    db_exec(st, "SELECT contact_stats_refresh(ARRAY[$1], $2::text[], $3::text[], $4::integer,"
			" $5::integer, $6::integer) FROM contact_stats WHERE normalized = $1 AND unseen > 0",
		    6, p, NULL, err) < 0 ||
	    db_exec(st, "UPDATE contact_stats SET generic = contact_generic_reason(normalized,"
			" listings, places, own_address, $2::text[], $3::text[], $4::integer,"
			" $5::integer, $6::integer) WHERE normalized = $1",
		    6, p, NULL, err) < 0 ||
	    db_json(st, "SELECT (SELECT " HUB_JSON " FROM contact_stats c WHERE c.normalized = $1)", 1,
		    p, out, err) < 0 ||
	    db_commit(st, err) < 0) {
		db_rollback(st);
		goto out;
	}
	rc = 0;
out:
	link_hubs_release(&h);
	free(skip);
	return rc;
}

int store_network_events(struct store *st, long id, long limit, json_t **out, struct lw_error *err)
{
	char ids[24], lim[24];
	const char *p[2] = { ids, lim };

	snprintf(ids, sizeof(ids), "%ld", id);
	snprintf(lim, sizeof(lim), "%ld", limit > 0 ? limit : 0);
	return db_json(st,
		       "SELECT coalesce(json_agg(json_build_object('id', e.id, 'at', e.at, 'kind', e.kind,"
		       " 'network_id', e.network_id, 'others', e.others, 'listings', e.listings,"
		       " 'cause', e.cause) ORDER BY e.id DESC), '[]'::json)"
		       " FROM (SELECT * FROM network_events e WHERE $1::bigint = 0"
		       " OR e.network_id = $1::bigint OR $1::bigint = ANY (e.others)"
		       " ORDER BY e.id DESC LIMIT CASE WHEN $2::integer > 0 THEN $2::integer END) e",
		       2, p, out, err);
}
