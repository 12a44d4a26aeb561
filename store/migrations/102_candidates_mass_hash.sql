-- SPDX-License-Identifier: MIT
-- network_candidates (072, 100) was the largest statement of ingestion and the
-- fastest growing (pg_stat_statements over a 40k ingestion in 10k runs, main's
-- binary: 3.2 s of 16.3 s of statement time, 0.34 s for the first 10k and
-- 1.11 s for the last). Each of a batch's 8,000 band lookups first probed
-- fingerprint_mass_bands through its primary key (a memoized index scan per
-- distinct band value, 7,000 a batch, all of them misses at 42k listings when
-- the table was still empty). The table holds at most one row per 200 texts
-- and band, so one hash of it, built once per call, answers every lookup. The buckets are read as
-- before (same indexes, same order, same caps), so the rows returned are the
-- same: 2,000 ids at 42k listings, 75 -> 60 ms of server CPU a call.
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
                   AND NOT EXISTS (SELECT FROM contact_stats c WHERE c.normalized = x.normalized
                                      AND c.generic IS NOT NULL)) e),
    f AS MATERIALIZED (
        SELECT p.listing_id, p.simhash, p.band0, p.band1, p.band2, p.band3
          FROM listing_fingerprints p JOIN b ON b.listing_id = p.listing_id
         WHERE max_bits >= 0),
    -- Each band of each text: known to be mass (a hash of the mass bands), or its bucket
    -- read at most mass + 1 deep: how many texts share it (capped) and, in
    -- the same pass, up to eight near-duplicates outside the batch, as before.
    look AS MATERIALIZED (
        SELECT y.listing_id, y.band, y.known, s.texts, s.near
          FROM (SELECT f.listing_id, f.simhash, x.band, x.value,
                       (x.band, x.value) IN (SELECT m.band, m.value FROM fingerprint_mass_bands m
                                              WHERE m.texts > mass) AS known
                  FROM f
                 CROSS JOIN LATERAL (VALUES (0::smallint, f.band0), (1::smallint, f.band1),
                                            (2::smallint, f.band2), (3::smallint, f.band3)) AS x(band, value)
                OFFSET 0) y
         CROSS JOIN LATERAL (
            SELECT count(*)::integer AS texts,
                   (array_agg(r.listing_id) FILTER (
                        WHERE bit_count((r.simhash # y.simhash)::bit(64)) <= max_bits
                          AND r.listing_id NOT IN (SELECT b.listing_id FROM b)
                          AND (below IS NULL OR r.listing_id < below)))[1:8] AS near
              FROM (SELECT o.listing_id, o.simhash FROM listing_fingerprints o
                     WHERE NOT y.known AND y.band = 0 AND o.band0 = y.value
                    UNION ALL
                    SELECT o.listing_id, o.simhash FROM listing_fingerprints o
                     WHERE NOT y.known AND y.band = 1 AND o.band1 = y.value
                    UNION ALL
                    SELECT o.listing_id, o.simhash FROM listing_fingerprints o
                     WHERE NOT y.known AND y.band = 2 AND o.band2 = y.value
                    UNION ALL
                    SELECT o.listing_id, o.simhash FROM listing_fingerprints o
                     WHERE NOT y.known AND y.band = 3 AND o.band3 = y.value
                    LIMIT mass + 1) r) s),
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
