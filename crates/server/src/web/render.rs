//! Turning pages into responses: HTML with the web UI's own CSP, cookies, redirects, error
//! pages, and reading form posts.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::layout;
use super::session::Ctx;
use crate::error::ApiError;

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
