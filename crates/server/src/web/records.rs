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
use renkei_store::RecordRow;
use serde_json::Value;

use super::layout::{badge, tlp_badge, when};
use super::render::{member_page, page, query};
use super::session::Ctx;
use crate::api::search::{Filters, search_query};
use crate::error::ApiError;
use crate::state::AppState;

const LIST: usize = 50;

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
        // `?q=` and the filters search like `GET /api/v1/search` (Japanese two-character
        // words as well as English); without them, the latest records.
        let asked = query(&uri);
        let get = |k: &str| asked.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let q = get("q").unwrap_or_default();
        let (from, until) = (day_start(get("from"), 0), day_start(get("until"), 1));
        let filters = Filters {
            q,
            types: get("type"),
            sector: get("sector"),
            tlp: get("tlp"),
            category: get("category"),
            from: from.as_deref(),
            until: until.as_deref(),
            before: None,
        };
        let query = search_query(&filters, LIST)?;
        let searching = ["q", "type", "sector", "tlp", "category", "from", "until"]
            .iter()
            .any(|k| get(k).is_some());
        if searching {
            state.count_usage(&me, crate::usage::kind::SEARCHES, 1);
        }
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
            (filter_form(cx, &get))
            p.hint { @if searching { (cx.t("records.results")) } @else { (cx.t("records.latest")) } }
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

/// Types offered by the search form's filter (the API takes any).
const TYPES: [&str; 10] = [
    "indicator",
    "malware",
    "x-renkei-malware-report",
    "x-renkei-forum-post",
    "x-renkei-fraud-account",
    "x-renkei-incident-report",
    "report",
    "note",
    "sighting",
    "relationship",
];
const TLPS: [&str; 5] = [
    "TLP:CLEAR",
    "TLP:GREEN",
    "TLP:AMBER",
    "TLP:AMBER+STRICT",
    "TLP:RED",
];
const CATEGORIES: [(&str, &str); 3] = [
    ("individual", "submit.v_individual"),
    ("overall", "submit.v_overall"),
    ("technical", "submit.v_technical"),
];

/// The search's filters (type, TLP, category, sector, dates), keeping what was chosen.
fn filter_form<'a>(cx: &Ctx, get: &dyn Fn(&str) -> Option<&'a str>) -> Markup {
    let chosen = |k: &str, v: &str| get(k) == Some(v);
    html! {
        details.filters open[["type", "tlp", "category", "sector", "from", "until"].iter().any(|k| get(k).is_some())] {
            summary { (cx.t("records.filters")) }
            form.filters method="get" action="/records" {
                @if let Some(q) = get("q") { input type="hidden" name="q" value=(q); }
                label { (cx.t("records.type"))
                    select name="type" {
                        option value="" { (cx.t("records.any")) }
                        @for t in TYPES { option value=(t) selected[chosen("type", t)] { (t) } }
                    }
                }
                label { "TLP"
                    select name="tlp" {
                        option value="" { (cx.t("records.any")) }
                        @for t in TLPS { option value=(t) selected[chosen("tlp", t)] { (t) } }
                    }
                }
                label { (cx.t("submit.f_category"))
                    select name="category" {
                        option value="" { (cx.t("records.any")) }
                        @for (c, key) in CATEGORIES { option value=(c) selected[chosen("category", c)] { (cx.t(key)) } }
                    }
                }
                label { (cx.t("records.sector"))
                    input name="sector" value=(get("sector").unwrap_or_default()) maxlength="64" placeholder="finance";
                }
                label { (cx.t("records.from")) input type="date" name="from" value=(get("from").unwrap_or_default()); }
                label { (cx.t("records.until")) input type="date" name="until" value=(get("until").unwrap_or_default()); }
                button type="submit" { (cx.t("records.search")) }
            }
        }
    }
}

/// A date from the form (`2026-12-01`) as the TAXII timestamp of the start of that day plus
/// `days` (an inclusive "until" is the start of the next day); anything else is passed on as
/// typed, for the search to refuse or take as a full timestamp.
fn day_start(date: Option<&str>, days: i64) -> Option<String> {
    let date = date?;
    if date.len() != 10 {
        return Some(date.to_owned());
    }
    Some(Timestamp::parse(&format!("{date}T00:00:00Z")).map_or_else(
        |_| date.to_owned(),
        |t| Timestamp::from_unix_micros(t.unix_micros() + days * 86_400_000_000).to_stix(),
    ))
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
