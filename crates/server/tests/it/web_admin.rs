//! The web UI's administration and settings pages (issue 6): membership, reciprocity and the
//! audit log for the secretariat only, a member administrator seeing its own organisation
//! only, CSRF refusals that change nothing, a token's secret shown once, subscriptions refused
//! on bad input, the inbox deciding every record again, and hostile names escaped.

use axum::http::StatusCode;
use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use renkei_model::stix::Timestamp;
use renkei_store::{NewNotification, RecordRef};
use serde_json::json;

use crate::app::*;
use crate::web::{Browser, HOSTILE, csrf_of};

const SECRETARIAT_PAGES: &[&str] = &[
    "/membership",
    "/secretariat/reciprocity",
    "/secretariat/audit",
];

/// The part of `html` after `start` up to the next `end`.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let (_, rest) = html
        .split_once(start)
        .unwrap_or_else(|| panic!("no {start}: {html}"));
    rest.split(end).next().unwrap()
}

async fn only_the_secretariat_sees_administration(app: TestApp) {
    let analyst = app.analyst("analyst").await;
    let bank = app.member("bank").await;
    let bank_admin = app
        .user(bank.org, "bank-admin", Role::OrgAdmin, 0, false)
        .await;
    let other = app.industry("telecom co", "telecom", "telecom").await;
    let mut s = Browser::new(&app);
    s.login(&analyst.login).await;
    for path in SECRETARIAT_PAGES {
        let r = s.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
    }
    assert!(s.get("/membership").await.text().contains("telecom co"));
    // Bad parameters: a 400 page in the visitor's language, in English on request.
    let r = s.get("/secretariat/reciprocity?from=yesterday").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("入力値が正しくありません"));
    let r = s.get("/secretariat/audit?before=abc&lang=en").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("lang=\"en\""));
    let r = s.get("/secretariat/reciprocity?sort=records").await;
    assert!(
        r.text().contains("Records ▼"),
        "the English choice is remembered"
    );
    for who in [&bank, &bank_admin] {
        let mut b = Browser::new(&app);
        b.login(&who.login).await;
        for path in SECRETARIAT_PAGES {
            assert_eq!(b.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
        }
        let r = b.get(&format!("/membership/{}", other.org)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(!r.text().contains("telecom co"));
        // Nor may they change anything there.
        let csrf = b.csrf("/dashboard").await;
        let r = b
            .post(
                &format!("/membership/{}/status", other.org),
                &[("csrf", &csrf), ("to", "suspended"), ("reason", "試験")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    // The organisation's administrator sees its own file.
    let mut a = Browser::new(&app);
    a.login(&bank_admin.login).await;
    let r = a.get(&format!("/membership/{}", bank.org)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("bank bank"));
    // A contributor knows its own organisation exists: refused like the API refuses it.
    let mut c = Browser::new(&app);
    c.login(&bank.login).await;
    assert_eq!(
        c.get(&format!("/membership/{}", bank.org)).await.status,
        StatusCode::FORBIDDEN
    );
    // The member's dashboard carries its own reciprocity line, and no other organisation's.
    let dashboard = c.get("/dashboard").await.text();
    assert!(dashboard.contains("id=\"reciprocity\""), "{dashboard}");
    assert!(!dashboard.contains("telecom co"));
    // Visitors without a session go to the login page.
    let mut anon = Browser::new(&app);
    assert_eq!(anon.get("/membership").await.status, StatusCode::SEE_OTHER);
    assert_eq!(anon.get("/tokens").await.status, StatusCode::SEE_OTHER);
}

async fn status_changes_need_the_token_and_a_reason(app: TestApp) {
    let analyst = app.analyst("analyst").await;
    let admin = app
        .user(analyst.org, "jc3-admin", Role::Admin, 3, false)
        .await;
    let applicant = app
        .org(
            HOSTILE,
            OrgKind::Industry,
            Tier::None,
            Some("finance"),
            OrgStatus::Applicant,
        )
        .await;
    let mut s = Browser::new(&app);
    s.login(&admin.login).await;
    let list = s.get("/membership").await.text();
    assert!(!list.contains("<script>alert(1)"), "{list}");
    assert!(list.contains("&lt;script&gt;alert(1)&lt;/script&gt; 詐欺"));
    let path = format!("/membership/{applicant}");
    let page = s.get(&path).await.text();
    assert!(!page.contains("<script>alert(1)"));
    assert!(page.contains("&lt;script&gt;"));
    let csrf = csrf_of(&page);
    let status = |app: &TestApp| {
        let store = app.store.clone();
        async move { store.org(applicant).await.unwrap().unwrap().status }
    };
    let to = format!("{path}/status");
    for token in ["", "wrong"] {
        let r = s
            .post(
                &to,
                &[("csrf", token), ("to", "expelled"), ("reason", "不適格")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(status(&app).await, OrgStatus::Applicant);
    // No reason, or an approval without recommendations: refused in Japanese, nothing changes.
    let r = s
        .post(&to, &[("csrf", &csrf), ("to", "expelled"), ("reason", " ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("理由を入力してください"));
    let r = s
        .post(
            &to,
            &[("csrf", &csrf), ("to", "active"), ("reason", "承認")],
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.text());
    let r = s
        .post(&to, &[("csrf", &csrf), ("to", "nonsense"), ("reason", "x")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(status(&app).await, OrgStatus::Applicant);
    // An analyst (not an administrator) sees the file but may not change it.
    let mut a = Browser::new(&app);
    a.login(&analyst.login).await;
    let acsrf = a.csrf(&path).await;
    let r = a
        .post(
            &to,
            &[("csrf", &acsrf), ("to", "expelled"), ("reason", "不適格")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(status(&app).await, OrgStatus::Applicant);
    // With the token and a reason, the application is rejected and the history says why.
    let r = s
        .post(
            &to,
            &[
                ("csrf", &csrf),
                ("to", "expelled"),
                ("reason", "要件を満たさない"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(status(&app).await, OrgStatus::Expelled);
    assert!(s.get(&path).await.text().contains("要件を満たさない"));
}

async fn a_token_secret_is_shown_once_and_revoking_works(app: TestApp) {
    let bank = app.member("bank").await;
    let mut b = Browser::new(&app);
    b.login(&bank.login).await;
    let csrf = b.csrf("/tokens").await;
    let form = [
        ("label", "suricata センサー"),
        ("scope", "feeds"),
        ("expires_days", "30"),
    ];
    let mut without = vec![("csrf", "nope")];
    without.extend(form);
    assert_eq!(
        b.post("/tokens", &without).await.status,
        StatusCode::FORBIDDEN
    );
    let before = app.store.list_tokens(bank.id).await.unwrap().len();
    let mut with = vec![("csrf", csrf.as_str())];
    with.extend(form);
    let r = b.post("/tokens", &with).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let page = r.text();
    let secret = between(&page, "id=\"secret\">", "<").to_owned();
    assert!(secret.starts_with("rnk_"), "{secret}");
    assert!(page.contains(&format!("/feeds/csv?token={secret}")));
    assert_eq!(
        app.store.list_tokens(bank.id).await.unwrap().len(),
        before + 1
    );
    // Never shown again.
    let list = b.get("/tokens").await.text();
    assert!(list.contains("suricata センサー"));
    assert!(!list.contains(&secret));
    // The token pulls feeds until it is revoked.
    let feed = format!("/feeds/plain?token={secret}");
    assert_eq!(app.get(&feed, None).await.status, StatusCode::OK);
    let revoke = format!("/tokens/{}", between(&list, "action=\"/tokens/", "\""));
    // The first revoke form is the newest token's.
    assert!(revoke.ends_with("/revoke"), "{revoke}");
    assert_eq!(
        b.post(&revoke, &[("csrf", "nope")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get(&feed, None).await.status, StatusCode::OK);
    let r = b.post(&revoke, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(app.get(&feed, None).await.status, StatusCode::UNAUTHORIZED);
    // Another member cannot revoke it (404 like a token that does not exist).
    let other = app.industry("telecom co", "telecom", "telecom").await;
    let mut t = Browser::new(&app);
    t.login(&other.login).await;
    let tcsrf = t.csrf("/tokens").await;
    assert_eq!(
        t.post(&revoke, &[("csrf", &tcsrf)]).await.status,
        StatusCode::NOT_FOUND
    );
    // Bad input: a 4xx page, nothing stored.
    let count = app.store.list_tokens(bank.id).await.unwrap().len();
    let r = b
        .post(
            "/tokens",
            &[("csrf", &csrf), ("scope", "root"), ("expires_days", "30")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = b
        .post(
            "/tokens",
            &[("csrf", &csrf), ("scope", "feeds"), ("expires_days", "ten")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("有効期限"));
    assert_eq!(app.store.list_tokens(bank.id).await.unwrap().len(), count);
}

async fn subscriptions_refuse_bad_input_and_store_nothing(app: TestApp) {
    let bank = app.member("bank").await;
    let mut b = Browser::new(&app);
    b.login(&bank.login).await;
    let csrf = b.csrf("/settings/notifications").await;
    let stored = |app: &TestApp| {
        let store = app.store.clone();
        async move { store.subscriptions(bank.id).await.unwrap().len() }
    };
    let r = b
        .post(
            "/settings/notifications",
            &[
                ("csrf", &csrf),
                ("name", "金融"),
                ("sectors", "金融業"),
                ("in_app", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("業種の指定が正しくありません"));
    let r = b
        .post(
            "/settings/notifications",
            &[("csrf", &csrf), ("name", "空"), ("in_app", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = b
        .post(
            "/settings/notifications",
            &[
                ("csrf", "nope"),
                ("name", "金融"),
                ("sectors", "finance"),
                ("in_app", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(stored(&app).await, 0);
    let r = b
        .post(
            "/settings/notifications",
            &[
                ("csrf", &csrf),
                ("name", HOSTILE),
                ("sectors", "finance, telecom"),
                ("types", "indicator"),
                ("values", "login-bank-secure.com\n45.77.12.34"),
                ("in_app", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(stored(&app).await, 1);
    let page = b.get("/settings/notifications").await.text();
    assert!(!page.contains("<script>alert(1)") && page.contains("&lt;script&gt;"));
    let delete = format!(
        "/settings/notifications/{}",
        between(&page, "action=\"/settings/notifications/", "\"")
    );
    assert_eq!(
        b.post(&delete, &[("csrf", "x")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(stored(&app).await, 1);
    assert_eq!(
        b.post(&delete, &[("csrf", &csrf)]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(stored(&app).await, 0);
}

async fn the_inbox_shows_only_what_the_reader_may_read_now(app: TestApp) {
    let bank = app.member("bank").await;
    let telecom = app.industry("telecom co", "telecom", "telecom").await;
    let id = format!("indicator--{}", uuid::Uuid::new_v4());
    let modified = "2026-02-01T00:00:00.000Z";
    app.post_records(
        &bank,
        json!({ "tlp": "TLP:AMBER", "audience": ["sector:finance"], "classification": 0,
            "uses": ["investigation"], "attribution": "named", "pap": "PAP:GREEN" }),
        vec![indicator_with_id(&id, modified, "金融だけの指標", &[])],
    )
    .await;
    let record = RecordRef {
        stix_id: id.clone(),
        version: Timestamp::parse(modified).unwrap(),
    };
    for who in [&bank, &telecom] {
        app.store
            .add_notification(&NewNotification {
                user: who.id,
                created_at: 1_780_000_000_000_000,
                kind: "record".into(),
                title: "新しいレコード 1件".into(),
                records: vec![record.clone()],
                product: None,
            })
            .await
            .unwrap();
    }
    let mut b = Browser::new(&app);
    b.login(&bank.login).await;
    let inbox = b.get("/notifications").await.text();
    assert!(inbox.contains("金融だけの指標"), "{inbox}");
    let mut t = Browser::new(&app);
    t.login(&telecom.login).await;
    let r = t.get("/notifications").await;
    assert_eq!(r.status, StatusCode::OK);
    let inbox = r.text();
    assert!(!inbox.contains("金融だけの指標"), "{inbox}");
    assert!(!inbox.contains(&id));
    // Marking read: CSRF-checked, one's own only.
    let action = between(&inbox, "action=\"/notifications/", "\"").to_owned();
    let path = format!("/notifications/{action}");
    assert_eq!(
        t.post(&path, &[("csrf", "x")]).await.status,
        StatusCode::FORBIDDEN
    );
    let bcsrf = b.csrf("/notifications").await;
    assert_eq!(
        b.post(&path, &[("csrf", &bcsrf)]).await.status,
        StatusCode::NOT_FOUND
    );
    let csrf = csrf_of(&inbox);
    assert_eq!(
        t.post(&path, &[("csrf", &csrf)]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.store.unread_notifications(telecom.id).await.unwrap(), 0);
    let r = t.get("/notifications?before=abc").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

async fn the_audit_chain_verifies_intact_on_a_fresh_store(app: TestApp) {
    let analyst = app.analyst("analyst").await;
    let mut s = Browser::new(&app);
    s.login(&analyst.login).await;
    let log = s
        .get("/secretariat/audit?action=session.login")
        .await
        .text();
    assert!(
        log.contains("session.login") && log.contains(&analyst.login),
        "{log}"
    );
    let none = s.get("/secretariat/audit?user=nobody").await.text();
    assert!(!none.contains("<td><code>session.login"));
    let csrf = csrf_of(&log);
    assert_eq!(
        s.post("/secretariat/audit/verify", &[("csrf", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = s
        .post("/secretariat/audit/verify", &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let page = r.text();
    assert!(page.contains("改ざんは検出されませんでした"), "{page}");
    let entries: u64 = between(&page, "id=\"entries\">", "<").parse().unwrap();
    assert!(entries >= 1);
    // Not for members.
    let bank = app.member("bank").await;
    let mut b = Browser::new(&app);
    b.login(&bank.login).await;
    let bcsrf = b.csrf("/dashboard").await;
    assert_eq!(
        b.post("/secretariat/audit/verify", &[("csrf", &bcsrf)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

on_both_stores!(
    only_the_secretariat_sees_administration,
    status_changes_need_the_token_and_a_reason,
    a_token_secret_is_shown_once_and_revoking_works,
    subscriptions_refuse_bad_input_and_store_nothing,
    the_inbox_shows_only_what_the_reader_may_read_now,
    the_audit_chain_verifies_intact_on_a_fresh_store,
);
