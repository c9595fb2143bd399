//! Feeds for defenders as a monitoring provider uses them (issue 5 §3): a feed token pulls
//! exactly the values whose providers consented to defensive feeds with PAP CLEAR/GREEN,
//! TLP ≤ AMBER and no classification; false positives, expired indicators and replaced
//! versions drop out of incremental pulls; ETags spare unchanged downloads; a feed token can
//! do nothing else. The leak test (`leaks.rs`) checks feeds against `decide` for every reader.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::*;

const API: &str = "/api/v1";

fn handling(tlp: &str, pap: &str, uses: &[&str], classification: u8) -> Value {
    json!({ "tlp": tlp, "audience": ["members"], "classification": classification, "uses": uses,
            "attribution": "named", "pap": pap })
}

fn consented() -> Value {
    handling("TLP:AMBER", "PAP:GREEN", &["defensive_feeds"], 0)
}

fn c2(id: &str, modified: &str, pattern: &str, valid_until: Option<&str>) -> Value {
    let mut v = json!({
        "type": "indicator", "spec_version": "2.1", "id": id,
        "created": "2026-11-01T00:00:00.000Z", "modified": modified,
        "name": "C2 \"サーバ\"; <script>", "pattern": pattern, "pattern_type": "stix",
        "valid_from": "2026-11-01T00:00:00Z",
    });
    if let Some(u) = valid_until {
        v["valid_until"] = u.into();
    }
    v
}

fn new_id() -> String {
    format!("indicator--{}", Uuid::new_v4())
}

async fn feed_token(app: &TestApp, who: &User) -> String {
    let body = serde_json::to_vec(&json!({ "scope": "feeds", "label": "sensor" })).unwrap();
    let r = app
        .send(
            Method::POST,
            &format!("{API}/users/{}/tokens", who.id),
            Some(who),
            &[("content-type", "application/json")],
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["scope"], "feeds", "{}", r.text());
    r.json()["token"].as_str().unwrap().to_owned()
}

async fn pull(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Reply {
    app.send(Method::GET, path, None, headers, Vec::new()).await
}

fn lines(r: &Reply) -> Vec<String> {
    r.text().lines().map(str::to_owned).collect()
}

async fn feeds_carry_only_what_may_be_blocked(app: TestApp) {
    let bank = app.member("bank-user").await;
    let vendor = app.industry("monitoring vendor", "vendor-user", "it").await;
    let token = feed_token(&app, &vendor).await;

    let kept = new_id();
    let replaced = new_id();
    app.post_records(
        &bank,
        consented(),
        vec![
            c2(
                &kept,
                "2026-11-01T00:00:00.000Z",
                "[ipv4-addr:value = '45.95.147.10'] OR [domain-name:value = 'sakura-bank-c2.shop']",
                Some("2030-01-01T00:00:00Z"),
            ),
            c2(
                &replaced,
                "2026-11-01T00:00:00.000Z",
                "[url:value = 'http://phish.sakura-login.xyz/login']",
                None,
            ),
            c2(
                &new_id(),
                "2026-11-01T00:00:00.000Z",
                "[domain-name:value = 'expired-c2.shop']",
                Some("2026-11-02T00:00:00Z"),
            ),
        ],
    )
    .await;
    // What must never reach a feed, each for one reason.
    for (h, domain) in [
        (
            handling("TLP:AMBER", "PAP:GREEN", &["investigation"], 0),
            "no-consent.shop",
        ),
        (
            handling("TLP:AMBER", "PAP:AMBER", &["defensive_feeds"], 0),
            "pap-amber.shop",
        ),
        (
            handling("TLP:AMBER+STRICT", "PAP:GREEN", &["defensive_feeds"], 0),
            "amber-strict.shop",
        ),
        (
            handling("TLP:GREEN", "PAP:GREEN", &["defensive_feeds"], 1),
            "classified.shop",
        ),
        (
            json!({ "tlp": "TLP:GREEN", "audience": ["provider"], "classification": 0,
                    "uses": ["defensive_feeds"], "attribution": "named", "pap": "PAP:GREEN" }),
            "provider-only.shop",
        ),
    ] {
        app.post_records(
            &bank,
            h,
            vec![c2(
                &new_id(),
                "2026-11-01T00:00:00.000Z",
                &format!("[domain-name:value = '{domain}']"),
                None,
            )],
        )
        .await;
    }

    // Full plain feed, token in the URL.
    let r = pull(&app, &format!("/feeds/plain?token={token}"), &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        lines(&r),
        vec![
            "45.95.147.10",
            "sakura-bank-c2.shop",
            "http://phish.sakura-login.xyz/login"
        ],
        "{}",
        r.text()
    );
    let cursor = r.headers["x-renkei-feed-cursor"]
        .to_str()
        .unwrap()
        .to_owned();
    let etag = r.headers["etag"].to_str().unwrap().to_owned();

    // Unchanged: 304, by header token this time.
    let bearer = format!("Bearer {token}");
    let r = pull(
        &app,
        "/feeds/plain",
        &[("authorization", &bearer), ("if-none-match", &etag)],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED, "{}", r.text());
    assert!(r.body.is_empty());

    // Records the vendor may not pull change nothing it can observe: not the body, not the
    // ETag, not the cursor (an RPZ serial or a moving cursor would tell that they exist).
    let rpz = pull(&app, &format!("/feeds/rpz?token={token}"), &[]).await;
    app.post_records(
        &bank,
        json!({ "tlp": "TLP:GREEN", "audience": ["provider"], "classification": 0,
                "uses": ["defensive_feeds"], "attribution": "named", "pap": "PAP:GREEN" }),
        vec![c2(
            &new_id(),
            "2026-11-01T00:00:00.000Z",
            "[domain-name:value = 'invisible.shop']",
            None,
        )],
    )
    .await;
    let r = pull(
        &app,
        "/feeds/plain",
        &[("authorization", &bearer), ("if-none-match", &etag)],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED, "{}", r.text());
    // (The cursor's last part is the time of the pull.)
    let stamps = |c: &str| c.rsplit_once('.').map(|(s, _)| s.to_owned());
    assert_eq!(
        stamps(r.headers["x-renkei-feed-cursor"].to_str().unwrap()),
        stamps(&cursor)
    );
    let again = pull(&app, &format!("/feeds/rpz?token={token}"), &[]).await;
    assert_eq!(again.body, rpz.body, "the RPZ serial moved");

    // Every format answers, each with what it can express.
    for (format, expect) in [
        ("csv", "sakura-bank-c2.shop"),
        ("suricata", "sakura-bank-c2.shop"),
        ("suricata-dataset?set=domains", ""),
        ("rpz", "sakura-bank-c2.shop"),
        ("stix", "sakura-bank-c2.shop"),
        ("samples", ""),
    ] {
        let sep = if format.contains('?') { '&' } else { '?' };
        let r = pull(&app, &format!("/feeds/{format}{sep}token={token}"), &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{format}: {}", r.text());
        assert!(r.text().contains(expect), "{format}: {}", r.text());
        for never in [
            "no-consent",
            "pap-amber",
            "amber-strict",
            "classified",
            "provider-only",
            "expired-c2",
        ] {
            assert!(
                !r.text().contains(never),
                "{format} carries {never}: {}",
                r.text()
            );
        }
    }
    let stix: Value = pull(&app, &format!("/feeds/stix?token={token}"), &[])
        .await
        .json();
    assert_eq!(stix["type"], "bundle");

    // The police report the domain as a false positive; the bank replaces the URL indicator.
    let police = app.police("police-user").await;
    app.post_records(&police,
        handling("TLP:GREEN", "PAP:GREEN", &["investigation"], 0),
        vec![json!({
            "type": "sighting", "spec_version": "2.1", "id": format!("sighting--{}", Uuid::new_v4()),
            "created": "2026-11-03T00:00:00.000Z", "modified": "2026-11-03T00:00:00.000Z",
            "sighting_of_ref": kept, "x_renkei_sighting_type": "false_positive",
        })],
    )
    .await;
    app.post_records(
        &bank,
        consented(),
        vec![c2(
            &replaced,
            "2026-11-05T00:00:00.000Z",
            "[url:value = 'http://phish.sakura-login.xyz/v2']",
            None,
        )],
    )
    .await;

    let r = pull(
        &app,
        &format!("/feeds/csv?token={token}&since={cursor}"),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mut rows: Vec<(String, String)> = lines(&r)
        .iter()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[0].to_owned(), cells[2].to_owned())
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        vec![
            (
                "added".to_owned(),
                "http://phish.sakura-login.xyz/v2".to_owned()
            ),
            ("removed".to_owned(), "45.95.147.10".to_owned()),
            (
                "removed".to_owned(),
                "http://phish.sakura-login.xyz/login".to_owned()
            ),
            ("removed".to_owned(), "sakura-bank-c2.shop".to_owned()),
        ],
        "{}",
        r.text()
    );
    let r = pull(&app, &format!("/feeds/plain?token={token}"), &[]).await;
    assert_eq!(lines(&r), vec!["http://phish.sakura-login.xyz/v2"]);
    assert_ne!(r.headers["etag"].to_str().unwrap(), etag);

    // The bank withdraws its consent: the value leaves the full feed, and the vendor, who had
    // it, is told in its next incremental pull.
    let cursor = r.headers["x-renkei-feed-cursor"]
        .to_str()
        .unwrap()
        .to_owned();
    let body =
        serde_json::to_vec(&handling("TLP:AMBER", "PAP:GREEN", &["investigation"], 0)).unwrap();
    let w = app
        .send(
            Method::PATCH,
            &format!("{API}/records/{replaced}/handling"),
            Some(&bank),
            &[("content-type", "application/json")],
            body,
        )
        .await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.text());
    let r = pull(&app, &format!("/feeds/plain?token={token}"), &[]).await;
    assert!(lines(&r).is_empty(), "{}", r.text());
    let r = pull(
        &app,
        &format!("/feeds/csv?token={token}&since={cursor}"),
        &[],
    )
    .await;
    let rows: Vec<String> = lines(&r).into_iter().skip(1).collect();
    assert_eq!(rows.len(), 1, "{}", r.text());
    assert!(
        rows[0].starts_with("removed,url,http://phish.sakura-login.xyz/v2,"),
        "{}",
        r.text()
    );

    // The token pulls feeds and nothing else; other credentials pull too.
    let r = app
        .send(
            Method::GET,
            &format!("{API}/records"),
            None,
            &[("authorization", &bearer), ("accept", "application/json")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert!(r.text().contains("token_scope"), "{}", r.text());
    let r = app.get("/feeds/plain", Some(&vendor)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // Bad requests.
    for (path, status) in [
        ("/feeds/plain".to_owned(), StatusCode::UNAUTHORIZED),
        (format!("/feeds/html?token={token}"), StatusCode::NOT_FOUND),
        (
            format!("/feeds/suricata-dataset?token={token}"),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/feeds/plain?set=domains&token={token}"),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/feeds/suricata-dataset?set=urls&token={token}"),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/feeds/plain?token={token}&since=yesterday"),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/feeds/plain?token={token}&nope=1"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/feeds/plain?token=rk_nonsense".to_owned(),
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let r = pull(&app, &path, &[]).await;
        assert_eq!(r.status, status, "{path}: {}", r.text());
    }
    let r = pull(
        &app,
        &format!("/feeds/plain?token={token}"),
        &[("authorization", &bearer)],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
}

on_both_stores!(feeds_carry_only_what_may_be_blocked);
