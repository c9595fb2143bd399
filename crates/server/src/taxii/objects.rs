//! Objects, manifests, versions: reads go through the store with the caller's
//! `ReadScope` (the policy), writes through `renkei-ingest`.

use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use renkei_ingest::{Arrival, Container, Fate, SubmitError, submit};
use renkei_model::account::Role;
use renkei_model::ids::{StatusId, SubmissionId};
use renkei_model::stix::{EnvelopeError, StixId, Timestamp};
use renkei_policy::view::apply;
use renkei_policy::{Principal, ReadScope, view_of};
use renkei_store::{DeleteOutcome, Deleter, RecordQuery, RecordRow, VersionFilter};
use serde_json::{Value, json};
use sha2::Digest;

use super::params::{self, Endpoint, Filters};
use super::{Collection, TAXII_MEDIA_TYPE, cursor};
use crate::audit::action;
use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;

/// One page of records and what the client needs to ask for the next.
struct Page {
    rows: Vec<RecordRow>,
    more: bool,
    next: Option<String>,
}

struct Read {
    principal: Principal,
    collection: Collection,
    scope: ReadScope,
}

async fn open_for_read(
    state: &AppState,
    headers: &HeaderMap,
    collection: &str,
) -> Result<Read, ApiError> {
    let principal = auth::principal(state, headers).await?;
    let collection = Collection::find(collection)?;
    collection.require_read(&principal)?;
    let scope = ReadScope::of(&principal, collection.path);
    Ok(Read {
        principal,
        collection,
        scope,
    })
}

fn principal_key(p: &Principal) -> String {
    match p {
        Principal::Anonymous => "anonymous".into(),
        Principal::User(me) => me.user.to_string(),
    }
}

fn object_id(raw: &str) -> Result<StixId, ApiError> {
    StixId::parse(raw).map_err(|_| ApiError::not_found("Object not found"))
}

async fn fetch_page(
    state: &AppState,
    read: &Read,
    endpoint: Endpoint,
    object: Option<&StixId>,
    filters: &Filters,
    versions: VersionFilter,
    with_body: bool,
) -> Result<Page, ApiError> {
    let binding = format!(
        "{}|{}|{}|{}|{}",
        principal_key(&read.principal),
        endpoint.name(),
        read.collection.id,
        object.map(StixId::as_str).unwrap_or(""),
        filters.binding()
    );
    let limit = filters
        .limit
        .unwrap_or(state.config.default_page_size)
        .min(state.config.max_page_size);
    let mut after = filters.added_after.map(|t| t.unix_micros());
    if let Some(next) = &filters.next {
        let position = cursor::check(&state.key, &binding, next)?;
        after = Some(after.map_or(position, |a| a.max(position)));
    }
    let query = RecordQuery {
        ids: match object {
            Some(id) => vec![id.to_string()],
            None => filters.ids.clone(),
        },
        types: filters.types.clone(),
        versions,
        spec_versions: filters.spec_versions.clone(),
        added_after: after,
        limit,
        with_body,
        with_handling: false,
    };
    let mut rows = state.store.query_records(&read.scope, &query).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    if with_body {
        let path = format!("taxii/collections/{}/objects", read.collection.id);
        state.audit_reads(&read.principal, &path, &rows).await?;
    }
    let next = match (more, rows.last()) {
        (true, Some(last)) => Some(cursor::issue(&state.key, &binding, last.date_added)),
        _ => None,
    };
    Ok(Page { rows, more, next })
}

fn taxii_time(micros: i64) -> String {
    Timestamp::from_unix_micros(micros).to_taxii_micros()
}

/// A 200 response with the X-TAXII-Date-Added headers of the page.
fn paged_response(page: &Page, body: String) -> Response {
    let mut res = ([(header::CONTENT_TYPE, TAXII_MEDIA_TYPE)], body).into_response();
    if let (Some(first), Some(last)) = (page.rows.first(), page.rows.last()) {
        for (name, micros) in [
            ("x-taxii-date-added-first", first.date_added),
            ("x-taxii-date-added-last", last.date_added),
        ] {
            if let Ok(v) = HeaderValue::from_str(&taxii_time(micros)) {
                res.headers_mut().insert(name, v);
            }
        }
    }
    res
}

fn more_and_next(out: &mut String, page: &Page) {
    out.push_str(if page.more {
        "\"more\":true,"
    } else {
        "\"more\":false,"
    });
    if let Some(next) = &page.next {
        out.push_str("\"next\":");
        out.push_str(&Value::String(next.clone()).to_string());
        out.push(',');
    }
}

/// `{"more":…,"next":…,"objects":[…]}`, written directly from the stored JSON.
fn envelope(read: &Read, page: &Page) -> String {
    if page.rows.is_empty() {
        return "{}".into();
    }
    let size: usize = page
        .rows
        .iter()
        .map(|r| r.body.as_ref().map_or(0, String::len) + 1)
        .sum();
    let mut out = String::with_capacity(size + 128);
    out.push('{');
    more_and_next(&mut out, page);
    out.push_str("\"objects\":[");
    for (i, row) in page.rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let view = view_of(
            &read.principal,
            read.collection.path,
            row.provider,
            row.attribution,
        );
        out.push_str(&apply(
            row.body.as_deref().unwrap_or("{}"),
            view,
            row.provider_sector.as_ref(),
        ));
    }
    out.push_str("]}");
    out
}

pub(super) async fn get_objects(
    State(state): State<AppState>,
    UrlPath(collection): UrlPath<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let read = open_for_read(&state, &headers, &collection).await?;
    let filters = params::parse(query.as_deref(), Endpoint::Objects)?;
    let versions = filters.versions.clone().unwrap_or_default();
    let page = fetch_page(
        &state,
        &read,
        Endpoint::Objects,
        None,
        &filters,
        versions,
        true,
    )
    .await?;
    Ok(paged_response(&page, envelope(&read, &page)))
}

pub(super) async fn manifest(
    State(state): State<AppState>,
    UrlPath(collection): UrlPath<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let read = open_for_read(&state, &headers, &collection).await?;
    let filters = params::parse(query.as_deref(), Endpoint::Manifest)?;
    let versions = filters.versions.clone().unwrap_or_default();
    let page = fetch_page(
        &state,
        &read,
        Endpoint::Manifest,
        None,
        &filters,
        versions,
        false,
    )
    .await?;
    if page.rows.is_empty() {
        return Ok(paged_response(&page, "{}".into()));
    }
    let records: Vec<Value> = page
        .rows
        .iter()
        .map(|r| {
            json!({
                "id": r.stix_id,
                "date_added": taxii_time(r.date_added),
                "version": r.version.to_stix(),
                "media_type": renkei_model::stix::STIX_MEDIA_TYPE,
            })
        })
        .collect();
    let mut body = json!({ "more": page.more, "objects": records });
    if let Some(next) = &page.next {
        body["next"] = next.clone().into();
    }
    Ok(paged_response(&page, body.to_string()))
}

/// 404 unless the caller may see at least one version of the object.
async fn require_visible(state: &AppState, read: &Read, id: &StixId) -> Result<(), ApiError> {
    if state
        .store
        .visible_ids(&read.scope, &[id.to_string()])
        .await?
        .is_empty()
    {
        return Err(ApiError::not_found("Object not found"));
    }
    Ok(())
}

pub(super) async fn get_object(
    State(state): State<AppState>,
    UrlPath((collection, object)): UrlPath<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let read = open_for_read(&state, &headers, &collection).await?;
    let id = object_id(&object)?;
    let filters = params::parse(query.as_deref(), Endpoint::Object)?;
    let versions = filters.versions.clone().unwrap_or_default();
    let page = fetch_page(
        &state,
        &read,
        Endpoint::Object,
        Some(&id),
        &filters,
        versions,
        true,
    )
    .await?;
    if page.rows.is_empty() {
        require_visible(&state, &read, &id).await?;
    }
    Ok(paged_response(&page, envelope(&read, &page)))
}

pub(super) async fn versions(
    State(state): State<AppState>,
    UrlPath((collection, object)): UrlPath<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let read = open_for_read(&state, &headers, &collection).await?;
    let id = object_id(&object)?;
    let filters = params::parse(query.as_deref(), Endpoint::Versions)?;
    let page = fetch_page(
        &state,
        &read,
        Endpoint::Versions,
        Some(&id),
        &filters,
        VersionFilter::all(),
        false,
    )
    .await?;
    if page.rows.is_empty() {
        require_visible(&state, &read, &id).await?;
        return Ok(paged_response(&page, "{}".into()));
    }
    let list: Vec<String> = page.rows.iter().map(|r| r.version.to_stix()).collect();
    let mut body = json!({ "more": page.more, "versions": list });
    if let Some(next) = &page.next {
        body["next"] = next.clone().into();
    }
    Ok(paged_response(&page, body.to_string()))
}

pub(super) async fn delete_object(
    State(state): State<AppState>,
    UrlPath((collection, object)): UrlPath<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let principal = auth::principal(&state, &headers).await?;
    let c = Collection::find(&collection)?;
    let (can_read, can_write) = (c.can_read(&principal), c.can_write(&principal));
    match (&principal, can_read, can_write) {
        (Principal::Anonymous, false, _) => return Err(ApiError::unauthorized()),
        (_, true, true) => {}
        (_, false, false) => return Err(ApiError::not_found("Collection not found")),
        _ => {
            return Err(ApiError::forbidden(
                "cannot_delete",
                "You may not delete objects from this collection",
            ));
        }
    }
    let Principal::User(me) = &principal else {
        return Err(ApiError::unauthorized());
    };
    let id = object_id(&object)?;
    let filters = params::parse(query.as_deref(), Endpoint::Delete)?;
    if filters
        .spec_versions
        .as_ref()
        .is_some_and(|s| !s.iter().any(|v| v == "2.1"))
    {
        return Err(ApiError::not_found("Object not found"));
    }
    let deleter = Deleter {
        org: me.org,
        may_delete_any: me.is_secretariat() && matches!(me.role, Role::Analyst | Role::Admin),
    };
    let scope = ReadScope::of(&principal, c.path);
    let versions = filters.versions.unwrap_or_default();
    match state
        .store
        .delete_record(
            &scope,
            &deleter,
            id.as_str(),
            &versions,
            state.clock.now_micros(),
        )
        .await?
    {
        DeleteOutcome::NotFound => Err(ApiError::not_found("Object not found")),
        DeleteOutcome::Forbidden => Err(ApiError::forbidden(
            "not_provider",
            "Only the provider of a record may delete it",
        )),
        DeleteOutcome::Deleted(n) => {
            state
                .audit(
                    Some(me),
                    action::RECORD_DELETE,
                    id.as_str(),
                    json!({ "versions": n, "path": "taxii" }),
                )
                .await?;
            Ok((
                StatusCode::OK,
                [(header::CONTENT_TYPE, TAXII_MEDIA_TYPE)],
                Body::empty(),
            )
                .into_response())
        }
    }
}

pub(super) async fn add_objects(
    State(state): State<AppState>,
    UrlPath(collection): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let t0 = std::time::Instant::now();
    let principal = auth::principal(&state, &headers).await?;
    tracing::trace!(elapsed = ?t0.elapsed(), "post: authenticated");
    let c = Collection::find(&collection)?;
    c.require_write(&principal)?;
    let Principal::User(me) = principal else {
        return Err(ApiError::unauthorized());
    };
    if !super::media::is_taxii_content(&headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
        )
        .with_description(format!(
            "POST a TAXII envelope with `Content-Type: {TAXII_MEDIA_TYPE}`."
        )));
    }
    let max = state.config.max_content_length;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "Request too large",
        )
        .with_description(format!(
            "This API root accepts at most {max} bytes per request (max_content_length)."
        ))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let bytes: Bytes = axum::body::to_bytes(body, max)
        .await
        .map_err(|_| too_large())?;

    let received_at = state.clock.now_micros();
    let arrival = Arrival {
        id: SubmissionId::from_uuid(state.entropy.uuid_v4()),
        channel: "taxii",
        media_type: TAXII_MEDIA_TYPE,
        bytes,
        received_at,
    };
    let fates = submit(
        state.store.as_ref(),
        &me,
        &arrival,
        Container::Envelope,
        state.config.max_objects_per_post,
        None,
        Default::default(),
    )
    .await
    .map_err(|e| match e {
        SubmitError::Envelope(e @ EnvelopeError::TooMany { .. }) => {
            too_large().with_description(e.to_string())
        }
        SubmitError::Envelope(other) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_envelope",
            "The body is not a TAXII envelope",
        )
        .with_description(other.to_string()),
        SubmitError::Store(e) => e.into(),
        SubmitError::Interrupted => ApiError::internal(),
    })?;
    tracing::trace!(elapsed = ?t0.elapsed(), "post: stored");
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
            Some(&me),
            action::RECORD_SUBMIT,
            arrival.id.to_string(),
            json!({
                "path": "taxii",
                "objects": fates.len(),
                "stored": stored,
                "sha256": hex::encode(sha2::Sha256::digest(&arrival.bytes)),
            }),
        )
        .await?;
    let status_id = StatusId::from_uuid(state.entropy.uuid_v4());
    let status = status_resource(status_id, received_at, &fates);
    let body = status.to_string();
    state
        .store
        .save_status(status_id, me.user, received_at, &body)
        .await?;
    prune_statuses(&state, received_at).await;
    tracing::trace!(elapsed = ?t0.elapsed(), "post: status saved");
    Ok((
        StatusCode::ACCEPTED,
        [(header::CONTENT_TYPE, TAXII_MEDIA_TYPE)],
        body,
    )
        .into_response())
}

fn status_resource(id: StatusId, request_timestamp: i64, fates: &[Fate]) -> Value {
    let mut successes = Vec::new();
    let mut failures = Vec::new();
    let requested = taxii_time(request_timestamp);
    for (i, fate) in fates.iter().enumerate() {
        match fate {
            Fate::Stored {
                id,
                version,
                duplicate,
            } => {
                let mut d = json!({ "id": id, "version": version.to_stix() });
                if *duplicate {
                    d["message"] = "already present".into();
                }
                successes.push(d);
            }
            Fate::Predefined { id, version } => {
                successes.push(json!({ "id": id, "version": version.to_stix(), "message": "predefined marking definition; nothing to store" }));
            }
            Fate::Refused {
                id,
                version,
                message,
            } => {
                failures.push(json!({
                    "id": id.clone().unwrap_or_else(|| format!("objects/{i}")),
                    "version": version.clone().unwrap_or_else(|| requested.clone()),
                    "message": message,
                }));
            }
        }
    }
    let mut s = json!({
        "id": id.to_string(),
        "status": "complete",
        "request_timestamp": requested,
        "total_count": fates.len(),
        "success_count": successes.len(),
        "failure_count": failures.len(),
        "pending_count": 0,
    });
    if !successes.is_empty() {
        s["successes"] = successes.into();
    }
    if !failures.is_empty() {
        s["failures"] = failures.into();
    }
    s
}

/// Status resources are kept for a week; forgetting older ones is done at most once a minute.
async fn prune_statuses(state: &AppState, now: i64) {
    const MINUTE: i64 = 60 * 1_000_000;
    let last = state
        .last_status_prune
        .load(std::sync::atomic::Ordering::Relaxed);
    if now - last < MINUTE {
        return;
    }
    state
        .last_status_prune
        .store(now, std::sync::atomic::Ordering::Relaxed);
    if let Err(e) = state
        .store
        .prune_statuses(now - 7 * 24 * 3600 * 1_000_000)
        .await
    {
        tracing::warn!(error = %e, "pruning TAXII status resources failed");
    }
}
