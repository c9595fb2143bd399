//! Products and their publication process (issue 5 §1–2; `renkei_model::product`).
//!
//! A product keeps two handlings: `handling`, what `decide` reads on `Path::Product` now (the
//! secretariat alone until it is published), and `release`, what it gets when published. The
//! process itself (who may do what, consents, sign-off) lives in the server; the store keeps
//! the state and refuses a change made from a stale one.

use renkei_model::handling::{Handling, Sector};
use renkei_model::ids::{OrgId, ProductId, UserId};
use renkei_model::product::{
    ConsentState, ProductContent, ProductKind, ProductNumber, ProductStatus,
};

/// A product as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    pub id: ProductId,
    pub number: ProductNumber,
    pub status: ProductStatus,
    pub content: ProductContent,
    /// What the policy reads now.
    pub handling: Handling,
    /// What the product gets when it is published.
    pub release: Handling,
    /// The secretariat organisation that makes it.
    pub org: OrgId,
    pub author: UserId,
    pub approver: Option<UserId>,
    /// µs since the epoch.
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
    /// The STIX id of the public `report` record written when it was published to the public.
    pub public_record: Option<String>,
}

impl Product {
    pub fn kind(&self) -> ProductKind {
        self.number.kind
    }
}

/// A product to create: the store numbers it (next in its prefix, kind and year).
#[derive(Clone, Debug)]
pub struct NewProduct {
    pub id: ProductId,
    pub prefix: String,
    pub kind: ProductKind,
    pub year: i32,
    pub content: ProductContent,
    pub handling: Handling,
    pub release: Handling,
    pub org: OrgId,
    pub author: UserId,
    pub at: i64,
}

/// A consent request: may `record`, provided by `provider`, be drawn on by the product at its
/// release? Asked when the product goes to review, for each cited record whose reach the
/// release would widen (`renkei_policy::needs_consent`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentRequest {
    pub id: i64,
    pub product: ProductId,
    pub record: String,
    pub provider: OrgId,
    pub state: ConsentState,
    pub asked_at: i64,
    pub answered_at: Option<i64>,
    pub answered_by: Option<UserId>,
    pub comment: Option<String>,
}

/// A consent request to open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewConsentRequest {
    pub record: String,
    pub provider: OrgId,
}

/// A provider's answer.
#[derive(Clone, Debug)]
pub struct ConsentAnswer {
    pub id: i64,
    /// Only the provider may answer: a request of another organisation is not found.
    pub provider: OrgId,
    pub state: ConsentState,
    pub by: UserId,
    pub at: i64,
    pub comment: Option<String>,
}

/// A registration for a seminar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    /// The tracking number given to the registrant.
    pub tracking: String,
    pub product: ProductId,
    pub name: String,
    pub email: String,
    pub organisation: Option<String>,
    /// The member user who registered, if any.
    pub user: Option<UserId>,
    pub at: i64,
}

/// What happened to a registration request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Registered {
    Yes(Registration),
    /// The seminar is full.
    Full,
}

/// What the period held, for a bulletin draft (④): counts, enforcement results and the values
/// most widely shared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeriodSummary {
    /// Latest versions of objects added in the period (sightings excluded).
    pub records: u64,
    pub sightings: u64,
    pub by_type: Vec<(String, u64)>,
    /// Renkei categories (individual / overall / technical).
    pub by_category: Vec<(String, u64)>,
    /// By the provider's sector (`None`: no sector, e.g. police or the secretariat).
    pub by_sector: Vec<(Option<Sector>, u64)>,
    /// Objects named after threats (malware, intrusion sets, campaigns, reports…), newest first.
    pub threats: Vec<PeriodRecord>,
    /// Records provided by law enforcement (検挙・対処の結果), newest first.
    pub law_enforcement: Vec<PeriodRecord>,
    /// Values provided by more than one organisation and seen in the period, most providers
    /// first.
    pub top_values: Vec<TopValue>,
}

/// A record the summary names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodRecord {
    pub stix_id: String,
    pub stix_type: String,
    pub name: Option<String>,
    pub provider: OrgId,
    pub date_added: i64,
}

/// A widely shared value and some of the records carrying it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopValue {
    pub kind: String,
    pub value: String,
    pub providers: u64,
    pub objects: u64,
    pub records: Vec<String>,
}

/// The summary's counts leave out what no product may draw on even as a number: TLP:RED
/// records (rule 3) and records whose audience is their provider alone (not even the secretariat
/// reads them). `tlp` rank and `audience_mask` bit, as the stores keep them.
pub const COUNTED_NOT_TLP: u8 = 4;
pub const COUNTED_NOT_AUDIENCE: i64 = renkei_policy::bits::PROVIDER;

/// How many of each list a summary keeps.
pub const SUMMARY_LIST: usize = 20;
/// How many records of each top value a summary names.
pub const SUMMARY_RECORDS_PER_VALUE: usize = 5;

/// STIX types the bulletin lists as threats.
pub const THREAT_TYPES: &[&str] = &[
    "malware",
    "intrusion-set",
    "campaign",
    "threat-actor",
    "vulnerability",
    "x-renkei-malware-report",
    "x-renkei-incident-report",
];

/// Folds the period's (type, category, provider sector, count) groups into the summary's
/// counts; both stores group the same way and share this.
pub fn fold_summary(
    s: &mut PeriodSummary,
    groups: Vec<(String, Option<String>, Option<Sector>, u64)>,
) {
    use std::collections::BTreeMap;
    let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_category: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_sector: BTreeMap<Option<Sector>, u64> = BTreeMap::new();
    for (ty, category, sector, n) in groups {
        if ty == "sighting" {
            s.sightings += n;
            continue;
        }
        s.records += n;
        *by_type.entry(ty).or_default() += n;
        if let Some(c) = category {
            *by_category.entry(c).or_default() += n;
        }
        *by_sector.entry(sector).or_default() += n;
    }
    s.by_type = most_first(by_type);
    s.by_category = most_first(by_category);
    s.by_sector = most_first(by_sector);
}

fn most_first<K>(m: std::collections::BTreeMap<K, u64>) -> Vec<(K, u64)> {
    let mut v: Vec<_> = m.into_iter().collect();
    v.sort_by_key(|b| std::cmp::Reverse(b.1));
    v
}

/// The `name` of a stored STIX object, if it has one.
pub fn name_of(body: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Named {
        name: Option<String>,
    }
    serde_json::from_str::<Named>(body).ok()?.name
}
