-- SPDX-License-Identifier: MIT
-- A detail shared by thousands of ads (one agency's number in every post)
-- made each new ad visit all of them. Every ad that shares a detail is
-- already in one network, so one of them per detail is enough; and at most
-- eight near-duplicates per fingerprint band, so a template posted ten
-- thousand times costs no more than one posted ten times. Only ads already
-- in a network count: one later in the same batch links itself when its
-- turn comes.
CREATE OR REPLACE FUNCTION network_neighbours(l bigint, skip text[], max_bits integer)
RETURNS TABLE (listing_id bigint) LANGUAGE sql STABLE AS $$
    SELECT o.listing_id FROM (SELECT DISTINCT normalized FROM listing_entities
                               WHERE listing_entities.listing_id = l
                                 AND NOT (normalized = ANY (skip))) e
      CROSS JOIN LATERAL (SELECT x.listing_id FROM listing_entities x
                            JOIN listing_networks n ON n.listing_id = x.listing_id
                           WHERE x.normalized = e.normalized AND x.listing_id <> l
                           LIMIT 1) o
    UNION
    SELECT c.listing_id FROM listing_fingerprints f
      CROSS JOIN LATERAL (
            (SELECT o.listing_id FROM listing_fingerprints o
               JOIN listing_networks n ON n.listing_id = o.listing_id WHERE o.band0 = f.band0
               AND o.listing_id <> l AND bit_count((o.simhash # f.simhash)::bit(64)) <= max_bits LIMIT 8)
            UNION ALL
            (SELECT o.listing_id FROM listing_fingerprints o
               JOIN listing_networks n ON n.listing_id = o.listing_id WHERE o.band1 = f.band1
               AND o.listing_id <> l AND bit_count((o.simhash # f.simhash)::bit(64)) <= max_bits LIMIT 8)
            UNION ALL
            (SELECT o.listing_id FROM listing_fingerprints o
               JOIN listing_networks n ON n.listing_id = o.listing_id WHERE o.band2 = f.band2
               AND o.listing_id <> l AND bit_count((o.simhash # f.simhash)::bit(64)) <= max_bits LIMIT 8)
            UNION ALL
            (SELECT o.listing_id FROM listing_fingerprints o
               JOIN listing_networks n ON n.listing_id = o.listing_id WHERE o.band3 = f.band3
               AND o.listing_id <> l AND bit_count((o.simhash # f.simhash)::bit(64)) <= max_bits LIMIT 8)
      ) c
     WHERE f.listing_id = l AND max_bits >= 0
$$;
