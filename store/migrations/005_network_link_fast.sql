-- SPDX-License-Identifier: MIT
-- network_link looked up its neighbours' networks with "listing_id = l OR
-- listing_id IN (...)", which PostgreSQL answered with a scan of the whole
-- table for every new listing: ingestion slowed as the store grew. An
-- array of ids uses the primary key instead.
CREATE OR REPLACE FUNCTION network_link(l bigint, skip text[], max_bits integer)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    nets bigint[];
    target bigint;
BEGIN
    SELECT array_agg(DISTINCT n.network_id) INTO nets FROM listing_networks n
     WHERE n.listing_id = ANY (ARRAY(SELECT l UNION ALL
                                     SELECT * FROM network_neighbours(l, skip, max_bits)));
    IF nets IS NULL THEN
        target := l;
    ELSE
        SELECT min(x) INTO target FROM unnest(nets) AS x;
        UPDATE listing_networks SET network_id = target
         WHERE network_id = ANY (nets) AND network_id <> target;
    END IF;
    INSERT INTO listing_networks (listing_id, network_id) VALUES (l, target)
    ON CONFLICT (listing_id) DO UPDATE SET network_id = excluded.network_id;
    RETURN target;
END $$;
