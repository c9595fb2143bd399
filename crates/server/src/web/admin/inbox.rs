//! 通知: the inbox (`api::notifications::inbox`, every record and product decided again now
//! for the reader, exactly as `GET /api/v1/notifications`) with "mark read", and 通知設定:
//! the member's subscriptions, a new one (sectors, STIX types, watched values, channels) and
//! removing one (`api::subscriptions`, which refuses bad input before storing anything).

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::html;
use renkei_observables::ObservableType;
use renkei_store::NotificationQuery;
use serde_json::Value;

use super::{given, member_page, member_post, query};
use crate::api::notifications::{inbox as read_inbox, mark_read_for};
use crate::api::subscriptions::{NewBody, create_for, remove_for};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::layout::{tlp_badge, when, when_stix};
use crate::web::render::{page, redirect};

const PAGE: usize = 50;

/// `GET /notifications[?unread=1&before=ID]`.
pub async fn inbox(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        let q = query(&uri);
        let unread_only = q.get("unread").is_some_and(|v| v == "1");
        let before = q
            .get("before")
            .map(|b| {
                b.parse::<i64>()
                    .map_err(|_| ApiError::bad_request("invalid_parameter", "Invalid `before`"))
            })
            .transpose()?;
        let query = NotificationQuery {
            before,
            unread_only,
            limit: PAGE,
        };
        let page_json = read_inbox(&state, &me, &query, "web/notifications").await?;
        let list = page_json["notifications"].as_array().cloned().unwrap_or_default();
        let next = page_json["next_before"].as_i64();
        let body = html! {
            h1 { (cx.t("inbox.title")) }
            p.lead { (cx.t("inbox.unread")) ": " strong #unread { (page_json["unread"].as_u64().unwrap_or(0)) } " · "
                @if unread_only { a href="/notifications" { (cx.t("inbox.all")) } }
                @else { a href="/notifications?unread=1" { (cx.t("inbox.only_unread")) } }
                " · " a href="/settings/notifications" { (cx.t("admin.nav_settings")) }
            }
            @if list.is_empty() { p.empty { (cx.t("inbox.none")) } }
            ul.inbox { @for n in &list { (notification(cx, csrf, n)) } }
            @if let Some(b) = next {
                p { a href=(format!("/notifications?before={b}{}", if unread_only { "&unread=1" } else { "" })) { (cx.t("inbox.older")) } }
            }
        };
        Ok(page(cx, csrf, cx.t("inbox.title"), body))
    })
    .await
}

fn notification(cx: &crate::web::session::Ctx, csrf: &str, n: &Value) -> maud::Markup {
    let read = n["read"].as_bool().unwrap_or(false);
    let records = n["records"].as_array().cloned().unwrap_or_default();
    let product = &n["product"];
    html! {
        li.notification.unread[!read] {
            p.head {
                strong { (n["title"].as_str().unwrap_or_default()) }
                " " span.hint { (when_stix(n["created_at"].as_str().unwrap_or_default())) }
                @if !read {
                    form.inline method="post" action={ "/notifications/" (n["id"]) "/read" } {
                        input type="hidden" name="csrf" value=(csrf);
                        button type="submit" { (cx.t("inbox.mark_read")) }
                    }
                }
            }
            @if product.is_object() {
                p { (tlp_badge(product["tlp"].as_str().unwrap_or_default())) " "
                    a href={ "/products/" (product["number"].as_str().unwrap_or_default()) } { (product["title"].as_str().unwrap_or_default()) } }
            }
            @if !records.is_empty() {
                ul { @for r in &records { li {
                    (tlp_badge(r["tlp"].as_str().unwrap_or_default())) " "
                    a href={ "/records/" (r["id"].as_str().unwrap_or_default()) } {
                        (r["name"].as_str().or(r["type"].as_str()).unwrap_or_default())
                    }
                } } }
            } @else if !product.is_object() {
                p.empty { (cx.t("inbox.nothing_visible")) }
            }
        }
    }
}

/// `POST /notifications/{id}/read`.
pub async fn mark_read(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    member_post(&state, &headers, &uri, body, async |cx, _, me, _| {
        mark_read_for(&state, &me, &id).await?;
        Ok(redirect(cx, "/notifications", &[]))
    })
    .await
}

/// Words of a field: split on commas, 、 and white space.
fn words(f: &std::collections::HashMap<String, String>, name: &str) -> Vec<String> {
    f.get(name)
        .map(|s| {
            s.split(|c: char| c == ',' || c == '、' || c.is_whitespace())
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// `GET /settings/notifications`.
pub async fn settings(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        let subs = state.store.subscriptions(me.user).await?;
        let body = html! {
            h1 { (cx.t("settings.title")) }
            p.lead { (cx.t("settings.lead")) }
            @if subs.is_empty() { p.empty { (cx.t("settings.none")) } }
            table {
                thead { tr {
                    th { (cx.t("settings.name")) } th { (cx.t("settings.sectors")) } th { (cx.t("settings.types")) }
                    th { (cx.t("settings.watched")) } th { (cx.t("settings.channels")) } th { (cx.t("settings.created")) } th {}
                } }
                tbody { @for s in &subs { tr {
                    td { (s.name) }
                    td { @for x in &s.criteria.sectors { span.badge { (x.as_str()) } " " } }
                    td { @for x in &s.criteria.types { code { (x) } " " } }
                    td.n { (s.watched) }
                    td { @for c in s.channels.names() { span.badge { (c) } " " } }
                    td { (when(s.created_at)) }
                    td { form.inline method="post" action={ "/settings/notifications/" (s.id) "/delete" } {
                        input type="hidden" name="csrf" value=(csrf);
                        button type="submit" { (cx.t("settings.delete")) }
                    } }
                } } }
            }
            h2 { (cx.t("settings.new")) }
            form.narrow method="post" action="/settings/notifications" {
                input type="hidden" name="csrf" value=(csrf);
                label { (cx.t("settings.name")) input name="name" required maxlength="100"; }
                label { (cx.t("settings.sectors")) input name="sectors" placeholder="finance, telecom" maxlength="2000"; }
                label { (cx.t("settings.types")) input name="types" placeholder="indicator, x-renkei-fraud-account" maxlength="2000"; }
                label { (cx.t("settings.values")) textarea name="values" rows="4" {} }
                label { (cx.t("settings.value_type"))
                    select name="value_type" {
                        option value="" { (cx.t("settings.any_type")) }
                        @for k in ObservableType::ALL { option value=(k.name()) { (k.name()) } }
                    }
                }
                fieldset {
                    legend { (cx.t("settings.channels")) }
                    label.check { input type="checkbox" name="in_app" value="1" checked; " " (cx.t("settings.in_app")) }
                    label.check { input type="checkbox" name="email" value="1"; " " (cx.t("settings.email")) }
                }
                p.hint { (cx.t("settings.hint")) }
                button type="submit" { (cx.t("settings.create")) }
            }
        };
        Ok(page(cx, csrf, cx.t("settings.title"), body))
    })
    .await
}

/// `POST /settings/notifications`.
pub async fn subscribe(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    member_post(&state, &headers, &uri, body, async |cx, _, me, f| {
        let channels = ["in_app", "email"]
            .into_iter()
            .filter(|c| f.contains_key(*c))
            .map(str::to_owned)
            .collect();
        let values = f
            .get("values")
            .map(|v| {
                v.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let request = NewBody {
            name: f.get("name").cloned().unwrap_or_default(),
            sectors: words(&f, "sectors"),
            types: words(&f, "types"),
            values,
            value_type: given(&f, "value_type"),
            channels: Some(channels),
        };
        create_for(&state, &me, request).await?;
        Ok(redirect(cx, "/settings/notifications", &[]))
    })
    .await
}

/// `POST /settings/notifications/{id}/delete`.
pub async fn unsubscribe(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    member_post(&state, &headers, &uri, body, async |cx, _, me, _| {
        remove_for(&state, &me, &id).await?;
        Ok(redirect(cx, "/settings/notifications", &[]))
    })
    .await
}
