//! Conformance of feed rows (`crate::feeds`): which versions go in, what takes them out,
//! and what an incremental read after a cursor returns.

use super::*;
use renkei_model::handling::Use;

fn consented(tlp: Tlp, pap: Pap) -> Handling {
    Handling {
        uses: Uses::NONE.with(Use::DefensiveFeeds),
        pap,
        ..members(tlp)
    }
}

fn feedable(uuid: Uuid, modified: &str, handling: Handling, values: &[(&str, &str)]) -> NewRecord {
    let mut r = indicator(uuid, modified, handling);
    r.terms.observables = values
        .iter()
        .map(|(k, v)| ObservableTerm::new(k, v))
        .collect();
    r.terms.feed = Some(FeedTerms {
        label: Some("C2".into()),
        valid_until: None,
    });
    r
}

fn values(read: &[FeedRow], removed: bool) -> BTreeSet<String> {
    read.iter()
        .filter(|r| r.removed == removed)
        .flat_map(|r| r.entries.iter().map(|e| e.value.clone()))
        .collect()
}

fn set(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// Consented, shareable versions go in with their values; other handling is filtered out;
/// a newer version, a false-positive sighting, expiry and deletion take rows out, and an
/// incremental read after a cursor reports exactly those changes.
pub async fn feed_rows_follow_versions_sightings_and_deletion(store: Arc<dyn Store>) {
    let (a, prov) = setup_provider(&store, "A").await;
    let (kept, replaced, reported, deleted, expiring) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    let ok = || consented(Tlp::Amber, Pap::Green);
    let mut expires = feedable(
        expiring,
        "2026-01-01T00:00:00.000Z",
        ok(),
        &[("ipv4", "45.0.0.5")],
    );
    expires.terms.feed = Some(FeedTerms {
        label: None,
        valid_until: Some(T0 + 1_000),
    });
    store
        .ingest(
            &prov,
            &[
                feedable(
                    kept,
                    "2026-01-01T00:00:00.000Z",
                    ok(),
                    &[("domain", "kept.example.jp"), ("cve", "CVE-2024-0001")],
                ),
                feedable(
                    replaced,
                    "2026-01-01T00:00:00.000Z",
                    ok(),
                    &[("ipv4", "45.0.0.1")],
                ),
                feedable(
                    reported,
                    "2026-01-01T00:00:00.000Z",
                    ok(),
                    &[("ipv4", "45.0.0.2")],
                ),
                feedable(
                    deleted,
                    "2026-01-01T00:00:00.000Z",
                    ok(),
                    &[("ipv4", "45.0.0.3")],
                ),
                expires,
                // Filtered out: no consent, PAP:AMBER, AMBER+STRICT, classified.
                feedable(
                    Uuid::new_v4(),
                    "2026-01-01T00:00:00.000Z",
                    members(Tlp::Green),
                    &[("ipv4", "45.9.9.1")],
                ),
                feedable(
                    Uuid::new_v4(),
                    "2026-01-01T00:00:00.000Z",
                    consented(Tlp::Green, Pap::Amber),
                    &[("ipv4", "45.9.9.2")],
                ),
                feedable(
                    Uuid::new_v4(),
                    "2026-01-01T00:00:00.000Z",
                    consented(Tlp::AmberStrict, Pap::Clear),
                    &[("ipv4", "45.9.9.3")],
                ),
                feedable(
                    Uuid::new_v4(),
                    "2026-01-01T00:00:00.000Z",
                    Handling {
                        classification: Classification::new(1).expect("c"),
                        ..ok()
                    },
                    &[("ipv4", "45.9.9.4")],
                ),
            ],
            T0,
        )
        .await
        .expect("ingest");
    let full = store.feed_rows(None, T0).await.expect("full");
    assert_eq!(
        values(&full.rows, false),
        set(&[
            "kept.example.jp",
            "45.0.0.1",
            "45.0.0.2",
            "45.0.0.3",
            "45.0.0.5"
        ]),
        "only feed kinds, only pre-filtered handling"
    );
    assert!(full.rows.iter().all(|r| r.record.provider == a.id));
    let cursor = full.cursor;
    assert!(cursor.added >= T0);
    // Expired by the time of reading.
    let later = T0 + 2_000;
    assert!(
        !values(
            &store.feed_rows(None, later).await.expect("full").rows,
            false
        )
        .contains("45.0.0.5")
    );

    // A new version with another value; a false positive; a deletion.
    store
        .ingest(
            &prov,
            &[feedable(
                replaced,
                "2026-02-01T00:00:00.000Z",
                ok(),
                &[("ipv4", "45.0.0.11")],
            )],
            later,
        )
        .await
        .expect("v2");
    let target = format!("indicator--{reported}");
    let mut fp = record_from(
        &format!(
            r#"{{"type":"sighting","spec_version":"2.1","id":"sighting--{}","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","sighting_of_ref":"{target}"}}"#,
            Uuid::new_v4()
        ),
        members(Tlp::Green),
    );
    fp.terms.sighting = Some(SightingTerm {
        of: target.clone(),
        kind: "false_positive".into(),
        count: 1,
    });
    store.ingest(&prov, &[fp], later).await.expect("sighting");
    let deleter = Deleter {
        org: a.id,
        may_delete_any: false,
    };
    store
        .delete_record(
            &reader(&a),
            &deleter,
            &format!("indicator--{deleted}"),
            &VersionFilter::default(),
            later,
        )
        .await
        .expect("delete");

    let inc = store
        .feed_rows(Some(cursor), later)
        .await
        .expect("incremental");
    assert_eq!(values(&inc.rows, false), set(&["45.0.0.11"]), "{inc:?}");
    assert_eq!(
        values(&inc.rows, true),
        set(&["45.0.0.1", "45.0.0.2", "45.0.0.3", "45.0.0.5"]),
        "replaced, reported, deleted, expired"
    );
    assert!(inc.cursor.added > cursor.added && inc.cursor.removed > cursor.removed);
    let full = store.feed_rows(None, later).await.expect("full");
    assert_eq!(
        values(&full.rows, false),
        set(&["kept.example.jp", "45.0.0.11"])
    );
    // Nothing changed since the new cursor.
    let none = store
        .feed_rows(Some(inc.cursor), later)
        .await
        .expect("none");
    assert!(none.rows.is_empty(), "{none:?}");

    // An object reported before it arrives never goes in.
    let early = Uuid::new_v4();
    let early_id = format!("indicator--{early}");
    let mut fp = record_from(
        &format!(
            r#"{{"type":"sighting","spec_version":"2.1","id":"sighting--{}","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","sighting_of_ref":"{early_id}"}}"#,
            Uuid::new_v4()
        ),
        members(Tlp::Green),
    );
    fp.terms.sighting = Some(SightingTerm {
        of: early_id,
        kind: "expired".into(),
        count: 1,
    });
    store
        .ingest(&prov, &[fp], later)
        .await
        .expect("early sighting");
    store
        .ingest(
            &prov,
            &[feedable(
                early,
                "2026-01-01T00:00:00.000Z",
                ok(),
                &[("ipv4", "45.0.0.20")],
            )],
            later,
        )
        .await
        .expect("late indicator");
    assert!(
        !values(
            &store.feed_rows(None, later).await.expect("full").rows,
            false
        )
        .contains("45.0.0.20")
    );

    // A handling change: consent withdrawn, the value leaves full pulls at once, and those who
    // had it are told in the next incremental one, decided on the handling it had (consented);
    // consent given again, it comes back as added.
    let before = store.feed_rows(None, later).await.expect("full").cursor;
    let kept_id = format!("indicator--{kept}");
    let change = |handling: Handling| HandlingChange {
        provider: a.id,
        stix_id: kept_id.clone(),
        handling,
        now: later,
    };
    store
        .change_handling(&change(members(Tlp::Amber)))
        .await
        .expect("withdraw");
    let full = store.feed_rows(None, later).await.expect("full");
    assert!(!values(&full.rows, false).contains("kept.example.jp"));
    let inc = store
        .feed_rows(Some(before), later)
        .await
        .expect("incremental");
    assert_eq!(
        values(&inc.rows, true),
        set(&["kept.example.jp"]),
        "{inc:?}"
    );
    assert!(values(&inc.rows, false).is_empty(), "{inc:?}");
    assert!(inc.rows.iter().filter(|r| r.removed).all(|r| {
        r.record.handling.uses.contains(Use::DefensiveFeeds)
            && r.record.stix_id == kept_id
            && r.removed_at.is_some()
    }));
    store.change_handling(&change(ok())).await.expect("consent");
    let again = store
        .feed_rows(Some(inc.cursor), later)
        .await
        .expect("incremental");
    assert_eq!(
        values(&again.rows, false),
        set(&["kept.example.jp"]),
        "{again:?}"
    );
    assert!(values(&again.rows, true).is_empty(), "{again:?}");

    // Rows still carrying a value, by its key.
    let carrying = store
        .feed_rows_carrying(
            &[
                value_key("domain", "kept.example.jp"),
                value_key("ipv4", "45.0.0.1"),
            ],
            later,
        )
        .await
        .expect("carrying");
    // (Rows of the objects indexed under the keys: the caller checks which values each row
    // still carries — the replaced indicator's new version no longer carries 45.0.0.1.)
    let asked = set(&["kept.example.jp", "45.0.0.1"]);
    assert_eq!(
        values(&carrying, false)
            .intersection(&asked)
            .cloned()
            .collect::<BTreeSet<_>>(),
        set(&["kept.example.jp"])
    );
}
