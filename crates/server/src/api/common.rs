//! Helpers shared by the organisation, membership and user endpoints: who the caller is, JSON
//! bodies, refusals with their codes, ids in URLs, and the JSON form of organisations and users.

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use renkei_membership::{ErrorKind, MembershipError, check_read_org};
use renkei_model::account::Org;
use renkei_model::ids::OrgId;
use renkei_model::stix::Timestamp;
use renkei_policy::{Identity, Principal};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;

pub(crate) async fn existing_org(state: &AppState, id: OrgId) -> Result<Org, ApiError> {
    state
        .store
        .org(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Organisation not found"))
}

/// The organisation if it exists and the caller may see it; 404 alike otherwise.
pub(crate) async fn visible_org(
    state: &AppState,
    me: &Identity,
    id: OrgId,
) -> Result<Org, ApiError> {
    let org = existing_org(state, id).await?;
    check_read_org(me, &org).map_err(refused)?;
    Ok(org)
}

/// The query parameters of a request, or 400 `invalid_parameter` naming what is wrong.
pub(crate) fn query<T>(
    params: Result<axum::extract::Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, ApiError> {
    params.map(|axum::extract::Query(p)| p).map_err(|e| {
        ApiError::bad_request("invalid_parameter", "Invalid query parameter")
            .with_description(e.body_text())
    })
}

/// A page size: `default` when absent, at most the configured maximum, 400 for 0.
pub(crate) fn page_limit(
    state: &AppState,
    limit: Option<usize>,
    default: usize,
) -> Result<usize, ApiError> {
    match limit {
        Some(0) => Err(ApiError::bad_request(
            "invalid_parameter",
            "`limit` must be at least 1",
        )),
        Some(n) => Ok(n.min(state.config.max_page_size)),
        None => Ok(default),
    }
}

/// Largest JSON body the membership and user endpoints accept.
pub(crate) const MAX_BODY: usize = 64 * 1024;

/// The caller, who must be a user of an active organisation; 401 without credentials.
pub(crate) async fn member(state: &AppState, headers: &HeaderMap) -> Result<Identity, ApiError> {
    match auth::principal(state, headers).await? {
        Principal::User(me) => Ok(me),
        Principal::Anonymous => Err(ApiError::unauthorized()),
    }
}

/// The caller, who may also belong to an applicant organisation (see
/// [`auth::principal_any_standing`]).
pub(crate) async fn applicant_or_member(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Identity, ApiError> {
    match auth::principal_any_standing(state, headers).await? {
        Principal::User(me) => Ok(me),
        Principal::Anonymous => Err(ApiError::unauthorized()),
    }
}

/// A JSON body of type `T`: `application/json` (415 otherwise), at most [`MAX_BODY`] bytes
/// (413), syntactically JSON (400 `malformed_json`), and of the right shape — known fields,
/// known values — (422 `invalid_body`).
pub(crate) async fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Body,
) -> Result<T, ApiError> {
    json_body_limited(headers, body, MAX_BODY).await
}

/// [`json_body`] with another size limit.
pub(crate) async fn json_body_limited<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Body,
    max: usize,
) -> Result<T, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
        )
        .with_description("Send `Content-Type: application/json`."));
    }
    let bytes = axum::body::to_bytes(body, max).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "Request too large",
        )
        .with_description(format!("At most {max} bytes."))
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let description: String = e.to_string().chars().take(300).collect();
        match e.classify() {
            serde_json::error::Category::Data => {
                invalid("invalid_body", "Invalid body", description)
            }
            _ => ApiError::bad_request("malformed_json", "Malformed JSON")
                .with_description(description),
        }
    })
}

/// A field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub(crate) fn nullable<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A membership rule's refusal as an HTTP error; hidden things are 404 like missing ones.
pub(crate) fn refused(e: MembershipError) -> ApiError {
    let status = match e.kind() {
        ErrorKind::Hidden => return ApiError::not_found("Not found"),
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let title = e.to_string();
    ApiError::new(status, e.code(), title)
}

pub(crate) fn invalid(code: &'static str, title: &str, description: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, title).with_description(description)
}

pub(crate) fn nothing_to_change() -> ApiError {
    invalid(
        "empty_update",
        "Nothing to change",
        "Send at least one field to change.",
    )
}

/// An organisation id in a URL; anything else reads as an organisation that does not exist.
pub(crate) fn org_id(raw: &str) -> Result<OrgId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found("Organisation not found"))
}

/// An instant (µs since the epoch) as an RFC 3339 timestamp.
pub(crate) fn instant(micros: i64) -> String {
    Timestamp::from_unix_micros(micros).to_taxii_micros()
}

/// Hashes a new password (argon2id, off the async threads); a weak one is 422
/// `weak_password`.
pub(crate) async fn hash_password(state: &AppState, password: String) -> Result<String, ApiError> {
    renkei_accounts::check_password(&password)
        .map_err(|e| invalid("weak_password", "Password not accepted", e.to_string()))?;
    let mut salt = [0u8; 16];
    state.entropy.fill(&mut salt);
    tokio::task::spawn_blocking(move || renkei_accounts::hash_password(&password, &salt))
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            ApiError::internal()
        })
}

pub(crate) fn org_json(o: &Org) -> Value {
    json!({
        "id": o.id,
        "name": o.name,
        "kind": o.kind,
        "sector": o.sector,
        "tier": o.tier,
        "status": o.status,
    })
}

pub(crate) fn user_json(u: &renkei_model::account::User) -> Value {
    json!({
        "id": u.id,
        "org": u.org,
        "login": u.login,
        "display_name": u.display_name,
        "role": u.role,
        "clearance": u.clearance,
        "disabled": u.disabled,
    })
}
