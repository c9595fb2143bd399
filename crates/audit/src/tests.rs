//! The auditor, key registration and verification on a scratch SQLite store. Tampering with
//! stored bytes, on both backends, is in `tests/tamper.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use renkei_model::audit::AuditEvent;
use renkei_store::Store;
use renkei_store_sqlite::SqliteStore;

use crate::*;

const T0: i64 = 1_780_000_000_000_000;

async fn scratch() -> (Arc<dyn Store>, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("renkei.db");
    let store = SqliteStore::open(&path).unwrap();
    store.migrate(T0, [7; 32]).await.unwrap();
    (Arc::new(store), renkei_store_sqlite::audit_path(&path), dir)
}

fn event(n: i64) -> AuditEvent {
    AuditEvent {
        at: T0 + n,
        actor_user: Some(format!("user-{n}")),
        actor_org: None,
        action: "record.read".into(),
        subject: format!("indicator--{n}"),
        detail: format!(r#"{{"n":{n}}}"#),
    }
}

/// A clock that ticks one µs per reading.
fn test_clock() -> Clock {
    let now = Arc::new(AtomicI64::new(T0));
    Arc::new(move || now.fetch_add(1, Ordering::Relaxed))
}

fn config(every: u64) -> AuditConfig {
    AuditConfig {
        checkpoint_every: every,
        clock: test_clock(),
    }
}

fn signer() -> CheckpointSigner {
    CheckpointSigner::from_seed([5; 32])
}

async fn started(store: &Arc<dyn Store>, every: u64) -> Auditor {
    register_key(store.as_ref(), &signer()).await.unwrap();
    Auditor::start(store.clone(), Some(signer()), config(every))
}

async fn report(store: &Arc<dyn Store>) -> Report {
    verify(store.as_ref(), None, |_, _| {}).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_chain() {
    let (store, _, _dir) = scratch().await;
    let auditor = started(&store, 10).await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let auditor = auditor.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            for n in 0..25 {
                let e = event(t * 100 + n);
                let entry = auditor.record(e.clone()).await.unwrap();
                assert_eq!(entry.event, e, "each caller gets its own entry");
                mine.push(entry.seq);
            }
            mine
        }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        let mine = t.await.unwrap();
        assert!(
            mine.windows(2).all(|w| w[0] < w[1]),
            "a caller's events stay in order"
        );
        seqs.extend(mine);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=200).collect::<Vec<_>>());
    auditor.flush().await.unwrap();

    let r = report(&store).await;
    assert_eq!(r.first_broken, None);
    assert_eq!((r.entries, r.last_seq), (200, 200));
    let checkpoints = store.audit_checkpoints().await.unwrap();
    assert!(
        checkpoints.len() >= 2,
        "periodic checkpoints were written: {checkpoints:?}"
    );
    assert_eq!(checkpoints.last().unwrap().seq, 200, "flush pins the head");
    assert_eq!(r.latest_checkpoint.as_ref(), checkpoints.last());
    assert_eq!(r.checkpoints, checkpoints.len() as u64);
}

#[tokio::test]
async fn checkpoints_every_n_entries() {
    let (store, _, _dir) = scratch().await;
    let auditor = started(&store, 10).await;
    for n in 1..=25 {
        auditor.record(event(n)).await.unwrap();
    }
    let seqs: Vec<_> = store
        .audit_checkpoints()
        .await
        .unwrap()
        .iter()
        .map(|c| c.seq)
        .collect();
    assert_eq!(
        seqs,
        vec![10, 20],
        "one at a time, each multiple is checkpointed"
    );
    auditor.flush().await.unwrap();
    auditor.flush().await.unwrap();
    let cps = store.audit_checkpoints().await.unwrap();
    assert_eq!(
        cps.iter().map(|c| c.seq).collect::<Vec<_>>(),
        vec![10, 20, 25]
    );
    assert!(
        cps.windows(2).all(|w| w[0].at < w[1].at),
        "times come from the clock"
    );
    assert_eq!(cps[0].key_id, signer().key_id());

    let batch = auditor
        .record_all((26..=40).map(event).collect())
        .await
        .unwrap();
    assert_eq!(
        batch.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (26..=40).collect::<Vec<_>>()
    );
    assert_eq!(
        store.audit_checkpoints().await.unwrap().last().unwrap().seq,
        40,
        "a batch reaching a multiple is checkpointed at its last entry"
    );
    assert!(report(&store).await.intact());
}

#[tokio::test]
async fn without_a_signer_there_are_no_checkpoints() {
    let (store, _, _dir) = scratch().await;
    let auditor = Auditor::start(store.clone(), None, config(2));
    auditor
        .record_all((1..=5).map(event).collect())
        .await
        .unwrap();
    auditor.flush().await.unwrap();
    assert!(store.audit_checkpoints().await.unwrap().is_empty());
    let r = report(&store).await;
    assert!(r.intact());
    assert_eq!((r.entries, r.checkpoints), (5, 0));
}

#[tokio::test]
async fn shutdown_closes_every_handle() {
    let (store, _, _dir) = scratch().await;
    let auditor = started(&store, 1000).await;
    let other = auditor.clone();
    auditor.record(event(1)).await.unwrap();
    auditor.shutdown().await.unwrap();
    assert_eq!(
        store
            .audit_checkpoints()
            .await
            .unwrap()
            .last()
            .map(|c| c.seq),
        Some(1),
        "shutdown flushes"
    );
    assert!(matches!(
        other.record(event(2)).await,
        Err(AuditError::Closed)
    ));
    assert!(matches!(
        other.record_all(Vec::new()).await,
        Err(AuditError::Closed)
    ));
    assert!(matches!(other.flush().await, Err(AuditError::Closed)));
    other.shutdown().await.unwrap();
    assert_eq!(report(&store).await.entries, 1);
}

#[tokio::test]
async fn dropping_every_handle_pins_the_head() {
    let (store, _, _dir) = scratch().await;
    let auditor = started(&store, 1000).await;
    auditor.record(event(1)).await.unwrap();
    drop(auditor);
    for _ in 0..2000 {
        if !store.audit_checkpoints().await.unwrap().is_empty() {
            return;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("no checkpoint after the last handle was dropped");
}

#[tokio::test]
async fn store_failures_reach_the_callers() {
    let (store, audit_db, _dir) = scratch().await;
    let auditor = started(&store, 1000).await;
    auditor.record(event(1)).await.unwrap();
    let raw = rusqlite::Connection::open(&audit_db).unwrap();
    raw.execute_batch("DROP TABLE audit_checkpoints").unwrap();
    auditor.record(event(2)).await.unwrap();
    let e = auditor.flush().await.unwrap_err();
    assert_eq!(
        e.code(),
        "audit_store",
        "a checkpoint failure is reported by flush: {e}"
    );
    raw.execute_batch("ALTER TABLE audit_log RENAME TO gone")
        .unwrap();
    let e = auditor.record(event(3)).await.unwrap_err();
    assert!(matches!(e, AuditError::Store(_)), "{e}");
    let e = auditor
        .record_all(vec![event(4), event(5)])
        .await
        .unwrap_err();
    assert!(matches!(e, AuditError::Store(_)), "{e}");
    raw.execute_batch("ALTER TABLE gone RENAME TO audit_log")
        .unwrap();
    assert_eq!(
        auditor.record(event(6)).await.unwrap().seq,
        3,
        "it recovers"
    );
}

#[tokio::test]
async fn a_second_key_is_refused() {
    let (store, _, _dir) = scratch().await;
    register_key(store.as_ref(), &signer()).await.unwrap();
    register_key(store.as_ref(), &signer()).await.unwrap();
    let other = CheckpointSigner::from_seed([6; 32]);
    match register_key(store.as_ref(), &other).await {
        Err(AuditError::KeyMismatch { registered, ours }) => {
            assert_eq!(registered, signer().key_id());
            assert_eq!(ours, other.key_id());
        }
        other => panic!("expected a key mismatch, got {other:?}"),
    }
    assert_eq!(
        registered_key(store.as_ref()).await.unwrap(),
        Some(signer().verifying_key())
    );
}

#[tokio::test]
async fn verification_pages_and_reports_progress() {
    let (store, _, _dir) = scratch().await;
    let empty = report(&store).await;
    assert!(empty.intact());
    assert_eq!((empty.entries, empty.last_seq), (0, 0));
    assert_eq!(empty.last_hash_hex, "0".repeat(64));

    let auditor = started(&store, 10).await;
    let entries = auditor
        .record_all((1..=30).map(event).collect())
        .await
        .unwrap();
    auditor.flush().await.unwrap();
    let mut calls = Vec::new();
    let options = VerifyOptions {
        page_size: 7,
        ..VerifyOptions::default()
    };
    let r = verify_with(store.as_ref(), &options, |done, total| {
        calls.push((done, total))
    })
    .await
    .unwrap();
    assert!(r.intact(), "{r:?}");
    assert_eq!(r.last_hash_hex, hex::encode(entries[29].hash));
    assert_eq!(
        calls,
        vec![
            (0, Some(30)),
            (7, Some(30)),
            (14, Some(30)),
            (21, Some(30)),
            (28, Some(30)),
            (30, Some(30))
        ]
    );
}

#[tokio::test]
async fn checkpoints_need_the_right_key() {
    let (store, _, _dir) = scratch().await;
    // Checkpoints signed, but no key registered.
    let auditor = Auditor::start(store.clone(), Some(signer()), config(5));
    auditor
        .record_all((1..=5).map(event).collect())
        .await
        .unwrap();
    auditor.flush().await.unwrap();
    let broken = report(&store).await.first_broken.unwrap();
    assert_eq!(broken.seq, 5);
    assert!(broken.reason.contains("no public key"), "{}", broken.reason);
    // The right key, given explicitly.
    let r = verify(store.as_ref(), Some(signer().verifying_key()), |_, _| {})
        .await
        .unwrap();
    assert!(r.intact());
    // Another key.
    let other = CheckpointSigner::from_seed([6; 32]).verifying_key();
    let broken = verify(store.as_ref(), Some(other), |_, _| {})
        .await
        .unwrap()
        .first_broken
        .unwrap();
    assert_eq!(broken.seq, 5);
    assert!(broken.reason.contains("signing key"), "{}", broken.reason);
}

#[tokio::test]
async fn an_exported_checkpoint_catches_truncation() {
    let (store, audit_db, _dir) = scratch().await;
    let auditor = started(&store, 10).await;
    let entries = auditor
        .record_all((1..=12).map(event).collect())
        .await
        .unwrap();
    // Checkpoint at 12 (the batch reached 10); then two more entries, not yet checkpointed.
    let tail = auditor
        .record_all(vec![event(13), event(14)])
        .await
        .unwrap();
    let anchor = Anchor {
        seq: 14,
        hash: tail[1].hash,
    };
    let raw = rusqlite::Connection::open(&audit_db).unwrap();
    raw.execute("DELETE FROM audit_log WHERE seq > 12", [])
        .unwrap();
    assert!(
        report(&store).await.intact(),
        "the documented limitation: truncation after the last checkpoint goes unseen"
    );
    let options = VerifyOptions {
        anchor: Some(anchor),
        ..VerifyOptions::default()
    };
    let broken = verify_with(store.as_ref(), &options, |_, _| {})
        .await
        .unwrap()
        .first_broken
        .unwrap();
    assert_eq!(broken.seq, 13);
    assert!(
        broken.reason.contains("removed from its end"),
        "{}",
        broken.reason
    );
    let wrong = VerifyOptions {
        anchor: Some(Anchor {
            seq: 3,
            hash: entries[3].hash,
        }),
        ..VerifyOptions::default()
    };
    let broken = verify_with(store.as_ref(), &wrong, |_, _| {})
        .await
        .unwrap()
        .first_broken
        .unwrap();
    assert_eq!(broken.seq, 3);
}

#[tokio::test]
async fn last_seq_finds_the_end_across_gaps() {
    let (store, audit_db, _dir) = scratch().await;
    assert_eq!(last_seq(store.as_ref()).await.unwrap(), 0);
    store
        .append_audit(&(1..=3000).map(event).collect::<Vec<_>>())
        .await
        .unwrap();
    assert_eq!(last_seq(store.as_ref()).await.unwrap(), 3000);
    for hint in [1, 10, 2999, 3000, 3001, 100_000] {
        assert_eq!(
            verify::last_seq_near(store.as_ref(), hint).await.unwrap(),
            3000,
            "hint {hint}"
        );
    }
    let raw = rusqlite::Connection::open(&audit_db).unwrap();
    raw.execute(
        "DELETE FROM audit_log WHERE seq BETWEEN 1 AND 1500 OR seq BETWEEN 2000 AND 2999",
        [],
    )
    .unwrap();
    assert_eq!(last_seq(store.as_ref()).await.unwrap(), 3000);
    raw.execute("DELETE FROM audit_log WHERE seq = 3000", [])
        .unwrap();
    assert_eq!(last_seq(store.as_ref()).await.unwrap(), 1999);
}

#[test]
fn anchors_round_trip_as_text() {
    let a = Anchor {
        seq: 42,
        hash: [0xab; 32],
    };
    assert_eq!(a.to_string(), format!("42:{}", "ab".repeat(32)));
    assert_eq!(a.to_string().parse::<Anchor>().unwrap(), a);
    for bad in [
        "42",
        "0:00",
        &format!("-1:{}", "ab".repeat(32)),
        &format!("x:{}", "ab".repeat(32)),
        "42:abcd",
    ] {
        assert!(bad.parse::<Anchor>().is_err(), "{bad}");
    }
}
