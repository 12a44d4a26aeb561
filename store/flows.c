/* SPDX-License-Identifier: MIT */
/* Recruitment corridors: where flagged ads seek recruits (the advertised
 * place, else the country of the ad's number) to where the work is (the
 * countries and major cities the text names), over a period. */
#include <stdio.h>

#include "store_internal.h"

int store_flows(struct store *st, const char *since, const char *until, json_t **out,
		struct lw_error *err)
{
	const char *p[2] = { since, until };

	/* Only flagged ads (queue items): a corridor is a pattern of lures,
	 * not of every job ad that names a country. */
	return db_json(st,
		"WITH f AS MATERIALIZED (SELECT l.id, n.network_id, q.categories,"
		"  l.title || ' ' || l.body AS t,"
		"  coalesce(place_country(l.location), (SELECT phone_country(e.normalized)"
		"   FROM listing_entities e WHERE e.listing_id = l.id AND e.kind IN ('phone', 'whatsapp')"
		"   ORDER BY e.start_offset LIMIT 1)) AS origin,"
		"  (SELECT count(*) FROM listing_networks m WHERE m.network_id = n.network_id) AS size"
		"  FROM queue_items q JOIN listings l ON l.id = q.listing_id"
		"  LEFT JOIN listing_networks n ON n.listing_id = l.id"
		"  WHERE ($1::date IS NULL OR coalesce(l.posted_on, l.first_seen::date) >= $1::date)"
		"  AND ($2::date IS NULL OR coalesce(l.posted_on, l.first_seen::date) <= $2::date)),"
		" d AS (SELECT f.*, tp.country AS dest, tp.name FROM f"
		"  CROSS JOIN LATERAL text_destinations(f.t) tp WHERE tp.country IS DISTINCT FROM f.origin),"
		" c AS (SELECT coalesce(d.origin, '?') AS origin, d.dest,"
		"  count(DISTINCT d.id) AS ads,"
		"  count(DISTINCT d.network_id) FILTER (WHERE d.size > 1) AS networks,"
		"  array_agg(DISTINCT d.name ORDER BY d.name) AS named,"
		"  array_agg(DISTINCT cat ORDER BY cat) FILTER (WHERE cat IS NOT NULL) AS categories"
		"  FROM d LEFT JOIN LATERAL unnest(d.categories) AS cat ON true GROUP BY 1, 2)"
		" SELECT coalesce(json_agg(json_build_object('origin', c.origin, 'destination', c.dest,"
		" 'ads', c.ads, 'networks', c.networks, 'named', c.named,"
		" 'categories', coalesce(c.categories, '{}')) ORDER BY c.ads DESC, c.origin, c.dest), '[]'::json)"
		" FROM c",
		2, p, out, err);
}
