//! Users and API tokens over REST: what organisation administrators may grant, users of
//! other organisations staying invisible, profile and rights changes taking effect at once,
//! and tokens shown once, listed without secrets and revoked.

use axum::http::{Method, StatusCode};
use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use serde_json::{Value, json};

use crate::app::*;
use crate::membership::{Auth, audited, call, code, get, member_admin, post, secretariat_admin};

fn new_user(login: &str, role: &str, clearance: u8) -> Value {
    json!({ "login": login, "password": PASSWORD, "role": role, "clearance": clearance })
}

async fn create(app: &TestApp, by: &User, org: impl std::fmt::Display, body: Value) -> Reply {
    call(
        app,
        Method::POST,
        &format!("/orgs/{org}/users"),
        Auth::Token(by),
        Some(body),
    )
    .await
}

async fn patch(app: &TestApp, by: Auth<'_>, user: impl std::fmt::Display, body: Value) -> Reply {
    call(
        app,
        Method::PATCH,
        &format!("/users/{user}"),
        by,
        Some(body),
    )
    .await
}

async fn org_admins_grant_within_their_bounds(app: TestApp) {
    let sec = secretariat_admin(&app).await;
    let bank = member_admin(&app, "bank", OrgKind::Industry, Tier::A).await; // clearance 1
    let other = member_admin(&app, "other", OrgKind::Industry, Tier::A).await;
    let contributor = app
        .user(bank.org, "bank-staff", Role::Contributor, 0, false)
        .await;
    let read_only = app.user(bank.org, "bank-ro", Role::OrgAdmin, 1, true).await;

    let r = create(&app, &bank, bank.org, new_user("new-reader", "reader", 1)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["role"], "reader");
    assert_eq!(r.json()["clearance"], 1);
    let r = create(&app, &bank, bank.org, new_user("new-admin", "org_admin", 0)).await;
    assert_eq!(r.status, StatusCode::CREATED);
    for (role, clearance, want) in [
        ("analyst", 0, "role_not_grantable"),
        ("admin", 0, "role_not_grantable"),
        ("reader", 2, "clearance_above_own"),
    ] {
        let r = create(&app, &bank, bank.org, new_user("refused", role, clearance)).await;
        assert_eq!(code(&r, StatusCode::FORBIDDEN), want, "{role} {clearance}");
    }
    let r = create(
        &app,
        &contributor,
        bank.org,
        new_user("refused", "reader", 0),
    )
    .await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "not_permitted");
    let r = create(&app, &read_only, bank.org, new_user("refused", "reader", 0)).await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "cannot_write");
    let r = create(&app, &bank, bank.org, new_user("new-reader", "reader", 0)).await;
    assert_eq!(code(&r, StatusCode::CONFLICT), "conflict");

    // Another organisation's users are invisible: 404 whatever the request.
    let r = create(&app, &bank, other.org, new_user("intruder", "reader", 0)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    for (method, path, body) in [
        (Method::GET, format!("/orgs/{}/users", other.org), None),
        (Method::GET, format!("/users/{}", other.id), None),
        (
            Method::PATCH,
            format!("/users/{}", other.id),
            Some(json!({ "disabled": true })),
        ),
        (
            Method::PATCH,
            format!("/users/{}", other.id),
            Some(json!({ "display_name": "x" })),
        ),
        (Method::GET, format!("/users/{}/tokens", other.id), None),
        (
            Method::POST,
            format!("/users/{}/tokens", other.id),
            Some(json!({})),
        ),
        (
            Method::GET,
            format!("/users/{}", uuid::Uuid::new_v4()),
            None,
        ),
        (Method::GET, "/users/not-a-uuid".to_owned(), None),
    ] {
        let r = call(&app, method.clone(), &path, Auth::Token(&bank), body).await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            r.text()
        );
    }
    // Within the organisation, users who are not administrators see only themselves.
    let r = get(
        &app,
        &format!("/orgs/{}/users", bank.org),
        Auth::Token(&contributor),
    )
    .await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "not_permitted");
    let r = get(
        &app,
        &format!("/users/{}", bank.id),
        Auth::Token(&contributor),
    )
    .await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "not_permitted");
    let r = get(
        &app,
        &format!("/users/{}", contributor.id),
        Auth::Token(&contributor),
    )
    .await;
    assert_eq!(r.json()["login"], "bank-staff");
    let r = get(
        &app,
        &format!("/orgs/{}/users", bank.org),
        Auth::Token(&bank),
    )
    .await;
    assert_eq!(r.json()["users"].as_array().map(Vec::len), Some(5));

    // The secretariat grants anything, but secretariat roles stay in the secretariat.
    let r = create(&app, &sec, other.org, new_user("sec-made", "publisher", 3)).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = create(
        &app,
        &sec,
        other.org,
        new_user("fake-analyst", "analyst", 3),
    )
    .await;
    assert_eq!(
        code(&r, StatusCode::UNPROCESSABLE_ENTITY),
        "role_not_for_org"
    );
    let r = create(&app, &sec, sec.org, new_user("analyst2", "analyst", 3)).await;
    assert_eq!(r.status, StatusCode::CREATED);
    // Token-only users have no password.
    let r = create(
        &app,
        &sec,
        other.org,
        json!({ "login": "robot", "role": "reader", "clearance": 0 }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = get(&app, "/me", Auth::Password("robot", "")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(audited(&app, "user.create").await, 5);
}

async fn profiles_and_rights_change_at_once(app: TestApp) {
    let bank = member_admin(&app, "bank", OrgKind::Industry, Tier::A).await; // clearance 1
    let alice = app
        .user(bank.org, "alice", Role::Contributor, 0, false)
        .await;
    let secret = app.user(bank.org, "secret", Role::Reader, 3, false).await;

    // Users change their own profile, not their rights.
    let new_password = "a-new-long-password";
    let r = patch(
        &app,
        Auth::Token(&alice),
        alice.id,
        json!({ "display_name": "アリス", "password": new_password }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["display_name"], "アリス");
    let me = |password| get(&app, "/me", Auth::Password("alice", password));
    assert_eq!(me(new_password).await.status, StatusCode::OK);
    assert_eq!(me(PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    let r = patch(
        &app,
        Auth::Token(&alice),
        alice.id,
        json!({ "role": "org_admin" }),
    )
    .await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "not_permitted");
    let r = patch(
        &app,
        Auth::Token(&alice),
        alice.id,
        json!({ "password": "short" }),
    )
    .await;
    assert_eq!(code(&r, StatusCode::UNPROCESSABLE_ENTITY), "weak_password");
    let r = patch(&app, Auth::Token(&alice), alice.id, json!({})).await;
    assert_eq!(code(&r, StatusCode::UNPROCESSABLE_ENTITY), "empty_update");
    let r = patch(
        &app,
        Auth::Token(&alice),
        bank.id,
        json!({ "display_name": "x" }),
    )
    .await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "not_permitted");

    // The administrator changes rights within its own.
    let r = patch(
        &app,
        Auth::Token(&bank),
        alice.id,
        json!({ "role": "publisher", "clearance": 1 }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        (r.json()["role"].clone(), r.json()["clearance"].clone()),
        (json!("publisher"), json!(1))
    );
    let r = patch(
        &app,
        Auth::Token(&bank),
        alice.id,
        json!({ "clearance": 2 }),
    )
    .await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "clearance_above_own");
    let r = patch(
        &app,
        Auth::Token(&bank),
        alice.id,
        json!({ "role": "admin" }),
    )
    .await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "role_not_grantable");
    // A better-cleared colleague is out of its reach, even for a password reset.
    let r = patch(
        &app,
        Auth::Token(&bank),
        secret.id,
        json!({ "password": "taken-over-account" }),
    )
    .await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "clearance_above_own");

    // Disabling cuts the token and the password at once; enabling restores them.
    let r = patch(
        &app,
        Auth::Token(&bank),
        alice.id,
        json!({ "disabled": true }),
    )
    .await;
    assert_eq!(r.json()["disabled"], true);
    let r = get(&app, "/me", Auth::Token(&alice)).await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "account_disabled");
    assert_eq!(me(new_password).await.status, StatusCode::FORBIDDEN);
    let r = patch(
        &app,
        Auth::Token(&bank),
        alice.id,
        json!({ "disabled": false }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        get(&app, "/me", Auth::Token(&alice)).await.status,
        StatusCode::OK
    );

    // Bad input.
    for (body, want) in [
        (json!({ "role": "overlord" }), "invalid_body"),
        (json!({ "clearance": 7 }), "invalid_body"),
        (json!({ "disabled": "yes" }), "invalid_body"),
        (json!({ "login": "renamed" }), "invalid_body"),
        (json!({ "display_name": "d".repeat(201) }), "invalid_text"),
        (json!({ "display_name": "tab\there" }), "invalid_text"),
    ] {
        let r = patch(&app, Auth::Token(&bank), alice.id, body.clone()).await;
        assert_eq!(code(&r, StatusCode::UNPROCESSABLE_ENTITY), want, "{body}");
    }
    let r = crate::membership::call_raw(
        &app,
        Method::PATCH,
        &format!("/users/{}", alice.id),
        Auth::Token(&bank),
        "application/json",
        b"{\"display_name\":".to_vec(),
    )
    .await;
    assert_eq!(code(&r, StatusCode::BAD_REQUEST), "malformed_json");
    // display_name null clears it.
    let r = patch(
        &app,
        Auth::Token(&bank),
        alice.id,
        json!({ "display_name": null }),
    )
    .await;
    assert_eq!(r.json()["display_name"], Value::Null);
    assert_eq!(audited(&app, "user.update").await, 5);
    // The audit entry never holds the password.
    let entries = app.store.audit_entries(0, 1000).await.expect("audit");
    assert!(
        entries
            .iter()
            .all(|e| !e.event.detail.contains(new_password))
    );
}

async fn tokens_are_shown_once_listed_and_revoked(app: TestApp) {
    let sec = secretariat_admin(&app).await;
    let bank = member_admin(&app, "bank", OrgKind::Industry, Tier::A).await; // clearance 1
    let other = member_admin(&app, "other", OrgKind::Industry, Tier::A).await;
    let alice = app
        .user(bank.org, "alice", Role::Contributor, 1, false)
        .await;
    let alice_ro = app
        .user(bank.org, "alice-ro", Role::Contributor, 0, true)
        .await;
    let tokens = format!("/users/{}/tokens", alice.id);

    let r = post(
        &app,
        &tokens,
        Auth::Token(&alice),
        json!({ "label": "SOAR 連携", "expires_days": 30 }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let created = r.json();
    let secret = created["token"].as_str().unwrap_or("").to_owned();
    assert!(secret.starts_with("rnk_"));
    assert!(secret.starts_with(created["prefix"].as_str().unwrap_or("?")));
    assert!(created["expires_at"].is_string());
    let fresh = User {
        token: secret.clone(),
        ..alice.clone()
    };
    assert_eq!(
        get(&app, "/me", Auth::Token(&fresh)).await.status,
        StatusCode::OK
    );

    // Listed without secrets, newest first.
    let r = get(&app, &tokens, Auth::Token(&alice)).await;
    let list = r.json()["tokens"].as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 2, "the fixture's token and the new one");
    assert_eq!(list[0]["id"], created["id"]);
    assert_eq!(list[0]["label"], "SOAR 連携");
    assert!(list.iter().all(|t| t.get("token").is_none()));
    assert!(!r.text().contains(&secret[12..]));

    // Read-only tokens cannot make tokens; their owner can read their list.
    let ro_tokens = format!("/users/{}/tokens", alice_ro.id);
    let r = post(&app, &ro_tokens, Auth::Token(&alice_ro), json!({})).await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "cannot_write");
    assert_eq!(
        get(&app, &ro_tokens, Auth::Token(&alice_ro)).await.status,
        StatusCode::OK
    );
    let r = post(&app, &tokens, Auth::Token(&alice_ro), json!({})).await;
    assert_eq!(code(&r, StatusCode::FORBIDDEN), "cannot_write");

    // A read-only token minted over REST reads but does not write.
    let r = post(
        &app,
        &tokens,
        Auth::Token(&alice),
        json!({ "read_only": true }),
    )
    .await;
    let ro = User {
        token: r.json()["token"].as_str().unwrap_or("").to_owned(),
        ..alice.clone()
    };
    let me = get(&app, "/me", Auth::Token(&ro)).await;
    assert_eq!(me.json()["read_only"], true);
    let r = app
        .post_envelope(&format!("{RECORDS}/objects/"), Some(&ro), &[marked("x")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The organisation's administrator and the secretariat may mint and revoke; others not.
    let r = post(
        &app,
        &tokens,
        Auth::Token(&bank),
        json!({ "label": "by admin" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = post(&app, &tokens, Auth::Token(&other), json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(
        &app,
        Method::DELETE,
        &format!("/tokens/{}", created["id"].as_str().unwrap_or("")),
        Auth::Token(&other),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Revoked: 401 at once; revoking again is still 204.
    let revoke = format!("/tokens/{}", created["id"].as_str().unwrap_or(""));
    assert_eq!(
        call(&app, Method::DELETE, &revoke, Auth::Token(&alice), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let r = get(&app, "/me", Auth::Token(&fresh)).await;
    assert_eq!(code(&r, StatusCode::UNAUTHORIZED), "invalid_credentials");
    assert_eq!(
        call(&app, Method::DELETE, &revoke, Auth::Token(&sec), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let list = get(&app, &tokens, Auth::Token(&bank)).await.json();
    let revoked: Vec<bool> = list["tokens"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| t["revoked"] == true)
        .collect();
    assert_eq!(revoked.iter().filter(|r| **r).count(), 1);
    for path in [
        "/tokens/not-a-uuid".to_owned(),
        format!("/tokens/{}", uuid::Uuid::new_v4()),
    ] {
        assert_eq!(
            call(&app, Method::DELETE, &path, Auth::Token(&sec), None)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }

    // Bad input.
    for (body, want) in [
        (json!({ "expires_days": 0 }), "invalid_expiry"),
        (json!({ "expires_days": 100_000 }), "invalid_expiry"),
        (json!({ "expires_days": -1 }), "invalid_body"),
        (json!({ "read_only": "no" }), "invalid_body"),
        (json!({ "label": "l".repeat(201) }), "invalid_text"),
        (json!({ "label": "bell\u{7}" }), "invalid_text"),
        (json!({ "secret": "mine" }), "invalid_body"),
    ] {
        let r = post(&app, &tokens, Auth::Token(&alice), body.clone()).await;
        assert_eq!(code(&r, StatusCode::UNPROCESSABLE_ENTITY), want, "{body}");
    }
    assert_eq!(audited(&app, "token.create").await, 3);
    assert_eq!(audited(&app, "token.revoke").await, 2);
    let entries = app.store.audit_entries(0, 1000).await.expect("audit");
    assert!(
        entries
            .iter()
            .all(|e| !e.event.detail.contains(&secret[4..]))
    );
}

async fn a_suspended_organisations_admin_manages_nothing(app: TestApp) {
    let sec = secretariat_admin(&app).await;
    let bank = member_admin(&app, "bank", OrgKind::Industry, Tier::A).await;
    let org = app
        .org(
            "applicant",
            OrgKind::Industry,
            Tier::None,
            None,
            OrgStatus::Applicant,
        )
        .await;
    let applicant = app
        .user(org, "applicant-admin", Role::OrgAdmin, 0, false)
        .await;
    let r = post(
        &app,
        &format!("/orgs/{}/status", bank.org),
        Auth::Token(&sec),
        json!({ "to": "suspended", "reason": "調査中" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    for who in [&bank, &applicant] {
        let r = create(&app, who, who.org, new_user("late", "reader", 0)).await;
        assert_eq!(
            code(&r, StatusCode::FORBIDDEN),
            "membership_inactive",
            "{}",
            who.login
        );
    }
}

on_both_stores!(
    org_admins_grant_within_their_bounds,
    profiles_and_rights_change_at_once,
    tokens_are_shown_once_listed_and_revoked,
    a_suspended_organisations_admin_manages_nothing,
);
