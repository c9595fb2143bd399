//! Credentials: Basic with password or token, Bearer and Token schemes; bad credentials are
//! 401; a suspended organisation or a read-only token is refused what it may not do.

use axum::http::{Method, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};

use crate::app::*;

fn basic(login: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{login}:{secret}")))
}

async fn every_credential_form_works(app: TestApp) {
    let alice = app.member("alice").await;
    for auth in [
        basic("alice", PASSWORD),
        basic("alice", &alice.token),
        format!("Bearer {}", alice.token),
        format!("Token {}", alice.token),
    ] {
        let r = app
            .send(
                Method::GET,
                RECORDS,
                None,
                &[(header::AUTHORIZATION.as_str(), &auth)],
                Vec::new(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", &auth[..12]);
        assert_eq!(r.json()["can_write"], true);
    }
    // Twice, to go through the verified-password cache.
    let r = app
        .send(
            Method::GET,
            RECORDS,
            None,
            &[("authorization", &basic("alice", PASSWORD))],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

async fn bad_credentials_are_401(app: TestApp) {
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    for auth in [
        basic("alice", "wrong-password"),
        basic("nobody", PASSWORD),
        basic("bob", &alice.token),
        "Bearer rnk_notarealtoken".to_owned(),
        format!("Bearer {}x", alice.token),
        "Basic !!!".to_owned(),
        "Digest abc".to_owned(),
        "Bearer".to_owned(),
    ] {
        let r = app
            .send(
                Method::GET,
                "/taxii2/",
                None,
                &[("authorization", &auth)],
                Vec::new(),
            )
            .await;
        let e = r.assert_taxii_error(StatusCode::UNAUTHORIZED);
        assert_eq!(e["error_code"], "invalid_credentials");
        assert!(r.headers.get(header::WWW_AUTHENTICATE).is_some());
    }
    let _ = bob;
}

async fn suspended_organisations_are_refused_everywhere(app: TestApp) {
    let org = app
        .org(
            "Suspended Bank",
            OrgKind::Industry,
            Tier::A,
            Some("finance"),
            OrgStatus::Suspended,
        )
        .await;
    let u = app.user(org, "mallory", Role::Contributor, 1, false).await;
    for path in [
        "/taxii2/".to_owned(),
        format!("{RECORDS}/objects/"),
        format!("{PUBLIC}/objects/"),
        "/api/v1/me".to_owned(),
    ] {
        let r = app.get(&path, Some(&u)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    let r = app
        .post_envelope(
            &format!("{RECORDS}/objects/"),
            Some(&u),
            &[indicator("x", &[])],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.record_count().await, 0);
}

async fn read_only_tokens_and_readers_cannot_write(app: TestApp) {
    let org = app
        .org(
            "RO Bank",
            OrgKind::Industry,
            Tier::A,
            Some("finance"),
            OrgStatus::Active,
        )
        .await;
    let robot = app.user(org, "robot", Role::Contributor, 1, true).await;
    let reader = app.user(org, "reader", Role::Reader, 1, false).await;
    for u in [&robot, &reader] {
        let r = app
            .post_envelope(
                &format!("{RECORDS}/objects/"),
                Some(u),
                &[indicator("x", &[])],
            )
            .await;
        r.assert_taxii_error(StatusCode::FORBIDDEN);
        assert_eq!(
            app.get(&format!("{RECORDS}/objects/"), Some(u))
                .await
                .status,
            StatusCode::OK
        );
    }
    let r = app
        .post_envelope(&format!("{PUBLIC}/objects/"), None, &[indicator("x", &[])])
        .await;
    r.assert_taxii_error(StatusCode::FORBIDDEN);
    let r = app
        .post_envelope(&format!("{RECORDS}/objects/"), None, &[indicator("x", &[])])
        .await;
    r.assert_taxii_error(StatusCode::UNAUTHORIZED);
    assert_eq!(app.record_count().await, 0);
}

async fn me_shows_the_caller(app: TestApp) {
    let alice = app.member("alice").await;
    let r = app
        .send(
            Method::GET,
            "/api/v1/me",
            Some(&alice),
            &[("accept", "application/json")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["user"]["login"], "alice");
    assert_eq!(v["organisation"]["tier"], "A");
    let r = app
        .send(
            Method::GET,
            "/api/v1/me",
            None,
            &[("accept", "application/json")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error_code"], "authentication_required");
}

on_both_stores!(
    every_credential_form_works,
    bad_credentials_are_401,
    suspended_organisations_are_refused_everywhere,
    read_only_tokens_and_readers_cannot_write,
    me_shows_the_caller,
);
