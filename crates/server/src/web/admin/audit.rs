//! 監査ログ: the audit log for the secretariat, newest first, filtered by action and by user,
//! and the check of its whole chain — `renkei_audit::verify`, as `renkei verify audit` runs it
//! (the registered key, no anchor) — with its result.
//!
//! The store reads the log oldest first after a sequence number; the newest-first pages are
//! read backwards in windows, at most [`MAX_SCAN`] entries per page, so a filter matching
//! nothing costs a bounded amount (the page then offers to look further back).

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::html;
use renkei_model::audit::AuditEntry;
use renkei_model::ids::UserId;

use super::{member_page, member_post, query, secretariat_only};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::layout::when;
use crate::web::render::page;

/// Entries per page.
const PAGE: usize = 50;
/// Entries read per store call while going back.
const WINDOW: i64 = 500;
/// Entries looked at for one page at most.
const MAX_SCAN: i64 = 20_000;
const MAX_FILTER: usize = 100;

/// What the page asks for.
struct Filter {
    action: Option<String>,
    /// The login asked for, and its user id (`None` if no such user: nothing matches).
    user: Option<(String, Option<UserId>)>,
    /// Entries before this sequence number.
    before: Option<i64>,
}

impl Filter {
    fn matches(&self, e: &AuditEntry) -> bool {
        self.action.as_ref().is_none_or(|a| e.event.action == *a)
            && self.user.as_ref().is_none_or(|(_, id)| {
                id.as_ref().is_some_and(|id| {
                    e.event.actor_user.as_deref() == Some(id.to_string().as_str())
                })
            })
    }
}

async fn filter(state: &AppState, uri: &Uri) -> Result<Filter, ApiError> {
    let q = query(uri);
    let pick = |k: &str| {
        q.get(k)
            .map(|s| s.trim().chars().take(MAX_FILTER).collect::<String>())
            .filter(|s| !s.is_empty())
    };
    let user = match pick("user") {
        Some(login) => {
            let id = state.store.user_by_login(&login).await?.map(|u| u.id);
            Some((login, id))
        }
        None => None,
    };
    let before = pick("before")
        .map(|b| b.parse::<i64>().ok().filter(|n| *n >= 1))
        .map(|b| b.ok_or_else(|| ApiError::bad_request("invalid_parameter", "Invalid `before`")))
        .transpose()?;
    Ok(Filter {
        action: pick("action"),
        user,
        before,
    })
}

/// One page of matching entries, newest first, and where the next (older) page starts.
async fn entries(state: &AppState, f: &Filter) -> Result<(Vec<AuditEntry>, Option<i64>), ApiError> {
    let mut top = match f.before {
        Some(b) => b - 1,
        None => renkei_audit::last_seq(state.store.as_ref()).await?,
    };
    let floor = (top - MAX_SCAN).max(0);
    let mut out = Vec::new();
    while top > floor && out.len() < PAGE {
        let after = (top - WINDOW).max(floor);
        let window = state
            .store
            .audit_entries(after, (top - after) as usize)
            .await?;
        let limit = top;
        for e in window.iter().rev().filter(|e| e.seq <= limit) {
            if out.len() == PAGE {
                let next = out.last().map(|e: &AuditEntry| e.seq);
                return Ok((out, next));
            }
            if f.matches(e) {
                out.push(e.clone());
            }
            top = e.seq - 1;
        }
        top = top.min(after);
    }
    let next = (top > 0).then_some(top + 1);
    Ok((out, next))
}

/// `GET /secretariat/audit[?action=&user=&before=]`.
pub async fn log(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        secretariat_only(&me)?;
        let f = filter(&state, &uri).await?;
        let (list, next) = entries(&state, &f).await?;
        let mut logins: BTreeMap<String, String> = BTreeMap::new();
        for id in list.iter().filter_map(|e| e.event.actor_user.as_deref()) {
            if logins.contains_key(id) {
                continue;
            }
            let login = match id.parse::<UserId>() {
                Ok(uid) => state.store.user(uid).await?.map(|u| u.login),
                Err(_) => None,
            };
            logins.insert(id.to_owned(), login.unwrap_or_else(|| id.to_owned()));
        }
        let action = f.action.clone().unwrap_or_default();
        let user = f.user.as_ref().map(|u| u.0.clone()).unwrap_or_default();
        let older = next.map(|n| {
            form_urlencoded::Serializer::new(String::new())
                .append_pair("action", &action)
                .append_pair("user", &user)
                .append_pair("before", &n.to_string())
                .finish()
        });
        let body = html! {
            h1 { (cx.t("audit.title")) }
            form.action method="post" action="/secretariat/audit/verify" {
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { (cx.t("audit.verify")) }
                " " span.hint { (cx.t("audit.verify_hint")) }
            }
            form.filters method="get" action="/secretariat/audit" {
                label { (cx.t("audit.action")) input name="action" value=(action) maxlength="100" placeholder="org.status"; }
                label { (cx.t("audit.user")) input name="user" value=(user) maxlength="100"; }
                button type="submit" { (cx.t("audit.filter")) }
            }
            @if list.is_empty() { p.empty { (cx.t("audit.none")) } }
            table.audit {
                thead { tr {
                    th { "#" } th { (cx.t("audit.when")) } th { (cx.t("audit.action")) }
                    th { (cx.t("audit.user")) } th { (cx.t("audit.subject")) } th { (cx.t("audit.detail")) }
                } }
                tbody { @for e in &list { tr {
                    td.n { (e.seq) }
                    td { (when(e.event.at)) }
                    td { code { (e.event.action) } }
                    td { @if let Some(u) = &e.event.actor_user { (logins.get(u).map_or(u.as_str(), String::as_str)) } }
                    td { code { (e.event.subject) } }
                    td.detail { code { (e.event.detail) } }
                } } }
            }
            @if let Some(q) = older { p { a href={ "/secretariat/audit?" (q) } { (cx.t("audit.older")) } } }
        };
        Ok(page(cx, csrf, cx.t("audit.title"), body))
    })
    .await
}

/// `POST /secretariat/audit/verify`: runs the whole check and shows what it found.
pub async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    member_post(&state, &headers, &uri, body, async |cx, csrf, me, _| {
        secretariat_only(&me)?;
        let report = renkei_audit::verify(state.store.as_ref(), None, |_, _| {})
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "audit verification failed to run");
                ApiError::internal()
            })?;
        let body = html! {
            p.crumbs { a href="/secretariat/audit" { (cx.t("audit.title")) } }
            h1 { (cx.t("audit.verify_title")) }
            @match &report.first_broken {
                None => p.ok #verdict { strong { (cx.t("audit.intact")) } },
                Some(b) => div.error #verdict {
                    p { strong { (cx.t("audit.broken")) } }
                    p { (cx.t("audit.first_broken")) ": #" (b.seq) " — " (b.reason) }
                },
            }
            table {
                tbody {
                    tr { th { (cx.t("audit.entries")) } td.n #entries { (report.entries) } }
                    tr { th { (cx.t("audit.checkpoints")) } td.n { (report.checkpoints) } }
                    tr { th { (cx.t("audit.last_seq")) } td.n { (report.last_seq) } }
                    tr { th { (cx.t("audit.last_hash")) } td { code { (report.last_hash_hex) } } }
                }
            }
            @if report.intact() && report.entries > 0 {
                p.hint { (cx.t("audit.anchor_hint")) }
                pre { "renkei verify audit --anchor " (report.last_seq) ":" (report.last_hash_hex) }
            }
        };
        Ok(page(cx, csrf, cx.t("audit.verify_title"), body))
    })
    .await
}
