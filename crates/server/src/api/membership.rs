//! Organisations and the membership process (design §2, `docs/membership.md`): applying
//! (申込), recommendations (推薦), the NDA, approval (承認), suspension and expulsion
//! (停止・除名), organisation details, and each organisation's default handling.
//!
//! Every decision is made by `renkei_membership`; the handlers load the facts, ask it, write,
//! and audit. Applicants reach their own organisation, its membership file and the NDA
//! through [`auth::principal_any_standing`]; everything else needs an active membership.
//!
//! The helpers at the end (JSON bodies, refusals, ids in URLs) are shared with `users.rs`.

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use renkei_membership::{
    AdmissionRules, ErrorKind, MembershipError, check_accept_nda, check_application_kind,
    check_manage_orgs, check_nda, check_read_handling_defaults, check_read_membership,
    check_read_org, check_recommend, check_recommendation, check_set_handling_defaults, check_tier,
    check_transition, counted_recommendations, text,
};
use renkei_model::account::{Org, OrgKind, OrgStatus, Role, Tier, check_login, check_org_name};
use renkei_model::handling::{Classification, Handling, Sector};
use renkei_model::ids::{OrgId, UserId};
use renkei_model::stix::Timestamp;
use renkei_policy::{Identity, Principal};
use renkei_store::{
    Membership, NdaAcceptance, NewApplication, NewOrg, NewRecommendation, NewUser, OrgUpdate,
    StatusChange, StoreError,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use crate::audit::action;
use crate::auth;
use crate::error::ApiError;
use crate::state::{AppState, MembershipRules};

pub const PATHS: &[(&str, &str)] = &[
    ("post", "/applications"),
    ("get", "/orgs"),
    ("get", "/orgs/{id}"),
    ("patch", "/orgs/{id}"),
    ("get", "/orgs/{id}/membership"),
    ("post", "/orgs/{id}/recommendations"),
    ("post", "/orgs/{id}/nda"),
    ("post", "/orgs/{id}/status"),
    ("get", "/orgs/{id}/handling-defaults"),
    ("put", "/orgs/{id}/handling-defaults"),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/applications", post(apply))
        .route("/orgs", get(list_orgs))
        .route("/orgs/{id}", get(show_org).patch(update_org))
        .route("/orgs/{id}/membership", get(show_membership))
        .route("/orgs/{id}/recommendations", post(recommend))
        .route("/orgs/{id}/nda", post(accept_nda))
        .route("/orgs/{id}/status", post(change_status))
        .route(
            "/orgs/{id}/handling-defaults",
            get(show_handling_defaults).put(set_handling_defaults),
        )
}

/// The admission rules of the server's configuration.
fn admission(rules: &MembershipRules) -> AdmissionRules<'_> {
    AdmissionRules {
        recommendations_required: rules.recommendations_required,
        nda_version: &rules.nda_version,
    }
}

// --- applying ---

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Application {
    organisation: ApplicantOrg,
    admin: ApplicantAdmin,
    statement: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplicantOrg {
    name: String,
    kind: OrgKind,
    sector: Option<Sector>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplicantAdmin {
    login: String,
    password: String,
    display_name: Option<String>,
}

impl std::fmt::Debug for ApplicantAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplicantAdmin")
            .field("login", &self.login)
            .finish_non_exhaustive()
    }
}

/// `POST /applications` (no credentials): an organisation applies. It is created with status
/// `applicant`, tier `none`, and its first user, an `org_admin` with clearance 0, who can then
/// follow the application and accept the NDA.
async fn apply(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let a: Application = json_body(&headers, body).await?;
    check_org_name(&a.organisation.name)
        .map_err(|m| invalid("invalid_name", "Invalid organisation name", m))?;
    check_application_kind(a.organisation.kind).map_err(refused)?;
    check_login(&a.admin.login).map_err(|m| invalid("invalid_login", "Invalid login", m))?;
    if let Some(name) = &a.admin.display_name {
        text::check_display_name(name).map_err(refused)?;
    }
    text::check_statement(&a.statement).map_err(refused)?;
    let password_hash = hash_password(&state, a.admin.password).await?;
    let now = state.clock.now_micros();
    let org_id = OrgId::from_uuid(state.entropy.uuid_v4());
    let (org, user) = state
        .store
        .create_application(&NewApplication {
            org: NewOrg {
                id: org_id,
                name: a.organisation.name,
                kind: a.organisation.kind,
                sector: a.organisation.sector,
                tier: Tier::None,
                status: OrgStatus::Applicant,
                created_at: now,
            },
            admin: NewUser {
                id: UserId::from_uuid(state.entropy.uuid_v4()),
                org: org_id,
                login: a.admin.login,
                display_name: a.admin.display_name,
                password_hash: Some(password_hash),
                role: Role::OrgAdmin,
                clearance: Classification::UNCLASSIFIED,
                created_at: now,
            },
            statement: a.statement,
        })
        .await?;
    state
        .audit(
            None,
            action::ORG_APPLY,
            org.id.to_string(),
            json!({ "name": org.name, "kind": org.kind, "admin": user.login }),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "org": org_json(&org), "user": user_json(&user) })),
    )
        .into_response())
}

// --- organisations ---

/// `GET /orgs`: members see the active organisations, the secretariat every one.
async fn list_orgs(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let me = member(&state, &headers).await?;
    let orgs: Vec<Value> = state
        .store
        .list_orgs()
        .await?
        .iter()
        .filter(|o| check_read_org(&me, o).is_ok())
        .map(org_json)
        .collect();
    Ok(Json(json!({ "orgs": orgs })))
}

/// `GET /orgs/{id}`: an organisation the caller may see (applicants: their own).
async fn show_org(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let me = applicant_or_member(&state, &headers).await?;
    let org = visible_org(&state, &me, org_id(&id)?).await?;
    Ok(Json(org_json(&org)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgPatch {
    name: Option<String>,
    tier: Option<Tier>,
    /// `null` clears the sector.
    #[serde(default, deserialize_with = "nullable")]
    sector: Option<Option<Sector>>,
}

/// `PATCH /orgs/{id}` (secretariat administrators): name, tier, sector.
async fn update_org(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let me = member(&state, &headers).await?;
    let id = org_id(&id)?;
    check_manage_orgs(&me).map_err(refused)?;
    let patch: OrgPatch = json_body(&headers, body).await?;
    let org = state
        .store
        .org(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Organisation not found"))?;
    if patch.name.is_none() && patch.tier.is_none() && patch.sector.is_none() {
        return Err(nothing_to_change());
    }
    if let Some(name) = &patch.name {
        check_org_name(name)
            .map_err(|m| invalid("invalid_name", "Invalid organisation name", m))?;
    }
    if let Some(tier) = patch.tier {
        check_tier(org.kind, tier).map_err(refused)?;
    }
    let org = state
        .store
        .update_org(
            id,
            &OrgUpdate {
                name: patch.name.clone(),
                tier: patch.tier,
                sector: patch.sector.clone(),
            },
        )
        .await?;
    let mut changes = serde_json::Map::new();
    if let Some(name) = patch.name {
        changes.insert("name".into(), name.into());
    }
    if let Some(tier) = patch.tier {
        changes.insert("tier".into(), tier.as_str().into());
    }
    if let Some(sector) = patch.sector {
        changes.insert("sector".into(), json!(sector));
    }
    state
        .audit(
            Some(&me),
            action::ORG_UPDATE,
            id.to_string(),
            Value::Object(changes),
        )
        .await?;
    Ok(Json(org_json(&org)))
}

// --- the membership process ---

/// `GET /orgs/{id}/membership`: the application, recommendations, NDA, status history, and
/// for applicants how far they are from admission. For the organisation's own administrators
/// (also while it applies) and the secretariat.
async fn show_membership(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let me = applicant_or_member(&state, &headers).await?;
    let id = org_id(&id)?;
    check_read_membership(&me, id).map_err(refused)?;
    let m = membership(&state, id).await?;
    let rules = admission(&state.config.membership);
    let admission = if m.org.status == OrgStatus::Applicant {
        let current = recommenders_now(&state, &m).await?;
        let blocked_by = renkei_membership::check_approval(&m, &current, &rules).err();
        json!({
            "recommendations_required": rules.recommendations_required,
            "recommendations_counted": counted_recommendations(&m, &current),
            "nda_version": rules.nda_version,
            "ready": blocked_by.is_none(),
            "blocked_by": blocked_by.as_ref().map(MembershipError::code),
        })
    } else {
        Value::Null
    };
    Ok(Json(json!({
        "org": org_json(&m.org),
        "created_at": instant(m.created_at),
        "application": m.application.as_ref().map(|a| json!({
            "statement": a.statement,
            "submitted_at": instant(a.submitted_at),
            "submitted_by": a.submitted_by,
        })),
        "recommendations": m.recommendations.iter().map(|r| json!({
            "recommender": r.recommender,
            "recommender_name": r.recommender_name,
            "by_user": r.by_user,
            "statement": r.statement,
            "at": instant(r.at),
        })).collect::<Vec<_>>(),
        "nda": m.nda.as_ref().map(nda_json),
        "history": m.history.iter().map(|c| json!({
            "from": c.from,
            "to": c.to,
            "reason": c.reason,
            "actor": c.actor,
            "at": instant(c.at),
        })).collect::<Vec<_>>(),
        "admission": admission,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecommendationBody {
    statement: String,
}

/// `POST /orgs/{id}/recommendations`: an administrator of an eligible member organisation
/// recommends the applicant `id`, once.
async fn recommend(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let me = member(&state, &headers).await?;
    let id = org_id(&id)?;
    check_recommend(&me).map_err(refused)?;
    let body: RecommendationBody = json_body(&headers, body).await?;
    let m = membership(&state, id).await?;
    // Applicants are recommended by members who know them; whatever else the caller could
    // not see stays unknown.
    if m.org.status != OrgStatus::Applicant && check_read_org(&me, &m.org).is_err() {
        return Err(ApiError::not_found("Organisation not found"));
    }
    let recommender = state
        .store
        .org(me.org)
        .await?
        .ok_or_else(ApiError::internal)?;
    check_recommendation(&recommender, &m.org, &m.recommendations).map_err(refused)?;
    text::check_statement(&body.statement).map_err(refused)?;
    let at = state.clock.now_micros();
    state
        .store
        .add_recommendation(&NewRecommendation {
            applicant: id,
            recommender: me.org,
            by_user: me.user,
            statement: body.statement.clone(),
            at,
        })
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => refused(MembershipError::AlreadyRecommended),
            e => e.into(),
        })?;
    state
        .audit(
            Some(&me),
            action::ORG_RECOMMEND,
            id.to_string(),
            json!({ "recommender": me.org }),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "applicant": id,
            "recommender": me.org,
            "recommender_name": recommender.name,
            "by_user": me.user,
            "statement": body.statement,
            "at": instant(at),
        })),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NdaBody {
    version: String,
}

/// `POST /orgs/{id}/nda`: the organisation's own administrator accepts the current NDA
/// (while applying, or again as a member when it changes).
async fn accept_nda(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let me = applicant_or_member(&state, &headers).await?;
    let id = org_id(&id)?;
    check_accept_nda(&me, id).map_err(refused)?;
    let body: NdaBody = json_body(&headers, body).await?;
    let org = state
        .store
        .org(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Organisation not found"))?;
    check_nda(&org, &body.version, &admission(&state.config.membership)).map_err(refused)?;
    let nda = NdaAcceptance {
        version: body.version,
        accepted_at: state.clock.now_micros(),
        accepted_by: me.user,
    };
    state.store.accept_nda(id, &nda).await?;
    state
        .audit(
            Some(&me),
            action::ORG_NDA,
            id.to_string(),
            json!({ "version": nda.version }),
        )
        .await?;
    Ok(Json(json!({ "org": id, "nda": nda_json(&nda) })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    to: OrgStatus,
    reason: String,
}

/// `POST /orgs/{id}/status` (secretariat administrators): approve, reject, suspend,
/// reinstate or expel, with a reason. Approval needs the admission rules met. A suspension or
/// expulsion takes effect with the next request of any of the organisation's users, since
/// every request loads its identity afresh.
async fn change_status(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let me = member(&state, &headers).await?;
    let id = org_id(&id)?;
    check_manage_orgs(&me).map_err(refused)?;
    let body: StatusBody = json_body(&headers, body).await?;
    if id == me.org {
        return Err(refused(MembershipError::NotPermitted(
            "the secretariat cannot change its own organisation's status",
        )));
    }
    let m = membership(&state, id).await?;
    let current = recommenders_now(&state, &m).await?;
    let rules = admission(&state.config.membership);
    check_transition(&m, body.to, &body.reason, &current, &rules).map_err(refused)?;
    let from = m.org.status;
    let org = state
        .store
        .change_org_status(&StatusChange {
            org: id,
            from,
            to: body.to,
            reason: body.reason.clone(),
            actor: me.user,
            at: state.clock.now_micros(),
        })
        .await?;
    state
        .audit(
            Some(&me),
            action::ORG_STATUS,
            id.to_string(),
            json!({ "from": from, "to": body.to, "reason": body.reason }),
        )
        .await?;
    Ok(Json(org_json(&org)))
}

// --- default handling ---

/// `GET /orgs/{id}/handling-defaults`: what the organisation's submissions get when they
/// carry no marking (`null`: the platform's restrictive default).
async fn show_handling_defaults(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let me = member(&state, &headers).await?;
    let id = org_id(&id)?;
    check_read_handling_defaults(&me, id).map_err(refused)?;
    existing_org(&state, id).await?;
    let handling = state.store.org_default_handling(id).await?;
    Ok(Json(json!({ "org": id, "handling": handling })))
}

/// `PUT /orgs/{id}/handling-defaults` with a handling, or `null` to clear it: the
/// organisation's administrators and secretariat administrators, never classifying above
/// their own clearance.
async fn set_handling_defaults(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let me = member(&state, &headers).await?;
    let id = org_id(&id)?;
    check_set_handling_defaults(&me, id, None).map_err(refused)?;
    let handling: Option<Handling> = json_body(&headers, body).await?;
    check_set_handling_defaults(&me, id, handling.as_ref()).map_err(refused)?;
    existing_org(&state, id).await?;
    state
        .store
        .set_org_default_handling(id, handling.as_ref(), state.clock.now_micros())
        .await?;
    state
        .audit(
            Some(&me),
            action::ORG_HANDLING_DEFAULTS,
            id.to_string(),
            json!({ "handling": handling }),
        )
        .await?;
    Ok(Json(json!({ "org": id, "handling": handling })))
}

// --- loading ---

async fn membership(state: &AppState, id: OrgId) -> Result<Membership, ApiError> {
    state
        .store
        .membership(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Organisation not found"))
}

async fn existing_org(state: &AppState, id: OrgId) -> Result<Org, ApiError> {
    state
        .store
        .org(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Organisation not found"))
}

/// The organisation if it exists and the caller may see it; 404 alike otherwise.
async fn visible_org(state: &AppState, me: &Identity, id: OrgId) -> Result<Org, ApiError> {
    let org = existing_org(state, id).await?;
    check_read_org(me, &org).map_err(refused)?;
    Ok(org)
}

/// The applicant's recommenders as they are now (a recommender suspended since no longer
/// counts).
async fn recommenders_now(state: &AppState, m: &Membership) -> Result<Vec<Org>, ApiError> {
    let mut orgs = Vec::with_capacity(m.recommendations.len());
    for r in &m.recommendations {
        if let Some(o) = state.store.org(r.recommender).await? {
            orgs.push(o);
        }
    }
    Ok(orgs)
}

// --- shared with users.rs ---

/// Largest JSON body the membership and user endpoints accept.
pub(crate) const MAX_BODY: usize = 64 * 1024;

/// The caller, who must be a user of an active organisation; 401 without credentials.
pub(crate) async fn member(state: &AppState, headers: &HeaderMap) -> Result<Identity, ApiError> {
    match auth::principal(state, headers).await? {
        Principal::User(me) => Ok(me),
        Principal::Anonymous => Err(ApiError::unauthorized()),
    }
}

/// The caller, who may also belong to an applicant organisation (see
/// [`auth::principal_any_standing`]).
async fn applicant_or_member(state: &AppState, headers: &HeaderMap) -> Result<Identity, ApiError> {
    match auth::principal_any_standing(state, headers).await? {
        Principal::User(me) => Ok(me),
        Principal::Anonymous => Err(ApiError::unauthorized()),
    }
}

/// A JSON body of type `T`: `application/json` (415 otherwise), at most [`MAX_BODY`] bytes
/// (413), syntactically JSON (400 `malformed_json`), and of the right shape — known fields,
/// known values — (422 `invalid_body`).
pub(crate) async fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Body,
) -> Result<T, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
        )
        .with_description("Send `Content-Type: application/json`."));
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "Request too large",
        )
        .with_description(format!("At most {MAX_BODY} bytes."))
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let description: String = e.to_string().chars().take(300).collect();
        match e.classify() {
            serde_json::error::Category::Data => {
                invalid("invalid_body", "Invalid body", description)
            }
            _ => ApiError::bad_request("malformed_json", "Malformed JSON")
                .with_description(description),
        }
    })
}

/// A field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub(crate) fn nullable<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A membership rule's refusal as an HTTP error; hidden things are 404 like missing ones.
pub(crate) fn refused(e: MembershipError) -> ApiError {
    let status = match e.kind() {
        ErrorKind::Hidden => return ApiError::not_found("Not found"),
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let title = e.to_string();
    ApiError::new(status, e.code(), title)
}

pub(crate) fn invalid(code: &'static str, title: &str, description: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, title).with_description(description)
}

pub(crate) fn nothing_to_change() -> ApiError {
    invalid(
        "empty_update",
        "Nothing to change",
        "Send at least one field to change.",
    )
}

/// An organisation id in a URL; anything else reads as an organisation that does not exist.
pub(crate) fn org_id(raw: &str) -> Result<OrgId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found("Organisation not found"))
}

/// An instant (µs since the epoch) as an RFC 3339 timestamp.
pub(crate) fn instant(micros: i64) -> String {
    Timestamp::from_unix_micros(micros).to_taxii_micros()
}

/// Hashes a new password (argon2id, off the async threads); a weak one is 422
/// `weak_password`.
pub(crate) async fn hash_password(state: &AppState, password: String) -> Result<String, ApiError> {
    renkei_accounts::check_password(&password)
        .map_err(|e| invalid("weak_password", "Password not accepted", e.to_string()))?;
    let mut salt = [0u8; 16];
    state.entropy.fill(&mut salt);
    tokio::task::spawn_blocking(move || renkei_accounts::hash_password(&password, &salt))
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            ApiError::internal()
        })
}

pub(crate) fn org_json(o: &Org) -> Value {
    json!({
        "id": o.id,
        "name": o.name,
        "kind": o.kind,
        "sector": o.sector,
        "tier": o.tier,
        "status": o.status,
    })
}

pub(crate) fn user_json(u: &renkei_model::account::User) -> Value {
    json!({
        "id": u.id,
        "org": u.org,
        "login": u.login,
        "display_name": u.display_name,
        "role": u.role,
        "clearance": u.clearance,
        "disabled": u.disabled,
    })
}

fn nda_json(n: &NdaAcceptance) -> Value {
    json!({
        "version": n.version,
        "accepted_at": instant(n.accepted_at),
        "accepted_by": n.accepted_by,
    })
}
