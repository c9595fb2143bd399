//! Logging in and out, and the members' pages: dashboard, products (②–⑤ and the public ones),
//! each read through `products::readable`/`find` with the member's own identity.

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{Extensions, HeaderMap, StatusCode, Uri};
use axum::response::Response;
use maud::html;
use renkei_policy::{Path, Principal, ReadScope};
use renkei_store::SearchQuery;
use serde_json::json;

use super::layout::{kind_name, status_name, tlp_badge, when};
use super::portal::product_body;
use super::render::{
    checked_form, html_response, layout_page, member_page, or_error, page, redirect,
};
use super::session::{self, Ctx, SESSION_COOKIE, client_address};
use crate::products;
use crate::state::AppState;
use crate::web_visitor;

/// Where members' pages send a visitor without a session.
pub fn to_login(cx: &Ctx) -> Response {
    redirect(cx, "/login", &[])
}

fn login_page(cx: &Ctx, csrf: &str, status: StatusCode, problem: Option<&str>) -> Response {
    let body = html! {
        h1 { (cx.t("login.title")) }
        @if let Some(m) = problem { p.error role="alert" { (m) } }
        form.narrow method="post" action="/login" {
            input type="hidden" name="csrf" value=(csrf);
            label { (cx.t("login.login")) input name="login" autocomplete="username" required maxlength="200"; }
            label { (cx.t("login.password")) input name="password" type="password" autocomplete="current-password" required maxlength="1024"; }
            button type="submit" { (cx.t("login.submit")) }
        }
    };
    html_response(cx, status, layout_page(cx, csrf, cx.t("login.title"), body))
}

pub async fn login_form(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    if cx.me.is_some() {
        return redirect(&cx, "/dashboard", &[]);
    }
    login_page(&cx, &csrf, StatusCode::OK, None)
}

/// `POST /login`: checks the password like the API does, at most [`session::MAX_PER_LOGIN`]
/// failures per login and [`session::MAX_PER_ADDRESS`] per address in 15 minutes.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    ext: Extensions,
    body: Body,
) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let r = async {
        let f = checked_form(&state, &cx, body).await?;
        let login = f.get("login").map(|l| l.trim()).unwrap_or_default();
        let password = f.get("password").cloned().unwrap_or_default();
        let address = client_address(&ext);
        let now = state.clock.now_micros();
        if !state.logins.allows(login, &address, now) {
            return Ok(login_page(
                &cx,
                &csrf,
                StatusCode::TOO_MANY_REQUESTS,
                Some(cx.t("error.too_many_text")),
            ));
        }
        let checked = match crate::auth::by_password(&state, login, password).await {
            Ok(me) => crate::auth::check_standing(&me, false).map(|()| me),
            Err(e) => Err(e),
        };
        let me = match checked {
            Ok(me) => me,
            Err(e) if e.status.is_client_error() => {
                state.logins.failed(login, &address, now);
                return Ok(login_page(
                    &cx,
                    &csrf,
                    StatusCode::UNAUTHORIZED,
                    Some(cx.t("login.failed")),
                ));
            }
            Err(e) => return Err(e),
        };
        state.logins.succeeded(login);
        let value = session::start(&state, &me).await?;
        state
            .audit(
                Some(&me),
                crate::audit::action::SESSION_LOGIN,
                me.login.clone(),
                json!({ "address": address }),
            )
            .await?;
        let cookie = cx.cookie_value(SESSION_COOKIE, &value, None);
        Ok(redirect(&cx, "/dashboard", &[cookie]))
    }
    .await;
    or_error(&cx, &csrf, r)
}

/// `POST /logout`: ends the session (CSRF-checked, so another site cannot log a member out).
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let r = async {
        checked_form(&state, &cx, body).await?;
        if let Some(s) = &cx.session {
            state.store.delete_web_session(&s.id_hash).await?;
            state
                .audit(
                    cx.me.as_ref(),
                    crate::audit::action::SESSION_LOGOUT,
                    cx.me.as_ref().map(|m| m.login.clone()).unwrap_or_default(),
                    json!({}),
                )
                .await?;
        }
        let gone = cx.cookie_value(SESSION_COOKIE, "", Some(0));
        Ok(redirect(&cx, "/", &[gone]))
    }
    .await;
    or_error(&cx, &csrf, r)
}

pub async fn dashboard(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        let principal = Principal::User(me.clone());
        let unread = state.store.unread_notifications(me.user).await?;
        let watching = state.store.subscriptions(me.user).await?;
        let mut latest = products::readable(&state, &principal).await?;
        latest.truncate(5);
        let query = SearchQuery {
            tokens: Vec::new(),
            types: Vec::new(),
            sector: None,
            tlp: Vec::new(),
            category: None,
            added_from: None,
            added_until: None,
            before: None,
            limit: 10,
        };
        let mut rows = state
            .store
            .search(&ReadScope::of(&principal, Path::Raw), &query)
            .await?;
        rows.truncate(10);
        state.audit_reads(&principal, "web/dashboard", &rows).await?;
        let reciprocity = super::admin::reciprocity::own_line(&state, &me, cx).await?;
        let body = html! {
            h1 { (cx.t("dashboard.title")) }
            p.lead { (cx.t("dashboard.welcome")) " " strong { (me.login) } }
            (reciprocity)
            div.stats {
                div.stat { span.n #unread { (unread) } span { (cx.t("dashboard.unread")) } }
                div.stat { span.n { (watching.len()) } span { (cx.t("dashboard.watchlists")) } }
            }
            @if !watching.is_empty() {
                h2 { (cx.t("dashboard.watchlists")) }
                ul { @for w in &watching { li { (w.name) " " span.hint { "(" (w.watched) ")" } } } }
            }
            div.columns {
                section {
                    h2 { (cx.t("dashboard.products")) }
                    @if latest.is_empty() { p.empty { (cx.t("products.none")) } }
                    ul { @for p in &latest {
                        li { (tlp_badge(p.handling.tlp.as_str())) " " a href={ "/products/" (p.number.to_string()) } { (p.content.title) } }
                    } }
                    p { a href="/products" { (cx.t("dashboard.all_products")) } }
                }
                section {
                    h2 { (cx.t("dashboard.records")) }
                    @if rows.is_empty() { p.empty { (cx.t("records.none")) } }
                    ul { @for r in &rows {
                        li { (tlp_badge(r.tlp.as_str())) " " a href={ "/records/" (r.stix_id) } { (super::records::title_of(r)) } }
                    } }
                    p { a href="/records" { (cx.t("dashboard.all_records")) } }
                }
            }
        };
        Ok(page(cx, csrf, cx.t("dashboard.title"), body))
    })
    .await
}

pub async fn products(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        let list = products::readable(&state, &Principal::User(me)).await?;
        let body = html! {
            h1 { (cx.t("products.title")) }
            @if list.is_empty() { p.empty { (cx.t("products.none")) } }
            table {
                thead { tr {
                    th { (cx.t("products.number")) } th { (cx.t("products.kind")) }
                    th { (cx.t("products.name")) } th { "TLP" } th { (cx.t("products.status")) }
                    th { (cx.t("product.published")) }
                } }
                tbody { @for p in &list { tr {
                    td { (p.number.to_string()) }
                    td { (kind_name(cx, p.kind())) }
                    td { a href={ "/products/" (p.number.to_string()) } { (p.content.title) } }
                    td { (tlp_badge(p.handling.tlp.as_str())) }
                    td { (status_name(cx, p.status)) }
                    td { @if let Some(at) = p.published_at { (when(at)) } }
                } } }
            }
        };
        Ok(page(cx, csrf, cx.t("products.title"), body))
    })
    .await
}

pub async fn product(
    State(state): State<AppState>,
    UrlPath(number): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        let p = products::find(&state, &Principal::User(me), &number).await?;
        let body = html! {
            p.crumbs { a href="/products" { (cx.t("products.title")) } }
            h1 { (p.content.title) }
            p { span.badge { (kind_name(cx, p.kind())) } " " span.badge { (status_name(cx, p.status)) } }
            (product_body(cx, &p))
        };
        Ok(page(cx, csrf, &p.content.title, body))
    })
    .await
}
