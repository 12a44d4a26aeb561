-- SPDX-License-Identifier: MIT
-- Politeness for a fleet of crawl processes sharing this database.
--
-- A per-host budget kept here rather than a lease per host: the frontier is
-- already leased per URL (SKIP LOCKED), so any process may hold any host's
-- pages, and the budget only has to say "not yet". Every request start is
-- granted by one row update on crawl_hosts (next_start moves by the host's
-- interval -- `rate` or robots.txt Crawl-delay, whichever is slower -- only
-- when it has passed), so starts to a host are at least the interval apart
-- whichever process makes them, on the database's clock (no clock skew
-- between machines). Concurrent transfers to a host are capped by numbered
-- slots in crawl_host_slots, leased for the crawler's lease_seconds and
-- renewed by their process's heartbeat; a dead process's slots come back
-- when they expire, as its frontier leases do.
--
-- The three tables are UNLOGGED: their rows live seconds, a crash that
-- empties them only lets every host start afresh, and without WAL a grant
-- commits without waiting for a disk flush (a crawl makes up to four such
-- statements a request).
CREATE UNLOGGED TABLE crawl_hosts (
    host        text PRIMARY KEY,          -- scheme://host:port
    next_start  timestamptz NOT NULL,
    requests    bigint NOT NULL DEFAULT 0
);

CREATE UNLOGGED TABLE crawl_host_slots (
    host     text NOT NULL,
    slot     integer NOT NULL,
    owner    text NOT NULL,
    expires  timestamptz NOT NULL,
    PRIMARY KEY (host, slot)
);
CREATE INDEX crawl_host_slots_owner ON crawl_host_slots (owner);

-- Every crawl, rescan and archive worker says it is alive here; `status`
-- lists the live ones and those that stopped answering.
CREATE UNLOGGED TABLE workers (
    owner       text PRIMARY KEY,          -- machine:pid
    machine     text NOT NULL,
    pid         integer NOT NULL,
    role        text NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    done        bigint NOT NULL DEFAULT 0, -- pages, listings or records
    rate        real NOT NULL DEFAULT 0    -- per second over the last beat
);
