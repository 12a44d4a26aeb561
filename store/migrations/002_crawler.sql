-- SPDX-License-Identifier: MIT
-- The crawl frontier: every URL a source has seen, its state, when it is
-- next due, its attempts, and a lease held by the worker fetching it.
-- Several crawler processes, on one machine or many, share these rows.

-- Per source: the current pass and its timing.
CREATE TABLE crawl_sources (
    source_id       bigint PRIMARY KEY REFERENCES sources(id),
    pass            integer NOT NULL DEFAULT 0,
    pass_started    timestamptz,
    pass_finished   timestamptz,
    next_run        timestamptz,
    pages_fetched   bigint NOT NULL DEFAULT 0,
    pages_failed    bigint NOT NULL DEFAULT 0
);

CREATE TABLE crawl_urls (
    id              bigserial PRIMARY KEY,
    source_id       bigint NOT NULL REFERENCES sources(id),
    url             text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('start', 'listing', 'detail', 'feed', 'sitemap')),
    depth           integer NOT NULL DEFAULT 0,
    state           text NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'leased', 'done', 'failed', 'skipped')),
    pass            integer NOT NULL DEFAULT 0,
    next_fetch      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    lease_owner     text,
    lease_expires   timestamptz,
    etag            text,
    last_modified   text,
    last_status     integer,
    last_error      text,
    last_fetched    timestamptz,
    fetches         integer NOT NULL DEFAULT 0,
    redirects       jsonb,
    UNIQUE (source_id, url),
    CHECK ((state = 'leased') = (lease_owner IS NOT NULL))
);
-- The lease query: due URLs of a source, oldest first.
CREATE INDEX crawl_urls_due ON crawl_urls (source_id, next_fetch) WHERE state = 'queued';
CREATE INDEX crawl_urls_leases ON crawl_urls (lease_expires) WHERE state = 'leased';

-- Where a crawled listing sends people: its redirect chain and its links
-- to contact channels and other sites.
CREATE TABLE listing_links (
    listing_id  bigint NOT NULL REFERENCES listings(id),
    kind        text NOT NULL CHECK (kind IN ('redirect', 'outlink')),
    position    integer NOT NULL,
    url         text NOT NULL,
    seen_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (listing_id, kind, position)
);

GRANT SELECT, INSERT, UPDATE ON crawl_sources, crawl_urls, listing_links TO lurewatch_ingest;
GRANT SELECT ON crawl_sources, crawl_urls, listing_links TO lurewatch_analyst;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA lurewatch TO lurewatch_ingest, lurewatch_analyst;
