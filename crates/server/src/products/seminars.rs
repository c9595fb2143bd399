//! Seminars (⑥): registration, open to non-members when the seminar says so (seed 003), up to
//! its capacity, each registrant given a tracking number.

use axum::http::StatusCode;
use renkei_model::product::{ProductKind, ProductStatus, Registration as Open};
use renkei_model::stix::Timestamp;
use renkei_policy::{Decision, Path, Principal, decide};
use renkei_store::{Product, Registered, Registration};
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

/// Who registers.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub organisation: Option<String>,
}

const NAME_CHARS: usize = 200;
const EMAIL_BYTES: usize = 254;

fn invalid(d: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_registration",
        "Invalid registration",
    )
    .with_description(d)
}

fn closed(d: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "registration_closed",
        "Registration is closed",
    )
    .with_description(d)
}

/// A plausible address: one `@`, something on each side, a dot in the domain, no spaces or
/// control characters. (Whether it receives mail is the registrant's affair.)
fn plausible_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    e.len() <= EMAIL_BYTES
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl Applicant {
    fn check(&self) -> Result<(), ApiError> {
        let name = self.name.trim();
        if name.is_empty()
            || name.chars().count() > NAME_CHARS
            || name.chars().any(char::is_control)
        {
            return Err(invalid("`name` must be 1–200 characters."));
        }
        if !plausible_email(self.email.trim()) {
            return Err(invalid("`email` is not an e-mail address."));
        }
        if self
            .organisation
            .as_ref()
            .is_some_and(|o| o.chars().count() > NAME_CHARS || o.chars().any(char::is_control))
        {
            return Err(invalid("`organisation` must be at most 200 characters."));
        }
        Ok(())
    }
}

/// Registers `applicant` for the seminar `p`, which `principal` may read (the caller found it
/// with `products::find`). Members-only seminars need a member who receives the product.
pub async fn register(
    state: &AppState,
    principal: &Principal,
    p: &Product,
    applicant: Applicant,
) -> Result<Registration, ApiError> {
    let Some(seminar) = p
        .content
        .seminar
        .as_ref()
        .filter(|_| p.kind() == ProductKind::Seminar)
    else {
        return Err(ApiError::not_found("Seminar not found"));
    };
    if p.status != ProductStatus::Published {
        return Err(closed("The seminar is not published."));
    }
    let member_reads = matches!(
        decide(principal, &super::meta(p), Path::Product),
        Decision::Allow(_)
    );
    if seminar.registration == Open::Members && !member_reads {
        return Err(ApiError::forbidden(
            "members_only",
            "This seminar is for members only",
        ));
    }
    let now = state.clock.now_micros();
    let ends = Timestamp::parse(&seminar.ends_at).map_or(i64::MAX, |t| t.unix_micros());
    if now >= ends {
        return Err(closed("The seminar is over."));
    }
    applicant.check()?;
    let code = state.entropy.uuid_v4().simple().to_string()[..10].to_uppercase();
    let registration = Registration {
        tracking: format!("{}-{code}", p.number),
        product: p.id,
        name: applicant.name.trim().to_owned(),
        email: applicant.email.trim().to_lowercase(),
        organisation: applicant.organisation.map(|o| o.trim().to_owned()),
        user: principal.identity().map(|me| me.user),
        at: now,
    };
    match state
        .store
        .register(&registration, seminar.capacity)
        .await?
    {
        Registered::Yes(r) => {
            state
                .audit(
                    principal.identity(),
                    "seminar.register",
                    p.number.to_string(),
                    json!({ "tracking": r.tracking }),
                )
                .await?;
            Ok(r)
        }
        Registered::Full => Err(ApiError::new(
            StatusCode::CONFLICT,
            "seminar_full",
            "The seminar is full",
        )),
    }
}
