//! Products by membership tier (issue 5 §1) and the publication process (§2): who receives
//! what, consent of the cited records' providers, sign-off by someone other than the author,
//! public alerts and seminars, exports, and bulletin drafts.

use axum::http::{Method, StatusCode};
use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::*;

const API: &str = "/api/v1";

struct Cast {
    author: User,
    approver: User,
    bank_a: User,
    bank_b: User,
    telco_b: User,
    registered: User,
    police: User,
}

async fn cast(app: &TestApp) -> Cast {
    let author = app.analyst("author").await;
    let approver = app
        .user(author.org, "approver", Role::Analyst, 3, false)
        .await;
    let bank_a = app.member("bank-a").await;
    let tiered = |name: &'static str, tier: Tier, sector: &'static str| async move {
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
    };
    Cast {
        author,
        approver,
        bank_a,
        bank_b: tiered("bank-b", Tier::B, "finance").await,
        telco_b: tiered("telco-b", Tier::B, "telecom").await,
        registered: tiered("registered", Tier::None, "finance").await,
        police: app.police("police-user").await,
    }
}

async fn send_json(
    app: &TestApp,
    method: Method,
    path: &str,
    who: Option<&User>,
    body: Value,
) -> Reply {
    app.send(
        method,
        path,
        who,
        &[("content-type", "application/json")],
        serde_json::to_vec(&body).unwrap(),
    )
    .await
}

async fn post(app: &TestApp, path: &str, who: &User, body: Value) -> Reply {
    send_json(app, Method::POST, path, Some(who), body).await
}

fn alert(title: &str, cites: &[&str], release: Value) -> Value {
    json!({
        "kind": "alert",
        "content": {
            "title": title, "summary": "フィッシングサイトが急増 <b>注意</b>", "body": "詳細 <script>alert(1)</script>",
            "severity": "high", "sectors": ["finance"],
            "recommended_actions": ["URL を遮断する", "利用者に注意喚起する"],
            "cites": cites,
        },
        "release": release,
    })
}

fn members_green() -> Value {
    json!({ "tlp": "TLP:GREEN", "audience": ["members"] })
}

/// Creates, submits and approves; returns the published product.
async fn publish(app: &TestApp, c: &Cast, body: Value) -> Value {
    let r = post(app, &format!("{API}/products"), &c.author, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let number = r.json()["number"].as_str().unwrap().to_owned();
    let r = post(
        app,
        &format!("{API}/products/{number}/submit"),
        &c.author,
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = post(
        app,
        &format!("{API}/products/{number}/approve"),
        &c.approver,
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

async fn reads(app: &TestApp, who: &User, number: &str) -> bool {
    let r = app
        .get(&format!("{API}/products/{number}"), Some(who))
        .await;
    assert!(
        matches!(r.status, StatusCode::OK | StatusCode::NOT_FOUND),
        "{}",
        r.text()
    );
    r.status == StatusCode::OK
}

async fn products_reach_tiers_as_the_seed_table_says(app: TestApp) {
    let c = cast(&app).await;
    let r = post(
        &app,
        &format!("{API}/products"),
        &c.author,
        alert("Emotet 再拡散", &[], members_green()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let draft = r.json();
    let number = draft["number"].as_str().unwrap().to_owned();
    assert!(
        number.starts_with("RENKEI-AT-") && number.ends_with("-0001"),
        "{number}"
    );
    assert_eq!(draft["status"], "draft");
    // A draft stays in the house.
    for who in [&c.bank_a, &c.bank_b, &c.police] {
        assert!(
            !reads(&app, who, &number).await,
            "{} reads a draft",
            who.login
        );
    }
    assert!(reads(&app, &c.approver, &number).await);

    let r = post(
        &app,
        &format!("{API}/products/{number}/submit"),
        &c.author,
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = post(
        &app,
        &format!("{API}/products/{number}/approve"),
        &c.approver,
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "published");
    // ①: tier A and B, police, secretariat; not a registered-only organisation.
    for (who, expected) in [
        (&c.bank_a, true),
        (&c.bank_b, true),
        (&c.telco_b, true),
        (&c.police, true),
        (&c.author, true),
        (&c.registered, false),
    ] {
        assert_eq!(reads(&app, who, &number).await, expected, "{}", who.login);
    }
    // Members see neither the release plan nor the author.
    let seen = app
        .get(&format!("{API}/products/{number}"), Some(&c.bank_b))
        .await
        .json();
    assert!(
        seen.get("release").is_none() && seen.get("author").is_none(),
        "{seen}"
    );
    assert_eq!(seen["tlp"], "TLP:GREEN");

    // A product for one sector reaches its A and B members and the police only.
    let mut body = alert(
        "地銀を狙う不正送金",
        &[],
        json!({ "tlp": "TLP:AMBER", "audience": ["sector:finance"] }),
    );
    body["kind"] = json!("analysis");
    body["content"].as_object_mut().unwrap().remove("severity");
    let p = publish(&app, &c, body).await;
    let number = p["number"].as_str().unwrap();
    assert!(number.starts_with("RENKEI-AN-"), "{number}");
    for (who, expected) in [
        (&c.bank_a, true),
        (&c.bank_b, true),
        (&c.telco_b, false),
        (&c.police, true),
    ] {
        assert_eq!(reads(&app, who, number).await, expected, "{}", who.login);
    }
    let listed = app
        .get(&format!("{API}/products?kind=analysis"), Some(&c.telco_b))
        .await
        .json();
    assert_eq!(listed["products"].as_array().unwrap().len(), 0, "{listed}");
    let listed = app
        .get(&format!("{API}/products?kind=AN"), Some(&c.bank_b))
        .await
        .json();
    assert_eq!(listed["products"].as_array().unwrap().len(), 1, "{listed}");
}

async fn an_uncleared_record_blocks_publication(app: TestApp) {
    let c = cast(&app).await;
    // The bank shares a record with its own sector only, without publication consent.
    let id = format!("indicator--{}", Uuid::new_v4());
    let finance_only = json!({ "tlp": "TLP:AMBER", "audience": ["sector:finance"], "classification": 0,
        "uses": ["investigation"], "attribution": "sector_only", "pap": "PAP:AMBER" });
    app.post_records(
        &c.bank_a,
        finance_only,
        vec![indicator_with_id(
            &id,
            "2026-11-01T00:00:00.000Z",
            "フィッシング C2",
            &[],
        )],
    )
    .await;
    let r = post(
        &app,
        &format!("{API}/products"),
        &c.author,
        alert("C2 注意喚起", &[&id], members_green()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let number = r.json()["number"].as_str().unwrap().to_owned();
    let r = post(
        &app,
        &format!("{API}/products/{number}/submit"),
        &c.author,
        json!({}),
    )
    .await;
    let asked = r.json()["consent_requests"].clone();
    assert_eq!(asked.as_array().unwrap().len(), 1, "{asked}");
    assert_eq!(asked[0]["record"], id.as_str());

    // No consent yet: the approver cannot publish, and nobody outside receives it.
    let r = post(
        &app,
        &format!("{API}/products/{number}/approve"),
        &c.approver,
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.json()["error_code"], "consent_missing");
    assert!(r.text().contains(&id));
    assert!(!reads(&app, &c.telco_b, &number).await);

    // The author cannot approve their own product.
    let r = post(
        &app,
        &format!("{API}/products/{number}/approve"),
        &c.author,
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(r.json()["error_code"], "approver_is_author");

    // The provider sees the request (and nobody else can answer it); a refusal still blocks.
    let mine = app
        .get(&format!("{API}/consents"), Some(&c.bank_a))
        .await
        .json();
    let request = mine["consent_requests"][0]["id"].as_i64().unwrap();
    assert_eq!(
        mine["consent_requests"][0]["product"]["number"],
        number.as_str()
    );
    assert!(
        app.get(&format!("{API}/consents"), Some(&c.bank_b))
            .await
            .json()["consent_requests"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let r = post(
        &app,
        &format!("{API}/consents/{request}"),
        &c.bank_b,
        json!({ "answer": "given" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let r = post(
        &app,
        &format!("{API}/consents/{request}"),
        &c.bank_a,
        json!({ "answer": "refused", "comment": "調査中" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = post(
        &app,
        &format!("{API}/products/{number}/approve"),
        &c.approver,
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());

    // Consent given: published. Readers who may not read the record do not see it cited.
    let r = post(
        &app,
        &format!("{API}/consents/{request}"),
        &c.bank_a,
        json!({ "answer": "given" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = post(
        &app,
        &format!("{API}/products/{number}/approve"),
        &c.approver,
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let for_telco = app
        .get(&format!("{API}/products/{number}"), Some(&c.telco_b))
        .await
        .json();
    assert_eq!(for_telco["cites"], json!([]), "{for_telco}");
    let stix = app
        .get(&format!("{API}/products/{number}/stix"), Some(&c.telco_b))
        .await;
    assert!(
        !stix.text().contains(&id),
        "the STIX export names an uncleared record"
    );
    let print = app
        .get(&format!("{API}/products/{number}/print"), Some(&c.telco_b))
        .await;
    assert!(
        !print.text().contains(&id),
        "the printable page names an uncleared record"
    );
    let for_bank = app
        .get(&format!("{API}/products/{number}"), Some(&c.bank_a))
        .await
        .json();
    assert_eq!(for_bank["cites"], json!([id]), "{for_bank}");
    // Answers after publication change nothing.
    let r = post(
        &app,
        &format!("{API}/consents/{request}"),
        &c.bank_a,
        json!({ "answer": "refused" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    // Every step is in the audit log.
    let audit = app.store.audit_entries(0, 1000).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.event.action.as_str()).collect();
    for step in [
        "product.create",
        "product.submit",
        "product.consent",
        "product.publish",
    ] {
        assert!(actions.contains(&step), "{step} not audited: {actions:?}");
    }
}

async fn records_with_publication_consent_need_no_request(app: TestApp) {
    let c = cast(&app).await;
    let id = format!("indicator--{}", Uuid::new_v4());
    let consented = json!({ "tlp": "TLP:AMBER", "audience": ["secretariat"], "classification": 0,
        "uses": ["publication"], "attribution": "hidden", "pap": "PAP:AMBER" });
    app.post_records(
        &c.bank_a,
        consented,
        vec![indicator_with_id(
            &id,
            "2026-11-01T00:00:00.000Z",
            "C2",
            &[],
        )],
    )
    .await;
    let r = post(
        &app,
        &format!("{API}/products"),
        &c.author,
        alert("公表同意済み", &[&id], members_green()),
    )
    .await;
    let number = r.json()["number"].as_str().unwrap().to_owned();
    let r = post(
        &app,
        &format!("{API}/products/{number}/submit"),
        &c.author,
        json!({}),
    )
    .await;
    assert_eq!(r.json()["consent_requests"], json!([]));
    let r = post(
        &app,
        &format!("{API}/products/{number}/approve"),
        &c.approver,
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

async fn public_alerts_reach_the_public_and_leave_when_withdrawn(app: TestApp) {
    let c = cast(&app).await;
    let release = json!({ "tlp": "TLP:CLEAR", "audience": ["members"], "public": true });
    let p = publish(
        &app,
        &c,
        alert("公開警報 偽ショッピングサイト", &[], release),
    )
    .await;
    let number = p["number"].as_str().unwrap().to_owned();
    assert!(p["public_record"].as_str().unwrap().starts_with("report--"));
    // Non-members reach it: a registered-only member, the Atom feed, the public collection.
    assert!(reads(&app, &c.registered, &number).await);
    let atom = app.get("/public/alerts.atom", None).await.text();
    assert!(atom.contains(&number), "{atom}");
    assert!(atom.contains("公開警報 偽ショッピングサイト"));
    // The STIX export is a report with the TLP marking and the product's number.
    let bundle = app
        .get(&format!("{API}/products/{number}/stix"), Some(&c.bank_b))
        .await;
    assert_eq!(bundle.content_type(), "application/stix+json;version=2.1");
    let bundle = bundle.json();
    let report = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["type"] == "report")
        .unwrap()
        .clone();
    assert_eq!(report["x_renkei_product"]["number"], number.as_str());
    assert_eq!(
        report["object_marking_refs"],
        json!(["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"])
    );
    // The printable page: TLP in header and footer, every field escaped.
    let page = app
        .get(&format!("{API}/products/{number}/print"), Some(&c.bank_b))
        .await;
    assert!(page.content_type().starts_with("text/html"));
    let html = page.text();
    assert!(
        html.contains("<header class=\"tlp\"><span>TLP:CLEAR</span></header>"),
        "{html}"
    );
    assert!(html.contains("<footer class=\"tlp\"><span>TLP:CLEAR</span></footer>"));
    assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));
    assert!(!html.contains("<b>注意</b>"));

    let r = post(
        &app,
        &format!("{API}/products/{number}/withdraw"),
        &c.approver,
        json!({ "reason": "誤報" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(!reads(&app, &c.registered, &number).await);
    assert!(!reads(&app, &c.bank_a, &number).await);
    let atom = app.get("/public/alerts.atom", None).await.text();
    assert!(!atom.contains(&number), "a withdrawn alert stays public");
}

fn seminar(capacity: u32, registration: &str, public: bool) -> Value {
    let release = if public {
        json!({ "tlp": "TLP:CLEAR", "audience": ["members"], "public": true })
    } else {
        json!({ "tlp": "TLP:GREEN", "audience": ["sector:finance"] })
    };
    json!({
        "kind": "seminar",
        "content": {
            "title": "フィッシング対策セミナー", "summary": "最新の手口と対策",
            "sectors": ["finance"],
            "seminar": { "starts_at": "2099-01-20T05:00:00Z", "ends_at": "2099-01-20T07:00:00Z",
                "venue": "東京都千代田区", "capacity": capacity, "registration": registration },
        },
        "release": release,
    })
}

async fn seminars_take_registrations_up_to_capacity(app: TestApp) {
    let c = cast(&app).await;
    let p = publish(&app, &c, seminar(2, "public", true)).await;
    let number = p["number"].as_str().unwrap().to_owned();
    let listed = app.get("/public/seminars", None).await.json();
    assert_eq!(listed["seminars"][0]["number"], number.as_str(), "{listed}");
    let path = format!("/public/seminars/{number}/registrations");
    let who = |n: u32| json!({ "name": format!("参加者 {n}"), "email": format!("p{n}@example.jp"), "organisation": "某大学" });
    let r = send_json(&app, Method::POST, &path, None, who(1)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert!(r.json()["tracking"].as_str().unwrap().starts_with(&number));
    let r = send_json(&app, Method::POST, &path, None, who(1)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let r = post(
        &app,
        &format!("{API}/products/{number}/registrations"),
        &c.bank_b,
        who(2),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = send_json(&app, Method::POST, &path, None, who(3)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.json()["error_code"], "seminar_full");
    for bad in [
        json!({ "name": "", "email": "a@b.jp" }),
        json!({ "name": "x", "email": "nope" }),
        json!({ "name": "x" }),
    ] {
        let r = send_json(&app, Method::POST, &path, None, bad.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.text()
        );
    }
    let list = app
        .get(
            &format!("{API}/products/{number}/registrations"),
            Some(&c.author),
        )
        .await
        .json();
    assert_eq!(list["registrations"].as_array().unwrap().len(), 2);
    let r = app
        .get(
            &format!("{API}/products/{number}/registrations"),
            Some(&c.bank_b),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A members' seminar: not on the public list; only its audience registers.
    let p = publish(&app, &c, seminar(10, "members", false)).await;
    let number = p["number"].as_str().unwrap().to_owned();
    let listed = app.get("/public/seminars", None).await.json();
    assert_eq!(listed["seminars"].as_array().unwrap().len(), 1);
    let r = send_json(
        &app,
        Method::POST,
        &format!("/public/seminars/{number}/registrations"),
        None,
        who(4),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let r = post(
        &app,
        &format!("{API}/products/{number}/registrations"),
        &c.telco_b,
        who(5),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let r = post(
        &app,
        &format!("{API}/products/{number}/registrations"),
        &c.bank_b,
        who(6),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

async fn bulletin_drafts_gather_the_period(app: TestApp) {
    let c = cast(&app).await;
    let green = json!({ "tlp": "TLP:GREEN", "audience": ["members"], "classification": 0,
        "uses": ["investigation"], "attribution": "named", "pap": "PAP:GREEN" });
    let malware = json!({ "type": "malware", "spec_version": "2.1", "id": format!("malware--{}", Uuid::new_v4()),
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
        "name": "Emotet", "is_family": true });
    app.post_records(
        &c.bank_a,
        green.clone(),
        vec![malware, indicator("C2", &[])],
    )
    .await;
    app.post_records(&c.police, green, vec![indicator("押収サーバ", &[])])
        .await;
    // TLP:RED never reaches a product, not even a draft's text (though the analyst is named).
    let red = json!({ "tlp": "TLP:RED", "audience": [format!("user:{}", c.author.id)], "classification": 0,
        "uses": [], "attribution": "named", "pap": "PAP:RED" });
    app.post_records(&c.police, red, vec![indicator("極秘の捜査対象", &[])])
        .await;
    let r = post(
        &app,
        &format!("{API}/products/bulletin-draft"),
        &c.author,
        json!({ "from": "2000-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let draft = r.json();
    assert_eq!(draft["kind"], "bulletin");
    assert_eq!(draft["status"], "draft");
    let body = draft["body"].as_str().unwrap();
    assert!(body.contains("Emotet"), "{body}");
    assert!(body.contains("押収サーバ"), "{body}");
    // Three: the TLP:RED record is not even counted.
    assert!(body.contains("共有された記録 3 件"), "{body}");
    assert!(!body.contains("極秘"), "{body}");
    assert_eq!(
        draft["period"]["until"], "2100-01-01T00:00:00.000Z",
        "{draft}"
    );
    // Without a period, the next bulletin starts where the last one ended.
    let r = post(
        &app,
        &format!("{API}/products/bulletin-draft"),
        &c.author,
        json!({ "from": "2026-01-01T00:00:00Z", "until": "2026-01-15T00:00:00Z" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = app
        .send(
            Method::POST,
            &format!("{API}/products/bulletin-draft"),
            Some(&c.author),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(
        r.json()["period"]["from"],
        "2026-01-15T00:00:00.000Z",
        "{}",
        r.text()
    );
    assert_eq!(draft["all_cites"].as_array().unwrap().len(), 2, "{draft}");
    let r = post(
        &app,
        &format!("{API}/products/bulletin-draft"),
        &c.bank_a,
        json!({ "from": "2000-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(
        &app,
        &format!("{API}/products/bulletin-draft"),
        &c.author,
        json!({ "from": "2100-01-01T00:00:00Z", "until": "2000-01-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn bad_products_are_refused_with_a_code(app: TestApp) {
    let c = cast(&app).await;
    let path = format!("{API}/products");
    let cases = [
        (
            json!({ "kind": "memo", "content": { "title": "x" }, "release": members_green() }),
            "invalid_product",
        ),
        (
            json!({ "kind": "alert", "content": { "title": "" }, "release": members_green() }),
            "invalid_product",
        ),
        (
            json!({ "kind": "bulletin", "content": { "title": "x", "severity": "high" }, "release": members_green() }),
            "invalid_product",
        ),
        (
            json!({ "kind": "alert", "content": { "title": "x" }, "release": { "tlp": "TLP:RED", "audience": ["members"] } }),
            "invalid_release",
        ),
        (
            json!({ "kind": "report", "content": { "title": "x" }, "release": { "tlp": "TLP:CLEAR", "audience": ["members"], "public": true } }),
            "invalid_release",
        ),
        (
            json!({ "kind": "alert", "content": { "title": "x" }, "release": { "tlp": "TLP:GREEN", "audience": ["members"], "public": true } }),
            "invalid_release",
        ),
        (
            json!({ "kind": "alert", "content": { "title": "x", "cites": ["nope"] }, "release": members_green() }),
            "invalid_product",
        ),
        (
            json!({ "kind": "alert", "content": { "title": "x", "extra": 1 }, "release": members_green() }),
            "invalid_body",
        ),
    ];
    for (body, code) in cases {
        let r = post(&app, &path, &c.author, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text()
        );
        assert_eq!(r.json()["error_code"], code, "{body}: {}", r.text());
    }
    // Members do not write products; an unknown citation is refused at submission.
    let r = post(&app, &path, &c.bank_a, alert("x", &[], members_green())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let missing = format!("indicator--{}", Uuid::new_v4());
    let r = post(
        &app,
        &path,
        &c.author,
        alert("x", &[&missing], members_green()),
    )
    .await;
    let number = r.json()["number"].as_str().unwrap().to_owned();
    let r = post(
        &app,
        &format!("{API}/products/{number}/submit"),
        &c.author,
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error_code"], "uncitable_record");
    // Steps out of order are 409; nothing changed.
    let r = post(
        &app,
        &format!("{API}/products/{number}/approve"),
        &c.approver,
        json!({}),
    )
    .await;
    assert_eq!(
        r.json()["error_code"],
        "wrong_product_status",
        "{}",
        r.text()
    );
    let r = post(
        &app,
        &format!("{API}/products/{number}/withdraw"),
        &c.approver,
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = send_json(
        &app,
        Method::PATCH,
        &format!("{API}/products/{number}"),
        Some(&c.author),
        json!({ "content": { "title": "直した", "cites": [] } }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["title"], "直した");
    let r = app
        .get(&format!("{API}/products?status=bogus"), Some(&c.author))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .get(
            &format!("{API}/products/RENKEI-AT-1999-0001"),
            Some(&c.author),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// A consent request for a classified release is described only to the provider's users
/// cleared for it; others neither see it nor answer it.
async fn classified_consent_requests_need_clearance(app: TestApp) {
    let c = cast(&app).await;
    let id = format!("indicator--{}", Uuid::new_v4());
    let finance_only = json!({ "tlp": "TLP:AMBER", "audience": ["sector:finance"], "classification": 0,
        "uses": [], "attribution": "named", "pap": "PAP:AMBER" });
    app.post_records(
        &c.bank_a,
        finance_only,
        vec![indicator_with_id(
            &id,
            "2026-11-01T00:00:00.000Z",
            "C2",
            &[],
        )],
    )
    .await;
    let release = json!({ "tlp": "TLP:AMBER", "audience": ["members"], "classification": 2 });
    let r = post(
        &app,
        &format!("{API}/products"),
        &c.author,
        alert("機密の分析", &[&id], release),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let number = r.json()["number"].as_str().unwrap().to_owned();
    let r = post(
        &app,
        &format!("{API}/products/{number}/submit"),
        &c.author,
        json!({}),
    )
    .await;
    let request = r.json()["consent_requests"][0]["id"].as_i64().unwrap();
    // bank_a's user has clearance 1.
    let mine = app.get(&format!("{API}/consents"), Some(&c.bank_a)).await;
    assert!(!mine.text().contains("機密の分析"), "{}", mine.text());
    let r = post(
        &app,
        &format!("{API}/consents/{request}"),
        &c.bank_a,
        json!({ "answer": "given" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let cleared = app
        .user(c.bank_a.org, "bank-a-cleared", Role::Contributor, 2, false)
        .await;
    let mine = app.get(&format!("{API}/consents"), Some(&cleared)).await;
    assert!(mine.text().contains("機密の分析"), "{}", mine.text());
    let r = post(
        &app,
        &format!("{API}/consents/{request}"),
        &cleared,
        json!({ "answer": "given" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

on_both_stores!(
    classified_consent_requests_need_clearance,
    products_reach_tiers_as_the_seed_table_says,
    an_uncleared_record_blocks_publication,
    records_with_publication_consent_need_no_request,
    public_alerts_reach_the_public_and_leave_when_withdrawn,
    seminars_take_registrations_up_to_capacity,
    bulletin_drafts_gather_the_period,
    bad_products_are_refused_with_a_code
);
