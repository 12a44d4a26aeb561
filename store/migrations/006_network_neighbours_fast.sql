-- SPDX-License-Identifier: MIT
-- The fingerprint bands were joined with one OR-ed condition, which
-- PostgreSQL answered by scanning every fingerprint for every new listing.
-- Four index lookups, one per band, find the same candidates.
CREATE OR REPLACE FUNCTION network_neighbours(l bigint, skip text[], max_bits integer)
RETURNS TABLE (listing_id bigint) LANGUAGE sql STABLE AS $$
    SELECT DISTINCT o.listing_id FROM listing_entities e
      JOIN listing_entities o ON o.normalized = e.normalized AND o.listing_id <> e.listing_id
     WHERE e.listing_id = l AND NOT (e.normalized = ANY (skip))
    UNION
    SELECT c.listing_id FROM listing_fingerprints f
      JOIN LATERAL (
            SELECT o.listing_id, o.simhash FROM listing_fingerprints o WHERE o.band0 = f.band0
            UNION ALL
            SELECT o.listing_id, o.simhash FROM listing_fingerprints o WHERE o.band1 = f.band1
            UNION ALL
            SELECT o.listing_id, o.simhash FROM listing_fingerprints o WHERE o.band2 = f.band2
            UNION ALL
            SELECT o.listing_id, o.simhash FROM listing_fingerprints o WHERE o.band3 = f.band3
      ) c ON c.listing_id <> f.listing_id
     WHERE f.listing_id = l AND max_bits >= 0
       AND bit_count((c.simhash # f.simhash)::bit(64)) <= max_bits
$$;
