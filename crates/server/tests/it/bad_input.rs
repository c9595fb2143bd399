//! Bad input gets the right 4xx with a TAXII error body, changes nothing, and never a 500.

use axum::http::{Method, StatusCode};
use renkei_server::ServerConfig;
use serde_json::json;

use crate::app::*;

async fn malformed_bodies_store_nothing(app: TestApp) {
    let alice = app.member("alice").await;
    let objects = format!("{RECORDS}/objects/");
    for body in [
        b"not json".to_vec(),
        b"{\"objects\": [".to_vec(),
        b"[]".to_vec(),
        b"{\"objects\": {}}".to_vec(),
        b"{\"objects\": [], \"objects\": []}".to_vec(),
        b"{\"objects\": [{\"type\": \"indicator\"}], \"more\": \"yes\"}".to_vec(),
        vec![0xff, 0xfe, 0x00],
        "{\"objects\": [\"\u{0}\"]".as_bytes().to_vec(),
    ] {
        let r = app
            .send(
                Method::POST,
                &objects,
                Some(&alice),
                &[("content-type", TAXII)],
                body.clone(),
            )
            .await;
        let e = r.assert_taxii_error(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            e["error_code"],
            "invalid_envelope",
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
    assert_eq!(app.record_count().await, 0);
}

async fn wrong_content_type_is_415(app: TestApp) {
    let alice = app.member("alice").await;
    let body = serde_json::to_vec(&json!({"objects": [indicator("x", &[])]})).unwrap_or_default();
    for ct in [
        "application/json",
        "application/stix+json;version=2.1",
        "application/taxii+json;version=2.0",
        "text/plain",
    ] {
        let r = app
            .send(
                Method::POST,
                &format!("{RECORDS}/objects/"),
                Some(&alice),
                &[("content-type", ct)],
                body.clone(),
            )
            .await;
        r.assert_taxii_error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    let r = app
        .send(
            Method::POST,
            &format!("{RECORDS}/objects/"),
            Some(&alice),
            &[],
            body.clone(),
        )
        .await;
    r.assert_taxii_error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // The unversioned TAXII type means the latest version and is accepted.
    let r = app
        .send(
            Method::POST,
            &format!("{RECORDS}/objects/"),
            Some(&alice),
            &[("content-type", "application/taxii+json")],
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(app.record_count().await, 1);
}

async fn invalid_objects_are_reported_one_by_one(app: TestApp) {
    let alice = app.member("alice").await;
    let mut no_pattern = indicator("broken", &[]);
    no_pattern.as_object_mut().map(|o| o.remove("pattern"));
    let mut bad_time = indicator("bad time", &[]);
    bad_time["modified"] = "yesterday".into();
    let s = app
        .post_envelope(
            &format!("{RECORDS}/objects/"),
            Some(&alice),
            &[
                indicator("good", &[]),
                no_pattern,
                bad_time,
                json!(42),
                json!({"type": "indicator"}),
            ],
        )
        .await
        .json();
    assert_eq!(s["total_count"], 5);
    assert_eq!(s["success_count"], 1);
    assert_eq!(s["failure_count"], 4);
    let failures = s["failures"].as_array().expect("failures");
    assert!(
        failures[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("pattern"),
        "{s}"
    );
    assert!(
        failures
            .iter()
            .all(|f| f["id"].is_string() && f["version"].is_string()),
        "status-details need id and version: {s}"
    );
    assert_eq!(app.record_count().await, 1);
}

async fn bad_parameters_are_400(app: TestApp) {
    let alice = app.member("alice").await;
    for q in [
        "limit=0",
        "limit=-5",
        "limit=abc",
        "limit=1&limit=2",
        "added_after=2026-13-01T00:00:00Z",
        "match[version]=all,first",
        "match[version]=newest",
        "match[type]=INDICATOR",
        "match[id]=nope",
        "match[spec_version]=latest",
        "next=%00%01",
    ] {
        let r = app
            .get(&format!("{RECORDS}/objects/?{q}"), Some(&alice))
            .await;
        let e = r.assert_taxii_error(StatusCode::BAD_REQUEST);
        assert!(
            e["title"].as_str().is_some_and(|t| t.contains('`')),
            "the error names the parameter: {e}"
        );
    }
}

async fn unknown_things_are_404(app: TestApp) {
    let alice = app.member("alice").await;
    for path in [
        "/taxii2/api2/".to_owned(),
        "/taxii2/api/collections/not-a-uuid/objects/".to_owned(),
        "/taxii2/api/collections/00000000-0000-4000-8000-000000000000/objects/".to_owned(),
        format!("{RECORDS}/objects/indicator--00000000-0000-4000-8000-000000000000/versions/"),
    ] {
        app.get(&path, Some(&alice))
            .await
            .assert_taxii_error(StatusCode::NOT_FOUND);
    }
}

async fn oversize_bodies_are_413(app: TestApp) {
    let alice = app.member("alice").await;
    let big: Vec<serde_json::Value> = (0..200)
        .map(|i| indicator(&format!("{i:0>64}"), &[]))
        .collect();
    let body = serde_json::to_vec(&json!({ "objects": big })).unwrap_or_default();
    assert!(body.len() > 4096);
    let r = app
        .send(
            Method::POST,
            &format!("{RECORDS}/objects/"),
            Some(&alice),
            &[("content-type", TAXII)],
            body,
        )
        .await;
    r.assert_taxii_error(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.record_count().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_oversize_bodies_are_413() {
    oversize_bodies_are_413(
        TestApp::sqlite_with(ServerConfig {
            max_content_length: 4096,
            ..ServerConfig::default()
        })
        .await,
    )
    .await;
}

on_both_stores!(
    malformed_bodies_store_nothing,
    wrong_content_type_is_415,
    invalid_objects_are_reported_one_by_one,
    bad_parameters_are_400,
    unknown_things_are_404,
);
