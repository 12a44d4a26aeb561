-- SPDX-License-Identifier: MIT
-- network_candidates (102) read each text's four band buckets through one
-- lateral subquery per text and band: a row per band (VALUES), then an Append
-- of four index scans behind one-time filters, of which one ran. Each of a
-- batch's 8,000 lookups rescanned the Append and its four children. Now each
-- band is its own branch with its own lateral on its own index: the same
-- buckets, read in the same order to the same depth, so the rows returned are
-- the same.
--
-- Each of the batch's details was also looked up in contact_stats (a probe of
-- its primary key each, 2,100 a batch) to leave generic ones out; the generic
-- details are few (5 of 379 rows at 30,000 listings), so one hash of them,
-- built once, answers instead (normalized is never NULL on either side, so
-- NOT IN is the NOT EXISTS it replaces).
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
            SELECT x.listing_id FROM listing_entities x
             WHERE x.normalized = v.normalized
               AND x.listing_id NOT IN (SELECT b.listing_id FROM b)
               AND (below IS NULL OR x.listing_id < below)
             LIMIT 1) r
      JOIN listing_networks n ON n.listing_id = r.listing_id
    UNION ALL
    SELECT near.listing_id, NULL, n.network_id, NULL, NULL, NULL
      FROM near JOIN listing_networks n ON n.listing_id = near.other
    UNION ALL
    SELECT f.listing_id, NULL, NULL, f.simhash, coalesce(d.bits, 0), coalesce(d.found, 0)
      FROM f LEFT JOIN too_common d ON d.listing_id = f.listing_id
$$;
