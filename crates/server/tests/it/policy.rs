//! The first policy through TAXII: default handling, TLP:RED, tiers, and no existence leaks.

use axum::http::{Method, StatusCode};
use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use serde_json::Value;

use crate::app::*;

fn ids(v: &Value) -> Vec<String> {
    v["objects"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|o| o["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn who_sees_what(app: TestApp) {
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let b_org = app
        .org(
            "B-tier Bank",
            OrgKind::Industry,
            Tier::B,
            Some("finance"),
            OrgStatus::Active,
        )
        .await;
    let carol = app.user(b_org, "carol", Role::Contributor, 1, false).await;
    let sec_org = app
        .org(
            "事務局",
            OrgKind::Secretariat,
            Tier::None,
            None,
            OrgStatus::Active,
        )
        .await;
    let analyst = app.user(sec_org, "analyst", Role::Analyst, 3, false).await;
    let police_org = app
        .org(
            "警察",
            OrgKind::LawEnforcement,
            Tier::None,
            None,
            OrgStatus::Active,
        )
        .await;
    let police = app
        .user(police_org, "police", Role::Contributor, 3, false)
        .await;

    let unmarked = indicator("no markings: secretariat only", &[]);
    let green = indicator("green: members", &[TLP_GREEN]);
    let red = indicator("red: provider only", &[TLP_RED]);
    let s = app
        .post_envelope(
            &format!("{RECORDS}/objects/"),
            Some(&alice),
            &[unmarked.clone(), green.clone(), red.clone()],
        )
        .await
        .json();
    assert_eq!(s["success_count"], 3);
    let id = |o: &Value| o["id"].as_str().unwrap_or("").to_owned();

    let seen = |u: User| {
        let app = &app;
        async move {
            ids(&app
                .get(&format!("{RECORDS}/objects/"), Some(&u))
                .await
                .json())
        }
    };
    assert_eq!(
        seen(alice.clone()).await,
        vec![id(&unmarked), id(&green), id(&red)],
        "the provider sees all its records"
    );
    assert_eq!(
        seen(bob.clone()).await,
        vec![id(&green)],
        "a tier-A member sees members' records"
    );
    assert_eq!(
        seen(carol.clone()).await,
        Vec::<String>::new(),
        "tier B gets products, not raw records"
    );
    assert_eq!(
        seen(analyst.clone()).await,
        vec![id(&unmarked), id(&green)],
        "the secretariat sees all but TLP:RED"
    );
    assert_eq!(seen(police.clone()).await, vec![id(&green)]);

    // Not revealed by status codes: a hidden record and a missing one look the same.
    let hidden = app
        .get(&format!("{RECORDS}/objects/{}/", id(&red)), Some(&bob))
        .await;
    let missing = app
        .get(
            &format!("{RECORDS}/objects/indicator--00000000-0000-4000-8000-000000000000/"),
            Some(&bob),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden.json()["title"], missing.json()["title"]);
    assert_eq!(hidden.json()["description"], missing.json()["description"]);
    let hv = app
        .get(
            &format!("{RECORDS}/objects/{}/versions/", id(&red)),
            Some(&bob),
        )
        .await;
    assert_eq!(hv.status, StatusCode::NOT_FOUND);
    let hd = app
        .send(
            Method::DELETE,
            &format!("{RECORDS}/objects/{}/", id(&red)),
            Some(&bob),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(
        hd.status,
        StatusCode::NOT_FOUND,
        "deleting a record one cannot see: 404, not 403"
    );
    // Nor by the manifest or a filter by id.
    let m = app
        .get(
            &format!("{RECORDS}/manifest/?match[id]={}", id(&red)),
            Some(&bob),
        )
        .await
        .json();
    assert_eq!(m, serde_json::json!({}));
    // The public collection holds only what the secretariat published.
    assert_eq!(
        ids(&app.get(&format!("{PUBLIC}/objects/"), None).await.json()),
        Vec::<String>::new()
    );
}

async fn a_provider_cannot_overwrite_another_providers_object(app: TestApp) {
    let alice = app.member("alice").await;
    let eve = app.member("eve").await;
    let o = indicator("alice's", &[TLP_GREEN]);
    app.post_envelope(
        &format!("{RECORDS}/objects/"),
        Some(&alice),
        std::slice::from_ref(&o),
    )
    .await;
    let mut forged = o.clone();
    forged["name"] = "eve's lie".into();
    forged["modified"] = "2026-06-01T00:00:00.000Z".into();
    let s = app
        .post_envelope(&format!("{RECORDS}/objects/"), Some(&eve), &[forged])
        .await
        .json();
    assert_eq!(s["success_count"], 1, "stored as eve's own record");
    // Alice still sees her version as the one she provided; versions from others are theirs.
    let all = app
        .get(
            &format!(
                "{RECORDS}/objects/{}/?match[version]=all",
                o["id"].as_str().unwrap_or("")
            ),
            Some(&alice),
        )
        .await
        .json();
    let names: Vec<&str> = all["objects"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(names.contains(&"alice's"));
}

on_both_stores!(
    who_sees_what,
    a_provider_cannot_overwrite_another_providers_object
);
