//! Records over REST: list and read what the caller may see (through the policy's
//! `ReadScope`, like every read), submit objects with an explicit handling, and let a provider
//! change the handling of its own record.
//!
//! Recipients see each record's TLP, PAP, classification, permitted uses and attribution: they
//! need them to handle it. Only the provider and the secretariat see its audience, which names
//! who else received it.

use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::{Json, Router};
use renkei_ingest::{Arrival, Container, Fate, SubmitError, submit};
use renkei_model::handling::{Attribution, Handling};
use renkei_model::ids::SubmissionId;
use renkei_model::stix::{StixId, Timestamp};
use renkei_policy::view::apply;
use renkei_policy::{Identity, Path, Principal, ReadScope, view_of};
use renkei_store::{HandlingChange, RecordQuery, RecordRow, VersionFilter};
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{self, invalid};
use crate::audit::action;
use crate::error::ApiError;
use crate::state::AppState;

pub const PATHS: &[(&str, &str)] = &[
    ("get", "/records"),
    ("post", "/records"),
    ("get", "/records/{id}"),
    ("patch", "/records/{id}/handling"),
];

/// Page size when the client sends no `limit`.
const DEFAULT_LIMIT: usize = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/records", get(list).post(create))
        .route("/records/{id}", get(detail))
        .route("/records/{id}/handling", patch(change_handling))
}

/// A member in good standing, or 401/403.
async fn member(state: &AppState, headers: &HeaderMap) -> Result<(Principal, Identity), ApiError> {
    let me = common::member(state, headers).await?;
    Ok((Principal::User(me.clone()), me))
}

/// A handling the caller gives may not classify above the caller's own clearance.
pub(crate) fn within_clearance(me: &Identity, handling: Option<&Handling>) -> Result<(), ApiError> {
    match handling {
        Some(h) if h.classification > me.clearance => Err(invalid(
            "classification_above_clearance",
            "Classification above your clearance",
            format!(
                "You may classify up to {}, not {}.",
                me.clearance.level(),
                h.classification.level()
            ),
        )),
        _ => Ok(()),
    }
}

/// The record as the caller may see it: the object rewritten for its attribution, its
/// handling, and who provided it as far as the caller may know.
pub(crate) fn record_json(me: &Identity, principal: &Principal, row: &RecordRow) -> Value {
    let view = view_of(principal, Path::Raw, row.provider, row.attribution);
    let object = row
        .body
        .as_deref()
        .map(|b| apply(b, view, row.provider_sector.as_ref()))
        .and_then(|b| serde_json::from_str::<Value>(&b).ok())
        .unwrap_or(Value::Null);
    let sector = row.provider_sector.as_ref().map(|s| s.as_str());
    let provider = match view.attribution {
        Attribution::Named => json!({ "org": row.provider, "sector": sector }),
        Attribution::SectorOnly => json!({ "sector": sector }),
        Attribution::Hidden => Value::Null,
    };
    let mut handling = match &row.handling {
        Some(h) => serde_json::to_value(h).unwrap_or(Value::Null),
        None => json!({ "tlp": row.tlp, "classification": row.classification }),
    };
    let sees_audience = me.org == row.provider || me.is_secretariat();
    if !sees_audience && let Some(h) = handling.as_object_mut() {
        h.remove("audience");
    }
    json!({
        "id": row.stix_id,
        "type": row.stix_type,
        "version": row.version.to_stix(),
        "date_added": Timestamp::from_unix_micros(row.date_added).to_taxii_micros(),
        "provider": provider,
        "handling": handling,
        "object": object,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    /// STIX types, comma-separated.
    #[serde(rename = "type")]
    types: Option<String>,
    /// Only records added strictly after this TAXII timestamp.
    added_after: Option<String>,
    limit: Option<usize>,
}

/// `GET /records`: the latest version of every record the caller may see, oldest first.
async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let (principal, me) = member(&state, &headers).await?;
    let params = common::query(params)?;
    let added_after = match &params.added_after {
        None => None,
        Some(t) => Some(
            Timestamp::parse(t)
                .map_err(|e| {
                    ApiError::bad_request("invalid_parameter", "Invalid `added_after`")
                        .with_description(e.to_string())
                })?
                .unix_micros(),
        ),
    };
    let limit = common::page_limit(&state, params.limit, DEFAULT_LIMIT)?;
    let types = params
        .types
        .iter()
        .flat_map(|t| t.split(','))
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let query = RecordQuery {
        ids: Vec::new(),
        types,
        versions: VersionFilter::default(),
        spec_versions: None,
        added_after,
        limit,
        with_body: true,
        with_handling: true,
    };
    let scope = ReadScope::of(&principal, Path::Raw);
    let rows = state.store.query_records(&scope, &query).await?;
    page(&state, &me, rows, limit, "api/records", "next_added_after").await
}

/// A page of records as the caller may see them — `{"records": […], "more": …}` and, when
/// there are more, `cursor` set to the last one's `date_added` — from rows the store
/// returned (at most `limit + 1`); sensitive ones are written to the audit log first.
pub(super) async fn page(
    state: &AppState,
    me: &Identity,
    mut rows: Vec<RecordRow>,
    limit: usize,
    audit_path: &str,
    cursor: &str,
) -> Result<Json<Value>, ApiError> {
    let principal = Principal::User(me.clone());
    let more = rows.len() > limit;
    rows.truncate(limit);
    state.audit_reads(&principal, audit_path, &rows).await?;
    let records: Vec<Value> = rows
        .iter()
        .map(|r| record_json(me, &principal, r))
        .collect();
    let mut out = json!({ "records": records, "more": more });
    if more && let Some(last) = rows.last() {
        out[cursor] = Timestamp::from_unix_micros(last.date_added)
            .to_taxii_micros()
            .into();
    }
    Ok(Json(out))
}

/// A record id in a URL; anything else reads as a record that does not exist.
fn record_id(raw: &str) -> Result<StixId, ApiError> {
    StixId::parse(raw).map_err(|_| ApiError::not_found("Record not found"))
}

/// The latest version of a record `principal` may see (with body and handling) and every
/// version they may see (without); 404 alike when none exists or none may be seen. The read is
/// audited under `audit_path` if sensitive. Shared by the REST API and the web UI.
pub(crate) async fn latest_and_versions(
    state: &AppState,
    principal: &Principal,
    id: &StixId,
    audit_path: &str,
) -> Result<(RecordRow, Vec<RecordRow>), ApiError> {
    let scope = ReadScope::of(principal, Path::Raw);
    let query = |versions, with_body| RecordQuery {
        ids: vec![id.to_string()],
        types: Vec::new(),
        versions,
        spec_versions: None,
        added_after: None,
        limit: state.config.max_page_size,
        with_body,
        with_handling: with_body,
    };
    let mut latest = state
        .store
        .query_records(&scope, &query(VersionFilter::default(), true))
        .await?;
    if latest.is_empty() {
        return Err(ApiError::not_found("Record not found"));
    }
    let versions = state
        .store
        .query_records(&scope, &query(VersionFilter::all(), false))
        .await?;
    state
        .audit_reads(principal, audit_path, latest.iter())
        .await?;
    Ok((latest.swap_remove(0), versions))
}

/// The id in a URL of a record `principal` may see; 404 alike when the id does not parse, the
/// record does not exist or may not be seen. Shared by the REST API and the web UI.
pub(crate) async fn visible_record(
    state: &AppState,
    principal: &Principal,
    raw: &str,
) -> Result<StixId, ApiError> {
    let id = record_id(raw)?;
    let scope = ReadScope::of(principal, Path::Raw);
    if state
        .store
        .visible_ids(&scope, &[id.to_string()])
        .await?
        .is_empty()
    {
        return Err(ApiError::not_found("Record not found"));
    }
    Ok(id)
}

/// `GET /records/{id}`: the latest version the caller may see, and the list of versions.
async fn detail(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let (principal, me) = member(&state, &headers).await?;
    let id = record_id(&id)?;
    let (row, versions) = latest_and_versions(&state, &principal, &id, "api/records/{id}").await?;
    let mut out = record_json(&me, &principal, &row);
    out["versions"] = versions
        .iter()
        .map(|v| Value::from(v.version.to_stix()))
        .collect();
    Ok(Json(out))
}

/// The body of `POST /records`.
#[derive(Debug, Deserialize)]
struct Submission {
    /// Applied to every object, overriding the organisation's defaults; each object's own
    /// TLP/PAP markings and Renkei handling marking still refine it.
    handling: Option<Handling>,
    /// Parsed with the objects' own validation later; here only required to be present.
    objects: Option<serde::de::IgnoredAny>,
}

/// `POST /records` with `{"handling": {…}, "objects": [STIX objects]}`: stores the valid
/// objects as the caller's organisation's records and reports each object's fate.
async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let me = writer(&state, &headers).await?;
    let bytes = json_bytes(&state, &headers, body).await?;
    let head: Submission = serde_json::from_slice(&bytes)
        .map_err(|e| invalid("invalid_submission", "Invalid submission", e.to_string()))?;
    if head.objects.is_none() {
        return Err(invalid(
            "invalid_submission",
            "Invalid submission",
            "`objects` is missing: send {\"handling\": {…}, \"objects\": [STIX objects]}.",
        ));
    }
    within_clearance(&me, head.handling.as_ref())?;
    let arrival = Arrival {
        id: SubmissionId::from_uuid(state.entropy.uuid_v4()),
        channel: "rest",
        media_type: "application/json",
        bytes,
        received_at: state.clock.now_micros(),
    };
    store_submission(
        &state,
        &me,
        &arrival,
        Container::Envelope,
        head.handling,
        Vec::new(),
    )
    .await
}

/// The caller, who must be a member in good standing allowed to submit.
pub(super) async fn writer(state: &AppState, headers: &HeaderMap) -> Result<Identity, ApiError> {
    let (_, me) = member(state, headers).await?;
    may_submit(&me)?;
    Ok(me)
}

/// Refuses (403) a member who may not submit: a reader role or a read-only token. Shared by
/// the REST API and the web UI's forms.
pub(crate) fn may_submit(me: &Identity) -> Result<(), ApiError> {
    if !me.can_write() {
        return Err(
            ApiError::forbidden("cannot_write", "You may not submit records")
                .with_description("A reader role or a read-only token cannot submit."),
        );
    }
    Ok(())
}

/// A JSON request body within the size limit: 415 for another media type, 413 if too large.
pub(super) async fn json_bytes(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<Bytes, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().map(str::trim) == Some("application/json"));
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
        )
        .with_description("POST `application/json`."));
    }
    let max = state.config.max_content_length;
    axum::body::to_bytes(body, max).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "Request too large",
        )
        .with_description(format!("At most {max} bytes per request."))
    })
}

/// Stores a submission, audits it and answers with each object's fate: 201 when every
/// object was stored, 200 when some were refused. `warnings` come from a conversion.
pub(super) async fn store_submission(
    state: &AppState,
    me: &Identity,
    arrival: &Arrival,
    container: Container,
    handling: Option<Handling>,
    warnings: Vec<String>,
) -> Result<Response, ApiError> {
    let fates = submit_objects(state, me, arrival, container, handling).await?;
    Ok(fates_response(arrival, &fates, warnings))
}

/// Validates and stores a submission through the ingest path, wakes the notifier when
/// something new was stored and audits it (`path` is the arrival's channel): each object's
/// fate. Shared by the REST API and the web UI's forms.
pub(crate) async fn submit_objects(
    state: &AppState,
    me: &Identity,
    arrival: &Arrival,
    container: Container,
    handling: Option<Handling>,
) -> Result<Vec<Fate>, ApiError> {
    let fates = submit(
        state.store.as_ref(),
        me,
        arrival,
        container,
        state.config.max_objects_per_post,
        handling,
        Default::default(),
    )
    .await
    .map_err(|e| match e {
        SubmitError::Envelope(e) => {
            invalid("invalid_submission", "Invalid submission", e.to_string())
        }
        SubmitError::Store(e) => e.into(),
        SubmitError::Interrupted => ApiError::internal(),
    })?;
    let stored = fates
        .iter()
        .filter(|f| {
            matches!(
                f,
                Fate::Stored {
                    duplicate: false,
                    ..
                }
            )
        })
        .count();
    if stored > 0 {
        state.notifier.wake();
    }
    state
        .audit(
            Some(me),
            action::RECORD_SUBMIT,
            arrival.id.to_string(),
            json!({
                "path": arrival.channel,
                "media_type": arrival.media_type,
                "objects": fates.len(),
                "stored": stored,
            }),
        )
        .await?;
    Ok(fates)
}

/// The API's answer to a submission: each object's fate, 201 when every object was stored,
/// 200 when some were refused.
fn fates_response(arrival: &Arrival, fates: &[Fate], warnings: Vec<String>) -> Response {
    let results: Vec<Value> = fates
        .iter()
        .map(|f| match f {
            Fate::Stored {
                id,
                version,
                duplicate,
            } => json!({
                "id": id, "version": version.to_stix(), "stored": true, "duplicate": duplicate,
            }),
            Fate::Predefined { id, version } => json!({
                "id": id, "version": version.to_stix(), "stored": false,
                "message": "predefined marking definition; nothing to store",
            }),
            Fate::Refused {
                id,
                version,
                message,
            } => json!({
                "id": id, "version": version, "stored": false, "error": message,
            }),
        })
        .collect();
    let failures = fates.iter().filter(|f| !f.is_success()).count();
    let status = if failures == 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut answer = json!({
        "submission": arrival.id,
        "success_count": fates.len() - failures,
        "failure_count": failures,
        "results": results,
    });
    if !warnings.is_empty() {
        answer["warnings"] = warnings.into();
    }
    (status, Json(answer)).into_response()
}

/// `PATCH /records/{id}/handling` with a whole handling: the provider tightens or loosens its
/// own record. Invisible records are 404 like missing ones; visible records of others are 403.
async fn change_handling(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let (principal, me) = member(&state, &headers).await?;
    let id = visible_record(&state, &principal, &id).await?;
    let not_provider = || {
        ApiError::forbidden(
            "not_provider",
            "Only the provider of a record may change its handling",
        )
    };
    if !me.can_write() {
        return Err(ApiError::forbidden(
            "cannot_write",
            "You may not change records",
        ));
    }
    let handling: Handling = serde_json::from_slice(&body)
        .map_err(|e| invalid("invalid_handling", "Invalid handling", e.to_string()))?;
    within_clearance(&me, Some(&handling))?;
    let changed = state
        .store
        .change_handling(&HandlingChange {
            provider: me.org,
            stix_id: id.to_string(),
            handling: handling.clone(),
            now: state.clock.now_micros(),
        })
        .await?;
    if changed == 0 {
        return Err(not_provider());
    }
    // Its versions are re-added: those who may now see them and subscribe are told.
    state.notifier.wake();
    state
        .audit(
            Some(&me),
            action::RECORD_HANDLING,
            id.as_str(),
            json!({ "versions": changed, "handling": handling }),
        )
        .await?;
    Ok(Json(
        json!({ "id": id.as_str(), "versions": changed, "handling": handling }),
    ))
}
