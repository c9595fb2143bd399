//! `csv`: every entry with every column (RFC 4180, CRLF line ends, a header row). Unlike the
//! blocklist formats it keeps one row per (value, record) and, in an incremental feed, the
//! removals.

use crate::FeedMeta;
use crate::entry::FeedEntry;
use crate::select::in_feed;
use crate::text::{push_csv_record, timestamp};

/// The header row.
pub const CSV_HEADER: [&str; 9] = [
    "change",
    "type",
    "value",
    "tlp",
    "category",
    "record",
    "label",
    "first_seen",
    "valid_until",
];

/// Writes the feed.
pub(crate) fn render(entries: &[FeedEntry], meta: &FeedMeta, out: &mut Vec<u8>) {
    push_csv_record(out, &CSV_HEADER);
    let mut previous: Option<&FeedEntry> = None;
    for entry in entries.iter().filter(|e| in_feed(e, meta)) {
        if previous.is_some_and(|p| same_row(p, entry)) {
            continue;
        }
        previous = Some(entry);
        let first_seen = timestamp(entry.first_seen);
        let valid_until = entry.valid_until.map(timestamp).unwrap_or_default();
        push_csv_record(
            out,
            &[
                entry.change.name(),
                entry.kind.name(),
                &entry.value,
                entry.tlp.as_str(),
                entry.category.as_deref().unwrap_or(""),
                &entry.record,
                entry.label.as_deref().unwrap_or(""),
                &first_seen,
                &valid_until,
            ],
        );
    }
}

/// Two entries that would make the same row (a value sent twice for one record).
fn same_row(a: &FeedEntry, b: &FeedEntry) -> bool {
    a.kind == b.kind && a.value == b.value && a.record == b.record && a.change == b.change
}
