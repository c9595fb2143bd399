-- Renkei schema, version 1 (PostgreSQL). Identifiers and versions compare byte-wise
-- (COLLATE "C") so ordering never depends on the server's locale.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

CREATE TABLE orgs (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    sector     TEXT,
    tier       TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    login         TEXT NOT NULL UNIQUE,
    display_name  TEXT,
    password_hash TEXT,
    role          TEXT NOT NULL,
    clearance     SMALLINT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id),
    prefix        TEXT NOT NULL,
    secret_sha256 BYTEA NOT NULL UNIQUE,
    read_only     BOOLEAN NOT NULL,
    label         TEXT,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    revoked       BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE submissions (
    id           TEXT PRIMARY KEY,
    provider_org TEXT NOT NULL REFERENCES orgs(id),
    user_id      TEXT NOT NULL REFERENCES users(id),
    received_at  BIGINT NOT NULL,
    channel      TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    sha256       BYTEA NOT NULL,
    -- The bytes as stored: `lz4` (compressed) or `identity`.
    encoding     TEXT NOT NULL,
    bytes        BYTEA NOT NULL
);

-- One row per stored version of a STIX object, per provider, keyed by its date_added (µs).
CREATE TABLE records (
    date_added      BIGINT PRIMARY KEY,
    stix_id         TEXT COLLATE "C" NOT NULL,
    id_key          BIGINT NOT NULL,
    stix_type       TEXT COLLATE "C" NOT NULL,
    class           TEXT NOT NULL,
    version         TEXT COLLATE "C" NOT NULL,
    provider_org    TEXT COLLATE "C" NOT NULL,
    provider_kind   TEXT NOT NULL,
    provider_sector TEXT,
    submission_id   TEXT NOT NULL,
    tlp             SMALLINT NOT NULL,
    audience_mask   INTEGER NOT NULL,
    classification  SMALLINT NOT NULL,
    uses            SMALLINT NOT NULL,
    attribution     SMALLINT NOT NULL,
    pap             SMALLINT NOT NULL,
    body_sha256     BYTEA NOT NULL,
    body            TEXT NOT NULL,
    latest          SMALLINT NOT NULL,
    twin            SMALLINT NOT NULL,
    deleted_at      BIGINT
);
-- (One provider holds one copy of a version: the ingest plan enforces it under the ingest lock.)
CREATE INDEX records_id_key ON records(id_key);
CREATE INDEX records_type_added ON records(stix_type, date_added);

CREATE TABLE record_audience (
    record_added BIGINT NOT NULL,
    kind         SMALLINT NOT NULL,
    ref          TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (record_added, kind, ref)
);

CREATE TABLE taxii_statuses (
    id         TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX taxii_statuses_created ON taxii_statuses(created_at);
