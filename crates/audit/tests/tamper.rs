//! Tampering with the stored audit log, byte by byte, on both backends: every column of every
//! entry and checkpoint is altered in turn (by reaching into the database directly, as an
//! attacker with database access would), `verify` must name the altered entry or checkpoint,
//! and once the value is restored the log must verify as intact again. Deleted entries too.
//!
//! PostgreSQL needs `RENKEI_TEST_POSTGRES_URL`; without it that test passes vacuously, unless
//! `RENKEI_REQUIRE_POSTGRES=1` (CI) makes it fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use renkei_audit::{AuditConfig, Auditor, CheckpointSigner, Report, register_key, verify};
use renkei_model::audit::{AuditEntry, AuditEvent, chain};
use renkei_store::Store;
use renkei_store_postgres::PostgresStore;
use renkei_store_sqlite::SqliteStore;

const T0: i64 = 1_780_000_000_000_000;
const ENTRIES: i64 = 30;
const CHECKPOINT_EVERY: u64 = 10;

/// How a column is stored.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Int,
    Text,
    Blob,
}

const ENTRY_COLUMNS: &[(&str, Kind)] = &[
    ("seq", Kind::Int),
    ("at", Kind::Int),
    ("actor_user", Kind::Text),
    ("actor_org", Kind::Text),
    ("action", Kind::Text),
    ("subject", Kind::Text),
    ("detail", Kind::Text),
    ("prev_hash", Kind::Blob),
    ("hash", Kind::Blob),
];

const CHECKPOINT_COLUMNS: &[(&str, Kind)] = &[
    ("seq", Kind::Int),
    ("hash", Kind::Blob),
    ("at", Kind::Int),
    ("key_id", Kind::Text),
    ("signature", Kind::Blob),
];

#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

/// Direct access to the audit tables, around the store.
enum Raw {
    Sqlite(rusqlite::Connection),
    Postgres(tokio_postgres::Client),
}

impl Raw {
    async fn get(&self, table: &str, column: &str, kind: Kind, seq: i64) -> Cell {
        let sql = format!("SELECT {column} FROM {table} WHERE seq = $1");
        match self {
            Raw::Sqlite(c) => {
                let v: rusqlite::types::Value = c.query_row(&sql, [seq], |r| r.get(0)).unwrap();
                match v {
                    rusqlite::types::Value::Null => Cell::Null,
                    rusqlite::types::Value::Integer(n) => Cell::Int(n),
                    rusqlite::types::Value::Text(s) => Cell::Text(s),
                    rusqlite::types::Value::Blob(b) => Cell::Blob(b),
                    rusqlite::types::Value::Real(r) => panic!("unexpected real {r}"),
                }
            }
            Raw::Postgres(c) => {
                let row = c.query_one(&sql, &[&seq]).await.unwrap();
                let cell = match kind {
                    Kind::Int => row.get::<_, Option<i64>>(0).map(Cell::Int),
                    Kind::Text => row.get::<_, Option<String>>(0).map(Cell::Text),
                    Kind::Blob => row.get::<_, Option<Vec<u8>>>(0).map(Cell::Blob),
                };
                cell.unwrap_or(Cell::Null)
            }
        }
    }

    async fn set(&self, table: &str, column: &str, kind: Kind, seq: i64, value: &Cell) {
        let sql = format!("UPDATE {table} SET {column} = $1 WHERE seq = $2");
        let changed = match self {
            Raw::Sqlite(c) => c
                .execute(&sql, rusqlite::params![sqlite_value(value), seq])
                .unwrap() as u64,
            Raw::Postgres(c) => {
                let v = pg_value(value, kind);
                c.execute(&sql, &[v.as_ref(), &seq]).await.unwrap()
            }
        };
        assert_eq!(changed, 1, "{table}.{column} of {seq}");
    }

    async fn row(&self, table: &str, columns: &[(&str, Kind)], seq: i64) -> Vec<Cell> {
        let mut cells = Vec::new();
        for (column, kind) in columns {
            cells.push(self.get(table, column, *kind, seq).await);
        }
        cells
    }

    async fn delete(&self, table: &str, seq: i64) {
        let sql = format!("DELETE FROM {table} WHERE seq = $1");
        let n = match self {
            Raw::Sqlite(c) => c.execute(&sql, [seq]).unwrap() as u64,
            Raw::Postgres(c) => c.execute(&sql, &[&seq]).await.unwrap(),
        };
        assert_eq!(n, 1);
    }

    async fn insert(&self, table: &str, columns: &[(&str, Kind)], cells: &[Cell]) {
        let names: Vec<_> = columns.iter().map(|(c, _)| *c).collect();
        let marks: Vec<_> = (1..=columns.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            marks.join(", ")
        );
        match self {
            Raw::Sqlite(c) => {
                let values: Vec<_> = cells.iter().map(sqlite_value).collect();
                c.execute(&sql, rusqlite::params_from_iter(values)).unwrap();
            }
            Raw::Postgres(c) => {
                let values: Vec<_> = cells
                    .iter()
                    .zip(columns)
                    .map(|(cell, (_, kind))| pg_value(cell, *kind))
                    .collect();
                let refs: Vec<_> = values.iter().map(|v| v.as_ref()).collect();
                c.execute(&sql, &refs).await.unwrap();
            }
        }
    }
}

fn sqlite_value(cell: &Cell) -> rusqlite::types::Value {
    match cell {
        Cell::Null => rusqlite::types::Value::Null,
        Cell::Int(n) => rusqlite::types::Value::Integer(*n),
        Cell::Text(s) => rusqlite::types::Value::Text(s.clone()),
        Cell::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
    }
}

fn pg_value(cell: &Cell, kind: Kind) -> Box<dyn tokio_postgres::types::ToSql + Sync> {
    match (cell, kind) {
        (Cell::Null, Kind::Int) => Box::new(None::<i64>),
        (Cell::Null, Kind::Text) => Box::new(None::<String>),
        (Cell::Null, Kind::Blob) => Box::new(None::<Vec<u8>>),
        (Cell::Int(n), _) => Box::new(*n),
        (Cell::Text(s), _) => Box::new(s.clone()),
        (Cell::Blob(b), _) => Box::new(b.clone()),
    }
}

/// The first, middle and last byte positions of a value `len` bytes long.
fn positions(len: usize) -> Vec<usize> {
    let mut p = vec![0, len / 2, len.saturating_sub(1)];
    p.dedup();
    p.retain(|&i| i < len);
    p
}

/// Altered versions of a stored value: one bit flipped at a few positions (text stays valid
/// UTF-8, as both databases insist), a shortened hash, a null for a present optional value,
/// a value for an absent one, another integer.
fn mutations(column: &str, cell: &Cell) -> Vec<(String, Cell)> {
    let mut out = Vec::new();
    match cell {
        Cell::Null => out.push(("null → value".to_owned(), Cell::Text("x".into()))),
        Cell::Int(n) => {
            let delta = if column == "seq" { 1000 } else { 1 };
            out.push((format!("{n} → {}", n + delta), Cell::Int(n + delta)));
        }
        Cell::Text(s) => {
            for i in positions(s.len()) {
                let mut bytes = s.clone().into_bytes();
                bytes[i] ^= 1;
                let altered = String::from_utf8(bytes).expect("the test data flips to valid UTF-8");
                out.push((format!("byte {i} flipped"), Cell::Text(altered)));
            }
            if column.starts_with("actor_") {
                out.push(("value → null".to_owned(), Cell::Null));
            }
        }
        Cell::Blob(b) => {
            for i in positions(b.len()) {
                let mut altered = b.clone();
                altered[i] ^= 1;
                out.push((format!("byte {i} flipped"), Cell::Blob(altered)));
            }
            out.push((
                "last byte removed".to_owned(),
                Cell::Blob(b[..b.len() - 1].to_vec()),
            ));
        }
    }
    out
}

fn event(n: i64) -> AuditEvent {
    AuditEvent {
        at: T0 + n,
        // Some entries without actors, so absent values are tampered with too.
        actor_user: (n % 4 != 0).then(|| format!("user-{n}")),
        actor_org: (n % 3 != 0).then(|| format!("org-{n}")),
        action: if n % 2 == 0 {
            "record.read"
        } else {
            "record.submit"
        }
        .into(),
        subject: format!("indicator--{n:08}-0000-4000-8000-000000000000"),
        detail: format!(r#"{{"n":{n},"tlp":"amber","note":"読み取り"}}"#),
    }
}

/// Writes the log through the auditor: one entry at a time, a checkpoint every ten.
async fn write_log(store: &Arc<dyn Store>) {
    let signer = CheckpointSigner::from_seed([42; 32]);
    register_key(store.as_ref(), &signer).await.unwrap();
    let now = Arc::new(AtomicI64::new(T0 + 1_000_000));
    let config = AuditConfig {
        checkpoint_every: CHECKPOINT_EVERY,
        clock: Arc::new(move || now.fetch_add(1, Ordering::Relaxed)),
    };
    let auditor = Auditor::start(store.clone(), Some(signer), config);
    for n in 1..=ENTRIES {
        auditor.record(event(n)).await.unwrap();
    }
    auditor.shutdown().await.unwrap();
    let seqs: Vec<_> = store
        .audit_checkpoints()
        .await
        .unwrap()
        .iter()
        .map(|c| c.seq)
        .collect();
    assert_eq!(seqs, vec![10, 20, 30]);
}

/// Stores `entries`' actions and hashes over those in the database.
async fn overwrite(raw: &Raw, entries: &[AuditEntry]) {
    for e in entries {
        let action = Cell::Text(e.event.action.clone());
        raw.set("audit_log", "action", Kind::Text, e.seq, &action)
            .await;
        let prev = Cell::Blob(e.prev_hash.to_vec());
        raw.set("audit_log", "prev_hash", Kind::Blob, e.seq, &prev)
            .await;
        let hash = Cell::Blob(e.hash.to_vec());
        raw.set("audit_log", "hash", Kind::Blob, e.seq, &hash).await;
    }
}

async fn check(store: &Arc<dyn Store>) -> Report {
    verify(store.as_ref(), None, |_, _| {}).await.unwrap()
}

async fn assert_intact(store: &Arc<dyn Store>, after: &str) {
    let r = check(store).await;
    assert_eq!(r.first_broken, None, "after {after}");
    assert_eq!(
        (r.entries, r.checkpoints, r.last_seq),
        (30, 3, 30),
        "after {after}"
    );
}

async fn tamper_everything(store: Arc<dyn Store>, raw: Raw) {
    write_log(&store).await;
    assert_intact(&store, "writing").await;
    let mut cases = 0;

    for seq in 1..=ENTRIES {
        for &(column, kind) in ENTRY_COLUMNS {
            let original = raw.get("audit_log", column, kind, seq).await;
            for (what, altered) in mutations(column, &original) {
                let case = format!("entry {seq}: {column} {what}");
                raw.set("audit_log", column, kind, seq, &altered).await;
                let broken = check(&store)
                    .await
                    .first_broken
                    .unwrap_or_else(|| panic!("not detected: {case}"));
                assert_eq!(broken.seq, seq, "{case}: {}", broken.reason);
                // After moving an entry's seq, it sits at the new seq: restore it from there.
                let at = match (column, &altered) {
                    ("seq", Cell::Int(n)) => *n,
                    _ => seq,
                };
                raw.set("audit_log", column, kind, at, &original).await;
                assert_intact(&store, &case).await;
                cases += 1;
            }
        }
    }

    for cp in [10, 20, 30] {
        for &(column, kind) in CHECKPOINT_COLUMNS {
            let original = raw.get("audit_checkpoints", column, kind, cp).await;
            for (what, altered) in mutations(column, &original) {
                let case = format!("checkpoint {cp}: {column} {what}");
                raw.set("audit_checkpoints", column, kind, cp, &altered)
                    .await;
                let broken = check(&store)
                    .await
                    .first_broken
                    .unwrap_or_else(|| panic!("not detected: {case}"));
                assert!(
                    broken.reason.starts_with("checkpoint"),
                    "{case}: {}",
                    broken.reason
                );
                let at = match (column, &altered) {
                    ("seq", Cell::Int(n)) => *n,
                    _ => cp,
                };
                assert_eq!(broken.seq, at, "{case}: {}", broken.reason);
                raw.set("audit_checkpoints", column, kind, at, &original)
                    .await;
                assert_intact(&store, &case).await;
                cases += 1;
            }
        }
    }

    // Removed entries: the first, middle ones (one of them checkpointed) and the last, which
    // the checkpoint at 30 covers.
    for (seq, reason) in [
        (1, "missing"),
        (15, "missing"),
        (20, "missing"),
        (30, "removed from its end"),
    ] {
        let row = raw.row("audit_log", ENTRY_COLUMNS, seq).await;
        raw.delete("audit_log", seq).await;
        let broken = check(&store)
            .await
            .first_broken
            .unwrap_or_else(|| panic!("deleting entry {seq} not detected"));
        assert_eq!(broken.seq, seq, "{}", broken.reason);
        assert!(broken.reason.contains(reason), "{}", broken.reason);
        raw.insert("audit_log", ENTRY_COLUMNS, &row).await;
        assert_intact(&store, &format!("restoring entry {seq}")).await;
        cases += 1;
    }

    // Two entries swapped (each stays internally consistent, but not with its place).
    let (a, b) = (
        raw.row("audit_log", ENTRY_COLUMNS, 7).await,
        raw.row("audit_log", ENTRY_COLUMNS, 8).await,
    );
    raw.delete("audit_log", 7).await;
    raw.delete("audit_log", 8).await;
    let swapped = |mut row: Vec<Cell>, seq| {
        row[0] = Cell::Int(seq);
        row
    };
    raw.insert("audit_log", ENTRY_COLUMNS, &swapped(a.clone(), 8))
        .await;
    raw.insert("audit_log", ENTRY_COLUMNS, &swapped(b.clone(), 7))
        .await;
    assert_eq!(check(&store).await.first_broken.map(|b| b.seq), Some(7));
    raw.delete("audit_log", 7).await;
    raw.delete("audit_log", 8).await;
    raw.insert("audit_log", ENTRY_COLUMNS, &a).await;
    raw.insert("audit_log", ENTRY_COLUMNS, &b).await;
    assert_intact(&store, "unswapping").await;

    // The chain rewritten from entry 15 on, consistently, by someone without the signing key:
    // the checkpoint at 20 no longer agrees.
    let originals = store.audit_entries(14, 100).await.unwrap();
    let mut events: Vec<_> = originals.iter().map(|e| e.event.clone()).collect();
    events[0].action = "record.nothing_to_see".into();
    let rewritten = chain(14, originals[0].prev_hash, &events);
    overwrite(&raw, &rewritten).await;
    let broken = check(&store).await.first_broken.expect("rewrite detected");
    assert_eq!(broken.seq, 20, "{}", broken.reason);
    assert!(broken.reason.contains("rewritten"), "{}", broken.reason);
    overwrite(&raw, &originals).await;
    assert_intact(&store, "undoing the rewrite").await;

    // A removed checkpoint is not itself detectable (nothing refers to it), but the end it
    // pinned is: with entries 21–30 gone, the checkpoint at 30 still shows the truncation.
    let mut tail = Vec::new();
    for seq in (21..=ENTRIES).rev() {
        tail.push(raw.row("audit_log", ENTRY_COLUMNS, seq).await);
        raw.delete("audit_log", seq).await;
    }
    let broken = check(&store)
        .await
        .first_broken
        .expect("truncation detected");
    assert_eq!(broken.seq, 21, "{}", broken.reason);
    for row in tail.iter().rev() {
        raw.insert("audit_log", ENTRY_COLUMNS, row).await;
    }
    assert_intact(&store, "restoring the tail").await;

    assert!(cases > 30 * ENTRY_COLUMNS.len(), "{cases} cases");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampering_is_detected_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("renkei.db");
    let store = SqliteStore::open(&path).unwrap();
    store.migrate(T0, [7; 32]).await.unwrap();
    let raw = rusqlite::Connection::open(renkei_store_sqlite::audit_path(&path)).unwrap();
    tamper_everything(Arc::new(store), Raw::Sqlite(raw)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampering_is_detected_on_postgres() {
    let url = match std::env::var("RENKEI_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            assert!(
                std::env::var("RENKEI_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "RENKEI_REQUIRE_POSTGRES=1 but RENKEI_TEST_POSTGRES_URL is not set"
            );
            return;
        }
    };
    let (store, schema) = PostgresStore::scratch(&url, 4).await.unwrap();
    store.migrate(T0, [7; 32]).await.unwrap();
    let mut config = tokio_postgres::Config::from_str(&url).unwrap();
    config.options(format!("-c search_path={schema}"));
    let (client, conn) = config.connect(tokio_postgres::NoTls).await.unwrap();
    let task = tokio::spawn(conn);
    tamper_everything(Arc::new(store), Raw::Postgres(client)).await;
    task.abort();
    PostgresStore::drop_scratch(&url, &schema).await.unwrap();
}
