//! Lookups: for each value a caller asks about, which records carry it, who sighted them,
//! and — for what the caller may not see — at most a hint ("N records in sectors S"), which
//! also tells the secretariat so it can broker contact (issue 4 §4–5, design §4 rule 6).
//!
//! Every candidate the index returns is decided by `renkei_policy::decide`: on the raw path
//! for the records and sightings shown, on the hint path for the hint. Counters of the index
//! cover records the caller may not see, so only the secretariat is shown them.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use renkei_model::handling::Attribution;
use renkei_model::stix::Timestamp;
use renkei_observables::{Exclusions, Observable, ObservableType, normalise};
use renkei_policy::{Decision, Identity, Path, Principal, RecordMeta, decide};
use renkei_store::{IndexedRecord, NewHintNotice, SightingRow, ValueMatches, value_key};
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{self, invalid};
use crate::error::ApiError;
use crate::state::AppState;

pub const PATHS: &[(&str, &str)] = &[("get", "/lookup"), ("post", "/lookup")];

/// Most values one bulk lookup may ask about.
pub const MAX_BULK: usize = 10_000;
/// Records shown per value; the rest is summarised by `more_records`.
const SHOWN_PER_VALUE: usize = 100;
/// Candidates decided per value (the index holds at most `INDEX_CAP_PER_VALUE`).
const CANDIDATES_PER_VALUE: usize = renkei_store::INDEX_CAP_PER_VALUE as usize;
/// Largest bulk request body.
const MAX_BULK_BODY: usize = 4 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route("/lookup", get(one).post(bulk))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OneParams {
    value: String,
    /// An observable type (`ipv4`, `domain`, `sha256`…); without it, every type the value
    /// can be read as.
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BulkBody {
    values: Vec<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// `GET /lookup?value=…[&type=…]`.
async fn one(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<OneParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let me = common::member(&state, &headers).await?;
    let params = common::query(params)?;
    let kind = parse_kind(params.kind.as_deref())?;
    let mut results = look_up(&state, &me, &[params.value], kind, "api/lookup").await?;
    Ok(Json(results.pop().unwrap_or(Value::Null)))
}

/// `POST /lookup` with `{"values": […], "type": …}`: up to [`MAX_BULK`] values.
async fn bulk(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let me = common::member(&state, &headers).await?;
    let body: BulkBody = common::json_body_limited(&headers, body, MAX_BULK_BODY).await?;
    if body.values.len() > MAX_BULK {
        return Err(invalid(
            "too_many_values",
            "Too many values",
            format!(
                "At most {MAX_BULK} values per request, not {}.",
                body.values.len()
            ),
        ));
    }
    let kind = parse_kind(body.kind.as_deref())?;
    let results = look_up(&state, &me, &body.values, kind, "api/lookup").await?;
    Ok(Json(json!({ "results": results })))
}

pub(crate) fn parse_kind(kind: Option<&str>) -> Result<Option<ObservableType>, ApiError> {
    kind.map(|k| {
        k.parse::<ObservableType>().map_err(|e| {
            ApiError::bad_request("invalid_parameter", "Unknown observable type").with_description(
                format!(
                    "{e}; one of: {}",
                    ObservableType::ALL.map(|t| t.name()).join(", ")
                ),
            )
        })
    })
    .transpose()
}

/// The ways a value can be read: as the given type, or as every type it normalises to.
fn readings(value: &str, kind: Option<ObservableType>) -> Vec<Observable> {
    match kind {
        Some(k) => normalise(k, value).into_iter().collect(),
        None => ObservableType::ALL
            .into_iter()
            .filter_map(|k| normalise(k, value).ok())
            .collect(),
    }
}

/// The answer to a lookup of `values` (each read as `kind`, or as every type it can be), one
/// result per value, counted as lookups in the caller's usage; sensitive records shown are
/// audited under `audit_path`. Shared by the REST API and the web UI.
pub(crate) async fn look_up(
    state: &AppState,
    me: &Identity,
    values: &[String],
    kind: Option<ObservableType>,
    audit_path: &str,
) -> Result<Vec<Value>, ApiError> {
    let per_value: Vec<Vec<Observable>> = values.iter().map(|v| readings(v, kind)).collect();
    let mut out = answers(state, me, values, &per_value, audit_path).await?;
    for (result, obs) in out.iter_mut().zip(&per_value) {
        if obs.is_empty() {
            result["error"] = json!({
                "code": "not_an_observable",
                "title": match kind {
                    Some(k) => format!("Not a valid {k} value"),
                    None => "Not a value of any observable type".to_owned(),
                },
            });
        }
    }
    state.count_usage(me, crate::usage::kind::LOOKUPS, values.len());
    Ok(out)
}

/// For each query and the observables it is read as: the records carrying each that the
/// caller may see, their sightings and — for what the caller may not see — the hint, which
/// is also noted for the secretariat. `{"query": …, "observables": […]}` per query.
/// The web UI's record page asks it about the observables a record carries.
pub(crate) async fn answers(
    state: &AppState,
    me: &Identity,
    values: &[String],
    per_value: &[Vec<Observable>],
    audit_path: &str,
) -> Result<Vec<Value>, ApiError> {
    let principal = Principal::User(me.clone());
    let exclusions = Exclusions::shipped();
    let mut keys: Vec<i64> = per_value
        .iter()
        .flatten()
        .filter(|o| exclusions.is_excluded(o).is_none())
        .map(|o| value_key(o.kind().name(), o.value()))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let found: BTreeMap<i64, ValueMatches> = state
        .store
        .lookup(&keys, CANDIDATES_PER_VALUE)
        .await?
        .into_iter()
        .map(|m| (m.key, m))
        .collect();

    // Sightings of what the caller may see, by the record sighted.
    let mut sightings: BTreeMap<String, Vec<&SightingRow>> = BTreeMap::new();
    let mut counted = BTreeSet::new();
    for m in found.values() {
        for s in &m.sightings {
            if counted.insert((s.of.as_str(), s.record.stix_id.as_str()))
                && raw(&principal, &s.record).is_some()
            {
                sightings.entry(s.of.clone()).or_default().push(s);
            }
        }
    }
    let now = state.clock.now_micros();
    let mut notices = Vec::new();
    let mut sensitive = Vec::new();
    let mut out = Vec::with_capacity(values.len());
    for (value, obs) in values.iter().zip(per_value) {
        let mut matches = Vec::new();
        for o in obs {
            let mut entry = json!({ "type": o.kind().name(), "value": o.value() });
            if o.display() != o.value() {
                entry["display"] = o.display().into();
            }
            if let Some(reason) = exclusions.is_excluded(o) {
                entry["excluded"] = json!(reason);
                entry["records"] = json!([]);
                matches.push(entry);
                continue;
            }
            let Some(m) = found.get(&value_key(o.kind().name(), o.value())) else {
                entry["records"] = json!([]);
                matches.push(entry);
                continue;
            };
            let answer = answer_for(&principal, me, m, &sightings);
            sensitive.extend(answer.sensitive);
            if let Some(n) = answer.notice {
                notices.push(NewHintNotice {
                    reader_org: me.org,
                    reader_user: me.user,
                    value_key: m.key,
                    kind: m.kind.clone(),
                    value: m.value.clone(),
                    records: n.records,
                    providers: n.providers,
                    at: now,
                });
            }
            if let (Value::Object(e), Value::Object(a)) = (&mut entry, answer.json) {
                e.extend(a);
            }
            matches.push(entry);
        }
        out.push(json!({ "query": value, "observables": matches }));
    }
    if !sensitive.is_empty() {
        state
            .audit(
                Some(me),
                crate::audit::action::RECORD_READ,
                audit_path,
                json!({ "records": sensitive }),
            )
            .await?;
    }
    state.store.note_hints(&notices).await?;
    Ok(out)
}

/// The sightings among `rows` that the caller may see, counted as a lookup counts them
/// (`{"total", "by_kind", "by_org", "by_sector"}`). The web UI's record page shows those of
/// one record (`Store::sightings_of`).
pub(crate) fn sightings_json(principal: &Principal, rows: &[SightingRow]) -> Value {
    let mut seen = Sightings::default();
    for s in rows {
        seen.add(principal, s);
    }
    seen.json()
}

/// What one indexed value yields for the caller.
struct Answer {
    json: Value,
    /// Sensitive records shown (for the audit log).
    sensitive: Vec<Value>,
    notice: Option<HintCount>,
}

struct HintCount {
    records: u64,
    providers: Vec<renkei_model::ids::OrgId>,
}

fn meta(r: &IndexedRecord) -> RecordMeta<'_> {
    RecordMeta {
        provider: r.provider,
        provider_kind: r.provider_kind,
        provider_sector: r.provider_sector.as_ref(),
        handling: &r.handling,
    }
}

/// How the caller may see the record raw, if at all.
fn raw(principal: &Principal, r: &IndexedRecord) -> Option<Attribution> {
    match decide(principal, &meta(r), Path::Raw) {
        Decision::Allow(view) => Some(view.attribution),
        Decision::Deny => None,
    }
}

fn provider_json(r: &IndexedRecord, attribution: Attribution) -> Value {
    let sector = r.provider_sector.as_ref().map(|s| s.as_str());
    match attribution {
        Attribution::Named => json!({ "org": r.provider, "sector": sector }),
        Attribution::SectorOnly => json!({ "sector": sector }),
        Attribution::Hidden => Value::Null,
    }
}

fn answer_for(
    principal: &Principal,
    me: &Identity,
    m: &ValueMatches,
    sightings: &BTreeMap<String, Vec<&SightingRow>>,
) -> Answer {
    let mut records = Vec::new();
    let mut sensitive = Vec::new();
    let mut hidden = 0u64;
    let mut hidden_sectors = BTreeSet::new();
    let mut hidden_providers = BTreeSet::new();
    let mut seen = Sightings::default();
    let mut visible = 0usize;
    for r in &m.records {
        if let Some(attribution) = raw(principal, r) {
            visible += 1;
            if records.len() < SHOWN_PER_VALUE {
                records.push(json!({
                    "id": r.stix_id,
                    "type": r.stix_type,
                    "version": r.version.to_stix(),
                    "date_added": Timestamp::from_unix_micros(r.date_added).to_taxii_micros(),
                    "tlp": r.handling.tlp,
                    "category": r.category,
                    "provider": provider_json(r, attribution),
                }));
                if r.handling.tlp.rank() > renkei_model::handling::Tlp::Green.rank()
                    || r.handling.classification
                        > renkei_model::handling::Classification::UNCLASSIFIED
                {
                    sensitive.push(json!({ "id": r.stix_id, "version": r.version.to_stix() }));
                }
            }
            for s in sightings.get(&r.stix_id).into_iter().flatten() {
                seen.add(principal, s);
            }
        } else if let Decision::Allow(view) = decide(principal, &meta(r), Path::Hint) {
            hidden += 1;
            hidden_providers.insert(r.provider);
            if view.attribution == Attribution::SectorOnly
                && let Some(s) = &r.provider_sector
            {
                hidden_sectors.insert(s.as_str().to_owned());
            }
        }
    }
    let more_records = visible > records.len();
    let mut json = json!({
        "records": records,
        "more_records": more_records,
        "sightings": seen.json(),
    });
    if hidden > 0 {
        let sectors: Vec<String> = hidden_sectors.into_iter().collect();
        json["hint"] = json!({
            "records": hidden,
            "sectors": sectors,
            "message": hint_message(hidden, &sectors),
        });
    }
    if me.is_secretariat() {
        json["index"] = json!({
            "objects": m.objects,
            "providers": m.providers,
            "saturated": m.saturated(),
        });
    }
    Answer {
        json,
        sensitive,
        notice: (hidden > 0).then(|| HintCount {
            records: hidden,
            providers: hidden_providers.into_iter().collect(),
        }),
    }
}

fn hint_message(n: u64, sectors: &[String]) -> String {
    let (records, carry) = if n == 1 {
        ("record", "carries")
    } else {
        ("records", "carry")
    };
    let sectors = if sectors.is_empty() {
        String::new()
    } else {
        format!(" in sectors {}", sectors.join(", "))
    };
    format!(
        "{n} {records}{sectors} that you may not see {carry} this value. The secretariat has been told and can put you in touch with the providers."
    )
}

/// Sightings the caller may see, counted by kind, organisation and sector.
#[derive(Default)]
struct Sightings {
    total: i64,
    by_kind: BTreeMap<String, i64>,
    by_org: BTreeMap<String, i64>,
    by_sector: BTreeMap<String, i64>,
}

impl Sightings {
    fn add(&mut self, principal: &Principal, s: &SightingRow) {
        let Some(attribution) = raw(principal, &s.record) else {
            return;
        };
        let n = s.count.max(1);
        self.total += n;
        *self.by_kind.entry(s.kind.clone()).or_default() += n;
        let sector = s.record.provider_sector.as_ref().map(|x| x.as_str());
        match attribution {
            Attribution::Named => {
                *self
                    .by_org
                    .entry(s.record.provider.to_string())
                    .or_default() += n;
                if let Some(sector) = sector {
                    *self.by_sector.entry(sector.to_owned()).or_default() += n;
                }
            }
            Attribution::SectorOnly => {
                if let Some(sector) = sector {
                    *self.by_sector.entry(sector.to_owned()).or_default() += n;
                }
            }
            Attribution::Hidden => {}
        }
    }

    fn json(&self) -> Value {
        json!({
            "total": self.total,
            "by_kind": self.by_kind,
            "by_org": self.by_org,
            "by_sector": self.by_sector,
        })
    }
}
