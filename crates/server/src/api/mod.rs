//! The REST API under `/api/v1`: one module per resource, each with its routes, its `PATHS`
//! (method and path of every route, checked against the OpenAPI document by a test) and its
//! part of the OpenAPI document in `api/openapi/<module>.json`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use renkei_policy::Principal;
use serde_json::{Value, json};

use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;

pub(crate) mod common;
pub mod consents;
pub mod correlation;
pub mod lookup;
pub mod membership;
pub mod misp;
pub mod notifications;
pub mod openapi;
pub mod orgs;
pub mod products;
pub mod reciprocity;
pub mod records;
pub mod search;
pub mod subscriptions;
pub mod text;
pub mod users;

/// Every route of the REST API as (method, path in OpenAPI form), for the OpenAPI test.
pub fn paths() -> Vec<(&'static str, &'static str)> {
    [
        PATHS,
        openapi::PATHS,
        records::PATHS,
        orgs::PATHS,
        membership::PATHS,
        misp::PATHS,
        text::PATHS,
        users::PATHS,
        lookup::PATHS,
        search::PATHS,
        correlation::PATHS,
        reciprocity::PATHS,
        products::PATHS,
        consents::PATHS,
        notifications::PATHS,
        subscriptions::PATHS,
    ]
    .concat()
}

const PATHS: &[(&str, &str)] = &[("get", "/me")];

/// Routes nested under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .merge(openapi::routes())
        .merge(records::routes())
        .merge(orgs::routes())
        .merge(membership::routes())
        .merge(misp::routes())
        .merge(text::routes())
        .merge(users::routes())
        .merge(lookup::routes())
        .merge(search::routes())
        .merge(correlation::routes())
        .merge(reciprocity::routes())
        .merge(products::routes())
        .merge(consents::routes())
        .merge(notifications::routes())
        .merge(subscriptions::routes())
        .fallback(|| async { ApiError::not_found("No such API endpoint") })
}

/// Who the credentials belong to.
async fn me(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let Principal::User(me) = auth::principal(&state, &headers).await? else {
        return Err(ApiError::unauthorized());
    };
    let org = state
        .store
        .org(me.org)
        .await?
        .ok_or_else(ApiError::internal)?;
    Ok(Json(json!({
        "user": { "id": me.user, "login": me.login, "role": me.role, "clearance": me.clearance },
        "organisation": org,
        "read_only": me.read_only,
    })))
}
