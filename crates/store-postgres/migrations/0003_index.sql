-- Renkei schema, version 3: the observable index, correlation counters, sightings, search
-- (issue 4; crates/store/src/index.rs explains the model). Same tables as SQLite's, except
-- search: a GIN-indexed array of the tokens renkei-search computes.

ALTER TABLE records ADD COLUMN category TEXT;

CREATE TABLE observable_values (
    value_key      BIGINT PRIMARY KEY,
    kind           TEXT NOT NULL,
    value          TEXT NOT NULL,
    objects        BIGINT NOT NULL,
    providers      BIGINT NOT NULL,
    first_provider TEXT COLLATE "C" NOT NULL,
    first_at       BIGINT NOT NULL,
    last_at        BIGINT NOT NULL,
    shared_at      BIGINT
);
CREATE INDEX observable_values_shared ON observable_values(shared_at) WHERE shared_at IS NOT NULL;

CREATE TABLE observable_providers (
    value_key    BIGINT NOT NULL,
    provider_org TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (value_key, provider_org)
);

CREATE TABLE record_observables (
    value_key BIGINT NOT NULL,
    id_key    BIGINT NOT NULL,
    PRIMARY KEY (value_key, id_key)
);

CREATE TABLE record_sightings (
    target_key   BIGINT NOT NULL,
    sighting_key BIGINT NOT NULL,
    target_id    TEXT COLLATE "C" NOT NULL,
    sighting_id  TEXT COLLATE "C" NOT NULL,
    kind         TEXT NOT NULL,
    count        BIGINT NOT NULL,
    PRIMARY KEY (target_key, sighting_key, sighting_id)
);

CREATE TABLE record_search (
    id_key BIGINT PRIMARY KEY,
    tokens TEXT[] NOT NULL
);
CREATE INDEX record_search_tokens ON record_search USING GIN (tokens);

CREATE TABLE hint_notices (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reader_org  TEXT NOT NULL,
    reader_user TEXT NOT NULL,
    value_key   BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    records     BIGINT NOT NULL,
    providers   TEXT NOT NULL,
    first_at    BIGINT NOT NULL,
    last_at     BIGINT NOT NULL,
    times       BIGINT NOT NULL,
    closed_at   BIGINT
);
CREATE UNIQUE INDEX hint_notices_open ON hint_notices(reader_org, value_key) WHERE closed_at IS NULL;
CREATE INDEX hint_notices_last ON hint_notices(last_at);
