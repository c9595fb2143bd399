//! `/feeds/{format}`: machine feeds for defenders (issue 5 §3, design §4 rule 4).
//!
//! Whoever pulls — a feed token (`?token=` or `Authorization: Bearer`), or any member's
//! credentials — receives exactly the values of the feed rows that `renkei_policy::decide`
//! allows them on `Path::DefensiveFeed`: `defensive_feeds` consent, PAP CLEAR/GREEN, TLP ≤
//! AMBER, unclassified, and readable by them. Full by default; `since=<cursor>` gives what
//! was added and what dropped out after the cursor (`X-Renkei-Feed-Cursor` of the previous
//! pull, or an RFC 3339 time). A 128-bit hash of the body is its `ETag`, so `If-None-Match` answers 304 whenever nothing
//! the puller would receive has changed.

use std::collections::HashSet;

use axum::Router;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use renkei_feeds::{Change, FeedEntry, FeedError, FeedMeta, Format};
use renkei_model::ids::TokenId;
use renkei_model::stix::Timestamp;
use renkei_observables::ObservableType;
use renkei_policy::{Decision, Identity, Path, Principal, RecordMeta, decide};
use renkei_store::{FeedCursor, FeedPull, FeedRow, FeedValue};
use serde::Deserialize;
use serde_json::json;

use crate::api::common;
use crate::audit::action;
use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;

/// The RPZ zone's origin.
const RPZ_ZONE: &str = "rpz.renkei.invalid.";
/// The header carrying the cursor to pass as `since` next time.
const CURSOR_HEADER: &str = "x-renkei-feed-cursor";

pub fn router() -> Router<AppState> {
    Router::new().route("/{format}", get(pull))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PullParams {
    token: Option<String>,
    /// A cursor (`X-Renkei-Feed-Cursor`, an RFC 3339 timestamp): only what changed after it.
    since: Option<String>,
    /// For `suricata-dataset`: `domains`, `ips`, `md5` or `sha256`.
    set: Option<String>,
}

async fn pull(
    State(state): State<AppState>,
    UrlPath(format): UrlPath<String>,
    headers: HeaderMap,
    params: Result<Query<PullParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let params = common::query(params)?;
    let format = parse_format(&format, params.set.as_deref())?;
    let (me, token) = auth::feed_principal(&state, &headers, params.token.as_deref()).await?;
    let since = params.since.as_deref().map(parse_cursor).transpose()?;
    let feed = build(&state, &me, token, format, since).await?;
    let etag = format!("\"{:032x}\"", twox_hash::XxHash3_128::oneshot(&feed.body));
    let mut out = if headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = feed.body.into_response();
        r.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        );
        r
    };
    let h = out.headers_mut();
    h.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&feed.cursor.encode()) {
        h.insert(CURSOR_HEADER, v);
    }
    Ok(out)
}

/// A feed as one reader receives it.
#[derive(Debug)]
pub struct Feed {
    pub body: Vec<u8>,
    /// Values in it (before the format's own de-duplication).
    pub entries: usize,
    /// What to pass as `since` next time.
    pub cursor: FeedCursor,
}

/// Builds the feed `me` receives in `format` (everything, or what changed after `since`),
/// counts the pull and audits it. The HTTP handler and `renkei export feed` share it.
pub async fn build(
    state: &AppState,
    me: &Identity,
    token: Option<TokenId>,
    format: Format,
    since: Option<FeedCursor>,
) -> Result<Feed, ApiError> {
    let now = state.clock.now_micros();
    let read = state.store.feed_rows(since, now).await?;
    let principal = Principal::User(me.clone());
    let rows: Vec<FeedRow> = read
        .rows
        .into_iter()
        .filter(|r| allowed(&principal, r))
        .collect();
    // From the rows the reader may pull only: records it may not pull never move its cursor.
    let cursor = FeedCursor::after(&rows, since, now);
    let entries = entries_for(state, &principal, &rows, since.is_some(), now).await?;

    // Stamped with the time of the last change it can see, not of the pull, so that the same
    // content is the same bytes (and the same ETag) pull after pull.
    let changed = cursor.added.max(cursor.removed).min(now);
    let meta = FeedMeta {
        generated_at: changed,
        since: since.map(|c| c.added.min(changed)),
        serial: u32::try_from(changed / 1_000_000 % i64::from(u32::MAX)).unwrap_or(0),
        zone: RPZ_ZONE.to_owned(),
        sid_base: renkei_feeds::DEFAULT_SID_BASE,
        title: "Renkei defensive feed".to_owned(),
    };
    let mut body = Vec::new();
    renkei_feeds::render(format, &entries, &meta, &mut body).map_err(|e| {
        tracing::error!(error = %e, "feed rendering failed");
        ApiError::internal()
    })?;
    state
        .store
        .note_feed_pull(&FeedPull {
            token,
            user: me.user,
            org: me.org,
            format: format.name().to_owned(),
            at: now,
            entries: entries.len() as u64,
            full: since.is_none(),
        })
        .await?;
    state
        .audit(
            Some(me),
            action::FEED_PULL,
            format.name(),
            json!({ "entries": entries.len(), "since": since.map(|c| c.encode()), "token": token }),
        )
        .await?;
    Ok(Feed {
        body,
        entries: entries.len(),
        cursor,
    })
}

/// `since=`: the `X-Renkei-Feed-Cursor` of a previous pull, or an RFC 3339 instant.
pub fn parse_cursor(s: &str) -> Result<FeedCursor, ApiError> {
    if let Some(c) = FeedCursor::decode(s) {
        return Ok(c);
    }
    Timestamp::parse(s)
        .map(|t| FeedCursor::at_instant(t.unix_micros()))
        .map_err(|_| {
            ApiError::bad_request("invalid_parameter", "Invalid `since`").with_description(
                "Pass the X-Renkei-Feed-Cursor of a previous pull, or an RFC 3339 time such as 2026-12-01T00:00:00Z.",
            )
        })
}

pub fn parse_format(name: &str, set: Option<&str>) -> Result<Format, ApiError> {
    Format::parse(name, set).map_err(|e| {
        let help = "Feeds: plain, csv, suricata, suricata-dataset?set=domains|ips|md5|sha256, rpz, stix, samples.";
        match e {
            FeedError::UnknownFormat(_) => {
                ApiError::not_found("No such feed").with_description(format!("{e}. {help}"))
            }
            _ => ApiError::bad_request(e.code(), "Invalid feed request")
                .with_description(format!("{e}. {help}")),
        }
    })
}

fn meta(row: &FeedRow) -> RecordMeta<'_> {
    RecordMeta {
        provider: row.record.provider,
        provider_kind: row.record.provider_kind,
        provider_sector: row.record.provider_sector.as_ref(),
        handling: &row.record.handling,
    }
}

fn allowed(principal: &Principal, row: &FeedRow) -> bool {
    matches!(
        decide(principal, &meta(row), Path::DefensiveFeed),
        Decision::Allow(_)
    )
}

/// The entries of `rows` — rows `decide` already allowed the caller — sorted by (type, value);
/// a value carried by several rows comes once per row (the renderers keep the newest and the
/// strictest TLP). In an incremental pull a value drops out only if no row the caller may pull
/// still carries it.
async fn entries_for(
    state: &AppState,
    principal: &Principal,
    rows: &[FeedRow],
    incremental: bool,
    now: i64,
) -> Result<Vec<FeedEntry>, ApiError> {
    // Values to drop from an incremental pull: removed here, and neither added here nor
    // still carried by a row the caller may pull.
    let mut dropped: HashSet<i64> = HashSet::new();
    if incremental && rows.iter().any(|r| r.removed) {
        let added: HashSet<i64> = rows
            .iter()
            .filter(|r| !r.removed)
            .flat_map(|r| r.entries.iter().map(|v| v.key))
            .collect();
        let mut asked: Vec<i64> = rows
            .iter()
            .filter(|r| r.removed)
            .flat_map(|r| r.entries.iter().map(|v| v.key))
            .filter(|k| !added.contains(k))
            .collect();
        asked.sort_unstable();
        asked.dedup();
        let still: HashSet<i64> = state
            .store
            .feed_rows_carrying(&asked, now)
            .await?
            .iter()
            .filter(|r| allowed(principal, r))
            .flat_map(|r| r.entries.iter().map(|v| v.key))
            .collect();
        dropped = rows
            .iter()
            .filter(|r| r.removed)
            .flat_map(|r| r.entries.iter().map(|v| v.key))
            .filter(|k| added.contains(k) || still.contains(k))
            .collect();
    }
    // Sort small keys, not the entries: (type, value, newest first, row, value).
    let mut order: Vec<(
        ObservableType,
        &str,
        std::cmp::Reverse<i64>,
        &FeedRow,
        &FeedValue,
    )> = Vec::new();
    for row in rows {
        for v in &row.entries {
            if row.removed && dropped.contains(&v.key) {
                continue;
            }
            if let Ok(kind) = v.kind.parse::<ObservableType>() {
                order.push((
                    kind,
                    &v.value,
                    std::cmp::Reverse(row.record.date_added),
                    row,
                    v,
                ));
            }
        }
    }
    order.sort_unstable_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    let entries = order
        .into_iter()
        .map(|(kind, _, _, row, v)| entry_of(row, kind, v))
        .collect();
    Ok(entries)
}

fn entry_of(row: &FeedRow, kind: ObservableType, v: &FeedValue) -> FeedEntry {
    FeedEntry {
        kind,
        value: v.value.clone(),
        value_key: v.key,
        record: row.record.stix_id.clone(),
        tlp: row.record.handling.tlp,
        category: row.record.category.clone(),
        label: row.label.clone(),
        first_seen: row.record.date_added,
        valid_until: row.valid_until,
        change: if row.removed {
            Change::Removed
        } else {
            Change::Added
        },
    }
}
