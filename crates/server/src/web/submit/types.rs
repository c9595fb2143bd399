//! One form per Renkei record type (`docs/record-types.md`, schemas in `docs/schemas/`):
//! malware report, forum post, fraud account, incident report. Each field of the type is a
//! form field; empty ones are left out of the object. The object is then validated by the
//! ingest path exactly as a `POST /api/v1/records` of it would be, and a refusal comes back
//! as a 422 page keeping what was typed.

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use maud::html;
use renkei_ingest::Container;
use renkei_model::stix::Timestamp;
use renkei_model::stix::renkei_types::{
    CATEGORIES, FORUM_POST, FRAUD_ACCOUNT, INCIDENT_REPORT, MALWARE_REPORT,
    RECORD_TYPES_EXTENSION_ID,
};
use renkei_policy::Identity;
use serde_json::{Map, Value, json};

use super::form::{self, Posted, Problem};
use super::{MAX_BODY, arrival, store, submitter_or_answer};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::i18n::t;
use crate::web::render::{html_response, layout_page, or_error, redirect};
use crate::web::session::Ctx;
use crate::web_visitor;

/// How a field is typed in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Input {
    Line,
    Text,
    /// A UTC date and time (`datetime-local`), stored as a STIX timestamp.
    Time,
    /// Comma-separated values, stored as a list.
    List,
    Choice(&'static [&'static str]),
}

struct Field {
    name: &'static str,
    /// Its label's catalogue key.
    label: &'static str,
    input: Input,
    required: bool,
}

const fn field(name: &'static str, label: &'static str, input: Input, required: bool) -> Field {
    Field {
        name,
        label,
        input,
        required,
    }
}

pub(super) struct Kind {
    pub slug: &'static str,
    stix_type: &'static str,
    /// Its title's catalogue key.
    pub title: &'static str,
    fields: &'static [Field],
}

const CATEGORY: Field = field(
    "category",
    "submit.f_category",
    Input::Choice(CATEGORIES),
    true,
);

pub(super) const KINDS: &[Kind] = &[
    Kind {
        slug: "malware-report",
        stix_type: MALWARE_REPORT,
        title: "submit.kind_malware_report",
        fields: &[
            field("name", "submit.f_name", Input::Line, true),
            CATEGORY,
            field("description", "submit.f_description", Input::Text, false),
            field("first_seen", "submit.f_first_seen", Input::Time, false),
            field("last_seen", "submit.f_last_seen", Input::Time, false),
            field(
                "infection_vectors",
                "submit.f_infection_vectors",
                Input::List,
                false,
            ),
            field(
                "victim_sectors",
                "submit.f_victim_sectors",
                Input::List,
                false,
            ),
            field("behaviour", "submit.f_behaviour", Input::Text, false),
        ],
    },
    Kind {
        slug: "forum-post",
        stix_type: FORUM_POST,
        title: "submit.kind_forum_post",
        fields: &[
            field("site", "submit.f_site", Input::Line, true),
            field("site_url", "submit.f_site_url", Input::Line, false),
            field("thread_title", "submit.f_thread_title", Input::Line, false),
            field("post_url", "submit.f_post_url", Input::Line, false),
            field("posted", "submit.f_posted", Input::Time, true),
            field("author_name", "submit.f_author_name", Input::Line, false),
            field("content", "submit.f_content", Input::Text, true),
            field("language", "submit.f_language", Input::Line, false),
            CATEGORY,
        ],
    },
    Kind {
        slug: "fraud-account",
        stix_type: FRAUD_ACCOUNT,
        title: "submit.kind_fraud_account",
        fields: &[
            field(
                "account_type",
                "submit.f_account_type",
                Input::Choice(&["bank", "crypto"]),
                true,
            ),
            CATEGORY,
            field(
                "institution_name",
                "submit.f_institution_name",
                Input::Line,
                false,
            ),
            field(
                "institution_code",
                "submit.f_institution_code",
                Input::Line,
                false,
            ),
            field("branch_name", "submit.f_branch_name", Input::Line, false),
            field("branch_code", "submit.f_branch_code", Input::Line, false),
            field(
                "account_kind",
                "submit.f_account_kind",
                Input::Choice(&["ordinary", "current", "savings"]),
                false,
            ),
            field(
                "account_number",
                "submit.f_account_number",
                Input::Line,
                false,
            ),
            field("holder_name", "submit.f_holder_name", Input::Line, false),
            field("chain", "submit.f_chain", Input::Line, false),
            field("address", "submit.f_address", Input::Line, false),
            field("fraud_types", "submit.f_fraud_types", Input::List, false),
            field("first_seen", "submit.f_first_seen", Input::Time, false),
            field("last_seen", "submit.f_last_seen", Input::Time, false),
            field("description", "submit.f_description", Input::Text, false),
        ],
    },
    Kind {
        slug: "incident-report",
        stix_type: INCIDENT_REPORT,
        title: "submit.kind_incident_report",
        fields: &[
            field("name", "submit.f_name", Input::Line, true),
            field("agreement_id", "submit.f_agreement_id", Input::Line, true),
            CATEGORY,
            field("description", "submit.f_description", Input::Text, false),
            field("occurred", "submit.f_occurred", Input::Time, false),
            field("detected", "submit.f_detected", Input::Time, false),
            field(
                "affected_sectors",
                "submit.f_affected_sectors",
                Input::List,
                false,
            ),
            field("impact", "submit.f_impact", Input::Text, false),
            field(
                "status",
                "submit.f_status",
                Input::Choice(&["open", "contained", "closed"]),
                false,
            ),
        ],
    },
];

/// A choice's label key: `submit.v_<value>`.
fn choice_label(cx: &Ctx, value: &str) -> &'static str {
    let key = match value {
        "individual" => "submit.v_individual",
        "overall" => "submit.v_overall",
        "technical" => "submit.v_technical",
        "bank" => "submit.v_bank",
        "crypto" => "submit.v_crypto",
        "ordinary" => "submit.v_ordinary",
        "current" => "submit.v_current",
        "savings" => "submit.v_savings",
        "open" => "submit.v_open",
        "contained" => "submit.v_contained",
        _ => "submit.v_closed",
    };
    t(cx.lang, key)
}

/// The label of a record type's field (for problems), the name itself if unknown.
pub(super) fn label_of(cx: &Ctx, name: &str) -> &'static str {
    KINDS
        .iter()
        .flat_map(|k| k.fields)
        .find(|f| f.name == name)
        .map_or(t(cx.lang, "submit.f_object"), |f| t(cx.lang, f.label))
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::Lang;

    /// The labels are looked up by key from the table, which the catalogue scan cannot see.
    #[test]
    fn every_label_is_translated() {
        let mut keys: Vec<&str> = KINDS.iter().map(|k| k.title).collect();
        keys.extend(KINDS.iter().flat_map(|k| k.fields).map(|f| f.label));
        for lang in [Lang::Ja, Lang::En] {
            for key in &keys {
                assert_ne!(t(lang, key), *key, "{key} is not translated");
            }
            for k in KINDS {
                for f in k.fields {
                    if let Input::Choice(values) = f.input {
                        for v in values {
                            let key: &'static str =
                                Box::leak(format!("submit.v_{v}").into_boxed_str());
                            assert_ne!(t(lang, key), key);
                        }
                    }
                }
            }
        }
    }
}
