//! Reciprocity (双方向性, issue 5 §5): what each organisation contributes and consumes.
//!
//! Contributions are read from what is stored (records, sightings, and records of the
//! organisation that others sighted). Consumption the store cannot see by itself is counted by
//! the server as it answers (records read, values looked up, searches) and added here in
//! batches per organisation, day and kind; feed pulls come from `feed_pulls`.

use std::collections::BTreeMap;

use renkei_model::ids::OrgId;

/// Days since the Unix epoch of a time in µs.
pub fn day_of(micros: i64) -> i64 {
    micros.div_euclid(86_400_000_000)
}

/// Consumption counted by the server: `count` more of `kind` for `org` on `day`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageCount {
    pub org: OrgId,
    pub day: i64,
    pub kind: String,
    pub count: u64,
}

/// One organisation's activity in a period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrgActivity {
    /// Records it stored (object versions other than sightings).
    pub records: u64,
    /// Sightings it reported.
    pub sightings: u64,
    /// Its records that other organisations sighted in the period.
    pub sighted_by_others: u64,
    pub feed_pulls: u64,
    pub feed_entries: u64,
    /// Counted consumption by kind (`records_read`, `lookups`, `searches`).
    pub usage: BTreeMap<String, u64>,
}
