//! Conformance checks for issue 3's storage: membership, user and token updates, handling
//! defaults and changes, and the audit log.

use std::sync::Arc;

use super::member_scope;

use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use renkei_model::audit::{AuditCheckpoint, AuditEvent, GENESIS, entry_hash};
use renkei_model::handling::{
    Attribution, Audience, AudienceEntry, Classification, Handling, Pap, Sector, Tlp, Use,
};
use renkei_model::ids::{OrgId, TokenId, UserId};
use uuid::Uuid;

use super::{
    T0, indicator, indicator_json, new_org, new_user, query_all, record_from, secretariat_scope,
    setup_provider,
};
use crate::*;

fn applicant(name: &str) -> NewApplication {
    let mut org = new_org(name, OrgKind::Industry, Tier::B, Some("telecom"));
    org.status = OrgStatus::Applicant;
    let mut admin = new_user(
        org.id,
        &format!("admin-{}", &Uuid::new_v4().to_string()[..8]),
    );
    admin.role = Role::OrgAdmin;
    NewApplication {
        org,
        admin,
        statement: "通信事業者として参加を希望します".into(),
    }
}

pub async fn membership_process(store: Arc<dyn Store>) {
    let app = applicant("Kanto Telecom");
    let (org, admin) = store.create_application(&app).await.expect("apply");
    assert_eq!(org.status, OrgStatus::Applicant);
    assert_eq!(admin.role, Role::OrgAdmin);
    let m = store
        .membership(org.id)
        .await
        .expect("membership")
        .expect("exists");
    assert_eq!(m.org, org);
    assert_eq!(m.created_at, T0);
    assert_eq!(
        m.application,
        Some(Application {
            statement: app.statement.clone(),
            submitted_at: T0,
            submitted_by: admin.id,
        })
    );
    assert!(m.recommendations.is_empty() && m.nda.is_none() && m.history.is_empty());
    // The same name again is a conflict, and nothing of the second application remains.
    let again = NewApplication {
        org: NewOrg {
            id: OrgId::from_uuid(Uuid::new_v4()),
            ..app.org.clone()
        },
        admin: NewUser {
            id: UserId::from_uuid(Uuid::new_v4()),
            login: "other-admin".into(),
            ..app.admin.clone()
        },
        ..app.clone()
    };
    assert!(matches!(
        store.create_application(&again).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.user_by_login("other-admin").await.expect("lookup"),
        None
    );

    let bank = new_org("Alpha Bank", OrgKind::Industry, Tier::A, Some("finance"));
    store.create_org(&bank).await.expect("bank");
    let banker = new_user(bank.id, "banker");
    store.create_user(&banker).await.expect("banker");
    let rec = NewRecommendation {
        applicant: org.id,
        recommender: bank.id,
        by_user: banker.id,
        statement: "推薦します".into(),
        at: T0 + 1,
    };
    store.add_recommendation(&rec).await.expect("recommend");
    assert!(
        matches!(
            store
                .add_recommendation(&NewRecommendation {
                    at: T0 + 2,
                    ..rec.clone()
                })
                .await,
            Err(StoreError::Conflict(_))
        ),
        "one recommendation per organisation"
    );
    let nda = NdaAcceptance {
        version: "2026-11".into(),
        accepted_at: T0 + 3,
        accepted_by: admin.id,
    };
    store.accept_nda(org.id, &nda).await.expect("nda");
    let approve = StatusChange {
        org: org.id,
        from: OrgStatus::Applicant,
        to: OrgStatus::Active,
        reason: "推薦2件、NDA締結済み".into(),
        actor: banker.id,
        at: T0 + 4,
    };
    let active = store.change_org_status(&approve).await.expect("approve");
    assert_eq!(active.status, OrgStatus::Active);
    assert!(
        matches!(
            store.change_org_status(&approve).await,
            Err(StoreError::Conflict(_))
        ),
        "a change from a status the organisation no longer has is refused"
    );
    let suspend = StatusChange {
        from: OrgStatus::Active,
        to: OrgStatus::Suspended,
        reason: "欠格事由の調査中".into(),
        at: T0 + 5,
        ..approve.clone()
    };
    store.change_org_status(&suspend).await.expect("suspend");
    let identity = store
        .identity(admin.id)
        .await
        .expect("identity")
        .expect("exists");
    assert_eq!(
        identity.org_status,
        OrgStatus::Suspended,
        "identities see the new status at once"
    );
    let m = store
        .membership(org.id)
        .await
        .expect("membership")
        .expect("exists");
    assert_eq!(m.org.status, OrgStatus::Suspended);
    assert_eq!(m.nda, Some(nda));
    assert_eq!(m.recommendations.len(), 1);
    assert_eq!(m.recommendations[0].recommender, bank.id);
    assert_eq!(m.recommendations[0].recommender_name, "Alpha Bank");
    assert_eq!(m.history, vec![approve, suspend]);

    let renamed = store
        .update_org(
            org.id,
            &OrgUpdate {
                name: Some("関東テレコム".into()),
                tier: Some(Tier::A),
                sector: Some(None),
            },
        )
        .await
        .expect("update");
    assert_eq!(
        (renamed.name.as_str(), renamed.tier, renamed.sector),
        ("関東テレコム", Tier::A, None)
    );
    assert!(matches!(
        store
            .update_org(
                org.id,
                &OrgUpdate {
                    name: Some("Alpha Bank".into()),
                    ..OrgUpdate::default()
                }
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .update_org(OrgId::from_uuid(Uuid::new_v4()), &OrgUpdate::default())
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        store
            .membership(OrgId::from_uuid(Uuid::new_v4()))
            .await
            .expect("none"),
        None
    );
}

pub async fn user_updates_and_token_revocation(store: Arc<dyn Store>) {
    let org = new_org("Alpha Bank", OrgKind::Industry, Tier::A, None);
    store.create_org(&org).await.expect("org");
    let u = new_user(org.id, "alice");
    store.create_user(&u).await.expect("user");
    let updated = store
        .update_user(
            u.id,
            &UserUpdate {
                display_name: Some(None),
                role: Some(Role::OrgAdmin),
                clearance: Some(Classification::new(2).expect("level")),
                disabled: Some(true),
                password_hash: Some("$argon2id$new".into()),
            },
        )
        .await
        .expect("update");
    assert_eq!(store.user(u.id).await.expect("user"), Some(updated.clone()));
    assert_eq!(updated.display_name, None);
    assert_eq!(updated.role, Role::OrgAdmin);
    assert_eq!(updated.clearance.level(), 2);
    assert!(updated.disabled);
    let (_, hash) = store
        .credentials("alice")
        .await
        .expect("creds")
        .expect("alice");
    assert_eq!(hash.as_deref(), Some("$argon2id$new"));
    let same = store
        .update_user(u.id, &UserUpdate::default())
        .await
        .expect("no-op");
    assert_eq!(same, updated);
    assert!(matches!(
        store
            .update_user(UserId::from_uuid(Uuid::new_v4()), &UserUpdate::default())
            .await,
        Err(StoreError::NotFound(_))
    ));

    let token = |n: u8, at: i64| NewToken {
        id: TokenId::from_uuid(Uuid::new_v4()),
        user: u.id,
        prefix: format!("rnk_{n}"),
        secret_sha256: [n; 32],
        read_only: n.is_multiple_of(2),
        scope: TokenScope::Api,
        label: Some(format!("token {n}")),
        created_at: at,
        expires_at: None,
    };
    let t1 = store.create_token(&token(1, T0)).await.expect("t1");
    let t2 = store.create_token(&token(2, T0 + 10)).await.expect("t2");
    let listed = store.list_tokens(u.id).await.expect("list");
    assert_eq!(listed, vec![t2.clone(), t1.clone()], "newest first");
    assert_eq!(store.token(t1.id).await.expect("token"), Some(t1.clone()));
    assert!(store.revoke_token(t1.id).await.expect("revoke"));
    assert!(
        !store.revoke_token(t1.id).await.expect("again"),
        "already revoked"
    );
    assert!(
        store
            .token_by_secret_hash(&[1; 32])
            .await
            .expect("lookup")
            .expect("t1")
            .revoked
    );
    assert!(!store.token(t2.id).await.expect("t2").expect("t2").revoked);
    assert!(
        !store
            .revoke_token(TokenId::from_uuid(Uuid::new_v4()))
            .await
            .expect("unknown")
    );
}

fn rich_handling(named_org: OrgId, named_user: UserId) -> Handling {
    Handling {
        tlp: Tlp::AmberStrict,
        audience: Audience::new([
            AudienceEntry::LawEnforcement,
            AudienceEntry::Org(named_org),
            AudienceEntry::Sector(Sector::new("finance").expect("sector")),
            AudienceEntry::User(named_user),
        ])
        .expect("audience"),
        classification: Classification::new(2).expect("level"),
        uses: [Use::Investigation, Use::DefensiveFeeds]
            .into_iter()
            .collect(),
        attribution: Attribution::Hidden,
        pap: Pap::Red,
    }
}

pub async fn organisation_default_handling(store: Arc<dyn Store>) {
    let org = new_org("Alpha Bank", OrgKind::Industry, Tier::A, Some("finance"));
    store.create_org(&org).await.expect("org");
    assert_eq!(
        store.org_default_handling(org.id).await.expect("none"),
        None
    );
    let h = rich_handling(org.id, UserId::from_uuid(Uuid::new_v4()));
    store
        .set_org_default_handling(org.id, Some(&h), T0)
        .await
        .expect("set");
    assert_eq!(
        store.org_default_handling(org.id).await.expect("get"),
        Some(h)
    );
    store
        .set_org_default_handling(org.id, None, T0 + 1)
        .await
        .expect("clear");
    assert_eq!(
        store.org_default_handling(org.id).await.expect("cleared"),
        None
    );
    assert!(matches!(
        store
            .set_org_default_handling(OrgId::from_uuid(Uuid::new_v4()), None, T0)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        store
            .org_default_handling(OrgId::from_uuid(Uuid::new_v4()))
            .await
            .expect("unknown"),
        None
    );
}

pub async fn handling_is_read_back(store: Arc<dyn Store>) {
    let (_, prov) = setup_provider(&store, "A").await;
    let h = rich_handling(
        OrgId::from_uuid(Uuid::new_v4()),
        UserId::from_uuid(Uuid::new_v4()),
    );
    let plain = super::members(Tlp::Clear);
    store
        .ingest(
            &prov,
            &[
                indicator(Uuid::new_v4(), "2026-01-01T00:00:00.000Z", h.clone()),
                indicator(Uuid::new_v4(), "2026-01-01T00:00:00.000Z", plain.clone()),
            ],
            T0,
        )
        .await
        .expect("ingest");
    let rows = store
        .query_records(
            &secretariat_scope(),
            &RecordQuery {
                with_handling: true,
                ..query_all()
            },
        )
        .await
        .expect("query");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].handling.as_ref(), Some(&h));
    assert_eq!(rows[1].handling.as_ref(), Some(&plain));
    assert!(rows[0].is_sensitive() && !rows[1].is_sensitive());
    assert_eq!(
        (rows[0].tlp, rows[0].classification.level()),
        (Tlp::AmberStrict, 2)
    );
    let without = store
        .query_records(&secretariat_scope(), &query_all())
        .await
        .expect("query");
    assert!(without.iter().all(|r| r.handling.is_none()));
}

pub async fn provider_changes_handling(store: Arc<dyn Store>) {
    let (a, prov) = setup_provider(&store, "A").await;
    let (b, prov_b) = setup_provider(&store, "B").await;
    let reader = UserId::from_uuid(Uuid::new_v4());
    let uuid = Uuid::new_v4();
    let private = Handling {
        audience: Audience::provider_only(),
        ..super::members(Tlp::Amber)
    };
    let v1 = indicator(uuid, "2026-01-01T00:00:00.000Z", private.clone());
    let v2 = indicator(uuid, "2026-02-01T00:00:00.000Z", private.clone());
    store.ingest(&prov, &[v1, v2], T0).await.expect("a");
    store
        .ingest(
            &prov_b,
            &[indicator(
                Uuid::new_v4(),
                "2026-01-01T00:00:00.000Z",
                super::members(Tlp::Green),
            )],
            T0,
        )
        .await
        .expect("b");
    let b_scope = member_scope(&b, reader);
    let all_versions = RecordQuery {
        with_handling: true,
        ..query_all()
    };
    let visible_to_b = |rows: &[RecordRow]| rows.iter().filter(|r| r.provider == a.id).count();
    assert_eq!(
        visible_to_b(
            &store
                .query_records(&b_scope, &all_versions)
                .await
                .expect("q")
        ),
        0
    );

    let id = format!("indicator--{uuid}");
    let before_max = store
        .query_records(&secretariat_scope(), &query_all())
        .await
        .expect("q")
        .iter()
        .map(|r| r.date_added)
        .max()
        .expect("rows");
    let shared = Handling {
        pap: Pap::Clear,
        ..super::members(Tlp::Green)
    };
    // Another organisation cannot change A's record: nothing of B's matches.
    let n = store
        .change_handling(&HandlingChange {
            provider: b.id,
            stix_id: id.clone(),
            handling: shared.clone(),
            now: T0,
        })
        .await
        .expect("b's attempt");
    assert_eq!(n, 0);
    let n = store
        .change_handling(&HandlingChange {
            provider: a.id,
            stix_id: id.clone(),
            handling: shared.clone(),
            now: T0,
        })
        .await
        .expect("a loosens");
    assert_eq!(n, 2, "every version changes");
    let rows = store
        .query_records(&b_scope, &all_versions)
        .await
        .expect("q");
    let mine: Vec<&RecordRow> = rows.iter().filter(|r| r.provider == a.id).collect();
    assert_eq!(mine.len(), 2, "B now sees both versions");
    for r in &mine {
        assert_eq!(r.handling.as_ref(), Some(&shared));
        assert!(
            r.date_added > before_max,
            "re-added at the end, so pollers find them"
        );
        let body: serde_json::Value =
            serde_json::from_str(r.body.as_deref().expect("body")).expect("json");
        assert_eq!(
            body["object_marking_refs"],
            serde_json::json!([
                renkei_model::stix::markings::tlp_marking_id(Tlp::Green),
                renkei_model::stix::markings::pap_marking_id(Pap::Clear)
            ]),
            "the object says its new TLP and PAP"
        );
    }
    assert!(mine[0].date_added < mine[1].date_added);
    // Latest-version selection still works after the move.
    let latest = store
        .query_records(
            &b_scope,
            &RecordQuery {
                ids: vec![id.clone()],
                versions: VersionFilter::default(),
                limit: 10,
                with_body: false,
                ..RecordQuery::default()
            },
        )
        .await
        .expect("latest");
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].version.to_stix(), "2026-02-01T00:00:00.000Z");
    // And tightening takes it away again.
    store
        .change_handling(&HandlingChange {
            provider: a.id,
            stix_id: id.clone(),
            handling: private,
            now: T0,
        })
        .await
        .expect("a tightens");
    assert_eq!(
        visible_to_b(
            &store
                .query_records(&b_scope, &all_versions)
                .await
                .expect("q")
        ),
        0
    );
    // Audience rows follow: naming B's user lets that user (and no one else at B) see it.
    let named = Handling {
        tlp: Tlp::Red,
        audience: Audience::new([AudienceEntry::User(reader)]).expect("audience"),
        ..super::members(Tlp::Red)
    };
    store
        .change_handling(&HandlingChange {
            provider: a.id,
            stix_id: id.clone(),
            handling: named,
            now: T0,
        })
        .await
        .expect("a names a user");
    assert_eq!(
        visible_to_b(
            &store
                .query_records(&b_scope, &all_versions)
                .await
                .expect("q")
        ),
        2
    );
    let colleague = member_scope(&b, UserId::from_uuid(Uuid::new_v4()));
    assert_eq!(
        visible_to_b(
            &store
                .query_records(&colleague, &all_versions)
                .await
                .expect("q")
        ),
        0
    );
}

pub async fn handling_change_keeps_one_copy_per_reader(store: Arc<dyn Store>) {
    let (a, prov_a) = setup_provider(&store, "A").await;
    let (_, prov_b) = setup_provider(&store, "B").await;
    let json = indicator_json(Uuid::new_v4(), "2026-01-01T00:00:00.000Z", "shared");
    let shared = super::members(Tlp::Green);
    store
        .ingest(&prov_a, &[record_from(&json, shared.clone())], T0)
        .await
        .expect("a");
    store
        .ingest(&prov_b, &[record_from(&json, shared.clone())], T0)
        .await
        .expect("b");
    let id = serde_json::from_str::<serde_json::Value>(&json).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // A's copy was first; A re-marks it, which moves it after B's.
    store
        .change_handling(&HandlingChange {
            provider: a.id,
            stix_id: id.clone(),
            handling: Handling {
                pap: Pap::Clear,
                ..shared
            },
            now: T0,
        })
        .await
        .expect("change");
    let rows = store
        .query_records(&secretariat_scope(), &query_all())
        .await
        .expect("q");
    assert_eq!(
        rows.iter().filter(|r| r.stix_id == id).count(),
        1,
        "a version never appears twice"
    );
}

fn event(n: i64) -> AuditEvent {
    AuditEvent {
        at: T0 + n,
        actor_user: (n % 3 != 0).then(|| format!("user-{n}")),
        actor_org: (n % 2 == 0).then(|| "org".to_owned()),
        action: "record.read".into(),
        subject: format!("indicator--{n}"),
        detail: format!(r#"{{"n":{n},"note":"読み取り"}}"#),
    }
}

pub async fn audit_chain_and_checkpoints(store: Arc<dyn Store>) {
    assert!(store.audit_entries(0, 10).await.expect("empty").is_empty());
    let first = store
        .append_audit(&(1..=3).map(event).collect::<Vec<_>>())
        .await
        .expect("append");
    let second = store
        .append_audit(&(4..=5).map(event).collect::<Vec<_>>())
        .await
        .expect("append");
    assert_eq!(
        first
            .iter()
            .chain(&second)
            .map(|e| e.seq)
            .collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    assert_eq!(first[0].prev_hash, GENESIS);
    assert_eq!(
        second[0].prev_hash, first[2].hash,
        "batches continue one chain"
    );
    let stored = store.audit_entries(0, 100).await.expect("read");
    assert_eq!(
        stored,
        first.iter().chain(&second).cloned().collect::<Vec<_>>()
    );
    for e in &stored {
        assert_eq!(e.hash, entry_hash(e.seq, &e.prev_hash, &e.event));
    }
    assert_eq!(
        store.audit_entries(3, 1).await.expect("page"),
        vec![second[0].clone()]
    );
    // Concurrent appenders still make one chain without gaps.
    let mut tasks = Vec::new();
    for t in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..5 {
                store
                    .append_audit(&[event(100 + t * 10 + n)])
                    .await
                    .expect("append");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let all = store.audit_entries(0, 100).await.expect("all");
    assert_eq!(all.len(), 25);
    for (i, e) in all.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1);
        if i > 0 {
            assert_eq!(e.prev_hash, all[i - 1].hash);
        }
    }
    let cp = AuditCheckpoint {
        seq: 5,
        hash: second[1].hash,
        at: T0 + 5,
        key_id: "0123456789abcdef".into(),
        signature: vec![7; 64],
    };
    store.add_audit_checkpoint(&cp).await.expect("checkpoint");
    store
        .add_audit_checkpoint(&AuditCheckpoint {
            signature: vec![8; 64],
            ..cp.clone()
        })
        .await
        .expect("same seq is ignored");
    assert_eq!(store.audit_checkpoints().await.expect("list"), vec![cp]);
}

pub async fn settings_are_set_once(store: Arc<dyn Store>) {
    assert_eq!(store.setting("audit_public_key").await.expect("none"), None);
    assert_eq!(
        store
            .init_setting("audit_public_key", b"first")
            .await
            .expect("init"),
        b"first".to_vec()
    );
    assert_eq!(
        store
            .init_setting("audit_public_key", b"second")
            .await
            .expect("again"),
        b"first".to_vec()
    );
    assert_eq!(
        store.setting("audit_public_key").await.expect("get"),
        Some(b"first".to_vec())
    );
}
