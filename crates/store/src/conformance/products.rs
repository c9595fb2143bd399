//! Conformance of products (`crate::products`): numbering, guarded saves, consent requests,
//! seminar capacity and the period summary a bulletin draft starts from.

use super::*;

use renkei_model::product::{
    ConsentState, ProductContent, ProductKind, ProductStatus, Registration as Open, SeminarDetails,
};

fn content(title: &str) -> ProductContent {
    ProductContent {
        title: title.into(),
        summary: "概要".into(),
        body: "本文".into(),
        severity: None,
        sectors: vec![],
        recommended_actions: vec![],
        cites: vec![],
        seminar: None,
        period: None,
    }
}

fn new_product(org: &NewOrg, author: UserId, kind: ProductKind, year: i32, at: i64) -> NewProduct {
    NewProduct {
        id: ProductId::from_uuid(Uuid::new_v4()),
        prefix: "RENKEI".into(),
        kind,
        year,
        content: content("注意喚起"),
        handling: Handling {
            audience: Audience::secretariat(),
            ..members(Tlp::Amber)
        },
        release: members(Tlp::Amber),
        org: org.id,
        author,
        at,
    }
}

/// Numbers run per kind and year; a save from a stale status is refused; consent requests are
/// replaced on each review and answered only by their provider.
pub async fn products_are_numbered_and_guarded(store: Arc<dyn Store>) {
    let sec = new_org("事務局", OrgKind::Secretariat, Tier::None, None);
    store.create_org(&sec).await.expect("org");
    let author = new_user(sec.id, "analyst");
    store.create_user(&author).await.expect("user");
    let (provider, _) = setup_provider(&store, "A").await;
    let mk = |kind, year, at| new_product(&sec, author.id, kind, year, at);
    let a1 = store
        .create_product(&mk(ProductKind::Alert, 2026, T0))
        .await
        .expect("a1");
    let a2 = store
        .create_product(&mk(ProductKind::Alert, 2026, T0 + 1))
        .await
        .expect("a2");
    let b1 = store
        .create_product(&mk(ProductKind::Bulletin, 2026, T0 + 2))
        .await
        .expect("b1");
    let a3 = store
        .create_product(&mk(ProductKind::Alert, 2027, T0 + 3))
        .await
        .expect("a3");
    let numbers: Vec<String> = [&a1, &a2, &b1, &a3]
        .iter()
        .map(|p| p.number.to_string())
        .collect();
    assert_eq!(
        numbers,
        [
            "RENKEI-AT-2026-0001",
            "RENKEI-AT-2026-0002",
            "RENKEI-BU-2026-0001",
            "RENKEI-AT-2027-0001"
        ]
    );
    assert_eq!(a1.status, ProductStatus::Draft);
    assert_eq!(a1.content.title, "注意喚起");
    let by_number = store
        .product_by_number("RENKEI-AT-2026-0002")
        .await
        .expect("read");
    assert_eq!(by_number.as_ref().map(|p| p.id), Some(a2.id));
    let listed: Vec<ProductId> = store
        .list_products()
        .await
        .expect("list")
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(listed, [a3.id, b1.id, a2.id, a1.id], "newest first");

    let mut review = a1.clone();
    review.status = ProductStatus::InReview;
    review.updated_at = T0 + 10;
    let asks = [
        NewConsentRequest {
            record: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".into(),
            provider: provider.id,
        },
        NewConsentRequest {
            record: "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061".into(),
            provider: provider.id,
        },
    ];
    store
        .save_product(&review, ProductStatus::Draft, Some(&asks), T0 + 10)
        .await
        .expect("submit");
    let stale = store
        .save_product(&review, ProductStatus::Draft, None, T0 + 11)
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let back = store.product(a1.id).await.expect("read").expect("some");
    assert_eq!(back.status, ProductStatus::InReview);
    assert_eq!(back.updated_at, T0 + 10);
    let requests = store.consent_requests(a1.id).await.expect("consents");
    assert_eq!(requests.len(), 2);
    assert!(
        requests
            .iter()
            .all(|r| r.state == ConsentState::Requested && r.provider == provider.id)
    );
    assert_eq!(
        store
            .consent_requests_to(provider.id)
            .await
            .expect("to")
            .len(),
        2
    );
    assert!(
        store
            .consent_requests_to(sec.id)
            .await
            .expect("to")
            .is_empty()
    );

    let answer = |provider: OrgId| ConsentAnswer {
        id: requests[0].id,
        provider,
        state: ConsentState::Given,
        by: author.id,
        at: T0 + 20,
        comment: Some("公表可".into()),
    };
    assert_eq!(
        store.answer_consent(&answer(sec.id)).await.expect("answer"),
        None,
        "only the provider answers"
    );
    let given = store
        .answer_consent(&answer(provider.id))
        .await
        .expect("answer")
        .expect("some");
    assert_eq!(
        (given.state, given.answered_at),
        (ConsentState::Given, Some(T0 + 20))
    );

    // A second review asks again, from scratch.
    let mut draft = back.clone();
    draft.status = ProductStatus::Draft;
    store
        .save_product(&draft, ProductStatus::InReview, None, T0 + 30)
        .await
        .expect("return");
    let mut again = draft.clone();
    again.status = ProductStatus::InReview;
    store
        .save_product(&again, ProductStatus::Draft, Some(&asks[..1]), T0 + 40)
        .await
        .expect("resubmit");
    let requests = store.consent_requests(a1.id).await.expect("consents");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].state, ConsentState::Requested);
}

/// A seminar takes registrations up to its capacity, one per e-mail address.
pub async fn seminar_registrations_respect_capacity(store: Arc<dyn Store>) {
    let sec = new_org("事務局", OrgKind::Secretariat, Tier::None, None);
    store.create_org(&sec).await.expect("org");
    let author = new_user(sec.id, "analyst");
    store.create_user(&author).await.expect("user");
    let mut p = new_product(&sec, author.id, ProductKind::Seminar, 2026, T0);
    p.content.seminar = Some(SeminarDetails {
        starts_at: "2027-01-20T05:00:00Z".into(),
        ends_at: "2027-01-20T07:00:00Z".into(),
        venue: "東京".into(),
        capacity: 2,
        registration: Open::Public,
    });
    let seminar = store.create_product(&p).await.expect("seminar");
    let reg = |n: u32| Registration {
        tracking: format!("SE-{n}"),
        product: seminar.id,
        name: format!("参加者 {n}"),
        email: format!("p{n}@example.jp"),
        organisation: None,
        user: None,
        at: T0 + i64::from(n),
    };
    assert!(matches!(
        store.register(&reg(1), 2).await.expect("1"),
        Registered::Yes(_)
    ));
    let twice = store
        .register(
            &Registration {
                tracking: "SE-9".into(),
                ..reg(1)
            },
            2,
        )
        .await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    assert!(matches!(
        store.register(&reg(2), 2).await.expect("2"),
        Registered::Yes(_)
    ));
    assert_eq!(
        store.register(&reg(3), 2).await.expect("3"),
        Registered::Full
    );
    let all = store.registrations(seminar.id).await.expect("list");
    assert_eq!(
        all.iter().map(|r| r.tracking.as_str()).collect::<Vec<_>>(),
        ["SE-1", "SE-2"]
    );
}

/// The period summary counts what was added in the period and names threats, police records
/// and the values several organisations share.
pub async fn period_summary_counts_and_names(store: Arc<dyn Store>) {
    let (a, pa) = setup_provider(&store, "A").await;
    let police = new_org("警察", OrgKind::LawEnforcement, Tier::None, None);
    store.create_org(&police).await.expect("org");
    let pp = provenance(&police);
    let shared = |uuid| {
        let mut r = indicator(uuid, "2026-01-01T00:00:00.000Z", members(Tlp::Green));
        r.terms.observables = vec![ObservableTerm::new("domain", "bad.example")];
        r
    };
    let malware = record_from(
        &format!(
            r#"{{"type":"malware","spec_version":"2.1","id":"malware--{}","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Emotet","is_family":true}}"#,
            Uuid::new_v4()
        ),
        members(Tlp::Green),
    );
    let (i1, i2) = (Uuid::new_v4(), Uuid::new_v4());
    store
        .ingest(&pa, &[shared(i1), malware], T0)
        .await
        .expect("a");
    store
        .ingest(&pp, &[shared(i2)], T0 + 1_000)
        .await
        .expect("police");
    // Neither a TLP:RED record nor a provider-only one is counted, even as a number.
    assert_eq!(COUNTED_NOT_TLP, Tlp::Red.rank());
    let red = Handling {
        audience: Audience::new([AudienceEntry::User(UserId::from_uuid(Uuid::new_v4()))])
            .expect("audience"),
        ..members(Tlp::Red)
    };
    let own = Handling {
        audience: Audience::provider_only(),
        ..members(Tlp::Amber)
    };
    let hidden = [
        indicator(Uuid::new_v4(), "2026-01-01T00:00:00.000Z", red),
        indicator(Uuid::new_v4(), "2026-01-01T00:00:00.000Z", own),
    ];
    store
        .ingest(&pa, &hidden, T0 + 2_000)
        .await
        .expect("hidden");
    let s = store.period_summary(0, i64::MAX).await.expect("summary");
    assert_eq!(s.records, 3);
    assert_eq!(
        s.by_type,
        [("indicator".to_owned(), 2), ("malware".to_owned(), 1)]
    );
    let finance = Sector::new("finance").ok();
    assert!(s.by_sector.contains(&(finance, 2)), "{:?}", s.by_sector);
    assert_eq!(s.threats.len(), 1);
    assert_eq!(s.threats[0].name.as_deref(), Some("Emotet"));
    assert_eq!(s.threats[0].provider, a.id);
    assert_eq!(s.law_enforcement.len(), 1);
    assert_eq!(s.law_enforcement[0].stix_id, format!("indicator--{i2}"));
    assert_eq!(s.top_values.len(), 1);
    let top = &s.top_values[0];
    assert_eq!((top.value.as_str(), top.providers), ("bad.example", 2));
    let mut carriers = top.records.clone();
    carriers.sort();
    let mut expected = vec![format!("indicator--{i1}"), format!("indicator--{i2}")];
    expected.sort();
    assert_eq!(carriers, expected);
    let empty = store.period_summary(0, 1).await.expect("empty");
    assert_eq!(empty, PeriodSummary::default());
}
