//! Conformance of the observable index, correlation counters, sightings, search and hint
//! notices (`crate::index`).

use super::*;

fn with_terms(mut r: NewRecord, observables: &[(&str, &str)], tokens: &[&str]) -> NewRecord {
    r.terms.observables = observables
        .iter()
        .map(|(k, v)| ObservableTerm::new(k, v))
        .collect();
    r.terms.tokens = tokens.join(" ");
    r
}

fn key(kind: &str, value: &str) -> i64 {
    value_key(kind, value)
}

async fn look(
    store: &Arc<dyn Store>,
    kind: &str,
    value: &str,
    limit: usize,
) -> Option<ValueMatches> {
    store
        .lookup(&[key(kind, value)], limit)
        .await
        .expect("lookup")
        .into_iter()
        .next()
}

/// Values are indexed once per object, counted per organisation, shared values queue up for
/// the secretariat, and candidates come back newest first with their full handling.
pub async fn observable_index_and_counters(store: Arc<dyn Store>) {
    let (a, prov_a) = setup_provider(&store, "A").await;
    let (_b, prov_b) = setup_provider(&store, "B").await;
    let id1 = Uuid::new_v4();
    let id2 = Uuid::new_v4();
    let private = Handling {
        audience: Audience::provider_only(),
        ..members(Tlp::Amber)
    };
    store
        .ingest(
            &prov_a,
            &[
                with_terms(
                    indicator(id1, "2026-01-01T00:00:00.000Z", members(Tlp::Green)),
                    &[("domain", "evil.example.jp"), ("ipv4", "198.51.100.7")],
                    &[],
                ),
                with_terms(
                    indicator(id2, "2026-01-01T00:00:00.000Z", private.clone()),
                    &[("domain", "evil.example.jp")],
                    &[],
                ),
            ],
            T0,
        )
        .await
        .expect("a");
    // A new version of the same object: still one object.
    store
        .ingest(
            &prov_a,
            &[with_terms(
                indicator(id1, "2026-02-01T00:00:00.000Z", members(Tlp::Green)),
                &[("domain", "evil.example.jp")],
                &[],
            )],
            T0,
        )
        .await
        .expect("a v2");
    let m = look(&store, "domain", "evil.example.jp", 100)
        .await
        .expect("indexed");
    assert_eq!(
        (m.kind.as_str(), m.value.as_str()),
        ("domain", "evil.example.jp")
    );
    assert_eq!((m.objects, m.providers), (2, 1));
    assert!(!m.saturated());
    let ids: Vec<&str> = m.records.iter().map(|r| r.stix_id.as_str()).collect();
    assert_eq!(
        ids,
        [format!("indicator--{id1}"), format!("indicator--{id2}")],
        "latest versions, newest first"
    );
    assert_eq!(m.records[0].version.to_string(), "2026-02-01T00:00:00.000Z");
    assert_eq!(
        m.records[1].handling, private,
        "full handling for the policy"
    );
    assert_eq!(m.records[1].provider, a.id);
    assert_eq!(m.records[1].provider_kind, OrgKind::Industry);
    assert!(
        store
            .shared_values(None, 10)
            .await
            .expect("shared")
            .is_empty(),
        "one organisation: nothing to broker"
    );
    assert!(look(&store, "domain", "never.example", 10).await.is_none());

    // A second organisation provides the value.
    store
        .ingest(
            &prov_b,
            &[with_terms(
                indicator(
                    Uuid::new_v4(),
                    "2026-01-01T00:00:00.000Z",
                    members(Tlp::Green),
                ),
                &[("domain", "evil.example.jp")],
                &[],
            )],
            T0 + 10,
        )
        .await
        .expect("b");
    let m = look(&store, "domain", "evil.example.jp", 1)
        .await
        .expect("indexed");
    assert_eq!((m.objects, m.providers), (3, 2));
    assert_eq!(m.records.len(), 1, "the limit holds");
    let shared = store.shared_values(None, 10).await.expect("shared");
    assert_eq!(shared.len(), 1);
    assert_eq!(shared[0].value, "evil.example.jp");
    assert_eq!(shared[0].providers, 2);
    assert!(
        store
            .shared_values(Some((shared[0].shared_at, shared[0].key)), 10)
            .await
            .expect("page")
            .is_empty()
    );
    // The same value under another type is another value.
    assert!(look(&store, "url", "evil.example.jp", 10).await.is_none());

    // Deleted records drop out of lookups.
    let deleter = Deleter {
        org: a.id,
        may_delete_any: false,
    };
    store
        .delete_record(
            &reader(&a),
            &deleter,
            &format!("indicator--{id2}"),
            &VersionFilter::all(),
            T0 + 20,
        )
        .await
        .expect("delete");
    let m = look(&store, "domain", "evil.example.jp", 100)
        .await
        .expect("indexed");
    assert!(
        m.records
            .iter()
            .all(|r| r.stix_id != format!("indicator--{id2}"))
    );
}

/// Past the cap a value only counts: indexing stays O(1) per record.
pub async fn saturated_values_only_count(store: Arc<dyn Store>) {
    let (_a, prov) = setup_provider(&store, "A").await;
    let n = INDEX_CAP_PER_VALUE as usize + 25;
    let batch: Vec<NewRecord> = (0..n)
        .map(|_| {
            with_terms(
                indicator(
                    Uuid::new_v4(),
                    "2026-01-01T00:00:00.000Z",
                    members(Tlp::Green),
                ),
                &[("domain", "common.example")],
                &[],
            )
        })
        .collect();
    store.ingest(&prov, &batch, T0).await.expect("ingest");
    let m = look(&store, "domain", "common.example", 100_000)
        .await
        .expect("indexed");
    assert_eq!(m.objects, n as u64);
    assert!(m.saturated());
    assert_eq!(m.records.len() as u64, INDEX_CAP_PER_VALUE);
}

/// Sightings are found by the object they sight, latest version only.
pub async fn sightings_are_indexed(store: Arc<dyn Store>) {
    let (_a, prov_a) = setup_provider(&store, "A").await;
    let (b, prov_b) = setup_provider(&store, "B").await;
    let target = format!("indicator--{}", Uuid::new_v4());
    let sighting = |id: Uuid, modified: &str, count: i64, kind: &str| {
        let json = format!(
            r#"{{"type":"sighting","spec_version":"2.1","id":"sighting--{id}","created":"2026-01-01T00:00:00.000Z","modified":"{modified}","sighting_of_ref":"{target}","count":{count}}}"#
        );
        let mut r = record_from(&json, members(Tlp::Green));
        r.terms.sighting = Some(SightingTerm {
            of: target.clone(),
            kind: kind.to_owned(),
            count,
        });
        r
    };
    let s1 = Uuid::new_v4();
    store
        .ingest(
            &prov_a,
            &[sighting(s1, "2026-01-01T00:00:00.000Z", 1, "seen")],
            T0,
        )
        .await
        .expect("a");
    store
        .ingest(
            &prov_a,
            &[sighting(s1, "2026-01-02T00:00:00.000Z", 4, "seen")],
            T0,
        )
        .await
        .expect("a v2");
    store
        .ingest(
            &prov_b,
            &[sighting(
                Uuid::new_v4(),
                "2026-01-01T00:00:00.000Z",
                1,
                "false_positive",
            )],
            T0,
        )
        .await
        .expect("b");
    let rows = store
        .sightings_of(std::slice::from_ref(&target))
        .await
        .expect("sightings");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r.of == target));
    let mine = rows
        .iter()
        .find(|r| r.record.stix_id == format!("sighting--{s1}"))
        .expect("a's");
    assert_eq!((mine.kind.as_str(), mine.count), ("seen", 4));
    let theirs = rows
        .iter()
        .find(|r| r.record.provider == b.id)
        .expect("b's");
    assert_eq!(theirs.kind, "false_positive");
    assert!(
        store
            .sightings_of(&[format!("indicator--{}", Uuid::new_v4())])
            .await
            .expect("none")
            .is_empty()
    );
}

fn search(tokens: &[&str]) -> SearchQuery {
    SearchQuery {
        tokens: tokens.iter().map(|t| (*t).to_owned()).collect(),
        limit: 1_000,
        ..SearchQuery::default()
    }
}

async fn found(store: &Arc<dyn Store>, scope: &ReadScope, q: &SearchQuery) -> Vec<String> {
    store
        .search(scope, q)
        .await
        .expect("search")
        .into_iter()
        .map(|r| r.stix_id)
        .collect()
}

/// A provider's handling change re-adds its record at the end of the collection: search still
/// finds it by its text, twice over, and a newer version's text still replaces it; deleting
/// the object takes it out of search.
pub async fn search_survives_handling_changes(store: Arc<dyn Store>) {
    let (a, prov) = setup_provider(&store, "A").await;
    let uuid = Uuid::new_v4();
    let id = format!("indicator--{uuid}");
    let v1 = with_terms(
        indicator(uuid, "2026-01-01T00:00:00.000Z", members(Tlp::Amber)),
        &[],
        &["不正", "送金"],
    );
    store.ingest(&prov, &[v1], T0).await.expect("v1");
    let scope = secretariat_scope();
    assert_eq!(
        found(&store, &scope, &search(&["送金"])).await,
        std::slice::from_ref(&id)
    );
    for tlp in [Tlp::Green, Tlp::Clear] {
        let n = store
            .change_handling(&HandlingChange {
                provider: a.id,
                stix_id: id.clone(),
                handling: members(tlp),
                now: T0,
            })
            .await
            .expect("change");
        assert_eq!(n, 1);
        assert_eq!(
            found(&store, &scope, &search(&["送金"])).await,
            std::slice::from_ref(&id),
            "found after the change to {tlp:?}"
        );
    }
    let v2 = with_terms(
        indicator(uuid, "2026-02-01T00:00:00.000Z", members(Tlp::Clear)),
        &[],
        &["詐欺"],
    );
    store.ingest(&prov, &[v2], T0).await.expect("v2");
    assert!(
        found(&store, &scope, &search(&["送金"])).await.is_empty(),
        "old text gone"
    );
    assert_eq!(
        found(&store, &scope, &search(&["詐欺"])).await,
        std::slice::from_ref(&id)
    );
    let deleter = Deleter {
        org: a.id,
        may_delete_any: false,
    };
    store
        .delete_record(&reader(&a), &deleter, &id, &VersionFilter::all(), T0 + 20)
        .await
        .expect("delete");
    assert!(found(&store, &scope, &search(&["詐欺"])).await.is_empty());
}

/// Every token must match; filters narrow; the newest version's text replaces the old one;
/// the reader's scope applies; paging goes backwards in time.
pub async fn search_tokens_filters_and_scope(store: Arc<dyn Store>) {
    let (a, prov_a) = setup_provider(&store, "A").await;
    let other = new_org("C", OrgKind::Industry, Tier::A, Some("telecom"));
    store.create_org(&other).await.expect("org");
    let id1 = Uuid::new_v4();
    let id2 = Uuid::new_v4();
    let id3 = Uuid::new_v4();
    let hidden = Handling {
        attribution: Attribution::Hidden,
        ..members(Tlp::Amber)
    };
    let mut forum = with_terms(
        indicator(id3, "2026-01-01T00:00:00.000Z", hidden),
        &[],
        &["特殊", "殊詐", "詐欺", "forum"],
    );
    forum.terms.category = Some("technical".into());
    store
        .ingest(
            &prov_a,
            &[
                with_terms(
                    indicator(id1, "2026-01-01T00:00:00.000Z", members(Tlp::Green)),
                    &[],
                    &["不正", "正送", "送金", "phishing"],
                ),
                with_terms(
                    indicator(id2, "2026-01-01T00:00:00.000Z", members(Tlp::Red)),
                    &[],
                    &["不正", "phishing"],
                ),
                forum,
            ],
            T0,
        )
        .await
        .expect("ingest");
    let sec = secretariat_scope();
    let mine = reader(&a);
    let i = |u: Uuid| format!("indicator--{u}");
    assert_eq!(
        found(&store, &mine, &search(&["不正"])).await,
        [i(id2), i(id1)]
    );
    assert_eq!(
        found(&store, &mine, &search(&["不正", "送金"])).await,
        [i(id1)]
    );
    assert_eq!(found(&store, &mine, &search(&["詐欺"])).await, [i(id3)]);
    assert!(
        found(&store, &mine, &search(&["ransomware"]))
            .await
            .is_empty()
    );
    assert_eq!(
        found(&store, &mine, &search(&[])).await.len(),
        3,
        "no text filter"
    );

    // Filters.
    let q = SearchQuery {
        tlp: vec![Tlp::Green, Tlp::Amber],
        ..search(&["不正"])
    };
    assert_eq!(found(&store, &mine, &q).await, [i(id1)]);
    let q = SearchQuery {
        category: Some("technical".into()),
        ..search(&[])
    };
    assert_eq!(found(&store, &mine, &q).await, [i(id3)]);
    let q = SearchQuery {
        types: vec!["malware".into()],
        ..search(&["不正"])
    };
    assert!(found(&store, &mine, &q).await.is_empty());
    let all = store.search(&mine, &search(&[])).await.expect("all");
    let q = SearchQuery {
        added_from: Some(all[1].date_added),
        added_until: Some(all[0].date_added),
        ..search(&[])
    };
    assert_eq!(found(&store, &mine, &q).await, [all[1].stix_id.clone()]);
    let q = SearchQuery {
        before: Some(all[0].date_added),
        limit: 1,
        ..search(&[])
    };
    let page = found(&store, &mine, &q).await;
    assert_eq!(page.len(), 2, "limit + 1 tells there is more");
    assert_eq!(page[0], all[1].stix_id);

    // Sector: only where the reader may learn the provider's sector.
    let finance = SearchQuery {
        sector: Some(Sector::new("finance").expect("sector")),
        ..search(&[])
    };
    assert_eq!(
        found(&store, &reader(&other), &finance).await,
        [i(id1)],
        "TLP:RED is invisible; the hidden provider's sector is not a filter for others"
    );
    assert_eq!(
        found(&store, &reader(&a), &finance).await.len(),
        3,
        "the provider"
    );
    assert_eq!(
        found(&store, &sec, &finance).await,
        [i(id3), i(id1)],
        "the secretariat (TLP:RED reaches named people only)"
    );
    assert_eq!(
        found(&store, &reader(&other), &search(&["詐欺"])).await,
        [i(id3)],
        "without the sector filter the record is found"
    );

    // A new version's text replaces the old one.
    store
        .ingest(
            &prov_a,
            &[with_terms(
                indicator(id1, "2026-03-01T00:00:00.000Z", members(Tlp::Green)),
                &[],
                &["ランサ", "ンサム"],
            )],
            T0,
        )
        .await
        .expect("v2");
    assert_eq!(
        found(&store, &mine, &search(&["送金"])).await,
        Vec::<String>::new()
    );
    assert_eq!(found(&store, &mine, &search(&["ランサ"])).await, [i(id1)]);
    // An older version arriving late does not replace the newest's text.
    store
        .ingest(
            &prov_a,
            &[with_terms(
                indicator(id1, "2026-02-01T00:00:00.000Z", members(Tlp::Green)),
                &[],
                &["古い"],
            )],
            T0,
        )
        .await
        .expect("old");
    assert!(found(&store, &mine, &search(&["古い"])).await.is_empty());
    assert_eq!(found(&store, &mine, &search(&["ランサ"])).await, [i(id1)]);
}

/// One open notice per reader organisation and value; closing opens the way for a new one.
pub async fn hint_notices_queue(store: Arc<dyn Store>) {
    let (a, _) = setup_provider(&store, "A").await;
    let (b, _) = setup_provider(&store, "B").await;
    let user = UserId::from_uuid(Uuid::new_v4());
    let notice = |records: u64, at: i64| NewHintNotice {
        reader_org: a.id,
        reader_user: user,
        value_key: key("domain", "evil.example.jp"),
        kind: "domain".into(),
        value: "evil.example.jp".into(),
        records,
        providers: vec![b.id],
        at,
    };
    store.note_hints(&[notice(2, T0)]).await.expect("note");
    store.note_hints(&[notice(3, T0 + 5)]).await.expect("again");
    let open = store.hint_notices(false, 10).await.expect("list");
    assert_eq!(open.len(), 1);
    let n = &open[0];
    assert_eq!(
        (n.records, n.times, n.first_at, n.last_at),
        (3, 2, T0, T0 + 5)
    );
    assert_eq!(n.providers, [b.id]);
    assert_eq!(
        (n.kind.as_str(), n.value.as_str()),
        ("domain", "evil.example.jp")
    );
    assert!(store.close_hint_notice(n.id, T0 + 9).await.expect("close"));
    assert!(!store.close_hint_notice(n.id, T0 + 9).await.expect("twice"));
    assert!(
        store
            .hint_notices(false, 10)
            .await
            .expect("open")
            .is_empty()
    );
    store.note_hints(&[notice(1, T0 + 20)]).await.expect("new");
    let all = store.hint_notices(true, 10).await.expect("all");
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].closed_at, None);
    assert_eq!(all[1].closed_at, Some(T0 + 9));
}
