//! Drafting (secretariat analysts): the desk listing the products and starting new ones, the
//! form for a new product of each kind or for a draft (`form`), and a bulletin drafted from a
//! period (`bulletin::create_draft`). A refused form comes back as it was typed.

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use maud::html;
use renkei_model::product::{ProductKind, parse_kind};
use renkei_model::stix::Timestamp;
use renkei_policy::{Identity, Principal};

use super::form::{Form, fields_of, form_page, parse};
use super::{Problem, analyst, analysts_product, field, product_path};
use crate::error::ApiError;
use crate::products::{self, bulletin};
use crate::state::AppState;
use crate::web::layout::{kind_name, status_name, tlp_badge, when};
use crate::web::members::to_login;
use crate::web::render::{
    checked_form, html_response, layout_page, member_page, or_error, redirect,
};
use crate::web::session::Ctx;
use crate::web_visitor;

const DAY_MICROS: i64 = 86_400_000_000;

/// `GET /secretariat/products`: every product, new ones by kind, a bulletin from a period.
pub async fn desk(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, _me| {
        let me = analyst(cx)?;
        desk_page(&state, cx, csrf, &me, &Form::new(), None, StatusCode::OK).await
    })
    .await
}

async fn desk_page(
    state: &AppState,
    cx: &Ctx,
    csrf: &str,
    me: &Identity,
    period: &Form,
    problem: Option<&Problem>,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let list = products::readable(state, &Principal::User(me.clone())).await?;
    let body = html! {
        h1 { (cx.t("publish.desk.title")) }
        p { a href="/secretariat/review" { (cx.t("publish.desk.to_review")) } }
        h2 { (cx.t("publish.desk.new")) }
        ul.kinds { @for k in ProductKind::ALL {
            li { a.button href={ "/secretariat/products/new?kind=" (k.as_str()) } { (kind_name(cx, *k)) } }
        } }
        h2 { (cx.t("publish.bulletin.title")) }
        p.hint { (cx.t("publish.bulletin.hint")) }
        @if let Some(p) = problem { (p.show()) }
        form.period method="post" action="/secretariat/products/bulletin" {
            input type="hidden" name="csrf" value=(csrf);
            label { (cx.t("publish.bulletin.from")) input type="date" name="from" value=(field(period, "from")); }
            label { (cx.t("publish.bulletin.until")) input type="date" name="until" value=(field(period, "until")); }
            button type="submit" { (cx.t("publish.bulletin.submit")) }
        }
        h2 { (cx.t("publish.desk.all")) }
        @if list.is_empty() { p.empty { (cx.t("products.none")) } }
        table {
            thead { tr {
                th { (cx.t("products.number")) } th { (cx.t("products.kind")) }
                th { (cx.t("products.name")) } th { (cx.t("publish.release.tlp")) }
                th { (cx.t("products.status")) } th { (cx.t("publish.updated")) }
            } }
            tbody { @for p in &list { tr {
                td { (p.number.to_string()) }
                td { (kind_name(cx, p.kind())) }
                td { a href=(product_path(p)) { (p.content.title) } }
                td { (tlp_badge(p.release.tlp.as_str())) }
                td { (status_name(cx, p.status)) }
                td { (when(p.updated_at)) }
            } } }
        }
    };
    let title = cx.t("publish.desk.title");
    Ok(html_response(
        cx,
        status,
        layout_page(cx, csrf, title, body),
    ))
}

/// `POST /secretariat/products/bulletin`: a bulletin draft from the period's data; without
/// dates, continuing from the last bulletin until now.
pub async fn bulletin(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let r = async {
        let me = analyst(&cx)?;
        let f = checked_form(&state, &cx, body).await?;
        let period = day(&cx, field(&f, "from"), 0)
            .and_then(|from| Ok((from, day(&cx, field(&f, "until"), DAY_MICROS)?)));
        let refused = match period {
            Ok((from, until)) => match bulletin::create_draft(&state, &me, from, until).await {
                Ok(p) => return Ok(redirect(&cx, &product_path(&p), &[])),
                Err(e) => Problem::of(&cx, &e).ok_or(e)?,
            },
            Err(p) => p,
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        desk_page(&state, &cx, &csrf, &me, &f, Some(&refused), status).await
    }
    .await;
    or_error(&cx, &csrf, r)
}

/// A date field (`YYYY-MM-DD`) as the instant starting that day plus `shift`, UTC; `None` when
/// left empty.
fn day(cx: &Ctx, text: &str, shift: i64) -> Result<Option<i64>, Problem> {
    if text.is_empty() {
        return Ok(None);
    }
    Timestamp::parse(&format!("{text}T00:00:00Z"))
        .map(|t| Some(t.unix_micros() + shift))
        .map_err(|_| Problem::new(cx.t("publish.err.date")))
}

/// `GET /secretariat/products/new?kind=…`.
pub async fn new_form(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    if cx.me.is_none() {
        return to_login(&cx);
    }
    let r = analyst(&cx).and_then(|_| {
        let kind = kind_asked(&uri)?;
        let mut f = Form::new();
        f.insert("to_members".into(), "1".into());
        Ok(form_page(&cx, &csrf, kind, None, &f, None, StatusCode::OK))
    });
    or_error(&cx, &csrf, r)
}

fn kind_asked(uri: &Uri) -> Result<ProductKind, ApiError> {
    uri.query()
        .and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "kind")
                .and_then(|(_, v)| parse_kind(&v).ok())
        })
        .ok_or_else(|| ApiError::not_found("Not found"))
}

/// `POST /secretariat/products`: a new draft.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let r = async {
        let me = analyst(&cx)?;
        let f = checked_form(&state, &cx, body).await?;
        let kind = parse_kind(field(&f, "kind"))
            .map_err(|e| ApiError::bad_request("invalid_product", e.to_string()))?;
        let refused = match parse(&cx, kind, &f, None) {
            Ok((content, release)) => {
                match products::create(&state, &me, kind, content, release).await {
                    Ok(p) => return Ok(redirect(&cx, &product_path(&p), &[])),
                    Err(e) => (Problem::of(&cx, &e).ok_or_else(|| e.clone())?, e.status),
                }
            }
            Err(p) => (p, StatusCode::UNPROCESSABLE_ENTITY),
        };
        Ok(form_page(
            &cx,
            &csrf,
            kind,
            None,
            &f,
            Some(&refused.0),
            refused.1,
        ))
    }
    .await;
    or_error(&cx, &csrf, r)
}

/// `GET /secretariat/products/{number}/edit`.
pub async fn edit_form(
    State(state): State<AppState>,
    UrlPath(number): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, _me| {
        let (_, p) = analysts_product(&state, cx, &number).await?;
        let f = fields_of(&p);
        Ok(form_page(
            cx,
            csrf,
            p.kind(),
            Some(&p),
            &f,
            None,
            StatusCode::OK,
        ))
    })
    .await
}

/// `POST /secretariat/products/{number}/edit`: replaces the draft's content and release.
pub async fn update(
    State(state): State<AppState>,
    UrlPath(number): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let r = async {
        let (me, p) = analysts_product(&state, &cx, &number).await?;
        let f = checked_form(&state, &cx, body).await?;
        let kind = p.kind();
        let refused = match parse(&cx, kind, &f, p.content.period.clone()) {
            Ok((content, release)) => {
                let shown = p.clone();
                match products::update(&state, &me, p, Some(content), Some(release)).await {
                    Ok(p) => return Ok(redirect(&cx, &product_path(&p), &[])),
                    Err(e) => (
                        Problem::of(&cx, &e).ok_or_else(|| e.clone())?,
                        e.status,
                        shown,
                    ),
                }
            }
            Err(problem) => (problem, StatusCode::UNPROCESSABLE_ENTITY, p),
        };
        let (problem, status, p) = refused;
        Ok(form_page(
            &cx,
            &csrf,
            kind,
            Some(&p),
            &f,
            Some(&problem),
            status,
        ))
    }
    .await;
    or_error(&cx, &csrf, r)
}
