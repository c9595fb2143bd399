//! The secretariat's administration pages (membership, reciprocity, the audit log) and the
//! members' own settings (notifications, notification settings, feed tokens).
//!
//! Every page calls the same functions as the REST API (`api::membership`, `api::reciprocity`,
//! `api::users`, `api::notifications`, `api::subscriptions`, `renkei_audit::verify`); nothing
//! here decides who may do what. Secretariat pages answer 404 to everyone else, like a page
//! that does not exist.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use renkei_policy::Identity;

use super::members::to_login;
use super::render::{form, or_error};
use super::session::Ctx;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web_visitor;

pub mod audit;
pub mod inbox;
pub mod membership;
pub mod reciprocity;
pub mod tokens;

/// A member's page: a visitor without a session goes to the login page; otherwise the page
/// `run` makes for the member, or its error as a page (titled in the visitor's language where
/// the catalogue has the error).
pub async fn member_page(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    run: impl AsyncFnOnce(&Ctx, &str, Identity) -> Result<Response, ApiError>,
) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let Some(me) = cx.me.clone() else {
        return to_login(&cx);
    };
    let r = run(&cx, &csrf, me).await;
    or_error(&cx, &csrf, r.map_err(|e| localised(&cx, e)))
}

/// A member's form post: [`member_page`] with the form, whose CSRF token is checked before
/// anything else (403 otherwise).
pub async fn member_post(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    body: Body,
    run: impl AsyncFnOnce(&Ctx, &str, Identity, HashMap<String, String>) -> Result<Response, ApiError>,
) -> Response {
    member_page(state, headers, uri, async |cx, csrf, me| {
        let f = form(body).await?;
        cx.check_csrf(state, f.get("csrf").map(String::as_str))?;
        run(cx, csrf, me, f).await
    })
    .await
}

/// The query string's parameters (the last value of a name wins).
pub fn query(uri: &Uri) -> HashMap<String, String> {
    form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// Secretariat pages are 404 to everyone else.
pub fn secretariat_only(me: &Identity) -> Result<(), ApiError> {
    if renkei_membership::is_secretariat(me) {
        Ok(())
    } else {
        Err(ApiError::not_found("Not found"))
    }
}

/// The API's refusal with its title in the visitor's language where the catalogue has one
/// (the API's English description stays as the detail).
pub fn localised(cx: &Ctx, mut e: ApiError) -> ApiError {
    let key = match e.code {
        "invalid_sector" => "admin.err_sector",
        "invalid_stix_type" => "admin.err_type",
        "invalid_watch_value" | "invalid_value_type" => "admin.err_value",
        "values_never_indexed" => "admin.err_never_indexed",
        "empty_subscription" => "admin.err_empty_subscription",
        "invalid_subscription_name" => "admin.err_subscription_name",
        "too_many_subscriptions" | "too_many_values" => "admin.err_too_many",
        "invalid_channel" => "admin.err_channel",
        "invalid_expiry" => "admin.err_expiry",
        "invalid_scope" => "admin.err_scope",
        "invalid_text" => "admin.err_text",
        "status_change_not_allowed" => "admin.err_status_change",
        "reason_required" => "admin.err_reason",
        "recommendations_missing" => "admin.err_recommendations",
        "nda_missing" | "nda_outdated" => "admin.err_nda",
        "not_permitted" | "cannot_write" => "admin.err_not_permitted",
        "invalid_parameter" => "admin.err_parameter",
        _ => return e,
    };
    e.title = cx.t(key).to_owned();
    e
}

/// The form field `name`, trimmed, if it is not empty.
pub fn given(f: &HashMap<String, String>, name: &str) -> Option<String> {
    f.get(name)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}
