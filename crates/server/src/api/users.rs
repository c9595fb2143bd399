//! Users and their API tokens (design §2, `docs/membership.md`): an organisation's
//! administrators manage its users within what they may grant; secretariat administrators
//! manage everyone; each user sees and changes their own profile and tokens. Every decision is
//! made by `renkei_membership`.
//!
//! Users of organisations the caller may not see are 404, like users that do not exist.

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use renkei_accounts::mint_token;
use renkei_membership::{
    MembershipError, UserEdit, check_manage_tokens, check_read_tokens, check_read_user,
    check_read_users, check_role_fits, check_user_edit, check_user_grant, text,
};
use renkei_model::account::{Role, User, check_login};
use renkei_model::handling::Classification;
use renkei_model::ids::{TokenId, UserId};
use renkei_store::{NewToken, NewUser, TokenRecord, TokenScope, UserUpdate};
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{
    hash_password, instant, invalid, json_body, member, nothing_to_change, nullable, org_id,
    refused, user_json,
};
use crate::audit::action;
use crate::error::ApiError;
use crate::state::AppState;

pub const PATHS: &[(&str, &str)] = &[
    ("get", "/orgs/{id}/users"),
    ("post", "/orgs/{id}/users"),
    ("get", "/users/{id}"),
    ("patch", "/users/{id}"),
    ("get", "/users/{id}/tokens"),
    ("post", "/users/{id}/tokens"),
    ("delete", "/tokens/{id}"),
];

/// The longest a token may live.
const MAX_TOKEN_DAYS: u32 = 3650;
const DAY_MICROS: i64 = 86_400 * 1_000_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs/{id}/users", get(list_users).post(create_user))
        .route("/users/{id}", get(show_user).patch(update_user))
        .route("/users/{id}/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
}

/// A user id in a URL; anything else reads as a user that does not exist.
fn user_id(raw: &str) -> Result<UserId, ApiError> {
    raw.parse().map_err(|_| not_found())
}

fn not_found() -> ApiError {
    ApiError::not_found("User not found")
}

/// The user `id`, if the caller may see them; 404 alike otherwise. Callers of their own
/// organisation who may not see them are refused later, by the check of what they ask.
async fn target(
    state: &AppState,
    me: &renkei_policy::Identity,
    id: UserId,
) -> Result<User, ApiError> {
    let user = state.store.user(id).await?.ok_or_else(not_found)?;
    match check_read_user(me, &user) {
        Err(MembershipError::Hidden) => Err(not_found()),
        _ => Ok(user),
    }
}

/// `GET /orgs/{id}/users`: for the organisation's administrators and the secretariat.
async fn list_users(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let me = member(&state, &headers).await?;
    let id = org_id(&id)?;
    check_read_users(&me, id).map_err(refused)?;
    if state.store.org(id).await?.is_none() {
        return Err(ApiError::not_found("Organisation not found"));
    }
    let users: Vec<Value> = state
        .store
        .list_users(Some(id))
        .await?
        .iter()
        .map(user_json)
        .collect();
    Ok(Json(json!({ "users": users })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUserBody {
    login: String,
    /// None: the user signs in with API tokens only.
    password: Option<String>,
    display_name: Option<String>,
    role: Role,
    clearance: Classification,
}

/// `POST /orgs/{id}/users`: a new user, with a role and clearance the caller may grant.
async fn create_user(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let me = member(&state, &headers).await?;
    let org_id = org_id(&id)?;
    let body: NewUserBody = json_body(&headers, body).await?;
    check_user_grant(&me, org_id, body.role, body.clearance).map_err(refused)?;
    let org = state
        .store
        .org(org_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Organisation not found"))?;
    check_role_fits(body.role, org.kind).map_err(refused)?;
    check_login(&body.login).map_err(|m| invalid("invalid_login", "Invalid login", m))?;
    if let Some(name) = &body.display_name {
        text::check_display_name(name).map_err(refused)?;
    }
    let password_hash = match body.password {
        Some(p) => Some(hash_password(&state, p).await?),
        None => None,
    };
    let user = state
        .store
        .create_user(&NewUser {
            id: UserId::from_uuid(state.entropy.uuid_v4()),
            org: org_id,
            login: body.login,
            display_name: body.display_name,
            password_hash,
            role: body.role,
            clearance: body.clearance,
            created_at: state.clock.now_micros(),
        })
        .await?;
    state
        .audit(
            Some(&me),
            action::USER_CREATE,
            user.id.to_string(),
            json!({ "login": user.login, "org": user.org, "role": user.role, "clearance": user.clearance }),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(user_json(&user))).into_response())
}

/// `GET /users/{id}`: the user themselves, their organisation's administrators, the
/// secretariat.
async fn show_user(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let me = member(&state, &headers).await?;
    let user = target(&state, &me, user_id(&id)?).await?;
    check_read_user(&me, &user).map_err(refused)?;
    let mut out = user_json(&user);
    out["email"] = state.store.user_email(user.id).await?.into();
    Ok(Json(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserPatch {
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    display_name: Option<Option<String>>,
    role: Option<Role>,
    clearance: Option<Classification>,
    disabled: Option<bool>,
    password: Option<String>,
    /// Where notification e-mail goes; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    email: Option<Option<String>>,
}

/// `PATCH /users/{id}`: users change their own display name and password; whoever manages
/// them also their role, clearance and whether they are disabled (which takes effect at once
/// for their password and every token).
async fn update_user(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let me = member(&state, &headers).await?;
    let user = target(&state, &me, user_id(&id)?).await?;
    let patch: UserPatch = json_body(&headers, body).await?;
    let touches_rights =
        patch.role.is_some() || patch.clearance.is_some() || patch.disabled.is_some();
    if !touches_rights
        && patch.display_name.is_none()
        && patch.password.is_none()
        && patch.email.is_none()
    {
        return Err(nothing_to_change());
    }
    let edit = if touches_rights {
        UserEdit::Rights {
            role: patch.role.unwrap_or(user.role),
            clearance: patch.clearance.unwrap_or(user.clearance),
        }
    } else {
        UserEdit::Profile
    };
    check_user_edit(&me, &user, edit).map_err(refused)?;
    if let Some(role) = patch.role {
        let org = state
            .store
            .org(user.org)
            .await?
            .ok_or_else(ApiError::internal)?;
        check_role_fits(role, org.kind).map_err(refused)?;
    }
    if let Some(Some(name)) = &patch.display_name {
        text::check_display_name(name).map_err(refused)?;
    }
    if let Some(Some(email)) = &patch.email
        && crate::notify::mail::parse_address(email).is_none()
    {
        return Err(invalid(
            "invalid_email",
            "Invalid e-mail address",
            "One address such as `name@example.jp`, without a display name.",
        ));
    }
    let password_hash = match patch.password {
        Some(p) => Some(hash_password(&state, p).await?),
        None => None,
    };
    let changed_password = password_hash.is_some();
    if let Some(email) = &patch.email {
        state
            .store
            .set_user_email(user.id, email.as_deref())
            .await?;
    }
    let updated = state
        .store
        .update_user(
            user.id,
            &UserUpdate {
                display_name: patch.display_name.clone(),
                role: patch.role,
                clearance: patch.clearance,
                disabled: patch.disabled,
                password_hash,
            },
        )
        .await?;
    state
        .audit(
            Some(&me),
            action::USER_UPDATE,
            user.id.to_string(),
            json!({
                "display_name": patch.display_name,
                "role": patch.role,
                "clearance": patch.clearance,
                "disabled": patch.disabled,
                "password_changed": changed_password,
                "email": patch.email,
            }),
        )
        .await?;
    let mut out = user_json(&updated);
    out["email"] = state.store.user_email(user.id).await?.into();
    Ok(Json(out))
}

fn token_json(t: &TokenRecord) -> Value {
    json!({
        "id": t.id,
        "user": t.user,
        "prefix": t.prefix,
        "label": t.label,
        "read_only": t.read_only,
        "scope": t.scope.as_str(),
        "created_at": instant(t.created_at),
        "expires_at": t.expires_at.map(instant),
        "revoked": t.revoked,
    })
}

/// `GET /users/{id}/tokens`: the user's tokens, newest first, without their secrets.
async fn list_tokens(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let me = member(&state, &headers).await?;
    let tokens: Vec<Value> = tokens_of(&state, &me, user_id(&id)?)
        .await?
        .iter()
        .map(token_json)
        .collect();
    Ok(Json(json!({ "tokens": tokens })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewTokenBody {
    pub label: Option<String>,
    #[serde(default)]
    pub read_only: bool,
    /// `api` (the default) or `feeds`: a token that can only pull `/feeds`.
    #[serde(default)]
    pub scope: Option<String>,
    pub expires_days: Option<u32>,
}

/// `POST /users/{id}/tokens`: a new API token, whose secret is in this response and nowhere
/// else ever again.
async fn create_token(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let me = member(&state, &headers).await?;
    let owner = target(&state, &me, user_id(&id)?).await?;
    check_manage_tokens(&me, &owner).map_err(refused)?;
    let body: NewTokenBody = json_body(&headers, body).await?;
    let (token, secret) = mint_for(&state, &me, owner.id, body).await?;
    let mut out = token_json(&token);
    out["token"] = secret.expose().into();
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// `DELETE /tokens/{id}`: revokes a token at once (204, also if it already was).
async fn revoke_token(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let me = member(&state, &headers).await?;
    revoke(&state, &me, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- shared with the web UI ---

/// `owner`'s tokens, newest first, if `me` may see them (404 alike otherwise).
pub(crate) async fn tokens_of(
    state: &AppState,
    me: &renkei_policy::Identity,
    owner: UserId,
) -> Result<Vec<TokenRecord>, ApiError> {
    let owner = target(state, me, owner).await?;
    check_read_tokens(me, &owner).map_err(refused)?;
    Ok(state.store.list_tokens(owner.id).await?)
}

/// A new token for `owner`, made by `me`: the stored record and the secret, which is shown
/// once and kept nowhere.
pub(crate) async fn mint_for(
    state: &AppState,
    me: &renkei_policy::Identity,
    owner: UserId,
    body: NewTokenBody,
) -> Result<(TokenRecord, renkei_accounts::Secret), ApiError> {
    let owner = target(state, me, owner).await?;
    check_manage_tokens(me, &owner).map_err(refused)?;
    if let Some(label) = &body.label {
        text::check_label(label).map_err(refused)?;
    }
    if body
        .expires_days
        .is_some_and(|d| !(1..=MAX_TOKEN_DAYS).contains(&d))
    {
        return Err(invalid(
            "invalid_expiry",
            "Invalid expiry",
            format!("`expires_days` must be between 1 and {MAX_TOKEN_DAYS}."),
        ));
    }
    let scope = match body.scope.as_deref() {
        None | Some("api") => TokenScope::Api,
        Some("feeds") => TokenScope::Feeds,
        Some(other) => {
            return Err(invalid(
                "invalid_scope",
                "Invalid token scope",
                format!("`scope` is `api` or `feeds`, not `{other}`."),
            ));
        }
    };
    let mut random = [0u8; 32];
    state.entropy.fill(&mut random);
    let minted = mint_token(random);
    let now = state.clock.now_micros();
    let token = state
        .store
        .create_token(&NewToken {
            id: TokenId::from_uuid(state.entropy.uuid_v4()),
            user: owner.id,
            prefix: minted.prefix.clone(),
            secret_sha256: minted.sha256,
            read_only: body.read_only || scope == TokenScope::Feeds,
            scope,
            label: body.label,
            created_at: now,
            expires_at: body.expires_days.map(|d| now + i64::from(d) * DAY_MICROS),
        })
        .await?;
    state
        .audit(
            Some(me),
            action::TOKEN_CREATE,
            token.id.to_string(),
            json!({ "user": owner.id, "prefix": token.prefix, "read_only": token.read_only, "expires_at": token.expires_at }),
        )
        .await?;
    Ok((token, minted.secret))
}

/// Revokes token `id` (a string from a URL) for `me`: at once, also if it already was.
pub(crate) async fn revoke(
    state: &AppState,
    me: &renkei_policy::Identity,
    id: &str,
) -> Result<(), ApiError> {
    let token_not_found = || ApiError::not_found("Token not found");
    let id: TokenId = id.parse().map_err(|_| token_not_found())?;
    let token = state.store.token(id).await?.ok_or_else(token_not_found)?;
    let owner = state
        .store
        .user(token.user)
        .await?
        .ok_or_else(token_not_found)?;
    match check_read_tokens(me, &owner) {
        Err(MembershipError::Hidden) => return Err(token_not_found()),
        r => r.map_err(refused)?,
    }
    check_manage_tokens(me, &owner).map_err(refused)?;
    let revoked = state.store.revoke_token(id).await?;
    state
        .audit(
            Some(me),
            action::TOKEN_REVOKE,
            id.to_string(),
            json!({ "user": owner.id, "already_revoked": !revoked }),
        )
        .await?;
    Ok(())
}
