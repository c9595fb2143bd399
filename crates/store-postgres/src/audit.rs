//! The audit log: appends serialise on an advisory lock, so processes sharing the database
//! extend one chain.

use deadpool_postgres::GenericClient;
use renkei_model::audit::{AuditCheckpoint, AuditEntry, AuditEvent, GENESIS, chain};
use renkei_store::StoreResult;
use tokio_postgres::Row;

use crate::{AUDIT_LOCK, db_err};

/// A stored hash. One that is not 32 bytes long (tampering) reads as all `0xff` — never a
/// real hash nor the genesis value — so `renkei verify audit` names the entry instead of
/// failing to read it.
fn hash32(bytes: &[u8]) -> [u8; 32] {
    bytes.try_into().unwrap_or([0xff; 32])
}

pub(crate) async fn append(
    tx: &deadpool_postgres::Transaction<'_>,
    events: &[AuditEvent],
) -> StoreResult<Vec<AuditEntry>> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&AUDIT_LOCK])
        .await
        .map_err(db_err)?;
    let head = tx
        .query_opt(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            &[],
        )
        .await
        .map_err(db_err)?;
    let (seq, hash) = match head {
        None => (0, GENESIS),
        Some(r) => {
            let seq: i64 = r.get(0);
            (seq, hash32(r.get(1)))
        }
    };
    let entries = chain(seq, hash, events);
    let mut seqs = Vec::with_capacity(entries.len());
    let mut at = Vec::with_capacity(entries.len());
    let mut users = Vec::with_capacity(entries.len());
    let mut orgs = Vec::with_capacity(entries.len());
    let mut actions = Vec::with_capacity(entries.len());
    let mut subjects = Vec::with_capacity(entries.len());
    let mut details = Vec::with_capacity(entries.len());
    let mut prevs = Vec::with_capacity(entries.len());
    let mut hashes = Vec::with_capacity(entries.len());
    for e in &entries {
        seqs.push(e.seq);
        at.push(e.event.at);
        users.push(e.event.actor_user.as_deref());
        orgs.push(e.event.actor_org.as_deref());
        actions.push(e.event.action.as_str());
        subjects.push(e.event.subject.as_str());
        details.push(e.event.detail.as_str());
        prevs.push(&e.prev_hash[..]);
        hashes.push(&e.hash[..]);
    }
    tx.execute(
        "INSERT INTO audit_log (seq, at, actor_user, actor_org, action, subject, detail, prev_hash, hash) \
         SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bytea[], $9::bytea[])",
        &[&seqs, &at, &users, &orgs, &actions, &subjects, &details, &prevs, &hashes],
    )
    .await
    .map_err(db_err)?;
    Ok(entries)
}

fn entry_from_row(r: &Row) -> AuditEntry {
    AuditEntry {
        seq: r.get(0),
        event: AuditEvent {
            at: r.get(1),
            actor_user: r.get(2),
            actor_org: r.get(3),
            action: r.get(4),
            subject: r.get(5),
            detail: r.get(6),
        },
        prev_hash: hash32(r.get(7)),
        hash: hash32(r.get(8)),
    }
}

pub(crate) async fn entries(
    c: &impl GenericClient,
    after: i64,
    limit: usize,
) -> StoreResult<Vec<AuditEntry>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = c
        .query(
        "SELECT seq, at, actor_user, actor_org, action, subject, detail, prev_hash, hash FROM audit_log \
         WHERE seq > $1 ORDER BY seq LIMIT $2",
        &[&after, &limit],
    )
    .await
    .map_err(db_err)?;
    Ok(rows.iter().map(entry_from_row).collect())
}

pub(crate) async fn add_checkpoint(
    c: &impl GenericClient,
    cp: &AuditCheckpoint,
) -> StoreResult<()> {
    c.execute(
        "INSERT INTO audit_checkpoints (seq, hash, at, key_id, signature) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (seq) DO NOTHING",
        &[&cp.seq, &&cp.hash[..], &cp.at, &cp.key_id, &cp.signature],
    )
    .await
    .map(drop)
    .map_err(db_err)
}

pub(crate) async fn checkpoints(c: &impl GenericClient) -> StoreResult<Vec<AuditCheckpoint>> {
    c.query(
        "SELECT seq, hash, at, key_id, signature FROM audit_checkpoints ORDER BY seq",
        &[],
    )
    .await
    .map_err(db_err)?
    .iter()
    .map(|r| {
        Ok(AuditCheckpoint {
            seq: r.get(0),
            hash: hash32(r.get(1)),
            at: r.get(2),
            key_id: r.get(3),
            signature: r.get(4),
        })
    })
    .collect()
}
