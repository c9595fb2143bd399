-- Renkei schema, version 2 (PostgreSQL): membership vetting, handling defaults and the audit
-- log (issue 3).

ALTER TABLE orgs ADD COLUMN nda_version TEXT;
ALTER TABLE orgs ADD COLUMN nda_accepted_at BIGINT;
ALTER TABLE orgs ADD COLUMN nda_accepted_by TEXT REFERENCES users(id);
-- The handling an organisation's submissions get by default, as JSON (docs/sharing.md).
ALTER TABLE orgs ADD COLUMN default_handling TEXT;
ALTER TABLE orgs ADD COLUMN default_handling_at BIGINT;

CREATE TABLE org_applications (
    org_id       TEXT PRIMARY KEY REFERENCES orgs(id),
    statement    TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    submitted_by TEXT NOT NULL REFERENCES users(id)
);

-- 推薦: one per recommending organisation.
CREATE TABLE org_recommendations (
    applicant_org   TEXT NOT NULL REFERENCES orgs(id),
    recommender_org TEXT NOT NULL REFERENCES orgs(id),
    by_user         TEXT NOT NULL REFERENCES users(id),
    statement       TEXT NOT NULL,
    at              BIGINT NOT NULL,
    PRIMARY KEY (applicant_org, recommender_org)
);

CREATE TABLE org_status_changes (
    id          BIGSERIAL PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id),
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    actor       TEXT NOT NULL REFERENCES users(id),
    at          BIGINT NOT NULL
);
CREATE INDEX org_status_changes_org ON org_status_changes(org_id, id);

CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- The audit log: a hash chain, each entry hashing the one before it (renkei_model::audit),
-- and signed checkpoints of its head.
CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor_user TEXT,
    actor_org  TEXT,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    detail     TEXT NOT NULL,
    prev_hash  BYTEA NOT NULL,
    hash       BYTEA NOT NULL
);

CREATE TABLE audit_checkpoints (
    seq       BIGINT PRIMARY KEY,
    hash      BYTEA NOT NULL,
    at        BIGINT NOT NULL,
    key_id    TEXT NOT NULL,
    signature BYTEA NOT NULL
);
