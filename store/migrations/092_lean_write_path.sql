-- SPDX-License-Identifier: MIT
-- Per-row foreign-key checks on the tables ingestion writes for every
-- listing cost more than the rows they check (pg_stat_statements: ~0.1 s
-- per 10,000 listings, one index probe and row lock each). Their parents
-- are written by the same transaction that writes the children
-- (store/ingest.c: the source, the listing and its version come first, and
-- linking takes listing ids from those rows), and nothing deletes listings,
-- versions or sources, so the checks could never fail. The keys that
-- guard the queue and the audit log (written for flagged listings only,
-- and by analysts) stay.
ALTER TABLE listings DROP CONSTRAINT listings_source_id_fkey;
ALTER TABLE listing_versions DROP CONSTRAINT listing_versions_listing_id_fkey,
    DROP CONSTRAINT listing_versions_rule_pack_fkey;
ALTER TABLE listing_entities DROP CONSTRAINT listing_entities_listing_id_fkey,
    DROP CONSTRAINT listing_entities_version_id_fkey;
ALTER TABLE listing_fingerprints DROP CONSTRAINT listing_fingerprints_listing_id_fkey;
ALTER TABLE listing_networks DROP CONSTRAINT listing_networks_listing_id_fkey;

-- No reader orders or filters listings by last_seen alone, and ingestion
-- updates last_seen on every listing it sees again: the index cost an
-- entry per new listing and kept those updates from being HOT.
DROP INDEX listings_last_seen;
