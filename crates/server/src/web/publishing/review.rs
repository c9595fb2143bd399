//! Review and approval (secretariat analysts): the queue of products in review, a product as
//! the secretariat follows it through the process (release, author and approver, cited
//! records, consents asked and answered) with the step its status allows, and the steps
//! themselves — each a CSRF-checked POST that lands back on the product.

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use maud::{Markup, html};
use renkei_model::handling::Use;
use renkei_model::product::{ConsentState, ProductKind, ProductStatus};
use renkei_policy::{Identity, Principal};
use renkei_store::{ConsentRequest, Product};

use super::{Names, Problem, analyst, analysts_product, field, product_path};
use crate::error::ApiError;
use crate::products::{self, audience_labels};
use crate::state::AppState;
use crate::web::layout::{badge, kind_name, status_name, tlp_badge, when};
use crate::web::portal::product_body;
use crate::web::render::{
    checked_form, html_response, layout_page, member_page, or_error, page, redirect,
};
use crate::web::session::Ctx;
use crate::web_visitor;

/// How many consents were asked, given and refused.
fn consent_counts(requests: &[ConsentRequest]) -> (usize, usize, usize) {
    let count = |s: ConsentState| requests.iter().filter(|c| c.state == s).count();
    (
        requests.len(),
        count(ConsentState::Given),
        count(ConsentState::Refused),
    )
}

/// `GET /secretariat/review`: the products waiting for sign-off, oldest submission first.
pub async fn queue(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, _me| {
        let me = analyst(cx)?;
        let mut waiting: Vec<Product> = products::readable(&state, &Principal::User(me))
            .await?
            .into_iter()
            .filter(|p| p.status == ProductStatus::InReview)
            .collect();
        waiting.sort_by_key(|p| p.updated_at);
        let mut names = Names::default();
        let mut rows = Vec::with_capacity(waiting.len());
        for p in &waiting {
            let author = names.user(&state, p.author).await?;
            let counts = consent_counts(&state.store.consent_requests(p.id).await?);
            rows.push((p, author, counts));
        }
        let body = html! {
            h1 { (cx.t("publish.review.title")) }
            p { a href="/secretariat/products" { (cx.t("publish.desk.title")) } }
            @if rows.is_empty() { p.empty { (cx.t("publish.review.none")) } }
            table.review {
                thead { tr {
                    th { (cx.t("products.number")) } th { (cx.t("products.kind")) }
                    th { (cx.t("products.name")) } th { (cx.t("publish.release.tlp")) }
                    th { (cx.t("publish.author")) } th { (cx.t("publish.review.submitted")) }
                    th { (cx.t("publish.consents.title")) }
                } }
                tbody { @for (p, author, (asked, given, refused)) in &rows { tr {
                    td { (p.number.to_string()) }
                    td { (kind_name(cx, p.kind())) }
                    td { a href=(product_path(p)) { (p.content.title) } }
                    td { (tlp_badge(p.release.tlp.as_str())) }
                    td { (author) }
                    td { (when(p.updated_at)) }
                    td {
                        (cx.t("publish.consents.asked")) " " (asked) " · "
                        (cx.t("publish.consents.given")) " " (given) " · "
                        (cx.t("publish.consents.refused")) " " (refused)
                    }
                } } }
            }
        };
        Ok(page(cx, csrf, cx.t("publish.review.title"), body))
    })
    .await
}

/// `GET /secretariat/products/{number}`.
pub async fn product(
    State(state): State<AppState>,
    UrlPath(number): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, _me| {
        let (_, p) = analysts_product(&state, cx, &number).await?;
        product_page(&state, cx, csrf, &p, None, StatusCode::OK).await
    })
    .await
}

async fn product_page(
    state: &AppState,
    cx: &Ctx,
    csrf: &str,
    p: &Product,
    problem: Option<&Problem>,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let mut names = Names::default();
    let author = names.user(state, p.author).await?;
    let approver = match p.approver {
        Some(a) => Some(names.user(state, a).await?),
        None => None,
    };
    let mut consents = Vec::new();
    for c in state.store.consent_requests(p.id).await? {
        let provider = names.org(state, c.provider).await?;
        consents.push((c, provider));
    }
    let public = p.release.uses.contains(Use::Publication);
    let body = html! {
        p.crumbs {
            a href="/secretariat/products" { (cx.t("publish.desk.title")) } " · "
            a href="/secretariat/review" { (cx.t("publish.review.title")) }
        }
        h1 { (p.content.title) }
        p { (badge(kind_name(cx, p.kind()))) " " span.badge #status { (status_name(cx, p.status)) } }
        @if let Some(problem) = problem { (problem.show()) }
        (steps(cx, csrf, p))
        dl {
            dt { (cx.t("products.number")) } dd { (p.number.to_string()) }
            dt { (cx.t("publish.author")) } dd { (author) }
            @if let Some(a) = &approver { dt { (cx.t("publish.approver")) } dd { (a) } }
            dt { (cx.t("publish.updated")) } dd { (when(p.updated_at)) }
            dt { (cx.t("publish.release.tlp")) } dd { (tlp_badge(p.release.tlp.as_str())) }
            dt { (cx.t("publish.release.audience")) } dd {
                @for a in audience_labels(&p.release) { (badge(&a)) " " }
            }
            dt { (cx.t("publish.release.classification")) } dd { (p.release.classification.level()) }
            dt { (cx.t("publish.release.public")) } dd {
                @if public { (cx.t("publish.yes")) } @else { (cx.t("publish.no")) }
                @if public && p.status == ProductStatus::Published && p.kind() == ProductKind::Alert {
                    " " a href={ "/alerts/" (p.number.to_string()) } { (cx.t("publish.public_page")) }
                }
            }
        }
        (product_body(cx, p))
        @if !p.content.cites.is_empty() {
            h2 { (cx.t("publish.form.cites")) }
            ul { @for id in &p.content.cites { li { a href={ "/records/" (id) } { code { (id) } } } } }
        }
        h2 { (cx.t("publish.consents.title")) }
        @if consents.is_empty() { p.empty { (cx.t("publish.consents.none_asked")) } }
        @else { table {
            thead { tr {
                th { (cx.t("publish.consents.record")) } th { (cx.t("publish.consents.provider")) }
                th { (cx.t("products.status")) } th { (cx.t("publish.consents.answered")) }
                th { (cx.t("publish.consents.comment")) }
            } }
            tbody { @for (c, provider) in &consents { tr {
                td { code { (c.record) } }
                td { (provider) }
                td { (consent_state(cx, c.state)) }
                td { @if let Some(at) = c.answered_at { (when(at)) } }
                td.text { @if let Some(m) = &c.comment { (m) } }
            } } }
        } }
    };
    let title = p.content.title.as_str();
    Ok(html_response(
        cx,
        status,
        layout_page(cx, csrf, title, body),
    ))
}

pub fn consent_state(cx: &Ctx, s: ConsentState) -> &'static str {
    match s {
        ConsentState::Requested => cx.t("publish.consents.requested"),
        ConsentState::Given => cx.t("publish.consents.given"),
        ConsentState::Refused => cx.t("publish.consents.refused"),
    }
}

/// The steps the product's status allows, each a form posting to the step's path.
fn steps(cx: &Ctx, csrf: &str, p: &Product) -> Markup {
    let path = product_path(p);
    let step_form = |step: &str, label: &str, reason: bool| {
        html! {
            form.step method="post" action={ (path) "/" (step) } {
                input type="hidden" name="csrf" value=(csrf);
                @if reason {
                    label { (cx.t("publish.reason")) input name="reason" maxlength="2000"; }
                }
                button type="submit" name="step" value=(step) { (label) }
            }
        }
    };
    html! {
        div.steps {
            @match p.status {
                ProductStatus::Draft => {
                    p { a href={ (path) "/edit" } { (cx.t("publish.step.edit")) } }
                    (step_form("submit", cx.t("publish.step.submit"), false))
                }
                ProductStatus::InReview => {
                    (step_form("approve", cx.t("publish.step.approve"), false))
                    (step_form("return", cx.t("publish.step.return"), true))
                }
                ProductStatus::Published => {
                    (step_form("withdraw", cx.t("publish.step.withdraw"), true))
                }
                ProductStatus::Withdrawn => {}
            }
        }
    }
}

/// `POST /secretariat/products/{number}/{step}`: submit, approve, return or withdraw. Lands
/// back on the product; a refusal of the process is shown there, the product unchanged.
pub async fn step(
    State(state): State<AppState>,
    UrlPath((number, step)): UrlPath<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let r = async {
        let (me, p) = analysts_product(&state, &cx, &number).await?;
        let f = checked_form(&state, &cx, body).await?;
        let shown = p.clone();
        match take(&state, &me, p, &step, field(&f, "reason")).await {
            Ok(p) => Ok(redirect(&cx, &product_path(&p), &[])),
            Err(e) => {
                let problem = Problem::of(&cx, &e).ok_or_else(|| e.clone())?;
                product_page(&state, &cx, &csrf, &shown, Some(&problem), e.status).await
            }
        }
    }
    .await;
    or_error(&cx, &csrf, r)
}

async fn take(
    state: &AppState,
    me: &Identity,
    p: Product,
    step: &str,
    reason: &str,
) -> Result<Product, ApiError> {
    match step {
        "submit" => Ok(products::submit(state, me, p).await?.0),
        "approve" => products::approve(state, me, p).await,
        "return" => {
            products::check_note("reason", reason)?;
            products::return_to_draft(state, me, p, reason).await
        }
        "withdraw" => {
            products::check_note("reason", reason)?;
            products::withdraw(state, me, p, reason).await
        }
        _ => Err(ApiError::not_found("Not found")),
    }
}
