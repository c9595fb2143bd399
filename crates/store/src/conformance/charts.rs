//! Conformance of the charts' aggregates and a record's neighbourhood (`crate::charts`): they
//! count and link only what the reader may see, and name a sector only where the reader may
//! learn it.

use super::*;

fn malware_json(uuid: Uuid, name: &str) -> String {
    format!(
        r#"{{"type":"malware","spec_version":"2.1","id":"malware--{uuid}","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"{name}","is_family":true}}"#
    )
}

fn relationship_json(uuid: Uuid, source: &str, target: &str) -> String {
    format!(
        r#"{{"type":"relationship","spec_version":"2.1","id":"relationship--{uuid}","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","relationship_type":"indicates","source_ref":"{source}","target_ref":"{target}"}}"#
    )
}

pub async fn charts_count_and_link_what_the_reader_sees(store: Arc<dyn Store>) {
    const BUCKET: i64 = 5_000_000;
    let bank = new_org("Chart Bank", OrgKind::Industry, Tier::A, Some("finance"));
    let telco = new_org("Chart Telco", OrgKind::Industry, Tier::A, Some("telecom"));
    let reader_org = new_org("Chart Reader", OrgKind::Industry, Tier::A, Some("finance"));
    for o in [&bank, &telco, &reader_org] {
        store.create_org(o).await.expect("org");
    }
    let hidden = Handling {
        attribution: Attribution::Hidden,
        ..members(Tlp::Green)
    };
    let malware_id = format!("malware--{}", Uuid::new_v4());
    let family = record_from(
        &malware_json(
            Uuid::parse_str(malware_id.trim_start_matches("malware--")).expect("uuid"),
            "Emotet",
        ),
        members(Tlp::Green),
    );
    let ind = indicator(
        Uuid::new_v4(),
        "2026-01-01T00:00:00.000Z",
        members(Tlp::Green),
    );
    let seen_rel = record_from(
        &relationship_json(Uuid::new_v4(), &ind.stix_id, &malware_id),
        members(Tlp::Green),
    );
    // Bucket 0: the bank's family, indicator and relationship, all for members.
    store
        .ingest(&provenance(&bank), &[family, ind, seen_rel.clone()], T0)
        .await
        .expect("bank");
    // Bucket 2: the telco's indicator with its name hidden, and a RED relationship.
    let telco_ind = indicator(Uuid::new_v4(), "2026-01-01T00:00:00.000Z", hidden);
    let red_rel = record_from(
        &relationship_json(Uuid::new_v4(), &telco_ind.stix_id, &malware_id),
        members(Tlp::Red),
    );
    store
        .ingest(
            &provenance(&telco),
            &[telco_ind, red_rel.clone()],
            T0 + 2 * BUCKET,
        )
        .await
        .expect("telco");

    let cells = |c: Vec<HistogramCell>| -> Vec<(i64, Option<String>, u64)> {
        c.into_iter()
            .map(|c| (c.bucket, c.sector, c.records))
            .collect()
    };
    let reader = reader(&reader_org);
    assert_eq!(
        cells(
            store
                .record_histogram(&reader, T0, T0 + 3 * BUCKET, BUCKET)
                .await
                .expect("histogram")
        ),
        vec![(0, Some("finance".into()), 3), (2, None, 1)],
        "the RED relationship is not counted; the hidden provider's sector is not named"
    );
    // The secretariat learns every sector (not the RED record: its audience names nobody).
    let sec = secretariat_scope();
    assert_eq!(
        cells(
            store
                .record_histogram(&sec, T0, T0 + 3 * BUCKET, BUCKET)
                .await
                .expect("histogram")
        ),
        vec![
            (0, Some("finance".into()), 3),
            (2, Some("telecom".into()), 1)
        ]
    );
    // The provider sees its own records, RED or not.
    let own = super::reader(&telco);
    assert_eq!(
        cells(
            store
                .record_histogram(&own, T0, T0 + 3 * BUCKET, BUCKET)
                .await
                .expect("histogram")
        ),
        vec![
            (0, Some("finance".into()), 3),
            (2, Some("telecom".into()), 2)
        ]
    );
    assert!(
        store
            .record_histogram(&reader, T0 + BUCKET, T0 + 2 * BUCKET, BUCKET)
            .await
            .expect("histogram")
            .is_empty(),
        "an empty period has no cells"
    );

    let tallies = |t: Vec<MalwareTally>| -> Vec<(String, u64)> {
        t.into_iter().map(|t| (t.malware_id, t.records)).collect()
    };
    assert_eq!(
        tallies(
            store
                .malware_tallies(&reader, T0, T0 + 3 * BUCKET, 10)
                .await
                .expect("tallies")
        ),
        vec![(malware_id.clone(), 1)]
    );
    assert_eq!(
        tallies(
            store
                .malware_tallies(&own, T0, T0 + 3 * BUCKET, 10)
                .await
                .expect("tallies")
        ),
        vec![(malware_id.clone(), 2)]
    );

    let ids =
        |rows: Vec<RecordRow>| -> Vec<String> { rows.into_iter().map(|r| r.stix_id).collect() };
    assert_eq!(
        ids(store
            .referrers(&reader, &malware_id, 10)
            .await
            .expect("referrers")),
        vec![seen_rel.stix_id.clone()]
    );
    assert_eq!(
        ids(store
            .referrers(&own, &malware_id, 10)
            .await
            .expect("referrers")),
        vec![red_rel.stix_id.clone(), seen_rel.stix_id.clone()],
        "newest first"
    );
    assert!(
        store
            .referrers(&sec, "malware--00000000-0000-4000-8000-000000000000", 10)
            .await
            .expect("referrers")
            .is_empty()
    );
}
