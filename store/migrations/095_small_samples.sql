-- SPDX-License-Identifier: MIT
-- ANALYZE reads 300 rows per unit of the largest statistics target among
-- the columns it analyses: 30,000 rows of listings (wide rows, a random
-- page each) at the default of 100, 0.34-0.47 s at 30k listings, and
-- ingestion re-analyses listings every quarter of its growth
-- (store/ingest.c), as autovacuum does. Reading the sample was nearly all
-- of it (ANALYZE of the id column alone: 0.11 s). With 10, a sample of
-- 3,000 rows: 0.03-0.04 s. No query needs fine histograms here: listings
-- and versions are reached by id, url and listing id through unique
-- indexes, and the filters that remain (source, place, dates, flags, rule
-- pack) have few values or are only counted. The text columns stay at 0
-- (090).
ALTER TABLE listings ALTER COLUMN id SET STATISTICS 10,
    ALTER COLUMN url SET STATISTICS 10, ALTER COLUMN source_id SET STATISTICS 10,
    ALTER COLUMN location SET STATISTICS 10, ALTER COLUMN posted_on SET STATISTICS 10,
    ALTER COLUMN current_version SET STATISTICS 10, ALTER COLUMN first_seen SET STATISTICS 10,
    ALTER COLUMN last_seen SET STATISTICS 10;
ALTER TABLE listing_versions ALTER COLUMN id SET STATISTICS 10,
    ALTER COLUMN listing_id SET STATISTICS 10, ALTER COLUMN version SET STATISTICS 10,
    ALTER COLUMN seen_at SET STATISTICS 10, ALTER COLUMN rule_pack SET STATISTICS 10,
    ALTER COLUMN score SET STATISTICS 10, ALTER COLUMN flagged SET STATISTICS 10,
    ALTER COLUMN categories SET STATISTICS 10;
