//! A provider's answer to a consent request (対外的な発表の可否): given or refused, by a user
//! of the provider cleared for the product, while the product is in review.

use renkei_model::product::{ConsentState, ProductStatus};
use renkei_policy::Identity;
use renkei_store::{ConsentAnswer, ConsentRequest};
use serde_json::json;

use super::process::{action, check_status};
use crate::error::ApiError;
use crate::state::AppState;

/// A provider answers a consent request addressed to its organisation; only while the
/// product is in review.
pub async fn answer_consent(
    state: &AppState,
    me: &Identity,
    id: i64,
    given: bool,
    comment: Option<String>,
) -> Result<ConsentRequest, ApiError> {
    if !me.can_write() {
        return Err(ApiError::forbidden(
            "cannot_write",
            "You may not answer for your organisation",
        ));
    }
    let not_found = || ApiError::not_found("Consent request not found");
    let request = state
        .store
        .consent_requests_to(me.org)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(not_found)?;
    let product = state
        .store
        .product(request.product)
        .await?
        .filter(|p| p.release.classification <= me.clearance)
        .ok_or_else(not_found)?;
    check_status(&product, ProductStatus::InReview)?;
    let state_now = if given {
        ConsentState::Given
    } else {
        ConsentState::Refused
    };
    let answered = state
        .store
        .answer_consent(&ConsentAnswer {
            id,
            provider: me.org,
            state: state_now,
            by: me.user,
            at: state.clock.now_micros(),
            comment,
        })
        .await?
        .ok_or_else(not_found)?;
    state
        .audit(
            Some(me),
            action::CONSENT,
            product.number.to_string(),
            json!({ "request": id, "record": answered.record, "answer": state_now }),
        )
        .await?;
    Ok(answered)
}
