//! Discovery, API root, collections, status: shapes, media types, who sees what.

use axum::http::{Method, StatusCode};
use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};

use crate::app::*;

async fn discovery_and_api_root(app: TestApp) {
    for path in ["/taxii2/", "/taxii2"] {
        let r = app.get(path, None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.content_type(), TAXII);
        let d = r.json();
        assert!(d["title"].is_string());
        assert_eq!(d["default"], "/taxii2/api/");
        assert_eq!(d["api_roots"][0], "/taxii2/api/");
    }
    let r = app.get("/taxii2/api/", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let root = r.json();
    assert_eq!(root["versions"], serde_json::json!([TAXII]));
    assert!(root["max_content_length"].as_u64().unwrap_or(0) > 0);
}

async fn collections_depend_on_the_caller(app: TestApp) {
    let anonymous = app.get("/taxii2/api/collections/", None).await.json();
    let titles: Vec<&str> = anonymous["collections"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["title"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        titles,
        vec!["public"],
        "anonymous callers see the public collection only"
    );
    assert_eq!(anonymous["collections"][0]["can_write"], false);

    let member = app.member("alice").await;
    let list = app
        .get("/taxii2/api/collections/", Some(&member))
        .await
        .json();
    let records = list["collections"]
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["title"] == "records")
        .expect("records")
        .clone();
    assert_eq!(records["can_read"], true);
    assert_eq!(records["can_write"], true);
    assert_eq!(
        records["media_types"],
        serde_json::json!(["application/stix+json;version=2.1"])
    );

    let org = app
        .org(
            "Reader Co",
            OrgKind::Industry,
            Tier::A,
            None,
            OrgStatus::Active,
        )
        .await;
    let reader = app.user(org, "reader", Role::Reader, 0, false).await;
    let ro = app.user(org, "robot", Role::Contributor, 0, true).await;
    for u in [&reader, &ro] {
        let c = app.get(RECORDS, Some(u)).await.json();
        assert_eq!(c["can_read"], true);
        assert_eq!(c["can_write"], false, "{}", u.login);
    }
    let c = app.get(&format!("{RECORDS}/"), Some(&member)).await;
    assert_eq!(c.status, StatusCode::OK);
    assert_eq!(c.json()["id"], "a7d0c7d2-3a4b-4c5e-9f10-6b2e8d1c4f01");
    app.get(
        "/taxii2/api/collections/00000000-0000-4000-8000-000000000000/",
        Some(&member),
    )
    .await
    .assert_taxii_error(StatusCode::NOT_FOUND);
    app.get(RECORDS, None)
        .await
        .assert_taxii_error(StatusCode::UNAUTHORIZED);
}

async fn status_is_kept_for_its_owner_only(app: TestApp) {
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let r = app
        .post_envelope(
            &format!("{RECORDS}/objects/"),
            Some(&alice),
            &[indicator("x", &[])],
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let id = r.json()["id"].as_str().expect("id").to_owned();
    // taxii2-client builds the status URL without a trailing slash.
    for path in [
        format!("/taxii2/api/status/{id}/"),
        format!("/taxii2/api/status/{id}"),
    ] {
        let s = app.get(&path, Some(&alice)).await;
        assert_eq!(s.status, StatusCode::OK);
        assert_eq!(s.json()["id"], id.as_str());
    }
    app.get(&format!("/taxii2/api/status/{id}/"), Some(&bob))
        .await
        .assert_taxii_error(StatusCode::NOT_FOUND);
    app.get(&format!("/taxii2/api/status/{id}/"), None)
        .await
        .assert_taxii_error(StatusCode::UNAUTHORIZED);
    app.get("/taxii2/api/status/not-a-uuid/", Some(&alice))
        .await
        .assert_taxii_error(StatusCode::NOT_FOUND);
}

async fn every_response_has_the_taxii_media_type(app: TestApp) {
    let alice = app.member("alice").await;
    for (method, path) in [
        (Method::GET, "/taxii2/".to_owned()),
        (Method::GET, "/taxii2/nowhere/".to_owned()),
        (Method::PUT, format!("{RECORDS}/objects/")),
        (Method::PATCH, "/taxii2/api/".to_owned()),
        (Method::GET, format!("{RECORDS}/objects/?limit=0")),
    ] {
        let r = app
            .send(method.clone(), &path, Some(&alice), &[], Vec::new())
            .await;
        assert_eq!(r.content_type(), TAXII, "{method} {path}");
        if !r.status.is_success() {
            r.assert_taxii_error(r.status);
        }
    }
}

async fn content_negotiation(app: TestApp) {
    for accept in [
        "application/taxii+json;version=2.1",
        "application/taxii+json",
        "*/*",
        "application/json, application/taxii+json; version=2.1",
    ] {
        let r = app
            .send(
                Method::GET,
                "/taxii2/",
                None,
                &[("accept", accept)],
                Vec::new(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{accept}");
    }
    for accept in [
        "application/json",
        "application/taxii+json;version=2.0",
        "text/html",
        "application/stix+json;version=2.1",
    ] {
        let r = app
            .send(
                Method::GET,
                "/taxii2/api/",
                None,
                &[("accept", accept)],
                Vec::new(),
            )
            .await;
        r.assert_taxii_error(StatusCode::NOT_ACCEPTABLE);
    }
    // The manifest endpoint also lists the STIX media type.
    let r = app
        .send(
            Method::GET,
            &format!("{PUBLIC}/manifest/"),
            None,
            &[("accept", "application/stix+json;version=2.1")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

on_both_stores!(
    discovery_and_api_root,
    collections_depend_on_the_caller,
    status_is_kept_for_its_owner_only,
    every_response_has_the_taxii_media_type,
    content_negotiation,
);
