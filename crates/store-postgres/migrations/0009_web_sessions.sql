-- Renkei schema, version 9: the web UI's sessions and the public's reports (issue 6;
-- crates/store/src/web.rs explains the model).

-- Browser sessions, found by the SHA-256 of the cookie value (never the value itself).
CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    csrf       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions(expires_at);

-- Reports from the public (通報・相談), read by the secretariat.
CREATE TABLE public_reports (
    tracking   TEXT PRIMARY KEY,
    category   TEXT NOT NULL,
    text       TEXT NOT NULL,
    contact    TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX public_reports_created ON public_reports(created_at);
