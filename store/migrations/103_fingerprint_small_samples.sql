-- SPDX-License-Identifier: MIT
-- As 095 did for listings and versions: ingestion re-analyses
-- listing_fingerprints every quarter of its growth (store/ingest.c), and at
-- the default target ANALYZE sampled 30,000 rows and built six histograms:
-- 83 ms of server CPU a time at 42k listings (37 ms in a run, 0.3 s of a
-- 40k ingestion, growing with the table). With 10, a sample of 3,000 rows:
-- 9-16 ms. Its readers reach it by listing id (unique) and by band value
-- through the band indexes (network_candidates, one bucket at a time, no
-- bitmap scans: 100), so no plan needs fine histograms; the bands'
-- estimated bucket sizes move from 2-3 rows to 4-7 (6 measured).
ALTER TABLE listing_fingerprints ALTER COLUMN listing_id SET STATISTICS 10,
    ALTER COLUMN simhash SET STATISTICS 10, ALTER COLUMN band0 SET STATISTICS 10,
    ALTER COLUMN band1 SET STATISTICS 10, ALTER COLUMN band2 SET STATISTICS 10,
    ALTER COLUMN band3 SET STATISTICS 10;
