//! The secretariat's correlation queue: values that records of several organisations carry
//! (found at ingest, O(1) per record) and the hints readers were shown about records they may
//! not see, so the secretariat can broker contact between providers and readers.
//! Secretariat only: both name organisations and values across every record.

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use renkei_model::stix::Timestamp;
use renkei_policy::Identity;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common;
use crate::audit::action;
use crate::error::ApiError;
use crate::state::AppState;

pub const PATHS: &[(&str, &str)] = &[
    ("get", "/correlations/shared"),
    ("get", "/correlations/hints"),
    ("post", "/correlations/hints/{id}/close"),
];

const DEFAULT_LIMIT: usize = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/correlations/shared", get(shared))
        .route("/correlations/hints", get(hints))
        .route("/correlations/hints/{id}/close", post(close))
}

async fn secretariat(state: &AppState, headers: &HeaderMap) -> Result<Identity, ApiError> {
    let me = common::member(state, headers).await?;
    if !me.is_secretariat() {
        return Err(ApiError::forbidden(
            "secretariat_only",
            "Only the secretariat may see the correlation queue",
        ));
    }
    Ok(me)
}

fn time(t: i64) -> String {
    Timestamp::from_unix_micros(t).to_taxii_micros()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SharedParams {
    before: Option<String>,
    limit: Option<usize>,
}

/// `GET /correlations/shared`: values carried by records of several organisations, most
/// recently shared first.
async fn shared(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<SharedParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    secretariat(&state, &headers).await?;
    let p = common::query(params)?;
    let before = p
        .before
        .as_deref()
        .map(|c| {
            c.split_once('_')
                .and_then(|(at, key)| Some((at.parse().ok()?, key.parse().ok()?)))
                .ok_or_else(|| {
                    ApiError::bad_request("invalid_parameter", "Invalid `before`")
                        .with_description("Pass the `next_before` of the previous page.")
                })
        })
        .transpose()?;
    let limit = common::page_limit(&state, p.limit, DEFAULT_LIMIT)?;
    let rows = state.store.shared_values(before, limit + 1).await?;
    let more = rows.len() > limit;
    let values: Vec<Value> = rows
        .iter()
        .take(limit)
        .map(|v| {
            json!({
                "type": v.kind,
                "value": v.value,
                "objects": v.objects,
                "organisations": v.providers,
                "saturated": v.objects > renkei_store::INDEX_CAP_PER_VALUE,
                "shared_at": time(v.shared_at),
                "last_at": time(v.last_at),
            })
        })
        .collect();
    let mut out = json!({ "values": values, "more": more });
    if more && let Some(last) = rows.get(limit - 1) {
        out["next_before"] = format!("{}_{}", last.shared_at, last.key).into();
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HintParams {
    /// Include closed notices.
    all: Option<bool>,
    limit: Option<usize>,
}

/// `GET /correlations/hints`: hints shown to readers, newest first, open ones unless `all`.
async fn hints(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<HintParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    secretariat(&state, &headers).await?;
    let p = common::query(params)?;
    let limit = common::page_limit(&state, p.limit, DEFAULT_LIMIT)?;
    let notices = state
        .store
        .hint_notices(p.all.unwrap_or(false), limit)
        .await?;
    let notices: Vec<Value> = notices
        .iter()
        .map(|n| {
            json!({
                "id": n.id,
                "reader": { "org": n.reader_org, "user": n.reader_user },
                "type": n.kind,
                "value": n.value,
                "records": n.records,
                "providers": n.providers,
                "times": n.times,
                "first_at": time(n.first_at),
                "last_at": time(n.last_at),
                "closed_at": n.closed_at.map(time),
            })
        })
        .collect();
    Ok(Json(json!({ "notices": notices })))
}

/// `POST /correlations/hints/{id}/close`: the secretariat brokered contact (or chose not to).
async fn close(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let me = secretariat(&state, &headers).await?;
    close_hint(&state, &me, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Closes the open hint notice `id` (a string from a URL) for `me`, of the secretariat, and
/// audits it; 404 for anything else. The REST API and the web UI both close notices here.
pub(crate) async fn close_hint(state: &AppState, me: &Identity, id: &str) -> Result<(), ApiError> {
    let Ok(id) = id.parse::<i64>() else {
        return Err(ApiError::not_found("Notice not found"));
    };
    let now = state.clock.now_micros();
    if !state.store.close_hint_notice(id, now).await? {
        return Err(ApiError::not_found("Notice not found"));
    }
    state
        .audit(
            Some(me),
            action::HINT_CLOSE,
            format!("hint-notice/{id}"),
            json!({}),
        )
        .await
}
