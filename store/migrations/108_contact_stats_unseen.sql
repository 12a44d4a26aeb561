-- SPDX-License-Identifier: MIT
-- Incremental linking recounted every detail of a batch that was not yet
-- generic (contact_stats_refresh, 010): all of its ads and their listings and
-- fingerprint rows, every batch that carried it. A group's number in 30 ads
-- was read 30 rows deep each time one more ad arrived, so the statement grew
-- with the store: pg_stat_statements, bench_groups.sh at 180,000-200,000
-- listings, 317 ms a batch of 2,000, as much as network_candidates (332 ms).
--
-- What linking needs from the count is only whether a detail turns generic.
-- Counts only grow as ads arrive, by at most the batch's ads that carry the
-- detail, so a detail whose count plus those ads (and its places plus those
-- ads) cannot reach hub_max_ads, or hub_min_ads in hub_min_places, cannot turn
-- generic by its counts in this batch. Nor by anything else unless one of the
-- batch's ads is on the source's own domain, or a mark, an exclusion or a known
-- category (contact_generic_reason without counts) says so. Such a detail is
-- not recounted: unseen adds the batch's ads carrying it, so the bound stays
-- an upper bound for the batches after (a rescanned ad counts again: the bound
-- is only looser). Every other detail is recounted as before, with
-- contact_stats_refresh, which sets unseen back to 0; so is any detail without
-- a row (what decides whether the recut sees it) that is now in two ads or
-- more: one still in a single ad gets no row from a recount either (its
-- HAVING), and most of a batch's details are such (1,780 of 2,003 in a batch
-- at 100,000 listings), so they are not scanned.
-- The generic decisions and the turned marks are therefore those of 010.
--
-- The figures of a detail with unseen > 0 lag until it is recounted (by a
-- batch that can carry it over, a mark, or a rebuild); readers that show them
-- count such a detail afresh (store/hubs.c, store/network.c).
ALTER TABLE contact_stats ADD COLUMN unseen integer NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION contact_stats_refresh(which text[], skip text[], categories text[],
                                                 max_ads integer, min_ads integer, min_places integer)
RETURNS integer LANGUAGE sql AS $$
    WITH s AS (
        SELECT * FROM contact_stats_scan(which) WHERE which IS NOT NULL
        UNION ALL
        SELECT * FROM contact_stats_scan_all() WHERE which IS NULL),
    w AS (
        INSERT INTO contact_stats AS c (normalized, kinds, listings, places, sources, templates,
                                        own_address, first_seen, last_seen, generic)
        SELECT s.normalized, s.kinds, s.ads, s.places, s.sources, s.templates, s.own,
               s.first_seen, s.last_seen,
               contact_generic_reason(s.normalized, s.ads, s.places, s.own, skip, categories,
                                      max_ads, min_ads, min_places)
          FROM s
        ON CONFLICT (normalized) DO UPDATE SET kinds = excluded.kinds, listings = excluded.listings,
            places = excluded.places, sources = excluded.sources, templates = excluded.templates,
            own_address = excluded.own_address, first_seen = excluded.first_seen,
            last_seen = excluded.last_seen, generic = excluded.generic, unseen = 0,
            turned = CASE WHEN c.generic IS NULL AND excluded.generic IS NOT NULL
                          THEN pg_current_xact_id()::text::bigint ELSE c.turned END
        RETURNING 1)
    SELECT count(*)::integer FROM w
$$;

-- The batch's details (listing ids): those that could turn generic now are
-- recounted, the others only note the batch's ads in unseen.
CREATE FUNCTION contact_stats_refresh_batch(ids bigint[], skip text[], categories text[],
                                            max_ads integer, min_ads integer, min_places integer)
RETURNS integer LANGUAGE plpgsql
-- PL/pgSQL plans with the array's real length, and for 2,000 ids the planner
-- chose to hash all of listing_entities (300 of 380 ms at 100,000 listings),
-- or to merge-join its whole primary key (180 ms), over 2,000 probes of it:
-- everything read here is reached by key, a batch's worth.
SET enable_seqscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
DECLARE
    again text[];
    later text[];
    adds integer[];
BEGIN
    -- The batch's details: how many of its ads carry each, the first of
    -- them, and those where it is an email or URL (the own-domain test).
    WITH d AS (
        SELECT e.normalized, count(DISTINCT e.listing_id)::integer AS k,
               min(e.listing_id) AS one,
               array_agg(e.listing_id) FILTER (WHERE e.kind IN ('email', 'url')) AS web
          FROM unnest(ids) AS u(id)
          JOIN listing_entities e ON e.listing_id = u.id
         GROUP BY e.normalized),
    -- Whether each must be recounted; the cheap tests first (CASE keeps the order).
    g AS MATERIALIZED (
        SELECT d.normalized, d.k,
               CASE WHEN c.normalized IS NULL THEN
                         d.k >= 2 OR EXISTS (SELECT FROM listing_entities x
                                              WHERE x.normalized = d.normalized
                                                AND x.listing_id <> d.one)
                    WHEN (max_ads > 0 AND c.listings + c.unseen + d.k >= max_ads)
                         OR (min_ads > 0 AND c.listings + c.unseen + d.k >= min_ads
                             AND c.places + c.unseen + d.k >= min_places) THEN true
                    WHEN d.web IS NOT NULL
                         AND EXISTS (SELECT FROM listings l WHERE l.id = ANY (d.web)
                                        AND contact_domain(l.url) = contact_domain(d.normalized))
                         THEN true
                    ELSE contact_generic_reason(d.normalized, 0, 0, false, skip, categories, 0, 0, 0)
                         IS NOT NULL END AS again
          FROM d LEFT JOIN contact_stats c ON c.normalized = d.normalized
         WHERE c.generic IS NULL)
    SELECT array_agg(g.normalized) FILTER (WHERE g.again),
           array_agg(g.normalized) FILTER (WHERE NOT g.again),
           array_agg(g.k) FILTER (WHERE NOT g.again)
      INTO again, later, adds
      FROM g;
    IF later IS NOT NULL THEN
        UPDATE contact_stats c SET unseen = c.unseen + u.k
          FROM unnest(later, adds) AS u(normalized, k)
         WHERE c.normalized = u.normalized;
    END IF;
    IF again IS NULL THEN
        RETURN 0;
    END IF;
    RETURN contact_stats_refresh(again, skip, categories, max_ads, min_ads, min_places);
END
$$;
GRANT EXECUTE ON FUNCTION contact_stats_refresh_batch(bigint[], text[], text[], integer, integer,
                                                      integer)
    TO lurewatch_ingest, lurewatch_analyst;

-- contact_stats as it stands: a detail with unseen ads counted afresh. What
-- `network hubs` lists and what a comparison of two stores should read.
CREATE VIEW contact_stats_now AS
    SELECT c.normalized,
           CASE WHEN s.normalized IS NULL THEN c.kinds ELSE s.kinds END AS kinds,
           CASE WHEN s.normalized IS NULL THEN c.listings ELSE s.ads END AS listings,
           CASE WHEN s.normalized IS NULL THEN c.places ELSE s.places END AS places,
           CASE WHEN s.normalized IS NULL THEN c.sources ELSE s.sources END AS sources,
           CASE WHEN s.normalized IS NULL THEN c.templates ELSE s.templates END AS templates,
           CASE WHEN s.normalized IS NULL THEN c.own_address ELSE s.own END AS own_address,
           CASE WHEN s.normalized IS NULL THEN c.first_seen ELSE s.first_seen END AS first_seen,
           CASE WHEN s.normalized IS NULL THEN c.last_seen ELSE s.last_seen END AS last_seen,
           c.generic, c.turned, c.unseen
      FROM contact_stats c
      LEFT JOIN LATERAL contact_stats_scan(CASE WHEN c.unseen > 0 THEN ARRAY[c.normalized]
                                                ELSE '{}'::text[] END) s ON true;
GRANT SELECT ON contact_stats_now TO lurewatch_ingest, lurewatch_analyst;
