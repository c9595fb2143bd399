//! Records over REST: submission with an explicit handling, the provider changing it, the
//! audit trail of writes and sensitive reads, and the OpenAPI document matching the routes.

use axum::http::{Method, StatusCode};
use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use serde_json::{Value, json};

use crate::app::*;

const API: &str = "/api/v1";

async fn post_records(app: &TestApp, user: &User, body: Value) -> Reply {
    app.send(
        Method::POST,
        &format!("{API}/records"),
        Some(user),
        &[("content-type", "application/json")],
        serde_json::to_vec(&body).expect("json"),
    )
    .await
}

async fn patch_handling(app: &TestApp, user: &User, id: &str, handling: Value) -> Reply {
    app.send(
        Method::PATCH,
        &format!("{API}/records/{id}/handling"),
        Some(user),
        &[("content-type", "application/json")],
        serde_json::to_vec(&handling).expect("json"),
    )
    .await
}

fn handling(tlp: &str, audience: &[&str], classification: u8) -> Value {
    json!({
        "tlp": tlp,
        "audience": audience,
        "classification": classification,
        "uses": ["investigation"],
        "attribution": "sector_only",
        "pap": "PAP:AMBER",
    })
}

async fn explicit_handling_then_the_provider_loosens_it(app: TestApp) {
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let o = indicator("provider only at first", &[]);
    let id = o["id"].as_str().unwrap_or("").to_owned();
    let r = post_records(
        &app,
        &alice,
        json!({ "handling": handling("TLP:AMBER", &["provider"], 0), "objects": [o] }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["success_count"], 1);

    // The provider sees it with its whole handling and effective markings in the object.
    let mine = app.get(&format!("{API}/records/{id}"), Some(&alice)).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text());
    let v = mine.json();
    assert_eq!(v["handling"]["tlp"], "TLP:AMBER");
    assert_eq!(v["handling"]["audience"], json!(["provider"]));
    assert_eq!(
        v["object"]["object_marking_refs"],
        json!([TLP_AMBER, PAP_AMBER])
    );
    assert_eq!(v["versions"].as_array().map(Vec::len), Some(1));
    // Bob may not see it: 404, and he cannot change it either (404, not 403).
    assert_eq!(
        app.get(&format!("{API}/records/{id}"), Some(&bob))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = patch_handling(&app, &bob, &id, handling("TLP:GREEN", &["members"], 0)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Alice loosens it to the members; bob now finds it, without its audience, and the
    // object says TLP:GREEN.
    let r = patch_handling(&app, &alice, &id, handling("TLP:GREEN", &["members"], 0)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let theirs = app.get(&format!("{API}/records/{id}"), Some(&bob)).await;
    assert_eq!(theirs.status, StatusCode::OK);
    let v = theirs.json();
    assert_eq!(v["handling"]["tlp"], "TLP:GREEN");
    assert!(v["handling"].get("audience").is_none(), "{v}");
    assert!(v["provider"].get("org").is_none(), "sector_only: {v}");
    let refs = v["object"]["object_marking_refs"].clone();
    assert!(
        refs.as_array()
            .is_some_and(|a| a.contains(&json!(TLP_GREEN)) && !a.contains(&json!(TLP_AMBER))),
        "{refs}"
    );
    // Bob sees it but did not provide it: 403.
    let r = patch_handling(&app, &bob, &id, handling("TLP:RED", &["provider"], 0)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error_code"], "not_provider");
    // And alice tightens it again: bob loses it at once.
    let r = patch_handling(&app, &alice, &id, handling("TLP:RED", &["provider"], 0)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        app.get(&format!("{API}/records/{id}"), Some(&bob))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn bad_submissions_are_4xx_and_change_nothing(app: TestApp) {
    let alice = app.member("alice").await;
    let before = app.record_count().await;
    for (body, status) in [
        (b"{".to_vec(), StatusCode::UNPROCESSABLE_ENTITY),
        (
            br#"{"handling":{"tlp":"TLP:PURPLE"},"objects":[]}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            serde_json::to_vec(&json!({
                "handling": handling("TLP:AMBER", &["members"], 3),
                "objects": [indicator("above clearance", &[])],
            }))
            .expect("json"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            br#"{"handling":{"tlp":"TLP:AMBER","audience":[],"classification":0,"uses":[],"attribution":"named","pap":"PAP:AMBER"},"objects":[]}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (br#"{"objects":{}}"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY),
        (br#"{"handling":null}"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY),
        (br#"[1,2]"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let r = app
            .send(
                Method::POST,
                &format!("{API}/records"),
                Some(&alice),
                &[("content-type", "application/json")],
                body.clone(),
            )
            .await;
        assert_eq!(r.status, status, "{}: {}", String::from_utf8_lossy(&body), r.text());
        assert!(r.json()["error_code"].is_string());
    }
    let r = app
        .send(
            Method::POST,
            &format!("{API}/records"),
            Some(&alice),
            &[("content-type", "text/plain")],
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    for q in ["limit=0", "limit=x", "added_after=yesterday", "colour=red"] {
        let r = app.get(&format!("{API}/records?{q}"), Some(&alice)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.text());
    }
    assert_eq!(
        app.get(&format!("{API}/records/not-an-id"), Some(&alice))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.record_count().await, before);
}

/// Writes and sensitive reads are in the audit log; reads of TLP:GREEN records are not.
async fn writes_and_sensitive_reads_are_audited(app: TestApp) {
    let alice = app.member("alice").await;
    let sec = app
        .org(
            "事務局",
            OrgKind::Secretariat,
            Tier::None,
            None,
            OrgStatus::Active,
        )
        .await;
    let analyst = app.user(sec, "analyst", Role::Analyst, 3, false).await;
    let green = marked("green");
    let amber = indicator("amber", &[TLP_AMBER]);
    let r = app
        .post_envelope(
            &format!("{RECORDS}/objects/"),
            Some(&alice),
            &[green.clone(), amber.clone()],
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    app.state.auditor.flush().await.expect("flush");
    let entries = app.store.audit_entries(0, 1000).await.expect("entries");
    let submits: Vec<_> = entries
        .iter()
        .filter(|e| e.event.action == "record.submit")
        .collect();
    assert_eq!(submits.len(), 1);
    assert_eq!(
        submits[0].event.actor_user.as_deref(),
        Some(alice.id.to_string().as_str())
    );

    let before = app.store.audit_entries(0, 10_000).await.expect("e").len();
    // Green only: not logged.
    let r = app
        .get(
            &format!("{RECORDS}/objects/{}/", green["id"].as_str().unwrap_or("")),
            Some(&analyst),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        app.store.audit_entries(0, 10_000).await.expect("e").len(),
        before
    );
    // Amber: logged, naming the reader and the record, by TAXII and by REST.
    let amber_id = amber["id"].as_str().unwrap_or("");
    for path in [
        format!("{RECORDS}/objects/{amber_id}/"),
        format!("{API}/records/{amber_id}"),
        format!("{API}/records"),
    ] {
        let r = app.get(&path, Some(&analyst)).await;
        assert_eq!(r.status, StatusCode::OK);
        let entries = app.store.audit_entries(0, 10_000).await.expect("e");
        let last = entries.last().expect("an entry");
        assert_eq!(last.event.action, "record.read", "{path}");
        assert_eq!(
            last.event.actor_user.as_deref(),
            Some(analyst.id.to_string().as_str())
        );
        assert!(
            last.event.detail.contains(amber_id),
            "{path}: {}",
            last.event.detail
        );
        assert!(
            !last
                .event
                .detail
                .contains(green["id"].as_str().unwrap_or("")),
            "only sensitive records are listed"
        );
    }
    // The chain verifies.
    let report = renkei_audit::verify(app.store.as_ref(), None, |_, _| {})
        .await
        .expect("verify");
    assert!(report.intact(), "{report:?}");
}

/// Every route is in the OpenAPI document and every documented operation is routed.
async fn openapi_matches_the_routes(app: TestApp) {
    let r = app.get(&format!("{API}/openapi.json"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = std::collections::BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("operations").keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let routed: std::collections::BTreeSet<(String, String)> = renkei_server::api::paths()
        .into_iter()
        .map(|(m, p)| (m.to_owned(), p.to_owned()))
        .collect();
    assert_eq!(documented, routed, "OpenAPI paths and routes differ");
    // Each declared route is really routed: never the API's fallback, never 405.
    for (method, path) in &routed {
        let concrete = path
            .replace("{id}", "00000000-0000-4000-8000-000000000000")
            .replace("{login}", "nobody");
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let r = app
            .send(
                m,
                &format!("{API}{concrete}"),
                None,
                &[("content-type", "application/json")],
                b"{}".to_vec(),
            )
            .await;
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        let fallback =
            r.status == StatusCode::NOT_FOUND && r.json()["title"] == "No such API endpoint";
        assert!(!fallback, "{method} {path} is not routed");
    }
    // Every operation has an id and responses, and every $ref resolves.
    let text = doc.to_string();
    for part in text.split("\"$ref\":\"#/").skip(1) {
        let target = part.split('"').next().unwrap_or("");
        assert!(
            doc.pointer(&format!("/{target}")).is_some(),
            "unresolved $ref #/{target}"
        );
    }
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("ops") {
            assert!(
                op["operationId"].is_string(),
                "{method} {path}: operationId"
            );
            assert!(op["responses"].is_object(), "{method} {path}: responses");
        }
    }
}

/// The bundle of `docs/sharing.md` (a Renkei handling marking and an indicator using it) is
/// stored with the handling the document says.
async fn the_documented_marking_example_does_what_the_docs_say(app: TestApp) {
    let doc = include_str!("../../../../docs/sharing.md");
    let example = doc
        .split("```json")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .find(|block| block.contains("\"type\": \"bundle\""))
        .expect("the bundle example");
    let alice = app.member("alice").await;
    let r = app
        .send(
            Method::POST,
            &format!("{API}/records"),
            Some(&alice),
            &[("content-type", "application/json")],
            example.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = app
        .get(
            &format!("{API}/records/indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
            Some(&alice),
        )
        .await
        .json();
    assert_eq!(
        v["handling"],
        json!({
            "tlp": "TLP:AMBER",
            // A set, answered in canonical order.
            "audience": ["law_enforcement", "sector:finance"],
            "classification": 1,
            "uses": ["investigation"],
            "attribution": "sector_only",
            "pap": "PAP:AMBER",
        }),
        "{v}"
    );
}

/// Junk sent to every REST route, anonymously and as members of every standing and role, is a
/// 4xx with an error code: never a 500, never a crash (`send` fails the test on any 5xx).
async fn junk_to_every_route_is_a_4xx(app: TestApp) {
    let member = app.member("alice").await;
    let sec = app
        .org(
            "事務局",
            OrgKind::Secretariat,
            Tier::None,
            None,
            OrgStatus::Active,
        )
        .await;
    let admin = app.user(sec, "sec-admin", Role::Admin, 3, false).await;
    let reader = app.user(member.org, "reader", Role::Reader, 0, true).await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let bodies: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"{".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"\"".to_vec(),
        vec![0xff, 0xfe, 0x00],
        deep.into_bytes(),
        br#"{"tlp":"TLP:RED","audience":["user:not-a-uuid"],"classification":9}"#.to_vec(),
        br#"{"name":"x","kind":"spaceship","to":"nowhere","login":"","role":"god","clearance":-1}"#
            .to_vec(),
        format!(
            r#"{{"name":"{}","statement":"{}"}}"#,
            "名".repeat(100_000),
            "x".repeat(1_000_000)
        )
        .into_bytes(),
    ];
    let ids = [
        "00000000-0000-4000-8000-000000000000".to_owned(),
        member.org.to_string(),
        member.id.to_string(),
        "not-a-uuid".to_owned(),
        "indicator--00000000-0000-4000-8000-000000000000".to_owned(),
    ];
    let mut asked = 0;
    for (method, path) in renkei_server::api::paths() {
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        for id in &ids {
            let concrete = format!("{API}{}", path.replace("{id}", id));
            for auth in [None, Some(&member), Some(&admin), Some(&reader)] {
                for body in &bodies {
                    for ct in ["application/json", "text/plain"] {
                        let r = app
                            .send(
                                m.clone(),
                                &concrete,
                                auth,
                                &[("content-type", ct)],
                                body.clone(),
                            )
                            .await;
                        if !r.status.is_success() {
                            assert!(
                                r.json()["error_code"].is_string(),
                                "{method} {concrete}: {}",
                                r.text()
                            );
                        }
                        asked += 1;
                    }
                }
            }
        }
    }
    assert!(asked > 1000, "{asked}");
}

/// The record types of `docs/record-types.md`: every example is accepted, stored with its
/// effective markings and read back; a broken one is refused naming the property.
async fn documented_record_types_are_stored(app: TestApp) {
    let doc = include_str!("../../../../docs/record-types.md");
    let examples: Vec<Value> = doc
        .split("```json")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .map(|block| serde_json::from_str(block).expect("example is JSON"))
        .collect();
    assert!(examples.len() >= 6);
    let alice = app.member("alice").await;
    let r = post_records(
        &app,
        &alice,
        json!({ "handling": handling("TLP:GREEN", &["members"], 0), "objects": examples }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    for example in examples.iter().filter(|e| {
        e["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("x-renkei-"))
    }) {
        let id = example["id"].as_str().unwrap_or("");
        let v = app.get(&format!("{API}/records/{id}"), Some(&alice)).await;
        assert_eq!(v.status, StatusCode::OK, "{id}");
        let mut stored = v.json()["object"].clone();
        assert_eq!(
            stored["object_marking_refs"],
            json!([TLP_GREEN, PAP_AMBER]),
            "{id}"
        );
        if let Some(o) = stored.as_object_mut() {
            o.remove("object_marking_refs");
        }
        assert_eq!(&stored, example, "{id} comes back as submitted");
    }
    let mut broken = examples
        .iter()
        .find(|e| e["account_type"] == "bank")
        .cloned()
        .expect("a bank account example");
    broken["account_number"] = "12-3456".into();
    broken["modified"] = "2026-12-01T00:00:00.000Z".into();
    let r = post_records(&app, &alice, json!({ "objects": [broken] })).await;
    assert_eq!(r.status, StatusCode::OK);
    let error = r.json()["results"][0]["error"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(error.contains("account_number"), "{error}");
}

/// Free text in Japanese with defanged indicators: each becomes a record with the given
/// handling, the text a note; noise is left out with warnings; no indicator is a 422.
async fn free_text_over_rest(app: TestApp) {
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let text = "【注意喚起】宅配業者を装う SMS の誘導先 hxxps://sagawa-delivery[.]top/track と C2 45.76.18.201。社内の 10.0.0.5 は無関係。";
    let r = post_records_to(
        &app,
        &alice,
        "text",
        json!({ "text": text, "handling": handling("TLP:AMBER", &["members"], 0) }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    assert_eq!(v["success_count"], 3, "a note and two indicators: {v}");
    assert!(
        v["warnings"].as_array().is_some_and(|w| w
            .iter()
            .any(|w| w.as_str().unwrap_or("").contains("10.0.0.5"))),
        "{v}"
    );
    // Bob, a member, finds the URL indicator, marked TLP:AMBER.
    let page = app
        .get(&format!("{API}/records?type=indicator"), Some(&bob))
        .await
        .json();
    let patterns: Vec<&str> = page["records"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .filter_map(|r| r["object"]["pattern"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        patterns.contains(&"[url:value = 'https://sagawa-delivery.top/track']"),
        "{patterns:?}"
    );
    assert!(
        page["records"]
            .as_array()
            .is_some_and(|rs| rs.iter().all(|r| r["handling"]["tlp"] == "TLP:AMBER"))
    );
    let before = app.record_count().await;
    let r = post_records_to(
        &app,
        &alice,
        "text",
        json!({ "text": "今日は良い天気です。" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error_code"], "no_indicators");
    let r = post_records_to(&app, &alice, "text", json!({ "txt": "x" })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.record_count().await, before);
}

async fn post_records_to(app: &TestApp, user: &User, path: &str, body: Value) -> Reply {
    app.send(
        Method::POST,
        &format!("{API}/{path}"),
        Some(user),
        &[("content-type", "application/json")],
        serde_json::to_vec(&body).expect("json"),
    )
    .await
}

on_both_stores!(
    free_text_over_rest,
    a_misp_event_over_rest,
    documented_record_types_are_stored,
    junk_to_every_route_is_a_4xx,
    the_documented_marking_example_does_what_the_docs_say,
    explicit_handling_then_the_provider_loosens_it,
    bad_submissions_are_4xx_and_change_nothing,
    writes_and_sensitive_reads_are_audited,
    openapi_matches_the_routes,
);

/// A MISP event made by pymisp (the ingest crate's fixture), over REST: converted, stored
/// with the handling its tags say, warnings for what could not be converted.
async fn a_misp_event_over_rest(app: TestApp) {
    let event = include_bytes!("../../../ingest/tests/fixtures/misp/events/phishing.json");
    let alice = app.member("alice").await;
    let r = app
        .send(
            Method::POST,
            &format!("{API}/misp/events"),
            Some(&alice),
            &[("content-type", "application/json")],
            event.to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    assert!(v["success_count"].as_u64().unwrap_or(0) >= 5, "{v}");
    assert!(
        v["warnings"].as_array().is_some_and(|w| w
            .iter()
            .any(|w| w.as_str().unwrap_or("").contains("Attribute[8]"))),
        "{v}"
    );
    let indicator = v["results"]
        .as_array()
        .and_then(|rs| {
            rs.iter()
                .filter_map(|r| r["id"].as_str())
                .find(|id| id.starts_with("indicator--"))
        })
        .expect("an indicator")
        .to_owned();
    let rec = app
        .get(&format!("{API}/records/{indicator}"), Some(&alice))
        .await
        .json();
    assert_eq!(rec["handling"]["tlp"], "TLP:AMBER", "{rec}");
    assert_eq!(rec["handling"]["pap"], "PAP:GREEN", "{rec}");
    // Not MISP: 422 naming what is missing, nothing stored.
    let before = app.record_count().await;
    let r = app
        .send(
            Method::POST,
            &format!("{API}/misp/events"),
            Some(&alice),
            &[("content-type", "application/json")],
            br#"{"Event": {"info": "no uuid", "Attribute": []}}"#.to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error_code"], "misp_not_an_event");
    assert_eq!(app.record_count().await, before);
}
