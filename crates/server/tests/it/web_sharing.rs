//! The members' record pages (issue 6): related records, correlation hints and sightings on a
//! record; submitting pasted indicators (preview, then confirm) and the Renkei record types
//! with an explicit handling; lookups. Each is checked the way a member would complain:
//! something unreadable leaking, a hint about TLP:RED, a refused form that stored anyway.

use axum::http::{StatusCode, header};
use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use serde_json::{Value, json};

use crate::app::*;
use crate::web::{Browser, csrf_of};

const HOSTILE: &str = "<script>alert(1)</script> 詐欺";
const URL_LOOKUP: &str =
    "/api/v1/lookup?type=url&value=http%3A%2F%2Fbank-verify-login.shop%2Flogin";

fn handling(tlp: &str, audience: Value) -> Value {
    json!({ "tlp": tlp, "audience": audience, "classification": 0,
        "uses": ["investigation"], "attribution": "sector_only", "pap": "PAP:GREEN" })
}

fn on_domain(name: &str, domain: &str) -> Value {
    let mut o = indicator(name, &[]);
    o["pattern"] = format!("[domain-name:value = '{domain}']").into();
    o
}

async fn posted_id(app: &TestApp, who: &User, handling: Value, object: Value) -> String {
    let r = app.post_records(who, handling, vec![object]).await;
    let id = r["results"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(r["results"][0]["stored"], true, "{r}");
    id
}

async fn records(app: &TestApp) -> u64 {
    app.store.stats().await.unwrap().records
}

fn location(r: &Reply) -> String {
    r.headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A bank's record on a domain that a telecom company (sector only), the police (TLP:RED) and
/// another bank (audience `provider`) also hold, and a fourth member shares with everyone.
async fn record_page_shows_what_the_lookup_api_shows(app: TestApp) {
    let bank = app.member("bank").await;
    let telco = app.industry("telco", "telco-user", "telecom").await;
    let police = app.police("police-user").await;
    let other = app.industry("other bank", "other-user", "finance").await;
    let vendor = app
        .industry("vendor", "vendor-user", "security_vendor")
        .await;
    let domain = "sakura-login-check.shop";

    let mine = posted_id(
        &app,
        &bank,
        handling("TLP:AMBER", json!(["members"])),
        on_domain(HOSTILE, domain),
    )
    .await;
    let hidden = posted_id(
        &app,
        &telco,
        handling("TLP:AMBER", json!(["sector:telecom"])),
        on_domain("telco", domain),
    )
    .await;
    let red = posted_id(
        &app,
        &police,
        handling("TLP:RED", json!(["law_enforcement"])),
        on_domain("red lead", domain),
    )
    .await;
    let own = posted_id(
        &app,
        &other,
        handling("TLP:AMBER", json!(["provider"])),
        on_domain("kept", domain),
    )
    .await;
    let shared = posted_id(
        &app,
        &vendor,
        handling("TLP:GREEN", json!(["members"])),
        on_domain("シェア", domain),
    )
    .await;
    let sighting = json!({
        "type": "sighting", "spec_version": "2.1", "id": "sighting--6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d",
        "created": "2026-11-02T00:00:00.000Z", "modified": "2026-11-02T00:00:00.000Z",
        "sighting_of_ref": mine, "count": 2, "x_renkei_sighting_type": "seen",
    });
    posted_id(
        &app,
        &vendor,
        handling("TLP:GREEN", json!(["members"])),
        sighting,
    )
    .await;

    let mut b = Browser::new(&app);
    b.login(&bank.login).await;
    let r = b.get(&format!("/records/{mine}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; 詐欺"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{html}");
    // The readable neighbour is related; the others appear nowhere.
    assert!(
        html.contains(&format!("href=\"/records/{shared}\"")),
        "{html}"
    );
    for id in [&hidden, &red, &own] {
        assert!(!html.contains(id.as_str()), "{id} leaked: {html}");
    }
    // One hint: the telecom record; never the TLP:RED one nor the provider-only one.
    assert!(
        html.contains("あなたが閲覧できない記録 1 件がこの値を含んでいます（業界: telecom）"),
        "{html}"
    );
    // The lookup API says the same.
    let api = app
        .get(&format!("/api/v1/lookup?value={domain}"), Some(&bank))
        .await
        .json();
    let reading = &api["observables"][0];
    assert_eq!(reading["hint"]["records"], 1, "{api}");
    assert_eq!(reading["hint"]["sectors"], json!(["telecom"]), "{api}");
    // Sightings, counted as the API counts them.
    assert!(html.contains("目撃情報"), "{html}");
    assert!(html.contains("<th>確認</th><td>2</td>"), "{html}");

    // The telecom company sees no hint about its own sector's record, and the police (who may
    // read their RED record) see it related, not hinted.
    let mut p = Browser::new(&app);
    p.login(&police.login).await;
    let html = p.get(&format!("/records/{red}")).await.text();
    assert!(
        html.contains(&format!("href=\"/records/{mine}\"")),
        "{html}"
    );
    // The RED record's page is 404 for the bank, like one that does not exist.
    assert_eq!(
        b.get(&format!("/records/{red}")).await.status,
        StatusCode::NOT_FOUND
    );
    // A member whose record is only its own (audience provider) is never hinted at for others.
    let mut o = Browser::new(&app);
    o.login(&other.login).await;
    let html = o.get(&format!("/records/{own}")).await.text();
    assert!(!html.contains(&red), "{html}");
}

async fn sightings_are_reported_from_the_record_page(app: TestApp) {
    let bank = app.member("bank").await;
    let vendor = app
        .industry("vendor", "vendor-user", "security_vendor")
        .await;
    let id = posted_id(
        &app,
        &vendor,
        handling("TLP:GREEN", json!(["members"])),
        on_domain("偽サイト", "fake-shop-login.shop"),
    )
    .await;
    let mut b = Browser::new(&app);
    b.login(&bank.login).await;
    let page = format!("/records/{id}");
    let action = format!("/records/{id}/sightings");
    let before = records(&app).await;
    let r = b
        .post(&action, &[("csrf", "wrong"), ("kind", "false_positive")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(records(&app).await, before, "a refused form stores nothing");
    let csrf = b.csrf(&page).await;
    let r = b
        .post(&action, &[("csrf", csrf.as_str()), ("kind", "nonsense")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let r = b
        .post(
            &action,
            &[("csrf", csrf.as_str()), ("kind", "false_positive")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(location(&r), page);
    let html = b.get(&page).await.text();
    assert!(html.contains("<th>誤検知</th><td>1</td>"), "{html}");
    // A record the member may not see cannot be sighted: 404 like its page.
    let hidden = posted_id(
        &app,
        &vendor,
        handling("TLP:AMBER", json!(["provider"])),
        on_domain("秘密", "hidden-login.shop"),
    )
    .await;
    let r = b
        .post(
            &format!("/records/{hidden}/sightings"),
            &[("csrf", csrf.as_str()), ("kind", "seen")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// The handling fields of a form, with `tlp` (empty for none) and classification.
fn fields<'a>(csrf: &'a str, tlp: &'a str, classification: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("tlp", tlp),
        ("pap", "PAP:GREEN"),
        ("classification", classification),
        ("audience", "members"),
        ("attribution", "sector_only"),
        ("uses", "investigation"),
        ("uses", "defensive_feeds"),
    ]
}

async fn pasted_indicators_are_previewed_then_stored(app: TestApp) {
    let bank = app.member("bank").await;
    let telco = app.industry("telco", "telco-user", "telecom").await;
    posted_id(
        &app,
        &telco,
        handling("TLP:AMBER", json!(["sector:telecom"])),
        {
            let mut o = indicator("SMS sender", &[]);
            o["pattern"] = "[ipv4-addr:value = '45.95.147.201']".into();
            o
        },
    )
    .await;
    let text =
        "偽ログイン: hxxp://bank-verify-login[.]shop/login 送信元 ４５．９５．１４７．２０１";
    let mut b = Browser::new(&app);
    b.login(&bank.login).await;
    let csrf = b.csrf("/submit/text").await;
    let before = records(&app).await;

    let mut form = fields(&csrf, "TLP:AMBER", "0");
    form.push(("text", text));
    form.push(("step", "preview"));
    let r = b.post("/submit/text", &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains("http://bank-verify-login.shop/login"),
        "{html}"
    );
    assert!(html.contains("45.95.147.201"), "{html}");
    assert_eq!(records(&app).await, before, "the preview stores nothing");
    let lookup = app.get(URL_LOOKUP, Some(&bank)).await.json();
    assert_eq!(lookup["observables"][0]["records"], json!([]), "{lookup}");

    // Back to edit keeps the text; confirming stores and shows the new record.
    form.pop();
    form.push(("step", "edit"));
    let r = b.post("/submit/text", &form).await;
    assert!(
        r.text().contains("４５．９５．１４７．２０１"),
        "{}",
        r.text()
    );
    form.pop();
    form.push(("step", "confirm"));
    let r = b.post("/submit/text", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let to = location(&r);
    assert!(to.starts_with("/records/note--"), "{to}");
    let html = b.get(&to).await.text();
    assert!(
        html.contains("あなたが閲覧できない記録 1 件がこの値を含んでいます（業界: telecom）"),
        "{html}"
    );
    assert!(!html.contains("SMS sender"), "{html}");
    // The values are indexed: a lookup finds them.
    let lookup = app.get(URL_LOOKUP, Some(&bank)).await.json();
    let found = lookup["observables"][0]["records"].as_array().unwrap();
    assert!(!found.is_empty(), "{lookup}");
    let html = b
        .get("/lookup?value=hxxp%3A%2F%2Fbank-verify-login%5B.%5Dshop%2Flogin")
        .await
        .text();
    assert!(html.contains("TLP:AMBER"), "{html}");
}

async fn bad_submissions_are_refused_and_store_nothing(app: TestApp) {
    let bank = app.member("bank").await; // cleared to 1
    let mut b = Browser::new(&app);
    b.login(&bank.login).await;
    let csrf = b.csrf("/submit/text").await;
    let before = records(&app).await;
    let text = "<script>alert(1)</script> 詐欺 45.95.147.33";

    // No TLP: refused, the text kept (escaped), the field named.
    for step in ["preview", "confirm"] {
        let mut form = fields(&csrf, "", "0");
        form.extend([("text", text), ("step", step)]);
        let r = b.post("/submit/text", &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let html = r.text();
        assert!(html.contains("TLP を選んでください。"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt; 詐欺 45.95.147.33"),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
    }
    // Above the member's clearance, even when forged.
    let mut form = fields(&csrf, "TLP:GREEN", "3");
    form.extend([("text", text), ("step", "confirm")]);
    let r = b.post("/submit/text", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("クリアランスを超える"), "{}", r.text());
    // A TLP that does not parse.
    let mut form = fields(&csrf, "TLP:PURPLE", "0");
    form.extend([("text", text), ("step", "confirm")]);
    assert_eq!(
        b.post("/submit/text", &form).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Without the session's token.
    let mut form = fields("forged", "TLP:GREEN", "0");
    form.extend([("text", text), ("step", "confirm")]);
    assert_eq!(
        b.post("/submit/text", &form).await.status,
        StatusCode::FORBIDDEN
    );
    // Gigantic text: 413, what was typed kept.
    let big = format!("{} 45.95.147.34", "あ".repeat(30_000));
    let mut form = fields(&csrf, "TLP:GREEN", "0");
    form.extend([("text", big.as_str()), ("step", "confirm")]);
    let r = b.post("/submit/text", &form).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.text().contains("64 KiB"), "{}", r.text());
    // A record type without its required fields, or with a time that does not parse.
    let mut form = fields(&csrf, "TLP:GREEN", "0");
    form.extend([
        ("site", "example-forum"),
        ("posted", "昨日"),
        ("category", "individual"),
    ]);
    let r = b.post("/submit/forum-post", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains("<strong>投稿内容</strong>: 入力してください。"),
        "{html}"
    );
    assert!(
        html.contains("<strong>投稿日時</strong>: 日時として読み取れません"),
        "{html}"
    );
    assert!(html.contains("value=\"example-forum\""), "{html}");
    // A fraud account the ingest refuses (a bank account without its number).
    let mut form = fields(&csrf, "TLP:GREEN", "0");
    form.extend([
        ("account_type", "bank"),
        ("category", "individual"),
        ("institution_name", "さくら銀行"),
    ]);
    let r = b.post("/submit/fraud-account", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    assert!(html.contains("value=\"さくら銀行\""), "{html}");
    assert!(
        html.contains("<strong>口座番号（7 桁）</strong>: is required"),
        "{html}"
    );

    assert_eq!(records(&app).await, before, "nothing was stored");
}

async fn record_types_are_submitted_with_their_handling(app: TestApp) {
    let bank = app.member("bank").await;
    let mut b = Browser::new(&app);
    b.login(&bank.login).await;
    let csrf = b.csrf("/submit/forum-post").await;
    let mut form = fields(&csrf, "TLP:AMBER", "1");
    form.extend([
        ("site", "example-forum"),
        ("posted", "2026-11-06T03:12"),
        ("content", HOSTILE),
        ("category", "individual"),
        ("thread_title", "JP bank logs"),
    ]);
    let r = b.post("/submit/forum-post", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let to = location(&r);
    assert!(to.starts_with("/records/x-renkei-forum-post--"), "{to}");
    let html = b.get(&to).await.text();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; 詐欺"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{html}");
    let id = to.trim_start_matches("/records/");
    let api = app
        .get(&format!("/api/v1/records/{id}"), Some(&bank))
        .await
        .json();
    assert_eq!(api["handling"]["tlp"], "TLP:AMBER", "{api}");
    assert_eq!(api["handling"]["classification"], 1, "{api}");
    assert_eq!(
        api["handling"]["uses"],
        json!(["investigation", "defensive_feeds"]),
        "{api}"
    );
    assert_eq!(api["object"]["posted"], "2026-11-06T03:12:00.000Z", "{api}");
}

async fn readers_may_look_up_but_not_submit(app: TestApp) {
    let org = app
        .org(
            "partner",
            OrgKind::Partner,
            Tier::None,
            None,
            OrgStatus::Active,
        )
        .await;
    let reader = app.user(org, "reader", Role::Reader, 0, false).await;
    let mut b = Browser::new(&app);
    b.login(&reader.login).await;
    let dashboard = b.get("/dashboard").await.text();
    assert!(!dashboard.contains("href=\"/submit\""), "{dashboard}");
    assert!(dashboard.contains("href=\"/lookup\""), "{dashboard}");
    for path in ["/submit", "/submit/text", "/submit/malware-report"] {
        assert_eq!(b.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let csrf = csrf_of(&dashboard);
    let before = records(&app).await;
    let mut form = fields(&csrf, "TLP:GREEN", "0");
    form.extend([("text", "45.95.147.35"), ("step", "confirm")]);
    assert_eq!(
        b.post("/submit/text", &form).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(records(&app).await, before);
    // Lookups: one value, and many (up to the API's limit) with the values kept when refused.
    assert_eq!(
        b.get("/lookup?value=45.95.147.35").await.status,
        StatusCode::OK
    );
    let many = "45.95.147.35\nexample-not-a-value\n".repeat(5_001);
    let r = b
        .post(
            "/lookup",
            &[("csrf", csrf.as_str()), ("values", many.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = b
        .post(
            "/lookup",
            &[
                ("csrf", csrf.as_str()),
                ("values", "45.95.147.35\n<b>x</b>"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("&lt;b&gt;x&lt;/b&gt;"), "{}", r.text());
    let r = b
        .post("/lookup", &[("csrf", "nope"), ("values", "45.95.147.35")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Visitors without a session are sent to the login page.
    let mut anon = Browser::new(&app);
    for path in ["/submit", "/lookup"] {
        assert_eq!(anon.get(path).await.status, StatusCode::SEE_OTHER, "{path}");
    }
}

on_both_stores!(
    record_page_shows_what_the_lookup_api_shows,
    sightings_are_reported_from_the_record_page,
    pasted_indicators_are_previewed_then_stored,
    bad_submissions_are_refused_and_store_nothing,
    record_types_are_submitted_with_their_handling,
    readers_may_look_up_but_not_submit,
);
