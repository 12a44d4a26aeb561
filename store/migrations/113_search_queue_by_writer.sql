-- SPDX-License-Identifier: MIT
-- The statement trigger of 094 read the new listings' ids from a transition
-- table, which holds a copy of every inserted row, title and body and all:
-- ~10% of ingestion's listings insert (log_statement_stats, README "What one
-- listing costs"), to read one column. Ingestion now queues the ids it
-- inserts itself, in the same statement (store/ingest.c: a CTE over the
-- insert's RETURNING id), and says so with the session setting
-- lurewatch.search_queued = 'on'. Every other writer (psql, the benches and
-- tests that insert in SQL) still has its listings queued, by a row trigger
-- whose WHEN is checked without calling the function; for ingestion it is
-- false and no event is queued, and no row is copied.
DROP TRIGGER listings_search_insert ON listings;
DROP FUNCTION listings_queue_search();
CREATE TRIGGER listings_search_insert AFTER INSERT ON listings
    FOR EACH ROW
    WHEN (pg_catalog.current_setting('lurewatch.search_queued', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION listing_queue_search();
