//! Lookups, sightings, hints and search as members use them (issue 4 §4–6): a bank posts a
//! phishing domain, others sight it, a police unit's private record on the same value turns
//! into a hint for the bank and a notice for the secretariat; Japanese text is found by its
//! two-character words. The leak test (`leaks.rs`) checks the same endpoints against
//! `decide` for every kind of reader.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::*;

const API: &str = "/api/v1";

fn green() -> Value {
    json!({ "tlp": "TLP:GREEN", "audience": ["members"], "classification": 0, "uses": ["investigation"], "attribution": "named", "pap": "PAP:GREEN" })
}

fn phishing(domain: &str, description: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": format!("indicator--{}", Uuid::new_v4()),
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
        "name": "フィッシングサイト", "description": description,
        "pattern": format!("[domain-name:value = '{domain}']"), "pattern_type": "stix",
        "valid_from": "2026-11-01T00:00:00Z",
    })
}

fn sighting(of: &str, kind: &str, count: u64) -> Value {
    json!({
        "type": "sighting", "spec_version": "2.1", "id": format!("sighting--{}", Uuid::new_v4()),
        "created": "2026-11-02T00:00:00.000Z", "modified": "2026-11-02T00:00:00.000Z",
        "sighting_of_ref": of, "count": count, "x_renkei_sighting_type": kind,
    })
}

async fn lookup(app: &TestApp, who: &User, value: &str) -> Value {
    let r = app
        .get(
            &format!(
                "{API}/lookup?value={}",
                form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
            ),
            Some(who),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

fn domain_reading(v: &Value) -> Value {
    v["observables"]
        .as_array()
        .and_then(|a| a.iter().find(|o| o["type"] == "domain"))
        .cloned()
        .unwrap_or(Value::Null)
}

async fn lookups_sightings_and_hints(app: TestApp) {
    let bank = app.member("bank-user").await;
    let telco = app.industry("telco", "telco-user", "telecom").await;
    let police = app.police("police-user").await;
    let analyst = app.analyst("analyst").await;

    // The bank reports a phishing domain; the telco sights it three times, the police once as
    // a false positive; the police also hold a record of its own on it, for law enforcement.
    let posted = app
        .post_records(
            &bank,
            green(),
            vec![phishing(
                "sakura-bank-login.shop",
                "さくら銀行を装うフィッシング",
            )],
        )
        .await;
    let id = posted["results"][0]["id"].as_str().unwrap().to_owned();
    app.post_records(&telco, green(), vec![sighting(&id, "seen", 3)])
        .await;
    app.post_records(&police, green(), vec![sighting(&id, "false_positive", 1)])
        .await;
    app.post_records(
        &police,
        json!({ "tlp": "TLP:AMBER", "audience": ["law_enforcement"], "classification": 0, "uses": ["investigation"], "attribution": "sector_only", "pap": "PAP:AMBER" }),
        vec![phishing("sakura-bank-login.shop", "捜査中")],
    )
    .await;

    // Defanged and upper-case, the bank's lookup finds its record, the sightings and a hint.
    let v = lookup(&app, &bank, "hxxps://SAKURA-BANK-LOGIN[.]shop").await;
    let url = &v["observables"][0];
    assert_eq!(url["type"], "url", "{v}");
    let v = lookup(&app, &bank, "SAKURA-BANK-LOGIN[.]shop").await;
    let d = domain_reading(&v);
    assert_eq!(d["value"], "sakura-bank-login.shop", "{v}");
    let shown: Vec<&str> = d["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(shown, [id.as_str()], "only what the bank may see");
    assert_eq!(d["sightings"]["total"], 4, "{d}");
    assert_eq!(d["sightings"]["by_kind"]["seen"], 3);
    assert_eq!(d["sightings"]["by_kind"]["false_positive"], 1);
    assert_eq!(d["sightings"]["by_org"][telco.org.to_string()], 3);
    assert_eq!(d["sightings"]["by_sector"]["telecom"], 3);
    assert_eq!(d["hint"]["records"], 1, "the police record is hinted: {d}");
    assert!(
        d["hint"]["message"]
            .as_str()
            .unwrap()
            .contains("secretariat")
    );
    assert!(d.get("index").is_none(), "counters are the secretariat's");
    assert!(
        !d["hint"].to_string().contains(&police.org.to_string()),
        "the hint names no one"
    );
    assert_eq!(
        d["sightings"]["by_org"][police.org.to_string()],
        1,
        "a named sighting the bank may see"
    );

    // The secretariat sees the notice (who asked, about what, whom to contact), and the
    // value shared by two organisations.
    let r = app
        .get(&format!("{API}/correlations/hints"), Some(&analyst))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let notices = r.json()["notices"].clone();
    assert_eq!(notices.as_array().unwrap().len(), 1, "{notices}");
    assert_eq!(notices[0]["value"], "sakura-bank-login.shop");
    assert_eq!(notices[0]["reader"]["org"], bank.org.to_string());
    assert_eq!(notices[0]["providers"], json!([police.org.to_string()]));
    let shared = app
        .get(&format!("{API}/correlations/shared"), Some(&analyst))
        .await
        .json();
    assert_eq!(
        shared["values"][0]["value"], "sakura-bank-login.shop",
        "{shared}"
    );
    assert_eq!(shared["values"][0]["organisations"], 2);
    // Asking again updates the notice rather than adding one; closing it is audited.
    lookup(&app, &bank, "sakura-bank-login.shop").await;
    let notices = app
        .get(&format!("{API}/correlations/hints"), Some(&analyst))
        .await
        .json()["notices"]
        .clone();
    assert_eq!(notices.as_array().unwrap().len(), 1);
    assert_eq!(notices[0]["times"], 2);
    let close = format!("{API}/correlations/hints/{}/close", notices[0]["id"]);
    let r = app
        .send(Method::POST, &close, Some(&analyst), &[], Vec::new())
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let r = app
        .send(Method::POST, &close, Some(&analyst), &[], Vec::new())
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .send(Method::POST, &close, Some(&bank), &[], Vec::new())
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The police see both records and no hint; the secretariat sees the counters.
    let d = domain_reading(&lookup(&app, &police, "sakura-bank-login.shop").await);
    assert_eq!(d["records"].as_array().unwrap().len(), 2, "{d}");
    assert!(d.get("hint").is_none());
    let d = domain_reading(&lookup(&app, &analyst, "sakura-bank-login.shop").await);
    assert_eq!(d["index"]["objects"], 2, "{d}");

    // Excluded values say why; junk says it is not an observable; bulk keeps the order.
    let v = lookup(&app, &bank, "10.1.2.3").await;
    assert_eq!(
        v["observables"][0]["excluded"]["category"], "private",
        "{v}"
    );
    let v = lookup(&app, &bank, "not a value at all").await;
    assert_eq!(v["error"]["code"], "not_an_observable", "{v}");
    let body = serde_json::to_vec(
        &json!({ "values": ["sakura-bank-login.shop", "nothing-here.shop"], "type": "domain" }),
    )
    .unwrap();
    let r = app
        .send(
            Method::POST,
            &format!("{API}/lookup"),
            Some(&bank),
            &[("content-type", "application/json")],
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let results = r.json()["results"].clone();
    assert_eq!(
        results[0]["observables"][0]["records"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(results[1]["observables"][0]["records"], json!([]));
    for (path, body, status) in [
        (
            "lookup",
            json!({ "values": vec!["a.shop"; 10_001] }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "lookup",
            json!({ "values": ["a.shop"], "type": "nope" }),
            StatusCode::BAD_REQUEST,
        ),
        (
            "lookup",
            json!({ "vals": [] }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = app
            .send(
                Method::POST,
                &format!("{API}/{path}"),
                Some(&bank),
                &[("content-type", "application/json")],
                serde_json::to_vec(&body).unwrap(),
            )
            .await;
        assert_eq!(r.status, status, "{body}: {}", r.text());
        assert!(r.json()["error_code"].is_string());
    }
    assert_eq!(
        app.get(&format!("{API}/lookup?value=a.shop"), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get(&format!("{API}/lookup"), Some(&bank)).await.status,
        StatusCode::BAD_REQUEST
    );
}

async fn japanese_search(app: TestApp) {
    let bank = app.member("search-bank").await;
    let forum = json!({
        "type": "x-renkei-forum-post", "spec_version": "2.1",
        "id": format!("x-renkei-forum-post--{}", Uuid::new_v4()),
        "created": "2026-11-07T00:00:00.000Z", "modified": "2026-11-07T00:00:00.000Z",
        "extensions": { "extension-definition--3c9a6a0e-51a4-4f5b-9d52-7e2f8c1b4a90": { "extension_type": "new-sdo" } },
        "site": "underground-forum", "thread_title": "受け子募集", "posted": "2026-11-06T12:00:00Z", "author_name": "seller01",
        "content": "特殊詐欺の受け子を募集。ネットバンキングの不正送金も可。", "language": "ja",
        "category": "technical",
    });
    app.post_records(&bank, green(), vec![forum.clone()]).await;
    app.post_records(
        &bank,
        green(),
        vec![phishing(
            "evil-shop.jp",
            "Phishing kit targeting Japanese banks",
        )],
    )
    .await;
    let search = |q: &str| {
        format!(
            "{API}/search?q={}",
            form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        )
    };
    for (q, want) in [
        ("詐欺", 1),
        ("不正", 1),
        ("不正送金", 1),
        ("ネットバンキング", 1),
        ("ＰＨＩＳＨＩＮＧ", 1),
        ("phishing kit", 1),
        ("ランサムウェア", 0),
        ("フィッシングサイト", 1),
    ] {
        let r = app.get(&search(q), Some(&bank)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(
            r.json()["records"].as_array().unwrap().len(),
            want,
            "{q}: {}",
            r.text()
        );
    }
    let r = app
        .get(
            &format!(
                "{}&category=technical&tlp=green&type=x-renkei-forum-post",
                search("詐欺")
            ),
            Some(&bank),
        )
        .await;
    assert_eq!(r.json()["records"][0]["id"], forum["id"], "{}", r.text());
    let r = app
        .get(&format!("{}&tlp=amber", search("詐欺")), Some(&bank))
        .await;
    assert_eq!(r.json()["records"], json!([]));
    for bad in [
        "tlp=purple",
        "category=secret",
        "from=yesterday",
        "limit=0",
        "sector=%20",
        "nope=1",
    ] {
        let r = app
            .get(&format!("{API}/search?q=a&{bad}"), Some(&bank))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text());
    }
    let other = app.member("other-bank").await;
    let r = app.get(&search("詐欺"), Some(&other)).await;
    assert_eq!(
        r.json()["records"].as_array().unwrap().len(),
        1,
        "members see GREEN/members"
    );
}

on_both_stores!(lookups_sightings_and_hints, japanese_search);
