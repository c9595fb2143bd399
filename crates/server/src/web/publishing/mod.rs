//! The publication process in the browser: the secretariat's analysts draft products, review
//! and approve them, and broker contact on correlation hints; providers answer the consent
//! requests for releases that widen their records' reach.
//!
//! Every step calls the same function as the REST API (`crate::products::{create, update,
//! submit, approve, return_to_draft, withdraw, answer_consent, consents_to}`,
//! `bulletin::create_draft`, `api::correlation::close_hint`): nothing here decides who may do
//! what. The pages only refuse early — 404, like a page that does not exist — to anyone the
//! process would refuse anyway (`products::may_author`), and turn the process's refusals into
//! messages in the visitor's language.

use std::collections::HashMap;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use maud::{Markup, html};
use renkei_model::ids::{OrgId, UserId};
use renkei_policy::{Identity, Principal};
use renkei_store::Product;

use super::session::Ctx;
use crate::error::ApiError;
use crate::products;
use crate::state::AppState;

mod consents;
mod drafting;
mod form;
mod hints;
mod review;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/secretariat/products",
            get(drafting::desk).post(drafting::create),
        )
        .route("/secretariat/products/new", get(drafting::new_form))
        .route("/secretariat/products/bulletin", post(drafting::bulletin))
        .route("/secretariat/products/{number}", get(review::product))
        .route(
            "/secretariat/products/{number}/edit",
            get(drafting::edit_form).post(drafting::update),
        )
        .route("/secretariat/products/{number}/{step}", post(review::step))
        .route("/secretariat/review", get(review::queue))
        .route("/secretariat/hints", get(hints::list))
        .route("/secretariat/hints/{id}/close", post(hints::close))
        .route("/consents", get(consents::list))
        .route("/consents/{id}", post(consents::answer))
}

/// The visitor if the process lets them write and approve products; anyone else gets the 404
/// of a page that does not exist.
fn analyst(cx: &Ctx) -> Result<Identity, ApiError> {
    cx.me
        .clone()
        .filter(products::may_author)
        .ok_or_else(|| ApiError::not_found("Not found"))
}

/// The analyst and the product `number` as they may read it (404 alike for anything else).
async fn analysts_product(
    state: &AppState,
    cx: &Ctx,
    number: &str,
) -> Result<(Identity, Product), ApiError> {
    let me = analyst(cx)?;
    let p = products::find(state, &Principal::User(me.clone()), number).await?;
    Ok((me, p))
}

/// Where the secretariat follows a product through the process.
fn product_path(p: &Product) -> String {
    format!("/secretariat/products/{}", p.number)
}

/// A refusal shown on the page the visitor was on, in their language, with the process's own
/// detail (a field, a record id) underneath.
struct Problem {
    text: &'static str,
    detail: Option<String>,
}

impl Problem {
    fn new(text: &'static str) -> Problem {
        Problem { text, detail: None }
    }

    /// The message for a refusal of the process; `None` for what is not the visitor's to fix
    /// (a product that is not there, a server failure), which gets an error page instead.
    fn of(cx: &Ctx, e: &ApiError) -> Option<Problem> {
        if !e.status.is_client_error() || e.status == StatusCode::NOT_FOUND {
            return None;
        }
        let text = match e.code {
            "approver_is_author" => cx.t("publish.err.approver_is_author"),
            "consent_missing" => cx.t("publish.err.consent_missing"),
            "uncitable_record" => cx.t("publish.err.uncitable_record"),
            "invalid_product" => cx.t("publish.err.invalid_product"),
            "invalid_release" => cx.t("publish.err.invalid_release"),
            "invalid_body" => cx.t("publish.err.invalid_body"),
            "wrong_product_status" => cx.t("publish.err.wrong_status"),
            "not_product_author" => cx.t("publish.err.not_author"),
            "cannot_write" => cx.t("publish.err.cannot_write"),
            _ => cx.t("error.invalid"),
        };
        Some(Problem {
            text,
            detail: e.description.clone(),
        })
    }

    fn show(&self) -> Markup {
        html! {
            div.problem role="alert" {
                p.error { strong { (self.text) } }
                @if let Some(d) = &self.detail { p.detail { code { (d) } } }
            }
        }
    }
}

/// Logins and organisation names for display, each looked up once.
#[derive(Default)]
pub struct Names {
    users: HashMap<UserId, String>,
    orgs: HashMap<OrgId, String>,
}

impl Names {
    pub async fn user(&mut self, state: &AppState, id: UserId) -> Result<String, ApiError> {
        if let Some(n) = self.users.get(&id) {
            return Ok(n.clone());
        }
        let name = state
            .store
            .user(id)
            .await?
            .map_or_else(|| id.to_string(), |u| u.login);
        self.users.insert(id, name.clone());
        Ok(name)
    }

    pub async fn org(&mut self, state: &AppState, id: OrgId) -> Result<String, ApiError> {
        if let Some(n) = self.orgs.get(&id) {
            return Ok(n.clone());
        }
        let name = state
            .store
            .org(id)
            .await?
            .map_or_else(|| id.to_string(), |o| o.name);
        self.orgs.insert(id, name.clone());
        Ok(name)
    }
}

/// A form's field, trimmed; empty when absent.
fn field<'a>(f: &'a HashMap<String, String>, name: &str) -> &'a str {
    f.get(name).map_or("", |v| v.trim())
}
