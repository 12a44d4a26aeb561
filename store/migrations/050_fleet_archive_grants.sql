-- SPDX-License-Identifier: MIT
-- Rights on the tables of the fleet, shared rescans and web archives
-- (040-042), which were written apart from the least-privilege roles: an
-- ingest login runs crawls, rescans and archive workers, so it keeps their
-- bookkeeping; an analyst only reads it (status). Found by t1310, which logs
-- in as each role.
GRANT SELECT, INSERT, UPDATE, DELETE ON archive_captures, archive_files, crawl_hosts,
    crawl_host_slots, workers, rescans, rescan_chunks TO lurewatch_ingest;
GRANT SELECT ON archive_captures, archive_files, crawl_hosts, crawl_host_slots, workers,
    rescans, rescan_chunks TO lurewatch_analyst;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA lurewatch TO lurewatch_ingest, lurewatch_analyst;
