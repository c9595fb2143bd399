//! The in-app inbox (issue 5 §4): each user's own notifications, newest first, and marking
//! them read.
//!
//! A notification keeps the ids and versions of the records it told of. What the inbox shows
//! of them is read again now through the reader's `ReadScope`, like every record read: a
//! record whose handling was tightened since drops out of the listing, and the provider is
//! shown only as far as the reader's view allows.

use std::collections::BTreeMap;

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use renkei_model::handling::Attribution;
use renkei_policy::{Path, Principal, ReadScope, view_of};
use renkei_store::{Notification, NotificationQuery, RecordQuery, RecordRow};
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{self, instant};
use crate::audit::action;
use crate::error::ApiError;
use crate::state::AppState;

pub const PATHS: &[(&str, &str)] = &[
    ("get", "/notifications"),
    ("post", "/notifications/{id}/read"),
];

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/{id}/read", post(mark_read))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    limit: Option<usize>,
    /// The `next_before` of the previous page.
    before: Option<i64>,
    #[serde(default)]
    unread: bool,
}

/// `GET /notifications`: the caller's notifications, newest first, with the unread count.
async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let me = common::member(&state, &headers).await?;
    let params = common::query(params)?;
    let limit = match params.limit {
        Some(0) => {
            return Err(ApiError::bad_request(
                "invalid_parameter",
                "`limit` must be at least 1",
            ));
        }
        Some(n) => n.min(MAX_LIMIT),
        None => DEFAULT_LIMIT,
    };
    inbox(
        &state,
        &me,
        &NotificationQuery {
            before: params.before,
            unread_only: params.unread,
            limit,
        },
        "api/notifications",
    )
    .await
    .map(Json)
}

/// One page of `me`'s notifications as `GET /notifications` answers it (`limit` of them,
/// with `next_before` when there are more), each record and product decided again now for
/// `me`; the sensitive records shown are audited as read through `path`.
pub(crate) async fn inbox(
    state: &AppState,
    me: &renkei_policy::Identity,
    query: &NotificationQuery,
    path: &str,
) -> Result<Value, ApiError> {
    let limit = query.limit;
    let mut page = state.store.notifications(me.user, query).await?;
    let next_before = (page.len() > limit).then(|| {
        page.truncate(limit);
        page.last().map(|n| n.id)
    });
    let unread = state.store.unread_notifications(me.user).await?;
    let principal = Principal::User(me.clone());
    let rows = visible_records(state, &principal, &page).await?;
    state.audit_reads(&principal, path, rows.values()).await?;
    // Products are decided again now: a withdrawn one is no longer shown.
    let mut products = BTreeMap::new();
    for id in page.iter().filter_map(|n| n.product) {
        if let Ok(p) = crate::products::find(state, &principal, &id.to_string()).await {
            products.insert(id, p);
        }
    }
    let notifications: Vec<Value> = page
        .iter()
        .map(|n| {
            let mut v = notification_json(&principal, n, &rows);
            if let Some(id) = n.product {
                v["product"] = products.get(&id).map_or(Value::Null, |p| {
                    json!({
                        "id": p.id, "number": p.number.to_string(), "kind": p.kind(),
                        "title": p.content.title, "tlp": p.handling.tlp,
                        "severity": p.content.severity,
                    })
                });
            }
            v
        })
        .collect();
    Ok(json!({
        "notifications": notifications,
        "unread": unread,
        "next_before": next_before.flatten(),
    }))
}

/// The latest version the reader may see now of every record the page refers to.
async fn visible_records(
    state: &AppState,
    principal: &Principal,
    page: &[Notification],
) -> Result<BTreeMap<String, RecordRow>, ApiError> {
    let mut ids: Vec<String> = page
        .iter()
        .flat_map(|n| n.records.iter().map(|r| r.stix_id.clone()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let scope = ReadScope::of(principal, Path::Raw);
    let rows = state
        .store
        .query_records(
            &scope,
            &RecordQuery {
                limit: ids.len(),
                ids,
                with_body: true,
                ..RecordQuery::default()
            },
        )
        .await?;
    Ok(rows.into_iter().map(|r| (r.stix_id.clone(), r)).collect())
}

fn notification_json(
    principal: &Principal,
    n: &Notification,
    rows: &BTreeMap<String, RecordRow>,
) -> Value {
    let records: Vec<Value> = n
        .records
        .iter()
        .filter_map(|r| {
            let row = rows.get(&r.stix_id)?;
            let view = view_of(principal, Path::Raw, row.provider, row.attribution);
            let sector = row.provider_sector.as_ref().map(|s| s.as_str());
            let provider = match view.attribution {
                Attribution::Named => json!({ "org": row.provider, "sector": sector }),
                Attribution::SectorOnly => json!({ "sector": sector }),
                Attribution::Hidden => Value::Null,
            };
            let name = row
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str::<Value>(b).ok())
                .and_then(|v| v.get("name").cloned())
                .unwrap_or(Value::Null);
            Some(json!({
                "id": r.stix_id,
                "version": r.version.to_stix(),
                "latest_version": row.version.to_stix(),
                "type": row.stix_type,
                "name": name,
                "tlp": row.tlp,
                "classification": row.classification,
                "provider": provider,
            }))
        })
        .collect();
    json!({
        "id": n.id,
        "kind": n.kind,
        "title": n.title,
        "created_at": instant(n.created_at),
        "read": n.read_at.is_some(),
        "read_at": n.read_at.map(instant),
        "records": records,
    })
}

/// `POST /notifications/{id}/read`: 204; others' notifications are 404.
async fn mark_read(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let me = super::subscriptions::writer(&state, &headers).await?;
    mark_read_for(&state, &me, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Marks `me`'s notification `id` (a string from a URL) read; others' are 404.
pub(crate) async fn mark_read_for(
    state: &AppState,
    me: &renkei_policy::Identity,
    id: &str,
) -> Result<(), ApiError> {
    let not_found = || ApiError::not_found("Notification not found");
    let id: i64 = id.parse().map_err(|_| not_found())?;
    if !state
        .store
        .mark_notification_read(me.user, id, state.clock.now_micros())
        .await?
    {
        return Err(not_found());
    }
    state
        .audit(
            Some(me),
            action::NOTIFICATION_READ,
            id.to_string(),
            json!({}),
        )
        .await?;
    Ok(())
}
