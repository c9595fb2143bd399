//! One form per Renkei record type (`docs/record-types.md`, schemas in `docs/schemas/`):
//! malware report, forum post, fraud account, incident report, with the fields listed in
//! `kinds`. Empty fields are left out of the object, which is then validated by the ingest
//! path exactly as a `POST /api/v1/records` of it would be; a refusal comes back as a 422 page
//! keeping what was typed.

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use maud::html;
use renkei_ingest::Container;
use renkei_model::stix::Timestamp;
use renkei_model::stix::renkei_types::RECORD_TYPES_EXTENSION_ID;
use renkei_policy::Identity;
use serde_json::{Map, Value, json};

use super::form::{self, Posted, Problem};
use super::kinds::{Input, KINDS, Kind, choice_label};
use super::{MAX_BODY, arrival, store, submitter_or_answer};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::i18n::t;
use crate::web::render::{html_response, layout_page, or_error, redirect};
use crate::web::session::Ctx;
use crate::web_visitor;

fn kind(slug: &str) -> Result<&'static Kind, ApiError> {
    KINDS
        .iter()
        .find(|k| k.slug == slug)
        .ok_or_else(|| ApiError::not_found("Not found"))
}

/// `2026-11-01T15:00` (what a `datetime-local` input sends) or a full STIX timestamp.
fn timestamp(s: &str) -> Option<String> {
    let full = if s.len() == 16 {
        format!("{s}:00Z")
    } else {
        s.to_owned()
    };
    Timestamp::parse(&full).ok().map(|t| t.to_stix())
}

/// The object the form describes, or the problems, each naming its field.
fn object(cx: &Ctx, state: &AppState, k: &Kind, f: &Posted) -> Result<Value, Vec<Problem>> {
    let now = Timestamp::from_unix_micros(state.clock.now_micros()).to_stix();
    let mut o: Map<String, Value> = serde_json::from_value(json!({
        "type": k.stix_type,
        "spec_version": "2.1",
        "id": format!("{}--{}", k.stix_type, state.entropy.uuid_v4()),
        "created": now,
        "modified": now,
        "extensions": { RECORD_TYPES_EXTENSION_ID: { "extension_type": "new-sdo" } },
    }))
    .unwrap_or_default();
    let mut problems = Vec::new();
    for field in k.fields {
        let v = f.get(field.name);
        if v.is_empty() {
            if field.required {
                problems.push(Problem::new(field.name, t(cx.lang, "submit.missing")));
            }
            continue;
        }
        let value = match field.input {
            Input::Line | Input::Text => json!(v),
            Input::Time => match timestamp(v) {
                Some(t) => json!(t),
                None => {
                    problems.push(Problem::new(field.name, t(cx.lang, "submit.bad_time")));
                    continue;
                }
            },
            Input::List => json!(
                v.split([',', '、', '\n'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
            ),
            Input::Choice(values) if values.contains(&v) => json!(v),
            Input::Choice(_) => {
                problems.push(Problem::new(field.name, t(cx.lang, "submit.bad_choice")));
                continue;
            }
        };
        o.insert(field.name.to_owned(), value);
    }
    if problems.is_empty() {
        Ok(Value::Object(o))
    } else {
        Err(problems)
    }
}

/// The ingest's refusal (`objects/0/<property>: why`) as a problem naming the form's field
/// when it is one, the whole record otherwise.
fn refusal(k: &Kind, message: &str) -> Problem {
    let field = message
        .strip_prefix("objects/0/")
        .and_then(|rest| rest.split_once(':'))
        .and_then(|(name, why)| {
            let f = k.fields.iter().find(|f| f.name == name)?;
            Some(Problem::new(f.name, why.trim()))
        });
    field.unwrap_or_else(|| Problem::new("object", message))
}

fn type_page(
    cx: &Ctx,
    csrf: &str,
    me: &Identity,
    k: &Kind,
    status: StatusCode,
    f: &Posted,
    problems: &[Problem],
) -> Response {
    let title = t(cx.lang, k.title);
    let body = html! {
        p.crumbs { a href="/submit" { (cx.t("submit.title")) } }
        h1 { (title) }
        (form::problems(cx, problems))
        form.submit method="post" action={ "/submit/" (k.slug) } {
            input type="hidden" name="csrf" value=(csrf);
            @for field in k.fields {
                @let v = f.get(field.name);
                @let bad = problems.iter().any(|p| p.field == field.name);
                label.invalid[bad] {
                    (t(cx.lang, field.label))
                    @if field.required { " " span.req { (cx.t("submit.required")) } }
                    @match field.input {
                        Input::Line => input name=(field.name) value=(v) maxlength="2000" required[field.required];,
                        Input::Text => textarea name=(field.name) rows="5" required[field.required] { (v) },
                        Input::Time => input name=(field.name) type="datetime-local" value=(v) required[field.required];,
                        Input::List => input name=(field.name) value=(v) maxlength="2000" placeholder=(cx.t("submit.list_hint"));,
                        Input::Choice(values) => select name=(field.name) required[field.required] {
                            option value="" selected[v.is_empty()] { (cx.t("handling.choose")) }
                            @for c in values { option value=(c) selected[v == *c] { (choice_label(cx, c)) } }
                        },
                    }
                }
            }
            p.hint { (cx.t("submit.time_hint")) }
            (form::fieldset(cx, me, f))
            button type="submit" { (cx.t("submit.send")) }
        }
    };
    html_response(cx, status, layout_page(cx, csrf, title, body))
}

/// `GET /submit/{kind}`.
pub async fn type_form(
    State(state): State<AppState>,
    UrlPath(slug): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let me = submitter_or_answer!(cx, csrf);
    let r =
        kind(&slug).map(|k| type_page(&cx, &csrf, &me, k, StatusCode::OK, &Posted::default(), &[]));
    or_error(&cx, &csrf, r)
}

/// `POST /submit/{kind}`: stores the record and shows it, or the form again with what to fix.
pub async fn type_submit(
    State(state): State<AppState>,
    UrlPath(slug): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let me = submitter_or_answer!(cx, csrf);
    let r = async {
        let k = kind(&slug)?;
        let f = Posted::checked(&cx, &state, body, MAX_BODY).await?;
        let object = object(&cx, &state, k, &f);
        let handling = form::parse(&cx, &me, &f);
        let (object, handling) = match (object, handling) {
            (Ok(o), Ok(h)) => (o, h),
            (o, h) => {
                let mut problems = o.err().unwrap_or_default();
                problems.extend(h.err().unwrap_or_default());
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return Ok(type_page(&cx, &csrf, &me, k, status, &f, &problems));
            }
        };
        let bytes = serde_json::to_vec(&json!({ "objects": [object] }))
            .map_err(|_| ApiError::internal())?;
        let arrival = arrival(&state, "application/json", bytes.into());
        match store(&state, &me, &arrival, Container::Envelope, Some(handling)).await {
            Ok(id) => Ok(redirect(&cx, &format!("/records/{id}"), &[])),
            Err(e) if e.code == "invalid_submission" => {
                let problems = [refusal(k, &e.title)];
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                Ok(type_page(&cx, &csrf, &me, k, status, &f, &problems))
            }
            Err(e) => Err(e),
        }
    }
    .await;
    or_error(&cx, &csrf, r)
}
