-- Renkei schema, version 5: consumption counted by the server, for reciprocity (issue 5 §5;
-- crates/store/src/reciprocity.rs).
CREATE TABLE org_usage (
    org_id TEXT NOT NULL,
    day    INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (org_id, day, kind)
) WITHOUT ROWID;
