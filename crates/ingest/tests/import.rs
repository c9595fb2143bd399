//! `import_bundle` on the embedded store, with bundles larger than the first chunks the
//! importer validates while it is still parsing: markings defined late in the file, a bundle
//! found broken only after its objects, and a refusal far into the file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure

use std::sync::Arc;

use renkei_ingest::{Arrival, Fate, ImportError, ImportProgress, import_bundle};
use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use renkei_model::handling::{Classification, Sector};
use renkei_model::ids::{OrgId, SubmissionId, UserId};
use renkei_model::stix::renkei_handling::RENKEI_HANDLING_EXTENSION_ID;
use renkei_policy::Identity;
use renkei_store::{NewOrg, NewUser, Store};
use renkei_store_sqlite::SqliteStore;
use serde_json::{Value, json};
use uuid::Uuid;

const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const STATEMENT: &str = "marking-definition--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
/// Objects in each test bundle: several of the importer's chunks.
const OBJECTS: usize = 12_000;

struct Fixture {
    store: Arc<dyn Store>,
    submitter: Identity,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("renkei.db")).unwrap());
    store.migrate(1, [7; 32]).await.unwrap();
    let org = store
        .create_org(&NewOrg {
            id: OrgId::from_uuid(Uuid::new_v4()),
            name: "Import Bank".into(),
            kind: OrgKind::Industry,
            sector: Sector::new("finance").ok(),
            tier: Tier::A,
            status: OrgStatus::Active,
            created_at: 1,
        })
        .await
        .unwrap();
    let user = store
        .create_user(&NewUser {
            id: UserId::from_uuid(Uuid::new_v4()),
            org: org.id,
            login: "importer".into(),
            display_name: None,
            password_hash: None,
            role: Role::Contributor,
            clearance: Classification::new(1).unwrap(),
            created_at: 1,
        })
        .await
        .unwrap();
    let submitter = store.identity(user.id).await.unwrap().unwrap();
    Fixture {
        store,
        submitter,
        _dir: dir,
    }
}

fn indicator(i: usize, markings: &[&str]) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": format!("indicator--{}", Uuid::new_v4()),
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
        "name": format!("C2 {i}"), "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
        "pattern": format!("[ipv4-addr:value = '45.{}.{}.{}']", (i >> 16) & 255, (i >> 8) & 255, i & 255),
        "object_marking_refs": markings,
    })
}

fn statement() -> Value {
    json!({"type":"marking-definition","spec_version":"2.1","id":STATEMENT,"created":"2026-01-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"© 2026 Import Bank"}})
}

/// A bundle file's bytes; `tail` goes after `objects` (properties and the closing brace).
fn bundle(objects: &[Value], tail: &str) -> Vec<u8> {
    let objects: Vec<String> = objects.iter().map(Value::to_string).collect();
    format!(
        "{{\"objects\":[{}],\"type\":\"bundle\",\"id\":\"bundle--{}\"{tail}",
        objects.join(","),
        Uuid::new_v4()
    )
    .into_bytes()
}

async fn import(
    f: &Fixture,
    bytes: Vec<u8>,
) -> (Result<renkei_ingest::ImportOutcome, ImportError>, u64) {
    let progress = Arc::new(ImportProgress::default());
    let arrival = Arrival {
        id: SubmissionId::from_uuid(Uuid::new_v4()),
        channel: "import",
        media_type: "application/stix+json;version=2.1",
        bytes: bytes.into(),
        received_at: 1_800_000_000_000_000,
    };
    let outcome = import_bundle(f.store.clone(), &f.submitter, arrival, progress.clone()).await;
    let objects = progress.objects.load(std::sync::atomic::Ordering::Relaxed);
    (outcome, objects)
}

async fn records(f: &Fixture) -> u64 {
    f.store.stats().await.unwrap().records
}

#[tokio::test]
async fn markings_defined_late_in_the_file_resolve() {
    let f = fixture().await;
    let mut objects: Vec<Value> = (0..OBJECTS)
        .map(|i| {
            indicator(
                i,
                if i % 1000 == 0 {
                    &[STATEMENT]
                } else {
                    &[TLP_GREEN]
                },
            )
        })
        .collect();
    objects.push(statement());
    let (outcome, counted) = import(&f, bundle(&objects, "}")).await;
    let outcome = outcome.unwrap();
    assert!(outcome.committed, "{:?}", outcome.refusals);
    assert_eq!(counted, objects.len() as u64);
    assert_eq!(outcome.fates.len(), objects.len());
    assert!(outcome.fates.iter().all(Fate::is_success));
    assert_eq!(records(&f).await, objects.len() as u64);
}

#[tokio::test]
async fn a_bundle_broken_after_its_objects_stores_nothing() {
    let f = fixture().await;
    let objects: Vec<Value> = (0..OBJECTS).map(|i| indicator(i, &[TLP_GREEN])).collect();
    for tail in [
        ",\"spec_version\":\"2.0\"}",
        "}, trailing",
        ",\"type\":\"bundle\"}",
        ",",
    ] {
        let (outcome, _) = import(&f, bundle(&objects, tail)).await;
        assert!(
            matches!(outcome, Err(ImportError::NotABundle(_))),
            "{tail}: {outcome:?}"
        );
        assert_eq!(records(&f).await, 0, "{tail}");
    }
}

#[tokio::test]
async fn a_refusal_far_into_the_file_stores_nothing() {
    let f = fixture().await;
    let mut objects: Vec<Value> = (0..OBJECTS).map(|i| indicator(i, &[TLP_GREEN])).collect();
    objects[OBJECTS - 10]["pattern"] = json!("[ipv4-addr:value = ");
    let (outcome, _) = import(&f, bundle(&objects, "}")).await;
    let outcome = outcome.unwrap();
    assert!(!outcome.committed);
    assert_eq!(outcome.refusals.len(), 1);
    assert!(
        outcome.refusals[0].starts_with(&format!("objects/{}/pattern", OBJECTS - 10)),
        "{:?}",
        outcome.refusals
    );
    assert_eq!(records(&f).await, 0);
}

/// A Renkei handling marking definition with this audience.
fn handling_marking(audience: &[&str]) -> Value {
    json!({
        "type": "marking-definition", "spec_version": "2.1", "id": HANDLING,
        "created": "2026-11-01T00:00:00.000Z",
        "extensions": { RENKEI_HANDLING_EXTENSION_ID: {
            "extension_type": "property-extension", "audience": audience
        } }
    })
}

const HANDLING: &str = "marking-definition--3b1e0c5a-2f4d-4e6a-8b9c-0d1e2f3a4b5c";

#[tokio::test]
async fn a_marking_defined_twice_differently_refuses_the_file() {
    let f = fixture().await;
    // Objects marked with it come before, between and after the two definitions, in
    // different chunks: whichever definition each would have seen, nothing is stored.
    let mut objects: Vec<Value> = (0..OBJECTS)
        .map(|i| {
            indicator(
                i,
                if i % 1000 == 0 {
                    &[HANDLING]
                } else {
                    &[TLP_GREEN]
                },
            )
        })
        .collect();
    objects.insert(2_000, handling_marking(&["sector:finance"]));
    objects.insert(9_000, handling_marking(&["members"]));
    let (outcome, _) = import(&f, bundle(&objects, "}")).await;
    let outcome = outcome.unwrap();
    assert!(!outcome.committed);
    assert!(
        outcome
            .refusals
            .iter()
            .any(|r| r.starts_with("objects/9000: marking definition")
                && r.contains("more than once")),
        "{:?}",
        outcome.refusals
    );
    assert!(
        outcome
            .refusals
            .iter()
            .any(|r| r.contains("object_marking_refs") && r.contains("more than once")),
        "{:?}",
        outcome.refusals
    );
    assert_eq!(records(&f).await, 0);

    // The same definition twice is one definition.
    objects[9_000] = handling_marking(&["sector:finance"]);
    let (outcome, _) = import(&f, bundle(&objects, "}")).await;
    let outcome = outcome.unwrap();
    assert!(outcome.committed, "{:?}", outcome.refusals);
}
