//! Consent requests over REST (`/api/v1/consents…`): the requests addressed to the caller's
//! organisation, and its answers (`crate::products::answer_consent`).

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use renkei_policy::Principal;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common;
use super::products::consent_json;
use crate::auth;
use crate::error::ApiError;
use crate::products;
use crate::state::AppState;

pub const PATHS: &[(&str, &str)] = &[("get", "/consents"), ("post", "/consents/{id}")];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/consents", get(my_consents))
        .route("/consents/{id}", post(answer))
}

/// `GET /consents`: requests addressed to the caller's organisation, newest first.
async fn my_consents(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let me = common::member(&state, &headers).await?;
    let out: Vec<Value> = products::consents_to(&state, &me)
        .await?
        .iter()
        .map(|(c, p)| consent_json(c, Some(p)))
        .collect();
    Ok(Json(json!({ "consent_requests": out })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    answer: ConsentWord,
    #[serde(default)]
    comment: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ConsentWord {
    Given,
    Refused,
}

/// `POST /consents/{id}`: the provider's answer.
async fn answer(
    State(state): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let me = auth::principal(&state, &headers).await?;
    let Principal::User(me) = me else {
        return Err(ApiError::unauthorized());
    };
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::not_found("Consent request not found"))?;
    let b: AnswerBody = common::json_body(&headers, body).await?;
    products::check_note("comment", b.comment.as_deref().unwrap_or_default())?;
    let c = products::answer_consent(
        &state,
        &me,
        id,
        matches!(b.answer, ConsentWord::Given),
        b.comment,
    )
    .await?;
    let p = state.store.product(c.product).await?;
    Ok(Json(consent_json(&c, p.as_ref())))
}
