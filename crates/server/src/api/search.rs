//! Search over records, Japanese and English: `GET /search?q=…` with filters, newest first.
//! The text is tokenised by `renkei-search` exactly as records were at ingest (words and
//! CJK bigrams, so 詐欺 and 不正 are found inside longer words), and the store filters with the
//! caller's `ReadScope` like every record read.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use renkei_model::handling::{Sector, Tlp};
use renkei_model::stix::Timestamp;
use renkei_policy::{Path, Principal, ReadScope};
use renkei_store::SearchQuery;
use serde::Deserialize;
use serde_json::Value;

use super::common;
use super::records::page;
use crate::error::ApiError;
use crate::state::AppState;

pub const PATHS: &[(&str, &str)] = &[("get", "/search")];

const DEFAULT_LIMIT: usize = 50;
/// Longest query text accepted.
const MAX_QUERY: usize = 1_000;
/// Categories of Renkei record types.
const CATEGORIES: [&str; 3] = ["individual", "overall", "technical"];

pub fn routes() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    q: Option<String>,
    /// STIX types, comma-separated.
    #[serde(rename = "type")]
    types: Option<String>,
    sector: Option<String>,
    /// TLP labels, comma-separated (`clear,green`).
    tlp: Option<String>,
    category: Option<String>,
    /// Added at or after this TAXII timestamp.
    from: Option<String>,
    /// Added before this TAXII timestamp.
    until: Option<String>,
    /// Paging: the `next_before` of the previous page.
    before: Option<String>,
    limit: Option<usize>,
}

fn bad(what: &str, description: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_parameter", format!("Invalid `{what}`"))
        .with_description(description)
}

fn instant(what: &str, t: Option<&str>) -> Result<Option<i64>, ApiError> {
    t.map(|t| {
        Timestamp::parse(t)
            .map(|t| t.unix_micros())
            .map_err(|e| bad(what, e.to_string()))
    })
    .transpose()
}

fn list(v: Option<&str>) -> Vec<&str> {
    v.into_iter()
        .flat_map(|t| t.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

/// `TLP:AMBER`, or `amber`, in any case.
fn tlp_label(t: &str) -> Option<Tlp> {
    let upper = t.to_ascii_uppercase();
    let full = if upper.starts_with("TLP:") {
        upper
    } else {
        format!("TLP:{upper}")
    };
    full.parse().ok()
}

/// A search's filters as sent (`GET /search`'s parameters, the web UI's search form).
#[derive(Debug, Default)]
pub(crate) struct Filters<'a> {
    pub q: &'a str,
    /// STIX types, comma-separated.
    pub types: Option<&'a str>,
    pub sector: Option<&'a str>,
    /// TLP labels, comma-separated.
    pub tlp: Option<&'a str>,
    pub category: Option<&'a str>,
    /// TAXII timestamps.
    pub from: Option<&'a str>,
    pub until: Option<&'a str>,
    pub before: Option<&'a str>,
}

/// The store's query for `f`, or a 400 naming the filter that does not parse.
pub(crate) fn search_query(f: &Filters<'_>, limit: usize) -> Result<SearchQuery, ApiError> {
    if f.q.len() > MAX_QUERY {
        return Err(bad("q", format!("At most {MAX_QUERY} bytes.")));
    }
    let tlp = list(f.tlp)
        .into_iter()
        .map(|t| {
            tlp_label(t).ok_or_else(|| {
                bad(
                    "tlp",
                    format!("`{t}` is not a TLP label (TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED; the `TLP:` may be left out)"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let sector = f
        .sector
        .map(|s| Sector::new(s).map_err(|e| bad("sector", e.to_string())))
        .transpose()?;
    if let Some(c) = f.category
        && !CATEGORIES.contains(&c)
    {
        return Err(bad(
            "category",
            format!("One of: {}.", CATEGORIES.join(", ")),
        ));
    }
    Ok(SearchQuery {
        tokens: renkei_search::query_tokens(f.q),
        types: list(f.types).into_iter().map(str::to_owned).collect(),
        sector,
        tlp,
        category: f.category.map(str::to_owned),
        added_from: instant("from", f.from)?,
        added_until: instant("until", f.until)?,
        before: instant("before", f.before)?,
        limit,
    })
}

/// `GET /search`.
async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let me = common::member(&state, &headers).await?;
    let principal = Principal::User(me.clone());
    let p = common::query(params)?;
    let limit = common::page_limit(&state, p.limit, DEFAULT_LIMIT)?;
    let query = search_query(
        &Filters {
            q: p.q.as_deref().unwrap_or_default(),
            types: p.types.as_deref(),
            sector: p.sector.as_deref(),
            tlp: p.tlp.as_deref(),
            category: p.category.as_deref(),
            from: p.from.as_deref(),
            until: p.until.as_deref(),
            before: p.before.as_deref(),
        },
        limit,
    )?;
    let scope = ReadScope::of(&principal, Path::Raw);
    let rows = state.store.search(&scope, &query).await?;
    state.count_usage(&me, crate::usage::kind::SEARCHES, 1);
    page(&state, &me, rows, limit, "api/search", "next_before").await
}
