//! Rows of the membership process (design §2): applications, recommendations (推薦), NDA
//! acceptance and the history of status changes; and updates of organisations and users.
//! The rules (who may recommend, how many recommendations admit) live in `renkei-membership`;
//! the store keeps the facts and enforces only uniqueness and the expected current status.

use renkei_model::account::{Org, OrgStatus, Role, Tier};
use renkei_model::handling::{Classification, Sector};
use renkei_model::ids::{OrgId, UserId};

use crate::types::{NewOrg, NewUser};

/// An application: the applicant organisation (status `applicant`), its first user (who
/// administers it) and what it says about itself.
#[derive(Clone, Debug)]
pub struct NewApplication {
    pub org: NewOrg,
    pub admin: NewUser,
    pub statement: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Application {
    pub statement: String,
    pub submitted_at: i64,
    pub submitted_by: UserId,
}

#[derive(Clone, Debug)]
pub struct NewRecommendation {
    pub applicant: OrgId,
    pub recommender: OrgId,
    pub by_user: UserId,
    pub statement: String,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recommendation {
    pub recommender: OrgId,
    pub recommender_name: String,
    pub by_user: UserId,
    pub statement: String,
    pub at: i64,
}

/// The organisation's acceptance of the partnership's NDA (秘密保持契約).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NdaAcceptance {
    pub version: String,
    pub accepted_at: i64,
    pub accepted_by: UserId,
}

/// One change of an organisation's status, with its reason, actor and time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    pub org: OrgId,
    pub from: OrgStatus,
    pub to: OrgStatus,
    pub reason: String,
    pub actor: UserId,
    pub at: i64,
}

/// Everything about an organisation's membership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    pub org: Org,
    pub created_at: i64,
    pub application: Option<Application>,
    pub recommendations: Vec<Recommendation>,
    pub nda: Option<NdaAcceptance>,
    /// Oldest first.
    pub history: Vec<StatusChange>,
}

/// Changes to an organisation (secretariat only); `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct OrgUpdate {
    pub name: Option<String>,
    pub tier: Option<Tier>,
    pub sector: Option<Option<Sector>>,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Clone, Default)]
pub struct UserUpdate {
    pub display_name: Option<Option<String>>,
    pub role: Option<Role>,
    pub clearance: Option<Classification>,
    pub disabled: Option<bool>,
    /// An argon2id PHC string.
    pub password_hash: Option<String>,
}

impl std::fmt::Debug for UserUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserUpdate")
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("clearance", &self.clearance)
            .field("disabled", &self.disabled)
            .field("password_hash", &self.password_hash.as_ref().map(|_| "…"))
            .finish()
    }
}
