//! Which entries a format renders.
//!
//! Entries arrive sorted by (kind, value); several records can carry one value, so one value
//! can come as several adjacent entries. Formats that list values take one entry per value;
//! a value is still listed when any of its records still carries it.

use renkei_model::handling::Tlp;

use crate::FeedMeta;
use crate::entry::{Change, FeedEntry};

/// Whether an entry belongs in this pull: a full feed has no removals (an entry marked
/// removed in one is ignored), an incremental feed has both.
pub(crate) fn in_feed(entry: &FeedEntry, meta: &FeedMeta) -> bool {
    entry.change == Change::Added || meta.since.is_some()
}

/// The runs of adjacent entries that share (kind, value).
pub(crate) fn values(entries: &[FeedEntry]) -> impl Iterator<Item = &[FeedEntry]> {
    entries.chunk_by(|a, b| a.kind == b.kind && a.value == b.value)
}

/// A value still carried by at least one record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Carried<'a> {
    /// Its first added entry (the value, its key, a record, a label).
    pub(crate) entry: &'a FeedEntry,
    /// The strictest TLP among the records that carry it.
    pub(crate) tlp: Tlp,
}

/// One item per value still carried, in input order.
pub(crate) fn carried_values(entries: &[FeedEntry]) -> impl Iterator<Item = Carried<'_>> {
    values(entries).filter_map(|run| {
        let mut added = run.iter().filter(|e| e.change == Change::Added);
        let entry = added.next()?;
        let tlp = added
            .map(|e| e.tlp)
            .fold(entry.tlp, |a, b| if b.rank() > a.rank() { b } else { a });
        Some(Carried { entry, tlp })
    })
}
