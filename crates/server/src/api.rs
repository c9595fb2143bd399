//! The REST API under `/api/v1` (grows with the membership and handling issues).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use renkei_policy::Principal;
use serde_json::{Value, json};

use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;

/// Routes nested under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
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
