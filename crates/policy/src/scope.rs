//! `ReadScope`: the policy's decision for a whole principal and path, in a form each store
//! turns into a SQL filter. A differential test (here against stored columns, and in the store
//! conformance suite against real SQL) proves it admits exactly what [`crate::decide`] allows.

use renkei_model::handling::{Audience, AudienceEntry, Classification, Sector, Tlp, Use};
use renkei_model::ids::{OrgId, UserId};

use crate::decide::Path;
use crate::identity::Principal;

/// Bits of the per-record audience mask the stores keep next to the audience entries.
pub mod bits {
    pub const PROVIDER: i64 = 1;
    pub const SECRETARIAT: i64 = 2;
    pub const LAW_ENFORCEMENT: i64 = 4;
    pub const MEMBERS: i64 = 8;
    pub const ORGS: i64 = 16;
    pub const SECTORS: i64 = 32;
    pub const USERS: i64 = 64;
}

/// The audience as a bit mask (one bit per kind of entry).
pub fn audience_mask(a: &Audience) -> i64 {
    a.entries().fold(0, |m, e| {
        m | match e {
            AudienceEntry::Provider => bits::PROVIDER,
            AudienceEntry::Secretariat => bits::SECRETARIAT,
            AudienceEntry::LawEnforcement => bits::LAW_ENFORCEMENT,
            AudienceEntry::Members => bits::MEMBERS,
            AudienceEntry::Org(_) => bits::ORGS,
            AudienceEntry::Sector(_) => bits::SECTORS,
            AudienceEntry::User(_) => bits::USERS,
        }
    })
}

/// Which records a principal may read through a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadScope {
    /// Nothing at all (anonymous on a raw path, suspended organisation, disabled user).
    Nothing,
    /// What the public may see.
    Public,
    /// A member of the partnership in good standing.
    Member(MemberScope),
}

/// The facts about a member identity that the SQL filter needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberScope {
    pub org: OrgId,
    pub user: UserId,
    pub clearance: Classification,
    pub secretariat: bool,
    /// Audience bits that reach this identity by its kind alone (e.g. `members` for tier A).
    pub kind_bits: i64,
    /// For a tier-A member: its sector, reached by `sectors:[…]` entries naming it.
    pub member_sector: Option<Sector>,
}

/// A record as the stores keep it: the columns the filter reads.
#[derive(Clone, Debug)]
pub struct StoredAccess<'a> {
    pub provider: OrgId,
    pub provider_is_secretariat: bool,
    pub tlp: Tlp,
    pub classification: Classification,
    pub uses_bits: u8,
    pub audience_mask: i64,
    pub audience: &'a Audience,
}

impl ReadScope {
    /// The scope for a whole query. Paths that have no SQL form yet (hints, feeds, foreign
    /// sync, research) get [`ReadScope::Nothing`]: they must call `decide` per record until
    /// their filter is written and added to the differential tests.
    pub fn of(principal: &Principal, path: Path) -> ReadScope {
        match path {
            Path::Hint
            | Path::DefensiveFeed
            | Path::ForeignSync
            | Path::Research
            | Path::Product => ReadScope::Nothing,
            Path::Public => ReadScope::Public,
            Path::Raw => {
                let Principal::User(me) = principal else {
                    return ReadScope::Nothing;
                };
                if !me.is_in_good_standing() {
                    return ReadScope::Nothing;
                }
                let mut kind_bits = 0;
                if me.is_law_enforcement() {
                    kind_bits |= bits::LAW_ENFORCEMENT | bits::MEMBERS | bits::SECTORS;
                }
                if me.is_tier_a_member() {
                    kind_bits |= bits::MEMBERS;
                }
                ReadScope::Member(MemberScope {
                    org: me.org,
                    user: me.user,
                    clearance: me.clearance,
                    secretariat: me.is_secretariat(),
                    kind_bits,
                    member_sector: if me.is_tier_a_member() {
                        me.org_sector.clone()
                    } else {
                        None
                    },
                })
            }
        }
    }

    /// The filter evaluated in Rust over stored columns: the SQL in each store is a
    /// transcription of this function and is tested against it.
    pub fn admits(&self, r: &StoredAccess<'_>) -> bool {
        match self {
            ReadScope::Nothing => false,
            ReadScope::Public => {
                r.provider_is_secretariat
                    && r.tlp == Tlp::Clear
                    && r.classification == Classification::UNCLASSIFIED
                    && r.uses_bits & (1 << Use::Publication as u8) != 0
            }
            ReadScope::Member(m) => {
                let has = |e: &AudienceEntry| r.audience.contains(e);
                r.classification <= m.clearance
                    && (r.provider == m.org
                        || (r.tlp == Tlp::Red && has(&AudienceEntry::User(m.user)))
                        || (r.tlp != Tlp::Red
                            && r.audience_mask & bits::PROVIDER == 0
                            && (m.secretariat
                                || r.audience_mask & m.kind_bits != 0
                                || m.member_sector
                                    .as_ref()
                                    .is_some_and(|s| has(&AudienceEntry::Sector(s.clone())))
                                || has(&AudienceEntry::Org(m.org))
                                || has(&AudienceEntry::User(m.user)))))
            }
        }
    }
}

/// The bit a use occupies in the stored `uses` column.
pub fn use_bit(u: Use) -> u8 {
    1 << u as u8
}
