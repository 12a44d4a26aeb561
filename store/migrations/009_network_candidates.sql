-- SPDX-License-Identifier: MIT
-- Linking a batch of listings at once. network_link ran once per listing,
-- a dozen index lookups and a write each; network_candidates answers for a
-- whole batch in one statement and the store joins the components in C
-- (store/link.c), then writes the merged networks and the batch with one
-- statement each. Same neighbours as network_neighbours (007): one listing
-- already in a network per shared detail, at most eight near-duplicates per
-- fingerprint band; batch mates sharing a detail are tied to the smallest
-- id among them (a star, never all pairs), and the batch's fingerprints
-- come back for the caller to compare among themselves.
--
-- A neighbour is any ad outside the batch (below: only those with a lower
-- id, for a rebuild linking in id order): each ad's fingerprint and
-- details are stored in the transaction that links it, so those ads are
-- in networks, and looking each up once is cheaper than filtering every
-- candidate on listing_networks first as 007 did.
--
-- Rows, by which columns are set:
--   listing_id, network_id: the listing joins that network, that of a
--     neighbour outside the batch (mate NULL) or its own (mate = listing_id);
--   listing_id, mate:       the listing shares a detail with batch mate mate;
--   listing_id, simhash:    the listing's fingerprint.
CREATE FUNCTION network_candidates(ids bigint[], skip text[], max_bits integer, below bigint)
RETURNS TABLE (listing_id bigint, mate bigint, network_id bigint, simhash bigint)
LANGUAGE sql STABLE AS $$
    WITH b AS MATERIALIZED (SELECT DISTINCT u.id AS listing_id FROM unnest(ids) AS u(id)),
    star AS MATERIALIZED (
        SELECT e.listing_id, e.normalized,
               min(e.listing_id) OVER (PARTITION BY e.normalized) AS centre
          FROM (SELECT DISTINCT x.listing_id, x.normalized FROM listing_entities x
                  JOIN b ON b.listing_id = x.listing_id
                 WHERE NOT (x.normalized = ANY (skip))) e),
    f AS MATERIALIZED (
        SELECT p.listing_id, p.simhash, p.band0, p.band1, p.band2, p.band3
          FROM listing_fingerprints p JOIN b ON b.listing_id = p.listing_id
         WHERE max_bits >= 0),
    -- Near-duplicates outside the batch: the four bands mostly find the
    -- same ads, so each is looked up in listing_networks once.
    near AS (
        SELECT DISTINCT f.listing_id, c.other FROM f
         CROSS JOIN LATERAL (
            (SELECT o.listing_id AS other FROM listing_fingerprints o WHERE o.band0 = f.band0
               AND o.listing_id NOT IN (SELECT b.listing_id FROM b)
               AND (below IS NULL OR o.listing_id < below)
               AND bit_count((o.simhash # f.simhash)::bit(64)) <= max_bits LIMIT 8)
            UNION ALL
            (SELECT o.listing_id FROM listing_fingerprints o WHERE o.band1 = f.band1
               AND o.listing_id NOT IN (SELECT b.listing_id FROM b)
               AND (below IS NULL OR o.listing_id < below)
               AND bit_count((o.simhash # f.simhash)::bit(64)) <= max_bits LIMIT 8)
            UNION ALL
            (SELECT o.listing_id FROM listing_fingerprints o WHERE o.band2 = f.band2
               AND o.listing_id NOT IN (SELECT b.listing_id FROM b)
               AND (below IS NULL OR o.listing_id < below)
               AND bit_count((o.simhash # f.simhash)::bit(64)) <= max_bits LIMIT 8)
            UNION ALL
            (SELECT o.listing_id FROM listing_fingerprints o WHERE o.band3 = f.band3
               AND o.listing_id NOT IN (SELECT b.listing_id FROM b)
               AND (below IS NULL OR o.listing_id < below)
               AND bit_count((o.simhash # f.simhash)::bit(64)) <= max_bits LIMIT 8)
         ) c)
    SELECT b.listing_id, b.listing_id, n.network_id, NULL::bigint
      FROM b JOIN listing_networks n ON n.listing_id = b.listing_id
    UNION ALL
    SELECT s.listing_id, s.centre, NULL, NULL FROM star s WHERE s.listing_id <> s.centre
    UNION ALL
    SELECT v.centre, NULL, n.network_id, NULL
      FROM (SELECT DISTINCT s.normalized, s.centre FROM star s) v
     CROSS JOIN LATERAL (
            SELECT x.listing_id FROM listing_entities x
             WHERE x.normalized = v.normalized
               AND x.listing_id NOT IN (SELECT b.listing_id FROM b)
               AND (below IS NULL OR x.listing_id < below)
             LIMIT 1) r
      JOIN listing_networks n ON n.listing_id = r.listing_id
    UNION ALL
    SELECT near.listing_id, NULL, n.network_id, NULL
      FROM near JOIN listing_networks n ON n.listing_id = near.other
    UNION ALL
    SELECT f.listing_id, NULL, NULL, f.simhash FROM f
$$;

GRANT EXECUTE ON FUNCTION network_candidates(bigint[], text[], integer, bigint) TO lurewatch_ingest;
