-- SPDX-License-Identifier: MIT
-- Rescans shared by any number of `lurewatch rescan` processes, on one machine
-- or many. The first process of a rescan (same pack, same --since and
-- --source: the key) cuts the listings into chunks of consecutive ids; every
-- process takes chunks with a lease (FOR UPDATE SKIP LOCKED) until none is
-- left, so each listing is scored by one of them; a killed process's chunk is
-- taken again when its lease expires (scoring a version again with the same
-- pack changes nothing, so a chunk half done before the kill is harmless).
CREATE TABLE rescans (
    id           bigserial PRIMARY KEY,
    key          text NOT NULL,
    total        bigint NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE UNIQUE INDEX rescans_open ON rescans (key) WHERE finished_at IS NULL;

CREATE TABLE rescan_chunks (
    rescan_id     bigint NOT NULL REFERENCES rescans(id) ON DELETE CASCADE,
    chunk         integer NOT NULL,
    lo            bigint NOT NULL,
    hi            bigint NOT NULL,
    listings      integer NOT NULL,
    state         text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'working', 'done')),
    lease_owner   text,
    lease_expires timestamptz,
    attempts      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (rescan_id, chunk)
);
