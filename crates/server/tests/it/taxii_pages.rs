//! Paging: limit, more, next, added_after, the server cap, and cursors bound to query and
//! caller.

use axum::http::StatusCode;
use renkei_server::ServerConfig;
use serde_json::Value;

use crate::app::*;

async fn page_through(app: &TestApp, user: &User, path: &str, limit: usize) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &next {
            Some(n) => format!("{path}{sep}limit={limit}&next={n}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let env = app.get(&url, Some(user)).await.json();
        let objects = env["objects"].as_array().cloned().unwrap_or_default();
        assert!(objects.len() <= limit);
        seen.extend(objects);
        if env["more"] == true {
            next = Some(env["next"].as_str().expect("next with more").to_owned());
        } else {
            assert!(env.get("next").is_none());
            return seen;
        }
    }
}

async fn pages_cover_everything_once(app: TestApp) {
    let alice = app.member("alice").await;
    let objs: Vec<Value> = (0..25).map(|i| marked(&format!("{i}"))).collect();
    app.post_envelope(&format!("{RECORDS}/objects/"), Some(&alice), &objs)
        .await;
    let got = page_through(&app, &alice, &format!("{RECORDS}/objects/"), 10).await;
    assert_eq!(got, objs);
    let manifest = page_through(&app, &alice, &format!("{RECORDS}/manifest/"), 7).await;
    assert_eq!(manifest.len(), 25);
    // Exactly a page's worth: no empty extra page.
    let env = app
        .get(&format!("{RECORDS}/objects/?limit=25"), Some(&alice))
        .await
        .json();
    assert_eq!(env["more"], false);
}

async fn added_after_is_strict(app: TestApp) {
    let alice = app.member("alice").await;
    let objs: Vec<Value> = (0..3).map(|i| marked(&format!("{i}"))).collect();
    app.post_envelope(&format!("{RECORDS}/objects/"), Some(&alice), &objs)
        .await;
    let r = app
        .get(&format!("{RECORDS}/objects/?limit=1"), Some(&alice))
        .await;
    let last = r
        .headers
        .get("x-taxii-date-added-last")
        .and_then(|v| v.to_str().ok())
        .expect("header")
        .to_owned();
    let rest = app
        .get(
            &format!("{RECORDS}/objects/?added_after={last}"),
            Some(&alice),
        )
        .await
        .json();
    assert_eq!(rest["objects"].as_array().map(Vec::len), Some(2));
    assert_eq!(rest["objects"][0], objs[1]);
}

async fn cursors_are_bound_to_query_and_caller(app: TestApp) {
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let objs: Vec<Value> = (0..4)
        .map(|i| indicator(&format!("{i}"), &[TLP_GREEN]))
        .collect();
    app.post_envelope(&format!("{RECORDS}/objects/"), Some(&alice), &objs)
        .await;
    let env = app
        .get(&format!("{RECORDS}/objects/?limit=2"), Some(&alice))
        .await
        .json();
    let next = env["next"].as_str().expect("next").to_owned();
    // The same query, a different limit: allowed (taxii2-client adjusts limit).
    assert_eq!(
        app.get(
            &format!("{RECORDS}/objects/?limit=1&next={next}"),
            Some(&alice)
        )
        .await
        .status,
        StatusCode::OK
    );
    app.get(
        &format!("{RECORDS}/objects/?limit=2&next={next}"),
        Some(&bob),
    )
    .await
    .assert_taxii_error(StatusCode::BAD_REQUEST);
    app.get(
        &format!("{RECORDS}/objects/?limit=2&match[type]=indicator&next={next}"),
        Some(&alice),
    )
    .await
    .assert_taxii_error(StatusCode::BAD_REQUEST);
    app.get(
        &format!("{RECORDS}/manifest/?limit=2&next={next}"),
        Some(&alice),
    )
    .await
    .assert_taxii_error(StatusCode::BAD_REQUEST);
    app.get(&format!("{RECORDS}/objects/?next=AAAA"), Some(&alice))
        .await
        .assert_taxii_error(StatusCode::BAD_REQUEST);
}

async fn server_caps_the_page(app: TestApp) {
    let alice = app.member("alice").await;
    let objs: Vec<Value> = (0..12).map(|i| indicator(&format!("{i}"), &[])).collect();
    app.post_envelope(&format!("{RECORDS}/objects/"), Some(&alice), &objs)
        .await;
    let env = app
        .get(&format!("{RECORDS}/objects/?limit=1000000"), Some(&alice))
        .await
        .json();
    assert_eq!(env["objects"].as_array().map(Vec::len), Some(10));
    assert_eq!(env["more"], true);
    let env = app
        .get(&format!("{RECORDS}/objects/"), Some(&alice))
        .await
        .json();
    assert_eq!(
        env["objects"].as_array().map(Vec::len),
        Some(5),
        "default page size"
    );
}

async fn capped_app() -> TestApp {
    TestApp::sqlite_with(ServerConfig {
        max_page_size: 10,
        default_page_size: 5,
        ..ServerConfig::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_server_caps_the_page() {
    server_caps_the_page(capped_app().await).await;
}

on_both_stores!(
    pages_cover_everything_once,
    added_after_is_strict,
    cursors_are_bound_to_query_and_caller
);
