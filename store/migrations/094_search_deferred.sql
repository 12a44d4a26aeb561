-- SPDX-License-Identifier: MIT
-- The search index leaves the ingestion transaction. Maintaining the GIN
-- index listings_fts (020) took 0.7-0.9 s of backend CPU per 10,000 new
-- listings inside every batch: to_tsvector over each title and body, then
-- the index inserts. Now a listing whose text is new or changed is only
-- named in search_pending (a narrow heap row with no index: a few
-- microseconds), and an indexer outside ingestion (the daemon, or
-- `lurewatch search --reindex`; store/search.c) turns pending listings
-- into listing_search rows in bulk, where GIN's pending list absorbs the
-- inserts. Search reads listing_search for indexed listings and scans the
-- text of pending ones directly (newest first, up to a bound), and says how
-- many it could not reach, so a listing is never missed in silence.

CREATE TABLE listing_search (
    listing_id  bigint PRIMARY KEY,
    doc         tsvector NOT NULL
);
-- The text is in listings; only the vectors are kept here.
ALTER TABLE listing_search ALTER COLUMN doc SET STATISTICS 0;

-- No index, no key: written for every new listing, read whole by search
-- (it is small while the indexer keeps up) and taken a batch at a time by
-- the indexer. A listing may be named more than once.
CREATE TABLE search_pending (
    listing_id  bigint NOT NULL
);

-- Listings stored before this migration are indexed now, as creating
-- listings_fts did once.
INSERT INTO listing_search (listing_id, doc)
    SELECT id, to_tsvector('simple', title || ' ' || body) FROM listings;
-- 'simple' as before: listings come in twenty languages, and analysts
-- search for names, numbers and exact words.
CREATE INDEX listing_search_doc ON listing_search USING gin (doc);
DROP INDEX listings_fts;

-- Every writer of listings queues what it inserts, whoever it is (the
-- benches and tests insert in SQL): one call per statement, reading the
-- statement's new rows, rather than one per row.
-- The schema is fixed when the function is made: a writer whose
-- search_path lacks it (psql with lurewatch.listings) still reaches the queue.
CREATE FUNCTION listings_queue_search() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO search_pending (listing_id) SELECT id FROM new_listings;
    RETURN NULL;
END $$;
CREATE TRIGGER listings_search_insert AFTER INSERT ON listings
    REFERENCING NEW TABLE AS new_listings
    FOR EACH STATEMENT EXECUTE FUNCTION listings_queue_search();

-- A changed text is queued again. Only updates that name title or body
-- get this far (ingestion's last_seen updates do not), and the WHEN is
-- checked without calling the function.
CREATE FUNCTION listing_queue_search() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO search_pending (listing_id) VALUES (NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER listings_search_update AFTER UPDATE OF title, body ON listings
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.body IS DISTINCT FROM NEW.body)
    EXECUTE FUNCTION listing_queue_search();

-- UPDATE for the indexer's FOR UPDATE SKIP LOCKED.
GRANT SELECT, INSERT, UPDATE, DELETE ON search_pending TO lurewatch_ingest;
GRANT SELECT, INSERT, UPDATE ON listing_search TO lurewatch_ingest;
GRANT SELECT ON search_pending, listing_search TO lurewatch_analyst;
