//! Adding, reading, versioning and deleting objects.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::*;

fn objects_of(v: &Value) -> Vec<Value> {
    v["objects"].as_array().cloned().unwrap_or_default()
}

async fn add_then_read_back(app: TestApp) {
    let alice = app.member("alice").await;
    let objs: Vec<Value> = (0..5)
        .map(|i| marked(&format!("フィッシング {i}")))
        .collect();
    let r = app
        .post_envelope(&format!("{RECORDS}/objects/"), Some(&alice), &objs)
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(r.content_type(), TAXII);
    let s = r.json();
    assert_eq!(s["status"], "complete");
    assert_eq!(
        (
            s["total_count"].as_u64(),
            s["success_count"].as_u64(),
            s["failure_count"].as_u64(),
            s["pending_count"].as_u64()
        ),
        (Some(5), Some(5), Some(0), Some(0))
    );
    assert!(s.get("failures").is_none(), "empty lists are omitted");
    assert_eq!(s["successes"][0]["version"], "2026-01-01T00:00:00.000Z");
    assert!(
        s["request_timestamp"]
            .as_str()
            .is_some_and(|t| t.len() == 27),
        "µs precision: {}",
        s["request_timestamp"]
    );

    let r = app.get(&format!("{RECORDS}/objects/"), Some(&alice)).await;
    assert_eq!(r.status, StatusCode::OK);
    let env = r.json();
    assert_eq!(env["more"], false);
    let got = objects_of(&env);
    assert_eq!(
        got, objs,
        "objects come back as submitted, in the order they were added"
    );
    let first = r
        .headers
        .get("x-taxii-date-added-first")
        .and_then(|v| v.to_str().ok())
        .expect("first header");
    let last = r
        .headers
        .get("x-taxii-date-added-last")
        .and_then(|v| v.to_str().ok())
        .expect("last header");
    assert_eq!(first.len(), 27);
    assert!(first < last);

    let manifest = app
        .get(&format!("{RECORDS}/manifest/"), Some(&alice))
        .await
        .json();
    let records = manifest["objects"].as_array().expect("manifest");
    assert_eq!(records.len(), 5);
    assert_eq!(records[0]["id"], objs[0]["id"]);
    assert_eq!(
        records[0]["media_type"],
        "application/stix+json;version=2.1"
    );
    assert_eq!(records[0]["date_added"].as_str(), Some(first));
}

async fn duplicates_succeed_and_conflicts_fail(app: TestApp) {
    let alice = app.member("alice").await;
    let o = indicator("dup", &[]);
    app.post_envelope(
        &format!("{RECORDS}/objects/"),
        Some(&alice),
        std::slice::from_ref(&o),
    )
    .await;
    let s = app
        .post_envelope(
            &format!("{RECORDS}/objects/"),
            Some(&alice),
            std::slice::from_ref(&o),
        )
        .await
        .json();
    assert_eq!(
        s["success_count"], 1,
        "an exact duplicate is not an error: {s}"
    );
    assert_eq!(s["successes"][0]["message"], "already present");
    let mut changed = o.clone();
    changed["name"] = "changed without a new modified".into();
    let s = app
        .post_envelope(&format!("{RECORDS}/objects/"), Some(&alice), &[changed])
        .await
        .json();
    assert_eq!(s["failure_count"], 1);
    assert_eq!(app.record_count().await, 1);
}

async fn versions_and_match_version(app: TestApp) {
    let alice = app.member("alice").await;
    let id = format!("indicator--{}", Uuid::new_v4());
    let versions = [
        "2026-01-01T00:00:00.000Z",
        "2026-02-01T00:00:00.000Z",
        "2026-03-01T00:00:00.000Z",
    ];
    for v in versions {
        app.post_envelope(
            &format!("{RECORDS}/objects/"),
            Some(&alice),
            &[indicator_with_id(&id, v, "versioned", &[])],
        )
        .await;
    }
    let get = |q: &str| format!("{RECORDS}/objects/{id}/{q}");
    let latest = app.get(&get(""), Some(&alice)).await.json();
    assert_eq!(objects_of(&latest).len(), 1);
    assert_eq!(latest["objects"][0]["modified"], versions[2]);
    let all = app
        .get(&get("?match[version]=all"), Some(&alice))
        .await
        .json();
    assert_eq!(objects_of(&all).len(), 3);
    let first = app
        .get(&get("?match[version]=first"), Some(&alice))
        .await
        .json();
    assert_eq!(first["objects"][0]["modified"], versions[0]);
    let exact = app
        .get(&get("?match[version]=2026-02-01T00:00:00Z"), Some(&alice))
        .await
        .json();
    assert_eq!(
        exact["objects"][0]["modified"], versions[1],
        "versions compare as instants"
    );
    let none = app
        .get(&get("?match[version]=2025-01-01T00:00:00Z"), Some(&alice))
        .await;
    assert_eq!(none.status, StatusCode::OK);
    assert_eq!(
        none.json(),
        json!({}),
        "a known object with no matching version: empty envelope"
    );
    assert!(none.headers.get("x-taxii-date-added-first").is_none());

    let list = app.get(&get("versions/"), Some(&alice)).await.json();
    assert_eq!(list["versions"], json!(versions));
    let objects = app
        .get(
            &format!("{RECORDS}/objects/?match[version]=all&match[id]={id}"),
            Some(&alice),
        )
        .await
        .json();
    assert_eq!(objects_of(&objects).len(), 3);
    let spec20 = app
        .get(
            &format!("{RECORDS}/objects/?match[spec_version]=2.0"),
            Some(&alice),
        )
        .await
        .json();
    assert_eq!(spec20, json!({}));

    app.get(
        &format!("{RECORDS}/objects/indicator--{}/", Uuid::new_v4()),
        Some(&alice),
    )
    .await
    .assert_taxii_error(StatusCode::NOT_FOUND);
    app.get(
        &format!("{RECORDS}/objects/indicator--{}/versions/", Uuid::new_v4()),
        Some(&alice),
    )
    .await
    .assert_taxii_error(StatusCode::NOT_FOUND);
    app.get(&format!("{RECORDS}/objects/not-an-id/"), Some(&alice))
        .await
        .assert_taxii_error(StatusCode::NOT_FOUND);
}

async fn filters_by_type_and_id(app: TestApp) {
    let alice = app.member("alice").await;
    let ind = marked("i");
    let mal = json!({"type":"malware","spec_version":"2.1","id":format!("malware--{}", Uuid::new_v4()),"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Emotet","is_family":true,"object_marking_refs":[TLP_GREEN, PAP_GREEN]});
    app.post_envelope(
        &format!("{RECORDS}/objects/"),
        Some(&alice),
        &[ind.clone(), mal.clone()],
    )
    .await;
    let only = app
        .get(
            &format!("{RECORDS}/objects/?match[type]=malware"),
            Some(&alice),
        )
        .await
        .json();
    assert_eq!(objects_of(&only), vec![mal.clone()]);
    let both = app
        .get(
            &format!("{RECORDS}/objects/?match%5Btype%5D=malware%2Cindicator"),
            Some(&alice),
        )
        .await
        .json();
    assert_eq!(objects_of(&both).len(), 2);
    let by_id = app
        .get(
            &format!(
                "{RECORDS}/objects/?match[id]={}",
                ind["id"].as_str().unwrap_or("")
            ),
            Some(&alice),
        )
        .await
        .json();
    assert_eq!(objects_of(&by_id), vec![ind]);
    let unknown_type = app
        .get(
            &format!("{RECORDS}/objects/?match[type]=attack-pattern"),
            Some(&alice),
        )
        .await;
    assert_eq!(
        unknown_type.status,
        StatusCode::OK,
        "a STIX type with no objects is an empty result, not an error"
    );
    assert_eq!(unknown_type.json(), json!({}));
}

async fn delete_rules(app: TestApp) {
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let o = indicator("to delete", &[TLP_GREEN]);
    let id = o["id"].as_str().expect("id").to_owned();
    app.post_envelope(&format!("{RECORDS}/objects/"), Some(&alice), &[o])
        .await;
    let path = format!("{RECORDS}/objects/{id}/");
    let r = app
        .send(Method::DELETE, &path, Some(&bob), &[], Vec::new())
        .await;
    r.assert_taxii_error(StatusCode::FORBIDDEN);
    let r = app
        .send(
            Method::DELETE,
            &format!("{PUBLIC}/objects/{id}/"),
            Some(&alice),
            &[],
            Vec::new(),
        )
        .await;
    r.assert_taxii_error(StatusCode::FORBIDDEN);
    let r = app.send(Method::DELETE, &path, None, &[], Vec::new()).await;
    r.assert_taxii_error(StatusCode::UNAUTHORIZED);
    let r = app
        .send(Method::DELETE, &path, Some(&alice), &[], Vec::new())
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), TAXII);
    assert!(r.body.is_empty());
    app.get(&path, Some(&alice))
        .await
        .assert_taxii_error(StatusCode::NOT_FOUND);
    let manifest = app
        .get(&format!("{RECORDS}/manifest/"), Some(&alice))
        .await
        .json();
    assert_eq!(manifest, json!({}));
    let again = app
        .send(Method::DELETE, &path, Some(&alice), &[], Vec::new())
        .await;
    again.assert_taxii_error(StatusCode::NOT_FOUND);
}

async fn predefined_markings_need_not_be_sent(app: TestApp) {
    let alice = app.member("alice").await;
    let tlp1 = json!({"type":"marking-definition","spec_version":"2.1","id":TLP1_WHITE,"created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:WHITE","definition":{"tlp":"white"}});
    let forged = json!({"type":"marking-definition","spec_version":"2.1","id":TLP1_WHITE,"created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:WHITE","definition":{"tlp":"red"}});
    let s = app
        .post_envelope(
            &format!("{RECORDS}/objects/"),
            Some(&alice),
            &[
                indicator("a", &[TLP1_WHITE]),
                indicator(
                    "b",
                    &[
                        TLP_GREEN,
                        "marking-definition--c43594d1-4b11-4c59-93ab-1c9b14d53ce9",
                    ],
                ),
                tlp1,
                forged,
            ],
        )
        .await
        .json();
    assert_eq!(s["success_count"], 3, "{s}");
    assert_eq!(
        s["failure_count"], 1,
        "a predefined marking sent with other content is refused"
    );
    let unknown = indicator(
        "c",
        &["marking-definition--00000000-0000-4000-8000-000000000001"],
    );
    let s = app
        .post_envelope(&format!("{RECORDS}/objects/"), Some(&alice), &[unknown])
        .await
        .json();
    assert_eq!(
        s["failure_count"], 1,
        "unknown marking definitions are refused: {s}"
    );
    assert!(
        s["failures"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("marking definition")
    );
    let statement = json!({"type":"marking-definition","spec_version":"2.1","id":"marking-definition--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"© 2026 Alice Bank"}});
    let marked = indicator(
        "d",
        &["marking-definition--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"],
    );
    let s = app
        .post_envelope(
            &format!("{RECORDS}/objects/"),
            Some(&alice),
            &[marked, statement],
        )
        .await
        .json();
    assert_eq!(
        s["success_count"], 2,
        "markings in the same envelope resolve: {s}"
    );
}

async fn custom_objects_and_properties_are_kept(app: TestApp) {
    let alice = app.member("alice").await;
    let post = json!({
        "type": "x-acme-forum-post", "spec_version": "2.1", "id": format!("x-acme-forum-post--{}", Uuid::new_v4()),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "site": "underground.example", "content": "口座売ります <script>alert(1)</script>", "x_language": "ja",
        "object_marking_refs": [TLP_GREEN, PAP_GREEN]
    });
    let ext = marked("with extension");
    let mut ext = ext;
    ext["extensions"] = json!({"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": {"extension_type": "property-extension", "rank": 5}});
    app.post_envelope(
        &format!("{RECORDS}/objects/"),
        Some(&alice),
        &[post.clone(), ext.clone()],
    )
    .await;
    let got = app
        .get(&format!("{RECORDS}/objects/"), Some(&alice))
        .await
        .json();
    assert_eq!(objects_of(&got), vec![post, ext]);
}

/// Recipients must learn a record's TLP and PAP even when the provider left them to its
/// defaults: the server adds the effective markings, keeps every other marking and byte,
/// and leaves fully marked objects alone.
async fn effective_markings_are_added(app: TestApp) {
    let alice = app.member("alice").await;
    let own = "marking-definition--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
    let statement = json!({"type":"marking-definition","spec_version":"2.1","id":own,"created":"2026-01-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"Copyright Alice Corp"}});
    let bare = indicator("bare", &[]);
    let green = indicator("green", &[TLP_GREEN]);
    let stated = indicator("statement only", &[own]);
    let full = marked("full");
    let s = app
        .post_envelope(
            &format!("{RECORDS}/objects/"),
            Some(&alice),
            &[
                bare.clone(),
                green.clone(),
                stated.clone(),
                full.clone(),
                statement.clone(),
            ],
        )
        .await
        .json();
    assert_eq!(s["success_count"], 5, "{s}");
    let got = app
        .get(&format!("{RECORDS}/objects/"), Some(&alice))
        .await
        .json();
    let by_id = |v: &Value| {
        objects_of(&got)
            .into_iter()
            .find(|o| o["id"] == v["id"])
            .expect("stored")
    };
    let with = |v: &Value, refs: &[&str]| {
        let mut v = v.clone();
        v["object_marking_refs"] = json!(refs);
        v
    };
    // No markings: the restrictive default (TLP:AMBER, PAP:AMBER) is written into the object.
    assert_eq!(by_id(&bare), with(&bare, &[TLP_AMBER, PAP_AMBER]));
    assert_eq!(by_id(&green), with(&green, &[TLP_GREEN, PAP_AMBER]));
    assert_eq!(by_id(&stated), with(&stated, &[own, TLP_AMBER, PAP_AMBER]));
    assert_eq!(by_id(&full), full);
    // Marking definitions are not marked themselves.
    assert_eq!(by_id(&statement), statement);
}

on_both_stores!(
    effective_markings_are_added,
    add_then_read_back,
    duplicates_succeed_and_conflicts_fail,
    versions_and_match_version,
    filters_by_type_and_id,
    delete_rules,
    predefined_markings_need_not_be_sent,
    custom_objects_and_properties_are_kept,
);
