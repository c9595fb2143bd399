-- Renkei schema, version 7: the secretariat's products and their publication process
-- (issue 5 §1–2; crates/store/src/products.rs explains the model).

-- The last number given per prefix, kind and year (RENKEI-AT-2026-0001).
CREATE TABLE product_counters (
    prefix TEXT NOT NULL,
    kind   TEXT NOT NULL,
    year   INTEGER NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (prefix, kind, year)
) WITHOUT ROWID;

-- content, handling and release are JSON (renkei_model::product::ProductContent and
-- renkei_model::handling::Handling): products are few and always read whole.
CREATE TABLE products (
    id            TEXT PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    prefix        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    year          INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    status        TEXT NOT NULL,
    content       TEXT NOT NULL,
    handling      TEXT NOT NULL,
    release       TEXT NOT NULL,
    org_id        TEXT NOT NULL,
    author_id     TEXT NOT NULL,
    approver_id   TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    published_at  INTEGER,
    public_record TEXT
);
CREATE INDEX products_created ON products(created_at);

-- One request per cited record whose reach the release would widen.
CREATE TABLE product_consents (
    id           INTEGER PRIMARY KEY,
    product_id   TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    provider_org TEXT NOT NULL,
    state        TEXT NOT NULL,
    asked_at     INTEGER NOT NULL,
    answered_at  INTEGER,
    answered_by  TEXT,
    comment      TEXT,
    UNIQUE (product_id, record_id, provider_org)
);
CREATE INDEX product_consents_provider ON product_consents(provider_org, id);

-- Seminar registrations (⑥), open to non-members; tracking is the number given back.
CREATE TABLE seminar_registrations (
    tracking     TEXT PRIMARY KEY,
    product_id   TEXT NOT NULL,
    name         TEXT NOT NULL,
    email        TEXT NOT NULL,
    organisation TEXT,
    user_id      TEXT,
    at           INTEGER NOT NULL,
    UNIQUE (product_id, email)
);
