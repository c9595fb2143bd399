//! How a provider wants its record handled (design §4): TLP 2.0, audience, classification,
//! permitted uses, attribution and PAP. The policy crate decides reads from these values alone.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::account::{UnknownValue, string_enum};

use crate::ids::{OrgId, UserId};

string_enum!(
    /// Traffic Light Protocol 2.0. Labels are never translated.
    Tlp, "TLP level" {
        Clear = "TLP:CLEAR",
        Green = "TLP:GREEN",
        Amber = "TLP:AMBER",
        AmberStrict = "TLP:AMBER+STRICT",
        Red = "TLP:RED",
    }
);

impl Tlp {
    /// Smaller is more permissive; used where "TLP ≤ AMBER" is asked.
    pub fn rank(&self) -> u8 {
        match self {
            Tlp::Clear => 0,
            Tlp::Green => 1,
            Tlp::Amber => 2,
            Tlp::AmberStrict => 3,
            Tlp::Red => 4,
        }
    }

    pub fn from_rank(rank: u8) -> Option<Tlp> {
        Tlp::ALL.iter().copied().find(|t| t.rank() == rank)
    }
}

string_enum!(
    /// Permissible Actions Protocol: whether recipients may act visibly (e.g. block).
    Pap, "PAP level" {
        Clear = "PAP:CLEAR",
        Green = "PAP:GREEN",
        Amber = "PAP:AMBER",
        Red = "PAP:RED",
    }
);

impl Pap {
    pub fn rank(&self) -> u8 {
        match self {
            Pap::Clear => 0,
            Pap::Green => 1,
            Pap::Amber => 2,
            Pap::Red => 3,
        }
    }

    pub fn from_rank(rank: u8) -> Option<Pap> {
        Pap::ALL.iter().copied().find(|p| p.rank() == rank)
    }
}

string_enum!(
    /// What recipients learn of the provider.
    Attribution, "attribution" {
        Named = "named",
        SectorOnly = "sector_only",
        Hidden = "hidden",
    }
);

impl Attribution {
    pub fn rank(&self) -> u8 {
        match self {
            Attribution::Named => 0,
            Attribution::SectorOnly => 1,
            Attribution::Hidden => 2,
        }
    }

    pub fn from_rank(rank: u8) -> Option<Attribution> {
        Attribution::ALL.iter().copied().find(|a| a.rank() == rank)
    }
}

string_enum!(
    /// A use the provider consents to.
    Use, "use" {
        Investigation = "investigation",
        Evidence = "evidence",
        Publication = "publication",
        Foreign = "foreign",
        Research = "research",
        DefensiveFeeds = "defensive_feeds",
    }
);

impl Use {
    fn bit(&self) -> u8 {
        1 << (*self as u8)
    }
}

/// The set of uses a provider consents to, stored as a bit set.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Uses(u8);

impl Uses {
    pub const NONE: Uses = Uses(0);

    pub fn from_bits(bits: u8) -> Option<Uses> {
        (bits < (1 << Use::ALL.len())).then_some(Uses(bits))
    }

    pub fn bits(&self) -> u8 {
        self.0
    }

    pub fn contains(&self, u: Use) -> bool {
        self.0 & u.bit() != 0
    }

    pub fn with(mut self, u: Use) -> Uses {
        self.0 |= u.bit();
        self
    }

    pub fn iter(&self) -> impl Iterator<Item = Use> + '_ {
        Use::ALL.iter().copied().filter(|u| self.contains(*u))
    }
}

impl fmt::Debug for Uses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(|u| u.as_str()))
            .finish()
    }
}

impl FromIterator<Use> for Uses {
    fn from_iter<I: IntoIterator<Item = Use>>(iter: I) -> Self {
        iter.into_iter().fold(Uses::NONE, Uses::with)
    }
}

impl Serialize for Uses {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Uses {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<Use>::deserialize(d)?.into_iter().collect())
    }
}

/// Classification 0 (unclassified) to 3 (secret); a user's clearance uses the same scale.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Classification(u8);

impl Classification {
    pub const UNCLASSIFIED: Classification = Classification(0);
    pub const MAX: Classification = Classification(3);

    pub fn new(level: u8) -> Result<Self, InvalidClassification> {
        (level <= 3)
            .then_some(Classification(level))
            .ok_or(InvalidClassification(level))
    }

    pub fn level(&self) -> u8 {
        self.0
    }
}

impl<'de> Deserialize<'de> for Classification {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Classification::new(u8::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("classification and clearance range from 0 to 3, not {0}")]
pub struct InvalidClassification(pub u8);

impl FromStr for Classification {
    type Err = InvalidClassification;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<u8>()
            .map_err(|_| InvalidClassification(u8::MAX))
            .and_then(Classification::new)
    }
}

/// An industry sector, as a short slug (`finance`, `telecom`, `security_vendor`…).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Sector(String);

impl Sector {
    pub fn new(s: &str) -> Result<Self, InvalidSector> {
        let ok = (2..=64).contains(&s.len())
            && s.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
            && s.as_bytes()[0].is_ascii_lowercase();
        ok.then(|| Sector(s.to_owned()))
            .ok_or_else(|| InvalidSector(s.chars().take(64).collect()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Sector {
    type Err = InvalidSector;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sector::new(s)
    }
}

impl<'de> Deserialize<'de> for Sector {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Sector::new(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a sector (2-64 characters of a-z, 0-9 and _, starting with a letter)")]
pub struct InvalidSector(pub String);

/// Who on the platform receives a record, beyond its provider. Written as `provider`,
/// `secretariat`, `law_enforcement`, `members`, `org:<id>`, `sector:<name>` or `user:<id>`
/// everywhere (REST, the STIX handling extension, the CLI).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AudienceEntry {
    /// Nobody but the provider (not even the secretariat).
    Provider,
    /// The secretariat (always included unless `provider`).
    Secretariat,
    /// Police organisations.
    LawEnforcement,
    /// Every tier-A member and every law-enforcement organisation.
    Members,
    /// A named organisation, whatever its tier.
    Org(OrgId),
    /// Tier-A members of a sector, plus law enforcement.
    Sector(Sector),
    /// A named individual (the only way to share TLP:RED).
    User(UserId),
}

impl fmt::Display for AudienceEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AudienceEntry::Provider => f.write_str("provider"),
            AudienceEntry::Secretariat => f.write_str("secretariat"),
            AudienceEntry::LawEnforcement => f.write_str("law_enforcement"),
            AudienceEntry::Members => f.write_str("members"),
            AudienceEntry::Org(o) => write!(f, "org:{o}"),
            AudienceEntry::Sector(s) => write!(f, "sector:{s}"),
            AudienceEntry::User(u) => write!(f, "user:{u}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not an audience (provider, secretariat, law_enforcement, members, org:<id>, sector:<name>, user:<id>)"
)]
pub struct InvalidAudienceEntry(pub String);

impl FromStr for AudienceEntry {
    type Err = InvalidAudienceEntry;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidAudienceEntry(s.chars().take(80).collect());
        Ok(match s {
            "provider" => AudienceEntry::Provider,
            "secretariat" => AudienceEntry::Secretariat,
            "law_enforcement" => AudienceEntry::LawEnforcement,
            "members" => AudienceEntry::Members,
            _ => match s.split_once(':') {
                Some(("org", id)) => AudienceEntry::Org(id.parse().map_err(|_| invalid())?),
                Some(("user", id)) => AudienceEntry::User(id.parse().map_err(|_| invalid())?),
                Some(("sector", sector)) => {
                    AudienceEntry::Sector(Sector::new(sector).map_err(|_| invalid())?)
                }
                _ => return Err(invalid()),
            },
        })
    }
}

impl Serialize for AudienceEntry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AudienceEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A validated audience: non-empty, and `provider` never mixed with anything else.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Audience(BTreeSet<AudienceEntry>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAudience {
    #[error("an audience needs at least one entry")]
    Empty,
    #[error(
        "audience `provider` keeps a record to its provider and cannot be combined with other entries"
    )]
    ProviderMixed,
    #[error("an audience may name at most {0} organisations, sectors and users")]
    TooMany(usize),
}

impl Audience {
    pub const MAX_ENTRIES: usize = 256;

    pub fn new(entries: impl IntoIterator<Item = AudienceEntry>) -> Result<Self, InvalidAudience> {
        let set: BTreeSet<_> = entries.into_iter().collect();
        if set.is_empty() {
            return Err(InvalidAudience::Empty);
        }
        if set.len() > Self::MAX_ENTRIES {
            return Err(InvalidAudience::TooMany(Self::MAX_ENTRIES));
        }
        if set.contains(&AudienceEntry::Provider) && set.len() > 1 {
            return Err(InvalidAudience::ProviderMixed);
        }
        Ok(Audience(set))
    }

    pub fn provider_only() -> Self {
        Audience([AudienceEntry::Provider].into())
    }

    pub fn secretariat() -> Self {
        Audience([AudienceEntry::Secretariat].into())
    }

    pub fn members() -> Self {
        Audience([AudienceEntry::Members].into())
    }

    pub fn is_provider_only(&self) -> bool {
        self.0.contains(&AudienceEntry::Provider)
    }

    pub fn contains(&self, e: &AudienceEntry) -> bool {
        self.0.contains(e)
    }

    pub fn entries(&self) -> impl Iterator<Item = &AudienceEntry> {
        self.0.iter()
    }
}

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Audience::new(Vec::<AudienceEntry>::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// The provider's handling of one record.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Handling {
    pub tlp: Tlp,
    pub audience: Audience,
    pub classification: Classification,
    pub uses: Uses,
    pub attribution: Attribution,
    pub pap: Pap,
}

impl Handling {
    /// What a submission without any marking gets: restrictive until the provider says more.
    pub fn restrictive_default() -> Self {
        Handling {
            tlp: Tlp::Amber,
            audience: Audience::secretariat(),
            classification: Classification::UNCLASSIFIED,
            uses: Uses::NONE,
            attribution: Attribution::SectorOnly,
            pap: Pap::Amber,
        }
    }

    /// What a submission gets when it carries a TLP marking and nothing else: TLP:RED stays
    /// with the provider until it names recipients; any other level reaches the members.
    pub fn for_tlp(tlp: Tlp) -> Self {
        let audience = if tlp == Tlp::Red {
            Audience::provider_only()
        } else {
            Audience::members()
        };
        Handling {
            tlp,
            audience,
            ..Handling::restrictive_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlp_labels_are_the_official_ones() {
        assert_eq!(Tlp::AmberStrict.as_str(), "TLP:AMBER+STRICT");
        assert_eq!("TLP:CLEAR".parse::<Tlp>().unwrap(), Tlp::Clear);
        assert!("tlp:clear".parse::<Tlp>().is_err());
        for t in Tlp::ALL {
            assert_eq!(Tlp::from_rank(t.rank()), Some(*t));
        }
    }

    #[test]
    fn audience_rules() {
        assert_eq!(Audience::new([]), Err(InvalidAudience::Empty));
        assert_eq!(
            Audience::new([AudienceEntry::Provider, AudienceEntry::Members]),
            Err(InvalidAudience::ProviderMixed)
        );
        let a: Audience = serde_json::from_str(r#"["members","sector:finance"]"#).unwrap();
        assert!(a.contains(&AudienceEntry::Sector(Sector::new("finance").unwrap())));
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"["members","sector:finance"]"#
        );
        for bad in [
            r#"["everyone"]"#,
            r#"["org:nope"]"#,
            r#"["sector:Fin"]"#,
            r#"[]"#,
        ] {
            assert!(serde_json::from_str::<Audience>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn uses_round_trip() {
        let u: Uses = [Use::Publication, Use::DefensiveFeeds]
            .into_iter()
            .collect();
        assert_eq!(Uses::from_bits(u.bits()), Some(u));
        assert_eq!(
            serde_json::to_string(&u).unwrap(),
            r#"["publication","defensive_feeds"]"#
        );
        assert!(Uses::from_bits(0x40).is_none());
    }

    #[test]
    fn classification_bounds() {
        assert!(Classification::new(3).is_ok());
        assert!(Classification::new(4).is_err());
        assert!("x".parse::<Classification>().is_err());
    }
}
