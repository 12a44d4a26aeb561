/* SPDX-License-Identifier: MIT */
/* What the operator's `lurewatch status` shows, gathered in one query. */
#include "store_internal.h"

int store_status(struct store *st, json_t **out, struct lw_error *err)
{
	return db_json(st,
		"SELECT json_build_object("
		" 'sources', (SELECT coalesce(json_agg(json_build_object("
		"   'name', s.name, 'pass', c.pass, 'last_run', c.pass_started,"
		"   'last_finished', c.pass_finished, 'next_run', c.next_run,"
		"   'pages_fetched', c.pages_fetched, 'pages_failed', c.pages_failed,"
		"   'cut_short', c.cut_short,"
		"   'frontier', (SELECT count(*) FROM crawl_urls u WHERE u.source_id = s.id),"
		"   'frontier_due', (SELECT count(*) FROM crawl_urls u WHERE u.source_id = s.id"
		"     AND u.state IN ('queued', 'leased')),"
		"   'listings', (SELECT count(*) FROM listings l WHERE l.source_id = s.id))"
		"   ORDER BY s.name), '[]'::json)"
		"   FROM sources s LEFT JOIN crawl_sources c ON c.source_id = s.id),"
		" 'frontier', (SELECT json_object_agg(state, n) FROM"
		"   (SELECT state, count(*) AS n FROM crawl_urls GROUP BY state) f),"
		" 'listings', (SELECT count(*) FROM listings),"
		/* Stored, their linking left to a background linker (migration
		 * 115): a batch or two while an ingest runs, more only if one
		 * was killed since (the next ingest links them). */
		" 'listings_waiting_to_link', (SELECT count(DISTINCT x) FROM link_pending,"
		"   unnest(listing_ids) AS x),"
		" 'queue', json_build_object("
		"   'by_status', (SELECT coalesce(json_object_agg(status, n), '{}'::json) FROM"
		"     (SELECT status, count(*) AS n FROM queue_items GROUP BY status) q),"
		"   'by_category', (SELECT coalesce(json_object_agg(cat, n), '{}'::json) FROM"
		"     (SELECT unnest(categories) AS cat, count(*) AS n FROM queue_items"
		"      WHERE status <> 'resolved' GROUP BY 1) c),"
		"   'urgent_open', (SELECT count(*) FROM queue_items WHERE urgent AND status <> 'resolved')),"
		" 'rule_packs', (SELECT coalesce(json_agg(json_build_object('hash', hash, 'name', name,"
		"   'version', version, 'first_used', first_used) ORDER BY first_used DESC), '[]'::json)"
		"   FROM (SELECT * FROM rule_packs ORDER BY first_used DESC LIMIT 3) p),"
		" 'schema_version', (SELECT max(version) FROM schema_migrations))",
		0, NULL, out, err);
}
