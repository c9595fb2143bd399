//! Typed identifiers for Renkei's own entities, checked when a route or a CLI argument parses
//! them, so an organisation id can never be passed where a user id is expected.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub fn from_uuid(u: Uuid) -> Self {
                $name(u)
            }
            pub fn uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, InvalidId> {
                Uuid::try_parse(s).map($name).map_err(|_| InvalidId($what))
            }
        }
    };
}

/// A string that should have been one of our ids and is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {0} id (expected a UUID)")]
pub struct InvalidId(pub &'static str);

uuid_id!(
    /// An organisation (member company, university, police unit, the secretariat, a partner).
    OrgId,
    "organisation"
);
uuid_id!(
    /// A person's account; belongs to exactly one organisation.
    UserId,
    "user"
);
uuid_id!(
    /// An API token; the secret itself is never stored.
    TokenId,
    "token"
);
uuid_id!(
    /// One submission: the original bytes a member sent, kept with their SHA-256.
    SubmissionId,
    "submission"
);
uuid_id!(
    /// A TAXII status resource (the outcome of one POST).
    StatusId,
    "status"
);
uuid_id!(
    /// A product of the secretariat (alert, analysis, bulletin, report, seminar); its public
    /// number (`RENKEI-AT-2026-0001`) is another handle on it.
    ProductId,
    "product"
);
