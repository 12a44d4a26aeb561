-- SPDX-License-Identifier: MIT
-- A fingerprint band shared by more than a "mass" of texts (store/netgraph.h,
-- NETGRAPH_TEXT_MASS, passed in by the caller so the rule has one
-- definition) is a template everyone uses - a board's boilerplate - and links
-- nothing on its own. The rebuild applied that rule and incremental linking
-- did not (network_candidates, 009/010), so ingestion glued networks a
-- rebuild kept apart (largest 48 after ingesting 1,000,000 ads, 32 after a
-- rebuild). It was also where linking's cost grew with the store: every new
-- ad scanned its four band buckets, and a template's buckets grow with every
-- ad posted from it.
--
-- Bands found to be mass are remembered here, so a new ad's lookup in such a
-- bucket is one primary-key probe; any other bucket is read at most mass + 1
-- entries deep, from the covering band indexes (093), counting it in the
-- same pass that looks for near-duplicates. A band shared by more
-- than mass texts stays so as ads arrive (a rescan that changes a text can
-- shrink a bucket: a rebuild recomputes this table).
CREATE TABLE fingerprint_mass_bands (
    band    smallint NOT NULL CHECK (band BETWEEN 0 AND 3),
    value   integer NOT NULL,
    texts   integer NOT NULL,       -- texts sharing it when counted (at least; may be capped)
    turned  bigint,                 -- transaction of the ingestion batch that found it: the
                                    -- networks its texts had glued are cut again then
    PRIMARY KEY (band, value)
);

-- Every band shared by more than mass texts, counted anew (a rebuild).
CREATE FUNCTION fingerprint_mass_recount(mass integer)
RETURNS integer LANGUAGE sql AS $$
    DELETE FROM fingerprint_mass_bands;
    WITH w AS (
        INSERT INTO fingerprint_mass_bands (band, value, texts)
        SELECT k.band, k.value, count(*)::integer
          FROM listing_fingerprints p
         CROSS JOIN LATERAL (VALUES (0::smallint, p.band0), (1::smallint, p.band1),
                                    (2::smallint, p.band2), (3::smallint, p.band3)) AS k(band, value)
         GROUP BY k.band, k.value
        HAVING count(*) > mass
        RETURNING 1)
    SELECT count(*)::integer FROM w
$$;

-- network_candidates (010) with the mass rule, and two more columns on the
-- rows that carry a batch listing's fingerprint: mass_bands, the bands of it
-- that link nothing, and mass_new, those of them found by counting now (the
-- caller records them in fingerprint_mass_bands).
DROP FUNCTION network_candidates(bigint[], text[], integer, bigint);
CREATE FUNCTION network_candidates(ids bigint[], skip text[], max_bits integer, below bigint,
                                   mass integer)
RETURNS TABLE (listing_id bigint, mate bigint, network_id bigint, simhash bigint,
               mass_bands integer, mass_new integer)
LANGUAGE sql STABLE AS $$
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
    -- Each band of each text: known to be mass (one key probe), or its bucket
    -- read at most mass + 1 deep: how many texts share it (capped) and, in
    -- the same pass, up to eight near-duplicates outside the batch, as before.
    look AS MATERIALIZED (
        SELECT f.listing_id, x.band, m.band IS NOT NULL AS known, s.texts, s.near
          FROM f
         CROSS JOIN LATERAL (VALUES (0::smallint, f.band0), (1::smallint, f.band1),
                                    (2::smallint, f.band2), (3::smallint, f.band3)) AS x(band, value)
          LEFT JOIN fingerprint_mass_bands m
                 ON m.band = x.band AND m.value = x.value AND m.texts > mass
         CROSS JOIN LATERAL (
            SELECT count(*)::integer AS texts,
                   (array_agg(r.listing_id) FILTER (
                        WHERE bit_count((r.simhash # f.simhash)::bit(64)) <= max_bits
                          AND r.listing_id NOT IN (SELECT b.listing_id FROM b)
                          AND (below IS NULL OR r.listing_id < below)))[1:8] AS near
              FROM (SELECT o.listing_id, o.simhash FROM listing_fingerprints o
                     WHERE m.band IS NULL AND x.band = 0 AND o.band0 = x.value
                    UNION ALL
                    SELECT o.listing_id, o.simhash FROM listing_fingerprints o
                     WHERE m.band IS NULL AND x.band = 1 AND o.band1 = x.value
                    UNION ALL
                    SELECT o.listing_id, o.simhash FROM listing_fingerprints o
                     WHERE m.band IS NULL AND x.band = 2 AND o.band2 = x.value
                    UNION ALL
                    SELECT o.listing_id, o.simhash FROM listing_fingerprints o
                     WHERE m.band IS NULL AND x.band = 3 AND o.band3 = x.value
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

GRANT SELECT, INSERT, UPDATE, DELETE ON fingerprint_mass_bands TO lurewatch_ingest;
GRANT SELECT ON fingerprint_mass_bands TO lurewatch_analyst;
GRANT EXECUTE ON FUNCTION network_candidates(bigint[], text[], integer, bigint, integer),
    fingerprint_mass_recount(integer) TO lurewatch_ingest;
