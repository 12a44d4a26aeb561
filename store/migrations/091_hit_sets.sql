-- SPDX-License-Identifier: MIT
-- Hits are stored as one jsonb array per version and rule pack, as the
-- matcher makes them, instead of one row each: ingestion wrote five rows,
-- three index entries and two foreign-key checks per hit, the largest cost
-- of a batch. Every reader finds a version's hits by version id, which the
-- primary key serves; the view keeps the old table's name and columns
-- (position, the hit's place in the array, stands in for the id).
-- No foreign keys: the version and pack rows are written by the same
-- transaction that writes the set (store/ingest.c), and nothing deletes
-- versions or packs.
CREATE TABLE hit_sets (
    version_id  bigint NOT NULL,
    rule_pack   text NOT NULL,
    hits        jsonb NOT NULL CHECK (jsonb_typeof(hits) = 'array'),
    PRIMARY KEY (version_id, rule_pack)
);

INSERT INTO hit_sets (version_id, rule_pack, hits)
SELECT version_id, rule_pack, jsonb_agg(jsonb_build_object('rule', rule_id,
    'category', category, 'weight', weight, 'start', start_offset, 'end', end_offset,
    'match', matched) ORDER BY start_offset, end_offset, id)
FROM hits GROUP BY version_id, rule_pack;

DROP TABLE hits;

CREATE VIEW hits AS
SELECT s.version_id, s.rule_pack, h.rule_id, h.category, h.weight, h.start_offset,
    h.end_offset, h.matched, h.position
FROM hit_sets s CROSS JOIN LATERAL ROWS FROM (jsonb_to_recordset(s.hits)
    AS (rule text, category text, weight real, start integer, "end" integer, match text))
    WITH ORDINALITY AS h(rule_id, category, weight, start_offset, end_offset, matched, position);

GRANT SELECT, INSERT, UPDATE ON hit_sets TO lurewatch_ingest;
GRANT SELECT ON hit_sets, hits TO lurewatch_ingest, lurewatch_analyst;
