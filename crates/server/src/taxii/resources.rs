//! Discovery, the API root, collections and status resources.

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, header::CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use renkei_model::ids::StatusId;
use renkei_policy::Principal;
use serde_json::{Value, json};

use super::{API_ROOT, COLLECTIONS, Collection, TAXII_MEDIA_TYPE};
use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;

pub(super) fn taxii_json(value: &Value) -> Response {
    ([(CONTENT_TYPE, TAXII_MEDIA_TYPE)], value.to_string()).into_response()
}

fn collection_resource(c: &Collection, p: &Principal) -> Value {
    json!({
        "id": c.id.to_string(),
        "title": c.title,
        "description": c.description,
        "can_read": c.can_read(p),
        "can_write": c.can_write(p),
        "media_types": [renkei_model::stix::STIX_MEDIA_TYPE],
    })
}

pub(super) async fn discovery(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    auth::principal(&state, &headers).await?;
    let mut d = json!({
        "title": state.config.title,
        "description": state.config.description,
        "default": API_ROOT,
        "api_roots": [API_ROOT],
    });
    if let Some(contact) = &state.config.contact {
        d["contact"] = contact.clone().into();
    }
    Ok(taxii_json(&d))
}

pub(super) async fn api_root(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    auth::principal(&state, &headers).await?;
    Ok(taxii_json(&json!({
        "title": "Renkei",
        "description": "STIX 2.1 records of the Renkei partnership",
        "versions": [TAXII_MEDIA_TYPE],
        "max_content_length": state.config.max_content_length,
    })))
}

pub(super) async fn collections(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let p = auth::principal(&state, &headers).await?;
    let list: Vec<Value> = COLLECTIONS
        .iter()
        .filter(|c| c.is_listed_for(&p))
        .map(|c| collection_resource(c, &p))
        .collect();
    Ok(taxii_json(&if list.is_empty() {
        json!({})
    } else {
        json!({ "collections": list })
    }))
}

pub(super) async fn collection(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let p = auth::principal(&state, &headers).await?;
    let c = Collection::find(&id)?;
    if !c.is_listed_for(&p) {
        return Err(if matches!(p, Principal::Anonymous) {
            ApiError::unauthorized()
        } else {
            ApiError::not_found("Collection not found")
        });
    }
    Ok(taxii_json(&collection_resource(&c, &p)))
}

pub(super) async fn status(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Principal::User(me) = auth::principal(&state, &headers).await? else {
        return Err(ApiError::unauthorized());
    };
    let not_found = || {
        ApiError::not_found("Status not found").with_description(
            "Status resources are kept for 7 days and only shown to whoever made the request.",
        )
    };
    let id: StatusId = id.parse().map_err(|_| not_found())?;
    let body = state
        .store
        .status(id, me.user)
        .await?
        .ok_or_else(not_found)?;
    Ok(([(CONTENT_TYPE, TAXII_MEDIA_TYPE)], body).into_response())
}
