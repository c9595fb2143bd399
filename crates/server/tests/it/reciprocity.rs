//! Reciprocity as the secretariat reads it (issue 5 §5): who contributes, who only consumes,
//! who carries the load; a member sees only its own line.

use axum::http::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::*;

const API: &str = "/api/v1";

fn green() -> Value {
    json!({ "tlp": "TLP:GREEN", "audience": ["members"], "classification": 0,
        "uses": ["investigation"], "attribution": "named", "pap": "PAP:GREEN" })
}

fn c2(domain: &str) -> (String, Value) {
    let id = format!("indicator--{}", Uuid::new_v4());
    let v = json!({
        "type": "indicator", "spec_version": "2.1", "id": id,
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
        "name": "C2", "pattern": format!("[domain-name:value = '{domain}']"), "pattern_type": "stix",
        "valid_from": "2026-11-01T00:00:00Z",
    });
    (id, v)
}

fn line<'a>(report: &'a Value, login_org: &str) -> &'a Value {
    report["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == login_org)
        .unwrap_or_else(|| panic!("{login_org} not in {report}"))
}

async fn reciprocity_flags_the_one_sided_and_the_load_carrier(app: TestApp) {
    let bank = app.member("bank-user").await;
    let other = app.member("other-user").await;
    let telco = app.industry("telco", "telco-user", "telecom").await;
    let taker = app.member("taker-user").await;
    let analyst = app.analyst("analyst").await;

    let (first, a) = c2("recip-a.shop");
    let (_, b) = c2("recip-b.shop");
    let (_, c) = c2("recip-c.shop");
    app.post_records(&bank, green(), vec![a, b, c]).await;
    let (_, d) = c2("recip-d.shop");
    app.post_records(&other, green(), vec![d]).await;
    app.post_records(&telco, green(),
        vec![json!({
            "type": "sighting", "spec_version": "2.1", "id": format!("sighting--{}", Uuid::new_v4()),
            "created": "2026-11-02T00:00:00.000Z", "modified": "2026-11-02T00:00:00.000Z",
            "sighting_of_ref": first, "count": 2,
        })],
    )
    .await;
    // The taker reads, looks up and searches, and gives nothing.
    assert_eq!(
        app.get(&format!("{API}/records?limit=10"), Some(&taker))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("{API}/lookup?value=recip-a.shop"), Some(&taker))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("{API}/search?q=C2"), Some(&taker))
            .await
            .status,
        StatusCode::OK
    );

    let r = app.get(&format!("{API}/reciprocity"), Some(&analyst)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let report = r.json();
    let bank_line = line(&report, "bank-user bank");
    assert_eq!(
        bank_line["contributed"],
        json!({ "records": 3, "sightings": 0, "sighted_by_others": 1 })
    );
    assert_eq!(bank_line["flags"], json!(["carries_the_load"]), "{report}");
    assert_eq!(
        report["organisations"][0]["name"], "bank-user bank",
        "most contributing first"
    );
    let telco_line = line(&report, "telco");
    assert_eq!(telco_line["contributed"]["sightings"], 1);
    let taker_line = line(&report, "taker-user bank");
    assert_eq!(taker_line["flags"], json!(["one_sided"]), "{report}");
    let consumed = &taker_line["consumed"];
    assert!(
        consumed["records_read"].as_u64().unwrap() >= 5,
        "{consumed}"
    );
    assert_eq!(consumed["lookups"], 1);
    assert_eq!(consumed["searches"], 1);
    assert_eq!(line(&report, "jc3")["flags"], json!([]));

    // A member sees its own line only.
    let r = app.get(&format!("{API}/reciprocity"), Some(&taker)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mine = r.json();
    assert_eq!(mine["organisations"].as_array().unwrap().len(), 1);
    assert_eq!(mine["organisations"][0]["flags"], json!([]));
    let own = &mine["organisations"][0];
    assert!(
        own.get("contribution_share").is_none()
            && own["contributed"].get("sighted_by_others").is_none(),
        "shares and others' sightings would tell a member about records it may not see: {own}"
    );

    // A period before any of it: nothing.
    let r = app
        .get(
            &format!("{API}/reciprocity?from=2020-01-01T00:00:00Z&until=2020-02-01T00:00:00Z"),
            Some(&analyst),
        )
        .await;
    assert_eq!(
        line(&r.json(), "bank-user bank")["contributed"]["records"],
        0
    );
    for bad in [
        "from=yesterday",
        "until=2020-01-01T00:00:00Z&from=2021-01-01T00:00:00Z",
        "nope=1",
    ] {
        let r = app
            .get(&format!("{API}/reciprocity?{bad}"), Some(&analyst))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text());
    }
    assert_eq!(
        app.get(&format!("{API}/reciprocity"), None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

on_both_stores!(reciprocity_flags_the_one_sided_and_the_load_carrier);
