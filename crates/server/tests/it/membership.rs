//! The membership process over REST: applying, recommendations, the NDA, approval,
//! suspension and expulsion taking effect at once, organisation details, default handling, and
//! bad input answered with 4xx codes.

use axum::http::{Method, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use renkei_model::ids::OrgId;
use serde_json::{Value, json};

use crate::app::*;

pub const API: &str = "/api/v1";
pub const NDA: &str = "2026-11";

/// Credentials as an `Authorization` header value.
pub enum Auth<'a> {
    Token(&'a User),
    Password(&'a str, &'a str),
    None,
}

impl Auth<'_> {
    fn header(&self) -> Option<String> {
        match self {
            Auth::Token(u) => Some(format!("Bearer {}", u.token)),
            Auth::Password(login, password) => Some(format!(
                "Basic {}",
                STANDARD.encode(format!("{login}:{password}"))
            )),
            Auth::None => None,
        }
    }
}

/// A REST call with an optional JSON body.
pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Option<Value>,
) -> Reply {
    let auth = auth.header();
    let mut headers = vec![("accept", "application/json")];
    if let Some(a) = &auth {
        headers.push(("authorization", a.as_str()));
    }
    let bytes = match &body {
        Some(b) => {
            headers.push(("content-type", "application/json"));
            serde_json::to_vec(b).expect("json")
        }
        None => Vec::new(),
    };
    app.send(method, &format!("{API}{path}"), None, &headers, bytes)
        .await
}

pub async fn get(app: &TestApp, path: &str, auth: Auth<'_>) -> Reply {
    call(app, Method::GET, path, auth, None).await
}

pub async fn post(app: &TestApp, path: &str, auth: Auth<'_>, body: Value) -> Reply {
    call(app, Method::POST, path, auth, Some(body)).await
}

/// A raw body with a content type, for bad input.
pub async fn call_raw(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    content_type: &str,
    body: Vec<u8>,
) -> Reply {
    let auth = auth.header();
    let mut headers = vec![
        ("accept", "application/json"),
        ("content-type", content_type),
    ];
    if let Some(a) = &auth {
        headers.push(("authorization", a.as_str()));
    }
    app.send(method, &format!("{API}{path}"), None, &headers, body)
        .await
}

/// The error code of a reply, after checking its status.
#[track_caller]
pub fn code(r: &Reply, status: StatusCode) -> String {
    assert_eq!(r.status, status, "{}", r.text());
    r.json()["error_code"].as_str().unwrap_or("").to_owned()
}

/// How many audit entries have this action.
pub async fn audited(app: &TestApp, action: &str) -> usize {
    app.store
        .audit_entries(0, 100_000)
        .await
        .expect("audit")
        .iter()
        .filter(|e| e.event.action == action)
        .count()
}

/// The secretariat's administrator.
pub async fn secretariat_admin(app: &TestApp) -> User {
    let org = app
        .org(
            "連携事務局",
            OrgKind::Secretariat,
            Tier::None,
            None,
            OrgStatus::Active,
        )
        .await;
    app.user(org, "sec-admin", Role::Admin, 3, false).await
}

/// An active member organisation's administrator.
pub async fn member_admin(app: &TestApp, name: &str, kind: OrgKind, tier: Tier) -> User {
    let org = app
        .org(name, kind, tier, Some("finance"), OrgStatus::Active)
        .await;
    app.user(org, &format!("{name}-admin"), Role::OrgAdmin, 1, false)
        .await
}

/// Applies as `name` with administrator `login`; returns the applicant's id.
async fn apply(app: &TestApp, name: &str, login: &str) -> OrgId {
    let r = call(
        app,
        Method::POST,
        "/applications",
        Auth::None,
        Some(application(name, login)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    assert_eq!(v["org"]["status"], "applicant");
    assert_eq!(v["org"]["tier"], "none");
    assert_eq!(v["user"]["role"], "org_admin");
    assert!(v["user"].get("password").is_none());
    v["org"]["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("org id")
}

fn application(name: &str, login: &str) -> Value {
    json!({
        "organisation": { "name": name, "kind": "industry", "sector": "telecom" },
        "admin": { "login": login, "password": PASSWORD, "display_name": "申請 担当" },
        "statement": "通信事業者です。フィッシング情報を共有したい。",
    })
}

async fn recommend(app: &TestApp, by: &User, applicant: OrgId) -> Reply {
    call(
        app,
        Method::POST,
        &format!("/orgs/{applicant}/recommendations"),
        Auth::Token(by),
        Some(json!({ "statement": "we have worked with them for years" })),
    )
    .await
}

async fn set_status(app: &TestApp, by: &User, org: OrgId, to: &str, reason: &str) -> Reply {
    call(
        app,
        Method::POST,
        &format!("/orgs/{org}/status"),
        Auth::Token(by),
        Some(json!({ "to": to, "reason": reason })),
    )
    .await
}

async fn membership_journey(app: TestApp) {
    let sec = secretariat_admin(&app).await;
    let bank = member_admin(&app, "bank", OrgKind::Industry, Tier::A).await;
    let univ = member_admin(&app, "univ", OrgKind::Academia, Tier::B).await;
    let telco = apply(&app, "テレコム株式会社", "telco-admin").await;
    let applicant = Auth::Password("telco-admin", PASSWORD);

    // The applicant follows its own application but has no member rights yet.
    let r = get(&app, &format!("/orgs/{telco}/membership"), applicant_auth()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let m = r.json();
    assert_eq!(m["admission"]["ready"], false);
    assert_eq!(m["admission"]["blocked_by"], "recommendations_missing");
    assert_eq!(m["admission"]["recommendations_required"], 2);
    assert!(
        m["application"]["statement"]
            .as_str()
            .is_some_and(|s| s.contains("通信"))
    );
    let r = get(&app, &format!("/orgs/{telco}"), applicant_auth()).await;
    assert_eq!(r.json()["status"], "applicant");
    let r = app
        .send(
            Method::GET,
            &format!("{RECORDS}/objects/"),
            None,
            &[("authorization", &applicant.header().unwrap_or_default())],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        code(
            &get(&app, "/orgs", applicant_auth()).await,
            StatusCode::FORBIDDEN
        ),
        "membership_inactive"
    );
    // Members do not see applicants; the secretariat does.
    let listed = |r: Reply| {
        r.json()["orgs"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|o| o["id"] == telco.to_string())
    };
    assert!(!listed(get(&app, "/orgs", Auth::Token(&bank)).await));
    assert!(listed(get(&app, "/orgs", Auth::Token(&sec)).await));

    // One recommendation is not enough.
    let r = recommend(&app, &bank, telco).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["recommender_name"], "bank");
    let r = set_status(&app, &sec, telco, "active", "approved by the board").await;
    assert_eq!(
        code(&r, StatusCode::UNPROCESSABLE_ENTITY),
        "recommendations_missing"
    );

    // Two, but no NDA yet.
    assert_eq!(
        recommend(&app, &univ, telco).await.status,
        StatusCode::CREATED
    );
    let r = set_status(&app, &sec, telco, "active", "approved by the board").await;
    assert_eq!(code(&r, StatusCode::UNPROCESSABLE_ENTITY), "nda_missing");

    // The NDA: only the current version, only by the applicant itself.
    let nda = |version: &str| Some(json!({ "version": version }));
    let path = format!("/orgs/{telco}/nda");
    let r = call(&app, Method::POST, &path, applicant_auth(), nda("2020-01")).await;
    assert_eq!(
        code(&r, StatusCode::UNPROCESSABLE_ENTITY),
        "nda_version_mismatch"
    );
    let r = call(&app, Method::POST, &path, Auth::Token(&bank), nda(NDA)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let r = call(&app, Method::POST, &path, applicant_auth(), nda(NDA)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["nda"]["version"], NDA);
    let m = get(&app, &format!("/orgs/{telco}/membership"), applicant_auth())
        .await
        .json();
    assert_eq!(m["admission"]["ready"], true);
    assert_eq!(m["admission"]["recommendations_counted"], 2);

    // Approval.
    let r = set_status(&app, &sec, telco, "active", "承認：推薦2件、NDA締結済み").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "active");
    let r = app
        .send(
            Method::GET,
            &format!("{RECORDS}/objects/"),
            None,
            &[("authorization", &applicant.header().unwrap_or_default())],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(listed(get(&app, "/orgs", Auth::Token(&bank)).await));
    let m = get(
        &app,
        &format!("/orgs/{telco}/membership"),
        Auth::Token(&sec),
    )
    .await
    .json();
    assert_eq!(m["history"][0]["from"], "applicant");
    assert_eq!(m["history"][0]["to"], "active");
    assert_eq!(m["history"][0]["reason"], "承認：推薦2件、NDA締結済み");
    assert_eq!(m["admission"], Value::Null);
    // Approving twice is a conflict.
    let r = set_status(&app, &sec, telco, "active", "again").await;
    assert_eq!(code(&r, StatusCode::CONFLICT), "status_change_not_allowed");

    for (action, n) in [
        ("org.apply", 1),
        ("org.recommend", 2),
        ("org.nda", 1),
        ("org.status", 1),
    ] {
        assert_eq!(audited(&app, action).await, n, "{action}");
    }
    let apply_entry = app
        .store
        .audit_entries(0, 1000)
        .await
        .expect("audit")
        .into_iter()
        .find(|e| e.event.action == "org.apply")
        .expect("org.apply");
    assert_eq!(apply_entry.event.actor_user, None);
    assert_eq!(apply_entry.event.subject, telco.to_string());
}

fn applicant_auth() -> Auth<'static> {
    Auth::Password("telco-admin", PASSWORD)
}

async fn recommendations_are_checked(app: TestApp) {
    let sec = secretariat_admin(&app).await;
    let bank = member_admin(&app, "bank", OrgKind::Industry, Tier::A).await;
    let police = member_admin(&app, "police", OrgKind::LawEnforcement, Tier::None).await;
    let registered = member_admin(&app, "registered", OrgKind::Industry, Tier::None).await;
    let partner = member_admin(&app, "partner", OrgKind::Partner, Tier::None).await;
    let contributor = app
        .user(bank.org, "bank-staff", Role::Contributor, 0, false)
        .await;
    let read_only = app.user(bank.org, "bank-ro", Role::OrgAdmin, 0, true).await;
    let telco = apply(&app, "telco", "telco-admin").await;

    let r = recommend(&app, &bank, bank.org).await;
    assert_eq!(
        code(&r, StatusCode::UNPROCESSABLE_ENTITY),
        "self_recommendation"
    );
    for (who, want) in [
        (&registered, "recommender_not_eligible"),
        (&partner, "recommender_not_eligible"),
        (&contributor, "not_permitted"),
        (&read_only, "cannot_write"),
    ] {
        let r = recommend(&app, who, telco).await;
        assert_eq!(code(&r, StatusCode::FORBIDDEN), want, "{}", who.login);
    }
    assert_eq!(
        recommend(&app, &bank, telco).await.status,
        StatusCode::CREATED
    );
    let r = recommend(&app, &bank, telco).await;
    assert_eq!(code(&r, StatusCode::CONFLICT), "already_recommended");
    // Another admin of the same organisation cannot add a second one either.
    let bank2 = app
        .user(bank.org, "bank-admin2", Role::OrgAdmin, 0, false)
        .await;
    let r = recommend(&app, &bank2, telco).await;
    assert_eq!(code(&r, StatusCode::CONFLICT), "already_recommended");
    // Active members are not applicants; organisations one may not see are not found.
    let r = recommend(&app, &police, registered.org).await;
    assert_eq!(code(&r, StatusCode::CONFLICT), "not_an_applicant");
    let r = set_status(&app, &sec, partner.org, "suspended", "fees").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        recommend(&app, &police, partner.org).await.status,
        StatusCode::NOT_FOUND
    );
    let r = recommend(&app, &police, OrgId::from_uuid(uuid::Uuid::new_v4())).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        post(
            &app,
            "/orgs/not-a-uuid/recommendations",
            Auth::Token(&police),
            json!({"statement": "x"})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // A recommender suspended since no longer counts.
    assert_eq!(
        recommend(&app, &police, telco).await.status,
        StatusCode::CREATED
    );
    let nda = post(
        &app,
        &format!("/orgs/{telco}/nda"),
        applicant_auth(),
        json!({ "version": NDA }),
    )
    .await;
    assert_eq!(nda.status, StatusCode::OK);
    assert_eq!(
        set_status(&app, &sec, bank.org, "suspended", "audit")
            .await
            .status,
        StatusCode::OK
    );
    let r = set_status(&app, &sec, telco, "active", "ok").await;
    assert_eq!(
        code(&r, StatusCode::UNPROCESSABLE_ENTITY),
        "recommendations_missing"
    );
    assert_eq!(
        set_status(&app, &sec, bank.org, "active", "audit done")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        set_status(&app, &sec, telco, "active", "ok").await.status,
        StatusCode::OK
    );
    assert_eq!(audited(&app, "org.recommend").await, 2);
}

async fn suspension_cuts_tokens_and_passwords_at_once(app: TestApp) {
    let sec = secretariat_admin(&app).await;
    let alice = app.member("alice").await;
    let analyst = app.user(sec.org, "analyst", Role::Analyst, 3, false).await;
    let objects = format!("{RECORDS}/objects/");
    let with = |auth: Auth<'_>| auth.header().unwrap_or_default();
    let read = |auth: String| {
        let app = &app;
        let objects = objects.clone();
        async move {
            app.send(
                Method::GET,
                &objects,
                None,
                &[("authorization", &auth)],
                Vec::new(),
            )
            .await
            .status
        }
    };
    let token = with(Auth::Token(&alice));
    let password = with(Auth::Password("alice", PASSWORD));
    assert_eq!(read(token.clone()).await, StatusCode::OK);
    assert_eq!(read(password.clone()).await, StatusCode::OK);

    // Only secretariat administrators change a status, and always with a reason.
    let r = set_status(&app, &analyst, alice.org, "suspended", "x").await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "not_permitted");
    let r = set_status(&app, &alice, alice.org, "suspended", "x").await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "not_permitted");
    let r = set_status(&app, &sec, alice.org, "suspended", "  ").await;
    assert_eq!(
        code(&r, StatusCode::UNPROCESSABLE_ENTITY),
        "reason_required"
    );
    let r = set_status(&app, &sec, sec.org, "suspended", "oops").await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "not_permitted");

    let r = set_status(&app, &sec, alice.org, "suspended", "会費未納").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    for auth in [token.clone(), password.clone()] {
        let r = app
            .send(
                Method::GET,
                &objects,
                None,
                &[("authorization", &auth)],
                Vec::new(),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json()["error_code"], "membership_inactive");
    }
    assert_eq!(
        code(
            &get(&app, "/me", Auth::Token(&alice)).await,
            StatusCode::FORBIDDEN
        ),
        "membership_inactive"
    );
    // Nor can it follow its membership file as an applicant could.
    let r = get(
        &app,
        &format!("/orgs/{}/membership", alice.org),
        Auth::Token(&alice),
    )
    .await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "membership_inactive");

    let r = set_status(&app, &sec, alice.org, "active", "会費納入済み").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(read(token.clone()).await, StatusCode::OK);
    assert_eq!(read(password.clone()).await, StatusCode::OK);

    // Expulsion is final.
    assert_eq!(
        set_status(&app, &sec, alice.org, "expelled", "NDA違反")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(read(token).await, StatusCode::FORBIDDEN);
    assert_eq!(read(password).await, StatusCode::FORBIDDEN);
    for to in ["active", "suspended"] {
        let r = set_status(&app, &sec, alice.org, to, "appeal").await;
        assert_eq!(code(&r, StatusCode::CONFLICT), "status_change_not_allowed");
    }
    let m = get(
        &app,
        &format!("/orgs/{}/membership", alice.org),
        Auth::Token(&sec),
    )
    .await
    .json();
    let steps: Vec<(&str, &str)> = m["history"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["from"].as_str().unwrap_or(""),
                c["to"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("active", "suspended"),
            ("suspended", "active"),
            ("active", "expelled")
        ]
    );
    assert_eq!(audited(&app, "org.status").await, 3);
}

async fn applicants_reach_only_their_own(app: TestApp) {
    let bank = member_admin(&app, "bank", OrgKind::Industry, Tier::A).await;
    let contributor = app
        .user(bank.org, "bank-staff", Role::Contributor, 0, false)
        .await;
    let telco = apply(&app, "telco", "telco-admin").await;
    let other = apply(&app, "other", "other-admin").await;
    let me = applicant_auth;

    for path in [
        format!("/orgs/{other}"),
        format!("/orgs/{other}/membership"),
        format!("/orgs/{}", bank.org),
    ] {
        let r = get(&app, &path, me()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text());
    }
    let r = post(
        &app,
        &format!("/orgs/{other}/nda"),
        me(),
        json!({"version": NDA}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Every other door stays shut while applying.
    for (method, path) in [
        (Method::GET, format!("/orgs/{telco}/users")),
        (Method::GET, format!("/orgs/{telco}/handling-defaults")),
        (Method::GET, "/me".to_owned()),
    ] {
        let r = call(&app, method, &path, me(), None).await;
        assert_eq!(
            code(&r, StatusCode::FORBIDDEN),
            "membership_inactive",
            "{path}"
        );
    }
    // A member's file is for its administrators and the secretariat.
    let r = get(
        &app,
        &format!("/orgs/{}/membership", bank.org),
        Auth::Token(&contributor),
    )
    .await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "not_permitted");
    let r = get(
        &app,
        &format!("/orgs/{telco}/membership"),
        Auth::Token(&bank),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = get(
        &app,
        &format!("/orgs/{}/membership", bank.org),
        Auth::Token(&bank),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    // Anonymous callers are asked for credentials.
    let r = get(&app, &format!("/orgs/{telco}/membership"), Auth::None).await;
    assert_eq!(
        code(&r, StatusCode::UNAUTHORIZED),
        "authentication_required"
    );
}

async fn the_secretariat_updates_organisations(app: TestApp) {
    let sec = secretariat_admin(&app).await;
    let bank = member_admin(&app, "bank", OrgKind::Industry, Tier::B).await;
    let police = member_admin(&app, "police", OrgKind::LawEnforcement, Tier::None).await;
    let patch = |by: &User, org: OrgId, body: Value| {
        let by = by.clone();
        let app = &app;
        async move {
            call(
                app,
                Method::PATCH,
                &format!("/orgs/{org}"),
                Auth::Token(&by),
                Some(body),
            )
            .await
        }
    };
    let r = patch(
        &sec,
        bank.org,
        json!({ "tier": "A", "name": "Bank of Renkei" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        (r.json()["tier"].clone(), r.json()["name"].clone()),
        (json!("A"), json!("Bank of Renkei"))
    );
    let r = patch(&sec, bank.org, json!({ "sector": null })).await;
    assert_eq!(r.json()["sector"], Value::Null);
    let r = patch(&sec, police.org, json!({ "tier": "A" })).await;
    assert_eq!(
        code(&r, StatusCode::UNPROCESSABLE_ENTITY),
        "tier_not_applicable"
    );
    let r = patch(&sec, bank.org, json!({})).await;
    assert_eq!(code(&r, StatusCode::UNPROCESSABLE_ENTITY), "empty_update");
    let r = patch(&sec, bank.org, json!({ "name": "police" })).await;
    assert_eq!(code(&r, StatusCode::CONFLICT), "conflict");
    let r = patch(&sec, bank.org, json!({ "tier": "S" })).await;
    assert_eq!(code(&r, StatusCode::UNPROCESSABLE_ENTITY), "invalid_body");
    let r = patch(&bank, bank.org, json!({ "tier": "A" })).await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "not_permitted");
    let r = patch(
        &sec,
        OrgId::from_uuid(uuid::Uuid::new_v4()),
        json!({ "tier": "A" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = get(&app, &format!("/orgs/{}", bank.org), Auth::Token(&police)).await;
    assert_eq!(r.json()["tier"], "A");
    assert_eq!(audited(&app, "org.update").await, 2);
}

async fn default_handling_reaches_unmarked_submissions(app: TestApp) {
    let sec = secretariat_admin(&app).await;
    let bank = member_admin(&app, "bank", OrgKind::Industry, Tier::A).await;
    let contributor = app
        .user(bank.org, "bank-staff", Role::Contributor, 1, false)
        .await;
    let other_bank = app.member("peer").await;
    let path = format!("/orgs/{}/handling-defaults", bank.org);
    let handling = |classification: u8| {
        json!({
            "tlp": "TLP:GREEN",
            "audience": ["members"],
            "classification": classification,
            "uses": ["investigation", "defensive_feeds"],
            "attribution": "named",
            "pap": "PAP:GREEN",
        })
    };

    let r = get(&app, &path, Auth::Token(&contributor)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["handling"], Value::Null);
    let r = get(&app, &path, Auth::Token(&other_bank)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(
        &app,
        Method::PUT,
        &path,
        Auth::Token(&contributor),
        Some(handling(0)),
    )
    .await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "not_permitted");
    let r = call(
        &app,
        Method::PUT,
        &path,
        Auth::Token(&bank),
        Some(handling(2)),
    )
    .await;
    assert_eq!(
        code(&r, StatusCode::UNPROCESSABLE_ENTITY),
        "classification_above_clearance"
    );
    let r = call(
        &app,
        Method::PUT,
        &path,
        Auth::Token(&bank),
        Some(json!({"tlp": "TLP:PURPLE"})),
    )
    .await;
    assert_eq!(code(&r, StatusCode::UNPROCESSABLE_ENTITY), "invalid_body");
    let r = call(
        &app,
        Method::PUT,
        &path,
        Auth::Token(&bank),
        Some(handling(0)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = get(&app, &path, Auth::Token(&sec)).await;
    assert_eq!(r.json()["handling"], handling(0));

    // An unmarked submission gets the defaults, so the peer bank receives it.
    let o = indicator("既定の取扱い", &[]);
    let id = o["id"].as_str().unwrap_or("").to_owned();
    let r = app
        .post_envelope(&format!("{RECORDS}/objects/"), Some(&contributor), &[o])
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    assert_eq!(r.json()["success_count"], 1);
    let r = get(&app, &format!("/records/{id}"), Auth::Token(&contributor)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["handling"], handling(0));
    let r = get(&app, &format!("/records/{id}"), Auth::Token(&other_bank)).await;
    assert_eq!(r.status, StatusCode::OK, "members receive it: {}", r.text());

    // Secretariat administrators may set them too; null clears them.
    let r = call(
        &app,
        Method::PUT,
        &path,
        Auth::Token(&sec),
        Some(handling(3)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = call(
        &app,
        Method::PUT,
        &path,
        Auth::Token(&bank),
        Some(Value::Null),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = get(&app, &path, Auth::Token(&bank)).await;
    assert_eq!(r.json()["handling"], Value::Null);
    assert_eq!(audited(&app, "org.handling_defaults").await, 3);
}

async fn bad_applications_are_4xx(app: TestApp) {
    let _ = apply(&app, "taken", "taken-admin").await;
    let raw = |body: Vec<u8>, content_type: &'static str| {
        let app = &app;
        async move {
            call_raw(
                app,
                Method::POST,
                "/applications",
                Auth::None,
                content_type,
                body,
            )
            .await
        }
    };
    let json_ct = "application/json";
    assert_eq!(
        code(
            &raw(b"{\"organisation\": ".to_vec(), json_ct).await,
            StatusCode::BAD_REQUEST
        ),
        "malformed_json"
    );
    assert_eq!(
        code(&raw(b"".to_vec(), json_ct).await, StatusCode::BAD_REQUEST),
        "malformed_json"
    );
    assert_eq!(
        code(
            &raw(vec![0xff, 0xfe], json_ct).await,
            StatusCode::BAD_REQUEST
        ),
        "malformed_json"
    );
    assert_eq!(
        code(
            &raw(b"[]".to_vec(), json_ct).await,
            StatusCode::UNPROCESSABLE_ENTITY
        ),
        "invalid_body"
    );
    let ok = serde_json::to_vec(&application("fine", "fine-admin")).unwrap_or_default();
    assert_eq!(
        code(
            &raw(ok.clone(), "text/plain").await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        ),
        "unsupported_media_type"
    );
    let mut huge = application("huge", "huge-admin");
    huge["statement"] = "x".repeat(70_000).into();
    assert_eq!(
        code(
            &raw(serde_json::to_vec(&huge).unwrap_or_default(), json_ct).await,
            StatusCode::PAYLOAD_TOO_LARGE
        ),
        "too_large"
    );

    let variant = |f: &dyn Fn(&mut Value)| {
        let mut v = application("variant", "variant-admin");
        f(&mut v);
        v
    };
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            variant(&|v| v["organisation"]["kind"] = "government".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            variant(&|v| v["organisation"]["kind"] = "secretariat".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "kind_not_applicable",
        ),
        (
            variant(&|v| v["organisation"]["sector"] = "Finance!".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            variant(&|v| v["organisation"]["tier"] = "A".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            variant(&|v| v["organisation"]["name"] = "".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_name",
        ),
        (
            variant(&|v| v["organisation"]["name"] = "名".repeat(201).into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_name",
        ),
        (
            variant(&|v| v["organisation"]["name"] = "a\u{0}b".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_name",
        ),
        (
            variant(&|v| v["admin"]["login"] = "has space".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_login",
        ),
        (
            variant(&|v| v["admin"]["login"] = "x".repeat(65).into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_login",
        ),
        (
            variant(&|v| v["admin"]["password"] = "short".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "weak_password",
        ),
        (
            variant(&|v| v["admin"]["display_name"] = "d".repeat(201).into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_text",
        ),
        (
            variant(&|v| v["statement"] = "".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_text",
        ),
        (
            variant(&|v| v["statement"] = "s".repeat(4001).into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_text",
        ),
        (
            variant(&|v| v["statement"] = "nul\u{0}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_text",
        ),
        (
            variant(&|v| v["statement"] = 42.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            variant(&|v| {
                v.as_object_mut().map(|o| o.remove("statement"));
            }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            variant(&|v| v["extra"] = true.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            variant(&|v| v["organisation"]["name"] = "taken".into()),
            StatusCode::CONFLICT,
            "conflict",
        ),
        (
            variant(&|v| v["admin"]["login"] = "taken-admin".into()),
            StatusCode::CONFLICT,
            "conflict",
        ),
    ];
    for (body, status, want) in cases {
        let r = post(&app, "/applications", Auth::None, body.clone()).await;
        assert_eq!(code(&r, status), want, "{body}");
    }
    // Nothing half-made: the refused applications left no organisation behind.
    let sec = secretariat_admin(&app).await;
    let orgs = get(&app, "/orgs", Auth::Token(&sec)).await.json();
    assert_eq!(orgs["orgs"].as_array().map(Vec::len), Some(2), "{orgs}");
    assert_eq!(audited(&app, "org.apply").await, 1);

    // Bad input on the other membership endpoints.
    let org = sec.org;
    let bank = member_admin(&app, "bank", OrgKind::Industry, Tier::A).await;
    let status = format!("/orgs/{}/status", bank.org);
    for (body, want) in [
        (json!({ "to": "gone", "reason": "x" }), "invalid_body"),
        (json!({ "to": "suspended" }), "invalid_body"),
        (
            json!({ "to": "suspended", "reason": "r".repeat(2001) }),
            "invalid_text",
        ),
    ] {
        let r = post(&app, &status, Auth::Token(&sec), body).await;
        assert_eq!(code(&r, StatusCode::UNPROCESSABLE_ENTITY), want);
    }
    let r = get(&app, "/orgs/12345", Auth::Token(&sec)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let _ = org;
}

on_both_stores!(
    membership_journey,
    recommendations_are_checked,
    suspension_cuts_tokens_and_passwords_at_once,
    applicants_reach_only_their_own,
    the_secretariat_updates_organisations,
    default_handling_reaches_unmarked_submissions,
    bad_applications_are_4xx,
);
