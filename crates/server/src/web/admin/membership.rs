//! 会員管理: the organisations and their applications (secretariat), one organisation's
//! membership file (the secretariat, and the organisation's own administrators), and the status
//! changes the API offers (approve, reject, suspend, reinstate, expel), each with its reason.
//! The file and the changes are `api::membership`'s own functions.

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::{Markup, html};
use renkei_membership::{MembershipError, check_manage_orgs, check_read_org};
use renkei_model::account::{Org, OrgStatus};
use renkei_policy::Identity;

use super::{given, member_page, member_post, secretariat_only};
use crate::api::common::{invalid, org_id};
use crate::api::membership::{membership_file, set_status};
use crate::state::AppState;
use crate::web::layout::when;
use crate::web::render::{page, redirect};
use crate::web::session::Ctx;

pub fn status_name(cx: &Ctx, s: OrgStatus) -> &'static str {
    match s {
        OrgStatus::Applicant => cx.t("membership.applicant"),
        OrgStatus::Active => cx.t("membership.active"),
        OrgStatus::Suspended => cx.t("membership.suspended"),
        OrgStatus::Expelled => cx.t("membership.expelled"),
    }
}

/// The button for going from `from` to `to`.
fn action_name(cx: &Ctx, from: OrgStatus, to: OrgStatus) -> &'static str {
    match (from, to) {
        (OrgStatus::Applicant, OrgStatus::Active) => cx.t("membership.approve"),
        (OrgStatus::Applicant, _) => cx.t("membership.reject"),
        (_, OrgStatus::Suspended) => cx.t("membership.suspend"),
        (_, OrgStatus::Active) => cx.t("membership.reinstate"),
        _ => cx.t("membership.expel"),
    }
}

fn org_row(cx: &Ctx, o: &Org) -> Markup {
    html! { tr {
        td { a href={ "/membership/" (o.id) } { (o.name) } }
        td { (o.kind.as_str()) }
        td { @if let Some(s) = &o.sector { (s.as_str()) } }
        td { (o.tier.as_str()) }
        td { span class={ "badge status-" (o.status.as_str()) } { (status_name(cx, o.status)) } }
    } }
}

/// `GET /membership`: every organisation, applicants first (secretariat only).
pub async fn list(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        secretariat_only(&me)?;
        let mut orgs: Vec<Org> = state
            .store
            .list_orgs()
            .await?
            .into_iter()
            .filter(|o| check_read_org(&me, o).is_ok())
            .collect();
        orgs.sort_by_key(|o| (o.status != OrgStatus::Applicant, o.status, o.name.clone()));
        let head = html! { thead { tr {
            th { (cx.t("membership.org")) } th { (cx.t("membership.kind")) }
            th { (cx.t("membership.sector")) } th { (cx.t("membership.tier")) }
            th { (cx.t("membership.status")) }
        } } };
        let body = html! {
            h1 { (cx.t("membership.title")) }
            p.lead { (cx.t("membership.lead")) }
            @if orgs.is_empty() { p.empty { (cx.t("membership.none")) } }
            table { (head) tbody { @for o in &orgs { (org_row(cx, o)) } } }
        };
        Ok(page(cx, csrf, cx.t("membership.title"), body))
    })
    .await
}

/// Who changed a status: a login for the secretariat, "the secretariat" for the member.
async fn actor(
    state: &AppState,
    me: &Identity,
    cx: &Ctx,
    user: renkei_model::ids::UserId,
) -> String {
    if !me.is_secretariat() {
        return cx.t("membership.by_secretariat").to_owned();
    }
    match state.store.user(user).await {
        Ok(Some(u)) => u.login,
        _ => user.to_string(),
    }
}

/// `GET /membership/{id}`: the membership file (404 for whoever the API refuses).
pub async fn show(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        let (m, admission) = membership_file(&state, &me, org_id(&id)?).await?;
        let mut actors = Vec::with_capacity(m.history.len());
        for c in &m.history {
            actors.push(actor(&state, &me, cx, c.actor).await);
        }
        let may_change = check_manage_orgs(&me).is_ok() && m.org.id != me.org;
        let from = m.org.status;
        let targets: Vec<OrgStatus> = OrgStatus::ALL
            .iter()
            .copied()
            .filter(|to| from.can_become(*to))
            .collect();
        let body = html! {
            @if me.is_secretariat() { p.crumbs { a href="/membership" { (cx.t("membership.title")) } } }
            h1 { (m.org.name) }
            p {
                span class={ "badge status-" (from.as_str()) } { (status_name(cx, from)) } " "
                span.badge { (m.org.kind.as_str()) } " "
                @if let Some(s) = &m.org.sector { span.badge { (s.as_str()) } " " }
                span.badge { (cx.t("membership.tier")) " " (m.org.tier.as_str()) }
            }
            @if let Some(a) = &admission {
                section.admission {
                    h2 { (cx.t("membership.admission")) }
                    p { (cx.t("membership.recommendations")) ": " strong { (a.recommendations_counted) " / " (a.recommendations_required) } }
                    p { (cx.t("membership.nda_required")) ": " code { (a.nda_version) } }
                    @match &a.blocked_by {
                        None => p.ok { (cx.t("membership.ready")) },
                        Some(b) => p.warn { (cx.t("membership.blocked")) " " code { (MembershipError::code(b)) } },
                    }
                }
            }
            @if let Some(app) = &m.application {
                h2 { (cx.t("membership.application")) }
                p.hint { (when(app.submitted_at)) }
                p.text { (app.statement) }
            }
            h2 { (cx.t("membership.recommendations")) }
            @if m.recommendations.is_empty() { p.empty { (cx.t("membership.no_recommendations")) } }
            ul { @for r in &m.recommendations {
                li { strong { (r.recommender_name) } " " span.hint { (when(r.at)) } br; (r.statement) }
            } }
            h2 { (cx.t("membership.nda")) }
            @match &m.nda {
                Some(n) => p { code { (n.version) } " — " (when(n.accepted_at)) },
                None => p.empty { (cx.t("membership.no_nda")) },
            }
            h2 { (cx.t("membership.history")) }
            table {
                thead { tr { th { (cx.t("membership.when")) } th { (cx.t("membership.change")) } th { (cx.t("membership.reason")) } th { (cx.t("membership.by")) } } }
                tbody { @for (c, who) in m.history.iter().zip(&actors) { tr {
                    td { (when(c.at)) }
                    td { (status_name(cx, c.from)) " → " (status_name(cx, c.to)) }
                    td.text { (c.reason) }
                    td { (who) }
                } } }
            }
            @if may_change && !targets.is_empty() {
                h2 { (cx.t("membership.actions")) }
                @for to in &targets {
                    form.action method="post" action={ "/membership/" (m.org.id) "/status" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="to" value=(to.as_str());
                        label { (cx.t("membership.reason")) textarea name="reason" required maxlength="2000" rows="2" {} }
                        button type="submit" { (action_name(cx, from, *to)) }
                    }
                }
            }
        };
        Ok(page(cx, csrf, &m.org.name, body))
    })
    .await
}

/// `POST /membership/{id}/status`: `to` and `reason`, decided by `api::membership::set_status`.
pub async fn change_status(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    member_post(&state, &headers, &uri, body, async |cx, _, me, f| {
        let id = org_id(&id)?;
        // Whoever may not read the file learns nothing more from changing it.
        membership_file(&state, &me, id).await?;
        let to: OrgStatus = given(&f, "to").unwrap_or_default().parse().map_err(
            |e: renkei_model::account::UnknownValue| {
                invalid("invalid_parameter", "Invalid status", e.to_string())
            },
        )?;
        let reason = f.get("reason").map(|r| r.trim()).unwrap_or_default();
        set_status(&state, &me, id, to, reason).await?;
        Ok(redirect(cx, &format!("/membership/{id}"), &[]))
    })
    .await
}
