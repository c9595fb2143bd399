-- Renkei schema, version 3: the observable index, correlation counters, sightings, search
-- (issue 4; crates/store/src/index.rs explains the model).

-- `category` of Renkei record types (individual / overall / technical), for search filters.
ALTER TABLE records ADD COLUMN category TEXT;

-- One counter row per observable value: O(1) work per new record however common the value.
-- first_provider is the organisation that provided it first; providers counts distinct
-- organisations (observable_providers keeps them once a second one appears).
CREATE TABLE observable_values (
    value_key      INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    value          TEXT NOT NULL,
    objects        INTEGER NOT NULL,
    providers      INTEGER NOT NULL,
    first_provider TEXT NOT NULL,
    first_at       INTEGER NOT NULL,
    last_at        INTEGER NOT NULL,
    -- When a second organisation provided it: the secretariat's correlation queue.
    shared_at      INTEGER
);
CREATE INDEX observable_values_shared ON observable_values(shared_at) WHERE shared_at IS NOT NULL;

CREATE TABLE observable_providers (
    value_key    INTEGER NOT NULL,
    provider_org TEXT NOT NULL,
    PRIMARY KEY (value_key, provider_org)
) WITHOUT ROWID;

-- Which objects (by id_key, so versions and handling changes need no reindexing) carry each
-- value; at most INDEX_CAP_PER_VALUE per value.
CREATE TABLE record_observables (
    value_key INTEGER NOT NULL,
    id_key    INTEGER NOT NULL,
    PRIMARY KEY (value_key, id_key)
) WITHOUT ROWID;

-- Sightings by the object they sight (latest version of each sighting).
CREATE TABLE record_sightings (
    target_key   INTEGER NOT NULL,
    sighting_key INTEGER NOT NULL,
    target_id    TEXT NOT NULL,
    sighting_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (target_key, sighting_key, sighting_id)
) WITHOUT ROWID;

-- Search tokens (computed in Rust by renkei-search: words and CJK bigrams) of the latest
-- version of each object. Contentless: the tokens are not stored twice. Document ids are the
-- `date_added` of the version indexed, so they only grow (FTS5 writes ascending ids in bulk
-- and flushes on every step back); search_docs maps them to the object.
CREATE VIRTUAL TABLE record_search USING fts5(
    tokens,
    content = '',
    contentless_delete = 1,
    detail = none,
    tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TABLE search_docs (
    doc    INTEGER PRIMARY KEY,
    id_key INTEGER NOT NULL
);
CREATE INDEX search_docs_object ON search_docs(id_key);
-- Bulk imports: keep up to 64 MB of pending tokens in memory before writing a segment, and
-- merge segments in larger steps (fewer, bigger writes; queries still see every document).
INSERT INTO record_search (record_search, rank) VALUES ('hashsize', 67108864);
INSERT INTO record_search (record_search, rank) VALUES ('automerge', 8);

-- Hints shown to readers about records they may not see: the secretariat brokers contact.
CREATE TABLE hint_notices (
    id          INTEGER PRIMARY KEY,
    reader_org  TEXT NOT NULL,
    reader_user TEXT NOT NULL,
    value_key   INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    records     INTEGER NOT NULL,
    providers   TEXT NOT NULL,
    first_at    INTEGER NOT NULL,
    last_at     INTEGER NOT NULL,
    times       INTEGER NOT NULL,
    closed_at   INTEGER
);
CREATE UNIQUE INDEX hint_notices_open ON hint_notices(reader_org, value_key) WHERE closed_at IS NULL;
CREATE INDEX hint_notices_last ON hint_notices(last_at);
