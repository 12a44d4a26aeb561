-- SPDX-License-Identifier: MIT
-- Networks: the contact details and near-duplicate texts that tie ads
-- together, and the connected components they form, kept up to date as
-- listings arrive (components only merge; `lurewatch network rebuild`
-- recomputes them from scratch, e.g. after excluding an entity).

CREATE TABLE listing_entities (
    listing_id      bigint NOT NULL REFERENCES listings(id),
    version_id      bigint NOT NULL REFERENCES listing_versions(id),
    kind            text NOT NULL,
    value           text NOT NULL,          -- as written in the ad
    normalized      text NOT NULL,          -- E.164, lower-cased handle, ...
    start_offset    integer NOT NULL,
    end_offset      integer NOT NULL,
    PRIMARY KEY (listing_id, start_offset, kind)
);
CREATE INDEX listing_entities_normalized ON listing_entities (normalized);

-- SimHash of the listing's current text, split into four 16-bit bands:
-- fingerprints within 3 bits share at least one band (pigeonhole), so the
-- bands find candidates through an index and bit_count checks them.
CREATE TABLE listing_fingerprints (
    listing_id  bigint PRIMARY KEY REFERENCES listings(id),
    simhash     bigint NOT NULL,
    band0       integer NOT NULL,
    band1       integer NOT NULL,
    band2       integer NOT NULL,
    band3       integer NOT NULL
);
CREATE INDEX listing_fingerprints_b0 ON listing_fingerprints (band0);
CREATE INDEX listing_fingerprints_b1 ON listing_fingerprints (band1);
CREATE INDEX listing_fingerprints_b2 ON listing_fingerprints (band2);
CREATE INDEX listing_fingerprints_b3 ON listing_fingerprints (band3);

CREATE TABLE listing_networks (
    listing_id  bigint PRIMARY KEY REFERENCES listings(id),
    network_id  bigint NOT NULL
);
CREATE INDEX listing_networks_network ON listing_networks (network_id);

-- Listings joined to l: a shared entity (not excluded) or a near-duplicate text.
CREATE FUNCTION network_neighbours(l bigint, skip text[], max_bits integer)
RETURNS TABLE (listing_id bigint) LANGUAGE sql STABLE AS $$
    SELECT DISTINCT o.listing_id FROM listing_entities e
      JOIN listing_entities o ON o.normalized = e.normalized AND o.listing_id <> e.listing_id
     WHERE e.listing_id = l AND NOT (e.normalized = ANY (skip))
    UNION
    SELECT o.listing_id FROM listing_fingerprints f
      JOIN listing_fingerprints o ON o.listing_id <> f.listing_id
       AND (o.band0 = f.band0 OR o.band1 = f.band1 OR o.band2 = f.band2 OR o.band3 = f.band3)
     WHERE f.listing_id = l AND max_bits >= 0
       AND bit_count((o.simhash # f.simhash)::bit(64)) <= max_bits
$$;

-- Puts l into the network of its neighbours, merging their networks into
-- the lowest-numbered one; a listing with no neighbour is its own network.
CREATE FUNCTION network_link(l bigint, skip text[], max_bits integer)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    nets bigint[];
    target bigint;
BEGIN
    SELECT array_agg(DISTINCT n.network_id) INTO nets FROM listing_networks n
     WHERE n.listing_id = l OR n.listing_id IN (SELECT * FROM network_neighbours(l, skip, max_bits));
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

-- What analysts see of a network.
CREATE VIEW network_stats AS
SELECT n.network_id,
       count(*) AS listings,
       count(DISTINCT l.source_id) AS sources,
       count(DISTINCT lower(l.location)) FILTER (WHERE l.location IS NOT NULL) AS locations,
       min(l.first_seen) AS first_seen,
       max(l.last_seen) AS last_seen,
       -- ads per day over the network's life (at least one day)
       count(*) / GREATEST(EXTRACT(EPOCH FROM max(l.first_seen) - min(l.first_seen)) / 86400, 1)
           AS posting_rate,
       max(q.score) AS max_score,
       (SELECT array_agg(DISTINCT c ORDER BY c) FROM queue_items q2
          JOIN listing_networks n2 ON n2.listing_id = q2.listing_id, unnest(q2.categories) AS c
         WHERE n2.network_id = n.network_id) AS categories
  FROM listing_networks n
  JOIN listings l ON l.id = n.listing_id
  LEFT JOIN queue_items q ON q.listing_id = n.listing_id
 GROUP BY n.network_id;

GRANT SELECT, INSERT, UPDATE, DELETE ON listing_entities, listing_fingerprints, listing_networks
    TO lurewatch_ingest;
GRANT SELECT ON listing_entities, listing_fingerprints, listing_networks, network_stats
    TO lurewatch_analyst;
GRANT EXECUTE ON FUNCTION network_neighbours(bigint, text[], integer),
    network_link(bigint, text[], integer) TO lurewatch_ingest;
