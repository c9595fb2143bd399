//! The web UI (issue 6, first slice): server-rendered HTML pages in Japanese with an English
//! switch, for the public (alerts, seminars, 通報・相談), members (dashboard, products,
//! records) and the secretariat (reports from the public).
//!
//! It lives in the server crate because every page reads through the same functions as the
//! REST API (`products::{readable, find}`, the store with `ReadScope`), which need `AppState`;
//! a separate crate would depend on this one and could not be mounted by `app()`.
//!
//! Nothing here decides visibility: records come from the store under
//! `ReadScope::of(principal, Path::Raw)`, products from `products::readable`/`find`.
//! Templates are `maud`, which escapes every interpolated value; no user data is ever
//! concatenated into HTML. Security (sessions, CSRF, rate limiting, headers) is in
//! [`session`] and [`render`].

use axum::Router;
use axum::extract::State;
use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::state::AppState;

mod admin;
mod charts;
mod graph;
pub mod i18n;
mod layout;
mod lookup;
mod members;
mod portal;
mod publishing;
mod records;
mod related;
pub mod render;
mod secretariat;
pub mod session;
mod submit;
mod svg;

pub use session::LoginLimiter;

/// The one stylesheet; CSP allows styles from this origin only, and no scripts at all.
const CSS: &str = include_str!("static/renkei.css");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(portal::home))
        .route("/alerts", get(portal::alerts))
        .route("/alerts/{number}", get(portal::alert))
        .route("/seminars", get(portal::seminars))
        .route(
            "/seminars/{number}",
            get(portal::seminar).post(portal::register),
        )
        .route("/report", get(portal::report_form).post(portal::report))
        .route("/login", get(members::login_form).post(members::login))
        .route("/logout", post(members::logout))
        .route("/dashboard", get(members::dashboard))
        .route("/products", get(members::products))
        .route("/products/{number}", get(members::product))
        .route("/records", get(records::list))
        .route("/records/{id}", get(records::detail))
        .route("/records/{id}/graph", get(graph::graph))
        .route("/overview", get(charts::overview))
        .route("/secretariat/reports", get(secretariat::reports))
        .route("/static/renkei.css", get(css))
        .route("/membership", get(admin::membership::list))
        .route("/membership/{id}", get(admin::membership::show))
        .route(
            "/membership/{id}/status",
            post(admin::membership::change_status),
        )
        .route(
            "/secretariat/reciprocity",
            get(admin::reciprocity::overview),
        )
        .route("/secretariat/audit", get(admin::audit::log))
        .route("/secretariat/audit/verify", post(admin::audit::verify))
        .route(
            "/tokens",
            get(admin::tokens::page_of_tokens).post(admin::tokens::create),
        )
        .route("/tokens/{id}/revoke", post(admin::tokens::revoke))
        .route("/notifications", get(admin::inbox::inbox))
        .route("/notifications/{id}/read", post(admin::inbox::mark_read))
        .route(
            "/settings/notifications",
            get(admin::inbox::settings).post(admin::inbox::subscribe),
        )
        .route(
            "/settings/notifications/{id}/delete",
            post(admin::inbox::unsubscribe),
        )
        .merge(publishing::router())
        .route("/records/{id}/sightings", post(related::report_sighting))
        .route("/submit", get(submit::index))
        .route(
            "/submit/text",
            get(submit::text_form).post(submit::text_submit),
        )
        .route(
            "/submit/{kind}",
            get(submit::type_form).post(submit::type_submit),
        )
        .route("/lookup", get(lookup::form).post(lookup::bulk))
}

/// Paths nothing else answers: a page for browsers (which ask for `text/html`), the API's JSON
/// error for everyone else.
pub async fn not_found(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let wants_html = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let e = crate::error::ApiError::not_found("Not found");
    if !wants_html {
        return e.into_response();
    }
    let (cx, csrf) = crate::web_visitor!(state, headers, uri);
    render::error_page(&cx, &csrf, &e)
}

async fn css() -> Response {
    let mut r = CSS.into_response();
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}
