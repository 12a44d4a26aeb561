-- SPDX-License-Identifier: MIT
-- Linking in the background (store/ingest_link.c). `lurewatch ingest`
-- commits a batch's listings, details and fingerprints and names them in
-- link_pending; a second connection links them (and raises their queue
-- items) while the next batch is written, taking every named listing that
-- has committed, whoever wrote it. A process killed between the two
-- commits leaves its listings named here, and the next linker takes them.
--
-- A row a batch, its listings in arrays side by side: no index, no key,
-- like search_pending (094), and a linker deletes a row or two, not a row
-- a listing (2,000-row deletes were 12 ms of each 2,000-listing batch).
CREATE TABLE link_pending (
    listing_ids bigint[] NOT NULL,
    version_ids bigint[] NOT NULL,
    links_same  boolean[] NOT NULL,
    flagged     boolean[] NOT NULL
);
GRANT SELECT, INSERT, DELETE ON link_pending TO lurewatch_ingest;
GRANT SELECT ON link_pending TO lurewatch_analyst;

-- So a committed listing may now have details and no network for a
-- moment: a detail's network is looked up through a listing that has one
-- (114 took the first listing with the detail, and found no network when
-- that one was still waiting to be linked). The listings that wait are
-- linked later by their own batch, which then finds this one.
CREATE OR REPLACE FUNCTION network_candidates(ids bigint[], skip text[], max_bits integer,
                                              below bigint, mass integer)
RETURNS TABLE (listing_id bigint, mate bigint, network_id bigint, simhash bigint,
               mass_bands integer, mass_new integer)
LANGUAGE sql STABLE
SET enable_bitmapscan = off
AS $$
    WITH b AS MATERIALIZED (SELECT DISTINCT u.id AS listing_id FROM unnest(ids) AS u(id)),
    star AS MATERIALIZED (
        SELECT e.listing_id, e.normalized,
               min(e.listing_id) OVER (PARTITION BY e.normalized) AS centre
          FROM (SELECT DISTINCT x.listing_id, x.normalized FROM listing_entities x
                  JOIN b ON b.listing_id = x.listing_id
                 WHERE NOT (x.normalized = ANY (skip))
                   AND x.normalized NOT IN (SELECT c.normalized FROM contact_stats c
                                             WHERE c.generic IS NOT NULL)) e),
    f AS MATERIALIZED (
        SELECT p.listing_id, p.simhash, p.band0, p.band1, p.band2, p.band3
          FROM listing_fingerprints p JOIN b ON b.listing_id = p.listing_id
         WHERE max_bits >= 0),
    -- Each band of each text: known to be mass (a hash of the mass bands), or its bucket
    -- read at most mass + 1 deep: how many texts share it (capped) and, in
    -- the same pass, up to eight near-duplicates outside the batch, in the
    -- band index's order as before. One branch a band, each on its own index.
    look AS MATERIALIZED (
    SELECT f.listing_id, 0::smallint AS band, k.known, s.texts, s.near
      FROM f
     CROSS JOIN LATERAL (SELECT (0::smallint, f.band0) IN (SELECT m.band, m.value
                                                       FROM fingerprint_mass_bands m
                                                      WHERE m.texts > mass) AS known) k
     CROSS JOIN LATERAL (
        SELECT count(*)::integer AS texts,
               (array_agg(r.listing_id) FILTER (
                    WHERE bit_count((r.simhash # f.simhash)::bit(64)) <= max_bits
                      AND r.listing_id NOT IN (SELECT b.listing_id FROM b)
                      AND (below IS NULL OR r.listing_id < below)))[1:8] AS near
          FROM (SELECT o.listing_id, o.simhash FROM listing_fingerprints o
                 WHERE NOT k.known AND o.band0 = f.band0 LIMIT mass + 1) r) s
    UNION ALL
    SELECT f.listing_id, 1::smallint AS band, k.known, s.texts, s.near
      FROM f
     CROSS JOIN LATERAL (SELECT (1::smallint, f.band1) IN (SELECT m.band, m.value
                                                       FROM fingerprint_mass_bands m
                                                      WHERE m.texts > mass) AS known) k
     CROSS JOIN LATERAL (
        SELECT count(*)::integer AS texts,
               (array_agg(r.listing_id) FILTER (
                    WHERE bit_count((r.simhash # f.simhash)::bit(64)) <= max_bits
                      AND r.listing_id NOT IN (SELECT b.listing_id FROM b)
                      AND (below IS NULL OR r.listing_id < below)))[1:8] AS near
          FROM (SELECT o.listing_id, o.simhash FROM listing_fingerprints o
                 WHERE NOT k.known AND o.band1 = f.band1 LIMIT mass + 1) r) s
    UNION ALL
    SELECT f.listing_id, 2::smallint AS band, k.known, s.texts, s.near
      FROM f
     CROSS JOIN LATERAL (SELECT (2::smallint, f.band2) IN (SELECT m.band, m.value
                                                       FROM fingerprint_mass_bands m
                                                      WHERE m.texts > mass) AS known) k
     CROSS JOIN LATERAL (
        SELECT count(*)::integer AS texts,
               (array_agg(r.listing_id) FILTER (
                    WHERE bit_count((r.simhash # f.simhash)::bit(64)) <= max_bits
                      AND r.listing_id NOT IN (SELECT b.listing_id FROM b)
                      AND (below IS NULL OR r.listing_id < below)))[1:8] AS near
          FROM (SELECT o.listing_id, o.simhash FROM listing_fingerprints o
                 WHERE NOT k.known AND o.band2 = f.band2 LIMIT mass + 1) r) s
    UNION ALL
    SELECT f.listing_id, 3::smallint AS band, k.known, s.texts, s.near
      FROM f
     CROSS JOIN LATERAL (SELECT (3::smallint, f.band3) IN (SELECT m.band, m.value
                                                       FROM fingerprint_mass_bands m
                                                      WHERE m.texts > mass) AS known) k
     CROSS JOIN LATERAL (
        SELECT count(*)::integer AS texts,
               (array_agg(r.listing_id) FILTER (
                    WHERE bit_count((r.simhash # f.simhash)::bit(64)) <= max_bits
                      AND r.listing_id NOT IN (SELECT b.listing_id FROM b)
                      AND (below IS NULL OR r.listing_id < below)))[1:8] AS near
          FROM (SELECT o.listing_id, o.simhash FROM listing_fingerprints o
                 WHERE NOT k.known AND o.band3 = f.band3 LIMIT mass + 1) r) s),
    too_common AS (
        SELECT k.listing_id, sum(1 << k.band)::integer AS bits,
               (sum(1 << k.band) FILTER (WHERE NOT k.known))::integer AS found
          FROM look k WHERE k.known OR k.texts > mass GROUP BY k.listing_id),
    near AS (
        SELECT DISTINCT k.listing_id, u.other FROM look k CROSS JOIN LATERAL unnest(k.near) AS u(other)
         WHERE NOT k.known AND k.texts <= mass)
    SELECT b.listing_id, b.listing_id, n.network_id, NULL::bigint, NULL::integer, NULL::integer
      FROM b JOIN listing_networks n ON n.listing_id = b.listing_id
    UNION ALL
    SELECT s.listing_id, s.centre, NULL, NULL, NULL, NULL FROM star s WHERE s.listing_id <> s.centre
    UNION ALL
    SELECT v.centre, NULL, n.network_id, NULL, NULL, NULL
      FROM (SELECT DISTINCT s.normalized, s.centre FROM star s) v
     CROSS JOIN LATERAL (
            SELECT l.network_id FROM listing_entities x
              JOIN listing_networks l ON l.listing_id = x.listing_id
             WHERE x.normalized = v.normalized
               AND x.listing_id NOT IN (SELECT b.listing_id FROM b)
               AND (below IS NULL OR x.listing_id < below)
             LIMIT 1) n
    UNION ALL
    SELECT near.listing_id, NULL, n.network_id, NULL, NULL, NULL
      FROM near JOIN listing_networks n ON n.listing_id = near.other
    UNION ALL
    SELECT f.listing_id, NULL, NULL, f.simhash, coalesce(d.bits, 0), coalesce(d.found, 0)
      FROM f LEFT JOIN too_common d ON d.listing_id = f.listing_id
$$;
