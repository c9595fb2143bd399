-- Renkei schema, version 4: machine feeds for defenders (issue 5 §3; crates/store/src/feeds.rs
-- explains the model).

-- What a token may do: `api` (everything its user may) or `feeds` (only pull /feeds; such
-- tokens end up in sensor and resolver configurations, so they can do nothing else).
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'api';

-- One row per record version that may go into feeds at all: the latest version of an
-- indicator or observable with `defensive_feeds` consent, PAP CLEAR/GREEN, TLP <= AMBER,
-- unclassified, not revoked, carrying values a sensor can use. Who may pull which row is
-- decided per token by the policy, from the handling of the record row (`date_added`).
-- `entries` holds the row's values as `kind<TAB>value` lines. `removed_at` is set, from the
-- same clock as `date_added`, when the row drops out: a newer version, a deletion, a
-- false-positive or expired sighting. Rows are found by `date_added` (through `records`'
-- id_key index when by object), so ingest pays no second index here.
CREATE TABLE feed_rows (
    date_added  BIGINT PRIMARY KEY,
    id_key      BIGINT NOT NULL,
    label       TEXT,
    valid_until BIGINT,
    entries     TEXT COLLATE "C" NOT NULL,
    removed_at  BIGINT
);
CREATE INDEX feed_rows_removed ON feed_rows(removed_at) WHERE removed_at IS NOT NULL;
CREATE INDEX feed_rows_expiry ON feed_rows(valid_until) WHERE valid_until IS NOT NULL;

-- Every pull of a feed, for reciprocity (what each organisation consumes).
CREATE TABLE feed_pulls (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_id TEXT,
    user_id  TEXT NOT NULL,
    org_id   TEXT NOT NULL,
    format   TEXT NOT NULL,
    at       BIGINT NOT NULL,
    entries  BIGINT NOT NULL,
    full_pull BOOLEAN NOT NULL
);
CREATE INDEX feed_pulls_org ON feed_pulls(org_id, at);
