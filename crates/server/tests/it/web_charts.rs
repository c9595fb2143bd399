//! The overview's charts and a record's neighbourhood graph in the web UI: they draw only
//! what the member may read, name a sector only where the provider allows it, and escape
//! every label.

use axum::http::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::*;
use crate::web::{Browser, HOSTILE};

fn handling(tlp: &str, attribution: &str) -> Value {
    json!({ "tlp": tlp, "audience": ["members"], "classification": 0,
        "uses": ["investigation"], "attribution": attribution, "pap": "PAP:GREEN" })
}

fn malware(name: &str) -> Value {
    json!({ "type": "malware", "spec_version": "2.1", "id": format!("malware--{}", Uuid::new_v4()),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": name, "is_family": true })
}

fn relationship(source: &Value, target: &Value) -> Value {
    json!({ "type": "relationship", "spec_version": "2.1",
        "id": format!("relationship--{}", Uuid::new_v4()),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "relationship_type": "indicates", "source_ref": source["id"], "target_ref": target["id"] })
}

async fn overview_charts_only_what_the_member_may_read(app: TestApp) {
    let bank = app.industry("Chart Bank", "chart-bank", "finance").await;
    let telco = app.industry("Chart Telco", "chart-telco", "telecom").await;
    let reader = app
        .industry("Chart Reader", "chart-reader", "finance")
        .await;

    let emotet = malware(HOSTILE);
    let ind = indicator("請求書メール", &[]);
    let rel = relationship(&ind, &emotet);
    app.post_records(
        &bank,
        handling("TLP:GREEN", "named"),
        vec![emotet.clone(), ind, rel],
    )
    .await;
    // The telco keeps its name and sector to itself; its RED family never shows.
    let secret = malware("SecretFamily");
    let telco_ind = indicator("telco", &[]);
    let red_rel = relationship(&telco_ind, &secret);
    app.post_records(&telco, handling("TLP:GREEN", "hidden"), vec![telco_ind])
        .await;
    app.post_records(&telco, handling("TLP:RED", "named"), vec![secret, red_rel])
        .await;

    let mut b = Browser::new(&app);
    assert_eq!(b.get("/overview").await.status, StatusCode::SEE_OTHER);
    b.login(&reader.login).await;
    let r = b.get("/overview").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains(r#"<strong id="total">4</strong>"#), "{html}");
    assert!(html.contains("finance"), "{html}");
    assert!(
        !html.contains("telecom"),
        "the hidden sector is not named: {html}"
    );
    assert!(html.contains("非開示"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; 詐欺"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("SecretFamily"), "{html}");
    assert!(html.contains(&format!(
        "href=\"/records/{}\"",
        emotet["id"].as_str().unwrap()
    )));

    // The telco sees its own sector and its RED family.
    let mut t = Browser::new(&app);
    t.login(&telco.login).await;
    let html = t.get("/overview?weeks=4&lang=en").await.text();
    assert!(
        html.contains("telecom") && html.contains("SecretFamily"),
        "{html}"
    );

    assert_eq!(
        b.get("/overview?weeks=3").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        b.get("/overview?weeks=x").await.status,
        StatusCode::BAD_REQUEST
    );
}

async fn the_graph_draws_only_readable_neighbours(app: TestApp) {
    let bank = app.industry("Graph Bank", "graph-bank", "finance").await;
    let telco = app.industry("Graph Telco", "graph-telco", "telecom").await;
    let reader = app
        .industry("Graph Reader", "graph-reader", "finance")
        .await;
    let family = malware("Emotet");
    let ind = indicator(HOSTILE, &[]);
    let rel = relationship(&ind, &family);
    app.post_records(
        &bank,
        handling("TLP:GREEN", "named"),
        vec![family.clone(), ind.clone(), rel.clone()],
    )
    .await;
    let hidden_ind = indicator("telco only", &[]);
    let hidden_rel = relationship(&hidden_ind, &family);
    app.post_records(
        &telco,
        handling("TLP:RED", "named"),
        vec![hidden_ind.clone(), hidden_rel],
    )
    .await;

    let mut b = Browser::new(&app);
    b.login(&reader.login).await;
    let path = format!("/records/{}/graph", family["id"].as_str().unwrap());
    let r = b.get(&path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("<svg"), "{html}");
    assert!(html.contains(&format!(
        "href=\"/records/{}\"",
        ind["id"].as_str().unwrap()
    )));
    assert!(html.contains(&format!(
        "href=\"/records/{}\"",
        rel["id"].as_str().unwrap()
    )));
    assert!(html.contains("← indicates"), "{html}");
    assert!(!html.contains(hidden_ind["id"].as_str().unwrap()), "{html}");
    assert!(!html.contains("telco only"), "{html}");
    assert!(!html.contains("<script>"), "{html}");

    // From the indicator: the relationship's other end.
    let html = b
        .get(&format!("/records/{}/graph", ind["id"].as_str().unwrap()))
        .await
        .text();
    assert!(
        html.contains("indicates →") && html.contains("Emotet"),
        "{html}"
    );

    // A record the reader may not see has no graph either, like one that does not exist.
    for id in [hidden_ind["id"].as_str().unwrap(), "indicator--nope"] {
        assert_eq!(
            b.get(&format!("/records/{id}/graph")).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

on_both_stores!(
    overview_charts_only_what_the_member_may_read,
    the_graph_draws_only_readable_neighbours,
);
