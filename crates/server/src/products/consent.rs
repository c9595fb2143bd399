//! A provider's answer to a consent request (対外的な発表の可否): given or refused, by a user
//! of the provider cleared for the product, while the product is in review.

use renkei_model::product::{ConsentState, ProductStatus};
use renkei_policy::Identity;
use renkei_store::{ConsentAnswer, ConsentRequest, Product};
use serde_json::json;

use super::process::{action, check_status};
use crate::error::ApiError;
use crate::state::AppState;

/// The consent requests addressed to `me`'s organisation, newest first, each with its
/// product; those of a product classified above `me`'s clearance are left out (someone of the
/// organisation cleared for it answers them).
pub async fn consents_to(
    state: &AppState,
    me: &Identity,
) -> Result<Vec<(ConsentRequest, Product)>, ApiError> {
    let requests = state.store.consent_requests_to(me.org).await?;
    let mut out = Vec::with_capacity(requests.len());
    for c in requests {
        let p = state
            .store
            .product(c.product)
            .await?
            .filter(|p| p.release.classification <= me.clearance);
        if let Some(p) = p {
            out.push((c, p));
        }
    }
    Ok(out)
}

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
    let (_, product) = consents_to(state, me)
        .await?
        .into_iter()
        .find(|(c, _)| c.id == id)
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
