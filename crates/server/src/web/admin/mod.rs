//! The secretariat's administration pages (membership, reciprocity, the audit log) and the
//! members' own settings (notifications, notification settings, feed tokens).
//!
//! Every page calls the same functions as the REST API (`api::membership`, `api::reciprocity`,
//! `api::users`, `api::notifications`, `api::subscriptions`, `renkei_audit::verify`); nothing
//! here decides who may do what. Secretariat pages answer 404 to everyone else, like a page
//! that does not exist.

use renkei_policy::Identity;

pub use super::render::{given, member_page, member_post, query};
use crate::error::ApiError;

pub mod audit;
pub mod inbox;
pub mod membership;
pub mod reciprocity;
pub mod tokens;

/// Secretariat pages are 404 to everyone else.
pub fn secretariat_only(me: &Identity) -> Result<(), ApiError> {
    if renkei_membership::is_secretariat(me) {
        Ok(())
    } else {
        Err(ApiError::not_found("Not found"))
    }
}
