-- SPDX-License-Identifier: MIT
-- ANALYZE of listings cost 1-2.6 s at 30k listings, almost all of it
-- to_tsvector over a 30,000-row sample for the search index's expression
-- statistics and the sorting of bodies: ingestion re-analyses the table as
-- it grows (store/ingest.c), and autovacuum does too, so every batch after
-- one paid for it and the rate fell with the store. No query filters on
-- titles or bodies except through the full-text index, whose @@ estimate
-- does without them, nor on content hashes or posted text (unique or
-- never filtered on: their statistics were a third of what was left).
ALTER TABLE listings ALTER COLUMN title SET STATISTICS 0,
    ALTER COLUMN body SET STATISTICS 0, ALTER COLUMN content_hash SET STATISTICS 0,
    ALTER COLUMN posted SET STATISTICS 0;
ALTER INDEX listings_fts ALTER COLUMN 1 SET STATISTICS 0;
ALTER TABLE listing_versions ALTER COLUMN title SET STATISTICS 0,
    ALTER COLUMN body SET STATISTICS 0, ALTER COLUMN content_hash SET STATISTICS 0,
    ALTER COLUMN posted SET STATISTICS 0, ALTER COLUMN location SET STATISTICS 0;
