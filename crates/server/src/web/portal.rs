//! The public portal (no login): published alerts (①, also as Atom/RSS), seminars with
//! registration (⑥), and the report form 通報・相談. Alerts are what
//! `products::readable(Principal::Anonymous)` gives: published, TLP:CLEAR, released to the
//! public. Seminars are those the visitor may read: the public ones, and for a logged-in
//! member also the members-only ones (registration then records the member).

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use maud::{Markup, html};
use renkei_model::product::{ProductKind, ProductStatus};
use renkei_policy::Principal;
use renkei_store::{Product, PublicReport};
use serde_json::json;

use super::layout::{tlp_badge, when, when_stix};
use super::render::{checked_form, or_error, page};
use super::session::Ctx;
use crate::error::ApiError;
use crate::products::{self, seminars};
use crate::state::AppState;
use crate::web_visitor;

/// The categories of the report form, as stored.
pub const REPORT_CATEGORIES: [&str; 5] = ["phishing", "fraud", "malware", "intrusion", "other"];
const REPORT_TEXT_CHARS: usize = 10_000;
const CONTACT_CHARS: usize = 200;

async fn public(state: &AppState, kind: ProductKind) -> Result<Vec<Product>, ApiError> {
    published(state, &Principal::Anonymous, kind).await
}

/// The published products of `kind` that `principal` may read.
async fn published(
    state: &AppState,
    principal: &Principal,
    kind: ProductKind,
) -> Result<Vec<Product>, ApiError> {
    Ok(products::readable(state, principal)
        .await?
        .into_iter()
        .filter(|p| p.kind() == kind && p.status == ProductStatus::Published)
        .collect())
}

fn alert_list(cx: &Ctx, alerts: &[Product]) -> Markup {
    html! {
        @if alerts.is_empty() { p.empty { (cx.t("alerts.none")) } }
        ul.cards {
            @for a in alerts {
                li {
                    (tlp_badge(a.handling.tlp.as_str()))
                    " "
                    a href={ "/alerts/" (a.number.to_string()) } { (a.content.title) }
                    @if let Some(at) = a.published_at { " " span.when { (when(at)) } }
                    p { (a.content.summary) }
                }
            }
        }
    }
}

fn feed_links(cx: &Ctx) -> Markup {
    html! {
        p.feeds {
            (cx.t("alerts.feeds")) " "
            a href="/public/alerts.atom" { "Atom" } " · "
            a href="/public/alerts.rss" { "RSS" }
        }
    }
}

pub async fn home(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let r = async {
        let mut alerts = public(&state, ProductKind::Alert).await?;
        alerts.truncate(10);
        let body = html! {
            section.hero {
                h1 { (cx.t("home.title")) }
                p { (cx.t("home.lead")) }
            }
            h2 { (cx.t("alerts.title")) }
            (feed_links(&cx))
            (alert_list(&cx, &alerts))
            div.columns {
                section {
                    h2 { (cx.t("nav.seminars")) }
                    p { a href="/seminars" { (cx.t("home.seminars")) } }
                }
                section {
                    h2 { (cx.t("nav.report")) }
                    p { a href="/report" { (cx.t("home.report")) } }
                }
            }
        };
        Ok(page(&cx, &csrf, cx.t("home.title"), body))
    }
    .await;
    or_error(&cx, &csrf, r)
}

pub async fn alerts(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let r = async {
        let alerts = public(&state, ProductKind::Alert).await?;
        let body = html! {
            h1 { (cx.t("alerts.title")) }
            (feed_links(&cx))
            (alert_list(&cx, &alerts))
        };
        Ok(page(&cx, &csrf, cx.t("alerts.title"), body))
    }
    .await;
    or_error(&cx, &csrf, r)
}

/// A published product of `kind` that `principal` may read, 404 for anything else.
async fn find_published(
    state: &AppState,
    principal: &Principal,
    number: &str,
    kind: ProductKind,
) -> Result<Product, ApiError> {
    let p = products::find(state, principal, number).await?;
    if p.kind() != kind || p.status != ProductStatus::Published {
        return Err(ApiError::not_found("Not found"));
    }
    Ok(p)
}

/// The body of a product, for the public and members alike.
pub fn product_body(cx: &Ctx, p: &Product) -> Markup {
    html! {
        p.meta {
            (tlp_badge(p.handling.tlp.as_str())) " "
            span.number { (p.number.to_string()) }
            @if let Some(s) = p.content.severity { " " span.badge { (cx.t("product.severity")) ": " (s.as_str()) } }
            @if let Some(at) = p.published_at { " " span.when { (cx.t("product.published")) " " (when(at)) } }
        }
        @if !p.content.summary.is_empty() { p.summary { (p.content.summary) } }
        @if !p.content.sectors.is_empty() {
            p { (cx.t("product.sectors")) ": "
                @for s in &p.content.sectors { span.badge { (s.as_str()) } " " } }
        }
        @if !p.content.body.is_empty() { div.text { @for para in p.content.body.split("\n\n") { p { (para) } } } }
        @if !p.content.recommended_actions.is_empty() {
            h2 { (cx.t("product.actions")) }
            ul { @for a in &p.content.recommended_actions { li { (a) } } }
        }
    }
}

pub async fn alert(
    State(state): State<AppState>,
    UrlPath(number): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let r = async {
        let p = find_published(&state, &Principal::Anonymous, &number, ProductKind::Alert).await?;
        let body = html! { h1 { (p.content.title) } (product_body(&cx, &p)) };
        Ok(page(&cx, &csrf, &p.content.title, body))
    }
    .await;
    or_error(&cx, &csrf, r)
}

pub async fn seminars(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let r = async {
        // Members also see (and register for) their members-only seminars.
        let list = published(&state, &cx.principal(), ProductKind::Seminar).await?;
        let body = html! {
            h1 { (cx.t("seminars.title")) }
            @if list.is_empty() { p.empty { (cx.t("seminars.none")) } }
            ul.cards {
                @for s in &list {
                    li {
                        a href={ "/seminars/" (s.number.to_string()) } { (s.content.title) }
                        @if let Some(d) = &s.content.seminar {
                            p { span.when { (when_stix(&d.starts_at)) } " · " (d.venue) }
                        }
                        p { (s.content.summary) }
                    }
                }
            }
        };
        Ok(page(&cx, &csrf, cx.t("seminars.title"), body))
    }
    .await;
    or_error(&cx, &csrf, r)
}

fn seminar_page(
    cx: &Ctx,
    csrf: &str,
    p: &Product,
    done: Option<&str>,
    problem: Option<&str>,
) -> Response {
    let body = html! {
        h1 { (p.content.title) }
        @if let Some(d) = &p.content.seminar {
            p { (cx.t("seminars.when")) ": " (when_stix(&d.starts_at)) " – " (when_stix(&d.ends_at)) }
            p { (cx.t("seminars.venue")) ": " (d.venue) }
        }
        (product_body(cx, p))
        @if let Some(tracking) = done {
            div.notice role="status" {
                p { (cx.t("seminars.registered")) }
                p.tracking { (cx.t("common.tracking")) ": " strong #tracking { (tracking) } }
            }
        } @else {
            h2 { (cx.t("seminars.register")) }
            @if let Some(m) = problem { p.error role="alert" { (m) } }
            form method="post" action={ "/seminars/" (p.number.to_string()) } {
                input type="hidden" name="csrf" value=(csrf);
                label { (cx.t("form.name")) input name="name" required maxlength="200"; }
                label { (cx.t("form.email")) input name="email" type="email" required maxlength="254"; }
                label { (cx.t("form.organisation")) input name="organisation" maxlength="200"; }
                button type="submit" { (cx.t("seminars.register")) }
            }
        }
    };
    page(cx, csrf, &p.content.title, body)
}

pub async fn seminar(
    State(state): State<AppState>,
    UrlPath(number): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let r = find_published(&state, &cx.principal(), &number, ProductKind::Seminar)
        .await
        .map(|p| seminar_page(&cx, &csrf, &p, None, None));
    or_error(&cx, &csrf, r)
}

pub async fn register(
    State(state): State<AppState>,
    UrlPath(number): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let r = async {
        let f = checked_form(&state, &cx, body).await?;
        let p = find_published(&state, &cx.principal(), &number, ProductKind::Seminar).await?;
        let field = |k: &str| f.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        let applicant = seminars::Applicant {
            name: field("name"),
            email: field("email"),
            organisation: Some(field("organisation")).filter(|o| !o.is_empty()),
        };
        match seminars::register(&state, &cx.principal(), &p, applicant).await {
            Ok(r) => Ok(seminar_page(&cx, &csrf, &p, Some(&r.tracking), None)),
            Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
                let mut res = seminar_page(&cx, &csrf, &p, None, Some(cx.t("seminars.invalid")));
                *res.status_mut() = e.status;
                Ok(res)
            }
            Err(e) => Err(e),
        }
    }
    .await;
    or_error(&cx, &csrf, r)
}

fn report_page(cx: &Ctx, csrf: &str, done: Option<&str>, problem: Option<&str>) -> Response {
    let body = html! {
        h1 { (cx.t("report.title")) }
        p { (cx.t("report.lead")) }
        @if let Some(tracking) = done {
            div.notice role="status" {
                p { (cx.t("report.received")) }
                p.tracking { (cx.t("common.tracking")) ": " strong #tracking { (tracking) } }
            }
        } @else {
            @if let Some(m) = problem { p.error role="alert" { (m) } }
            form method="post" action="/report" {
                input type="hidden" name="csrf" value=(csrf);
                label { (cx.t("report.category"))
                    select name="category" {
                        option value="phishing" { (cx.t("report.cat.phishing")) }
                        option value="fraud" { (cx.t("report.cat.fraud")) }
                        option value="malware" { (cx.t("report.cat.malware")) }
                        option value="intrusion" { (cx.t("report.cat.intrusion")) }
                        option value="other" { (cx.t("report.cat.other")) }
                    }
                }
                label { (cx.t("report.text")) textarea name="text" rows="8" required maxlength="10000" {} }
                label { (cx.t("report.contact")) input name="contact" maxlength="200"; }
                p.hint { (cx.t("report.privacy")) }
                button type="submit" { (cx.t("report.submit")) }
            }
        }
    };
    page(cx, csrf, cx.t("report.title"), body)
}

pub async fn report_form(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    report_page(&cx, &csrf, None, None)
}

/// `POST /report`: stores the report, audits it, and shows the tracking number.
pub async fn report(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let r = async {
        let f = checked_form(&state, &cx, body).await?;
        let category = f.get("category").map(String::as_str).unwrap_or_default();
        let text = f.get("text").map(|t| t.trim()).unwrap_or_default();
        let contact = f.get("contact").map(|c| c.trim()).filter(|c| !c.is_empty());
        let bad_text = |s: &str, max: usize| {
            s.chars().count() > max
                || s.chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        };
        if !REPORT_CATEGORIES.contains(&category)
            || text.is_empty()
            || bad_text(text, REPORT_TEXT_CHARS)
            || contact.is_some_and(|c| bad_text(c, CONTACT_CHARS) || c.contains('\n'))
        {
            let mut res = report_page(&cx, &csrf, None, Some(cx.t("report.invalid")));
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(res);
        }
        let code = state.entropy.uuid_v4().simple().to_string();
        let report = PublicReport {
            tracking: format!("R-{}", code.get(..12).unwrap_or(&code).to_uppercase()),
            category: category.to_owned(),
            text: text.to_owned(),
            contact: contact.map(str::to_owned),
            created_at: state.clock.now_micros(),
        };
        state.store.add_public_report(&report).await?;
        // The text is not copied into the log: it may hold personal data; the tracking
        // number leads to it.
        state
            .audit(
                cx.me.as_ref(),
                crate::audit::action::PUBLIC_REPORT_SUBMIT,
                report.tracking.clone(),
                json!({ "category": report.category }),
            )
            .await?;
        Ok(report_page(&cx, &csrf, Some(&report.tracking), None))
    }
    .await;
    or_error(&cx, &csrf, r)
}
