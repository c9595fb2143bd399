//! The feed formats, as the server names them in `/feeds/{name}` and `?set=`.

use std::fmt;
use std::str::FromStr;

use crate::error::FeedError;

/// The feed formats served at `/feeds/{name}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// One value per line (`plain`).
    Plain,
    /// Every column, RFC 4180 (`csv`).
    Csv,
    /// Suricata 7 rules (`suricata`).
    Suricata,
    /// A Suricata 7 dataset file (`suricata-dataset?set=…`).
    SuricataDataset(DatasetKind),
    /// A DNS response policy zone (`rpz`).
    Rpz,
    /// A STIX 2.1 bundle of indicators (`stix`).
    Stix,
    /// Hashes with metadata, for AV vendors (マルウェア対策協議会) (`samples`).
    Samples,
}

/// Which Suricata dataset a `suricata-dataset` feed holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatasetKind {
    /// Domain names, `type string` (base64 lines): exact names only, no subdomains.
    Domains,
    /// IPv4 and IPv6 addresses, `type ip`: single addresses only (datasets hold no networks).
    Ips,
    /// MD5 file hashes, `type md5` (hex lines; also a `filemd5:` list).
    Md5,
    /// SHA-256 file hashes, `type sha256` (hex lines; also a `filesha256:` list).
    Sha256,
}

impl DatasetKind {
    /// Every dataset, in a fixed order.
    pub const ALL: [DatasetKind; 4] = [
        DatasetKind::Domains,
        DatasetKind::Ips,
        DatasetKind::Md5,
        DatasetKind::Sha256,
    ];

    /// The `set=` value.
    pub fn name(&self) -> &'static str {
        match self {
            DatasetKind::Domains => "domains",
            DatasetKind::Ips => "ips",
            DatasetKind::Md5 => "md5",
            DatasetKind::Sha256 => "sha256",
        }
    }

    /// The Suricata dataset type (`dataset:isset,<name>,type <this>,load <file>`).
    pub fn suricata_type(&self) -> &'static str {
        match self {
            DatasetKind::Domains => "string",
            DatasetKind::Ips => "ip",
            DatasetKind::Md5 => "md5",
            DatasetKind::Sha256 => "sha256",
        }
    }
}

impl fmt::Display for DatasetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DatasetKind {
    type Err = FeedError;

    fn from_str(s: &str) -> Result<Self, FeedError> {
        DatasetKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| FeedError::UnknownDataset(shorten(s)))
    }
}

impl Format {
    /// The URL segment names, in a fixed order.
    pub const NAMES: [&'static str; 7] = [
        "plain",
        "csv",
        "suricata",
        "suricata-dataset",
        "rpz",
        "stix",
        "samples",
    ];

    /// The format a request names: the `/feeds/{name}` segment and, for `suricata-dataset`
    /// only, the `set=` query parameter.
    pub fn parse(name: &str, set: Option<&str>) -> Result<Format, FeedError> {
        let format = match name {
            "plain" => Format::Plain,
            "csv" => Format::Csv,
            "suricata" => Format::Suricata,
            "suricata-dataset" => {
                let set = set.ok_or(FeedError::DatasetRequired)?;
                return Ok(Format::SuricataDataset(set.parse()?));
            }
            "rpz" => Format::Rpz,
            "stix" => Format::Stix,
            "samples" => Format::Samples,
            _ => return Err(FeedError::UnknownFormat(shorten(name))),
        };
        match set {
            Some(_) => Err(FeedError::DatasetNotApplicable(format.name())),
            None => Ok(format),
        }
    }

    /// The URL segment name (`suricata-dataset` for every dataset).
    pub fn name(&self) -> &'static str {
        match self {
            Format::Plain => "plain",
            Format::Csv => "csv",
            Format::Suricata => "suricata",
            Format::SuricataDataset(_) => "suricata-dataset",
            Format::Rpz => "rpz",
            Format::Stix => "stix",
            Format::Samples => "samples",
        }
    }

    /// The `Content-Type` to serve it with.
    pub fn content_type(&self) -> &'static str {
        match self {
            Format::Plain | Format::Suricata => "text/plain; charset=utf-8",
            Format::SuricataDataset(_) => "text/plain; charset=us-ascii",
            Format::Csv | Format::Samples => "text/csv; charset=utf-8; header=present",
            // RFC 4027: the media type of DNS master files.
            Format::Rpz => "text/dns",
            Format::Stix => renkei_model::stix::STIX_MEDIA_TYPE,
        }
    }

    /// The usual file name extension, without the dot.
    pub fn file_extension(&self) -> &'static str {
        match self {
            Format::Plain => "txt",
            Format::Csv | Format::Samples => "csv",
            Format::Suricata => "rules",
            Format::SuricataDataset(_) => "lst",
            Format::Rpz => "zone",
            Format::Stix => "json",
        }
    }

    /// A file name for `Content-Disposition`; the dataset names are the ones the rules in
    /// the docs load.
    pub fn file_name(&self) -> &'static str {
        match self {
            Format::Plain => "renkei.txt",
            Format::Csv => "renkei.csv",
            Format::Suricata => "renkei.rules",
            Format::SuricataDataset(DatasetKind::Domains) => "renkei-domains.lst",
            Format::SuricataDataset(DatasetKind::Ips) => "renkei-ips.lst",
            Format::SuricataDataset(DatasetKind::Md5) => "renkei-md5.lst",
            Format::SuricataDataset(DatasetKind::Sha256) => "renkei-sha256.lst",
            Format::Rpz => "renkei.rpz.zone",
            Format::Stix => "renkei.stix.json",
            Format::Samples => "renkei-samples.csv",
        }
    }

    /// Whether an incremental feed of this format says what was removed. The others list
    /// additions only: a consumer of an incremental feed in those formats must fetch the
    /// full feed from time to time to drop what has gone.
    pub fn includes_removals(&self) -> bool {
        matches!(self, Format::Csv | Format::Stix)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses a URL segment name. `suricata-dataset` needs its `set=` and so fails here with
/// [`FeedError::DatasetRequired`]; use [`Format::parse`] for it.
impl FromStr for Format {
    type Err = FeedError;

    fn from_str(s: &str) -> Result<Self, FeedError> {
        Format::parse(s, None)
    }
}

/// Client input echoed in an error, bounded.
fn shorten(s: &str) -> String {
    s.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in Format::NAMES {
            let format = if name == "suricata-dataset" {
                Format::parse(name, Some("ips")).unwrap()
            } else {
                name.parse::<Format>().unwrap()
            };
            assert_eq!(format.name(), name);
            assert_eq!(format.to_string(), name);
        }
        for kind in DatasetKind::ALL {
            assert_eq!(
                Format::parse("suricata-dataset", Some(kind.name())),
                Ok(Format::SuricataDataset(kind))
            );
        }
    }

    #[test]
    fn refusals_have_codes() {
        let code = |name, set| Format::parse(name, set).unwrap_err().code();
        assert_eq!(code("xml", None), "unknown_format");
        assert_eq!(code("suricata-dataset", None), "dataset_required");
        assert_eq!(code("suricata-dataset", Some("urls")), "unknown_dataset");
        assert_eq!(code("rpz", Some("domains")), "dataset_not_applicable");
        assert_eq!(code("RPZ", None), "unknown_format");
        let long = "x".repeat(1000);
        assert!(Format::parse(&long, None).unwrap_err().to_string().len() < 200);
    }

    #[test]
    fn every_format_has_a_type_and_a_file_name() {
        for format in [
            Format::Plain,
            Format::Csv,
            Format::Suricata,
            Format::SuricataDataset(DatasetKind::Md5),
            Format::Rpz,
            Format::Stix,
            Format::Samples,
        ] {
            assert!(!format.content_type().is_empty());
            assert!(format.file_name().ends_with(format.file_extension()));
        }
    }
}
