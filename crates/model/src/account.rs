//! Organisations and users: who belongs to the partnership and with what rights (design §2).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::handling::{Classification, Sector};
use crate::ids::{OrgId, UserId};

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue {
                        what: $what,
                        value: s.chars().take(64).collect(),
                        allowed: &[$($text),+],
                    }),
                }
            }
        }
    };
}
pub(crate) use string_enum;

/// A value outside a closed vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}` (expected one of: {})", allowed.join(", "))]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
    pub allowed: &'static [&'static str],
}

string_enum!(
    /// What kind of participant an organisation is; law enforcement, the secretariat and
    /// partners draw their rights from their kind, not from a tier.
    OrgKind, "organisation kind" {
        Industry = "industry",
        Academia = "academia",
        LawEnforcement = "law_enforcement",
        Secretariat = "secretariat",
        Partner = "partner",
    }
);

string_enum!(
    /// Membership tier (seed 003): A = staff seconded and fee, B = fee, none = registered.
    Tier, "tier" {
        A = "A",
        B = "B",
        None = "none",
    }
);

string_enum!(
    /// Membership status; only `active` organisations have non-public rights.
    OrgStatus, "organisation status" {
        Applicant = "applicant",
        Active = "active",
        Suspended = "suspended",
        Expelled = "expelled",
    }
);

string_enum!(
    /// What a user may do within their organisation.
    Role, "role" {
        Reader = "reader",
        Contributor = "contributor",
        Publisher = "publisher",
        OrgAdmin = "org_admin",
        Analyst = "analyst",
        Admin = "admin",
    }
);

impl Role {
    /// Whether the role may submit records.
    pub fn can_contribute(&self) -> bool {
        !matches!(self, Role::Reader)
    }
}

impl OrgStatus {
    /// The membership life cycle (seed 003 第2 5): an applicant is approved (active) or
    /// rejected (expelled); an active member may be suspended and reinstated, or expelled.
    /// Expulsion is final.
    pub fn can_become(self, to: OrgStatus) -> bool {
        use OrgStatus::*;
        matches!(
            (self, to),
            (Applicant, Active)
                | (Applicant, Expelled)
                | (Active, Suspended)
                | (Active, Expelled)
                | (Suspended, Active)
                | (Suspended, Expelled)
        )
    }
}

/// An organisation as the rest of the system sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
    pub sector: Option<Sector>,
    pub tier: Tier,
    pub status: OrgStatus,
}

/// A user account (without its password hash, which never leaves the store layer's callers
/// that verify credentials).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub org: OrgId,
    pub login: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub clearance: Classification,
    pub disabled: bool,
}

/// Logins are what people type: 2–64 characters of letters, digits, `.`, `_`, `-`, `@`.
pub fn check_login(login: &str) -> Result<(), &'static str> {
    if login.len() < 2 || login.len() > 64 {
        return Err("a login must be 2 to 64 characters long");
    }
    if !login
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err("a login may only contain ASCII letters, digits, '.', '_', '-' and '@'");
    }
    Ok(())
}

/// Organisation names are free text (Japanese welcome), 1–200 characters, no control chars.
pub fn check_org_name(name: &str) -> Result<(), &'static str> {
    let n = name.chars().count();
    if n == 0 || n > 200 || name.trim() != name {
        return Err(
            "an organisation name must be 1 to 200 characters without leading or trailing spaces",
        );
    }
    if name.chars().any(char::is_control) {
        return Err("an organisation name may not contain control characters");
    }
    Ok(())
}
