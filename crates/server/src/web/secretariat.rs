//! The secretariat's pages. First slice: the reports from the public (通報・相談), newest
//! first. Anyone else gets the same 404 as for a page that does not exist.

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::html;

use super::layout::when;
use super::render::{member_page, page};
use crate::error::ApiError;
use crate::state::AppState;

const LIST: usize = 200;

pub async fn reports(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        if !me.is_secretariat() {
            return Err(ApiError::not_found("Not found"));
        }
        let list = state.store.public_reports(LIST).await?;
        let body = html! {
            h1 { (cx.t("public_reports.title")) }
            @if list.is_empty() { p.empty { (cx.t("public_reports.none")) } }
            table {
                thead { tr {
                    th { (cx.t("common.tracking")) } th { (cx.t("report.category")) }
                    th { (cx.t("report.text")) } th { (cx.t("report.contact")) } th { (cx.t("records.added")) }
                } }
                tbody { @for r in &list { tr {
                    td { code { (r.tracking) } }
                    td { (r.category) }
                    td.text { (r.text) }
                    td { @if let Some(c) = &r.contact { (c) } }
                    td { (when(r.created_at)) }
                } } }
            }
        };
        Ok(page(cx, csrf, cx.t("public_reports.title"), body))
    })
    .await
}
