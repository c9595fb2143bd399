//! Lookups (`/lookup`): one value (`GET /lookup?value=…`) or many, one a line (a CSRF-checked
//! `POST`, up to the API's bulk limit), answered by `api::lookup::look_up` — the code behind
//! `GET`/`POST /api/v1/lookup` — and shown as a table: per value and reading, the records the
//! member may see, their sightings, and the hint for what the member may not see.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use maud::{Markup, html};
use renkei_observables::ObservableType;
use serde_json::Value;

use super::layout::tlp_badge;
use super::related::hint_text;
use super::render::{html_response, layout_page, member_page};
use super::session::Ctx;
use super::submit::form::Posted;
use crate::api::lookup::{MAX_BULK, look_up, parse_kind};
use crate::state::AppState;

/// Largest bulk form read: [`MAX_BULK`] values of a few dozen bytes each.
const MAX_BODY: usize = 2 * 1024 * 1024;

/// What the page shows: the values asked (kept when refused), a problem, the answers.
#[derive(Default)]
struct Shown<'a> {
    value: &'a str,
    values: &'a str,
    kind: &'a str,
    problem: Option<&'a str>,
    results: Vec<Value>,
}

fn lookup_page(cx: &Ctx, csrf: &str, status: StatusCode, shown: Shown<'_>) -> Response {
    let Shown {
        value,
        values,
        kind,
        problem,
        results,
    } = shown;
    let body = html! {
        h1 { (cx.t("lookup.title")) }
        p.lead { (cx.t("lookup.lead")) }
        @if let Some(p) = problem { p.error role="alert" { (p) } }
        div.columns {
            form.lookup method="get" action="/lookup" {
                label { (cx.t("lookup.one")) input name="value" value=(value) maxlength="2000" required; }
                button type="submit" { (cx.t("lookup.search")) }
            }
            form.lookup method="post" action="/lookup" {
                input type="hidden" name="csrf" value=(csrf);
                label { (cx.t("lookup.many")) textarea name="values" rows="6" { (values) } }
                label { (cx.t("lookup.type"))
                    select name="type" {
                        option value="" { (cx.t("lookup.any_type")) }
                        @for t in ObservableType::ALL { option value=(t.name()) selected[kind == t.name()] { (t.name()) } }
                    }
                }
                button type="submit" { (cx.t("lookup.search")) }
            }
        }
        @if !results.is_empty() { (table(cx, &results)) }
    };
    html_response(
        cx,
        status,
        layout_page(cx, csrf, cx.t("lookup.title"), body),
    )
}

fn sightings(cx: &Ctx, s: &Value) -> Markup {
    let n = |k: &str| s["by_kind"][k].as_i64().unwrap_or(0);
    html! {
        @if s["total"].as_i64().unwrap_or(0) > 0 {
            (cx.t("sighting.seen")) " " (n("seen")) " / " (cx.t("sighting.false_positive")) " " (n("false_positive"))
            " / " (cx.t("sighting.expired")) " " (n("expired"))
        }
    }
}

fn table(cx: &Ctx, results: &[Value]) -> Markup {
    html! {
        table.lookup {
            thead { tr {
                th { (cx.t("lookup.query")) } th { (cx.t("submit.obs_type")) } th { (cx.t("submit.obs_value")) }
                th { (cx.t("lookup.records")) } th { (cx.t("sighting.title")) } th { (cx.t("lookup.hint")) }
            } }
            tbody { @for r in results {
                @let query = r["query"].as_str().unwrap_or_default();
                @if r.get("error").is_some() {
                    tr.none { td { code { (query) } } td colspan="5" { (cx.t("lookup.not_observable")) } }
                }
                @for o in r["observables"].as_array().into_iter().flatten() {
                    tr {
                        td { code { (query) } }
                        td { (o["type"].as_str().unwrap_or_default()) }
                        td { code { (o["value"].as_str().unwrap_or_default()) } }
                        td {
                            @if o.get("excluded").is_some() { (cx.t("lookup.excluded")) }
                            @let records = o["records"].as_array().cloned().unwrap_or_default();
                            @if records.is_empty() && o.get("excluded").is_none() { span.empty { (cx.t("lookup.no_records")) } }
                            ul.plain { @for rec in &records { li {
                                (tlp_badge(rec["tlp"].as_str().unwrap_or_default())) " "
                                a href={ "/records/" (rec["id"].as_str().unwrap_or_default()) } { (rec["type"].as_str().unwrap_or_default()) }
                            } } }
                            @if o["more_records"].as_bool() == Some(true) { p.hint { (cx.t("lookup.more_records")) } }
                        }
                        td { (sightings(cx, &o["sightings"])) }
                        td { @if let Some(n) = o["hint"]["records"].as_u64() {
                            @let sectors: Vec<String> = o["hint"]["sectors"].as_array().into_iter().flatten()
                                .filter_map(|s| s.as_str().map(str::to_owned)).collect();
                            span.hint-box { (hint_text(cx, n, &sectors)) }
                        } }
                    }
                }
            } }
        }
    }
}

/// `GET /lookup[?value=…]`.
pub async fn form(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        let value: String = uri
            .query()
            .and_then(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "value")
                    .map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_default();
        let results = if value.is_empty() {
            Vec::new()
        } else {
            look_up(
                &state,
                &me,
                std::slice::from_ref(&value),
                None,
                "web/lookup",
            )
            .await?
        };
        let shown = Shown {
            value: &value,
            results,
            ..Shown::default()
        };
        Ok(lookup_page(cx, csrf, StatusCode::OK, shown))
    })
    .await
}

/// `POST /lookup` with `values` (one a line) and an optional `type`.
pub async fn bulk(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        let f = Posted::checked(cx, &state, body, MAX_BODY).await?;
        let text = f.get("values");
        let kind_name = f.get("type");
        let values: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect();
        let refuse = |status, message: &'static str| {
            let shown = Shown {
                values: text,
                kind: kind_name,
                problem: Some(message),
                ..Shown::default()
            };
            lookup_page(cx, csrf, status, shown)
        };
        if values.is_empty() {
            return Ok(refuse(StatusCode::BAD_REQUEST, cx.t("lookup.empty")));
        }
        if values.len() > MAX_BULK {
            return Ok(refuse(StatusCode::BAD_REQUEST, cx.t("lookup.too_many")));
        }
        let Ok(kind) = parse_kind(Some(kind_name).filter(|k| !k.is_empty())) else {
            return Ok(refuse(StatusCode::BAD_REQUEST, cx.t("lookup.bad_type")));
        };
        let results = look_up(&state, &me, &values, kind, "web/lookup").await?;
        let shown = Shown {
            values: text,
            kind: kind_name,
            results,
            ..Shown::default()
        };
        Ok(lookup_page(cx, csrf, StatusCode::OK, shown))
    })
    .await
}
