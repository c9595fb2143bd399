//! Why a feed could not be rendered, with a stable code for each reason.
//!
//! Entries never cause an error: one that a format cannot express is left out of that format.
//! Errors are about the request (an unknown format) or the server's own metadata.

use crate::SID_SPAN;

/// A feed request or feed metadata that cannot be served.
///
/// The message is for people and may be reworded; [`code`](Self::code) is stable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    /// The `/feeds/{name}` segment names no format.
    #[error(
        "unknown feed format `{0}` (expected one of: plain, csv, suricata, suricata-dataset, rpz, stix, samples)"
    )]
    UnknownFormat(String),
    /// The `set=` of a dataset feed names no dataset.
    #[error("unknown dataset `{0}` (expected one of: domains, ips, md5, sha256)")]
    UnknownDataset(String),
    /// `suricata-dataset` without `set=`.
    #[error("the suricata-dataset feed needs set=domains, ips, md5 or sha256")]
    DatasetRequired,
    /// `set=` on a format that has no datasets.
    #[error("set= applies only to the suricata-dataset feed, not to {0}")]
    DatasetNotApplicable(&'static str),
    /// The RPZ origin is not a domain name.
    #[error("the RPZ origin `{0}` is not a domain name")]
    InvalidZone(String),
    /// The Suricata sid range would not fit below 2^32 (or starts at 0).
    #[error("the Suricata sid base {0} leaves no room for {SID_SPAN} sids between 1 and 2^32 - 1")]
    InvalidSidBase(u32),
    /// An incremental feed whose `since` lies after its own generation time.
    #[error("since ({since} µs) is after the generation time ({generated_at} µs)")]
    SinceAfterGeneration {
        /// The requested start of the changes, µs since the epoch.
        since: i64,
        /// When the feed is generated, µs since the epoch.
        generated_at: i64,
    },
    /// More Suricata rules than sids in the range.
    #[error("more than {SID_SPAN} Suricata rules: the sid range is exhausted")]
    SidRangeExhausted,
}

impl FeedError {
    /// The stable code callers match on.
    pub fn code(&self) -> &'static str {
        match self {
            FeedError::UnknownFormat(_) => "unknown_format",
            FeedError::UnknownDataset(_) => "unknown_dataset",
            FeedError::DatasetRequired => "dataset_required",
            FeedError::DatasetNotApplicable(_) => "dataset_not_applicable",
            FeedError::InvalidZone(_) => "invalid_zone",
            FeedError::InvalidSidBase(_) => "invalid_sid_base",
            FeedError::SinceAfterGeneration { .. } => "since_after_generation",
            FeedError::SidRangeExhausted => "sid_range_exhausted",
        }
    }

    /// Whether the caller asked for something wrong (as opposed to the server's metadata or
    /// data being unrenderable): the server answers 400 for these and 500 for the others.
    pub fn is_request_error(&self) -> bool {
        matches!(
            self,
            FeedError::UnknownFormat(_)
                | FeedError::UnknownDataset(_)
                | FeedError::DatasetRequired
                | FeedError::DatasetNotApplicable(_)
                | FeedError::SinceAfterGeneration { .. }
        )
    }
}
