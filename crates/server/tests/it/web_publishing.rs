//! The publication process in the browser (issue 6): the secretariat's drafting and review
//! pages are for its analysts only, a refusal of the process is shown on the page and changes
//! nothing, a provider answers a consent request and the approval then goes through, a
//! classified product's title stays hidden from an uncleared provider, and a hostile title is
//! escaped on every page that shows it.

use axum::http::{StatusCode, header};
use renkei_model::account::Role;
use renkei_model::product::ProductStatus;
use serde_json::json;
use uuid::Uuid;

use crate::app::*;
use crate::web::{Browser, HOSTILE, csrf_of};

const NEW_ALERT: &str = "/secretariat/products/new?kind=alert";

fn location(r: &Reply) -> String {
    r.headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no Location ({}): {}", r.status, r.text()))
        .to_owned()
}

/// Posts the drafting form for a new alert with `fields` (the CSRF token added).
async fn draft(b: &mut Browser<'_>, fields: &[(&str, &str)]) -> Reply {
    let csrf = b.csrf(NEW_ALERT).await;
    let mut form = vec![("csrf", csrf.as_str()), ("kind", "alert")];
    form.extend_from_slice(fields);
    b.post("/secretariat/products", &form).await
}

/// Takes `step` on the product page at `path`.
async fn step(b: &mut Browser<'_>, path: &str, step: &str) -> Reply {
    let csrf = b.csrf(path).await;
    b.post(&format!("{path}/{step}"), &[("csrf", csrf.as_str())])
        .await
}

async fn status_of(app: &TestApp, path: &str) -> ProductStatus {
    let number = path.rsplit('/').next().unwrap();
    app.store
        .product_by_number(number)
        .await
        .unwrap()
        .expect("product")
        .status
}

/// A record of `who` that only its sector reads: citing it in a members' release needs its
/// provider's consent.
async fn finance_record(app: &TestApp, who: &User) -> String {
    let id = format!("indicator--{}", Uuid::new_v4());
    app.post_records(
        who,
        json!({ "tlp": "TLP:AMBER", "audience": ["sector:finance"], "classification": 0,
            "uses": [], "attribution": "named", "pap": "PAP:AMBER" }),
        vec![indicator_with_id(
            &id,
            "2026-11-01T00:00:00.000Z",
            "C2",
            &[],
        )],
    )
    .await;
    id
}

fn escaped(html: &str) -> bool {
    html.contains("&lt;script&gt;alert(1)&lt;/script&gt; 詐欺") && !html.contains("<script>")
}

async fn only_secretariat_analysts_see_the_publishing_pages(app: TestApp) {
    let analyst = app.analyst("analyst").await;
    let clerk = app.user(analyst.org, "clerk", Role::Reader, 0, false).await;
    let bank = app.member("bank").await;
    let police = app.police("police-user").await;
    let mut a = Browser::new(&app);
    a.login(&analyst.login).await;
    let r = draft(
        &mut a,
        &[
            ("title", "下書き"),
            ("tlp", "TLP:GREEN"),
            ("to_members", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let product = location(&r);
    let edit = format!("{product}/edit");
    let pages = [
        "/secretariat/products",
        "/secretariat/review",
        NEW_ALERT,
        product.as_str(),
        edit.as_str(),
    ];
    for path in pages {
        assert_eq!(a.get(path).await.status, StatusCode::OK, "{path}");
    }
    assert_eq!(a.get("/secretariat/hints").await.status, StatusCode::OK);
    assert!(
        a.get("/dashboard")
            .await
            .text()
            .contains("/secretariat/review")
    );

    let mut anonymous = Browser::new(&app);
    assert_eq!(
        anonymous.get("/secretariat/review").await.status,
        StatusCode::SEE_OTHER
    );
    for who in [&clerk, &bank, &police] {
        let mut b = Browser::new(&app);
        b.login(&who.login).await;
        for path in pages {
            assert_eq!(b.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
        }
        let csrf = b.csrf("/dashboard").await;
        let r = b
            .post(&format!("{product}/submit"), &[("csrf", csrf.as_str())])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(
            !b.get("/dashboard")
                .await
                .text()
                .contains("/secretariat/review")
        );
    }
    assert_eq!(status_of(&app, &product).await, ProductStatus::Draft);
    // Hints are for the whole secretariat, as in the API; consents for the members.
    let mut b = Browser::new(&app);
    b.login(&clerk.login).await;
    assert_eq!(b.get("/secretariat/hints").await.status, StatusCode::OK);
    let mut b = Browser::new(&app);
    b.login(&bank.login).await;
    assert_eq!(
        b.get("/secretariat/hints").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(b.get("/consents").await.status, StatusCode::OK);
}

async fn a_cited_providers_consent_lets_another_analyst_publish(app: TestApp) {
    let author = app.analyst("author").await;
    let approver = app
        .user(author.org, "approver", Role::Analyst, 3, false)
        .await;
    let bank = app.member("bank").await;
    let record = finance_record(&app, &bank).await;
    let title = format!("{HOSTILE}の警報");

    let mut a = Browser::new(&app);
    a.login(&author.login).await;
    let r = draft(
        &mut a,
        &[
            ("title", title.as_str()),
            ("summary", "概要"),
            ("severity", "high"),
            ("cites", record.as_str()),
            ("tlp", "TLP:AMBER"),
            ("to_members", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let product = location(&r);

    // A step posted without this session's token is refused and changes nothing.
    let r = a
        .post(&format!("{product}/submit"), &[("csrf", "0000")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&app, &product).await, ProductStatus::Draft);

    let r = step(&mut a, &product, "submit").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(location(&r), product);
    let html = a.get(&product).await.text();
    assert!(html.contains("承認待ち</span>"), "{html}");

    // The author may not approve: the page says why, the product stays in review.
    let r = step(&mut a, &product, "approve").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.text().contains("作成者自身は承認できません"),
        "{}",
        r.text()
    );
    assert_eq!(status_of(&app, &product).await, ProductStatus::InReview);

    // Another analyst may, once the provider has consented.
    let mut b = Browser::new(&app);
    b.login(&approver.login).await;
    let queue = b.get("/secretariat/review").await.text();
    assert!(
        queue.contains(&product) && queue.contains("author"),
        "{queue}"
    );
    let r = step(&mut b, &product, "approve").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("同意が得られていません"), "{}", r.text());
    assert!(r.text().contains(&record));
    assert_eq!(status_of(&app, &product).await, ProductStatus::InReview);

    let mut p = Browser::new(&app);
    p.login(&bank.login).await;
    let page = p.get("/consents").await.text();
    assert!(escaped(&page), "{page}");
    let (_, rest) = page
        .split_once("action=\"/consents/")
        .expect("an answer form");
    let id = rest.split('"').next().unwrap().to_owned();
    let csrf = csrf_of(&page);
    let r = p
        .post(
            &format!("/consents/{id}"),
            &[("csrf", csrf.as_str()), ("answer", "maybe")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = p
        .post(
            &format!("/consents/{id}"),
            &[
                ("csrf", csrf.as_str()),
                ("answer", "given"),
                ("comment", "<b>了解</b>"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = p.get("/consents").await.text();
    assert!(page.contains("&lt;b&gt;了解&lt;/b&gt;") && !page.contains("action=\"/consents/"));

    let r = step(&mut b, &product, "approve").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(status_of(&app, &product).await, ProductStatus::Published);
    let number = product.rsplit('/').next().unwrap();
    for path in [product.clone(), "/secretariat/products".into()] {
        let html = b.get(&path).await.text();
        assert!(escaped(&html), "{path}: {html}");
    }
    for path in ["/products".to_owned(), format!("/products/{number}")] {
        let r = p.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(escaped(&r.text()), "{path}: {}", r.text());
    }

    // Withdrawn, it is the secretariat's alone again.
    let csrf = b.csrf(&product).await;
    let r = b
        .post(
            &format!("{product}/withdraw"),
            &[("csrf", csrf.as_str()), ("reason", "誤り")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        p.get(&format!("/products/{number}")).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn a_public_alert_reaches_the_portal(app: TestApp) {
    let author = app.analyst("author").await;
    let approver = app
        .user(author.org, "approver", Role::Analyst, 3, false)
        .await;
    let mut a = Browser::new(&app);
    a.login(&author.login).await;
    let r = draft(
        &mut a,
        &[
            ("title", HOSTILE),
            ("tlp", "TLP:CLEAR"),
            ("to_members", "1"),
            ("public", "1"),
        ],
    )
    .await;
    let product = location(&r);
    step(&mut a, &product, "submit").await;
    let html = a.get("/secretariat/review").await.text();
    assert!(escaped(&html), "{html}");
    let mut b = Browser::new(&app);
    b.login(&approver.login).await;
    let r = step(&mut b, &product, "approve").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let mut anyone = Browser::new(&app);
    let html = anyone.get("/alerts").await.text();
    assert!(escaped(&html), "{html}");
    let atom = app.get("/public/alerts.atom", None).await.text();
    assert!(atom.contains("詐欺"), "{atom}");
}

async fn bad_forms_store_nothing_and_keep_what_was_typed(app: TestApp) {
    let analyst = app.analyst("analyst").await;
    let mut a = Browser::new(&app);
    a.login(&analyst.login).await;
    let count = || async { app.store.list_products().await.unwrap().len() };
    // No TLP: refused, nothing created, the form comes back filled in.
    let r = draft(
        &mut a,
        &[
            ("title", HOSTILE),
            ("body", "本文の下書き"),
            ("to_members", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("TLP を選んでください"), "{html}");
    assert!(escaped(&html) && html.contains("本文の下書き"), "{html}");
    assert_eq!(count().await, 0);
    // Refusals of the process (a RED release, a citation that is not a STIX id) and of the
    // form (a word that is not a sector, no audience).
    for fields in [
        [("tlp", "TLP:RED"), ("to_members", "1"), ("cites", "")],
        [
            ("tlp", "TLP:GREEN"),
            ("to_members", "1"),
            ("cites", "not-an-id"),
        ],
        [
            ("tlp", "TLP:GREEN"),
            ("to_sectors", "Finance!"),
            ("cites", ""),
        ],
        [
            ("tlp", "TLP:GREEN"),
            ("summary", "配布先なし"),
            ("cites", ""),
        ],
    ] {
        let mut form = vec![("title", "題名")];
        form.extend_from_slice(&fields);
        let r = draft(&mut a, &form).await;
        assert!(r.status.is_client_error(), "{fields:?}: {}", r.status);
        assert!(r.text().contains("role=\"alert\""), "{}", r.text());
    }
    assert_eq!(count().await, 0);
    // A citation of no record the author may read is refused when submitted; the draft stays
    // a draft.
    let r = draft(
        &mut a,
        &[("title", "題名"), ("tlp", "TLP:GREEN"), ("to_members", "1")],
    )
    .await;
    let product = location(&r);
    assert_eq!(count().await, 1);
    let missing = format!("indicator--{}", Uuid::new_v4());
    let csrf = a.csrf(&format!("{product}/edit")).await;
    let r = a
        .post(
            &format!("{product}/edit"),
            &[
                ("csrf", csrf.as_str()),
                ("title", "題名"),
                ("cites", missing.as_str()),
                ("tlp", "TLP:GREEN"),
                ("to_members", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = step(&mut a, &product, "submit").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("引用できない記録"), "{}", r.text());
    assert_eq!(status_of(&app, &product).await, ProductStatus::Draft);
    // A bulletin from a bad period is refused; an empty one continues from the last.
    let csrf = a.csrf("/secretariat/products").await;
    let r = a
        .post(
            "/secretariat/products/bulletin",
            &[("csrf", csrf.as_str()), ("from", "2026-13-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = a
        .post(
            "/secretariat/products/bulletin",
            &[
                ("csrf", csrf.as_str()),
                ("from", "2026-12-01"),
                ("until", "2026-11-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count().await, 1);
    let r = a
        .post("/secretariat/products/bulletin", &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(location(&r).contains("-BU-"));
}

async fn an_uncleared_provider_does_not_see_a_classified_title(app: TestApp) {
    let author = app.analyst("author").await;
    let bank = app.member("bank").await; // clearance 1
    let record = finance_record(&app, &bank).await;
    let mut a = Browser::new(&app);
    a.login(&author.login).await;
    let r = draft(
        &mut a,
        &[
            ("title", "機密の分析"),
            ("cites", record.as_str()),
            ("tlp", "TLP:AMBER"),
            ("to_members", "1"),
            ("classification", "2"),
        ],
    )
    .await;
    let product = location(&r);
    assert_eq!(
        step(&mut a, &product, "submit").await.status,
        StatusCode::SEE_OTHER
    );
    let request = app.store.consent_requests_to(bank.org).await.unwrap()[0].id;

    let mut p = Browser::new(&app);
    p.login(&bank.login).await;
    let html = p.get("/consents").await.text();
    assert!(!html.contains("機密の分析"), "{html}");
    let csrf = csrf_of(&html);
    let r = p
        .post(
            &format!("/consents/{request}"),
            &[("csrf", csrf.as_str()), ("answer", "given")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let cleared = app
        .user(bank.org, "bank-cleared", Role::Contributor, 2, false)
        .await;
    let mut c = Browser::new(&app);
    c.login(&cleared.login).await;
    assert!(c.get("/consents").await.text().contains("機密の分析"));
}

/// An indicator on the domain `value`.
fn on_domain(value: &str) -> serde_json::Value {
    let mut v = indicator("偽サイト", &[]);
    v["pattern"] = json!(format!("[domain-name:value = '{value}']"));
    v
}

async fn the_secretariat_closes_a_brokered_hint(app: TestApp) {
    let analyst = app.analyst("analyst").await;
    let bank = app.member("bank").await;
    let police = app.police("police-user").await;
    let domain = "takuhai-fuzai.shop";
    app.post_records(
        &bank,
        json!({ "tlp": "TLP:GREEN", "audience": ["members"], "classification": 0,
            "uses": ["investigation"], "attribution": "named", "pap": "PAP:GREEN" }),
        vec![on_domain(domain)],
    )
    .await;
    app.post_records(
        &police,
        json!({ "tlp": "TLP:AMBER", "audience": ["law_enforcement"], "classification": 0,
            "uses": ["investigation"], "attribution": "sector_only", "pap": "PAP:AMBER" }),
        vec![on_domain(domain)],
    )
    .await;
    // The bank's lookup is told that records it may not see carry the value.
    let r = app
        .get(&format!("/api/v1/lookup?value={domain}"), Some(&bank))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    let mut a = Browser::new(&app);
    a.login(&analyst.login).await;
    let html = a.get("/secretariat/hints").await.text();
    assert!(
        html.contains(domain) && html.contains("bank bank"),
        "{html}"
    );
    let (_, rest) = html
        .split_once("action=\"/secretariat/hints/")
        .expect("a close form");
    let close = format!("/secretariat/hints/{}", rest.split('"').next().unwrap());
    let r = a.post(&close, &[("csrf", "0000")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut b = Browser::new(&app);
    b.login(&bank.login).await;
    let theirs = b.csrf("/dashboard").await;
    let r = b.post(&close, &[("csrf", theirs.as_str())]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(a.get("/secretariat/hints").await.text().contains(domain));

    let csrf = csrf_of(&html);
    let r = a.post(&close, &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(!a.get("/secretariat/hints").await.text().contains(domain));
    let r = a.post(&close, &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

async fn a_seminar_is_drafted_with_its_details(app: TestApp) {
    let analyst = app.analyst("analyst").await;
    let mut a = Browser::new(&app);
    a.login(&analyst.login).await;
    let csrf = a.csrf("/secretariat/products/new?kind=seminar").await;
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("kind", "seminar"),
        ("title", "フィッシング対策セミナー"),
        ("starts_at", "2026-12-10T05:00"),
        ("ends_at", "2026-12-10T07:00"),
        ("venue", "東京"),
        ("registration", "members"),
        ("tlp", "TLP:GREEN"),
        ("to_members", "1"),
    ];
    let r = a.post("/secretariat/products", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "no capacity");
    assert!(r.text().contains("定員"), "{}", r.text());
    form.push(("capacity", "50"));
    let r = a.post("/secretariat/products", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let product = location(&r);
    let number = product.rsplit('/').next().unwrap();
    let p = app.store.product_by_number(number).await.unwrap().unwrap();
    let details = p.content.seminar.expect("seminar details");
    assert_eq!(details.starts_at, "2026-12-10T05:00:00Z");
    assert_eq!(details.capacity, 50);
    let html = a.get(&format!("{product}/edit")).await.text();
    assert!(html.contains("value=\"2026-12-10T05:00\""), "{html}");
}

on_both_stores!(
    only_secretariat_analysts_see_the_publishing_pages,
    a_cited_providers_consent_lets_another_analyst_publish,
    a_public_alert_reaches_the_portal,
    bad_forms_store_nothing_and_keep_what_was_typed,
    an_uncleared_provider_does_not_see_a_classified_title,
    the_secretariat_closes_a_brokered_hint,
    a_seminar_is_drafted_with_its_details,
);
