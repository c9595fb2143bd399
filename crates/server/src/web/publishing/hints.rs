//! Correlation hints waiting to be brokered (secretariat): readers were told that records they
//! may not see carry a value they looked at; the secretariat puts them in touch with the
//! providers, then closes the notice. The same list and the same close as
//! `GET /api/v1/correlations/hints` and `POST …/hints/{id}/close`.

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::html;
use renkei_policy::Identity;

use super::Names;
use crate::api::correlation::close_hint;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::layout::when;
use crate::web::render::{checked_form, member_page, or_error, page, redirect};
use crate::web::session::Ctx;
use crate::web_visitor;

/// Open notices shown at once, like the API's default page.
const LIST: usize = 100;

/// The visitor if of the secretariat (like the API's correlation queue); 404 for anyone else.
fn secretariat(cx: &Ctx) -> Result<Identity, ApiError> {
    cx.me
        .clone()
        .filter(Identity::is_secretariat)
        .ok_or_else(|| ApiError::not_found("Not found"))
}

/// `GET /secretariat/hints`: the open notices, newest first.
pub async fn list(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, _me| {
        secretariat(cx)?;
        let notices = state.store.hint_notices(false, LIST).await?;
        let mut names = Names::default();
        let mut rows = Vec::with_capacity(notices.len());
        for n in &notices {
            let reader = format!(
                "{} ({})",
                names.org(&state, n.reader_org).await?,
                names.user(&state, n.reader_user).await?
            );
            let mut providers = Vec::with_capacity(n.providers.len());
            for p in &n.providers {
                providers.push(names.org(&state, *p).await?);
            }
            rows.push((n, reader, providers));
        }
        let body = html! {
            h1 { (cx.t("publish.hints.title")) }
            p.lead { (cx.t("publish.hints.lead")) }
            @if rows.is_empty() { p.empty { (cx.t("publish.hints.none")) } }
            table {
                thead { tr {
                    th { (cx.t("publish.hints.reader")) } th { (cx.t("records.type")) }
                    th { (cx.t("publish.hints.value")) } th { (cx.t("publish.hints.providers")) }
                    th { (cx.t("publish.hints.records")) } th { (cx.t("publish.hints.times")) }
                    th { (cx.t("publish.hints.last")) } th {}
                } }
                tbody { @for (n, reader, providers) in &rows { tr {
                    td { (reader) }
                    td { (n.kind) }
                    td { code { (n.value) } }
                    td { (providers.join("、")) }
                    td { (n.records) }
                    td { (n.times) }
                    td { (when(n.last_at)) }
                    td {
                        form.inline-step method="post" action={ "/secretariat/hints/" (n.id) "/close" } {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" { (cx.t("publish.hints.close")) }
                        }
                    }
                } } }
            }
        };
        Ok(page(cx, csrf, cx.t("publish.hints.title"), body))
    })
    .await
}

/// `POST /secretariat/hints/{id}/close`: contact brokered (or not to be); back to the list.
pub async fn close(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    let (cx, csrf) = web_visitor!(state, headers, uri);
    let r = async {
        let me = secretariat(&cx)?;
        checked_form(&state, &cx, body).await?;
        close_hint(&state, &me, &id).await?;
        Ok(redirect(&cx, "/secretariat/hints", &[]))
    }
    .await;
    or_error(&cx, &csrf, r)
}
