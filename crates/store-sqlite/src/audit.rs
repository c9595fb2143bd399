//! The audit log, in its own database file next to the main one (`renkei.audit.db` beside
//! `renkei.db`): SQLite has one writer per database, and audit entries must not wait for a
//! long import to finish.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use renkei_model::audit::{AuditCheckpoint, AuditEntry, AuditEvent, GENESIS, chain};
use renkei_store::StoreResult;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use crate::db_err;

const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../migrations/audit/0001_audit.sql"))];

pub(crate) struct AuditDb {
    conn: Mutex<Connection>,
}

/// Where the audit database of the store at `path` lives.
pub fn audit_path(path: &Path) -> PathBuf {
    path.with_extension("audit.db")
}

impl AuditDb {
    pub(crate) fn open(path: &Path) -> rusqlite::Result<Self> {
        let conn = crate::pool::open(path, true)?;
        // The main database has a checkpointer thread; the audit log's one small writer lets
        // SQLite checkpoint its WAL itself, so the file does not grow without bound.
        conn.execute_batch("PRAGMA wal_autocheckpoint = 1000;")?;
        Ok(AuditDb {
            conn: Mutex::new(conn),
        })
    }

    pub(crate) fn with<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> StoreResult<R>,
    ) -> StoreResult<R> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn)
    }
}

pub(crate) fn migrate(conn: &mut Connection, now: i64) -> rusqlite::Result<()> {
    crate::migrate::apply(conn, MIGRATIONS, now)
}

/// A stored hash. One that is not 32 bytes long (tampering) reads as all `0xff` — never a
/// real hash nor the genesis value — so `renkei verify audit` names the entry instead of
/// failing to read it.
fn hash32(bytes: Vec<u8>) -> [u8; 32] {
    bytes.try_into().unwrap_or([0xff; 32])
}

pub(crate) fn append(conn: &mut Connection, events: &[AuditEvent]) -> StoreResult<Vec<AuditEntry>> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_err)?;
    let head: Option<(i64, Vec<u8>)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db_err)?;
    let (seq, hash) = match head {
        None => (0, GENESIS),
        Some((seq, hash)) => (seq, hash32(hash)),
    };
    let entries = chain(seq, hash, events);
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO audit_log (seq, at, actor_user, actor_org, action, subject, detail, prev_hash, hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .map_err(db_err)?;
        for e in &entries {
            insert
                .execute(params![
                    e.seq,
                    e.event.at,
                    e.event.actor_user,
                    e.event.actor_org,
                    e.event.action,
                    e.event.subject,
                    e.event.detail,
                    &e.prev_hash[..],
                    &e.hash[..]
                ])
                .map_err(db_err)?;
        }
    }
    tx.commit().map_err(db_err)?;
    Ok(entries)
}

fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let seq: i64 = r.get(0)?;
    Ok(AuditEntry {
        seq,
        event: AuditEvent {
            at: r.get(1)?,
            actor_user: r.get(2)?,
            actor_org: r.get(3)?,
            action: r.get(4)?,
            subject: r.get(5)?,
            detail: r.get(6)?,
        },
        prev_hash: hash32(r.get(7)?),
        hash: hash32(r.get(8)?),
    })
}

pub(crate) fn entries(conn: &Connection, after: i64, limit: usize) -> StoreResult<Vec<AuditEntry>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    conn.prepare_cached(
        "SELECT seq, at, actor_user, actor_org, action, subject, detail, prev_hash, hash FROM audit_log \
         WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )
    .and_then(|mut s| s.query_map(params![after, limit], entry_from_row)?.collect())
    .map_err(db_err)
}

pub(crate) fn add_checkpoint(conn: &Connection, c: &AuditCheckpoint) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO audit_checkpoints (seq, hash, at, key_id, signature) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (seq) DO NOTHING",
        params![c.seq, &c.hash[..], c.at, c.key_id, c.signature],
    )
    .map(drop)
    .map_err(db_err)
}

pub(crate) fn checkpoints(conn: &Connection) -> StoreResult<Vec<AuditCheckpoint>> {
    conn.prepare_cached(
        "SELECT seq, hash, at, key_id, signature FROM audit_checkpoints ORDER BY seq",
    )
    .and_then(|mut s| {
        s.query_map([], |r| {
            Ok(AuditCheckpoint {
                seq: r.get(0)?,
                hash: hash32(r.get(1)?),
                at: r.get(2)?,
                key_id: r.get(3)?,
                signature: r.get(4)?,
            })
        })?
        .collect()
    })
    .map_err(db_err)
}
