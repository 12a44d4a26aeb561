-- SPDX-License-Identifier: MIT
-- The analysts' web interface: accounts with roles, browser sessions and API
-- tokens (only SHA-256 hashes of the random secrets are stored, so a copy of
-- the database opens no session), login attempts for rate limiting, and a
-- full-text index over listings for search.

CREATE TABLE web_accounts (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9_.-]{1,64}$'),
    role        text NOT NULL CHECK (role IN ('analyst', 'supervisor', 'admin')),
    pw_hash     text NOT NULL,          -- Argon2id, PHC string format
    disabled    boolean NOT NULL DEFAULT false,
    must_change boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE web_sessions (
    token_hash  text PRIMARY KEY,       -- hex SHA-256 of the cookie's token
    account_id  bigint NOT NULL REFERENCES web_accounts(id),
    csrf        text NOT NULL,          -- random, per session, in every form
    address     text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX web_sessions_account ON web_sessions (account_id);

CREATE TABLE web_tokens (
    token_hash  text PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES web_accounts(id),
    label       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    last_used   timestamptz
);

-- Failed and successful logins, by the name tried (which may not exist) and
-- the client address: the rate limit counts recent failures of either.
CREATE TABLE web_login_attempts (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    address     text NOT NULL,
    ok          boolean NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX web_login_attempts_name ON web_login_attempts (name, at);
CREATE INDEX web_login_attempts_address ON web_login_attempts (address, at);

-- 'simple' rather than one language's stemmer: the listings come in twenty
-- languages, and analysts search for names, numbers and exact words.
CREATE INDEX listings_fts ON listings USING gin
    (to_tsvector('simple', title || ' ' || body));

CREATE INDEX audit_at ON audit_log (id DESC);

GRANT SELECT ON web_accounts TO lurewatch_analyst;
