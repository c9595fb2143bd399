//! What a record page shows around the record: **related records** (others carrying one of its
//! observables, that the member may see), **correlation hints** for those the member may not
//! see, its **sightings**, and the form to report one.
//!
//! The observables are those the index holds for the record (`renkei_ingest::index::
//! observables_of`); each is then answered by `api::lookup::answers`, the code behind
//! `GET /api/v1/lookup`, so the page shows exactly what a lookup of those values would —
//! records decided by the policy on the raw path, hints on the hint path (never TLP:RED or
//! audience `provider`), hints noted for the secretariat. Sightings are counted by
//! `api::lookup::sightings_json`, as a lookup counts them. A sighting is reported as a STIX
//! `sighting` through the ingest path, with the organisation's default handling (as the API
//! does when a submission names none).

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::{Markup, html};
use renkei_ingest::Container;
use renkei_model::ids::OrgId;
use renkei_model::stix::Timestamp;
use renkei_observables::Observable;
use renkei_policy::{Identity, Principal};
use renkei_store::RecordRow;
use serde_json::{Value, json};

use super::layout::tlp_badge;
use super::render::{or_error, redirect};
use super::session::Ctx;
use super::submit::form::Posted;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web_visitor;

/// At most this many of a record's observables are looked up for its page.
const MAX_VALUES: usize = 50;
/// At most this many related records are listed.
const MAX_RELATED: usize = 100;
const SIGHTING_KINDS: [&str; 3] = ["seen", "false_positive", "expired"];

/// Another record sharing values with this one.
struct RelatedRecord {
    id: String,
    stix_type: String,
    tlp: String,
    values: Vec<String>,
}

/// "N records in sectors S that you may not see carry `value`".
struct Hint {
    value: String,
    records: u64,
    sectors: Vec<String>,
}

/// What the page shows around one record.
pub struct Around {
    related: Vec<RelatedRecord>,
    hints: Vec<Hint>,
    /// `(name, count)` per kind, organisation and sector.
    by_kind: Vec<(String, i64)>,
    by_org: Vec<(String, i64)>,
    by_sector: Vec<(String, i64)>,
    more_values: bool,
}

fn counts(v: &Value) -> Vec<(String, i64)> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, n)| (k.clone(), n.as_i64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads what surrounds `row` for `me` (who may see `row`).
pub async fn around(state: &AppState, me: &Identity, row: &RecordRow) -> Result<Around, ApiError> {
    let principal = Principal::User(me.clone());
    let mut observables: Vec<Observable> =
        renkei_ingest::index::observables_of(row.body.as_deref().unwrap_or_default());
    let more_values = observables.len() > MAX_VALUES;
    observables.truncate(MAX_VALUES);
    let values: Vec<String> = observables.iter().map(|o| o.value().to_owned()).collect();
    let per_value: Vec<Vec<Observable>> = observables.into_iter().map(|o| vec![o]).collect();
    let answers =
        crate::api::lookup::answers(state, me, &values, &per_value, "web/records/{id}").await?;
    let mut related: BTreeMap<String, RelatedRecord> = BTreeMap::new();
    let mut hints = Vec::new();
    for answer in &answers {
        for reading in answer["observables"].as_array().into_iter().flatten() {
            let shown = reading["display"]
                .as_str()
                .or(reading["value"].as_str())
                .unwrap_or_default()
                .to_owned();
            for r in reading["records"].as_array().into_iter().flatten() {
                let Some(id) = r["id"].as_str() else { continue };
                if id == row.stix_id || (related.len() >= MAX_RELATED && !related.contains_key(id))
                {
                    continue;
                }
                let entry = related
                    .entry(id.to_owned())
                    .or_insert_with(|| RelatedRecord {
                        id: id.to_owned(),
                        stix_type: r["type"].as_str().unwrap_or_default().to_owned(),
                        tlp: r["tlp"].as_str().unwrap_or_default().to_owned(),
                        values: Vec::new(),
                    });
                entry.values.push(shown.clone());
            }
            if let Some(n) = reading["hint"]["records"].as_u64() {
                hints.push(Hint {
                    value: shown.clone(),
                    records: n,
                    sectors: reading["hint"]["sectors"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect(),
                });
            }
        }
    }
    let sightings = state
        .store
        .sightings_of(std::slice::from_ref(&row.stix_id))
        .await?;
    let seen = crate::api::lookup::sightings_json(&principal, &sightings);
    let mut by_org = Vec::new();
    for (org, n) in counts(&seen["by_org"]) {
        let name = match org.parse::<OrgId>() {
            Ok(id) => state.store.org(id).await?.map_or(org, |o| o.name),
            Err(_) => org,
        };
        by_org.push((name, n));
    }
    Ok(Around {
        related: related.into_values().collect(),
        hints,
        by_kind: counts(&seen["by_kind"]),
        by_org,
        by_sector: counts(&seen["by_sector"]),
        more_values,
    })
}

fn kind_label(cx: &Ctx, kind: &str) -> &'static str {
    match kind {
        "seen" => cx.t("sighting.seen"),
        "false_positive" => cx.t("sighting.false_positive"),
        "expired" => cx.t("sighting.expired"),
        _ => cx.t("sighting.other"),
    }
}

/// The hint in the member's language.
pub fn hint_text(cx: &Ctx, records: u64, sectors: &[String]) -> String {
    let sectors = if sectors.is_empty() {
        String::new()
    } else {
        cx.t("related.hint_sectors")
            .replace("{sectors}", &sectors.join(", "))
    };
    cx.t("related.hint")
        .replace("{n}", &records.to_string())
        .replace("{sectors}", &sectors)
}

/// The sections below a record's fields.
pub fn sections(cx: &Ctx, csrf: &str, me: &Identity, id: &str, a: &Around) -> Markup {
    html! {
        section.related {
            h2 { (cx.t("related.title")) }
            @if a.related.is_empty() { p.empty { (cx.t("related.none")) } } @else {
                table {
                    thead { tr { th { "TLP" } th { (cx.t("related.type")) } th { (cx.t("related.record")) } th { (cx.t("related.shared")) } } }
                    tbody { @for r in &a.related { tr {
                        td { (tlp_badge(&r.tlp)) }
                        td { (r.stix_type) }
                        td { a href={ "/records/" (r.id) } { code { (r.id) } } }
                        td { @for v in &r.values { code { (v) } " " } }
                    } } }
                }
            }
            @if a.more_values { p.hint { (cx.t("related.more_values")) } }
        }
        @if !a.hints.is_empty() {
            section.hints {
                h2 { (cx.t("related.hints_title")) }
                ul { @for h in &a.hints {
                    li.hint-box { code { (h.value) } ": " (hint_text(cx, h.records, &h.sectors)) }
                } }
            }
        }
        section.sightings {
            h2 { (cx.t("sighting.title")) }
            @if a.by_kind.is_empty() { p.empty { (cx.t("sighting.none")) } } @else {
                table {
                    tbody {
                        @for (k, n) in &a.by_kind { tr { th { (kind_label(cx, k)) } td { (n) } } }
                        @for (o, n) in &a.by_org { tr { th { (cx.t("sighting.by_org")) ": " (o) } td { (n) } } }
                        @for (s, n) in &a.by_sector { tr { th { (cx.t("sighting.by_sector")) ": " (s) } td { (n) } } }
                    }
                }
            }
            @if me.can_write() {
                form.sighting method="post" action={ "/records/" (id) "/sightings" } {
                    input type="hidden" name="csrf" value=(csrf);
                    fieldset.choices {
                        legend { (cx.t("sighting.report")) }
                        @for k in SIGHTING_KINDS {
                            label.check { input type="radio" name="kind" value=(k) required; (kind_label(cx, k)) }
                        }
                    }
                    p.hint { (cx.t("sighting.handling")) }
                    button type="submit" { (cx.t("sighting.send")) }
                }
            }
        }
    }
}

/// `POST /records/{id}/sightings`: reports a sighting of a record the member may see (404
/// otherwise, like the page) and shows the record again.
pub async fn report_sighting(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let me = super::submit::submitter_or_answer!(cx, csrf);
    let r = async {
        let f = Posted::checked(&cx, &state, body, 4 * 1024).await?;
        let principal = Principal::User(me.clone());
        let id = crate::api::records::visible_record(&state, &principal, &id).await?;
        let kind = f.get("kind");
        if !SIGHTING_KINDS.contains(&kind) {
            return Err(ApiError::bad_request(
                "invalid_sighting",
                cx.t("sighting.kind_missing"),
            ));
        }
        let now = Timestamp::from_unix_micros(state.clock.now_micros()).to_stix();
        let sighting = json!({
            "type": "sighting", "spec_version": "2.1",
            "id": format!("sighting--{}", state.entropy.uuid_v4()),
            "created": now, "modified": now,
            "sighting_of_ref": id.as_str(), "count": 1, "x_renkei_sighting_type": kind,
        });
        let bytes = serde_json::to_vec(&json!({ "objects": [sighting] }))
            .map_err(|_| ApiError::internal())?;
        let arrival = super::submit::arrival(&state, "application/json", bytes.into());
        super::submit::store(&state, &me, &arrival, Container::Envelope, None).await?;
        Ok(redirect(&cx, &format!("/records/{id}"), &[]))
    }
    .await;
    or_error(&cx, &csrf, r)
}
