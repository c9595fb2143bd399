//! `samples`: the sample-sharing feed for AV vendors (マルウェア対策協議会): one CSV row per
//! record with that record's file hashes side by side.
//!
//! A record that carries more than one hash of the same type (a report on several files)
//! cannot say which MD5 goes with which SHA-256, so each of its hashes gets a row of its own
//! instead of a guessed pairing. Only values still carried are listed.

use std::collections::BTreeMap;

use renkei_observables::ObservableType;

use crate::entry::{Change, FeedEntry};
use crate::text::{push_csv_record, timestamp};

/// The header row.
pub const SAMPLES_HEADER: [&str; 8] = [
    "record",
    "md5",
    "sha1",
    "sha256",
    "sha512",
    "label",
    "tlp",
    "first_seen",
];

/// The hash columns, in header order.
const HASHES: [ObservableType; 4] = [
    ObservableType::Md5,
    ObservableType::Sha1,
    ObservableType::Sha256,
    ObservableType::Sha512,
];

/// Writes the feed, rows in record order.
pub(crate) fn render(entries: &[FeedEntry], out: &mut Vec<u8>) {
    push_csv_record(out, &SAMPLES_HEADER);
    let mut by_record: BTreeMap<&str, Vec<&FeedEntry>> = BTreeMap::new();
    for entry in entries {
        if entry.change == Change::Added && HASHES.contains(&entry.kind) {
            by_record.entry(&entry.record).or_default().push(entry);
        }
    }
    for (record, mut hashes) in by_record {
        hashes.dedup_by(|a, b| a.kind == b.kind && a.value == b.value);
        let one_file = HASHES
            .iter()
            .all(|k| hashes.iter().filter(|e| e.kind == *k).count() <= 1);
        if one_file {
            push_row(out, record, &hashes);
        } else {
            for hash in hashes {
                push_row(out, record, &[hash]);
            }
        }
    }
}

/// One row from hashes of one file: the first label, the strictest TLP, the earliest sighting.
fn push_row(out: &mut Vec<u8>, record: &str, hashes: &[&FeedEntry]) {
    let column = |kind: ObservableType| {
        hashes
            .iter()
            .find(|e| e.kind == kind)
            .map_or("", |e| e.value.as_str())
    };
    let label = hashes.iter().find_map(|e| e.label.as_deref()).unwrap_or("");
    let tlp = hashes
        .iter()
        .map(|e| e.tlp)
        .max_by_key(|t| t.rank())
        .map_or("", |t| t.as_str());
    let first_seen = hashes
        .iter()
        .map(|e| e.first_seen)
        .min()
        .map(timestamp)
        .unwrap_or_default();
    push_csv_record(
        out,
        &[
            record,
            column(ObservableType::Md5),
            column(ObservableType::Sha1),
            column(ObservableType::Sha256),
            column(ObservableType::Sha512),
            label,
            tlp,
            &first_seen,
        ],
    );
}
