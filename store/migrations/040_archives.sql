-- SPDX-License-Identifier: MIT
-- Web archives (WARC files) read into the store.
--
-- archive_captures: where each stored listing was captured, so an analyst can
-- pull the original record (archive name and offset). Keyed by WARC-Record-ID:
-- a file read twice (a worker killed mid-file, its file redone) adds nothing
-- twice.
--
-- archive_files: the work list shared by any number of `lurewatch archive
-- work` processes on any number of machines. A worker takes one file at a
-- time with a lease (FOR UPDATE SKIP LOCKED) and renews it as it reads; a
-- file whose lease expired (its worker died) is taken again from the start.
-- Counts are those of the last (or current) reading of the file.
CREATE TABLE archive_captures (
    record_id     text PRIMARY KEY,
    listing_id    bigint NOT NULL REFERENCES listings(id),
    version_id    bigint REFERENCES listing_versions(id),
    archive       text NOT NULL,
    file_offset   bigint NOT NULL,
    data_offset   bigint NOT NULL,
    target_uri    text NOT NULL,
    warc_date     text NOT NULL DEFAULT '',
    captured_at   timestamptz,
    stored_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX archive_captures_listing ON archive_captures (listing_id);

CREATE TABLE archive_files (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL UNIQUE,
    state         text NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued', 'working', 'done', 'failed')),
    lease_owner   text,
    lease_expires timestamptz,
    attempts      integer NOT NULL DEFAULT 0,
    bytes_done    bigint NOT NULL DEFAULT 0,
    bytes_total   bigint,
    records       bigint NOT NULL DEFAULT 0,
    pages         bigint NOT NULL DEFAULT 0,
    flagged       bigint NOT NULL DEFAULT 0,
    errors        bigint NOT NULL DEFAULT 0,
    last_error    text,
    added_at      timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz
);
CREATE INDEX archive_files_todo ON archive_files (id) WHERE state IN ('queued', 'working');
