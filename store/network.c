/* SPDX-License-Identifier: MIT */
/* Networks of ads joined by shared contact details or near-duplicate text:
 * listing, showing and exporting them (rebuilding: rebuild.c). Shapes are
 * built in SQL. */
#include <stdio.h>
#include <stdlib.h>

#include "store_internal.h"

/* Members and the entities they share, for network $1. */
#define MEMBERS_SQL                                                                          \
	"(SELECT coalesce(json_agg(json_build_object('id', l.id, 'url', l.url, 'title', l.title," \
	" 'source', s.name, 'location', l.location, 'first_seen', l.first_seen,"                 \
	" 'score', q.score, 'queue_id', q.id, 'status', q.status) ORDER BY l.first_seen, l.id),"  \
	" '[]'::json) FROM listing_networks n JOIN listings l ON l.id = n.listing_id"            \
	" JOIN sources s ON s.id = l.source_id LEFT JOIN queue_items q ON q.listing_id = l.id"    \
	" WHERE n.network_id = ns.network_id)"
#define SHARED_SQL                                                                           \
	"(SELECT coalesce(json_agg(json_build_object('normalized', x.normalized, 'kinds', x.kinds," \
	" 'listings', x.n, 'written', x.written) ORDER BY x.n DESC, x.normalized), '[]'::json)"   \
	" FROM (SELECT e.normalized, array_agg(DISTINCT e.kind) AS kinds,"                       \
	" count(DISTINCT e.listing_id) AS n, array_agg(DISTINCT e.value) AS written"             \
	" FROM listing_entities e JOIN listing_networks n ON n.listing_id = e.listing_id"         \
	" WHERE n.network_id = ns.network_id GROUP BY e.normalized"                              \
	" HAVING count(DISTINCT e.listing_id) > 1) x)"
#define NETWORK_JSON                                                                         \
	"json_build_object('id', ns.network_id, 'listings', ns.listings, 'sources', ns.sources,"  \
	" 'locations', ns.locations, 'first_seen', ns.first_seen, 'last_seen', ns.last_seen,"     \
	" 'posting_rate', round(ns.posting_rate::numeric, 2), 'max_score', ns.max_score,"         \
	" 'categories', ns.categories, 'members', " MEMBERS_SQL ", 'shared', " SHARED_SQL ")"

int store_network_list(struct store *st, long min_size, json_t **out, struct lw_error *err)
{
	char ms[24];
	const char *p[1] = { ms };

	snprintf(ms, sizeof(ms), "%ld", min_size);
	return db_json(st,
		       "SELECT coalesce(json_agg(" NETWORK_JSON " ORDER BY ns.listings DESC,"
		       " ns.max_score DESC NULLS LAST, ns.network_id), '[]'::json)"
		       " FROM network_stats ns WHERE ns.listings >= $1::integer",
		       1, p, out, err);
}

/* Ties leading out of network ns: details its ads share with ads of other
 * networks. Either generic (they never link on their own) or cut when
 * community detection split a component: no data is lost, it is listed. */
#define CUT_SQL                                                                               \
	"(SELECT coalesce(json_agg(json_build_object('normalized', x.normalized, 'reason',"      \
	" coalesce(x.generic, 'cut by community detection (loosely knit)'), 'listings', x.total,"  \
	" 'outside', x.outside, 'networks', x.networks, 'to', x.tos)"                             \
	" ORDER BY x.generic IS NULL DESC, x.outside DESC, x.normalized), '[]'::json)"           \
	" FROM (SELECT e.normalized, c.generic, " CONTACT_ADS("c") " AS total,"                   \
	" count(DISTINCT o.listing_id) AS outside, count(DISTINCT n2.network_id) AS networks,"   \
	" (array_agg(DISTINCT n2.network_id ORDER BY n2.network_id))[1:10] AS tos"               \
	" FROM (SELECT DISTINCT x.normalized FROM listing_entities x JOIN listing_networks n"   \
	" ON n.listing_id = x.listing_id WHERE n.network_id = ns.network_id) e"                  \
	" JOIN contact_stats c ON c.normalized = e.normalized"                                   \
	" JOIN listing_entities o ON o.normalized = e.normalized"                                \
	" JOIN listing_networks n2 ON n2.listing_id = o.listing_id"                              \
	" AND n2.network_id <> ns.network_id"                                                    \
	" GROUP BY e.normalized, c.normalized, c.generic, c.listings, c.unseen) x)"
/* Near-duplicate texts leading out of network ns: its ads within 3 bits
 * (the most near_duplicate_bits links through the four bands) of ads in
 * other networks, by network, the closest pair first. Those ties were cut
 * by community detection, or ran through a band a board's boilerplate
 * fills; each band lookup is capped, as linking's are. */
#define NEAR_BAND(k)                                                                          \
	"(SELECT o.listing_id, o.simhash FROM listing_fingerprints o WHERE o.band" #k " = f.band" #k \
	" AND o.listing_id <> f.listing_id AND bit_count((o.simhash # f.simhash)::bit(64)) <= 3"    \
	" LIMIT 50)"
#define NEAR_SQL                                                                              \
	"(SELECT coalesce(json_agg(json_build_object('network', y.network_id, 'ads', y.ads,"      \
	" 'outside', y.outside, 'bits', y.bits, 'pair', y.pair) ORDER BY y.bits, y.outside DESC,"  \
	" y.network_id), '[]'::json) FROM (SELECT n2.network_id, count(DISTINCT f.listing_id) AS ads," \
	" count(DISTINCT o.listing_id) AS outside, min(bit_count((o.simhash # f.simhash)::bit(64)))" \
	" AS bits, (array_agg(json_build_array(f.listing_id, o.listing_id)"                      \
	" ORDER BY bit_count((o.simhash # f.simhash)::bit(64)), f.listing_id, o.listing_id))[1] AS pair" \
	" FROM listing_networks m JOIN listing_fingerprints f ON f.listing_id = m.listing_id"     \
	" CROSS JOIN LATERAL (" NEAR_BAND(0) " UNION " NEAR_BAND(1) " UNION " NEAR_BAND(2)        \
	" UNION " NEAR_BAND(3) ") o"                                                               \
	" JOIN listing_networks n2 ON n2.listing_id = o.listing_id AND n2.network_id <> m.network_id" \
	" WHERE m.network_id = ns.network_id GROUP BY n2.network_id"                              \
	" ORDER BY 4, 3 DESC, 1 LIMIT 20) y)"
/* The circuit: each place the network advertised in, from its first to its
 * last posted date (stored date when the ad gives none), in order. */
#define CIRCUIT_SQL                                                                           \
	"(SELECT coalesce(json_agg(json_build_object('location', y.loc, 'from', y.f, 'to', y.t,"  \
	" 'ads', y.n) ORDER BY y.f, y.loc), '[]'::json) FROM (SELECT coalesce(l.location, '-')"  \
	" AS loc, min(coalesce(l.posted_on, l.first_seen::date)) AS f,"                          \
	" max(coalesce(l.posted_on, l.first_seen::date)) AS t, count(*) AS n"                   \
	" FROM listing_networks n JOIN listings l ON l.id = n.listing_id"                       \
	" WHERE n.network_id = ns.network_id GROUP BY 1) y)"
/* Numbers whose country is none of the countries the network's ads were
 * placed in (a UK number on ads placed in Manila): recruiting from afar,
 * or a number bought abroad. */
#define MISFIT_SQL                                                                            \
	"(SELECT coalesce(json_agg(json_build_object('normalized', x.normalized, 'country', x.pc,"\
	" 'places', x.pcs, 'ads', x.n) ORDER BY x.n DESC, x.normalized), '[]'::json)"            \
	" FROM (SELECT e.normalized, phone_country(e.normalized) AS pc, count(DISTINCT l.id) AS n,"\
	" array_agg(DISTINCT place_country(l.location)) FILTER (WHERE place_country(l.location)"  \
	" IS NOT NULL) AS pcs FROM listing_entities e JOIN listing_networks n"                    \
	" ON n.listing_id = e.listing_id JOIN listings l ON l.id = e.listing_id"                  \
	" WHERE n.network_id = ns.network_id AND e.kind IN ('phone', 'whatsapp')"                 \
	" GROUP BY e.normalized) x WHERE x.pc IS NOT NULL AND cardinality(x.pcs) > 0"             \
	" AND NOT (x.pc = ANY (x.pcs)))"
#define EVENTS_SQL                                                                            \
	"(SELECT coalesce(json_agg(json_build_object('at', ev.at, 'kind', ev.kind,"              \
	" 'network_id', ev.network_id, 'others', ev.others, 'listings', ev.listings,"            \
	" 'cause', ev.cause) ORDER BY ev.id DESC), '[]'::json) FROM network_events ev"          \
	" WHERE ev.network_id = ns.network_id OR ns.network_id = ANY (ev.others))"

int store_network_show(struct store *st, long id, json_t **out, struct lw_error *err)
{
	char ids[24];
	const char *p[1] = { ids };
	json_t *o = NULL;

	snprintf(ids, sizeof(ids), "%ld", id);
	if (db_json(st,
		    "SELECT (SELECT json_build_object('network', " NETWORK_JSON ", 'first_posted',"
		    " ns.first_posted, 'last_posted', ns.last_posted, 'cut', " CUT_SQL ", 'cut_texts', "
		    NEAR_SQL ", 'circuit', "
		    CIRCUIT_SQL ", 'misfits', " MISFIT_SQL ", 'events', " EVENTS_SQL ") FROM network_stats ns"
		    " WHERE ns.network_id = $1::bigint)",
		    1, p, &o, err) < 0)
		return -1;
	/* One object: the list's shape with the extra keys beside. */
	if (json_is_object(o)) {
		json_t *n = json_incref(json_object_get(o, "network"));

		json_object_del(o, "network");
		json_object_update(n, o);
		json_decref(o);
		o = n;
	}
	*out = o;
	return 0;
}

int store_network_of_listing(struct store *st, long listing_id, json_t **out, struct lw_error *err)
{
	char ids[24];
	const char *p[1] = { ids };

	snprintf(ids, sizeof(ids), "%ld", listing_id);
	return db_json(st,
		       "SELECT json_build_object('id', ns.network_id, 'listings', ns.listings,"
		       " 'sources', ns.sources, 'posting_rate', round(ns.posting_rate::numeric, 2))"
		       " FROM listing_networks n JOIN network_stats ns ON ns.network_id = n.network_id"
		       " WHERE n.listing_id = $1::bigint",
		       1, p, out, err);
}

/* Nodes: listings and shared entities; edges: listing-entity, and
 * listing-listing where the texts are near-duplicates ($2 bits). */
int store_network_graph(struct store *st, long id, int max_bits, json_t **out,
			struct lw_error *err)
{
	char ids[24], mb[16];
	const char *p[2] = { ids, mb };

	snprintf(ids, sizeof(ids), "%ld", id);
	snprintf(mb, sizeof(mb), "%d", max_bits);
	return db_json(st,
		"WITH m AS (SELECT listing_id FROM listing_networks WHERE network_id = $1::bigint),"
		" e AS (SELECT DISTINCT e.listing_id, e.kind, e.normalized FROM listing_entities e"
		"  JOIN m ON m.listing_id = e.listing_id),"
		" shared AS (SELECT normalized FROM e GROUP BY normalized HAVING count(DISTINCT listing_id) > 1)"
		" SELECT json_build_object("
		" 'listings', (SELECT coalesce(json_agg(json_build_object('id', l.id, 'url', l.url,"
		"   'title', l.title, 'source', s.name, 'location', l.location, 'first_seen', l.first_seen,"
		"   'score', q.score) ORDER BY l.id), '[]'::json) FROM m JOIN listings l ON l.id = m.listing_id"
		"   JOIN sources s ON s.id = l.source_id LEFT JOIN queue_items q ON q.listing_id = l.id),"
		" 'entities', (SELECT coalesce(json_agg(DISTINCT jsonb_build_object('value', e.normalized,"
		"   'kind', e.kind)), '[]'::json) FROM e JOIN shared USING (normalized)),"
		/* The evidence and its weight (store/netgraph.c): a detail's ties
		 * weigh 1/(ads - 1), nothing when it is generic; a near-duplicate
		 * 0.5 for a copy down to 0.25 at the limit, before it is spread
		 * over an ad's near-duplicates. */
		" 'edges', (SELECT coalesce(json_agg(json_build_object('listing', e.listing_id,"
		"   'entity', e.normalized, 'kind', e.kind, 'generic', c.generic,"
		"   'weight', CASE WHEN c.generic IS NULL THEN round(1.0 / greatest(coalesce(" CONTACT_ADS("c") ", 2) - 1, 1), 4)"
		"   ELSE 0 END)), '[]'::json) FROM e JOIN shared USING (normalized)"
		"   LEFT JOIN contact_stats c ON c.normalized = e.normalized),"
		" 'near_duplicates', (SELECT coalesce(json_agg(json_build_object('a', f.listing_id,"
		"   'b', o.listing_id, 'bits', bit_count((f.simhash # o.simhash)::bit(64)),"
		"   'weight', round(0.5 - 0.25 * bit_count((f.simhash # o.simhash)::bit(64))"
		"   / greatest($2::integer, 1)::numeric, 4))), '[]'::json)"
		"   FROM listing_fingerprints f JOIN m ON m.listing_id = f.listing_id"
		"   JOIN listing_fingerprints o ON o.listing_id > f.listing_id"
		"   JOIN m m2 ON m2.listing_id = o.listing_id"
		"   WHERE $2::integer >= 0 AND bit_count((f.simhash # o.simhash)::bit(64)) <= $2::integer))",
		2, p, out, err);
}
