//! The web UI's sessions and the public's reports on SQLite (see `renkei_store::web`).

use renkei_store::{PublicReport, StoreError, StoreResult, WebSession};
use rusqlite::{Connection, OptionalExtension, params};

use crate::accounts::unique_violation;
use crate::db_err;
use crate::records::conv;

pub(crate) fn create_session(c: &Connection, s: &WebSession) -> StoreResult<()> {
    match c.execute(
        "INSERT INTO web_sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![s.id_hash, s.user.to_string(), s.csrf, s.created_at, s.expires_at],
    ) {
        Ok(_) => Ok(()),
        Err(e) if unique_violation(&e) => {
            Err(StoreError::Conflict("the session id is taken".into()))
        }
        Err(e) => Err(db_err(e)),
    }
}

pub(crate) fn session(
    c: &Connection,
    id_hash: &str,
    now: i64,
) -> rusqlite::Result<Option<WebSession>> {
    c.query_row(
        "SELECT id_hash, user_id, csrf, created_at, expires_at FROM web_sessions \
         WHERE id_hash = ?1 AND expires_at > ?2",
        params![id_hash, now],
        |r| {
            Ok(WebSession {
                id_hash: r.get(0)?,
                user: r.get::<_, String>(1)?.parse().map_err(conv)?,
                csrf: r.get(2)?,
                created_at: r.get(3)?,
                expires_at: r.get(4)?,
            })
        },
    )
    .optional()
}

pub(crate) fn delete_session(c: &Connection, id_hash: &str) -> StoreResult<bool> {
    c.execute("DELETE FROM web_sessions WHERE id_hash = ?1", [id_hash])
        .map(|n| n > 0)
        .map_err(db_err)
}

pub(crate) fn prune_sessions(c: &Connection, now: i64) -> StoreResult<u64> {
    c.execute("DELETE FROM web_sessions WHERE expires_at <= ?1", [now])
        .map(|n| n as u64)
        .map_err(db_err)
}

pub(crate) fn add_report(c: &Connection, r: &PublicReport) -> StoreResult<()> {
    match c.execute(
        "INSERT INTO public_reports (tracking, category, text, contact, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![r.tracking, r.category, r.text, r.contact, r.created_at],
    ) {
        Ok(_) => Ok(()),
        Err(e) if unique_violation(&e) => Err(StoreError::Conflict(format!(
            "tracking number `{}` is taken",
            r.tracking
        ))),
        Err(e) => Err(db_err(e)),
    }
}

pub(crate) fn reports(c: &Connection, limit: usize) -> rusqlite::Result<Vec<PublicReport>> {
    let mut stmt = c.prepare(
        "SELECT tracking, category, text, contact, created_at FROM public_reports \
         ORDER BY created_at DESC, tracking DESC LIMIT ?1",
    )?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    stmt.query_map([limit], |r| {
        Ok(PublicReport {
            tracking: r.get(0)?,
            category: r.get(1)?,
            text: r.get(2)?,
            contact: r.get(3)?,
            created_at: r.get(4)?,
        })
    })?
    .collect()
}
