//! Products over REST (`/api/v1/products…`): reading them as the policy allows, the
//! publication process for the secretariat, exports (STIX report, printable page) and seminar
//! registration (consent answers for providers: `api::consents`). The process itself is in
//! `crate::products`.

use axum::body::Body;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use renkei_model::product::{ProductContent, ProductStatus, parse_kind};
use renkei_model::stix::Timestamp;
use renkei_policy::{Identity, Principal};
use renkei_store::{ConsentRequest, Product};
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{self, invalid};
use crate::error::ApiError;
use crate::products::{self, Release, audience_labels, bulletin, export, seminars};
use crate::state::AppState;

pub const PATHS: &[(&str, &str)] = &[
    ("get", "/products"),
    ("post", "/products"),
    ("post", "/products/bulletin-draft"),
    ("get", "/products/{id}"),
    ("patch", "/products/{id}"),
    ("post", "/products/{id}/submit"),
    ("post", "/products/{id}/approve"),
    ("post", "/products/{id}/return"),
    ("post", "/products/{id}/withdraw"),
    ("get", "/products/{id}/consents"),
    ("get", "/products/{id}/stix"),
    ("get", "/products/{id}/print"),
    ("get", "/products/{id}/registrations"),
    ("post", "/products/{id}/registrations"),
];

/// Largest product body accepted (the body text is limited to 256 KiB by the model).
const MAX_PRODUCT_BODY: usize = 512 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/products", get(list).post(create))
        .route("/products/bulletin-draft", post(bulletin_draft))
        .route("/products/{id}", get(detail).patch(update))
        .route("/products/{id}/submit", post(submit))
        .route("/products/{id}/approve", post(approve))
        .route("/products/{id}/return", post(return_to_draft))
        .route("/products/{id}/withdraw", post(withdraw))
        .route("/products/{id}/consents", get(consents))
        .route("/products/{id}/stix", get(stix))
        .route("/products/{id}/print", get(print))
        .route(
            "/products/{id}/registrations",
            get(registrations).post(register),
        )
}

fn time(t: i64) -> String {
    Timestamp::from_unix_micros(t).to_taxii_micros()
}

/// A product as `principal` may see it: cited records only those it may read; the release
/// plan, author and approver for the secretariat only.
pub fn product_json(p: &Product, refs: &[String], principal: &Principal) -> Value {
    let c = &p.content;
    let mut v = json!({
        "id": p.id,
        "number": p.number.to_string(),
        "kind": p.kind(),
        "status": p.status,
        "title": c.title,
        "summary": c.summary,
        "body": c.body,
        "sectors": c.sectors,
        "recommended_actions": c.recommended_actions,
        "cites": refs,
        "tlp": p.handling.tlp,
        "created": time(p.created_at),
        "updated": time(p.updated_at),
    });
    if let Some(s) = c.severity {
        v["severity"] = json!(s);
    }
    if let Some(s) = &c.seminar {
        v["seminar"] = json!(s);
    }
    if let Some(period) = &c.period {
        v["period"] = json!(period);
    }
    if let Some(t) = p.published_at {
        v["published"] = json!(time(t));
    }
    if principal.identity().is_some_and(Identity::is_secretariat) {
        v["audience"] = json!(audience_labels(&p.handling));
        v["release"] = json!({
            "tlp": p.release.tlp,
            "audience": audience_labels(&p.release),
            "classification": p.release.classification,
            "public": p.release.uses.contains(renkei_model::handling::Use::Publication),
        });
        v["all_cites"] = json!(c.cites);
        v["author"] = json!(p.author);
        v["approver"] = json!(p.approver);
        v["public_record"] = json!(p.public_record);
    }
    v
}

pub(super) fn consent_json(c: &ConsentRequest, p: Option<&Product>) -> Value {
    let mut v = json!({
        "id": c.id,
        "record": c.record,
        "state": c.state,
        "asked": time(c.asked_at),
        "answered": c.answered_at.map(time),
        "comment": c.comment,
    });
    if let Some(p) = p {
        v["product"] = json!({
            "id": p.id, "number": p.number.to_string(), "kind": p.kind(), "title": p.content.title,
            "status": p.status,
            "release": {
                "tlp": p.release.tlp,
                "audience": audience_labels(&p.release),
                "public": p.release.uses.contains(renkei_model::handling::Use::Publication),
            },
        });
    }
    v
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    kind: Option<String>,
    status: Option<String>,
}

/// `GET /products[?kind=…&status=…]`: what the caller may read, newest first.
async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let principal = Principal::User(common::member(&state, &headers).await?);
    let p = common::query(params)?;
    let bad = |e: renkei_model::account::UnknownValue| {
        ApiError::bad_request("invalid_parameter", "Invalid query parameter")
            .with_description(e.to_string())
    };
    let kind = p.kind.as_deref().map(parse_kind).transpose().map_err(bad)?;
    let status = p
        .status
        .as_deref()
        .map(str::parse::<ProductStatus>)
        .transpose()
        .map_err(bad)?;
    let mut out = Vec::new();
    for product in products::readable(&state, &principal).await? {
        if kind.is_some_and(|k| k != product.kind()) || status.is_some_and(|s| s != product.status)
        {
            continue;
        }
        let refs = export::visible_cites(&state, &principal, &product).await?;
        let mut v = product_json(&product, &refs, &principal);
        if let Some(o) = v.as_object_mut() {
            o.remove("body");
        }
        out.push(v);
    }
    Ok(Json(json!({ "products": out })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    kind: String,
    content: ProductContent,
    release: Release,
}

/// `POST /products`: a new draft (secretariat analysts).
async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let me = common::member(&state, &headers).await?;
    let b: CreateBody = common::json_body_limited(&headers, body, MAX_PRODUCT_BODY).await?;
    let kind = parse_kind(&b.kind)
        .map_err(|e| invalid("invalid_product", "Invalid product", e.to_string()))?;
    let p = products::create(&state, &me, kind, b.content, b.release).await?;
    let principal = Principal::User(me);
    let refs = export::visible_cites(&state, &principal, &p).await?;
    Ok((
        StatusCode::CREATED,
        Json(product_json(&p, &refs, &principal)),
    )
        .into_response())
}

async fn found(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
) -> Result<(Principal, Product), ApiError> {
    let principal = Principal::User(common::member(state, headers).await?);
    let p = products::find(state, &principal, id).await?;
    Ok((principal, p))
}

async fn answer_with(
    state: &AppState,
    principal: &Principal,
    p: &Product,
) -> Result<Json<Value>, ApiError> {
    let refs = export::visible_cites(state, principal, p).await?;
    Ok(Json(product_json(p, &refs, principal)))
}

/// `GET /products/{id}` (id or number).
async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    let (principal, p) = found(&state, &headers, &id).await?;
    if let Some(me) = principal.identity() {
        state.count_usage(me, crate::usage::kind::PRODUCT_VIEWS, 1);
    }
    answer_with(&state, &principal, &p).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    content: Option<ProductContent>,
    release: Option<Release>,
}

/// `PATCH /products/{id}`: replaces a draft's content and/or release.
async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let (principal, p) = found(&state, &headers, &id).await?;
    let b: UpdateBody = common::json_body_limited(&headers, body, MAX_PRODUCT_BODY).await?;
    if b.content.is_none() && b.release.is_none() {
        return Err(common::nothing_to_change());
    }
    let me = principal.identity().ok_or_else(ApiError::unauthorized)?;
    let p = products::update(&state, me, p, b.content, b.release).await?;
    answer_with(&state, &principal, &p).await
}

/// `POST /products/{id}/submit`: to review; answers with the consent requests opened.
async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    let (principal, p) = found(&state, &headers, &id).await?;
    let me = principal.identity().ok_or_else(ApiError::unauthorized)?;
    let (p, requests) = products::submit(&state, me, p).await?;
    let refs = export::visible_cites(&state, &principal, &p).await?;
    Ok(Json(json!({
        "product": product_json(&p, &refs, &principal),
        "consent_requests": requests.iter().map(|c| consent_json(c, None)).collect::<Vec<_>>(),
    })))
}

/// `POST /products/{id}/approve`: sign-off and publication.
async fn approve(
    State(state): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    let (principal, p) = found(&state, &headers, &id).await?;
    let me = principal.identity().ok_or_else(ApiError::unauthorized)?;
    let p = products::approve(&state, me, p).await?;
    answer_with(&state, &principal, &p).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonBody {
    #[serde(default)]
    reason: String,
}

async fn reason(headers: &HeaderMap, body: Body) -> Result<String, ApiError> {
    let has_body = headers.get(header::CONTENT_TYPE).is_some();
    let b: ReasonBody = if has_body {
        common::json_body(headers, body).await?
    } else {
        ReasonBody::default()
    };
    products::check_note("reason", &b.reason)?;
    Ok(b.reason)
}

/// `POST /products/{id}/return`: back to the author.
async fn return_to_draft(
    State(state): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let (principal, p) = found(&state, &headers, &id).await?;
    let why = reason(&headers, body).await?;
    let me = principal.identity().ok_or_else(ApiError::unauthorized)?;
    let p = products::return_to_draft(&state, me, p, &why).await?;
    answer_with(&state, &principal, &p).await
}

/// `POST /products/{id}/withdraw`.
async fn withdraw(
    State(state): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let (principal, p) = found(&state, &headers, &id).await?;
    let why = reason(&headers, body).await?;
    let me = principal.identity().ok_or_else(ApiError::unauthorized)?;
    let p = products::withdraw(&state, me, p, &why).await?;
    answer_with(&state, &principal, &p).await
}

fn secretariat_only(principal: &Principal) -> Result<(), ApiError> {
    if principal.identity().is_some_and(Identity::is_secretariat) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "secretariat_only",
            "Only the secretariat sees this",
        ))
    }
}

/// `GET /products/{id}/consents` (secretariat).
async fn consents(
    State(state): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    let (principal, p) = found(&state, &headers, &id).await?;
    secretariat_only(&principal)?;
    let requests = state.store.consent_requests(p.id).await?;
    Ok(Json(
        json!({ "consent_requests": requests.iter().map(|c| consent_json(c, None)).collect::<Vec<_>>() }),
    ))
}

/// What an export shows its reader: the product, the cited records they may read, and the name
/// of the secretariat that made it.
async fn for_export(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
) -> Result<(Product, Vec<String>, String), ApiError> {
    let (principal, p) = found(state, headers, id).await?;
    let refs = export::visible_cites(state, &principal, &p).await?;
    let org = state
        .store
        .org(p.org)
        .await?
        .ok_or_else(ApiError::internal)?;
    Ok((p, refs, org.name))
}

/// `GET /products/{id}/stix`: the product as a STIX bundle.
async fn stix(
    State(state): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let (p, refs, org) = for_export(&state, &headers, &id).await?;
    let bundle = export::bundle(&p, &refs, &org, state.entropy.uuid_v4());
    let mut res = Json(bundle).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/stix+json;version=2.1"),
    );
    Ok(res)
}

/// `GET /products/{id}/print`: the printable page.
async fn print(
    State(state): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let (p, refs, org) = for_export(&state, &headers, &id).await?;
    let page = export::printable(&p, &refs, &org);
    let mut res = page.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    Ok(res)
}

/// `GET /products/{id}/registrations` (secretariat).
async fn registrations(
    State(state): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    let (principal, p) = found(&state, &headers, &id).await?;
    secretariat_only(&principal)?;
    let all = state.store.registrations(p.id).await?;
    let list: Vec<Value> = all
        .iter()
        .map(|r| json!({ "tracking": r.tracking, "name": r.name, "email": r.email, "organisation": r.organisation, "user": r.user, "at": time(r.at) }))
        .collect();
    Ok(Json(json!({ "registrations": list })))
}

/// `POST /products/{id}/registrations`: a member registers for a seminar.
async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let (principal, p) = found(&state, &headers, &id).await?;
    let applicant: seminars::Applicant = common::json_body(&headers, body).await?;
    let r = seminars::register(&state, &principal, &p, applicant).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "tracking": r.tracking, "seminar": p.number.to_string() })),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodBody {
    /// Default: where the last bulletin ended (or 14 days before `until`).
    from: Option<String>,
    /// Default: now.
    until: Option<String>,
}

/// `POST /products/bulletin-draft`: a bulletin draft from the period's data.
async fn bulletin_draft(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let me = common::member(&state, &headers).await?;
    let b: PeriodBody = if headers.get(header::CONTENT_TYPE).is_some() {
        common::json_body(&headers, body).await?
    } else {
        PeriodBody {
            from: None,
            until: None,
        }
    };
    let instant = |what: &str, t: &str| {
        Timestamp::parse(t)
            .map(|t| t.unix_micros())
            .map_err(|e| invalid("invalid_body", &format!("Invalid `{what}`"), e.to_string()))
    };
    let from = b.from.as_deref().map(|t| instant("from", t)).transpose()?;
    let until = b
        .until
        .as_deref()
        .map(|t| instant("until", t))
        .transpose()?;
    let p = bulletin::create_draft(&state, &me, from, until).await?;
    let principal = Principal::User(me);
    let refs = export::visible_cites(&state, &principal, &p).await?;
    Ok((
        StatusCode::CREATED,
        Json(product_json(&p, &refs, &principal)),
    )
        .into_response())
}
