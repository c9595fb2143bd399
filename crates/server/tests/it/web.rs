//! The web UI (issue 6) as a browser meets it, in process: escaping of hostile record fields,
//! CSRF refusals that change nothing, security headers and cookie attributes, the login rate
//! limit, sessions ending at logout, and pages the policy denies answering 404.

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode, header};
use serde_json::json;

use crate::app::*;

/// A cookie jar over `TestApp::send` (shared by the web UI's test files).
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    pub(crate) cookies: BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Browser {
            app,
            cookies: BTreeMap::new(),
        }
    }

    pub(crate) async fn send(
        &mut self,
        method: Method,
        path: &str,
        form: &[(&str, &str)],
    ) -> Reply {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let cookie = cookie.join("; ");
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut headers = vec![
            ("accept", "text/html"),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        if !cookie.is_empty() {
            headers.push(("cookie", cookie.as_str()));
        }
        let r = self
            .app
            .send(method, path, None, &headers, body.into_bytes())
            .await;
        for c in r.headers.get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let (name, value) = c.split(';').next().unwrap().split_once('=').unwrap();
            if value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        r
    }

    pub(crate) async fn get(&mut self, path: &str) -> Reply {
        self.send(Method::GET, path, &[]).await
    }

    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        self.send(Method::POST, path, form).await
    }

    /// The CSRF token of the form on the page at `path`.
    pub(crate) async fn csrf(&mut self, path: &str) -> String {
        let r = self.get(path).await;
        csrf_of(&r.text())
    }

    pub(crate) async fn login(&mut self, login: &str) -> Reply {
        let csrf = self.csrf("/login").await;
        self.post(
            "/login",
            &[
                ("csrf", csrf.as_str()),
                ("login", login),
                ("password", PASSWORD),
            ],
        )
        .await
    }
}

pub(crate) fn csrf_of(html: &str) -> String {
    let (_, rest) = html
        .split_once("name=\"csrf\" value=\"")
        .unwrap_or_else(|| panic!("no form: {html}"));
    rest.split('"').next().unwrap().to_owned()
}

fn set_cookie(r: &Reply, name: &str) -> String {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie"))
}

pub(crate) const HOSTILE: &str = "<script>alert(1)</script> 詐欺";

async fn hostile_fields_are_escaped_everywhere(app: TestApp) {
    let bank = app.member("bank").await;
    let analyst = app.analyst("analyst").await;
    let object = indicator(HOSTILE, &[]);
    let id = object["id"].as_str().unwrap().to_owned();
    app.post_records(
        &bank,
        json!({ "tlp": "TLP:AMBER", "audience": ["members"], "classification": 0,
            "uses": ["investigation"], "attribution": "named", "pap": "PAP:GREEN" }),
        vec![object],
    )
    .await;

    let mut b = Browser::new(&app);
    assert_eq!(b.login(&bank.login).await.status, StatusCode::SEE_OTHER);
    let detail = format!("/records/{id}");
    for path in ["/records", detail.as_str(), "/dashboard"] {
        let r = b.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
        let html = r.text();
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt; 詐欺"),
            "{path}: {html}"
        );
        assert!(!html.contains("<script>"), "{path}: {html}");
        assert!(html.contains("TLP:AMBER"), "{path}");
    }

    // Search finds it by a Japanese word; the search text comes back escaped.
    let r = b.get("/records?q=%E8%A9%90%E6%AC%BA").await;
    assert!(
        r.text().contains(&format!("href=\"/records/{id}\"")),
        "{}",
        r.text()
    );
    let r = b.get("/records?q=%3Cscript%3Ex").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.text().contains(&format!("href=\"/records/{id}\"")));
    assert!(
        r.text().contains("value=\"&lt;script&gt;x\""),
        "{}",
        r.text()
    );

    // A public report with markup reaches the secretariat as text.
    let mut public = Browser::new(&app);
    let csrf = public.csrf("/report").await;
    let r = public
        .post(
            "/report",
            &[
                ("csrf", csrf.as_str()),
                ("category", "fraud"),
                ("text", HOSTILE),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mut secretariat = Browser::new(&app);
    secretariat.login(&analyst.login).await;
    let html = secretariat.get("/secretariat/reports").await.text();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; 詐欺"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{html}");
    // …and nobody else sees that page.
    assert_eq!(
        b.get("/secretariat/reports").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn forms_without_the_right_token_are_refused(app: TestApp) {
    let mut b = Browser::new(&app);
    let csrf = b.csrf("/report").await;
    let fields = |token: &'static str| {
        [
            ("csrf", token),
            ("category", "phishing"),
            ("text", "偽サイト"),
        ]
    };
    assert_eq!(
        b.post("/report", &fields("")[1..]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        b.post("/report", &fields("0000")).await.status,
        StatusCode::FORBIDDEN
    );
    // Another browser's token does not work either.
    let mut other = Browser::new(&app);
    let theirs = other.csrf("/report").await;
    let r = b
        .post(
            "/report",
            &[
                ("csrf", theirs.as_str()),
                ("category", "phishing"),
                ("text", "偽サイト"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(app.store.public_reports(10).await.unwrap().is_empty());

    let r = b
        .post(
            "/report",
            &[
                ("csrf", csrf.as_str()),
                ("category", "phishing"),
                ("text", "偽サイト"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let stored = app.store.public_reports(10).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(r.text().contains(&stored[0].tracking));

    // A member's session token guards logout: without it the session survives.
    let bank = app.member("bank").await;
    let mut m = Browser::new(&app);
    m.login(&bank.login).await;
    assert_eq!(m.post("/logout", &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(m.get("/dashboard").await.status, StatusCode::OK);
    // The anonymous token is not the session's.
    assert_eq!(
        m.post("/logout", &[("csrf", csrf.as_str())]).await.status,
        StatusCode::FORBIDDEN
    );
    let token = m.csrf("/dashboard").await;
    assert_eq!(
        m.post("/logout", &[("csrf", token.as_str())]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(m.get("/dashboard").await.status, StatusCode::SEE_OTHER);
}

async fn headers_and_cookies_are_strict(app: TestApp) {
    let mut b = Browser::new(&app);
    let r = b.get("/").await;
    assert_eq!(r.status, StatusCode::OK);
    let h = |n: &str| r.headers.get(n).map(|v| v.to_str().unwrap().to_owned());
    let csp = h("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("style-src 'self'"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("form-action 'self'"));
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(h("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(h("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(h("referrer-policy").as_deref(), Some("no-referrer"));
    assert!(h("content-type").unwrap().starts_with("text/html"));
    let anon = set_cookie(&r, "renkei_anon");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Secure"] {
        assert!(anon.contains(attr), "{anon}");
    }

    let bank = app.member("bank").await;
    let r = b.login(&bank.login).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers.get("location").unwrap(), "/dashboard");
    let session = set_cookie(&r, "renkei_session");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Secure"] {
        assert!(session.contains(attr), "{session}");
    }
    // Only a hash of the cookie is stored.
    let value = b.cookies["renkei_session"].clone();
    assert!(app.store.web_session(&value, 0).await.unwrap().is_none());

    // The stylesheet is served by the app, the only source CSP allows.
    let css = b.get("/static/renkei.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.text().contains(".tlp-amber"));

    // Plain http (local demos) drops `Secure`, and only then.
    let plain = TestApp::sqlite_with(renkei_server::ServerConfig {
        web_plain_http: true,
        ..Default::default()
    })
    .await;
    let r = Browser::new(&plain).get("/").await;
    assert!(!set_cookie(&r, "renkei_anon").contains("Secure"));

    // A disabled account loses its session's rights at once.
    app.store
        .update_user(
            bank.id,
            &renkei_store::UserUpdate {
                display_name: None,
                role: None,
                clearance: None,
                disabled: Some(true),
                password_hash: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(b.get("/dashboard").await.status, StatusCode::SEE_OTHER);
}

async fn failed_logins_are_limited(app: TestApp) {
    let bank = app.member("bank").await;
    let mut b = Browser::new(&app);
    for _ in 0..5 {
        let csrf = b.csrf("/login").await;
        let r = b
            .post(
                "/login",
                &[
                    ("csrf", csrf.as_str()),
                    ("login", bank.login.as_str()),
                    ("password", "wrong"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password waits.
    let r = b.login(&bank.login).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    assert!(!b.cookies.contains_key("renkei_session"));
    // Other logins are not locked out by one login's failures.
    let other = app.member("other").await;
    assert_eq!(b.login(&other.login).await.status, StatusCode::SEE_OTHER);
}

async fn pages_the_policy_denies_are_not_found(app: TestApp) {
    let bank = app.member("bank").await;
    let telecom = app.industry("telecom co", "telecom", "telecom").await;
    let analyst = app.analyst("analyst").await;
    app.post_records(
        &bank,
        json!({ "tlp": "TLP:AMBER", "audience": ["sector:finance"], "classification": 0,
            "uses": ["investigation"], "attribution": "named", "pap": "PAP:GREEN" }),
        vec![indicator("金融だけの指標", &[])],
    )
    .await;
    let mut b = Browser::new(&app);
    b.login(&bank.login).await;
    let list = b.get("/records").await.text();
    let (_, rest) = list.split_once("href=\"/records/").expect("a record");
    let id = rest.split('"').next().unwrap().to_owned();
    assert_eq!(
        b.get(&format!("/records/{id}")).await.status,
        StatusCode::OK
    );

    let mut t = Browser::new(&app);
    t.login(&telecom.login).await;
    assert!(!t.get("/records").await.text().contains("金融だけの指標"));
    let r = t.get(&format!("/records/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.text().contains("金融だけの指標"));

    // A draft product is the secretariat's alone.
    let r = app
        .send(
            Method::POST,
            "/api/v1/products",
            Some(&analyst),
            &[("content-type", "application/json")],
            serde_json::to_vec(
                &json!({ "kind": "alert", "content": { "title": "下書きの警報" },
                "release": { "tlp": "TLP:GREEN", "audience": ["members"] } }),
            )
            .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let number = r.json()["number"].as_str().unwrap().to_owned();
    let r = b.get(&format!("/products/{number}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!b.get("/products").await.text().contains("下書きの警報"));
    let mut s = Browser::new(&app);
    s.login(&analyst.login).await;
    assert_eq!(
        s.get(&format!("/products/{number}")).await.status,
        StatusCode::OK
    );
    let mut anon = Browser::new(&app);
    // Unknown paths: a page for browsers, JSON for API clients.
    let r = anon.get("/no-such-page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("<!DOCTYPE html>"));
    let r = app.get("/no-such-page", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error_code"], "not_found");
    // Members' pages send visitors without a session to the login page.
    let r = anon.get("/records").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers.get("location").unwrap(), "/login");
}

async fn english_on_request_japanese_by_default(app: TestApp) {
    let mut b = Browser::new(&app);
    let ja = b.get("/").await.text();
    assert!(
        ja.contains("lang=\"ja\"") && ja.contains("警報・脅威予測"),
        "{ja}"
    );
    let r = b.get("/?lang=en").await;
    assert!(set_cookie(&r, "renkei_lang").contains("renkei_lang=en"));
    let en = r.text();
    assert!(
        en.contains("lang=\"en\"") && en.contains("Alerts and forecasts"),
        "{en}"
    );
    // The choice is remembered.
    assert!(b.get("/report").await.text().contains("Report a crime"));
}

async fn post_json(
    app: &TestApp,
    who: &User,
    path: impl AsRef<str>,
    body: serde_json::Value,
) -> Reply {
    app.send(
        Method::POST,
        path.as_ref(),
        Some(who),
        &[("content-type", "application/json")],
        serde_json::to_vec(&body).unwrap(),
    )
    .await
}

/// A members' seminar: invisible to the public, listed and open to a member of its audience,
/// whose registration comes back with a tracking number.
async fn members_register_for_their_seminars(app: TestApp) {
    let author = app.analyst("author").await;
    let approver = app
        .user(
            author.org,
            "approver",
            renkei_model::account::Role::Analyst,
            3,
            false,
        )
        .await;
    let bank = app.member("bank").await;
    let body = json!({
        "kind": "seminar",
        "content": {
            "title": "会員向け演習", "summary": "金融機関向け",
            "seminar": { "starts_at": "2099-01-20T05:00:00Z", "ends_at": "2099-01-20T07:00:00Z",
                "venue": "東京", "capacity": 10, "registration": "members" },
        },
        "release": { "tlp": "TLP:GREEN", "audience": ["sector:finance"] },
    });
    let r = post_json(&app, &author, "/api/v1/products", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let number = r.json()["number"].as_str().unwrap().to_owned();
    let r = post_json(
        &app,
        &author,
        format!("/api/v1/products/{number}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = post_json(
        &app,
        &approver,
        format!("/api/v1/products/{number}/approve"),
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    let mut public = Browser::new(&app);
    assert!(
        !public
            .get("/seminars")
            .await
            .text()
            .contains("会員向け演習")
    );
    let path = format!("/seminars/{number}");
    assert_eq!(public.get(&path).await.status, StatusCode::NOT_FOUND);

    let mut m = Browser::new(&app);
    m.login(&bank.login).await;
    assert!(m.get("/seminars").await.text().contains("会員向け演習"));
    let csrf = m.csrf(&path).await;
    let r = m
        .post(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("name", "銀行 花子"),
                ("email", "hanako@bank.example.jp"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains(&format!("{number}-")), "{}", r.text());
}

async fn search_filters_narrow_and_bad_ones_are_refused(app: TestApp) {
    let bank = app.member("filter-bank").await;
    let handling = |tlp: &str| {
        json!({ "tlp": tlp, "audience": ["members"], "classification": 0,
            "uses": ["investigation"], "attribution": "named", "pap": "PAP:GREEN" })
    };
    let green = indicator("詐欺サイト green", &[]);
    let amber = indicator("詐欺サイト amber", &[]);
    app.post_records(&bank, handling("TLP:GREEN"), vec![green.clone()])
        .await;
    app.post_records(&bank, handling("TLP:AMBER"), vec![amber.clone()])
        .await;
    let link = |o: &serde_json::Value| format!("href=\"/records/{}\"", o["id"].as_str().unwrap());

    let mut b = Browser::new(&app);
    b.login(&bank.login).await;
    let r = b.get("/records?q=%E8%A9%90%E6%AC%BA&tlp=TLP%3AAMBER").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains(&link(&amber)) && !html.contains(&link(&green)),
        "{html}"
    );
    assert!(
        html.contains(r#"<option value="TLP:AMBER" selected>"#),
        "the choice is kept: {html}"
    );

    let html = b
        .get("/records?type=indicator&from=2000-01-01&until=2999-12-31")
        .await
        .text();
    assert!(
        html.contains(&link(&amber)) && html.contains(&link(&green)),
        "{html}"
    );
    let html = b.get("/records?from=2999-01-01").await.text();
    assert!(
        !html.contains(&link(&amber)) && !html.contains(&link(&green)),
        "{html}"
    );

    // Refused in Japanese, with the search's own detail naming the filter.
    for (bad, detail) in [
        ("/records?tlp=TLP%3APURPLE", "TLP:PURPLE"),
        (
            "/records?category=secret",
            "One of: individual, overall, technical.",
        ),
        (
            "/records?from=yesterday",
            "`yesterday` is not a STIX timestamp",
        ),
    ] {
        let r = b.get(bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(r.text().contains(detail), "{bad}: {}", r.text());
        assert!(
            r.text().contains("入力値が正しくありません。"),
            "{bad}: {}",
            r.text()
        );
    }
}

on_both_stores!(
    search_filters_narrow_and_bad_ones_are_refused,
    members_register_for_their_seminars,
    hostile_fields_are_escaped_everywhere,
    forms_without_the_right_token_are_refused,
    headers_and_cookies_are_strict,
    failed_logins_are_limited,
    pages_the_policy_denies_are_not_found,
    english_on_request_japanese_by_default,
);
