//! Organisations (`docs/membership.md`): the directory members see, the secretariat's changes,
//! and each organisation's default handling (`docs/sharing.md`).

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use renkei_membership::{
    check_manage_orgs, check_read_handling_defaults, check_read_org, check_set_handling_defaults,
    check_tier,
};
use renkei_model::account::{Tier, check_org_name};
use renkei_model::handling::{Handling, Sector};
use renkei_store::OrgUpdate;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::audit::action;
use crate::error::ApiError;
use crate::state::AppState;

use super::common::{
    applicant_or_member, existing_org, invalid, json_body, member, nothing_to_change, nullable,
    org_id, org_json, refused, visible_org,
};

pub const PATHS: &[(&str, &str)] = &[
    ("get", "/orgs"),
    ("get", "/orgs/{id}"),
    ("patch", "/orgs/{id}"),
    ("get", "/orgs/{id}/handling-defaults"),
    ("put", "/orgs/{id}/handling-defaults"),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(list_orgs))
        .route("/orgs/{id}", get(show_org).patch(update_org))
        .route(
            "/orgs/{id}/handling-defaults",
            get(show_handling_defaults).put(set_handling_defaults),
        )
}

// --- organisations ---

/// `GET /orgs`: members see the active organisations, the secretariat every one.
async fn list_orgs(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let me = member(&state, &headers).await?;
    let orgs: Vec<Value> = state
        .store
        .list_orgs()
        .await?
        .iter()
        .filter(|o| check_read_org(&me, o).is_ok())
        .map(org_json)
        .collect();
    Ok(Json(json!({ "orgs": orgs })))
}

/// `GET /orgs/{id}`: an organisation the caller may see (applicants: their own).
async fn show_org(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let me = applicant_or_member(&state, &headers).await?;
    let org = visible_org(&state, &me, org_id(&id)?).await?;
    Ok(Json(org_json(&org)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgPatch {
    name: Option<String>,
    tier: Option<Tier>,
    /// `null` clears the sector.
    #[serde(default, deserialize_with = "nullable")]
    sector: Option<Option<Sector>>,
}

/// `PATCH /orgs/{id}` (secretariat administrators): name, tier, sector.
async fn update_org(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let me = member(&state, &headers).await?;
    let id = org_id(&id)?;
    check_manage_orgs(&me).map_err(refused)?;
    let patch: OrgPatch = json_body(&headers, body).await?;
    let org = state
        .store
        .org(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Organisation not found"))?;
    if patch.name.is_none() && patch.tier.is_none() && patch.sector.is_none() {
        return Err(nothing_to_change());
    }
    if let Some(name) = &patch.name {
        check_org_name(name)
            .map_err(|m| invalid("invalid_name", "Invalid organisation name", m))?;
    }
    if let Some(tier) = patch.tier {
        check_tier(org.kind, tier).map_err(refused)?;
    }
    let org = state
        .store
        .update_org(
            id,
            &OrgUpdate {
                name: patch.name.clone(),
                tier: patch.tier,
                sector: patch.sector.clone(),
            },
        )
        .await?;
    let mut changes = serde_json::Map::new();
    if let Some(name) = patch.name {
        changes.insert("name".into(), name.into());
    }
    if let Some(tier) = patch.tier {
        changes.insert("tier".into(), tier.as_str().into());
    }
    if let Some(sector) = patch.sector {
        changes.insert("sector".into(), json!(sector));
    }
    state
        .audit(
            Some(&me),
            action::ORG_UPDATE,
            id.to_string(),
            Value::Object(changes),
        )
        .await?;
    Ok(Json(org_json(&org)))
}

// --- default handling ---

/// `GET /orgs/{id}/handling-defaults`: what the organisation's submissions get when they
/// carry no marking (`null`: the platform's restrictive default).
async fn show_handling_defaults(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let me = member(&state, &headers).await?;
    let id = org_id(&id)?;
    check_read_handling_defaults(&me, id).map_err(refused)?;
    existing_org(&state, id).await?;
    let handling = state.store.org_default_handling(id).await?;
    Ok(Json(json!({ "org": id, "handling": handling })))
}

/// `PUT /orgs/{id}/handling-defaults` with a handling, or `null` to clear it: the
/// organisation's administrators and secretariat administrators, never classifying above
/// their own clearance.
async fn set_handling_defaults(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let me = member(&state, &headers).await?;
    let id = org_id(&id)?;
    check_set_handling_defaults(&me, id, None).map_err(refused)?;
    let handling: Option<Handling> = json_body(&headers, body).await?;
    check_set_handling_defaults(&me, id, handling.as_ref()).map_err(refused)?;
    existing_org(&state, id).await?;
    state
        .store
        .set_org_default_handling(id, handling.as_ref(), state.clock.now_micros())
        .await?;
    state
        .audit(
            Some(&me),
            action::ORG_HANDLING_DEFAULTS,
            id.to_string(),
            json!({ "handling": handling }),
        )
        .await?;
    Ok(Json(json!({ "org": id, "handling": handling })))
}
