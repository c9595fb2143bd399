//! The publication process's question (対外的な発表の可否, design §7): would releasing a product
//! with a given handling carry a cited record to anyone the record itself does not reach? If
//! so, the record's provider must consent first.
//!
//! Answered with [`decide`] itself, so the two can never disagree: every kind of reader the two
//! handlings could tell apart is tried on the product path and on the raw path.

use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use renkei_model::handling::{AudienceEntry, Classification, Handling, Sector, Use};
use renkei_model::ids::{OrgId, UserId};
use uuid::Uuid;

use crate::decide::{Path, RecordMeta, decide, is_public};
use crate::identity::{Identity, Principal};

/// Whether a product released with `release` by the secretariat `secretariat` would reach
/// someone `record` does not, or allow more than the record allows (a lower TLP, a lower
/// classification, the public). False when the provider consented to publication in advance
/// (`publication` use) or is the secretariat itself.
pub fn needs_consent(record: &RecordMeta<'_>, release: &Handling, secretariat: OrgId) -> bool {
    let h = record.handling;
    if record.provider_kind == OrgKind::Secretariat || h.uses.contains(Use::Publication) {
        return false;
    }
    if release.tlp.rank() < h.tlp.rank() || release.classification < h.classification {
        return true;
    }
    let product = RecordMeta {
        provider: secretariat,
        provider_kind: OrgKind::Secretariat,
        provider_sector: None,
        handling: release,
    };
    if is_public(&product) {
        return true;
    }
    probes(record, release).any(|reader| {
        reader.org != record.provider
            && decide(&Principal::User(reader.clone()), &product, Path::Product).is_allowed()
            && !decide(&Principal::User(reader), record, Path::Raw).is_allowed()
    })
}

/// One reader of every kind the two handlings can tell apart: each organisation kind and tier,
/// in each sector either names (and in none), each named organisation and user. Clearance is
/// the highest, since classification is compared on its own.
fn probes<'a>(record: &'a RecordMeta<'_>, release: &'a Handling) -> impl Iterator<Item = Identity> {
    let mut sectors: Vec<Option<Sector>> = vec![None];
    let named = record
        .handling
        .audience
        .entries()
        .chain(release.audience.entries());
    let mut orgs = vec![];
    let mut users = vec![];
    for entry in named {
        match entry {
            AudienceEntry::Sector(s) => sectors.push(Some(s.clone())),
            AudienceEntry::Org(o) => orgs.push(*o),
            AudienceEntry::User(u) => users.push(*u),
            _ => {}
        }
    }
    if let Some(s) = record.provider_sector {
        sectors.push(Some(s.clone()));
    }
    let kinds = [
        (OrgKind::Industry, Tier::A),
        (OrgKind::Industry, Tier::B),
        (OrgKind::Industry, Tier::None),
        (OrgKind::Academia, Tier::A),
        (OrgKind::Academia, Tier::B),
        (OrgKind::LawEnforcement, Tier::None),
        (OrgKind::Partner, Tier::None),
        (OrgKind::Secretariat, Tier::None),
    ];
    let anyone = OrgId::from_uuid(Uuid::from_u128(u128::MAX));
    let someone = UserId::from_uuid(Uuid::from_u128(u128::MAX));
    let by_kind = kinds.into_iter().flat_map(move |(kind, tier)| {
        sectors
            .clone()
            .into_iter()
            .map(move |sector| reader(anyone, someone, kind, tier, sector))
    });
    let by_org = orgs
        .into_iter()
        .map(move |org| reader(org, someone, OrgKind::Industry, Tier::None, None));
    let by_user = users
        .into_iter()
        .map(move |user| reader(anyone, user, OrgKind::Industry, Tier::None, None));
    by_kind.chain(by_org).chain(by_user)
}

fn reader(org: OrgId, user: UserId, kind: OrgKind, tier: Tier, sector: Option<Sector>) -> Identity {
    Identity {
        user,
        login: String::new(),
        org,
        org_kind: kind,
        org_tier: tier,
        org_sector: sector,
        org_status: OrgStatus::Active,
        role: Role::Reader,
        clearance: Classification::MAX,
        disabled: false,
        read_only: false,
    }
}
