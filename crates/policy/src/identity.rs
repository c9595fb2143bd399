//! Who is asking: an explicit identity carried through every request.

use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use renkei_model::handling::{Classification, Sector};
use renkei_model::ids::{OrgId, UserId};

/// An authenticated user, with what the policy needs to know of their organisation.
/// Loaded fresh for every request, so a suspension or a disabled account takes effect at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub user: UserId,
    pub login: String,
    pub org: OrgId,
    pub org_kind: OrgKind,
    pub org_tier: Tier,
    pub org_sector: Option<Sector>,
    pub org_status: OrgStatus,
    pub role: Role,
    pub clearance: Classification,
    pub disabled: bool,
    /// Authenticated with a read-only API token.
    pub read_only: bool,
}

impl Identity {
    /// Whether this identity has any non-public right at all.
    pub fn is_in_good_standing(&self) -> bool {
        self.org_status == OrgStatus::Active && !self.disabled
    }

    pub fn is_secretariat(&self) -> bool {
        self.org_kind == OrgKind::Secretariat
    }

    pub fn is_law_enforcement(&self) -> bool {
        self.org_kind == OrgKind::LawEnforcement
    }

    /// A tier-A member: industry or academia with tier A (seed 003: raw access is for A).
    pub fn is_tier_a_member(&self) -> bool {
        matches!(self.org_kind, OrgKind::Industry | OrgKind::Academia) && self.org_tier == Tier::A
    }

    /// A tier-B member: receives products, not raw records (seed 003 table).
    pub fn is_tier_b_member(&self) -> bool {
        matches!(self.org_kind, OrgKind::Industry | OrgKind::Academia) && self.org_tier == Tier::B
    }

    /// Whether this identity may submit records.
    pub fn can_write(&self) -> bool {
        self.is_in_good_standing() && !self.read_only && self.role.can_contribute()
    }
}

/// Whoever is on the other end of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    User(Identity),
}

impl Principal {
    pub fn identity(&self) -> Option<&Identity> {
        match self {
            Principal::Anonymous => None,
            Principal::User(i) => Some(i),
        }
    }
}
