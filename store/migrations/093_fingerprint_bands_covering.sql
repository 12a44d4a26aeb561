-- SPDX-License-Identifier: MIT
-- network_candidates (009) probes the four band indexes for every new
-- listing and tests each row of the band's bucket for a near SimHash. Ads
-- from one template share bands, so buckets grow with the store (80 rows
-- for one band at 30,000 listings) and each row cost a heap visit: at 100k
-- listings the lookups were the largest growing cost of ingestion. The
-- indexes now carry the hash and the id, so a probe reads the index alone
-- (half the time at 30k, after autovacuum has marked the pages visible).
-- Same names and same columns first: the function's plans are unchanged.
DROP INDEX listing_fingerprints_b0, listing_fingerprints_b1, listing_fingerprints_b2,
    listing_fingerprints_b3;
CREATE INDEX listing_fingerprints_b0 ON listing_fingerprints (band0) INCLUDE (simhash, listing_id);
CREATE INDEX listing_fingerprints_b1 ON listing_fingerprints (band1) INCLUDE (simhash, listing_id);
CREATE INDEX listing_fingerprints_b2 ON listing_fingerprints (band2) INCLUDE (simhash, listing_id);
CREATE INDEX listing_fingerprints_b3 ON listing_fingerprints (band3) INCLUDE (simhash, listing_id);
