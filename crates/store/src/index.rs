//! The observable index, correlation counters, sightings and the search index: what each
//! record contributes ([`IndexTerms`], computed on the validating threads by
//! `renkei-ingest`), and what lookups, search and the secretariat's correlation queue read
//! back (issue 4, design §5).
//!
//! Correlation costs O(1) per new record and observable, however many records share a value:
//! each value has one counter row, and at most [`INDEX_CAP_PER_VALUE`] objects are indexed
//! under it; beyond that only the counter grows. Values on the exclusion lists never reach
//! the store. Nothing here decides visibility: lookups return candidates with their full
//! handling, and the caller runs `renkei_policy::decide` on each; search takes a
//! [`renkei_policy::ReadScope`] like every other record query.

use renkei_model::account::OrgKind;
use renkei_model::handling::{Handling, Sector, Tlp};
use renkei_model::ids::{OrgId, UserId};
use renkei_model::stix::Timestamp;

/// At most this many objects are indexed under one value; beyond it, the value is
/// *saturated*: its counter still grows but lookups show only the indexed objects.
pub const INDEX_CAP_PER_VALUE: u64 = 1_000;

/// What one record contributes to the indexes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexTerms {
    /// Normalised observables, deduplicated, exclusions already removed.
    pub observables: Vec<ObservableTerm>,
    /// Search tokens (`renkei_search::document`): deduplicated, joined by single spaces (a
    /// token never holds one); empty when the object has none.
    pub tokens: String,
    /// The `category` of Renkei record types: `individual`, `overall` or `technical`.
    pub category: Option<String>,
    /// For a `sighting`: what it sights and how.
    pub sighting: Option<SightingTerm>,
    /// For an object that can go into defenders' feeds (an indicator or an observable, not
    /// revoked): what feeds show of it. The store adds a feed row when the handling allows.
    pub feed: Option<FeedTerms>,
}

/// What feeds show of an object besides its observables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedTerms {
    /// Its `name`, when it has one.
    pub label: Option<String>,
    /// An indicator's `valid_until` (µs since the epoch).
    pub valid_until: Option<i64>,
}

/// One normalised observable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservableTerm {
    /// The observable type's name (`ipv4`, `domain`, `sha256`…).
    pub kind: String,
    /// The canonical value.
    pub value: String,
    /// [`value_key`] of the two.
    pub key: i64,
}

impl ObservableTerm {
    pub fn new(kind: &str, value: &str) -> Self {
        ObservableTerm {
            key: value_key(kind, value),
            kind: kind.to_owned(),
            value: value.to_owned(),
        }
    }
}

/// What a sighting says of the object it sights.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SightingTerm {
    /// `sighting_of_ref`.
    pub of: String,
    /// `seen`, `false_positive` or `expired`.
    pub kind: String,
    /// `count` (1 when absent).
    pub count: i64,
}

/// The key under which both backends index an observable: the first 8 bytes of the SHA-256
/// of its type and canonical value. Lookups read the type and value back from the counter
/// row and compare them, so a collision can never answer for another value.
pub fn value_key(kind: &str, value: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(kind.as_bytes());
    h.update([0]);
    h.update(value.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    i64::from_be_bytes(b)
}

/// A stored record as the policy needs it to decide, plus what a lookup shows of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedRecord {
    pub stix_id: String,
    pub stix_type: String,
    pub version: Timestamp,
    pub date_added: i64,
    pub provider: OrgId,
    pub provider_kind: OrgKind,
    pub provider_sector: Option<Sector>,
    pub handling: Handling,
    pub category: Option<String>,
}

/// Everything indexed under one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueMatches {
    pub key: i64,
    pub kind: String,
    pub value: String,
    /// Objects that carried the value (exact up to [`INDEX_CAP_PER_VALUE`], then a lower
    /// bound that keeps counting new versions).
    pub objects: u64,
    /// Organisations that provided them.
    pub providers: u64,
    /// The latest, undeleted version of each indexed object, newest first, at most the
    /// limit asked for. Not filtered by policy: the caller decides each.
    pub records: Vec<IndexedRecord>,
    /// The sightings of those records (as [`crate::Store::sightings_of`]), not filtered by
    /// policy either.
    pub sightings: Vec<SightingRow>,
}

impl ValueMatches {
    pub fn saturated(&self) -> bool {
        self.objects > INDEX_CAP_PER_VALUE
    }
}

/// A sighting record and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SightingRow {
    /// The sighted object's id.
    pub of: String,
    pub kind: String,
    pub count: i64,
    /// The sighting itself, for the policy.
    pub record: IndexedRecord,
}

/// A value carried by records of several organisations: the secretariat's correlation queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedValue {
    pub key: i64,
    pub kind: String,
    pub value: String,
    pub objects: u64,
    pub providers: u64,
    /// When a second organisation first provided it.
    pub shared_at: i64,
    pub last_at: i64,
}

/// Full-text search over records (latest versions), newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// Every token must be present (`renkei_search::query_tokens`); empty: no text filter.
    pub tokens: Vec<String>,
    pub types: Vec<String>,
    /// The provider's sector: matches only records whose sector the reader may learn.
    pub sector: Option<Sector>,
    pub tlp: Vec<Tlp>,
    pub category: Option<String>,
    /// `date_added` bounds (µs), inclusive `from`, exclusive `until`.
    pub added_from: Option<i64>,
    pub added_until: Option<i64>,
    /// Paging: only records added strictly before this.
    pub before: Option<i64>,
    /// At most this many (the store returns up to `limit + 1`).
    pub limit: usize,
}

/// A hint shown to a reader about records they may not see: the secretariat brokers contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewHintNotice {
    pub reader_org: OrgId,
    pub reader_user: UserId,
    pub value_key: i64,
    pub kind: String,
    pub value: String,
    /// How many records the hint counted.
    pub records: u64,
    /// Their providers (for the secretariat only).
    pub providers: Vec<OrgId>,
    pub at: i64,
}

/// A notice in the secretariat's queue: one per reader organisation and value while open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HintNotice {
    pub id: i64,
    pub reader_org: OrgId,
    pub reader_user: UserId,
    pub kind: String,
    pub value: String,
    pub records: u64,
    pub providers: Vec<OrgId>,
    pub first_at: i64,
    pub last_at: i64,
    /// How many times the hint was shown.
    pub times: u64,
    /// `None` while open; when the secretariat closed it.
    pub closed_at: Option<i64>,
}
