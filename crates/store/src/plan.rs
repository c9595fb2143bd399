//! Planning a batch ingest: which records are new, duplicates or conflicts, what `date_added`
//! and version each new one gets, and which stored rows stop being the latest version.
//! Pure; both backends execute the plan inside their own transaction. Allocation-light: this
//! runs on the single writer, once per record.

use std::collections::HashMap;

use renkei_model::stix::Timestamp;

use crate::types::{IngestOutcome, NewRecord};

/// A stored, non-deleted version of one of the batch's objects.
#[derive(Clone, Debug)]
pub struct StoredVersion {
    pub stix_id: String,
    pub provider: String,
    /// Sortable form (see `Timestamp::to_sortable`).
    pub version: String,
    pub body_sha256: [u8; 32],
    pub date_added: i64,
    pub latest: bool,
}

/// A row to insert.
#[derive(Clone, Debug)]
pub struct PlannedRow<'a> {
    pub record: &'a NewRecord,
    /// Sortable form of the version.
    pub version: String,
    pub date_added: i64,
    pub latest: bool,
    pub twin: bool,
}

#[derive(Debug)]
pub struct Plan<'a> {
    pub outcomes: Vec<IngestOutcome>,
    pub inserts: Vec<PlannedRow<'a>>,
    /// Stored rows (by date_added, their key) that are no longer the latest version.
    pub demote: Vec<i64>,
}

#[derive(Clone, Copy)]
enum Slot {
    Stored(i64),
    Pending(usize),
}

#[derive(Clone, Copy)]
struct Known {
    mine: bool,
    version: Timestamp,
    sha: [u8; 32],
    date_added: i64,
    latest: bool,
    at: Slot,
}

/// Plans the ingest of `records` from `provider`, given what is stored for their ids and the
/// first free `date_added`.
pub fn plan<'a>(
    provider: &str,
    records: &'a [NewRecord],
    stored: Vec<StoredVersion>,
    first_date_added: i64,
) -> Plan<'a> {
    let mut known: HashMap<&'a str, Vec<Known>> = HashMap::with_capacity(records.len());
    for r in records {
        known.entry(r.stix_id.as_str()).or_default();
    }
    for s in stored {
        let Ok(version) = Timestamp::parse(&s.version) else {
            continue;
        };
        if let Some(v) = known.get_mut(s.stix_id.as_str()) {
            v.push(Known {
                mine: s.provider == provider,
                version,
                sha: s.body_sha256,
                date_added: s.date_added,
                latest: s.latest,
                at: Slot::Stored(s.date_added),
            });
        }
    }
    let mut next = first_date_added;
    let mut outcomes = Vec::with_capacity(records.len());
    let mut inserts: Vec<PlannedRow<'a>> = Vec::with_capacity(records.len());
    let mut demote = Vec::new();
    for rec in records {
        let sha = rec.body_sha256;
        let Some(versions) = known.get_mut(rec.stix_id.as_str()) else {
            continue;
        };
        let version = match rec.version {
            Some(v) => {
                if let Some(k) = versions.iter().find(|k| k.mine && k.version == v) {
                    outcomes.push(if k.sha == sha {
                        IngestOutcome::Duplicate {
                            version: k.version,
                            date_added: k.date_added,
                        }
                    } else {
                        IngestOutcome::Conflict { version: k.version }
                    });
                    continue;
                }
                v
            }
            None => {
                // Not versioned: identical content from the same provider is the same record;
                // anything else is a new version, identified by its own date_added.
                if let Some(k) = versions.iter().find(|k| k.mine && k.sha == sha) {
                    outcomes.push(IngestOutcome::Duplicate {
                        version: k.version,
                        date_added: k.date_added,
                    });
                    continue;
                }
                Timestamp::from_unix_micros(next)
            }
        };
        let date_added = next;
        next += 1;
        let latest = !versions.iter().any(|k| k.version > version);
        if latest {
            for k in versions
                .iter_mut()
                .filter(|k| k.latest && k.version < version)
            {
                k.latest = false;
                match k.at {
                    Slot::Stored(key) => demote.push(key),
                    Slot::Pending(i) => inserts[i].latest = false,
                }
            }
        }
        let twin = versions.iter().any(|k| k.version == version);
        versions.push(Known {
            mine: true,
            version,
            sha,
            date_added,
            latest,
            at: Slot::Pending(inserts.len()),
        });
        outcomes.push(IngestOutcome::Added {
            version,
            date_added,
        });
        inserts.push(PlannedRow {
            record: rec,
            version: version.to_sortable(),
            date_added,
            latest,
            twin,
        });
    }
    Plan {
        outcomes,
        inserts,
        demote,
    }
}
