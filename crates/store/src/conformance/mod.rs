//! The storage conformance suite: every backend must pass every test here unchanged.
//!
//! Backends expand [`crate::conformance_tests!`] in their own test crate with an expression that
//! builds a fresh, migrated, empty store.

// Test support: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use renkei_model::handling::{
    Attribution, Audience, AudienceEntry, Classification, Handling, Pap, Sector, Tlp, Uses,
};
use renkei_model::ids::{OrgId, ProductId, StatusId, SubmissionId, TokenId, UserId};
use renkei_model::stix::{StixObject, Timestamp};
use renkei_policy::{Decision, Identity, Path, Principal, ReadScope, RecordMeta, decide};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::*;

mod charts;
mod feeds;
mod index;
mod notifications;
mod products;
mod trust;
mod web;
pub use charts::*;
pub use feeds::*;
pub use index::*;
pub use notifications::*;
pub use products::*;
pub use trust::*;
pub use web::*;

/// Expands one `#[tokio::test]` per conformance check. `$make` is an async expression that
/// yields `Some(Arc<dyn Store>)`, migrated and empty, or `None` when the backend is not
/// available here (the test then passes without running; CI makes every backend available).
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        $crate::conformance_tests!(@each $make;
            migrate_is_idempotent_and_keeps_the_key,
            organisations,
            users_and_identities,
            tokens,
            submissions_keep_their_bytes,
            date_added_is_strictly_increasing,
            duplicates_and_conflicts,
            versions_last_first_all_exact,
            unversioned_objects,
            filters_and_paging,
            two_providers_one_version,
            deletion,
            statuses,
            visible_ids,
            policy_filter_equals_decide,
            latest_visible_version_equals_model,
            streamed_ingest_is_all_or_nothing,
            membership_process,
            user_updates_and_token_revocation,
            organisation_default_handling,
            handling_is_read_back,
            provider_changes_handling,
            handling_change_keeps_one_copy_per_reader,
            audit_chain_and_checkpoints,
            settings_are_set_once,
            observable_index_and_counters,
            saturated_values_only_count,
            sightings_are_indexed,
            search_tokens_filters_and_scope,
            search_survives_handling_changes,
            hint_notices_queue,
            feed_rows_follow_versions_sightings_and_deletion,
            products_are_numbered_and_guarded,
            seminar_registrations_respect_capacity,
            period_summary_counts_and_names,
            subscriptions_are_kept_and_matched,
            notification_cursor_reads_new_records_once,
            inbox_pages_counts_and_deduplicates,
            web_sessions_expire_and_end,
            public_reports_are_kept,
            charts_count_and_link_what_the_reader_sees
        );
    };
    (@each $make:expr; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let store: Option<std::sync::Arc<dyn $crate::Store>> = $make.await;
                if let Some(store) = store {
                    $crate::conformance::$name(store).await;
                }
            }
        )*
    };
}

pub(crate) const T0: i64 = 1_780_000_000_000_000;

pub(crate) fn new_org(name: &str, kind: OrgKind, tier: Tier, sector: Option<&str>) -> NewOrg {
    NewOrg {
        id: OrgId::from_uuid(Uuid::new_v4()),
        name: name.to_owned(),
        kind,
        sector: sector.map(|s| Sector::new(s).expect("sector")),
        tier,
        status: OrgStatus::Active,
        created_at: T0,
    }
}

pub(crate) fn new_user(org: OrgId, login: &str) -> NewUser {
    NewUser {
        id: UserId::from_uuid(Uuid::new_v4()),
        org,
        login: login.to_owned(),
        display_name: Some("テスト 利用者".to_owned()),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".to_owned()),
        role: Role::Contributor,
        clearance: Classification::new(1).expect("clearance"),
        created_at: T0,
    }
}

pub(crate) fn provenance(org: &NewOrg) -> Provenance {
    Provenance {
        submission: SubmissionId::from_uuid(Uuid::new_v4()),
        provider: org.id,
        provider_kind: org.kind,
        provider_sector: org.sector.clone(),
    }
}

pub(crate) fn members(tlp: Tlp) -> Handling {
    Handling {
        tlp,
        audience: Audience::members(),
        classification: Classification::UNCLASSIFIED,
        uses: Uses::NONE,
        attribution: Attribution::Named,
        pap: Pap::Green,
    }
}

pub(crate) fn indicator_json(uuid: Uuid, modified: &str, name: &str) -> String {
    format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--{uuid}","created":"2026-01-01T00:00:00.000Z","modified":"{modified}","name":"{name}","pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}}"#
    )
}

pub(crate) fn record_from(json: &str, handling: Handling) -> NewRecord {
    NewRecord::new(StixObject::parse(json).expect("fixture object"), handling)
}

pub(crate) fn indicator(uuid: Uuid, modified: &str, handling: Handling) -> NewRecord {
    record_from(&indicator_json(uuid, modified, "テスト指標"), handling)
}

pub(crate) fn secretariat_scope() -> ReadScope {
    let me = Identity {
        user: UserId::from_uuid(Uuid::new_v4()),
        login: "sec".into(),
        org: OrgId::from_uuid(Uuid::new_v4()),
        org_kind: OrgKind::Secretariat,
        org_tier: Tier::None,
        org_sector: None,
        org_status: OrgStatus::Active,
        role: Role::Analyst,
        clearance: Classification::MAX,
        disabled: false,
        read_only: false,
    };
    ReadScope::of(&Principal::User(me), Path::Raw)
}

/// The raw-path scope of an unclassified reader of `org`.
pub(crate) fn reader(org: &NewOrg) -> ReadScope {
    member_scope(org, UserId::from_uuid(Uuid::new_v4()))
}

/// The raw-path scope of `user`, an unclassified reader of `org`.
pub(crate) fn member_scope(org: &NewOrg, user: UserId) -> ReadScope {
    ReadScope::of(
        &Principal::User(Identity {
            user,
            login: "r".into(),
            org: org.id,
            org_kind: org.kind,
            org_tier: org.tier,
            org_sector: org.sector.clone(),
            org_status: OrgStatus::Active,
            role: Role::Reader,
            clearance: Classification::UNCLASSIFIED,
            disabled: false,
            read_only: false,
        }),
        Path::Raw,
    )
}

pub(crate) fn query_all() -> RecordQuery {
    RecordQuery {
        versions: VersionFilter::all(),
        limit: 1_000_000,
        with_body: true,
        ..RecordQuery::default()
    }
}

pub(crate) async fn setup_provider(store: &Arc<dyn Store>, name: &str) -> (NewOrg, Provenance) {
    let org = new_org(name, OrgKind::Industry, Tier::A, Some("finance"));
    store.create_org(&org).await.expect("org");
    let p = provenance(&org);
    (org, p)
}

pub async fn migrate_is_idempotent_and_keeps_the_key(store: Arc<dyn Store>) {
    let key = store.server_key().await.expect("key");
    assert_eq!(key.len(), 32);
    store.migrate(T0, [9; 32]).await.expect("second migrate");
    assert_eq!(
        store.server_key().await.expect("key"),
        key,
        "migrate must not replace the key"
    );
    assert_eq!(store.stats().await.expect("stats"), StoreStats::default());
}

pub async fn organisations(store: Arc<dyn Store>) {
    let a = new_org(
        "警察庁 サイバー特別捜査部",
        OrgKind::LawEnforcement,
        Tier::None,
        None,
    );
    let created = store.create_org(&a).await.expect("create");
    assert_eq!(created.name, a.name);
    assert!(matches!(
        store
            .create_org(&NewOrg {
                id: OrgId::from_uuid(Uuid::new_v4()),
                ..a.clone()
            })
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.org(a.id).await.expect("get"), Some(created.clone()));
    assert_eq!(
        store.org_by_name(&a.name).await.expect("by name"),
        Some(created.clone())
    );
    assert_eq!(store.org_by_name("nobody").await.expect("by name"), None);
    let b = new_org("Alpha Bank", OrgKind::Industry, Tier::A, Some("finance"));
    store.create_org(&b).await.expect("create b");
    let names: Vec<String> = store
        .list_orgs()
        .await
        .expect("list")
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"Alpha Bank".to_owned()));
}

pub async fn users_and_identities(store: Arc<dyn Store>) {
    let org = new_org("Alpha Bank", OrgKind::Industry, Tier::A, Some("finance"));
    store.create_org(&org).await.expect("org");
    let u = new_user(org.id, "alice");
    let created = store.create_user(&u).await.expect("user");
    assert_eq!(created.login, "alice");
    assert!(matches!(
        store
            .create_user(&NewUser {
                id: UserId::from_uuid(Uuid::new_v4()),
                ..u.clone()
            })
            .await,
        Err(StoreError::Conflict(_))
    ));
    let ghost = new_user(OrgId::from_uuid(Uuid::new_v4()), "ghost");
    assert!(matches!(
        store.create_user(&ghost).await,
        Err(StoreError::NotFound(_))
    ));
    let (user, hash) = store
        .credentials("alice")
        .await
        .expect("creds")
        .expect("alice exists");
    assert_eq!(user, created);
    assert_eq!(hash, u.password_hash);
    assert_eq!(store.credentials("bob").await.expect("creds"), None);
    let id = store
        .identity(u.id)
        .await
        .expect("identity")
        .expect("exists");
    assert_eq!(id.org, org.id);
    assert_eq!(id.org_kind, OrgKind::Industry);
    assert_eq!(id.org_tier, Tier::A);
    assert_eq!(id.org_sector, org.sector);
    assert_eq!(id.org_status, OrgStatus::Active);
    assert!(!id.read_only);
    assert_eq!(store.list_users(Some(org.id)).await.expect("list").len(), 1);
    assert_eq!(
        store
            .identity(UserId::from_uuid(Uuid::new_v4()))
            .await
            .expect("identity"),
        None
    );
}

pub async fn tokens(store: Arc<dyn Store>) {
    let org = new_org("Alpha Bank", OrgKind::Industry, Tier::A, None);
    store.create_org(&org).await.expect("org");
    let u = new_user(org.id, "alice");
    store.create_user(&u).await.expect("user");
    let sha: [u8; 32] = Sha256::digest(b"rnk_secret").into();
    let t = NewToken {
        id: TokenId::from_uuid(Uuid::new_v4()),
        user: u.id,
        prefix: "rnk_abcd".into(),
        secret_sha256: sha,
        read_only: true,
        scope: TokenScope::Api,
        label: Some("SOC feed".into()),
        created_at: T0,
        expires_at: Some(T0 + 1),
    };
    let rec = store.create_token(&t).await.expect("token");
    assert_eq!(
        store.token_by_secret_hash(&sha).await.expect("lookup"),
        Some(rec)
    );
    assert_eq!(
        store.token_by_secret_hash(&[0; 32]).await.expect("lookup"),
        None
    );
    let orphan = NewToken {
        id: TokenId::from_uuid(Uuid::new_v4()),
        user: UserId::from_uuid(Uuid::new_v4()),
        secret_sha256: [1; 32],
        ..t
    };
    assert!(matches!(
        store.create_token(&orphan).await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn submissions_keep_their_bytes(store: Arc<dyn Store>) {
    let org = new_org("Alpha Bank", OrgKind::Industry, Tier::A, None);
    store.create_org(&org).await.expect("org");
    let u = new_user(org.id, "alice");
    store.create_user(&u).await.expect("user");
    let bytes = "{\"objects\": [ ] }\n\u{8a50}\u{6b3a}".as_bytes().to_vec();
    let s = NewSubmission {
        id: SubmissionId::from_uuid(Uuid::new_v4()),
        provider: org.id,
        user: u.id,
        received_at: T0,
        channel: "taxii".into(),
        media_type: "application/taxii+json;version=2.1".into(),
        sha256: Sha256::digest(&bytes).into(),
        bytes: bytes.clone().into(),
    };
    store.save_submission(&s).await.expect("save");
    let back = store.submission(s.id).await.expect("get").expect("exists");
    assert_eq!(back.bytes, bytes);
    assert_eq!(back.sha256, s.sha256);
    assert_eq!(back.provider, org.id);
    assert_eq!(store.stats().await.expect("stats").submissions, 1);
}

pub async fn date_added_is_strictly_increasing(store: Arc<dyn Store>) {
    let (_, prov) = setup_provider(&store, "A").await;
    let batch: Vec<NewRecord> = (0..50)
        .map(|_| {
            indicator(
                Uuid::new_v4(),
                "2026-01-01T00:00:00.000Z",
                members(Tlp::Green),
            )
        })
        .collect();
    // The same `now` for two batches: the second must still come after the first.
    let first = store.ingest(&prov, &batch, T0).await.expect("ingest");
    let batch2: Vec<NewRecord> = (0..50)
        .map(|_| {
            indicator(
                Uuid::new_v4(),
                "2026-01-01T00:00:00.000Z",
                members(Tlp::Green),
            )
        })
        .collect();
    let second = store.ingest(&prov, &batch2, T0).await.expect("ingest");
    let added: Vec<i64> = first
        .iter()
        .chain(&second)
        .map(|o| match o {
            IngestOutcome::Added { date_added, .. } => *date_added,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert!(added.windows(2).all(|w| w[0] < w[1]), "strictly increasing");
    assert!(added[0] >= T0);
    let rows = store
        .query_records(&secretariat_scope(), &query_all())
        .await
        .expect("query");
    assert_eq!(rows.len(), 100);
    assert_eq!(rows.iter().map(|r| r.date_added).collect::<Vec<_>>(), added);
}

pub async fn duplicates_and_conflicts(store: Arc<dyn Store>) {
    let (_, prov) = setup_provider(&store, "A").await;
    let id = Uuid::new_v4();
    let rec = indicator(id, "2026-01-02T00:00:00.000Z", members(Tlp::Green));
    let out = store
        .ingest(&prov, std::slice::from_ref(&rec), T0)
        .await
        .expect("ingest");
    let IngestOutcome::Added {
        date_added,
        version,
    } = out[0].clone()
    else {
        panic!("{out:?}")
    };
    assert_eq!(version.to_stix(), "2026-01-02T00:00:00.000Z");
    let again = store
        .ingest(&prov, std::slice::from_ref(&rec), T0 + 10)
        .await
        .expect("ingest");
    assert_eq!(
        again,
        vec![IngestOutcome::Duplicate {
            version,
            date_added
        }]
    );
    let changed = record_from(
        &indicator_json(id, "2026-01-02T00:00:00.000Z", "別の名前"),
        members(Tlp::Green),
    );
    let conflict = store
        .ingest(&prov, &[changed], T0 + 20)
        .await
        .expect("ingest");
    assert_eq!(conflict, vec![IngestOutcome::Conflict { version }]);
    assert_eq!(store.stats().await.expect("stats").records, 1);
    // Within one batch too.
    let id2 = Uuid::new_v4();
    let a = indicator(id2, "2026-01-02T00:00:00.000Z", members(Tlp::Green));
    let out = store
        .ingest(&prov, &[a.clone(), a], T0 + 30)
        .await
        .expect("ingest");
    assert!(matches!(out[0], IngestOutcome::Added { .. }));
    assert!(matches!(out[1], IngestOutcome::Duplicate { .. }));
}

pub async fn versions_last_first_all_exact(store: Arc<dyn Store>) {
    let (_, prov) = setup_provider(&store, "A").await;
    let id = Uuid::new_v4();
    // Versions arrive out of order: the middle one last.
    for m in [
        "2026-01-01T00:00:00.000Z",
        "2026-03-01T00:00:00.000Z",
        "2026-02-01T00:00:00.000Z",
    ] {
        store
            .ingest(&prov, &[indicator(id, m, members(Tlp::Green))], T0)
            .await
            .expect("ingest");
    }
    let scope = secretariat_scope();
    let versions = |vf: VersionFilter| {
        let store = store.clone();
        let scope = scope.clone();
        async move {
            let q = RecordQuery {
                versions: vf,
                limit: 100,
                ..RecordQuery::default()
            };
            store
                .query_records(&scope, &q)
                .await
                .expect("query")
                .into_iter()
                .map(|r| r.version.to_stix())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        versions(VersionFilter::default()).await,
        vec!["2026-03-01T00:00:00.000Z"]
    );
    assert_eq!(
        versions(VersionFilter {
            first: true,
            last: false,
            ..VersionFilter::default()
        })
        .await,
        vec!["2026-01-01T00:00:00.000Z"]
    );
    let both = versions(VersionFilter {
        first: true,
        last: true,
        ..VersionFilter::default()
    })
    .await;
    assert_eq!(
        both,
        vec!["2026-01-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"]
    );
    // In date_added order, not version order.
    assert_eq!(
        versions(VersionFilter::all()).await,
        vec![
            "2026-01-01T00:00:00.000Z",
            "2026-03-01T00:00:00.000Z",
            "2026-02-01T00:00:00.000Z"
        ]
    );
    let exact = Timestamp::parse("2026-02-01T00:00:00Z").expect("ts");
    assert_eq!(
        versions(VersionFilter {
            last: false,
            exact: vec![exact],
            ..VersionFilter::default()
        })
        .await,
        vec!["2026-02-01T00:00:00.000Z"]
    );
}

pub async fn unversioned_objects(store: Arc<dyn Store>) {
    let (_, prov) = setup_provider(&store, "A").await;
    let ip = record_from(
        r#"{"type":"ipv4-addr","id":"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4","value":"198.51.100.3"}"#,
        members(Tlp::Green),
    );
    assert_eq!(ip.version, None);
    let out = store
        .ingest(&prov, std::slice::from_ref(&ip), T0)
        .await
        .expect("ingest");
    let IngestOutcome::Added {
        version,
        date_added,
    } = out[0].clone()
    else {
        panic!("{out:?}")
    };
    assert_eq!(
        version.unix_micros(),
        date_added,
        "date_added stands in for the version"
    );
    let again = store
        .ingest(&prov, std::slice::from_ref(&ip), T0 + 5)
        .await
        .expect("ingest");
    assert_eq!(
        again,
        vec![IngestOutcome::Duplicate {
            version,
            date_added
        }]
    );
    let changed = record_from(
        r#"{"type":"ipv4-addr","id":"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4","value":"198.51.100.3","x_renkei_seen":"2026"}"#,
        members(Tlp::Green),
    );
    let out = store
        .ingest(&prov, &[changed], T0 + 5)
        .await
        .expect("ingest");
    assert!(
        matches!(out[0], IngestOutcome::Added { .. }),
        "different content is a new version"
    );
    let rows = store
        .query_records(
            &secretariat_scope(),
            &RecordQuery {
                limit: 10,
                with_body: true,
                ..RecordQuery::default()
            },
        )
        .await
        .expect("query");
    assert_eq!(rows.len(), 1, "only the latest by default");
    assert!(
        rows[0]
            .body
            .as_deref()
            .unwrap_or("")
            .contains("x_renkei_seen")
    );
}

pub async fn filters_and_paging(store: Arc<dyn Store>) {
    let (_, prov) = setup_provider(&store, "A").await;
    let mut batch: Vec<NewRecord> = (0..30)
        .map(|_| {
            indicator(
                Uuid::new_v4(),
                "2026-01-01T00:00:00.000Z",
                members(Tlp::Green),
            )
        })
        .collect();
    batch.push(record_from(
        r#"{"type":"malware","spec_version":"2.1","id":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Emotet","is_family":true}"#,
        members(Tlp::Green),
    ));
    store.ingest(&prov, &batch, T0).await.expect("ingest");
    let scope = secretariat_scope();
    let page = |q: RecordQuery| {
        let store = store.clone();
        let scope = scope.clone();
        async move { store.query_records(&scope, &q).await.expect("query") }
    };
    let first = page(RecordQuery {
        limit: 10,
        ..RecordQuery::default()
    })
    .await;
    assert_eq!(
        first.len(),
        11,
        "limit + 1 rows tell the caller there is more"
    );
    assert!(first.iter().all(|r| r.body.is_none()));
    let rest = page(RecordQuery {
        limit: 100,
        added_after: Some(first[9].date_added),
        ..RecordQuery::default()
    })
    .await;
    assert_eq!(rest.len(), 21);
    assert!(rest[0].date_added > first[9].date_added);
    let malware = page(RecordQuery {
        types: vec!["malware".into()],
        limit: 100,
        ..RecordQuery::default()
    })
    .await;
    assert_eq!(malware.len(), 1);
    assert_eq!(malware[0].stix_type, "malware");
    let by_id = page(RecordQuery {
        ids: vec![batch[3].stix_id.clone(), batch[5].stix_id.clone()],
        limit: 100,
        ..RecordQuery::default()
    })
    .await;
    assert_eq!(by_id.len(), 2);
    let none = page(RecordQuery {
        types: vec!["threat-actor".into()],
        limit: 100,
        ..RecordQuery::default()
    })
    .await;
    assert!(none.is_empty());
    let v20 = page(RecordQuery {
        spec_versions: Some(vec!["2.0".into()]),
        limit: 100,
        ..RecordQuery::default()
    })
    .await;
    assert!(v20.is_empty());
    let v21 = page(RecordQuery {
        spec_versions: Some(vec!["2.0".into(), "2.1".into()]),
        limit: 100,
        ..RecordQuery::default()
    })
    .await;
    assert_eq!(v21.len(), 31);
    // Client strings are bound, never spliced into SQL.
    let evil = page(RecordQuery {
        ids: vec!["x' OR '1'='1".into()],
        types: vec!["indicator'); DROP TABLE records; --".into()],
        limit: 100,
        ..RecordQuery::default()
    })
    .await;
    assert!(evil.is_empty());
    assert_eq!(store.stats().await.expect("stats").records, 31);
}

pub async fn two_providers_one_version(store: Arc<dyn Store>) {
    let (a, prov_a) = setup_provider(&store, "A").await;
    let (b, prov_b) = setup_provider(&store, "B").await;
    let ip = r#"{"type":"domain-name","id":"domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5","value":"example.jp"}"#;
    let private = Handling {
        audience: Audience::provider_only(),
        ..members(Tlp::Amber)
    };
    let shared = members(Tlp::Green);
    let rel = |modified: &str| {
        format!(
            r#"{{"type":"relationship","spec_version":"2.1","id":"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad","created":"2026-01-01T00:00:00.000Z","modified":"{modified}","relationship_type":"related-to","source_ref":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","target_ref":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"}}"#
        )
    };
    store
        .ingest(
            &prov_a,
            &[record_from(
                &rel("2026-01-01T00:00:00.000Z"),
                private.clone(),
            )],
            T0,
        )
        .await
        .expect("a");
    store
        .ingest(
            &prov_b,
            &[record_from(
                &rel("2026-01-01T00:00:00.000Z"),
                shared.clone(),
            )],
            T0,
        )
        .await
        .expect("b");
    store
        .ingest(&prov_a, &[record_from(ip, shared.clone())], T0)
        .await
        .expect("a ip");
    store
        .ingest(&prov_b, &[record_from(ip, shared.clone())], T0)
        .await
        .expect("b ip");

    let sec = store
        .query_records(&secretariat_scope(), &query_all())
        .await
        .expect("sec");
    let rel_rows: Vec<_> = sec
        .iter()
        .filter(|r| r.stix_type == "relationship")
        .collect();
    assert_eq!(rel_rows.len(), 1, "one copy of a version per reader");
    assert_eq!(
        rel_rows[0].provider, b.id,
        "A's copy is provider-only, so the secretariat sees B's"
    );

    let seen_by_a = store
        .query_records(&reader(&a), &query_all())
        .await
        .expect("a");
    let a_rel: Vec<_> = seen_by_a
        .iter()
        .filter(|r| r.stix_type == "relationship")
        .collect();
    assert_eq!(a_rel.len(), 1);
    assert_eq!(a_rel[0].provider, a.id, "A sees its own, earlier copy");
    // An observable has no version of its own: each provider's copy is versioned by its own
    // date_added (never another provider's, which would reveal that someone else holds it).
    let domains: Vec<_> = seen_by_a
        .iter()
        .filter(|r| r.stix_type == "domain-name")
        .collect();
    assert_eq!(domains.len(), 2, "all versions: A's and B's copies");
    assert_ne!(domains[0].version, domains[1].version);
    let latest = store
        .query_records(
            &reader(&a),
            &RecordQuery {
                types: vec!["domain-name".into()],
                limit: 10,
                ..RecordQuery::default()
            },
        )
        .await
        .expect("a");
    assert_eq!(latest.len(), 1, "one latest version");
    assert_eq!(latest[0].provider, b.id);
}

pub async fn deletion(store: Arc<dyn Store>) {
    let (a, prov_a) = setup_provider(&store, "A").await;
    let (b, prov_b) = setup_provider(&store, "B").await;
    let id = Uuid::new_v4();
    for m in ["2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z"] {
        store
            .ingest(&prov_a, &[indicator(id, m, members(Tlp::Green))], T0)
            .await
            .expect("ingest");
    }
    let hidden = Uuid::new_v4();
    store
        .ingest(
            &prov_b,
            &[indicator(
                hidden,
                "2026-01-01T00:00:00.000Z",
                Handling {
                    audience: Audience::provider_only(),
                    ..members(Tlp::Amber)
                },
            )],
            T0,
        )
        .await
        .expect("ingest");
    let stix_id = format!("indicator--{id}");
    let scope_of = |org: &NewOrg, kind: OrgKind| {
        ReadScope::of(
            &Principal::User(Identity {
                user: UserId::from_uuid(Uuid::new_v4()),
                login: "m".into(),
                org: org.id,
                org_kind: kind,
                org_tier: Tier::A,
                org_sector: None,
                org_status: OrgStatus::Active,
                role: Role::Contributor,
                clearance: Classification::UNCLASSIFIED,
                disabled: false,
                read_only: false,
            }),
            Path::Raw,
        )
    };
    let b_scope = scope_of(&b, OrgKind::Industry);
    let b_del = Deleter {
        org: b.id,
        may_delete_any: false,
    };
    assert_eq!(
        store
            .delete_record(&b_scope, &b_del, &stix_id, &VersionFilter::default(), T0)
            .await
            .expect("delete"),
        DeleteOutcome::Forbidden,
        "B sees A's record but may not delete it"
    );
    let a_scope = scope_of(&a, OrgKind::Industry);
    let a_del = Deleter {
        org: a.id,
        may_delete_any: false,
    };
    assert_eq!(
        store
            .delete_record(
                &a_scope,
                &a_del,
                &format!("indicator--{hidden}"),
                &VersionFilter::default(),
                T0
            )
            .await
            .expect("delete"),
        DeleteOutcome::NotFound,
        "invisible records are not found, not forbidden"
    );
    assert_eq!(
        store
            .delete_record(&a_scope, &a_del, &stix_id, &VersionFilter::default(), T0)
            .await
            .expect("delete"),
        DeleteOutcome::Deleted(1)
    );
    let q = RecordQuery {
        ids: vec![stix_id.clone()],
        limit: 10,
        ..RecordQuery::default()
    };
    let rows = store.query_records(&a_scope, &q).await.expect("query");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].version.to_stix(),
        "2026-01-01T00:00:00.000Z",
        "the older version is the latest now"
    );
    assert_eq!(
        store
            .delete_record(&a_scope, &a_del, &stix_id, &VersionFilter::all(), T0)
            .await
            .expect("delete"),
        DeleteOutcome::Deleted(1)
    );
    assert!(
        store
            .query_records(&a_scope, &q)
            .await
            .expect("query")
            .is_empty()
    );
    // The same version can be submitted again after deletion.
    let out = store
        .ingest(
            &prov_a,
            &[indicator(
                id,
                "2026-02-01T00:00:00.000Z",
                members(Tlp::Green),
            )],
            T0,
        )
        .await
        .expect("ingest");
    assert!(matches!(out[0], IngestOutcome::Added { .. }), "{out:?}");
    assert_eq!(
        store
            .query_records(&a_scope, &q)
            .await
            .expect("query")
            .len(),
        1
    );
}

pub async fn statuses(store: Arc<dyn Store>) {
    let owner = UserId::from_uuid(Uuid::new_v4());
    let id = StatusId::from_uuid(Uuid::new_v4());
    store
        .save_status(id, owner, T0, r#"{"id":"x"}"#)
        .await
        .expect("save");
    assert_eq!(
        store.status(id, owner).await.expect("get").as_deref(),
        Some(r#"{"id":"x"}"#)
    );
    assert_eq!(
        store
            .status(id, UserId::from_uuid(Uuid::new_v4()))
            .await
            .expect("get"),
        None,
        "only the owner"
    );
    assert_eq!(store.prune_statuses(T0).await.expect("prune"), 0);
    assert_eq!(store.prune_statuses(T0 + 1).await.expect("prune"), 1);
    assert_eq!(store.status(id, owner).await.expect("get"), None);
}

pub async fn visible_ids(store: Arc<dyn Store>) {
    let (_, prov) = setup_provider(&store, "A").await;
    let open = Uuid::new_v4();
    let closed = Uuid::new_v4();
    store
        .ingest(
            &prov,
            &[indicator(
                open,
                "2026-01-01T00:00:00.000Z",
                members(Tlp::Green),
            )],
            T0,
        )
        .await
        .expect("ingest");
    store
        .ingest(
            &prov,
            &[indicator(
                closed,
                "2026-01-01T00:00:00.000Z",
                Handling {
                    audience: Audience::provider_only(),
                    ..members(Tlp::Amber)
                },
            )],
            T0,
        )
        .await
        .expect("ingest");
    let ids = vec![
        format!("indicator--{open}"),
        format!("indicator--{closed}"),
        "indicator--00000000-0000-4000-8000-000000000000".to_owned(),
    ];
    let seen = store
        .visible_ids(&secretariat_scope(), &ids)
        .await
        .expect("visible");
    assert_eq!(seen, vec![format!("indicator--{open}")]);
}

// --- differential tests against the policy ---

struct Population {
    orgs: Vec<NewOrg>,
    users: Vec<(UserId, usize)>,
    /// (stix id, provider index, handling)
    records: Vec<(String, usize, Handling)>,
}

const SECTORS: [&str; 3] = ["finance", "telecom", "energy"];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn random_handling(rng: &mut StdRng, pop_orgs: &[NewOrg], users: &[(UserId, usize)]) -> Handling {
    let audience = if rng.random_bool(0.1) {
        Audience::provider_only()
    } else {
        let mut entries = Vec::new();
        for _ in 0..rng.random_range(1..=3) {
            entries.push(match rng.random_range(0..6) {
                0 => AudienceEntry::Secretariat,
                1 => AudienceEntry::LawEnforcement,
                2 => AudienceEntry::Members,
                3 => AudienceEntry::Org(pick(rng, pop_orgs).id),
                4 => {
                    AudienceEntry::Sector(Sector::new(pick::<&str>(rng, &SECTORS)).expect("sector"))
                }
                _ => AudienceEntry::User(pick(rng, users).0),
            });
        }
        Audience::new(entries).expect("audience")
    };
    Handling {
        tlp: *pick(rng, Tlp::ALL),
        audience,
        classification: Classification::new(rng.random_range(0..=3)).expect("classification"),
        uses: Uses::from_bits(rng.random_range(0..64)).expect("uses"),
        attribution: *pick(rng, Attribution::ALL),
        pap: *pick(rng, Pap::ALL),
    }
}

async fn random_population(
    store: &Arc<dyn Store>,
    rng: &mut StdRng,
    n_orgs: usize,
    n_records: usize,
) -> Population {
    let mut orgs = Vec::new();
    for i in 0..n_orgs {
        let kind = *pick(rng, OrgKind::ALL);
        let tier = *pick(rng, Tier::ALL);
        let sector = if rng.random_bool(0.8) {
            Some(*pick(rng, &SECTORS))
        } else {
            None
        };
        let org = new_org(&format!("org {i}"), kind, tier, sector);
        store.create_org(&org).await.expect("org");
        orgs.push(org);
    }
    let users: Vec<(UserId, usize)> = (0..n_orgs * 2)
        .map(|i| (UserId::from_uuid(Uuid::new_v4()), i % n_orgs))
        .collect();
    let mut records = Vec::new();
    let mut by_provider: BTreeMap<usize, Vec<NewRecord>> = BTreeMap::new();
    for _ in 0..n_records {
        let provider = rng.random_range(0..n_orgs);
        let handling = random_handling(rng, &orgs, &users);
        let mut rec = indicator(Uuid::new_v4(), "2026-01-01T00:00:00.000Z", handling.clone());
        rec.terms.tokens = "詐欺 common".into();
        records.push((rec.stix_id.clone(), provider, handling));
        by_provider.entry(provider).or_default().push(rec);
    }
    for (provider, batch) in by_provider {
        store
            .ingest(&provenance(&orgs[provider]), &batch, T0)
            .await
            .expect("ingest");
    }
    Population {
        orgs,
        users,
        records,
    }
}

fn random_identity(rng: &mut StdRng, pop: &Population) -> Principal {
    if rng.random_bool(0.03) {
        return Principal::Anonymous;
    }
    let (user, org_index) = *pick(rng, &pop.users);
    let org = &pop.orgs[org_index];
    Principal::User(Identity {
        user,
        login: "random".into(),
        org: org.id,
        org_kind: org.kind,
        org_tier: org.tier,
        org_sector: org.sector.clone(),
        org_status: if rng.random_bool(0.9) {
            OrgStatus::Active
        } else {
            *pick(rng, OrgStatus::ALL)
        },
        role: Role::Reader,
        clearance: Classification::new(rng.random_range(0..=3)).expect("clearance"),
        disabled: rng.random_bool(0.03),
        read_only: false,
    })
}

/// Every record, every random identity, both paths: the SQL filter returns exactly what
/// `decide` allows.
pub async fn policy_filter_equals_decide(store: Arc<dyn Store>) {
    // A new population every run (set RENKEI_TEST_SEED to replay one).
    let seed = std::env::var("RENKEI_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    let mut rng = StdRng::seed_from_u64(seed);
    let pop = random_population(&store, &mut rng, 10, 600).await;
    let mut cases = 0usize;
    for _ in 0..90 {
        let principal = random_identity(&mut rng, &pop);
        for path in [Path::Raw, Path::Public] {
            let scope = ReadScope::of(&principal, path);
            let got: BTreeSet<String> = store
                .query_records(&scope, &query_all())
                .await
                .expect("query")
                .into_iter()
                .map(|r| r.stix_id)
                .collect();
            // Search reads through the same filter.
            let searched: BTreeSet<String> = store
                .search(
                    &scope,
                    &SearchQuery {
                        tokens: vec!["詐欺".into()],
                        limit: 1_000_000,
                        ..SearchQuery::default()
                    },
                )
                .await
                .expect("search")
                .into_iter()
                .map(|r| r.stix_id)
                .collect();
            assert_eq!(
                searched, got,
                "RENKEI_TEST_SEED={seed}: search {principal:?} {path:?}"
            );
            // So do the charts (every record here has one version).
            let counted: u64 = store
                .record_histogram(&scope, 0, i64::MAX, i64::MAX)
                .await
                .expect("histogram")
                .iter()
                .map(|c| c.records)
                .sum();
            assert_eq!(
                usize::try_from(counted).expect("count"),
                got.len(),
                "RENKEI_TEST_SEED={seed}: histogram {principal:?} {path:?}"
            );
            for (id, provider, handling) in &pop.records {
                let org = &pop.orgs[*provider];
                let meta = RecordMeta {
                    provider: org.id,
                    provider_kind: org.kind,
                    provider_sector: org.sector.as_ref(),
                    handling,
                };
                let allowed = matches!(decide(&principal, &meta, path), Decision::Allow(_));
                assert_eq!(
                    got.contains(id),
                    allowed,
                    "RENKEI_TEST_SEED={seed}: {principal:?} {path:?} {handling:?} provider {:?}",
                    org.kind
                );
                cases += 1;
            }
        }
    }
    assert!(cases >= 100_000, "{cases} cases");
}

/// Objects with several versions held by several providers under random handling: the
/// default query returns, per object, the latest version among those the reader may see,
/// once.
pub async fn latest_visible_version_equals_model(store: Arc<dyn Store>) {
    let mut rng = StdRng::seed_from_u64(0x1a7_e57);
    let mut orgs = Vec::new();
    for i in 0..5 {
        let org = new_org(
            &format!("org {i}"),
            *pick(
                &mut rng,
                &[
                    OrgKind::Industry,
                    OrgKind::LawEnforcement,
                    OrgKind::Academia,
                ],
            ),
            Tier::A,
            Some(*pick(&mut rng, &SECTORS)),
        );
        store.create_org(&org).await.expect("org");
        orgs.push(org);
    }
    let users: Vec<(UserId, usize)> = (0..10)
        .map(|i| (UserId::from_uuid(Uuid::new_v4()), i % 5))
        .collect();
    let objects: Vec<Uuid> = (0..40).map(|_| Uuid::new_v4()).collect();
    // (stix id, version, provider, handling, date_added)
    let mut stored: Vec<(String, String, usize, Handling, i64)> = Vec::new();
    for _ in 0..300 {
        let obj = *pick(&mut rng, &objects);
        let provider = rng.random_range(0..5);
        let month = rng.random_range(1..=6);
        let modified = format!("2026-{month:02}-01T00:00:00.000Z");
        let handling = random_handling(&mut rng, &orgs, &users);
        let rec = indicator(obj, &modified, handling.clone());
        let out = store
            .ingest(&provenance(&orgs[provider]), std::slice::from_ref(&rec), T0)
            .await
            .expect("ingest");
        if let IngestOutcome::Added { date_added, .. } = out[0] {
            stored.push((
                rec.stix_id.clone(),
                modified,
                provider,
                handling,
                date_added,
            ));
        }
    }
    for _ in 0..30 {
        let (user, org_index) = *pick(&mut rng, &users);
        let org = &orgs[org_index];
        let principal = Principal::User(Identity {
            user,
            login: "r".into(),
            org: org.id,
            org_kind: org.kind,
            org_tier: org.tier,
            org_sector: org.sector.clone(),
            org_status: OrgStatus::Active,
            role: Role::Reader,
            clearance: Classification::new(rng.random_range(0..=3)).expect("c"),
            disabled: false,
            read_only: false,
        });
        let visible: Vec<&(String, String, usize, Handling, i64)> = stored
            .iter()
            .filter(|(_, _, p, h, _)| {
                let o = &orgs[*p];
                decide(
                    &principal,
                    &RecordMeta {
                        provider: o.id,
                        provider_kind: o.kind,
                        provider_sector: o.sector.as_ref(),
                        handling: h,
                    },
                    Path::Raw,
                )
                .is_allowed()
            })
            .collect();
        let mut expected: BTreeMap<String, (String, i64)> = BTreeMap::new();
        for (id, version, _, _, added) in &visible {
            let e = expected
                .entry(id.clone())
                .or_insert((version.clone(), *added));
            if *version > e.0 || (*version == e.0 && *added < e.1) {
                *e = (version.clone(), *added);
            }
        }
        let scope = ReadScope::of(&principal, Path::Raw);
        let rows = store
            .query_records(
                &scope,
                &RecordQuery {
                    limit: 10_000,
                    ..RecordQuery::default()
                },
            )
            .await
            .expect("query");
        let got: BTreeMap<String, (String, i64)> = rows
            .iter()
            .map(|r| (r.stix_id.clone(), (r.version.to_stix(), r.date_added)))
            .collect();
        assert_eq!(rows.len(), got.len(), "each object once");
        assert_eq!(got, expected);
    }
}

/// A streamed submission stores its bytes and every batch on commit, and nothing at all on
/// abort or when the stream ends without a verdict.
pub async fn streamed_ingest_is_all_or_nothing(store: Arc<dyn Store>) {
    use std::sync::atomic::{AtomicU64, Ordering};
    let org = new_org("Stream Bank", OrgKind::Industry, Tier::A, Some("finance"));
    store.create_org(&org).await.expect("org");
    let user = new_user(org.id, "streamer");
    store.create_user(&user).await.expect("user");
    let submission = |id: SubmissionId| NewSubmission {
        id,
        provider: org.id,
        user: user.id,
        received_at: T0,
        channel: "import".into(),
        media_type: "application/stix+json;version=2.1".into(),
        sha256: Sha256::digest(b"{}").into(),
        bytes: bytes::Bytes::from_static(b"{}"),
    };
    for verdict in ["commit", "abort", "none"] {
        let committing = verdict == "commit";
        let prov = provenance(&org);
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let progress = Arc::new(AtomicU64::new(0));
        let writer = {
            let (store, prov, progress, sub) = (
                store.clone(),
                prov.clone(),
                progress.clone(),
                submission(prov.submission),
            );
            tokio::spawn(async move { store.ingest_stream(sub, prov, rx, T0, progress).await })
        };
        let id = Uuid::new_v4();
        // Two batches; the second repeats a version of the first (a duplicate) and adds one.
        tx.send(StreamItem::Records(
            vec![indicator(
                id,
                "2026-01-01T00:00:00.000Z",
                members(Tlp::Green),
            )]
            .into(),
        ))
        .await
        .expect("send");
        // The second batch asks for its records back once the store is done with them.
        let (returned, spent) = std::sync::mpsc::channel();
        tx.send(StreamItem::Records(RecordBatch::returned_to(
            vec![
                indicator(id, "2026-01-01T00:00:00.000Z", members(Tlp::Green)),
                indicator(id, "2026-02-01T00:00:00.000Z", members(Tlp::Green)),
            ],
            returned,
        )))
        .await
        .expect("send");
        match verdict {
            "commit" => tx.send(StreamItem::Commit).await.expect("send"),
            "abort" => tx.send(StreamItem::Abort).await.expect("send"),
            _ => {}
        }
        drop(tx);
        let before = store.stats().await.expect("stats");
        let outcome = writer.await.expect("join").expect("stream");
        let after = store.stats().await.expect("stats");
        assert_eq!(spent.try_recv().map(|r| r.len()), Ok(2), "{verdict}");
        if committing {
            let outcomes = outcome.expect("committed");
            assert!(matches!(outcomes[0], IngestOutcome::Added { .. }));
            assert!(
                matches!(outcomes[1], IngestOutcome::Duplicate { .. }),
                "{outcomes:?}"
            );
            assert!(matches!(outcomes[2], IngestOutcome::Added { .. }));
            assert_eq!(progress.load(Ordering::Relaxed), 3);
            assert_eq!(after.records, 2);
            assert_eq!(after.submissions, 1);
            assert!(
                store
                    .submission(prov.submission)
                    .await
                    .expect("get")
                    .is_some()
            );
            let rows = store
                .query_records(
                    &secretariat_scope(),
                    &RecordQuery {
                        ids: vec![format!("indicator--{id}")],
                        limit: 10,
                        ..RecordQuery::default()
                    },
                )
                .await
                .expect("query");
            assert_eq!(rows.len(), 1);
            assert_eq!(
                rows[0].version.to_stix(),
                "2026-02-01T00:00:00.000Z",
                "latest flags are right across batches"
            );
        } else {
            assert!(outcome.is_none(), "{verdict:?}");
            assert_eq!(
                after.records, 2,
                "nothing more stored after {verdict:?} (before: {before:?})"
            );
            assert_eq!(after.submissions, 1, "not even the submission bytes");
            assert!(
                store
                    .submission(prov.submission)
                    .await
                    .expect("get")
                    .is_none()
            );
        }
    }
}
