-- SPDX-License-Identifier: MIT
-- Generic contacts (issue 16). A detail that many unrelated ads share - an
-- agency switchboard, a board's 0800 hotline, a placeholder, the board's own
-- address - glued unrelated ads into one giant network. Each shared detail
-- now has statistics, and one that behaves like a switchboard, or is on the
-- shipped list of non-personal values, or that an analyst marked, is
-- "generic": it no longer links ads on its own. Only details found in two or
-- more ads get a row: a detail in one ad links nothing, and at a million ads
-- most details are of that kind.

CREATE TABLE contact_stats (
    normalized  text PRIMARY KEY,
    kinds       text[] NOT NULL,        -- channels it was offered on
    listings    integer NOT NULL,       -- ads carrying it
    places      integer NOT NULL,       -- distinct advertised places
    sources     integer NOT NULL,
    templates   integer NOT NULL,       -- distinct texts (SimHash band 0): a rough count
    own_address boolean NOT NULL,       -- the domain of the source's own pages
    first_seen  timestamptz,
    last_seen   timestamptz,
    generic     text,                   -- why it does not link on its own; NULL: it links
    turned      bigint                  -- transaction that made it generic: its networks
                                        -- are cut again then (store/link.c)
);
CREATE INDEX contact_stats_generic ON contact_stats (listings DESC) WHERE generic IS NOT NULL;

-- The shipped list of known non-personal values, as LIKE patterns on the
-- normalised value (E.164 numbers, lower-case e-mail addresses, URLs
-- without scheme). Categories are switched on by [networks] known_generic.
CREATE TABLE contact_known (
    pattern     text PRIMARY KEY,
    category    text NOT NULL,
    reason      text NOT NULL
);
INSERT INTO contact_known (pattern, category, reason) VALUES
    -- Toll-free: a company's hotline, never one recruiter's phone.
    ('+800%',      'tollfree', 'toll-free (international freephone +800)'),
    ('+1800%',     'tollfree', 'toll-free (North America 1-800)'),
    ('+1888%',     'tollfree', 'toll-free (North America 1-888)'),
    ('+1877%',     'tollfree', 'toll-free (North America 1-877)'),
    ('+1866%',     'tollfree', 'toll-free (North America 1-866)'),
    ('+1855%',     'tollfree', 'toll-free (North America 1-855)'),
    ('+1844%',     'tollfree', 'toll-free (North America 1-844)'),
    ('+1833%',     'tollfree', 'toll-free (North America 1-833)'),
    ('+64800%',    'tollfree', 'toll-free (New Zealand 0800)'),
    ('+64508%',    'tollfree', 'toll-free (New Zealand 0508)'),
    ('+611800%',   'tollfree', 'toll-free (Australia 1800)'),
    ('+44800%',    'tollfree', 'toll-free (UK 0800)'),
    ('+44808%',    'tollfree', 'toll-free (UK 0808)'),
    ('+3531800%',  'tollfree', 'toll-free (Ireland 1800)'),
    ('+631800%',   'tollfree', 'toll-free (Philippines 1800)'),
    ('+911800%',   'tollfree', 'toll-free (India 1800)'),
    ('+49800%',    'tollfree', 'toll-free (Germany 0800)'),
    ('+3480%',     'tollfree', 'toll-free (Spain 800/900)'),
    ('+3490%',     'tollfree', 'toll-free (Spain 800/900)'),
    -- Shared-cost and premium lines: call centres.
    ('+611300%',   'premium',  'shared-cost line (Australia 1300)'),
    ('+44843%',    'premium',  'shared-cost line (UK 0843)'),
    ('+44844%',    'premium',  'shared-cost line (UK 0844)'),
    ('+44845%',    'premium',  'shared-cost line (UK 0845)'),
    ('+44870%',    'premium',  'shared-cost line (UK 0870)'),
    ('+44871%',    'premium',  'shared-cost line (UK 0871)'),
    ('+449%',      'premium',  'premium-rate line (UK 09)'),
    ('+64900%',    'premium',  'premium-rate line (New Zealand 0900)'),
    ('+1900%',     'premium',  'premium-rate line (North America 1-900)'),
    -- Fictional and reserved values: placeholders in templates. Off by
    -- default because test data (lurewatch's own and most corpora) uses
    -- exactly these in place of real numbers and addresses.
    ('+1___55501__',   'fictional', 'fictional number (North America 555-01XX)'),
    ('+447700900___',  'fictional', 'fictional number (UK Ofcom drama range 07700 900xxx)'),
    ('+441632960___',  'fictional', 'fictional number (UK Ofcom drama range 01632 960xxx)'),
    ('+442079460___',  'fictional', 'fictional number (UK Ofcom drama range 020 7946 0xxx)'),
    ('+441134960___',  'fictional', 'fictional number (UK Ofcom drama range)'),
    ('+441214960___',  'fictional', 'fictional number (UK Ofcom drama range)'),
    ('+441314960___',  'fictional', 'fictional number (UK Ofcom drama range)'),
    ('+441414960___',  'fictional', 'fictional number (UK Ofcom drama range)'),
    ('+441514960___',  'fictional', 'fictional number (UK Ofcom drama range)'),
    ('+441614960___',  'fictional', 'fictional number (UK Ofcom drama range)'),
    ('+448081570___',  'fictional', 'fictional number (UK Ofcom drama range 0808 157 0xxx)'),
    ('+6125550____',   'fictional', 'fictional number (Australia 02 5550 xxxx)'),
    ('+6135550____',   'fictional', 'fictional number (Australia 03 5550 xxxx)'),
    ('+6175550____',   'fictional', 'fictional number (Australia 07 5550 xxxx)'),
    ('+6185550____',   'fictional', 'fictional number (Australia 08 5550 xxxx)'),
    ('+6127010____',   'fictional', 'fictional number (Australia 02 7010 xxxx)'),
    ('+6137010____',   'fictional', 'fictional number (Australia 03 7010 xxxx)'),
    ('+6177010____',   'fictional', 'fictional number (Australia 07 7010 xxxx)'),
    ('+6187010____',   'fictional', 'fictional number (Australia 08 7010 xxxx)'),
    ('+6149157____',   'fictional', 'fictional number (Australia 0491 57x xxx)'),
    ('%@example.com',  'fictional', 'reserved domain (example.com, RFC 2606)'),
    ('%@example.org',  'fictional', 'reserved domain (example.org, RFC 2606)'),
    ('%@example.net',  'fictional', 'reserved domain (example.net, RFC 2606)'),
    ('%.example',      'fictional', 'reserved top-level domain (.example, RFC 2606)'),
    ('%.example/%',    'fictional', 'reserved top-level domain (.example, RFC 2606)'),
    -- Placeholder addresses in copied templates.
    ('noreply@%',      'placeholder', 'no-reply address'),
    ('no-reply@%',     'placeholder', 'no-reply address'),
    ('donotreply@%',   'placeholder', 'no-reply address'),
    ('your@email.com', 'placeholder', 'placeholder address'),
    ('name@domain.com', 'placeholder', 'placeholder address'),
    ('email@example.com', 'placeholder', 'placeholder address');

-- An analyst's word on a detail: generic (never links on its own) or
-- personal (links whatever the statistics say). Changes are audited in
-- audit_log (action network_mark / network_unmark).
CREATE TABLE contact_marks (
    normalized  text PRIMARY KEY,
    verdict     text NOT NULL CHECK (verdict IN ('generic', 'personal')),
    analyst     text NOT NULL,
    note        text,
    at          timestamptz NOT NULL DEFAULT now()
);

-- The domain of a listing's own URL (www. dropped), and of a detail that
-- is an address (e-mail domain, URL host): equal when an ad gives the
-- board's own address.
CREATE FUNCTION contact_domain(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT regexp_replace(lower(CASE WHEN v LIKE '%@%' THEN split_part(v, '@', 2)
                                     ELSE split_part(regexp_replace(v, '^[a-z]+://', ''), '/', 1) END),
                          '^www\.', '')
$$;

-- Why v does not link on its own, or NULL. The order is the order of
-- authority: an analyst's mark, the configuration, the shipped list, then
-- what the statistics say.
CREATE FUNCTION contact_generic_reason(v text, ads integer, places integer, own boolean,
                                       skip text[], categories text[], max_ads integer,
                                       min_ads integer, min_places integer)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN m.verdict = 'personal' THEN NULL
        WHEN m.verdict = 'generic' THEN 'marked generic by ' || m.analyst || coalesce(': ' || m.note, '')
        WHEN v = ANY (skip) THEN 'excluded in the configuration'
        WHEN k.reason IS NOT NULL THEN k.reason
        WHEN own THEN 'the source''s own address'
        WHEN max_ads > 0 AND ads >= max_ads THEN format('in %s ads (hub_max_ads %s)', ads, max_ads)
        WHEN min_ads > 0 AND ads >= min_ads AND places >= min_places
            THEN format('switchboard: %s ads in %s places (hub_min_ads %s, hub_min_places %s)',
                        ads, places, min_ads, min_places)
    END
    FROM (SELECT 1) one
    LEFT JOIN contact_marks m ON m.normalized = v
    LEFT JOIN LATERAL (SELECT c.reason FROM contact_known c
                        WHERE c.category = ANY (categories) AND v LIKE c.pattern
                        ORDER BY c.pattern LIMIT 1) k ON true
$$;

-- The statistics of the details in which, through the index on
-- normalized. (One function for "these" and "all" with "which IS NULL OR
-- normalized = ANY (which)" was planned as a scan of every entity: each
-- ingestion batch took seconds more as the store grew.)
CREATE FUNCTION contact_stats_scan(which text[])
RETURNS TABLE (normalized text, kinds text[], ads integer, places integer, sources integer,
               templates integer, own boolean, first_seen timestamptz, last_seen timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT e.normalized, array_agg(DISTINCT e.kind ORDER BY e.kind),
           count(DISTINCT e.listing_id)::integer,
           (count(DISTINCT lower(l.location)) FILTER (WHERE l.location IS NOT NULL))::integer,
           count(DISTINCT l.source_id)::integer,
           count(DISTINCT f.band0)::integer,
           bool_or(e.kind IN ('email', 'url') AND contact_domain(l.url) = contact_domain(e.normalized)),
           min(l.first_seen), max(l.last_seen)
      FROM listing_entities e
      JOIN listings l ON l.id = e.listing_id
      LEFT JOIN listing_fingerprints f ON f.listing_id = e.listing_id
     WHERE e.normalized = ANY (which)
     GROUP BY e.normalized
    HAVING count(DISTINCT e.listing_id) >= 2
$$;

-- The same for every detail (a rebuild).
CREATE FUNCTION contact_stats_scan_all()
RETURNS TABLE (normalized text, kinds text[], ads integer, places integer, sources integer,
               templates integer, own boolean, first_seen timestamptz, last_seen timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT e.normalized, array_agg(DISTINCT e.kind ORDER BY e.kind),
           count(DISTINCT e.listing_id)::integer,
           (count(DISTINCT lower(l.location)) FILTER (WHERE l.location IS NOT NULL))::integer,
           count(DISTINCT l.source_id)::integer,
           count(DISTINCT f.band0)::integer,
           bool_or(e.kind IN ('email', 'url') AND contact_domain(l.url) = contact_domain(e.normalized)),
           min(l.first_seen), max(l.last_seen)
      FROM listing_entities e
      JOIN listings l ON l.id = e.listing_id
      LEFT JOIN listing_fingerprints f ON f.listing_id = e.listing_id
     GROUP BY e.normalized
    HAVING count(DISTINCT e.listing_id) >= 2
$$;

-- Recounts the statistics of the given details (all when which is NULL) and
-- decides again whether each is generic. Returns how many rows it wrote.
CREATE FUNCTION contact_stats_refresh(which text[], skip text[], categories text[],
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
            last_seen = excluded.last_seen, generic = excluded.generic,
            turned = CASE WHEN c.generic IS NULL AND excluded.generic IS NOT NULL
                          THEN pg_current_xact_id()::text::bigint ELSE c.turned END
        RETURNING 1)
    SELECT count(*)::integer FROM w
$$;

-- Networks keep their ids across re-linking (store/netgraph.c): a part of
-- a split that inherits no id gets a fresh one from here, above every
-- listing id so it never collides with a network named after its first ad.
CREATE SEQUENCE network_ids;
SELECT setval('network_ids', greatest((SELECT max(id) FROM listings), 0) + 1000000000, false);

-- Merges and splits of networks, so an analyst can follow a group whose
-- id changed: merge (others joined network_id), split (network_id lost
-- listings to others), new.
CREATE TABLE network_events (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    kind        text NOT NULL CHECK (kind IN ('merge', 'split')),
    network_id  bigint NOT NULL,
    others      bigint[] NOT NULL,
    listings    integer NOT NULL,       -- ads moved
    cause       text NOT NULL           -- ingest, rebuild
);
CREATE INDEX network_events_network ON network_events (network_id, id);

-- network_candidates (009), with generic details left out: they never tie
-- a new ad to others on their own.
CREATE OR REPLACE FUNCTION network_candidates(ids bigint[], skip text[], max_bits integer, below bigint)
RETURNS TABLE (listing_id bigint, mate bigint, network_id bigint, simhash bigint)
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

-- The posting rate counts days between the dates the ads say they were
-- posted (the day lurewatch stored them when they say none): a backlog
-- ingested in one run is not "5,166 ads a day". Same columns as 004, two
-- more at the end.
CREATE OR REPLACE VIEW network_stats AS
SELECT n.network_id,
       count(*) AS listings,
       count(DISTINCT l.source_id) AS sources,
       count(DISTINCT lower(l.location)) FILTER (WHERE l.location IS NOT NULL) AS locations,
       min(l.first_seen) AS first_seen,
       max(l.last_seen) AS last_seen,
       count(*)::numeric
           / GREATEST(max(coalesce(l.posted_on, l.first_seen::date))
                      - min(coalesce(l.posted_on, l.first_seen::date)) + 1, 1) AS posting_rate,
       max(q.score) AS max_score,
       (SELECT array_agg(DISTINCT c ORDER BY c) FROM queue_items q2
          JOIN listing_networks n2 ON n2.listing_id = q2.listing_id, unnest(q2.categories) AS c
         WHERE n2.network_id = n.network_id) AS categories,
       min(coalesce(l.posted_on, l.first_seen::date)) AS first_posted,
       max(coalesce(l.posted_on, l.first_seen::date)) AS last_posted
  FROM listing_networks n
  JOIN listings l ON l.id = n.listing_id
  LEFT JOIN queue_items q ON q.listing_id = n.listing_id
 GROUP BY n.network_id;

GRANT SELECT, INSERT, UPDATE, DELETE ON contact_stats, network_events TO lurewatch_ingest;
GRANT SELECT ON contact_known, contact_marks TO lurewatch_ingest;
GRANT SELECT ON contact_stats, contact_known, contact_marks, network_events TO lurewatch_analyst;
GRANT INSERT, UPDATE, DELETE ON contact_marks, contact_stats TO lurewatch_analyst;
GRANT USAGE ON SEQUENCE network_ids, network_events_id_seq TO lurewatch_ingest, lurewatch_analyst;
GRANT EXECUTE ON FUNCTION contact_stats_refresh(text[], text[], text[], integer, integer, integer),
    contact_generic_reason(text, integer, integer, boolean, text[], text[], integer, integer, integer),
    contact_domain(text), contact_stats_scan(text[]), contact_stats_scan_all()
    TO lurewatch_ingest, lurewatch_analyst;
GRANT SELECT ON network_stats TO lurewatch_analyst;
