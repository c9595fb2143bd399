//! What a feed is made of.

use renkei_model::handling::Tlp;
use renkei_observables::ObservableType;

/// One value in a feed: a normalised observable and the record that carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    /// The observable's type and normalised value (as `renkei_observables::normalise` gives
    /// them: domains in IDNA ASCII, canonical IPs and CIDRs, WHATWG URLs, lower-case hashes).
    pub kind: ObservableType,
    pub value: String,
    /// A stable 64-bit key of (type, value) (`renkei_store::value_key`); rule ids derive from it.
    pub value_key: i64,
    /// The STIX id of the record carrying it (the newest, when several do).
    pub record: String,
    /// The record's TLP (the strictest, when several records carry the value).
    pub tlp: Tlp,
    /// `individual`, `overall` or `technical`, when known.
    pub category: Option<String>,
    /// A short human label: the indicator's or malware's name, when it has one.
    pub label: Option<String>,
    /// When the value first entered the platform (µs since the epoch).
    pub first_seen: i64,
    /// When the carrying indicator stops being valid (µs), if it says.
    pub valid_until: Option<i64>,
    /// Added or removed since the `since=` of an incremental feed; `Added` in a full feed.
    pub change: Change,
}

/// Whether an entry of an incremental feed is new or has dropped out (expired, marked false
/// positive, revoked, or no longer shareable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
}

impl Change {
    /// `added` or `removed`, as the CSV feed writes it.
    pub fn name(&self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
        }
    }
}
