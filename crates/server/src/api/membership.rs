//! The membership process (design §2, `docs/membership.md`): applying (申込),
//! recommendations (推薦), the NDA, approval (承認), suspension and expulsion (停止・除名).
//!
//! Every decision is made by `renkei_membership`; the handlers load the facts, ask it, write,
//! and audit. Applicants reach their own organisation, its membership file and the NDA
//! through [`auth::principal_any_standing`]; everything else needs an active membership.

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use renkei_membership::{
    AdmissionRules, MembershipError, check_accept_nda, check_application_kind, check_manage_orgs,
    check_nda, check_read_membership, check_read_org, check_recommend, check_recommendation,
    check_transition, counted_recommendations, text,
};
use renkei_model::account::{Org, OrgKind, OrgStatus, Role, Tier, check_login, check_org_name};
use renkei_model::handling::{Classification, Sector};
use renkei_model::ids::{OrgId, UserId};
use renkei_store::{
    Membership, NdaAcceptance, NewApplication, NewOrg, NewRecommendation, NewUser, StatusChange,
    StoreError,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::audit::action;
use crate::error::ApiError;
use crate::state::{AppState, MembershipRules};

use super::common::{
    applicant_or_member, hash_password, instant, invalid, json_body, member, org_id, org_json,
    refused, user_json,
};

pub const PATHS: &[(&str, &str)] = &[
    ("post", "/applications"),
    ("get", "/orgs/{id}/membership"),
    ("post", "/orgs/{id}/recommendations"),
    ("post", "/orgs/{id}/nda"),
    ("post", "/orgs/{id}/status"),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/applications", post(apply))
        .route("/orgs/{id}/membership", get(show_membership))
        .route("/orgs/{id}/recommendations", post(recommend))
        .route("/orgs/{id}/nda", post(accept_nda))
        .route("/orgs/{id}/status", post(change_status))
}

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
    let (m, admission) = membership_file(&state, &me, org_id(&id)?).await?;
    let admission = admission.map_or(Value::Null, |a| {
        json!({
            "recommendations_required": a.recommendations_required,
            "recommendations_counted": a.recommendations_counted,
            "nda_version": a.nda_version,
            "ready": a.blocked_by.is_none(),
            "blocked_by": a.blocked_by.as_ref().map(MembershipError::code),
        })
    });
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
    let org = set_status(&state, &me, id, body.to, &body.reason).await?;
    Ok(Json(org_json(&org)))
}

// --- shared with the web UI ---

/// How far an applicant is from admission.
#[derive(Debug)]
pub(crate) struct Admission {
    pub recommendations_required: usize,
    pub recommendations_counted: usize,
    pub nda_version: String,
    /// `None`: ready to be approved.
    pub blocked_by: Option<MembershipError>,
}

/// The organisation's membership file as `me` may read it (its own administrators and the
/// secretariat; 404 for others), and for an applicant how far it is from admission.
pub(crate) async fn membership_file(
    state: &AppState,
    me: &renkei_policy::Identity,
    id: OrgId,
) -> Result<(Membership, Option<Admission>), ApiError> {
    check_read_membership(me, id).map_err(refused)?;
    let m = membership(state, id).await?;
    let rules = admission(&state.config.membership);
    let admission = if m.org.status == OrgStatus::Applicant {
        let current = recommenders_now(state, &m).await?;
        Some(Admission {
            recommendations_required: rules.recommendations_required,
            recommendations_counted: counted_recommendations(&m, &current),
            nda_version: rules.nda_version.to_owned(),
            blocked_by: renkei_membership::check_approval(&m, &current, &rules).err(),
        })
    } else {
        None
    };
    Ok((m, admission))
}

/// Changes organisation `id`'s status to `to` for `me` (a secretariat administrator), with
/// `reason`: the transition is decided by `renkei_membership`, then written and audited.
pub(crate) async fn set_status(
    state: &AppState,
    me: &renkei_policy::Identity,
    id: OrgId,
    to: OrgStatus,
    reason: &str,
) -> Result<Org, ApiError> {
    check_manage_orgs(me).map_err(refused)?;
    if id == me.org {
        return Err(refused(MembershipError::NotPermitted(
            "the secretariat cannot change its own organisation's status",
        )));
    }
    let m = membership(state, id).await?;
    let current = recommenders_now(state, &m).await?;
    let rules = admission(&state.config.membership);
    check_transition(&m, to, reason, &current, &rules).map_err(refused)?;
    let from = m.org.status;
    let org = state
        .store
        .change_org_status(&StatusChange {
            org: id,
            from,
            to,
            reason: reason.to_owned(),
            actor: me.user,
            at: state.clock.now_micros(),
        })
        .await?;
    state
        .audit(
            Some(me),
            action::ORG_STATUS,
            id.to_string(),
            json!({ "from": from, "to": to, "reason": reason }),
        )
        .await?;
    Ok(org)
}

// --- loading ---

async fn membership(state: &AppState, id: OrgId) -> Result<Membership, ApiError> {
    state
        .store
        .membership(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Organisation not found"))
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

fn nda_json(n: &NdaAcceptance) -> Value {
    json!({
        "version": n.version,
        "accepted_at": instant(n.accepted_at),
        "accepted_by": n.accepted_by,
    })
}
