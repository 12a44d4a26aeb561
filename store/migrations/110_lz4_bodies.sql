-- SPDX-License-Identifier: MIT
-- Postings' text and hit sets are compressed with lz4 where the server
-- has it. Every lurewatch session writes with default_toast_compression
-- = lz4 (store/db.c), so ingestion compresses a body once, as it stages
-- it, and the listing and its version keep that datum whatever their
-- columns say; these settings cover the other writers (psql, a restore).
-- Over real postings (median 3 KB, 73% of them over the 2 KB at which
-- PostgreSQL compresses) the COPY into ingestion's stage, which compresses
-- them, was 40% of the server's CPU with pglz; lz4 took 57% of its time. Only new values change:
-- nothing is rewritten, and a value stored with pglz reads as before. A
-- server without lz4 (before PostgreSQL 14, or built without it) keeps
-- pglz.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_settings
               WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        -- EXECUTE: a server before 14 would not even parse SET COMPRESSION.
        EXECUTE 'ALTER TABLE listings ALTER COLUMN title SET COMPRESSION lz4,'
            ' ALTER COLUMN body SET COMPRESSION lz4';
        EXECUTE 'ALTER TABLE listing_versions ALTER COLUMN title SET COMPRESSION lz4,'
            ' ALTER COLUMN body SET COMPRESSION lz4';
        EXECUTE 'ALTER TABLE hit_sets ALTER COLUMN hits SET COMPRESSION lz4';
    END IF;
END
$$;
