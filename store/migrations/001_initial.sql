-- SPDX-License-Identifier: MIT
-- Listings, their versions and hits, the analysts' review queue and the
-- append-only audit log. Applied inside one transaction by the store.

CREATE TABLE sources (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The rule pack (by content hash) that produced each version's hits.
CREATE TABLE rule_packs (
    hash        text PRIMARY KEY,
    name        text NOT NULL DEFAULT '',
    version     text NOT NULL DEFAULT '',
    first_used  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE listings (
    id              bigserial PRIMARY KEY,
    url             text NOT NULL UNIQUE,
    source_id       bigint NOT NULL REFERENCES sources(id),
    title           text NOT NULL DEFAULT '',
    body            text NOT NULL DEFAULT '',
    location        text,
    posted          text,
    posted_on       date,
    content_hash    text NOT NULL,
    current_version integer NOT NULL DEFAULT 1,
    first_seen      timestamptz NOT NULL DEFAULT now(),
    last_seen       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX listings_source ON listings (source_id, last_seen);
CREATE INDEX listings_last_seen ON listings (last_seen);

-- Every distinct content a listing has had; hits belong to a version.
CREATE TABLE listing_versions (
    id              bigserial PRIMARY KEY,
    listing_id      bigint NOT NULL REFERENCES listings(id),
    version         integer NOT NULL,
    title           text NOT NULL DEFAULT '',
    body            text NOT NULL DEFAULT '',
    location        text,
    posted          text,
    content_hash    text NOT NULL,
    seen_at         timestamptz NOT NULL DEFAULT now(),
    rule_pack       text NOT NULL REFERENCES rule_packs(hash),
    score           real NOT NULL,
    flagged         boolean NOT NULL,
    categories      text[] NOT NULL DEFAULT '{}',
    UNIQUE (listing_id, version)
);

CREATE TABLE hits (
    id              bigserial PRIMARY KEY,
    version_id      bigint NOT NULL REFERENCES listing_versions(id),
    rule_pack       text NOT NULL REFERENCES rule_packs(hash),
    rule_id         text NOT NULL,
    category        text NOT NULL,
    weight          real NOT NULL,
    start_offset    integer NOT NULL,
    end_offset      integer NOT NULL,
    matched         text NOT NULL,
    CHECK (start_offset >= 0 AND end_offset > start_offset)
);
CREATE INDEX hits_version ON hits (version_id);
CREATE INDEX hits_rule ON hits (rule_id);

-- One queue item per listing. status: new -> claimed -> resolved; an
-- expired claim returns the item to new.
CREATE TABLE queue_items (
    id              bigserial PRIMARY KEY,
    listing_id      bigint NOT NULL UNIQUE REFERENCES listings(id),
    version_id      bigint NOT NULL REFERENCES listing_versions(id),
    score           real NOT NULL,
    categories      text[] NOT NULL,
    priority        real NOT NULL,
    priority_reason text NOT NULL DEFAULT '',
    urgent          boolean NOT NULL DEFAULT false,
    status          text NOT NULL DEFAULT 'new'
                    CHECK (status IN ('new', 'claimed', 'resolved')),
    claimed_by      text,
    claim_expires   timestamptz,
    verdict         text CHECK (verdict IN ('confirmed', 'dismissed', 'escalated')),
    escalated_to    text,
    resolved_by     text,
    resolved_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'claimed') = (claimed_by IS NOT NULL AND claim_expires IS NOT NULL)),
    CHECK ((status = 'resolved') = (verdict IS NOT NULL)),
    CHECK (verdict IS DISTINCT FROM 'escalated' OR escalated_to IS NOT NULL)
);
-- The claim query: next new items by urgency and priority.
CREATE INDEX queue_next ON queue_items (urgent DESC, priority DESC, id) WHERE status = 'new';
CREATE INDEX queue_claim_expiry ON queue_items (claim_expires) WHERE status = 'claimed';
CREATE INDEX queue_status_score ON queue_items (status, score DESC);

CREATE TABLE queue_notes (
    id          bigserial PRIMARY KEY,
    item_id     bigint NOT NULL REFERENCES queue_items(id),
    analyst     text NOT NULL,
    note        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX queue_notes_item ON queue_notes (item_id, id);

-- Every analyst action and every queue change, never updated or deleted.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    action      text NOT NULL,
    item_id     bigint REFERENCES queue_items(id),
    listing_id  bigint REFERENCES listings(id),
    details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_item ON audit_log (item_id, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- `lurewatch queue watch` listens here: an item became available.
CREATE FUNCTION queue_items_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('lurewatch_queue', NEW.id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER queue_items_new AFTER INSERT OR UPDATE OF status ON queue_items
    FOR EACH ROW WHEN (NEW.status = 'new') EXECUTE FUNCTION queue_items_notify();

-- Roles: ingestion writes listings and queues them; analysts read and work
-- the queue. Login users are made members of one of them (see README).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lurewatch_ingest') THEN
        CREATE ROLE lurewatch_ingest NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lurewatch_analyst') THEN
        CREATE ROLE lurewatch_analyst NOLOGIN;
    END IF;
END $$;
GRANT USAGE ON SCHEMA lurewatch TO lurewatch_ingest, lurewatch_analyst;
GRANT SELECT, INSERT ON sources, rule_packs, listings, listing_versions, hits, queue_items,
    audit_log TO lurewatch_ingest;
GRANT UPDATE ON listings, queue_items TO lurewatch_ingest;
GRANT SELECT ON ALL TABLES IN SCHEMA lurewatch TO lurewatch_analyst;
GRANT UPDATE ON queue_items TO lurewatch_analyst;
GRANT INSERT ON queue_notes, audit_log TO lurewatch_analyst;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA lurewatch TO lurewatch_ingest, lurewatch_analyst;
