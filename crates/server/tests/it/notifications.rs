//! Notifications (issue 5 §4): subscriptions over REST, in-app delivery, e-mail to a local
//! SMTP sink, and the rule that each recipient is told — separately — only of what the policy
//! lets them see. The notifier is a background task: tests wait for it with `flush`, never
//! with sleeps.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use renkei_server::ServerConfig;
use serde_json::{Value, json};

use crate::app::*;
use crate::smtp_sink::SmtpSink;

const SUBS: &str = "/api/v1/notifications/subscriptions";
const INBOX: &str = "/api/v1/notifications";
/// The value the tests watch (`.example` domains are never indexed).
const WATCHED: &str = "phish.notify-test.jp";

/// An indicator carrying the watched value.
fn indicator(name: &str, markings: &[&str]) -> Value {
    let mut o = crate::app::indicator(name, markings);
    o["pattern"] = format!("[domain-name:value = '{WATCHED}']").into();
    o
}

pub async fn flush(app: &TestApp) {
    tokio::time::timeout(Duration::from_secs(60), app.state.notifier.flush())
        .await
        .expect("the notifier caught up");
}

pub async fn subscribe(app: &TestApp, who: &User, body: Value) -> Reply {
    app.send(
        Method::POST,
        SUBS,
        Some(who),
        &[("content-type", "application/json")],
        serde_json::to_vec(&body).expect("json"),
    )
    .await
}

pub async fn inbox(app: &TestApp, who: &User, query: &str) -> Value {
    let r = app.get(&format!("{INBOX}{query}"), Some(who)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

/// The ids of every record in every notification of the inbox page.
fn ids_in(page: &Value) -> Vec<String> {
    let mut ids: Vec<String> = page["notifications"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|n| n["records"].as_array().cloned().unwrap_or_default())
        .map(|r| r["id"].as_str().unwrap_or("").to_owned())
        .collect();
    ids.sort();
    ids
}

async fn set_email(app: &TestApp, who: &User, address: &str) {
    let r = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", who.id),
            Some(who),
            &[("content-type", "application/json")],
            serde_json::to_vec(&json!({ "email": address })).expect("json"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["email"], address);
}

fn handling(tlp: &str, audience: &[&str], classification: u8, attribution: &str) -> Value {
    json!({ "tlp": tlp, "audience": audience, "classification": classification,
            "uses": [], "attribution": attribution, "pap": "PAP:GREEN" })
}

fn id_of(object: &Value) -> String {
    object["id"].as_str().unwrap_or("").to_owned()
}

async fn subscription_crud_and_bad_input(app: TestApp) {
    let alice = app.industry("alice bank", "alice", "finance").await;
    let bob = app.industry("bob bank", "bob", "finance").await;
    let r = subscribe(
        &app,
        &alice,
        json!({ "name": "フィッシング監視", "sectors": ["telecom", "finance", "telecom"],
                "types": ["indicator", "x-renkei-fraud-account"],
                "values": ["Phish.Notify-Test.JP.", "45.0.0.7", "198.51.100.9"],
                "channels": ["in_app", "email"] }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let created = r.json();
    assert_eq!(created["sectors"], json!(["finance", "telecom"]));
    assert_eq!(created["channels"], json!(["in_app", "email"]));
    let values: Vec<(String, String)> = created["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| {
            (
                v["type"].as_str().unwrap_or("").into(),
                v["value"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert!(
        values.contains(&("domain".into(), WATCHED.into())),
        "normalised like ingest: {values:?}"
    );
    assert!(values.contains(&("ipv4".into(), "45.0.0.7".into())));
    assert!(
        created["ignored"].as_array().is_some_and(|a| !a.is_empty()),
        "a value never indexed is reported: {created}"
    );
    assert!(created["warnings"].is_array(), "no e-mail address yet");
    let id = created["id"].as_i64().expect("id");

    let list = app.get(SUBS, Some(&alice)).await.json();
    assert_eq!(list["subscriptions"].as_array().map(Vec::len), Some(1));
    assert_eq!(list["subscriptions"][0]["name"], "フィッシング監視");
    let theirs = app.get(SUBS, Some(&bob)).await.json();
    assert_eq!(
        theirs["subscriptions"],
        json!([]),
        "each sees only their own"
    );

    // Another user's subscription is 404, like a missing one.
    let path = format!("{SUBS}/{id}");
    let r = app
        .send(Method::DELETE, &path, Some(&bob), &[], Vec::new())
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .send(
            Method::DELETE,
            &format!("{SUBS}/nonsense"),
            Some(&alice),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .send(Method::DELETE, &path, Some(&alice), &[], Vec::new())
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app
        .send(Method::DELETE, &path, Some(&alice), &[], Vec::new())
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Bad input: stable codes.
    let many: Vec<String> = (0..10_001).map(|i| format!("h{i}.example.jp")).collect();
    for (body, status, code) in [
        (
            json!({ "name": "x" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_subscription",
        ),
        (
            json!({ "name": "x", "values": ["198.51.100.9"] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "values_never_indexed",
        ),
        (
            json!({ "name": "", "types": ["indicator"] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_subscription_name",
        ),
        (
            json!({ "name": "x", "sectors": ["Finance!"] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_sector",
        ),
        (
            json!({ "name": "x", "types": ["Indicator"] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_stix_type",
        ),
        (
            json!({ "name": "x", "values": ["not a value at all"] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_watch_value",
        ),
        (
            json!({ "name": "x", "values": ["example.jp"], "value_type": "ipv4" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_watch_value",
        ),
        (
            json!({ "name": "x", "values": ["a.jp"], "value_type": "colour" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value_type",
        ),
        (
            json!({ "name": "x", "values": many }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_values",
        ),
        (
            json!({ "name": "x", "types": ["indicator"], "channels": ["sms"] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_channel",
        ),
        (
            json!({ "name": "x", "types": ["indicator"], "channels": [] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_channel",
        ),
        (
            json!({ "name": "x", "types": ["indicator"], "colour": "red" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
    ] {
        let r = subscribe(&app, &alice, body.clone()).await;
        assert_eq!(r.status, status, "{body}: {}", r.text());
        assert_eq!(r.json()["error_code"], code, "{body}");
    }
    let r = app
        .send(
            Method::POST,
            SUBS,
            Some(&alice),
            &[("content-type", "application/json")],
            b"{".to_vec(),
        )
        .await;
    assert_eq!(r.json()["error_code"], "malformed_json");
    let r = app
        .send(
            Method::POST,
            SUBS,
            None,
            &[("content-type", "application/json")],
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let read_only = app
        .user(
            alice.org,
            "alice-ro",
            renkei_model::account::Role::Reader,
            0,
            true,
        )
        .await;
    let r = subscribe(
        &app,
        &read_only,
        json!({ "name": "x", "types": ["indicator"] }),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error_code"], "read_only_token");
    let r = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", alice.id),
            Some(&alice),
            &[("content-type", "application/json")],
            serde_json::to_vec(&json!({ "email": "not an address" })).expect("json"),
        )
        .await;
    assert_eq!(r.json()["error_code"], "invalid_email");

    // Changes are audited.
    let entries = app.store.audit_entries(0, 10_000).await.expect("audit");
    let actions: Vec<&str> = entries.iter().map(|e| e.event.action.as_str()).collect();
    assert!(actions.contains(&"subscription.create"), "{actions:?}");
    assert!(actions.contains(&"subscription.delete"), "{actions:?}");
}

async fn a_matching_record_reaches_the_subscriber_in_app(app: TestApp) {
    let bank = app.industry("watching bank", "watcher", "finance").await;
    let colleague = app
        .user(
            bank.org,
            "colleague",
            renkei_model::account::Role::Contributor,
            0,
            false,
        )
        .await;
    let telco = app.industry("telco", "telco", "telecom").await;
    let r = subscribe(
        &app,
        &bank,
        json!({ "name": "phish", "values": [WATCHED], "value_type": "domain" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let by_type = subscribe(
        &app,
        &bank,
        json!({ "name": "malware", "types": ["malware"] }),
    )
    .await;
    assert_eq!(by_type.status, StatusCode::CREATED);

    // Nothing yet.
    flush(&app).await;
    assert_eq!(inbox(&app, &bank, "").await["unread"], 0);

    let matching = indicator("フィッシングサイト", &[]);
    let mut other = indicator("unrelated", &[]);
    other["pattern"] = "[domain-name:value = 'other.notify-test.jp']".into();
    app.post_records(
        &telco,
        handling("TLP:GREEN", &["members"], 0, "named"),
        vec![matching.clone(), other],
    )
    .await;
    // The subscriber's own organisation's records are not announced to them.
    app.post_records(
        &colleague,
        handling("TLP:GREEN", &["members"], 0, "named"),
        vec![indicator("ours", &[])],
    )
    .await;
    flush(&app).await;

    let page = inbox(&app, &bank, "").await;
    assert_eq!(page["unread"], 1, "{page}");
    assert_eq!(ids_in(&page), vec![id_of(&matching)]);
    let n = &page["notifications"][0];
    assert_eq!(n["kind"], "record");
    assert_eq!(n["read"], false);
    assert!(
        n["title"]
            .as_str()
            .is_some_and(|t| t.contains("phish") && t.contains("新着")),
        "{n}"
    );
    let rec = &n["records"][0];
    assert_eq!(rec["name"], "フィッシングサイト");
    assert_eq!(rec["tlp"], "TLP:GREEN");
    assert_eq!(rec["provider"]["org"], json!(telco.org));

    // A second record: newest first, paged.
    let second = indicator("second", &[]);
    app.post_records(
        &telco,
        handling("TLP:AMBER", &["members"], 0, "sector_only"),
        vec![second.clone()],
    )
    .await;
    flush(&app).await;
    let first_page = inbox(&app, &bank, "?limit=1").await;
    assert_eq!(ids_in(&first_page), vec![id_of(&second)]);
    assert_eq!(first_page["unread"], 2);
    let rec = &first_page["notifications"][0]["records"][0];
    assert_eq!(
        rec["provider"],
        json!({ "sector": "telecom" }),
        "the provider as attribution allows"
    );
    let before = first_page["next_before"].as_i64().expect("more");
    let next = inbox(&app, &bank, &format!("?limit=1&before={before}")).await;
    assert_eq!(ids_in(&next), vec![id_of(&matching)]);
    assert_eq!(next["next_before"], Value::Null);

    // Marking read: own only.
    let id = first_page["notifications"][0]["id"].as_i64().expect("id");
    let path = format!("{INBOX}/{id}/read");
    let r = app
        .send(Method::POST, &path, Some(&telco), &[], Vec::new())
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "not theirs");
    let r = app
        .send(Method::POST, &path, Some(&bank), &[], Vec::new())
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let page = inbox(&app, &bank, "?unread=true").await;
    assert_eq!(page["unread"], 1);
    assert_eq!(ids_in(&page), vec![id_of(&matching)]);
    assert_eq!(inbox(&app, &telco, "").await["notifications"], json!([]));
    let r = app.get(&format!("{INBOX}?limit=0"), Some(&bank)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// A sink, and an app that sends notification e-mail to it.
async fn with_sink(postgres: bool) -> Option<(TestApp, SmtpSink)> {
    let sink = SmtpSink::start().await;
    let config = ServerConfig {
        smtp: Some(sink.config()),
        ..ServerConfig::default()
    };
    let app = if postgres {
        TestApp::postgres_with(config).await?
    } else {
        TestApp::sqlite_with(config).await
    };
    Some((app, sink))
}

async fn what_the_subscriber_may_not_see_never_reaches_them(app: TestApp, sink: SmtpSink) {
    let bank = app.industry("bank", "watcher", "finance").await;
    set_email(&app, &bank, "watcher@bank.example.jp").await;
    let r = subscribe(
        &app,
        &bank,
        json!({ "name": "watch", "values": [WATCHED], "channels": ["in_app", "email"] }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let telco = app.industry("telco", "telco", "telecom").await;
    let police = app.police("officer").await;
    // Cleared to secret, so they may classify.
    let police = app
        .user(
            police.org,
            "officer-3",
            renkei_model::account::Role::Contributor,
            3,
            false,
        )
        .await;
    let other = app.industry("other bank", "other", "finance").await;
    let red_for_other = format!("user:{}", other.id);
    // Each carries the watched value; none may reach the watcher.
    for h in [
        handling("TLP:GREEN", &["sector:telecom"], 0, "named"),
        handling("TLP:RED", &[&red_for_other], 0, "named"),
        handling("TLP:GREEN", &["members"], 2, "named"),
        handling("TLP:GREEN", &["provider"], 0, "named"),
        handling("TLP:AMBER", &["law_enforcement"], 0, "named"),
    ] {
        app.post_records(&police, h, vec![indicator("hidden from the watcher", &[])])
            .await;
    }
    app.post_records(
        &telco,
        handling("TLP:GREEN", &["sector:telecom"], 0, "named"),
        vec![indicator("telecom only", &[])],
    )
    .await;
    flush(&app).await;
    assert_eq!(inbox(&app, &bank, "").await["notifications"], json!([]));
    assert_eq!(
        app.store
            .unread_notifications(bank.id)
            .await
            .expect("unread"),
        0
    );
    assert!(sink.mails().is_empty(), "no e-mail: {:?}", sink.mails());

    // One they may see: exactly that one, in-app and by e-mail.
    let visible = indicator("見えるレコード", &[]);
    app.post_records(
        &police,
        handling("TLP:AMBER", &["members"], 0, "named"),
        vec![visible.clone()],
    )
    .await;
    flush(&app).await;
    assert_eq!(ids_in(&inbox(&app, &bank, "").await), vec![id_of(&visible)]);
    let mails = sink.to("watcher@bank.example.jp");
    assert_eq!(mails.len(), 1, "{:?}", sink.mails());
    let body = mails[0].body();
    assert!(body.contains(&id_of(&visible)), "{body}");
    assert!(
        !body.contains("hidden from the watcher") && !body.contains("telecom only"),
        "{body}"
    );
    assert_eq!(sink.mails().len(), 1);
}

async fn two_recipients_get_different_messages(app: TestApp, sink: SmtpSink) {
    let bank = app.industry("bank", "banker", "finance").await;
    let police = app.police("officer").await;
    let provider = app.industry("provider co", "provider", "telecom").await;
    for (who, address) in [
        (&bank, "banker@bank.example.jp"),
        (&police, "officer@police.example.jp"),
    ] {
        set_email(&app, who, address).await;
        let r = subscribe(
            &app,
            who,
            json!({ "name": "watch", "values": [WATCHED], "channels": ["email", "in_app"] }),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let for_police = indicator("警察向け", &[]);
    let for_all = indicator("全会員向け", &[]);
    let hidden = indicator("anonymous provider record", &[]);
    app.post_records(
        &provider,
        handling("TLP:AMBER+STRICT", &["law_enforcement"], 0, "named"),
        vec![for_police.clone()],
    )
    .await;
    app.post_records(
        &provider,
        handling("TLP:GREEN", &["members"], 0, "named"),
        vec![for_all.clone()],
    )
    .await;
    app.post_records(
        &provider,
        handling("TLP:CLEAR", &["members"], 0, "hidden"),
        vec![hidden.clone()],
    )
    .await;
    flush(&app).await;

    let mut want_bank = vec![id_of(&for_all), id_of(&hidden)];
    want_bank.sort();
    let mut want_police = vec![id_of(&for_police), id_of(&for_all), id_of(&hidden)];
    want_police.sort();
    assert_eq!(ids_in(&inbox(&app, &bank, "").await), want_bank);
    assert_eq!(ids_in(&inbox(&app, &police, "").await), want_police);

    // One e-mail per recipient, each to that recipient alone.
    for m in sink.mails() {
        assert_eq!(
            m.recipients.len(),
            1,
            "never one message for many: {:?}",
            m.recipients
        );
        assert_eq!(m.header("to").map(|t| t.matches('@').count()), Some(1));
    }
    let to_bank = sink.to("banker@bank.example.jp");
    let to_police = sink.to("officer@police.example.jp");
    let (bank_mail, police_mail): (String, String) = (
        to_bank.iter().map(|m| m.body()).collect(),
        to_police.iter().map(|m| m.body()).collect(),
    );
    for id in &want_bank {
        assert!(bank_mail.contains(id), "{bank_mail}");
    }
    assert!(
        !bank_mail.contains(&id_of(&for_police)) && !bank_mail.contains("警察向け"),
        "{bank_mail}"
    );
    for id in &want_police {
        assert!(police_mail.contains(id), "{police_mail}");
    }
    // Bilingual, TLP labels untranslated, the highest TLP in the subject.
    assert!(
        bank_mail.contains("購読") && bank_mail.contains("subscriptions"),
        "{bank_mail}"
    );
    assert!(
        bank_mail.contains("[TLP:GREEN]") && bank_mail.contains("[TLP:CLEAR]"),
        "{bank_mail}"
    );
    assert!(police_mail.contains("[TLP:AMBER+STRICT]"), "{police_mail}");
    let police_subjects: Vec<String> = to_police.iter().map(|m| m.subject()).collect();
    if to_police.len() == 1 {
        assert!(
            police_subjects[0].starts_with("[TLP:AMBER+STRICT]"),
            "{police_subjects:?}"
        );
    }
    for m in to_bank.iter().chain(&to_police) {
        let s = m.subject();
        assert!(
            s.starts_with("[TLP:") && s.contains("新着情報") && s.contains("new record"),
            "{s}"
        );
    }
    // A provider who asked to stay hidden is not named, even in e-mail; a named one is.
    let hidden_block = block(&bank_mail, &id_of(&hidden));
    assert!(!hidden_block.contains("提供者"), "{hidden_block}");
    assert!(
        block(&bank_mail, &id_of(&for_all)).contains("提供者 / Provider: provider co"),
        "{bank_mail}"
    );
    assert!(
        block(&police_mail, &id_of(&for_all)).contains("提供者 / Provider: provider co"),
        "{police_mail}"
    );
}

/// The lines of an e-mail body about one record.
fn block(body: &str, id: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in body.lines() {
        if line.starts_with('[') {
            inside = line.contains(id);
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(!out.is_empty(), "{id} in {body}");
    out
}

/// A published product reaches the subscribers the policy gives it to, in-app and by e-mail,
/// and no one else; once withdrawn, the inbox no longer shows it.
async fn products_reach_only_the_subscribers_they_are_for(app: TestApp, sink: SmtpSink) {
    use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
    let author = app.analyst("author").await;
    let approver = app
        .user(author.org, "approver", Role::Analyst, 3, false)
        .await;
    let tier_b = |name: &'static str, tier: Tier, sector: &'static str| {
        let app = &app;
        async move {
            let org = app
                .org(
                    name,
                    OrgKind::Industry,
                    tier,
                    Some(sector),
                    OrgStatus::Active,
                )
                .await;
            app.user(org, name, Role::Contributor, 0, false).await
        }
    };
    let bank = tier_b("bank-b", Tier::B, "finance").await;
    let telco = tier_b("telco-b", Tier::B, "telecom").await;
    let shop = tier_b("shop", Tier::None, "finance").await;
    for (who, criteria) in [
        (&bank, json!({ "sectors": ["finance"] })),
        (&telco, json!({ "types": ["alert"] })),
        (&shop, json!({ "types": ["product"] })),
    ] {
        set_email(&app, who, &format!("{}@example.jp", who.login)).await;
        let mut body = criteria.clone();
        body["name"] = json!("products");
        body["channels"] = json!(["in_app", "email"]);
        let r = subscribe(&app, who, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let post = |path: String, who: &User, body: Value| {
        let app = &app;
        let who = who.clone();
        async move {
            let r = app
                .send(
                    Method::POST,
                    &path,
                    Some(&who),
                    &[("content-type", "application/json")],
                    serde_json::to_vec(&body).expect("json"),
                )
                .await;
            assert!(r.status.is_success(), "{path}: {}", r.text());
            r.json()
        }
    };
    let created = post("/api/v1/products".into(), &author, json!({
        "kind": "alert",
        "content": { "title": "地銀を狙うフィッシング", "summary": "偽ログインページが急増",
            "severity": "high", "sectors": ["finance"], "recommended_actions": ["多要素認証を必須にする"] },
        "release": { "tlp": "TLP:AMBER", "audience": ["sector:finance"] },
    })).await;
    let number = created["number"].as_str().expect("number").to_owned();
    post(
        format!("/api/v1/products/{number}/submit"),
        &author,
        json!({}),
    )
    .await;
    flush(&app).await;
    assert!(
        sink.mails().is_empty(),
        "nothing is told before publication"
    );
    post(
        format!("/api/v1/products/{number}/approve"),
        &approver,
        json!({}),
    )
    .await;
    flush(&app).await;

    let page = inbox(&app, &bank, "").await;
    let told = &page["notifications"][0];
    assert_eq!(told["kind"], "product", "{page}");
    assert_eq!(told["product"]["number"], number.as_str());
    let mails = sink.to("bank-b@example.jp");
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].subject().starts_with("[TLP:AMBER]"),
        "{}",
        mails[0].subject()
    );
    assert!(mails[0].subject().contains(&number));
    assert!(
        mails[0].body().contains("多要素認証を必須にする"),
        "{}",
        mails[0].body()
    );
    // The telecom member's and the registered shop's subscriptions match, the policy does not.
    for who in [&telco, &shop] {
        assert_eq!(
            inbox(&app, who, "").await["notifications"],
            json!([]),
            "{}",
            who.login
        );
        assert!(
            sink.to(&format!("{}@example.jp", who.login)).is_empty(),
            "{}",
            who.login
        );
    }
    assert_eq!(sink.mails().len(), 1);
    // Withdrawn: the inbox entry stays, the product is no longer shown.
    post(
        format!("/api/v1/products/{number}/withdraw"),
        &approver,
        json!({}),
    )
    .await;
    let page = inbox(&app, &bank, "").await;
    assert_eq!(page["notifications"][0]["product"], Value::Null, "{page}");
}

on_both_stores!(
    subscription_crud_and_bad_input,
    a_matching_record_reaches_the_subscriber_in_app,
);

mod email {
    use super::*;

    macro_rules! with_sink_on_both_stores {
        ($($name:ident),* $(,)?) => {
            mod sqlite {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let (app, sink) = super::with_sink(false).await.expect("sqlite");
                        super::$name(app, sink).await;
                    }
                )*
            }
            mod postgres {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        if let Some((app, sink)) = super::with_sink(true).await {
                            super::$name(app, sink).await;
                        }
                    }
                )*
            }
        };
    }

    with_sink_on_both_stores!(
        what_the_subscriber_may_not_see_never_reaches_them,
        two_recipients_get_different_messages,
        products_reach_only_the_subscribers_they_are_for,
    );
}
