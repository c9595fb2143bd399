//! Submission forms (`/submit`): indicators pasted as free text — extracted exactly as
//! `POST /api/v1/text` extracts them, shown first as a preview the member confirms — and one
//! form per Renkei record type (`types`). Every form takes an explicit handling (`form`), is
//! CSRF-checked, and stores through the ingest path the REST API uses
//! (`api::records::submit_objects`); the member then lands on the new record's page.
//! Read-only members and readers get the API's refusal (403) as a page.

pub(super) mod form;
mod kinds;
mod types;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use bytes::Bytes;
use maud::html;
use renkei_ingest::{Arrival, Container, Fate};
use renkei_model::handling::Handling;
use renkei_model::ids::SubmissionId;
use renkei_observables::extract;
use renkei_policy::Identity;

pub use types::{type_form, type_submit};

use self::form::{Posted, Problem};
use super::render::{html_response, layout_page, or_error, page, redirect};
use super::session::Ctx;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web_visitor;

/// Longest pasted text: a report or a long SMS thread, not a data dump (the API takes files).
pub const MAX_TEXT: usize = 64 * 1024;
/// Largest form body read: the text, percent-encoded (up to 9 bytes per Japanese character),
/// and the handling; a text over [`MAX_TEXT`] within it is refused with what was typed kept.
const MAX_BODY: usize = 16 * MAX_TEXT;

/// The member, who must be allowed to submit (the API's `cannot_write` refusal otherwise).
pub(super) fn submitter(cx: &Ctx) -> Result<Option<Identity>, ApiError> {
    match &cx.me {
        None => Ok(None),
        Some(me) => crate::api::records::may_submit(me).map(|()| Some(me.clone())),
    }
}

/// Answers for a visitor without a session (to the login page) or without the right to
/// submit (403 page); otherwise runs `f` with the member.
macro_rules! submitter_or_answer {
    ($cx:expr, $csrf:expr) => {
        match $crate::web::submit::submitter(&$cx) {
            Ok(Some(me)) => me,
            Ok(None) => return $crate::web::members::to_login(&$cx),
            Err(e) => return $crate::web::render::error_page(&$cx, &$csrf, &e),
        }
    };
}
pub(super) use submitter_or_answer;

/// `GET /submit`: what can be submitted.
pub async fn index(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let _me = submitter_or_answer!(cx, csrf);
    let body = html! {
        h1 { (cx.t("submit.title")) }
        p.lead { (cx.t("submit.lead")) }
        ul.kinds {
            li { a href="/submit/text" { (cx.t("submit.text_title")) } " — " (cx.t("submit.text_lead")) }
            @for k in kinds::KINDS {
                li { a href={ "/submit/" (k.slug) } { (super::i18n::t(cx.lang, k.title)) } }
            }
        }
    };
    page(&cx, &csrf, cx.t("submit.title"), body)
}

fn text_page(
    cx: &Ctx,
    csrf: &str,
    me: &Identity,
    status: StatusCode,
    f: &Posted,
    problems: &[Problem],
) -> Response {
    let body = html! {
        p.crumbs { a href="/submit" { (cx.t("submit.title")) } }
        h1 { (cx.t("submit.text_title")) }
        p.lead { (cx.t("submit.text_lead")) }
        (form::problems(cx, problems))
        form.submit method="post" action="/submit/text" {
            input type="hidden" name="csrf" value=(csrf);
            label { (cx.t("submit.text")) " " span.req { (cx.t("submit.required")) }
                textarea name="text" rows="12" required { (f.get("text")) }
            }
            p.hint { (cx.t("submit.text_hint")) }
            (form::fieldset(cx, me, f))
            button type="submit" name="step" value="preview" { (cx.t("submit.preview")) }
        }
    };
    html_response(
        cx,
        status,
        layout_page(cx, csrf, cx.t("submit.text_title"), body),
    )
}

/// `GET /submit/text`: the paste form.
pub async fn text_form(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let me = submitter_or_answer!(cx, csrf);
    text_page(&cx, &csrf, &me, StatusCode::OK, &Posted::default(), &[])
}

/// `POST /submit/text`: `step=preview` shows what was found, `step=edit` goes back to the
/// form, `step=confirm` stores. Nothing is stored before the confirmation.
pub async fn text_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let me = submitter_or_answer!(cx, csrf);
    let r = async {
        let f = Posted::checked(&cx, &state, body, MAX_BODY).await?;
        if f.get("step") == "edit" {
            return Ok(text_page(&cx, &csrf, &me, StatusCode::OK, &f, &[]));
        }
        let text = f.get("text");
        let mut problems = Vec::new();
        if text.is_empty() {
            problems.push(Problem::new("text", cx.t("submit.text_missing")));
        } else if text.len() > MAX_TEXT {
            problems.push(Problem::new("text", cx.t("submit.text_too_long")));
        }
        let handling = match form::parse(&cx, &me, &f) {
            Ok(h) => Some(h),
            Err(p) => {
                problems.extend(p);
                None
            }
        };
        let found = if problems.is_empty() {
            extract(text).unwrap_or_default()
        } else {
            Vec::new()
        };
        if problems.is_empty() && found.iter().all(|x| x.excluded.is_some()) {
            problems.push(Problem::new("text", cx.t("submit.text_nothing")));
        }
        let Some(handling) = handling.filter(|_| problems.is_empty()) else {
            let status = if text.len() > MAX_TEXT {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return Ok(text_page(&cx, &csrf, &me, status, &f, &problems));
        };
        if f.get("step") != "confirm" {
            return Ok(preview(&cx, &csrf, &f, &found));
        }
        let received_at = state.clock.now_micros();
        let conversion = crate::api::text::convert(text.to_owned(), received_at).await?;
        let container = crate::api::text::converted(&conversion)?;
        let arrival = arrival(
            &state,
            "text/plain; charset=utf-8",
            text.as_bytes().to_vec().into(),
        );
        let id = store(&state, &me, &arrival, container, Some(handling)).await?;
        Ok(redirect(&cx, &format!("/records/{id}"), &[]))
    }
    .await;
    or_error(&cx, &csrf, r)
}

/// The preview: each value found, as its type and normalised value (and how it was written
/// when that differs: defanged, full-width), those on an exclusion list marked as left out;
/// confirm or edit.
fn preview(cx: &Ctx, csrf: &str, f: &Posted, found: &[renkei_observables::Extracted]) -> Response {
    let body = html! {
        p.crumbs { a href="/submit" { (cx.t("submit.title")) } }
        h1 { (cx.t("submit.preview_title")) }
        p.lead { (cx.t("submit.preview_lead")) }
        table.preview {
            thead { tr { th { (cx.t("submit.obs_type")) } th { (cx.t("submit.obs_value")) } th { (cx.t("submit.obs_written")) } th {} } }
            tbody { @for x in found { tr.excluded[x.excluded.is_some()] {
                td { (x.kind().name()) }
                td { code { (x.value()) } }
                td { @if let Some(written) = f.get("text").get(x.span.clone()) { @if written != x.value() { code { (written) } } } }
                td { @if let Some(r) = &x.excluded { (cx.t("submit.excluded")) " (" (r.category) ")" } }
            } } }
        }
        p { (cx.t("submit.handling_chosen")) " " (super::layout::tlp_badge(f.get("tlp"))) " " (super::layout::badge(f.get("pap"))) }
        form.submit method="post" action="/submit/text" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="text" value=(f.get("text"));
            (form::hidden(f))
            button type="submit" name="step" value="confirm" { (cx.t("submit.confirm")) }
            " "
            button.secondary type="submit" name="step" value="edit" { (cx.t("submit.edit")) }
        }
    };
    page(cx, csrf, cx.t("submit.preview_title"), body)
}

/// A submission arriving through the web UI now, with its original bytes.
pub(super) fn arrival(state: &AppState, media_type: &'static str, bytes: Bytes) -> Arrival {
    Arrival {
        id: SubmissionId::from_uuid(state.entropy.uuid_v4()),
        channel: "web",
        media_type,
        bytes,
        received_at: state.clock.now_micros(),
    }
}

/// Stores through the API's path and answers with the first record stored (the note of a
/// text, the one object of a form); a refusal is a 422 naming why.
pub(super) async fn store(
    state: &AppState,
    me: &Identity,
    arrival: &Arrival,
    container: Container,
    handling: Option<Handling>,
) -> Result<String, ApiError> {
    let fates =
        crate::api::records::submit_objects(state, me, arrival, container, handling).await?;
    match fates.first() {
        Some(Fate::Stored { id, .. }) => Ok(id.clone()),
        Some(Fate::Refused { message, .. }) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_submission",
            message.clone(),
        )),
        _ => Err(ApiError::internal()),
    }
}
