//! Members' record pages: the latest 50 records the member may see (or those a search finds),
//! and one record with its
//! handling as badges, its fields and its versions. Rows come from the store under
//! `ReadScope::of(principal, Path::Raw)` and are shown as `api::records::record_json` shapes
//! them (attribution applied, audience only to the provider and the secretariat); sensitive
//! reads are audited like the API's.

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::{Markup, html};
use renkei_model::stix::{StixId, Timestamp};
use renkei_policy::{Path, Principal, ReadScope};
use renkei_store::{RecordRow, SearchQuery};
use serde_json::Value;

use super::layout::{badge, tlp_badge, when};
use super::render::{member_page, page};
use super::session::Ctx;
use crate::error::ApiError;
use crate::state::AppState;

const LIST: usize = 50;
/// Longest search text, as in the API.
const MAX_QUERY: usize = 1_000;

/// A record's name for lists: its `name`, `value` or `pattern`, a relationship's type and the
/// types of its ends, else its id.
pub fn title_of(row: &RecordRow) -> String {
    let body: Option<Value> = row
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok());
    if row.stix_type == "relationship"
        && let Some(b) = &body
    {
        let text = |k: &str| b.get(k).and_then(Value::as_str).unwrap_or_default();
        let kind = |k: &str| text(k).split("--").next().unwrap_or_default().to_owned();
        return format!(
            "{}: {} → {}",
            text("relationship_type"),
            kind("source_ref"),
            kind("target_ref")
        );
    }
    body.as_ref()
        .and_then(|b| {
            ["name", "value", "pattern", "title"]
                .iter()
                .find_map(|k| b.get(*k).and_then(Value::as_str))
        })
        .map_or_else(|| row.stix_id.clone(), |s| s.chars().take(120).collect())
}

pub async fn list(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        let principal = Principal::User(me.clone());
        // `?q=` searches (Japanese two-character words as well as English) like
        // `GET /api/v1/search`; without it, the latest records.
        let q: String = uri
            .query()
            .and_then(|query| {
                form_urlencoded::parse(query.as_bytes())
                    .find(|(k, _)| k == "q")
                    .map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_default();
        if q.len() > MAX_QUERY {
            return Err(ApiError::bad_request("invalid_parameter", cx.t("records.query_too_long")));
        }
        if !q.is_empty() {
            state.count_usage(&me, crate::usage::kind::SEARCHES, 1);
        }
        let query = SearchQuery {
            tokens: renkei_search::query_tokens(&q),
            types: Vec::new(),
            sector: None,
            tlp: Vec::new(),
            category: None,
            added_from: None,
            added_until: None,
            before: None,
            limit: LIST,
        };
        let mut rows = state
            .store
            .search(&ReadScope::of(&principal, Path::Raw), &query)
            .await?;
        rows.truncate(LIST);
        state.audit_reads(&principal, "web/records", &rows).await?;
        let body = html! {
            h1 { (cx.t("records.title")) }
            form.search method="get" action="/records" role="search" {
                input type="search" name="q" value=(q) maxlength="1000" aria-label=(cx.t("records.search"));
                button type="submit" { (cx.t("records.search")) }
            }
            p.hint { @if q.is_empty() { (cx.t("records.latest")) } @else { (cx.t("records.results")) } }
            @if rows.is_empty() { p.empty { (cx.t("records.none")) } }
            table {
                thead { tr { th { "TLP" } th { (cx.t("records.type")) } th { (cx.t("records.name")) } th { (cx.t("records.added")) } } }
                tbody { @for r in &rows { tr {
                    td { (tlp_badge(r.tlp.as_str())) }
                    td { (r.stix_type) }
                    td { a href={ "/records/" (r.stix_id) } { (title_of(r)) } }
                    td { (when(r.date_added)) }
                } } }
            }
        };
        Ok(page(cx, csrf, cx.t("records.title"), body))
    })
    .await
}

fn handling_badges(cx: &Ctx, h: &Value) -> Markup {
    let s = |k: &str| h.get(k).and_then(Value::as_str).map(str::to_owned);
    html! {
        div.handling {
            @if let Some(t) = s("tlp") { (tlp_badge(&t)) " " }
            @if let Some(p) = s("pap") { (badge(&p)) " " }
            @if let Some(c) = h.get("classification").and_then(Value::as_u64) {
                (badge(&format!("{} {c}", cx.t("records.classification")))) " "
            }
            @if let Some(a) = s("attribution") { (badge(&format!("{}: {a}", cx.t("records.attribution")))) " " }
            @if let Some(uses) = h.get("uses").and_then(Value::as_array) {
                @for u in uses { @if let Some(u) = u.as_str() { (badge(u)) " " } }
            }
            @if let Some(aud) = h.get("audience").and_then(Value::as_array) {
                span.audience { (cx.t("records.audience")) ": "
                    @for a in aud { @if let Some(a) = a.as_str() { (badge(a)) " " } } }
            }
        }
    }
}

pub async fn detail(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        let id = StixId::parse(&id).map_err(|_| ApiError::not_found("Record not found"))?;
        let principal = Principal::User(me.clone());
        let (row, versions) = crate::api::records::latest_and_versions(
            &state,
            &principal,
            &id,
            "web/records/{id}",
        )
        .await?;
        let row = &row;
        let shown = crate::api::records::record_json(&me, &principal, row);
        let object = &shown["object"];
        let text = |k: &str| object.get(k).and_then(Value::as_str).map(str::to_owned);
        // Named only when `record_json` (the attribution rule) names the organisation.
        let named = shown["provider"].get("org").is_some_and(|o| !o.is_null());
        let sector = shown["provider"]
            .get("sector")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let provider = if named {
            match state.store.org(row.provider).await? {
                Some(org) => org.name,
                None => row.provider.to_string(),
            }
        } else if let Some(s) = sector {
            format!("{}: {s}", cx.t("records.sector"))
        } else {
            cx.t("records.provider_hidden").to_owned()
        };
        let around = super::related::around(&state, &me, row).await?;
        let pretty = serde_json::to_string_pretty(object).unwrap_or_default();
        let title = title_of(row);
        let body = html! {
            p.crumbs { a href="/records" { (cx.t("records.title")) } }
            h1 { (title) }
            (handling_badges(cx, &shown["handling"]))
            p { a href={ "/records/" (row.stix_id) "/graph" } { (cx.t("graph.open")) } }
            dl {
                dt { (cx.t("records.type")) } dd { (row.stix_type) }
                dt { "ID" } dd { code { (row.stix_id) } }
                dt { (cx.t("records.provider")) } dd { (provider) }
                @if let Some(d) = text("description") { dt { (cx.t("records.description")) } dd { (d) } }
                @if let Some(p) = text("pattern") { dt { (cx.t("records.pattern")) } dd { code { (p) } } }
                dt { (cx.t("records.added")) } dd { (when(row.date_added)) }
            }
            (super::related::sections(cx, csrf, &me, &row.stix_id, &around))
            h2 { (cx.t("records.versions")) }
            ul { @for v in &versions { li { (Timestamp::to_stix(&v.version)) } } }
            h2 { (cx.t("records.object")) }
            pre.object { (pretty) }
        };
        Ok(page(cx, csrf, &title, body))
    })
    .await
}
