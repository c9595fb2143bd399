//! The public alerts as feed readers get them (issue 5 §5): Atom and RSS of what the
//! secretariat published as TLP:CLEAR, nothing else, with no credentials; markup in a title is
//! text, never markup.

use axum::http::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::*;

fn report(name: &str) -> Value {
    json!({
        "type": "report", "spec_version": "2.1", "id": format!("report--{}", Uuid::new_v4()),
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
        "name": name, "description": "説明 & <b>詳細</b>", "published": "2026-11-01T09:00:00Z",
        "report_types": ["threat-report"], "object_refs": ["attack-pattern--6b948b5a-3c09-5365-b48a-da95c3964cb5"],
    })
}

async fn alerts_as_atom_and_rss(app: TestApp) {
    let analyst = app.analyst("analyst").await;
    let bank = app.member("bank-user").await;
    let public = json!({ "tlp": "TLP:CLEAR", "audience": ["members"], "classification": 0,
        "uses": ["publication"], "attribution": "named", "pap": "PAP:CLEAR" });
    app.post_records(
        &analyst,
        public.clone(),
        vec![report("SMS フィッシング注意 <script>alert(1)</script>")],
    )
    .await;
    // Not public: a member's own report, and the secretariat's without publication consent.
    app.post_records(&bank, public, vec![report("会員の報告")])
        .await;
    app.post_records(
        &analyst,
        json!({ "tlp": "TLP:GREEN", "audience": ["members"], "classification": 0,
            "uses": ["investigation"], "attribution": "named", "pap": "PAP:CLEAR" }),
        vec![report("内部分析")],
    )
    .await;

    let r = app.get("/public/alerts.atom", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.content_type(), "application/atom+xml; charset=utf-8");
    let atom = r.text();
    assert_eq!(atom.matches("<entry>").count(), 1, "{atom}");
    assert!(
        atom.contains("<title>SMS フィッシング注意 &lt;script&gt;alert(1)&lt;/script&gt;</title>"),
        "{atom}"
    );
    assert!(
        atom.contains("<summary>説明 &amp; &lt;b&gt;詳細&lt;/b&gt;</summary>"),
        "{atom}"
    );
    assert!(atom.contains("term=\"TLP:CLEAR\""), "{atom}");
    assert!(
        !atom.contains("会員の報告") && !atom.contains("内部分析"),
        "{atom}"
    );
    assert!(atom.contains("<published>2026-11-01T09:00:00"), "{atom}");

    let r = app.get("/public/alerts.rss", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.content_type(), "application/rss+xml; charset=utf-8");
    let rss = r.text();
    assert_eq!(rss.matches("<item>").count(), 1, "{rss}");
    assert!(
        rss.contains("<pubDate>Sun, 01 Nov 2026 09:00:00 GMT</pubDate>"),
        "{rss}"
    );
    assert!(!rss.contains("<script>"), "{rss}");
    assert_eq!(
        app.get("/public/alerts.json", None).await.status,
        StatusCode::NOT_FOUND
    );
}

on_both_stores!(alerts_as_atom_and_rss);
