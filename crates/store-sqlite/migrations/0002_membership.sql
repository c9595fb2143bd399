-- Renkei schema, version 2: membership vetting and handling defaults (issue 3).
-- The audit log lives in its own database file (audit/0001_audit.sql), so that appending to it
-- never waits for a long import holding this database's single writer.

ALTER TABLE orgs ADD COLUMN nda_version TEXT;
ALTER TABLE orgs ADD COLUMN nda_accepted_at INTEGER;
ALTER TABLE orgs ADD COLUMN nda_accepted_by TEXT REFERENCES users(id);
-- The handling an organisation's submissions get by default, as JSON (docs/sharing.md).
ALTER TABLE orgs ADD COLUMN default_handling TEXT;
ALTER TABLE orgs ADD COLUMN default_handling_at INTEGER;

CREATE TABLE org_applications (
    org_id       TEXT PRIMARY KEY REFERENCES orgs(id),
    statement    TEXT NOT NULL,
    submitted_at INTEGER NOT NULL,
    submitted_by TEXT NOT NULL REFERENCES users(id)
);

-- 推薦: one per recommending organisation.
CREATE TABLE org_recommendations (
    applicant_org   TEXT NOT NULL REFERENCES orgs(id),
    recommender_org TEXT NOT NULL REFERENCES orgs(id),
    by_user         TEXT NOT NULL REFERENCES users(id),
    statement       TEXT NOT NULL,
    at              INTEGER NOT NULL,
    PRIMARY KEY (applicant_org, recommender_org)
);

CREATE TABLE org_status_changes (
    id          INTEGER PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id),
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    actor       TEXT NOT NULL REFERENCES users(id),
    at          INTEGER NOT NULL
);
CREATE INDEX org_status_changes_org ON org_status_changes(org_id, id);

CREATE INDEX api_tokens_user ON api_tokens(user_id);
