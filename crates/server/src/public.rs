//! Public pages that need no credentials: the published alerts as Atom 1.0 (RFC 4287) and
//! RSS 2.0 (issue 5 §5). An alert is a STIX `report` on the public path — published by the
//! secretariat as TLP:CLEAR with the publication consent, as `renkei_policy::decide` rules on
//! `Path::Public` — the same records the public TAXII collection serves.

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use renkei_model::product::{ProductKind, ProductStatus};
use renkei_model::stix::Timestamp;
use renkei_policy::{Path, Principal, ReadScope};
use renkei_store::{Product, RecordRow, SearchQuery};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::products::{self, seminars};
use crate::state::AppState;
use crate::taxii::PUBLIC;

/// Alerts per feed: the newest.
const ENTRIES: usize = 50;
const TITLE: &str = "Renkei 連携 — 公開警報 Public alerts";
const SUBTITLE: &str =
    "産学官連携によるサイバー脅威情報の公開警報 / Alerts published by the Renkei partnership";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/alerts.atom", get(atom))
        .route("/alerts.rss", get(rss))
        .route("/seminars", get(seminars))
        .route("/seminars/{number}/registrations", post(register))
}

/// `GET /public/seminars`: published seminars open to the public, soonest first.
async fn seminars(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let mut list: Vec<Product> = products::readable(&state, &Principal::Anonymous)
        .await?
        .into_iter()
        .filter(|p| p.kind() == ProductKind::Seminar && p.status == ProductStatus::Published)
        .collect();
    list.sort_by(|a, b| {
        let start = |p: &Product| p.content.seminar.as_ref().map(|s| s.starts_at.clone());
        start(a).cmp(&start(b))
    });
    let out: Vec<Value> = list
        .iter()
        .map(|p| crate::api::products::product_json(p, &[], &Principal::Anonymous))
        .collect();
    Ok(Json(json!({ "seminars": out })))
}

/// `POST /public/seminars/{number}/registrations`: anyone registers for a public seminar and
/// gets a tracking number.
async fn register(
    State(state): State<AppState>,
    UrlPath(number): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let p = products::find(&state, &Principal::Anonymous, &number).await?;
    let applicant: seminars::Applicant = crate::api::common::json_body(&headers, body).await?;
    let r = seminars::register(&state, &Principal::Anonymous, &p, applicant).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "tracking": r.tracking, "seminar": p.number.to_string() })),
    )
        .into_response())
}

/// One published alert.
struct Alert {
    id: String,
    title: String,
    summary: String,
    published: Timestamp,
    updated: Timestamp,
    tlp: &'static str,
}

async fn alerts(state: &AppState) -> Result<Vec<Alert>, ApiError> {
    let scope = ReadScope::of(&Principal::Anonymous, Path::Public);
    let query = SearchQuery {
        tokens: Vec::new(),
        types: vec!["report".into()],
        sector: None,
        tlp: Vec::new(),
        category: None,
        added_from: None,
        added_until: None,
        before: None,
        limit: ENTRIES,
    };
    let rows = state.store.search(&scope, &query).await?;
    Ok(rows.iter().take(ENTRIES).filter_map(alert).collect())
}

fn alert(row: &RecordRow) -> Option<Alert> {
    let body: Value = serde_json::from_str(row.body.as_deref()?).ok()?;
    let text = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default();
    let time = |k: &str| Timestamp::parse(text(k)).ok();
    Some(Alert {
        id: row.stix_id.clone(),
        title: text("name").to_owned(),
        summary: text("description").to_owned(),
        published: time("published").unwrap_or(row.version),
        updated: row.version,
        tlp: row.tlp.as_str(),
    })
}

/// Text for XML: `&`, `<`, `>`, quotes escaped; characters XML 1.0 forbids dropped.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn object_link(id: &str) -> String {
    format!("/taxii2/api/collections/{}/objects/{id}/", PUBLIC.id)
}

fn reply(content_type: &'static str, body: String) -> Response {
    let mut r = body.into_response();
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    r
}

/// `GET /public/alerts.atom`.
async fn atom(State(state): State<AppState>) -> Result<Response, ApiError> {
    let alerts = alerts(&state).await?;
    let updated = alerts
        .iter()
        .map(|a| a.updated)
        .max()
        .unwrap_or(Timestamp::from_unix_micros(0));
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"ja\">\n\
         <title>{}</title>\n<subtitle>{}</subtitle>\n\
         <id>urn:uuid:{}</id>\n<updated>{}</updated>\n\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"/public/alerts.atom\"/>\n\
         <link rel=\"alternate\" type=\"application/taxii+json;version=2.1\" href=\"/taxii2/api/collections/{}/objects/\"/>\n\
         <author><name>Renkei secretariat</name></author>\n",
        xml(TITLE),
        xml(SUBTITLE),
        PUBLIC.id,
        updated.to_stix(),
        PUBLIC.id,
    );
    for a in &alerts {
        out.push_str(&format!(
            "<entry>\n<title>{}</title>\n<id>urn:uuid:{}</id>\n<published>{}</published>\n<updated>{}</updated>\n\
             <link rel=\"alternate\" type=\"application/stix+json;version=2.1\" href=\"{}\"/>\n\
             <category term=\"{}\" label=\"{}\"/>\n<summary>{}</summary>\n</entry>\n",
            xml(&a.title),
            a.id.rsplit("--").next().unwrap_or_default(),
            a.published.to_stix(),
            a.updated.to_stix(),
            xml(&object_link(&a.id)),
            a.tlp,
            a.tlp,
            xml(&a.summary),
        ));
    }
    out.push_str("</feed>\n");
    Ok(reply("application/atom+xml; charset=utf-8", out))
}

/// `GET /public/alerts.rss`.
async fn rss(State(state): State<AppState>) -> Result<Response, ApiError> {
    let alerts = alerts(&state).await?;
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <rss version=\"2.0\">\n<channel>\n<title>{}</title>\n<link>/public/alerts.rss</link>\n\
         <description>{}</description>\n<language>ja</language>\n",
        xml(TITLE),
        xml(SUBTITLE),
    );
    if let Some(latest) = alerts.iter().map(|a| a.updated).max() {
        out.push_str(&format!(
            "<lastBuildDate>{}</lastBuildDate>\n",
            latest.to_rfc2822()
        ));
    }
    for a in &alerts {
        out.push_str(&format!(
            "<item>\n<title>{}</title>\n<link>{}</link>\n<guid isPermaLink=\"false\">{}</guid>\n\
             <pubDate>{}</pubDate>\n<category>{}</category>\n<description>{}</description>\n</item>\n",
            xml(&a.title),
            xml(&object_link(&a.id)),
            xml(&a.id),
            a.published.to_rfc2822(),
            a.tlp,
            xml(&a.summary),
        ));
    }
    out.push_str("</channel>\n</rss>\n");
    Ok(reply("application/rss+xml; charset=utf-8", out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_dates() {
        let t = Timestamp::parse("2026-12-06T01:02:03.000Z").expect("time");
        assert_eq!(t.to_rfc2822(), "Sun, 06 Dec 2026 01:02:03 GMT");
        let t = Timestamp::parse("2024-02-29T23:59:59Z").expect("time");
        assert_eq!(t.to_rfc2822(), "Thu, 29 Feb 2024 23:59:59 GMT");
    }

    #[test]
    fn xml_escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(
            xml("<script>\"a\" & 'b'\u{1}詐欺</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &apos;b&apos;詐欺&lt;/script&gt;"
        );
    }
}
