//! Notification subscriptions (issue 5 §4): each user keeps their own, lists them and deletes
//! them; others' are 404 like missing ones. Input becomes typed criteria here — sectors,
//! STIX types, watched values normalised exactly as ingest normalises observables (so a
//! watched value and an indexed one have the same `value_key`) — within fixed bounds.
//! Creating and deleting are writes, and audited.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use renkei_model::handling::Sector;
use renkei_observables::{Exclusions, Observable, ObservableType, normalise};
use renkei_policy::Identity;
use renkei_store::{
    Channels, Criteria, MAX_SUBSCRIPTION_TERMS, MAX_SUBSCRIPTIONS_PER_USER, MAX_WATCHED_VALUES,
    NewSubscription, Subscription, WatchedValue,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{self, instant, invalid};
use crate::audit::action;
use crate::error::ApiError;
use crate::state::AppState;

pub const PATHS: &[(&str, &str)] = &[
    ("get", "/notifications/subscriptions"),
    ("post", "/notifications/subscriptions"),
    ("delete", "/notifications/subscriptions/{id}"),
];

/// Largest request body (10,000 values of a few hundred bytes).
const MAX_BODY: usize = 4 * 1024 * 1024;
const MAX_NAME_CHARS: usize = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/notifications/subscriptions",
            axum::routing::get(list).post(create),
        )
        .route(
            "/notifications/subscriptions/{id}",
            axum::routing::delete(remove),
        )
}

/// The caller, who may change their own settings unless they came with a read-only token.
pub(super) async fn writer(state: &AppState, headers: &HeaderMap) -> Result<Identity, ApiError> {
    let me = common::member(state, headers).await?;
    if me.read_only {
        return Err(ApiError::forbidden(
            "read_only_token",
            "A read-only token cannot change anything",
        ));
    }
    Ok(me)
}

fn subscription_json(s: &Subscription) -> Value {
    let values: Vec<Value> = s
        .criteria
        .values
        .iter()
        .map(|v| json!({ "type": v.kind, "value": v.value }))
        .collect();
    json!({
        "id": s.id,
        "name": s.name,
        "sectors": s.criteria.sectors,
        "types": s.criteria.types,
        "values": values,
        "watched": s.watched,
        "channels": s.channels.names(),
        "created_at": instant(s.created_at),
    })
}

/// `GET /notifications/subscriptions`: the caller's own, with their watched values.
async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let me = common::member(&state, &headers).await?;
    let subs: Vec<Value> = state
        .store
        .subscriptions(me.user)
        .await?
        .iter()
        .map(subscription_json)
        .collect();
    Ok(Json(json!({ "subscriptions": subs })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewBody {
    pub name: String,
    #[serde(default)]
    pub sectors: Vec<String>,
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default)]
    pub values: Vec<String>,
    /// The observable type of every value; without it, each value is watched as every type
    /// it can be read as (like lookups).
    pub value_type: Option<String>,
    /// `in_app` (the default) and/or `email`.
    pub channels: Option<Vec<String>>,
}

/// `POST /notifications/subscriptions`.
async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let me = writer(&state, &headers).await?;
    let body: NewBody = common::json_body_limited(&headers, body, MAX_BODY).await?;
    let out = create_for(&state, &me, body).await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// `DELETE /notifications/subscriptions/{id}`: one's own only (others' are 404).
async fn remove(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let me = writer(&state, &headers).await?;
    remove_for(&state, &me, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new subscription of `me`'s (who may write, see [`writer`]), from the API's body; the
/// answer is the API's JSON (with `ignored` values and `warnings`). Bad input is refused
/// before anything is stored.
pub(crate) async fn create_for(
    state: &AppState,
    me: &Identity,
    body: NewBody,
) -> Result<Value, ApiError> {
    let name = body.name.trim().to_owned();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(invalid(
            "invalid_subscription_name",
            "Invalid subscription name",
            format!("1 to {MAX_NAME_CHARS} printable characters."),
        ));
    }
    let sectors = sectors(&body.sectors)?;
    let types = types(&body.types)?;
    let (values, ignored) = watched(&body.values, body.value_type.as_deref())?;
    if !body.values.is_empty() && values.is_empty() {
        return Err(invalid(
            "values_never_indexed",
            "None of the values is ever indexed",
            "Every value given is on the exclusion lists (see `ignored` in lookups): records never carry it as an observable.",
        ));
    }
    let channels = channels(body.channels.as_deref())?;
    let criteria = Criteria {
        sectors,
        types,
        values,
    };
    if criteria.is_empty() {
        return Err(invalid(
            "empty_subscription",
            "Nothing to watch",
            "Give at least one of `sectors`, `types` or `values`.",
        ));
    }
    if state.store.subscriptions(me.user).await?.len() >= MAX_SUBSCRIPTIONS_PER_USER {
        return Err(invalid(
            "too_many_subscriptions",
            "Too many subscriptions",
            format!("At most {MAX_SUBSCRIPTIONS_PER_USER} per user; delete one first."),
        ));
    }
    let created = state
        .store
        .add_subscription(&NewSubscription {
            user: me.user,
            name,
            criteria,
            channels,
            created_at: state.clock.now_micros(),
        })
        .await?;
    state
        .audit(
            Some(me),
            action::SUBSCRIPTION_CREATE,
            created.id.to_string(),
            json!({
                "name": created.name,
                "sectors": created.criteria.sectors,
                "types": created.criteria.types,
                "watched": created.watched,
                "channels": created.channels.names(),
            }),
        )
        .await?;
    let mut out = subscription_json(&created);
    if !ignored.is_empty() {
        out["ignored"] = ignored.into();
    }
    if channels.email && state.store.user_email(me.user).await?.is_none() {
        out["warnings"] = json!([
            "You have no e-mail address: set one with PATCH /api/v1/users/{id} to receive e-mail."
        ]);
    }
    Ok(out)
}

/// Deletes `me`'s subscription `id` (a string from a URL); others' are 404.
pub(crate) async fn remove_for(state: &AppState, me: &Identity, id: &str) -> Result<(), ApiError> {
    let not_found = || ApiError::not_found("Subscription not found");
    let id: i64 = id.parse().map_err(|_| not_found())?;
    if !state.store.delete_subscription(me.user, id).await? {
        return Err(not_found());
    }
    state
        .audit(
            Some(me),
            action::SUBSCRIPTION_DELETE,
            id.to_string(),
            json!({}),
        )
        .await?;
    Ok(())
}

fn too_many(what: &str, max: usize, got: usize) -> ApiError {
    invalid(
        "too_many_values",
        "Too many values",
        format!("At most {max} {what} per subscription, not {got}."),
    )
}

fn sectors(raw: &[String]) -> Result<Vec<Sector>, ApiError> {
    if raw.len() > MAX_SUBSCRIPTION_TERMS {
        return Err(too_many("sectors", MAX_SUBSCRIPTION_TERMS, raw.len()));
    }
    let mut out: Vec<Sector> = raw
        .iter()
        .map(|s| {
            Sector::new(s).map_err(|e| invalid("invalid_sector", "Invalid sector", e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    out.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    out.dedup();
    Ok(out)
}

/// A STIX type name (STIX 2.1 §3.1): 3–250 of `a-z0-9-`, no `--`, starting with a letter.
fn is_stix_type(t: &str) -> bool {
    (3..=250).contains(&t.len())
        && t.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && t.as_bytes()[0].is_ascii_lowercase()
        && !t.contains("--")
        && !t.ends_with('-')
}

fn types(raw: &[String]) -> Result<Vec<String>, ApiError> {
    if raw.len() > MAX_SUBSCRIPTION_TERMS {
        return Err(too_many("types", MAX_SUBSCRIPTION_TERMS, raw.len()));
    }
    if let Some(bad) = raw.iter().find(|t| !is_stix_type(t)) {
        return Err(invalid(
            "invalid_stix_type",
            "Invalid STIX type",
            format!(
                "`{}` is not a STIX type name (e.g. `indicator`, `x-renkei-fraud-account`).",
                bad.chars().take(64).collect::<String>()
            ),
        ));
    }
    let set: BTreeSet<String> = raw.iter().cloned().collect();
    Ok(set.into_iter().collect())
}

/// The ways a value can be read: as the given type, or as every type it normalises to.
fn readings(value: &str, kind: Option<ObservableType>) -> Vec<Observable> {
    match kind {
        Some(k) => normalise(k, value).into_iter().collect(),
        None => ObservableType::ALL
            .into_iter()
            .filter_map(|k| normalise(k, value).ok())
            .collect(),
    }
}

/// The canonical values to watch, and those left out because they are never indexed.
fn watched(
    raw: &[String],
    kind: Option<&str>,
) -> Result<(Vec<WatchedValue>, Vec<Value>), ApiError> {
    if raw.len() > MAX_WATCHED_VALUES {
        return Err(too_many("values", MAX_WATCHED_VALUES, raw.len()));
    }
    let kind = kind
        .map(|k| {
            k.parse::<ObservableType>().map_err(|e| {
                invalid(
                    "invalid_value_type",
                    "Unknown observable type",
                    e.to_string(),
                )
            })
        })
        .transpose()?;
    let exclusions = Exclusions::shipped();
    let mut out = BTreeSet::new();
    let mut ignored = Vec::new();
    for value in raw {
        let found = readings(value, kind);
        if found.is_empty() {
            return Err(invalid(
                "invalid_watch_value",
                "Not an observable value",
                format!(
                    "`{}` is not a value of {}.",
                    value.chars().take(200).collect::<String>(),
                    kind.map_or("any observable type".to_owned(), |k| format!("type {k}"))
                ),
            ));
        }
        for o in found {
            if let Some(reason) = exclusions.is_excluded(&o) {
                ignored.push(
                    json!({ "type": o.kind().name(), "value": o.value(), "excluded": reason }),
                );
                continue;
            }
            out.insert(WatchedValue::new(o.kind().name(), o.value()));
        }
    }
    if out.len() > MAX_WATCHED_VALUES {
        return Err(too_many(
            "values (after reading each value as every type it can be)",
            MAX_WATCHED_VALUES,
            out.len(),
        ));
    }
    Ok((out.into_iter().collect(), ignored))
}

fn channels(raw: Option<&[String]>) -> Result<Channels, ApiError> {
    let Some(raw) = raw else {
        return Ok(Channels {
            in_app: true,
            email: false,
        });
    };
    let mut c = Channels::default();
    for name in raw {
        match name.as_str() {
            "in_app" => c.in_app = true,
            "email" => c.email = true,
            other => {
                return Err(invalid(
                    "invalid_channel",
                    "Unknown channel",
                    format!(
                        "`{}` is not a channel: `in_app` or `email`.",
                        other.chars().take(64).collect::<String>()
                    ),
                ));
            }
        }
    }
    if !c.in_app && !c.email {
        return Err(invalid(
            "invalid_channel",
            "No channel",
            "Give `in_app`, `email` or both.",
        ));
    }
    Ok(c)
}
