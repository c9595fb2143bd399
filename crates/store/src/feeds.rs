//! Feed rows: what machine feeds for defenders are built from (issue 5 §3).
//!
//! Every stored version of an indicator or observable (`IndexTerms::feed`) that carries values
//! a sensor can use gets one feed row: its values, its label and its `valid_until`. The row
//! is keyed by the record row's `date_added`, so its handling is always the record's current
//! handling: whether a token may pull it is decided at read time by `renkei_policy::decide`
//! on `Path::DefensiveFeed` (the backends only pre-filter on the same rule). A row drops out
//! (`removed_at`) when a newer version arrives, when the record is deleted, or when anyone
//! reports the object as a false positive or expired (a `sighting` with
//! `x_renkei_sighting_type`); an indicator also drops out when its `valid_until` passes.
//!
//! Incremental pulls ask for what changed after a [`FeedCursor`]: rows added after its
//! `added`, rows removed after its `removed`, indicators whose `valid_until` passed after its
//! `at`. `date_added` and `removed_at` each only grow from one write transaction to the next
//! (writers are serialised), so no commit can slip behind a cursor and nothing comes twice.

use renkei_model::account::OrgKind;
use renkei_model::handling::{Classification, Handling, Pap, Sector, Tlp, Use, Uses};
use renkei_model::ids::OrgId;
use renkei_model::stix::Timestamp;
use serde::{Deserialize, Serialize};

use crate::index::{IndexedRecord, ObservableTerm};

/// Observable types that go into feeds (others — CVEs, accounts — are for lookups).
pub const FEED_KINDS: [&str; 10] = [
    "ipv4", "ipv6", "cidr", "domain", "url", "email", "md5", "sha1", "sha256", "sha512",
];

/// Sighting types that take the sighted object out of feeds.
pub const FEED_REMOVING_SIGHTINGS: [&str; 2] = ["false_positive", "expired"];

/// The values of a feed row, as stored: `kind<TAB>key<TAB>value` lines (the key is
/// [`crate::value_key`], kept so pulls need not hash a million values); `None` when nothing
/// in `observables` goes into feeds.
pub fn feed_entries_text(observables: &[ObservableTerm]) -> Option<String> {
    use std::fmt::Write;
    let mut text = String::new();
    for o in observables
        .iter()
        .filter(|o| FEED_KINDS.contains(&o.kind.as_str()))
    {
        let _ = writeln!(text, "{}\t{}\t{}", o.kind, o.key, o.value);
    }
    (!text.is_empty()).then_some(text)
}

/// Reads back [`feed_entries_text`].
pub fn parse_feed_entries(text: &str) -> Vec<FeedValue> {
    text.lines()
        .filter_map(|l| {
            let (kind, rest) = l.split_once('\t')?;
            let (key, value) = rest.split_once('\t')?;
            Some(FeedValue {
                kind: kind.to_owned(),
                key: key.parse().ok()?,
                value: value.to_owned(),
            })
        })
        .collect()
}

/// One value of a feed row.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FeedValue {
    pub kind: String,
    pub value: String,
    /// [`crate::value_key`] of the two.
    pub key: i64,
}

/// Whether an ingest batch takes feed rows out: it demotes versions, or reports objects as
/// false positive or expired.
pub fn batch_removes_feed_rows(inserts: &[crate::plan::PlannedRow<'_>], demoted: &[i64]) -> bool {
    !demoted.is_empty()
        || inserts.iter().any(|r| {
            r.record
                .terms
                .sighting
                .as_ref()
                .is_some_and(|s| FEED_REMOVING_SIGHTINGS.contains(&s.kind.as_str()))
        })
}

/// The SQL pre-filter of feed reads, as column codes: the `defensive_feeds` bit of `uses`,
/// the highest TLP (AMBER) and PAP (GREEN) rank, the classification (unclassified).
/// `renkei_policy::decide` remains the authority; this only saves work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeedPrefilter {
    pub uses_bit: i64,
    pub max_tlp: i64,
    pub max_pap: i64,
    pub classification: i64,
}

impl FeedPrefilter {
    pub fn new() -> Self {
        let consent: Uses = [Use::DefensiveFeeds].into_iter().collect();
        FeedPrefilter {
            uses_bit: i64::from(consent.bits()),
            max_tlp: i64::from(Tlp::Amber.rank()),
            max_pap: i64::from(Pap::Green.rank()),
            classification: i64::from(Classification::UNCLASSIFIED.level()),
        }
    }
}

impl FeedPrefilter {
    /// The same test on a handling held in memory (rows withdrawn by a handling change keep
    /// theirs outside `records`).
    pub fn admits(&self, h: &Handling) -> bool {
        i64::from(h.uses.bits()) & self.uses_bit != 0
            && i64::from(h.tlp.rank()) <= self.max_tlp
            && i64::from(h.pap.rank()) <= self.max_pap
            && i64::from(h.classification.level()) == self.classification
    }
}

impl Default for FeedPrefilter {
    fn default() -> Self {
        Self::new()
    }
}

/// One feed row with its record's handling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedRow {
    pub record: IndexedRecord,
    pub label: Option<String>,
    pub valid_until: Option<i64>,
    pub entries: Vec<FeedValue>,
    /// In an incremental read: the row dropped out after the cursor.
    pub removed: bool,
    /// When it dropped out, if it did.
    pub removed_at: Option<i64>,
}

/// A feed read: the rows, and the cursor the next incremental pull passes as `since`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedRead {
    pub rows: Vec<FeedRow>,
    pub cursor: FeedCursor,
}

/// Where a feed pull left off: the largest `date_added` and `removed_at` it saw, and the time
/// it was made (for expiry).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeedCursor {
    pub added: i64,
    pub removed: i64,
    pub at: i64,
}

impl FeedCursor {
    /// The cursor a reader is given after a pull: from the rows it was allowed only, so that
    /// neither the cursor nor anything stamped with it changes when records it may not pull
    /// come or go. `since` is where the pull started. Removals are stamped after every
    /// `date_added` stored before them (see `removal_stamp` in the backends), so any removal
    /// after this pull comes after `added`; one before it may be reported again, harmlessly.
    pub fn after<'a>(
        rows: impl IntoIterator<Item = &'a FeedRow>,
        since: Option<FeedCursor>,
        now: i64,
    ) -> Self {
        let floor = since.unwrap_or_default();
        let (mut added, mut removed) = (floor.added, floor.removed);
        for r in rows {
            added = added.max(r.record.date_added);
            if let Some(at) = r.removed_at {
                removed = removed.max(at);
            }
        }
        FeedCursor {
            added,
            removed: removed.max(added),
            at: now,
        }
    }

    /// A cursor at one instant (`since=<timestamp>`).
    pub fn at_instant(t: i64) -> Self {
        FeedCursor {
            added: t,
            removed: t,
            at: t,
        }
    }

    /// `added.removed.at`, as pulls show and take it.
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.added, self.removed, self.at)
    }

    pub fn decode(s: &str) -> Option<Self> {
        let mut parts = s.split('.').map(|p| p.parse::<i64>().ok());
        let cursor = FeedCursor {
            added: parts.next()??,
            removed: parts.next()??,
            at: parts.next()??,
        };
        parts.next().is_none().then_some(cursor)
    }
}

/// One pull of a feed, for reciprocity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedPull {
    pub token: Option<renkei_model::ids::TokenId>,
    pub user: renkei_model::ids::UserId,
    pub org: OrgId,
    pub format: String,
    pub at: i64,
    pub entries: u64,
    pub full: bool,
}

/// A feed row taken out by a change of its record's handling keeps the record as it was
/// handled before (`feed_rows.withdrawn`), so that the readers who received its values — and
/// only they — are told they are gone.
#[derive(Debug, Serialize, Deserialize)]
struct Withdrawn {
    stix_id: String,
    stix_type: String,
    version: String,
    date_added: i64,
    provider: OrgId,
    provider_kind: OrgKind,
    provider_sector: Option<String>,
    handling: Handling,
    category: Option<String>,
}

/// [`Withdrawn`] of a record, as stored.
pub fn withdrawn_json(r: &IndexedRecord) -> String {
    serde_json::to_string(&Withdrawn {
        stix_id: r.stix_id.clone(),
        stix_type: r.stix_type.clone(),
        version: r.version.to_stix(),
        date_added: r.date_added,
        provider: r.provider,
        provider_kind: r.provider_kind,
        provider_sector: r.provider_sector.as_ref().map(|s| s.as_str().to_owned()),
        handling: r.handling.clone(),
        category: r.category.clone(),
    })
    .unwrap_or_default()
}

/// Reads back [`withdrawn_json`]; `None` if it does not parse (the row is then never shown).
pub fn withdrawn_record(json: &str) -> Option<IndexedRecord> {
    let w: Withdrawn = serde_json::from_str(json).ok()?;
    Some(IndexedRecord {
        stix_id: w.stix_id,
        stix_type: w.stix_type,
        version: Timestamp::parse(&w.version).ok()?,
        date_added: w.date_added,
        provider: w.provider,
        provider_kind: w.provider_kind,
        provider_sector: match w.provider_sector {
            Some(s) => Some(Sector::new(&s).ok()?),
            None => None,
        },
        handling: w.handling,
        category: w.category,
    })
}
