//! Machine feeds for defenders (issue 5 §3, design §7): what monitoring providers load into
//! their sensors and resolvers, and what AV vendors pull.
//!
//! This crate only renders. The server decides which entries a feed token may receive
//! (`renkei_policy::decide` on `Path::DefensiveFeed`: `defensive_feeds` consent, PAP
//! GREEN/CLEAR, TLP ≤ AMBER, unclassified; expired and false-positive indicators already
//! dropped) and hands the survivors here, sorted by (kind, value).
//!
//! Must not do I/O, read the clock or query the store: time comes in [`FeedMeta`], and the
//! output is a pure function of the entries and the metadata. An entry a format cannot
//! express (a hash in an RPZ zone, a `/0` network, a name too long for the origin) is left
//! out of that format; [`FeedError`] is only for a bad request or bad metadata.
//!
//! | format | what | removals in incremental feeds |
//! | --- | --- | --- |
//! | `plain` | one value per line | no |
//! | `csv` | every column, one row per (value, record) | yes |
//! | `suricata` | Suricata 7 rules | no |
//! | `suricata-dataset` | dataset files for Suricata 7 (`set=domains/ips/md5/sha256`) | no |
//! | `rpz` | DNS response policy zone | no |
//! | `stix` | STIX 2.1 bundle of indicators | yes (`revoked`) |
//! | `samples` | hashes per record, for AV vendors | no |
//!
//! ```
//! use renkei_feeds::{Change, FeedEntry, FeedMeta, Format, render};
//! use renkei_model::handling::Tlp;
//! use renkei_observables::ObservableType;
//!
//! let entry = FeedEntry {
//!     kind: ObservableType::Domain,
//!     value: "evil.example".into(),
//!     value_key: 42,
//!     record: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".into(),
//!     tlp: Tlp::Green,
//!     category: None,
//!     label: None,
//!     first_seen: 1_767_225_600_000_000,
//!     valid_until: None,
//!     change: Change::Added,
//! };
//! let meta = FeedMeta::full(1_767_312_000_000_000, "Renkei defensive feed");
//! let mut out = Vec::new();
//! render(Format::Plain, &[entry], &meta, &mut out)?;
//! assert_eq!(out, b"evil.example\n");
//! # Ok::<(), renkei_feeds::FeedError>(())
//! ```

mod csv;
pub mod entry;
mod error;
mod format;
mod net;
mod plain;
mod rpz;
mod samples;
mod select;
mod stix;
mod suricata;
mod text;

pub use csv::CSV_HEADER;
pub use entry::{Change, FeedEntry};
pub use error::FeedError;
pub use format::{DatasetKind, Format};
pub use rpz::RPZ_TTL;
pub use samples::SAMPLES_HEADER;
pub use stix::{INDICATOR_NAMESPACE, indicator_id};

/// The first Suricata sid of the feed's rules. Sids are 32-bit; the ranges in use by the
/// public rule sets (Snort/Talos below 1,000,000, local rules 1,000,000–1,999,999, Emerging
/// Threats and other vendors in the 2,000,000–9,999,999 area, Suricata's own events at
/// 2,200,000+) all lie far below, so `3,100,000,000 + 0…999,999,999` clashes with none.
pub const DEFAULT_SID_BASE: u32 = 3_100_000_000;

/// How many sids the feed's rules spread over, from [`FeedMeta::sid_base`]: large, so that
/// sids derived from values rarely collide and stay stable across pulls.
pub const SID_SPAN: u32 = 1_000_000_000;

/// The default RPZ origin (the server's configuration may name another).
pub const DEFAULT_RPZ_ZONE: &str = "rpz.renkei.example.";

/// What the server knows about this pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedMeta {
    /// When the feed is generated, µs since the epoch.
    pub generated_at: i64,
    /// µs since the epoch; `Some` for an incremental feed (changes since then).
    pub since: Option<i64>,
    /// The RPZ SOA serial (the server derives it from time).
    pub serial: u32,
    /// The RPZ origin, e.g. `rpz.renkei.example.`: named in the zone's header and bounding
    /// the length of its names (the zone's names are relative to whatever origin it is
    /// loaded under).
    pub zone: String,
    /// The first Suricata sid; rules get sids in `sid_base .. sid_base + SID_SPAN`.
    pub sid_base: u32,
    /// A title for header comments, e.g. "Renkei defensive feed".
    pub title: String,
}

impl FeedMeta {
    /// A full feed generated at `generated_at` with the default zone, sid range, and a
    /// serial of the generation time in seconds (wrapping, as RFC 1982 serials may).
    pub fn full(generated_at: i64, title: &str) -> FeedMeta {
        FeedMeta {
            generated_at,
            since: None,
            serial: generated_at.div_euclid(1_000_000) as u32,
            zone: DEFAULT_RPZ_ZONE.to_owned(),
            sid_base: DEFAULT_SID_BASE,
            title: title.to_owned(),
        }
    }

    /// Checks what every format relies on, and what `format` needs of the rest.
    pub fn check(&self, format: Format) -> Result<(), FeedError> {
        if let Some(since) = self.since
            && since > self.generated_at
        {
            return Err(FeedError::SinceAfterGeneration {
                since,
                generated_at: self.generated_at,
            });
        }
        match format {
            Format::Rpz => rpz::check_zone(&self.zone).map(drop),
            Format::Suricata
                if self.sid_base == 0 || self.sid_base.checked_add(SID_SPAN - 1).is_none() =>
            {
                Err(FeedError::InvalidSidBase(self.sid_base))
            }
            _ => Ok(()),
        }
    }
}

/// Appends the feed in `format` of `entries` (sorted by (kind, value)) to `out`. On error
/// `out` is left as it was.
pub fn render(
    format: Format,
    entries: &[FeedEntry],
    meta: &FeedMeta,
    out: &mut Vec<u8>,
) -> Result<(), FeedError> {
    meta.check(format)?;
    let start = out.len();
    let result = match format {
        Format::Plain => {
            plain::render(entries, out);
            Ok(())
        }
        Format::Csv => {
            csv::render(entries, meta, out);
            Ok(())
        }
        Format::Suricata => suricata::render(entries, meta, out),
        Format::SuricataDataset(kind) => {
            suricata::dataset::render(kind, entries, out);
            Ok(())
        }
        Format::Rpz => rpz::render(entries, meta, out),
        Format::Stix => {
            stix::render(entries, meta, out);
            Ok(())
        }
        Format::Samples => {
            samples::render(entries, out);
            Ok(())
        }
    };
    if result.is_err() {
        out.truncate(start);
    }
    result
}
