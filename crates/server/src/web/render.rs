//! Turning pages into responses: HTML with the web UI's own CSP, cookies, redirects, error
//! pages; reading form posts (CSRF-checked) and query strings; the frame of a member's page.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::layout;
use renkei_policy::Identity;

use super::session::Ctx;
use crate::error::ApiError;
use crate::state::AppState;

/// No scripts at all, styles from this origin only, forms post back here only.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Largest form body accepted (a report's text is the longest field).
const FORM_BYTES: usize = 64 * 1024;

/// `markup` as the response, with the visitor's cookies and the CSP.
pub fn html_response(cx: &Ctx, status: StatusCode, markup: Markup) -> Response {
    let mut r = (status, markup.into_string()).into_response();
    let h = r.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    for c in cx.cookies() {
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.append(SET_COOKIE, v);
        }
    }
    r
}

/// A full page.
pub fn page(cx: &Ctx, csrf: &str, title: &str, body: Markup) -> Response {
    html_response(cx, StatusCode::OK, layout::layout(cx, csrf, title, body))
}

/// A full page's markup, for a response with another status.
pub fn layout_page(cx: &Ctx, csrf: &str, title: &str, body: Markup) -> Markup {
    layout::layout(cx, csrf, title, body)
}

/// `303 See Other` to `to`, with extra cookies.
pub fn redirect(cx: &Ctx, to: &str, extra: &[String]) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(to) {
        h.insert(LOCATION, v);
    }
    for c in cx.cookies().iter().chain(extra) {
        if let Ok(v) = HeaderValue::from_str(c) {
            h.append(SET_COOKIE, v);
        }
    }
    r
}

/// An error as a page in the visitor's language; the status is the error's (a record the
/// policy denies is a 404 like one that does not exist).
pub fn error_page(cx: &Ctx, csrf: &str, e: &ApiError) -> Response {
    let (title, text) = match e.status {
        StatusCode::NOT_FOUND => (cx.t("error.not_found"), cx.t("error.not_found_text")),
        StatusCode::FORBIDDEN => (cx.t("error.forbidden"), e.title.as_str()),
        StatusCode::TOO_MANY_REQUESTS => (cx.t("error.too_many"), cx.t("error.too_many_text")),
        s if s.is_client_error() => (cx.t("error.invalid"), e.title.as_str()),
        _ => (cx.t("error.internal"), cx.t("error.internal_text")),
    };
    let body = html! {
        h1 { (title) }
        p.error { (text) }
        @if let Some(d) = &e.description { @if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND { p { (d) } } }
        p { a href="/" { (cx.t("nav.home")) } }
    };
    html_response(cx, e.status, layout::layout(cx, csrf, title, body))
}

/// The fields of an `application/x-www-form-urlencoded` body (the last value of a name wins).
pub async fn form(body: Body) -> Result<HashMap<String, String>, ApiError> {
    let bytes = axum::body::to_bytes(body, FORM_BYTES)
        .await
        .map_err(|_| ApiError::bad_request("form_too_large", "The form is too large"))?;
    Ok(form_urlencoded::parse(&bytes).into_owned().collect())
}

/// A posted form whose CSRF token is this visitor's (403 otherwise, and nothing changes).
pub async fn checked_form(
    state: &AppState,
    cx: &Ctx,
    body: Body,
) -> Result<HashMap<String, String>, ApiError> {
    let f = form(body).await?;
    cx.check_csrf(state, f.get("csrf").map(String::as_str))?;
    Ok(f)
}

/// The query string's parameters (the last value of a name wins).
pub fn query(uri: &Uri) -> HashMap<String, String> {
    form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// The form field `name`, trimmed, if it is not empty.
pub fn given(f: &HashMap<String, String>, name: &str) -> Option<String> {
    f.get(name)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A member's page: a visitor without a session goes to the login page; otherwise the page
/// `run` makes for the member, or its error as a page (titled in the visitor's language where
/// the catalogue has the error).
pub async fn member_page(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    run: impl AsyncFnOnce(&Ctx, &str, Identity) -> Result<Response, ApiError>,
) -> Response {
    let (cx, csrf) = crate::web_visitor!(state, headers, uri);
    let Some(me) = cx.me.clone() else {
        return redirect(&cx, "/login", &[]);
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
        let f = checked_form(state, cx, body).await?;
        run(cx, csrf, me, f).await
    })
    .await
}

/// The API's refusal with its title in the visitor's language where the catalogue has one
/// (`error.api_*` in the common area; the API's English description stays as the detail).
pub fn localised(cx: &Ctx, mut e: ApiError) -> ApiError {
    let key = match e.code {
        "invalid_sector" => "error.api_sector",
        "invalid_stix_type" => "error.api_type",
        "invalid_watch_value" | "invalid_value_type" => "error.api_value",
        "values_never_indexed" => "error.api_never_indexed",
        "empty_subscription" => "error.api_empty_subscription",
        "invalid_subscription_name" => "error.api_subscription_name",
        "too_many_subscriptions" | "too_many_values" => "error.api_too_many",
        "invalid_channel" => "error.api_channel",
        "invalid_expiry" => "error.api_expiry",
        "invalid_scope" => "error.api_scope",
        "invalid_text" => "error.api_text",
        "status_change_not_allowed" => "error.api_status_change",
        "reason_required" => "error.api_reason",
        "recommendations_missing" => "error.api_recommendations",
        "nda_missing" | "nda_outdated" => "error.api_nda",
        "not_permitted" | "cannot_write" => "error.api_not_permitted",
        "invalid_parameter" => "error.api_parameter",
        _ => return e,
    };
    e.title = cx.t(key).to_owned();
    e
}

/// The visitor and the token for this page's forms, or the response for a failure to read
/// them (a store error).
#[macro_export]
#[doc(hidden)]
macro_rules! web_visitor {
    ($state:expr, $headers:expr, $uri:expr) => {
        match $crate::web::session::Ctx::load(&$state, &$headers, &$uri).await {
            Ok(cx) => {
                let csrf = cx.csrf(&$state);
                (cx, csrf)
            }
            Err(e) => return axum::response::IntoResponse::into_response(e),
        }
    };
}

/// The page, or the error as a page.
pub fn or_error(cx: &Ctx, csrf: &str, r: Result<Response, ApiError>) -> Response {
    r.unwrap_or_else(|e| error_page(cx, csrf, &e))
}
