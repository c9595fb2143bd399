//! `decide(principal, record, path)`: the single answer to "may this principal read this
//! record through this path, and in what form?" (design §4). Deny wins: every rule below can
//! only take rights away, except the explicit grants of rule 1.

use renkei_model::account::OrgKind;
use renkei_model::handling::{
    Attribution, AudienceEntry, Classification, Handling, Pap, Sector, Tlp, Use,
};
use renkei_model::ids::OrgId;

use crate::identity::{Identity, Principal};

/// What the policy needs to know about a record.
#[derive(Clone, Copy, Debug)]
pub struct RecordMeta<'a> {
    pub provider: OrgId,
    pub provider_kind: OrgKind,
    pub provider_sector: Option<&'a Sector>,
    pub handling: &'a Handling,
}

/// The way a record leaves the store. Outbound paths (feeds, foreign sync, research) are the
/// raw decision for their reader *and* their own restrictions on top.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Path {
    /// Raw records (seed 003 ③): the TAXII `records` collection, REST, search, lookups,
    /// graphs, exports and notifications to the reader.
    Raw,
    /// Correlation hints ("N records in sectors S match") about records the reader may not
    /// see raw.
    Hint,
    /// Blocklists and other machine feeds for defenders (不正通信防止協議会).
    DefensiveFeed,
    /// Exchange with foreign partners (TAXII, MISP).
    ForeignSync,
    /// Datasets for academic research, anonymised.
    Research,
    /// The public collection and pages: no credentials needed.
    Public,
    /// The secretariat's products (seed 003 ①②④⑤⑥). The "record" is the product: provided by
    /// the secretariat, with the handling it has at this step of the publication process.
    Product,
}

impl Path {
    pub const ALL: [Path; 7] = [
        Path::Raw,
        Path::Hint,
        Path::DefensiveFeed,
        Path::ForeignSync,
        Path::Research,
        Path::Public,
        Path::Product,
    ];
}

/// How an allowed record is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    /// What the reader learns of the provider.
    pub attribution: Attribution,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow(View),
    Deny,
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow(_))
    }
}

/// Whether a record may appear on the public path: published by the secretariat, TLP:CLEAR,
/// unclassified, with the provider's consent to publication.
pub fn is_public(record: &RecordMeta<'_>) -> bool {
    let h = record.handling;
    record.provider_kind == OrgKind::Secretariat
        && h.tlp == Tlp::Clear
        && h.classification == Classification::UNCLASSIFIED
        && h.uses.contains(Use::Publication)
}

/// How a record the principal may read is shown to them. On the raw path the provider's own
/// staff and the secretariat see who provided it; everyone else sees what the provider's
/// attribution allows. Hints and foreign partners learn at most the sector; feeds and research
/// sets carry no provider at all.
pub fn view_of(
    principal: &Principal,
    path: Path,
    provider: OrgId,
    attribution: Attribution,
) -> View {
    let attribution = match path {
        Path::Raw => match principal {
            Principal::User(me) if me.org == provider || me.is_secretariat() => Attribution::Named,
            _ => attribution,
        },
        Path::Public | Path::Product => attribution,
        Path::Hint | Path::ForeignSync => at_least(attribution, Attribution::SectorOnly),
        Path::DefensiveFeed | Path::Research => Attribution::Hidden,
    };
    View { attribution }
}

fn at_least(a: Attribution, floor: Attribution) -> Attribution {
    if a.rank() >= floor.rank() { a } else { floor }
}

/// Rules 1–3 of design §4: may this user read the record itself?
fn raw_allowed(me: &Identity, record: &RecordMeta<'_>) -> bool {
    let h = record.handling;
    // Rule 2: standing and clearance, for everyone including the provider's own staff.
    if !me.is_in_good_standing() || h.classification > me.clearance {
        return false;
    }
    if me.org == record.provider {
        return true;
    }
    // Rule 3: TLP:RED reaches only the individuals the provider named.
    if h.tlp == Tlp::Red {
        return h.audience.contains(&AudienceEntry::User(me.user));
    }
    if h.audience.is_provider_only() {
        return false;
    }
    // Rule 1: the secretariat, then the audience.
    if me.is_secretariat() {
        return true;
    }
    h.audience.entries().any(|entry| match entry {
        AudienceEntry::Provider | AudienceEntry::Secretariat => false,
        AudienceEntry::LawEnforcement => me.is_law_enforcement(),
        AudienceEntry::Members => me.is_tier_a_member() || me.is_law_enforcement(),
        AudienceEntry::Sector(s) => {
            me.is_law_enforcement() || (me.is_tier_a_member() && me.org_sector.as_ref() == Some(s))
        }
        AudienceEntry::Org(o) => *o == me.org,
        AudienceEntry::User(u) => *u == me.user,
    })
}

/// Design §7: products reach the secretariat and law enforcement, and the members of tier A
/// *and B* their audience names (B members receive products, not raw records); never TLP:RED
/// (rule 3). While a product is drafted its audience is the secretariat (and, in review, the
/// providers asked for consent), so the same rule keeps drafts in the house.
fn product_allowed(me: &Identity, product: &RecordMeta<'_>) -> bool {
    let h = product.handling;
    if !me.is_in_good_standing() || h.classification > me.clearance || h.tlp == Tlp::Red {
        return false;
    }
    if me.is_secretariat() && !h.audience.is_provider_only() {
        return true;
    }
    let member = me.is_tier_a_member() || me.is_tier_b_member();
    h.audience.entries().any(|entry| match entry {
        AudienceEntry::Provider | AudienceEntry::Secretariat => false,
        AudienceEntry::LawEnforcement => me.is_law_enforcement(),
        AudienceEntry::Members => member || me.is_law_enforcement(),
        AudienceEntry::Sector(s) => {
            me.is_law_enforcement() || (member && me.org_sector.as_ref() == Some(s))
        }
        AudienceEntry::Org(o) => *o == me.org,
        AudienceEntry::User(u) => *u == me.user,
    })
}

/// TLP:CLEAR, GREEN or AMBER: "TLP ≤ AMBER" (AMBER+STRICT may not leave the recipient's
/// organisation, so it never reaches a provider's clients or a foreign partner).
fn tlp_at_most_amber(tlp: Tlp) -> bool {
    matches!(tlp, Tlp::Clear | Tlp::Green | Tlp::Amber)
}

/// The decision. Pure: same inputs, same answer. Deny wins: each path only narrows.
pub fn decide(principal: &Principal, record: &RecordMeta<'_>, path: Path) -> Decision {
    let h = record.handling;
    let allow = Decision::Allow(view_of(principal, path, record.provider, h.attribution));
    let unclassified = h.classification == Classification::UNCLASSIFIED;
    // Rule 4: public pages carry only what the secretariat published as TLP:CLEAR.
    if path == Path::Public {
        return if is_public(record) {
            allow
        } else {
            Decision::Deny
        };
    }
    let Principal::User(me) = principal else {
        return Decision::Deny;
    };
    let ok = match path {
        Path::Raw => raw_allowed(me, record),
        // Rule 6: a hint only about what the reader cannot see, never about TLP:RED or
        // provider-only records, never above the reader's clearance.
        Path::Hint => {
            me.is_in_good_standing()
                && !raw_allowed(me, record)
                && h.tlp != Tlp::Red
                && !h.audience.is_provider_only()
                && h.classification <= me.clearance
        }
        // Rule 4: feeds carry only consented, blockable, shareable, unclassified records.
        Path::DefensiveFeed => {
            raw_allowed(me, record)
                && h.uses.contains(Use::DefensiveFeeds)
                && matches!(h.pap, Pap::Clear | Pap::Green)
                && tlp_at_most_amber(h.tlp)
                && unclassified
        }
        // Rule 4: foreign partners get only consented, TLP ≤ AMBER, unclassified records.
        Path::ForeignSync => {
            me.org_kind == OrgKind::Partner
                && raw_allowed(me, record)
                && h.uses.contains(Use::Foreign)
                && tlp_at_most_amber(h.tlp)
                && unclassified
        }
        // Rule 4: research sets only with consent, for academia, anonymised (see `view_of`).
        Path::Research => {
            me.org_kind == OrgKind::Academia
                && raw_allowed(me, record)
                && h.uses.contains(Use::Research)
                && h.tlp != Tlp::Red
        }
        Path::Product => product_allowed(me, record),
        Path::Public => false,
    };
    if ok { allow } else { Decision::Deny }
}
