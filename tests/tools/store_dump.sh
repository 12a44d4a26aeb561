#!/bin/sh
# SPDX-License-Identifier: MIT
# store_dump.sh URL: every table of a lurewatch store as sorted JSON lines, one
# "table<TAB>row" a line, without what depends on when or in how many
# transactions the rows were written, so two stores filled from the same input
# by different batchings or binaries compare with cmp: no timestamps or
# transaction ids; versions, queue items and audit rows named by listing and
# version number rather than by serial id (the order a batch's rows take their
# ids in is the planner's); no network_events (the log of how the networks
# grew batch by batch: listing_networks holds what they are); contact statistics as
# contact_stats_now gives them (a detail's stored counts lag by its unseen ads,
# which depend on where batches end: migration 108).
set -eu
url=$1
psql "$url" -X -q -At -v ON_ERROR_STOP=1 -F '	' <<'SQL'
SET search_path = lurewatch, pg_catalog;
CREATE TEMP TABLE dump_out (t text, r text);
DO $$
DECLARE
	tab text;
	drop_cols text[];
BEGIN
	FOR tab IN SELECT table_name FROM information_schema.tables
		    WHERE table_schema = 'lurewatch' AND table_type = 'BASE TABLE'
		      -- written by `db start` or `search --reindex`, not by ingestion
		      AND table_name NOT IN ('schema_migrations', 'calling_codes', 'gazetteer',
					     'contact_known', 'workers', 'network_events',
					     'listing_versions', 'hit_sets', 'listing_entities',
					     'queue_items', 'audit_log', 'contact_stats')
		    ORDER BY 1 LOOP
		SELECT coalesce(array_agg(column_name::text), '{}') INTO drop_cols
		  FROM information_schema.columns
		 WHERE table_schema = 'lurewatch' AND table_name = tab
		   AND (data_type LIKE 'timestamp%' OR data_type IN ('xid', 'xid8')
			-- transaction ids kept as bigint (pg_current_xact_id()::text::bigint)
			OR column_name = 'turned');
		EXECUTE format('INSERT INTO dump_out SELECT %L, (to_jsonb(x) - $1)::text FROM %I x',
			       tab, tab) USING drop_cols;
	END LOOP;
END $$;
CREATE TEMP TABLE vno AS SELECT id, listing_id, version FROM listing_versions;
-- A current version's text may be its listing's (NULL, migration 111): dumped
-- as the text it stands for, so stores written before and after compare.
INSERT INTO dump_out SELECT 'listing_versions', (to_jsonb(v) - '{id,seen_at}'::text[]
	|| jsonb_build_object('title', coalesce(v.title, l.title), 'body', coalesce(v.body, l.body)))::text
  FROM listing_versions v JOIN listings l ON l.id = v.listing_id;
INSERT INTO dump_out SELECT 'hit_sets', (to_jsonb(h) - 'version_id'
	|| jsonb_build_object('listing_id', n.listing_id, 'version', n.version))::text
  FROM hit_sets h JOIN vno n ON n.id = h.version_id;
INSERT INTO dump_out SELECT 'listing_entities', (to_jsonb(e) - '{id,version_id}'::text[]
	|| jsonb_build_object('version', n.version))::text
  FROM listing_entities e LEFT JOIN vno n ON n.id = e.version_id;
INSERT INTO dump_out SELECT 'queue_items', (to_jsonb(q) - '{id,version_id,created_at,updated_at,resolved_at,claim_expires}'::text[]
	|| jsonb_build_object('version', n.version))::text
  FROM queue_items q LEFT JOIN vno n ON n.id = q.version_id;
INSERT INTO dump_out SELECT 'audit_log', (to_jsonb(a) - '{id,item_id,at}'::text[]
	|| jsonb_build_object('details', a.details - 'version_id', 'version', n.version))::text
  FROM audit_log a LEFT JOIN vno n ON n.id = (a.details->>'version_id')::bigint;
INSERT INTO dump_out SELECT 'contact_stats', (to_jsonb(c) - '{unseen,turned,first_seen,last_seen}'::text[])::text
  FROM contact_stats_now c;
SELECT t, r FROM dump_out ORDER BY t, r;
SQL
