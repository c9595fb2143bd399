-- Renkei schema, version 1 (SQLite).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE orgs (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    sector     TEXT,
    tier       TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    login         TEXT NOT NULL UNIQUE,
    display_name  TEXT,
    password_hash TEXT,
    role          TEXT NOT NULL,
    clearance     INTEGER NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id),
    prefix        TEXT NOT NULL,
    secret_sha256 BLOB NOT NULL UNIQUE,
    read_only     INTEGER NOT NULL,
    label         TEXT,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    revoked       INTEGER NOT NULL DEFAULT 0
);

-- The original bytes of every submission, kept for evidence.
CREATE TABLE submissions (
    id           TEXT PRIMARY KEY,
    provider_org TEXT NOT NULL REFERENCES orgs(id),
    user_id      TEXT NOT NULL REFERENCES users(id),
    received_at  INTEGER NOT NULL,
    channel      TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    sha256       BLOB NOT NULL,
    -- The bytes as stored: `lz4` (compressed) or `identity`.
    encoding     TEXT NOT NULL,
    bytes        BLOB NOT NULL
);

-- One row per stored version of a STIX object, per provider. date_added (µs since the epoch)
-- is unique and strictly increasing: it is the TAXII order and the row's key, so new rows are
-- appended at the end of the table.
CREATE TABLE records (
    date_added      INTEGER PRIMARY KEY,
    stix_id         TEXT NOT NULL,
    id_key          INTEGER NOT NULL,
    stix_type       TEXT NOT NULL,
    class           TEXT NOT NULL,
    version         TEXT NOT NULL,
    provider_org    TEXT NOT NULL,
    provider_kind   TEXT NOT NULL,
    provider_sector TEXT,
    submission_id   TEXT NOT NULL,
    tlp             INTEGER NOT NULL,
    audience_mask   INTEGER NOT NULL,
    classification  INTEGER NOT NULL,
    uses            INTEGER NOT NULL,
    attribution     INTEGER NOT NULL,
    pap             INTEGER NOT NULL,
    body_sha256     BLOB NOT NULL,
    body            TEXT NOT NULL,
    latest          INTEGER NOT NULL,
    twin            INTEGER NOT NULL,
    deleted_at      INTEGER
);
-- (One provider holds one copy of a version: the ingest plan enforces it under the write lock.)
CREATE INDEX records_id_key ON records(id_key);
CREATE INDEX records_type_added ON records(stix_type, date_added);

-- Named organisations, sectors and users of a record's audience.
CREATE TABLE record_audience (
    record_added INTEGER NOT NULL,
    kind         INTEGER NOT NULL,
    ref          TEXT NOT NULL,
    PRIMARY KEY (record_added, kind, ref)
) WITHOUT ROWID;

CREATE TABLE taxii_statuses (
    id         TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX taxii_statuses_created ON taxii_statuses(created_at);
