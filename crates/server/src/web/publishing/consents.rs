//! Consent requests for providers (対外的な発表の可否): a member whose records a product
//! cites, in a release that widens their reach, sees the requests addressed to its
//! organisation — exactly those `GET /api/v1/consents` lists (`products::consents_to`: a
//! product classified above the member's clearance is left out) — and answers yes or no with a
//! comment (`products::answer_consent`).

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use maud::html;
use renkei_model::handling::Use;
use renkei_model::product::{ConsentState, ProductStatus};
use renkei_policy::Identity;

use super::review::consent_state;
use super::{Problem, field};
use crate::error::ApiError;
use crate::products::{self, audience_labels};
use crate::state::AppState;
use crate::web::layout::{badge, kind_name, tlp_badge, when};
use crate::web::members::to_login;
use crate::web::render::{
    checked_form, html_response, layout_page, member_page, or_error, redirect,
};
use crate::web::session::Ctx;
use crate::web_visitor;

/// `GET /consents`.
pub async fn list(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let Some(me) = cx.me.clone() else {
        return to_login(&cx);
    };
    let r = consents_page(&state, &cx, &csrf, &me, None, StatusCode::OK).await;
    or_error(&cx, &csrf, r)
}

async fn consents_page(
    state: &AppState,
    cx: &Ctx,
    csrf: &str,
    me: &Identity,
    problem: Option<(i64, &Problem)>,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let requests = products::consents_to(state, me).await?;
    let body = html! {
        h1 { (cx.t("publish.consents.title")) }
        p.lead { (cx.t("publish.consents.lead")) }
        @if requests.is_empty() { p.empty { (cx.t("publish.consents.none")) } }
        @for (c, p) in &requests {
            section.consent id={ "consent-" (c.id) } {
                h2 {
                    (tlp_badge(p.release.tlp.as_str())) " "
                    span.number { (p.number.to_string()) } " " (p.content.title)
                }
                dl {
                    dt { (cx.t("products.kind")) } dd { (kind_name(cx, p.kind())) }
                    dt { (cx.t("publish.consents.record")) } dd { a href={ "/records/" (c.record) } { code { (c.record) } } }
                    dt { (cx.t("publish.release.audience")) } dd {
                        @for a in audience_labels(&p.release) { (badge(&a)) " " }
                        @if p.release.uses.contains(Use::Publication) { (badge(cx.t("publish.release.public"))) }
                    }
                    dt { (cx.t("publish.consents.asked_at")) } dd { (when(c.asked_at)) }
                    dt { (cx.t("products.status")) } dd.state { (consent_state(cx, c.state)) }
                    @if let Some(at) = c.answered_at { dt { (cx.t("publish.consents.answered")) } dd { (when(at)) } }
                    @if let Some(m) = &c.comment { dt { (cx.t("publish.consents.comment")) } dd.text { (m) } }
                }
                @if let Some((id, problem)) = problem { @if id == c.id { (problem.show()) } }
                @if c.state == ConsentState::Requested && p.status == ProductStatus::InReview {
                    form.consent method="post" action={ "/consents/" (c.id) } {
                        input type="hidden" name="csrf" value=(csrf);
                        label { (cx.t("publish.consents.comment")) textarea name="comment" rows="2" maxlength="2000" {} }
                        button type="submit" name="answer" value="given" { (cx.t("publish.consents.give")) }
                        " "
                        button.refuse type="submit" name="answer" value="refused" { (cx.t("publish.consents.refuse")) }
                    }
                }
            }
        }
    };
    let title = cx.t("publish.consents.title");
    Ok(html_response(
        cx,
        status,
        layout_page(cx, csrf, title, body),
    ))
}

/// `POST /consents/{id}`: the provider's answer; back to the list.
pub async fn answer(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        let f = checked_form(&state, cx, body).await?;
        let id: i64 = id
            .parse()
            .map_err(|_| ApiError::not_found("Consent request not found"))?;
        let given = match field(&f, "answer") {
            "given" => true,
            "refused" => false,
            _ => {
                let problem = Problem::new(cx.t("publish.err.answer"));
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return consents_page(&state, cx, csrf, &me, Some((id, &problem)), status).await;
            }
        };
        let comment = Some(field(&f, "comment").replace("\r\n", "\n")).filter(|c| !c.is_empty());
        let answered = match products::check_note("comment", comment.as_deref().unwrap_or("")) {
            Ok(()) => products::answer_consent(&state, &me, id, given, comment).await,
            Err(e) => Err(e),
        };
        match answered {
            Ok(_) => Ok(redirect(cx, &format!("/consents#consent-{id}"), &[])),
            Err(e) => {
                let problem = Problem::of(cx, &e).ok_or_else(|| e.clone())?;
                consents_page(&state, cx, csrf, &me, Some((id, &problem)), e.status).await
            }
        }
    })
    .await
}
