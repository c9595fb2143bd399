//! The secretariat's products (seed 003 ①②④⑤⑥, design §7) and the publication process
//! (対外的な発表の可否): who may read a product, and every step from draft to publication.
//! REST (`api::products`) and the CLI (`renkei product`) call these functions; nothing else
//! changes a product.
//!
//! Reads go through `renkei_policy::decide` on `Path::Product` (members of tier A and B, police,
//! the secretariat, by the product's audience) or `Path::Public` (published ① and ⑥ marked
//! TLP:CLEAR). A product's stored `handling` is what the policy reads: the secretariat's alone
//! until an approver publishes it, when it becomes the `release` handling.

use renkei_model::account::OrgKind;
use renkei_model::ids::ProductId;
use renkei_policy::{Decision, Path, Principal, RecordMeta, decide};
use renkei_store::Product;

use crate::error::ApiError;
use crate::state::AppState;

pub mod bulletin;
mod consent;
pub mod export;
mod process;
mod release;
pub mod seminars;

pub use consent::{answer_consent, consents_to};
pub use process::*;
pub use release::{Release, audience_labels};

/// The product as the policy sees it: a record of the secretariat with the product's current
/// handling.
pub fn meta(p: &Product) -> RecordMeta<'_> {
    RecordMeta {
        provider: p.org,
        provider_kind: OrgKind::Secretariat,
        provider_sector: None,
        handling: &p.handling,
    }
}

/// Whether `principal` may read the product: on the product path, or on the public path when
/// it was published to everyone.
pub fn may_read(principal: &Principal, p: &Product) -> bool {
    let meta = meta(p);
    matches!(decide(principal, &meta, Path::Product), Decision::Allow(_))
        || matches!(decide(principal, &meta, Path::Public), Decision::Allow(_))
}

/// The products `principal` may read, newest first.
pub async fn readable(state: &AppState, principal: &Principal) -> Result<Vec<Product>, ApiError> {
    let all = state.store.list_products().await?;
    Ok(all.into_iter().filter(|p| may_read(principal, p)).collect())
}

/// A product by id or number, if `principal` may read it; 404 alike when it does not exist or
/// may not be read.
pub async fn find(
    state: &AppState,
    principal: &Principal,
    handle: &str,
) -> Result<Product, ApiError> {
    let found = match handle.parse::<ProductId>() {
        Ok(id) => state.store.product(id).await?,
        Err(_) => state.store.product_by_number(handle).await?,
    };
    found
        .filter(|p| may_read(principal, p))
        .ok_or_else(|| ApiError::not_found("Product not found"))
}
