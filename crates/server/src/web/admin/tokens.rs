//! APIトークン: a member's own tokens (never their secrets), a new one — its secret shown once,
//! on the page that answers the form, with the feed URLs that use it (`docs/feeds.md`) — and
//! revoking one. Listing, minting and revoking are `api::users`' own functions.

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::header::HOST;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::{Markup, html};
use renkei_store::{TokenRecord, TokenScope};

use super::{given, member_page, member_post};
use crate::api::common::invalid;
use crate::api::users::{NewTokenBody, mint_for, revoke as revoke_token, tokens_of};
use crate::state::AppState;
use crate::web::layout::when;
use crate::web::render::{page, redirect};
use crate::web::session::Ctx;

/// The feeds a token pulls (`docs/feeds.md`).
const FEEDS: &[&str] = &[
    "/feeds/plain",
    "/feeds/csv",
    "/feeds/suricata",
    "/feeds/rpz",
    "/feeds/stix",
    "/feeds/samples",
];

/// This server as the browser reached it, for the feed URLs (only a plain host name is used).
fn base(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers.get(HOST).and_then(|h| h.to_str().ok()).filter(|h| {
        !h.is_empty()
            && h.len() <= 255
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
    });
    let scheme = if state.config.web_plain_http {
        "http"
    } else {
        "https"
    };
    host.map_or_else(String::new, |h| format!("{scheme}://{h}"))
}

fn scope_name(cx: &Ctx, s: TokenScope) -> &'static str {
    match s {
        TokenScope::Api => cx.t("tokens.scope_api"),
        TokenScope::Feeds => cx.t("tokens.scope_feeds"),
    }
}

fn list(cx: &Ctx, csrf: &str, tokens: &[TokenRecord]) -> Markup {
    html! {
        h2 { (cx.t("tokens.mine")) }
        @if tokens.is_empty() { p.empty { (cx.t("tokens.none")) } }
        table.tokens {
            thead { tr {
                th { (cx.t("tokens.prefix")) } th { (cx.t("tokens.label")) } th { (cx.t("tokens.scope")) }
                th { (cx.t("tokens.created")) } th { (cx.t("tokens.expires")) } th { (cx.t("tokens.state")) } th {}
            } }
            tbody { @for t in tokens { tr {
                td { code { (t.prefix) "…" } }
                td { @if let Some(l) = &t.label { (l) } }
                td { (scope_name(cx, t.scope)) @if t.read_only && t.scope == TokenScope::Api { " " span.badge { (cx.t("tokens.read_only")) } } }
                td { (when(t.created_at)) }
                td { @match t.expires_at { Some(at) => { (when(at)) }, None => { (cx.t("tokens.never")) } } }
                td { @if t.revoked { span.badge { (cx.t("tokens.revoked")) } } @else { (cx.t("tokens.active")) } }
                td { @if !t.revoked {
                    form.inline method="post" action={ "/tokens/" (t.id) "/revoke" } {
                        input type="hidden" name="csrf" value=(csrf);
                        button type="submit" { (cx.t("tokens.revoke")) }
                    }
                } }
            } } }
        }
        h2 { (cx.t("tokens.new")) }
        form.narrow method="post" action="/tokens" {
            input type="hidden" name="csrf" value=(csrf);
            label { (cx.t("tokens.label")) input name="label" maxlength="200"; }
            label { (cx.t("tokens.scope"))
                select name="scope" {
                    option value="feeds" selected { (cx.t("tokens.scope_feeds")) }
                    option value="api" { (cx.t("tokens.scope_api")) }
                }
            }
            label.check { input type="checkbox" name="read_only" value="1"; " " (cx.t("tokens.read_only")) }
            label { (cx.t("tokens.expires_days")) input name="expires_days" type="number" min="1" max="3650" value="365"; }
            button type="submit" { (cx.t("tokens.create")) }
        }
    }
}

/// `GET /tokens`.
pub async fn page_of_tokens(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        let tokens = tokens_of(&state, &me, me.user).await?;
        let body = html! {
            h1 { (cx.t("tokens.title")) }
            p.lead { (cx.t("tokens.lead")) }
            (list(cx, csrf, &tokens))
        };
        Ok(page(cx, csrf, cx.t("tokens.title"), body))
    })
    .await
}

/// `POST /tokens`: the new token's secret, on this page only.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    member_post(&state, &headers, &uri, body, async |cx, csrf, me, f| {
        let expires_days = given(&f, "expires_days")
            .map(|d| {
                d.parse::<u32>()
                    .map_err(|_| invalid("invalid_expiry", "Invalid expiry", "A number of days."))
            })
            .transpose()?;
        let request = NewTokenBody {
            label: given(&f, "label"),
            read_only: f.contains_key("read_only"),
            scope: given(&f, "scope"),
            expires_days,
        };
        let (token, secret) = mint_for(&state, &me, me.user, request).await?;
        let tokens = tokens_of(&state, &me, me.user).await?;
        let base = base(&state, &headers);
        let body = html! {
            h1 { (cx.t("tokens.title")) }
            section.secret #new-token {
                h2 { (cx.t("tokens.created_title")) }
                p.warn { (cx.t("tokens.once")) }
                p { code.secret #secret { (secret.expose()) } }
                h3 { (cx.t("tokens.feed_urls")) }
                ul.feeds { @for f in FEEDS {
                    li { code { (base) (f) "?token=" (secret.expose()) } }
                } }
                @if token.scope == TokenScope::Api {
                    p.hint { (cx.t("tokens.api_hint")) }
                }
            }
            (list(cx, csrf, &tokens))
        };
        Ok(page(cx, csrf, cx.t("tokens.title"), body))
    })
    .await
}

/// `POST /tokens/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    member_post(&state, &headers, &uri, body, async |cx, _, me, _| {
        revoke_token(&state, &me, &id).await?;
        Ok(redirect(cx, "/tokens", &[]))
    })
    .await
}
