-- SPDX-License-Identifier: MIT
-- network_candidates (072) reads each of a new ad's four band buckets
-- through the covering band indexes (093), but the planner, estimating two
-- rows a bucket, chose bitmap heap scans: every entry of a bucket cost a
-- visit to its own heap page. Template ads share bands, so buckets grow with
-- the store, and this statement went from 70 to 250 ms a batch of 2,000
-- between the first and the fifth 10k of a 50k ingestion (pg_stat_statements,
-- the largest growing cost of ingestion). Without bitmap scans each probe is
-- an index-only scan (heap pages only for rows autovacuum has not yet marked
-- visible); the rows and their order (the index's, as the bitmap's heap
-- order) are the same, so near-duplicates are picked as before.
ALTER FUNCTION network_candidates(bigint[], text[], integer, bigint, integer)
    SET enable_bitmapscan = off;
