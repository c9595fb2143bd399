//! Why a membership rule refuses, with a stable code for each reason (`docs/membership.md`).

use renkei_model::account::{OrgKind, OrgStatus, Role};
use renkei_model::handling::Classification;

/// How a refusal should reach the caller; the server maps each to one HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The caller lacks the right (403).
    Forbidden,
    /// The caller may not even learn that the thing exists (404, like a missing one).
    Hidden,
    /// The thing's current state does not allow it (409).
    Conflict,
    /// The request is well-formed but breaks a rule (422).
    Unprocessable,
}

/// A refusal by one of the membership rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MembershipError {
    #[error("{0}")]
    NotPermitted(&'static str),
    #[error("a read-only token cannot change anything")]
    ReadOnly,
    #[error("not found")]
    Hidden,
    #[error("your organisation may not recommend applicants: {0}")]
    RecommenderNotEligible(&'static str),
    #[error("an organisation cannot recommend itself")]
    SelfRecommendation,
    #[error("your organisation has already recommended this applicant")]
    AlreadyRecommended,
    #[error("the organisation is {0}, not an applicant")]
    NotAnApplicant(OrgStatus),
    #[error(
        "{have} of the {need} recommendations from distinct active members needed for admission"
    )]
    NotEnoughRecommendations { have: usize, need: usize },
    #[error("the applicant has not accepted the NDA (version {required})")]
    NdaMissing { required: String },
    #[error("the applicant accepted NDA version {accepted}, not the current {required}")]
    NdaOutdated { accepted: String, required: String },
    #[error("the current NDA is version {required}, not {given}")]
    NdaVersionMismatch { given: String, required: String },
    #[error("an organisation that is {0} cannot accept the NDA")]
    NdaNotApplicable(OrgStatus),
    #[error("an organisation cannot go from {from} to {to}")]
    StatusChangeNotAllowed { from: OrgStatus, to: OrgStatus },
    #[error("every status change needs a reason")]
    ReasonRequired,
    #[error("{0} organisations cannot apply; the secretariat registers them")]
    KindNotApplicable(OrgKind),
    #[error("{0} organisations have no tier; their rights come from their kind")]
    TierNotApplicable(OrgKind),
    #[error("the role {role} exists only in the secretariat, not in {kind} organisations")]
    RoleNotForOrg { role: Role, kind: OrgKind },
    #[error("an organisation administrator cannot grant the role {0}")]
    RoleNotGrantable(Role),
    #[error("you cannot grant clearance {} above your own ({})", granted.level(), own.level())]
    ClearanceAboveOwn {
        granted: Classification,
        own: Classification,
    },
    #[error("classification {} is above your clearance ({})", classification.level(), own.level())]
    ClassificationAboveClearance {
        classification: Classification,
        own: Classification,
    },
    #[error("`{field}` {problem}")]
    InvalidText {
        field: &'static str,
        problem: &'static str,
    },
}

impl MembershipError {
    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        use MembershipError::*;
        match self {
            NotPermitted(_) => "not_permitted",
            ReadOnly => "cannot_write",
            Hidden => "not_found",
            RecommenderNotEligible(_) => "recommender_not_eligible",
            SelfRecommendation => "self_recommendation",
            AlreadyRecommended => "already_recommended",
            NotAnApplicant(_) => "not_an_applicant",
            NotEnoughRecommendations { .. } => "recommendations_missing",
            NdaMissing { .. } => "nda_missing",
            NdaOutdated { .. } => "nda_outdated",
            NdaVersionMismatch { .. } => "nda_version_mismatch",
            NdaNotApplicable(_) => "nda_not_applicable",
            StatusChangeNotAllowed { .. } => "status_change_not_allowed",
            ReasonRequired => "reason_required",
            KindNotApplicable(_) => "kind_not_applicable",
            TierNotApplicable(_) => "tier_not_applicable",
            RoleNotForOrg { .. } => "role_not_for_org",
            RoleNotGrantable(_) => "role_not_grantable",
            ClearanceAboveOwn { .. } => "clearance_above_own",
            ClassificationAboveClearance { .. } => "classification_above_clearance",
            InvalidText { .. } => "invalid_text",
        }
    }

    pub fn kind(&self) -> ErrorKind {
        use MembershipError::*;
        match self {
            NotPermitted(_)
            | ReadOnly
            | RecommenderNotEligible(_)
            | RoleNotGrantable(_)
            | ClearanceAboveOwn { .. } => ErrorKind::Forbidden,
            Hidden => ErrorKind::Hidden,
            AlreadyRecommended
            | NotAnApplicant(_)
            | NdaNotApplicable(_)
            | StatusChangeNotAllowed { .. } => ErrorKind::Conflict,
            SelfRecommendation
            | NotEnoughRecommendations { .. }
            | NdaMissing { .. }
            | NdaOutdated { .. }
            | NdaVersionMismatch { .. }
            | ReasonRequired
            | KindNotApplicable(_)
            | TierNotApplicable(_)
            | RoleNotForOrg { .. }
            | ClassificationAboveClearance { .. }
            | InvalidText { .. } => ErrorKind::Unprocessable,
        }
    }
}
