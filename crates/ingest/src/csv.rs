//! CSV → STIX (issue 4 §1): indicator lists as spreadsheets and SIEM exports write them, with a
//! column mapping. The file needs a header row; the mapping names the column holding each
//! value, and either a column holding each row's type or one type for every row. Every value
//! is normalised (`renkei-observables`) and becomes the object free text would give it
//! (`crate::text`). One bad row refuses the whole file, naming the line and column: nothing is
//! stored partly.

use std::collections::HashSet;

use renkei_model::stix::Timestamp;
use renkei_observables::{Exclusions, ObservableType, normalise};
use serde_json::Value;

use crate::misp::Conversion;
use crate::text::object_for;

/// At most this many row errors are reported.
const MAX_ERRORS: usize = 100;

/// Which columns hold what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvMapping {
    /// The header of the column holding the values.
    pub value: String,
    /// Where each row's type comes from.
    pub kind: KindSource,
    /// The header of a column holding a comment (becomes the indicator's description).
    pub comment: Option<String>,
}

/// Where a row's observable type comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KindSource {
    /// The header of a column holding the type of each row.
    Column(String),
    /// The same type for every row.
    Fixed(ObservableType),
}

/// Why a CSV file was refused as a whole.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("line {line}: {message}")]
    Unreadable { line: u64, message: String },
    #[error("no column `{name}` (the header has: {available})")]
    MissingColumn { name: String, available: String },
    #[error("the file has a header but no rows")]
    Empty,
    #[error("{} row(s) refused, nothing stored:\n{}", .0.len(), .0.join("\n"))]
    Rows(Vec<String>),
}

impl CsvError {
    /// A stable code for clients.
    pub fn code(&self) -> &'static str {
        match self {
            CsvError::Unreadable { .. } => "csv_unreadable",
            CsvError::MissingColumn { .. } => "csv_missing_column",
            CsvError::Empty => "csv_empty",
            CsvError::Rows(_) => "csv_invalid_rows",
        }
    }
}

/// A type as written in a type column: Renkei's names (`ipv4`, `sha256`,
/// `crypto_address:btc`, …) or the common aliases of MISP and blocklists (`ip-dst`, `ip`,
/// `hostname`, `md5`, `vulnerability`, …). `ip` and the MISP ip types fit v4 and v6 by value.
pub fn parse_kind(name: &str, value: &str) -> Option<ObservableType> {
    let name = name.trim().to_ascii_lowercase();
    if let Ok(kind) = name.parse() {
        return Some(kind);
    }
    Some(match name.as_str() {
        "ip" | "ip-dst" | "ip-src" | "ip_address" | "ipaddress" | "address" => {
            if value.contains('/') {
                ObservableType::Cidr
            } else if value.contains(':') {
                ObservableType::Ipv6
            } else {
                ObservableType::Ipv4
            }
        }
        "ip-dst|cidr" | "network" | "subnet" => ObservableType::Cidr,
        "hostname" | "host" | "fqdn" | "domain-name" => ObservableType::Domain,
        "link" | "uri" => ObservableType::Url,
        "email-src" | "email-dst" | "email-addr" | "mail" => ObservableType::Email,
        "sha-1" => ObservableType::Sha1,
        "sha-256" => ObservableType::Sha256,
        "sha-512" => ObservableType::Sha512,
        "vulnerability" | "cve-id" => ObservableType::Cve,
        _ => return None,
    })
}

/// Converts a CSV file with `mapping`; `received` dates the objects. Values on the exclusion
/// lists are left out with a warning naming the line.
pub fn convert_csv(
    bytes: &[u8],
    mapping: &CsvMapping,
    received: Timestamp,
) -> Result<Conversion, CsvError> {
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(false)
        .trim(::csv::Trim::All)
        .from_reader(bytes);
    let headers = reader.headers().map_err(|e| unreadable(&e, 1))?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| CsvError::MissingColumn {
                name: name.to_owned(),
                available: headers
                    .iter()
                    .map(|h| format!("`{h}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    };
    let value_at = column(&mapping.value)?;
    let kind_at = match &mapping.kind {
        KindSource::Column(name) => Some(column(name)?),
        KindSource::Fixed(_) => None,
    };
    let comment_at = mapping.comment.as_deref().map(column).transpose()?;
    let exclusions = Exclusions::shipped();
    let now = received.to_stix();
    let mut objects = Vec::new();
    let mut seen = HashSet::new();
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    let mut rows = 0usize;
    let mut record = ::csv::StringRecord::new();
    loop {
        let next_line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(unreadable(&e, next_line)),
        }
        let line = record.position().map_or(next_line, |p| p.line());
        rows += 1;
        let value = record.get(value_at).unwrap_or("");
        let refuse = |errors: &mut Vec<String>, message: String| {
            if errors.len() < MAX_ERRORS {
                errors.push(format!("line {line}: {message}"));
            }
        };
        if value.is_empty() {
            refuse(&mut errors, format!("column `{}` is empty", mapping.value));
            continue;
        }
        let kind = match (&mapping.kind, kind_at) {
            (KindSource::Fixed(kind), _) => Some(*kind),
            (KindSource::Column(_), Some(at)) => parse_kind(record.get(at).unwrap_or(""), value),
            (KindSource::Column(_), None) => None,
        };
        let Some(kind) = kind else {
            let name = kind_at.and_then(|at| record.get(at)).unwrap_or("");
            refuse(&mut errors, format!("unknown type `{name}`"));
            continue;
        };
        let observable = match normalise(kind, value) {
            Ok(o) => o,
            Err(e) => {
                refuse(
                    &mut errors,
                    format!("`{value}` is not a valid {kind}: {e} ({})", e.code()),
                );
                continue;
            }
        };
        if let Some(reason) = exclusions.is_excluded(&observable) {
            warnings.push(format!(
                "line {line}: `{}` left out: excluded ({}: {})",
                observable.display(),
                reason.category,
                reason.entry
            ));
            continue;
        }
        let mut object = match object_for(&observable, &now) {
            Ok(o) => o,
            Err(why) => {
                refuse(&mut errors, format!("`{value}`: {why}"));
                continue;
            }
        };
        if let (Some(at), Some(map)) = (comment_at, object.as_object_mut())
            && let Some(comment) = record.get(at).filter(|c| !c.is_empty())
        {
            let key = if map.get("type").and_then(Value::as_str) == Some("indicator") {
                "description"
            } else {
                "x_renkei_comment"
            };
            map.insert(key.into(), comment.into());
        }
        let id = object.get("id").cloned();
        if id.as_ref().is_some_and(|id| !seen.insert(id.to_string())) {
            warnings.push(format!(
                "line {line}: `{}` repeats an earlier row",
                observable.display()
            ));
            continue;
        }
        objects.push(object);
    }
    if !errors.is_empty() {
        return Err(CsvError::Rows(errors));
    }
    if rows == 0 {
        return Err(CsvError::Empty);
    }
    Ok(Conversion { objects, warnings })
}

fn unreadable(e: &::csv::Error, line: u64) -> CsvError {
    let line = e.position().map_or(line, |p| p.line());
    let message = match e.kind() {
        ::csv::ErrorKind::Utf8 { err, .. } => format!(
            "not UTF-8 (field {}, byte {})",
            err.field() + 1,
            err.valid_up_to()
        ),
        ::csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        _ => e.to_string(),
    };
    CsvError::Unreadable { line, message }
}

#[cfg(test)]
mod tests {
    use renkei_model::stix::StixObject;

    use super::*;

    fn received() -> Timestamp {
        Timestamp::parse("2026-11-22T00:00:00Z").expect("timestamp")
    }

    fn by_column() -> CsvMapping {
        CsvMapping {
            value: "ioc".into(),
            kind: KindSource::Column("type".into()),
            comment: Some("note".into()),
        }
    }

    #[test]
    fn a_blocklist_with_types_and_comments() {
        let csv = "type,ioc,note\n\
                   ip-dst,45.76.18.201,C2\n\
                   domain,ＥＶＩＬ-c2[.]xyz,全角で書かれたドメイン\n\
                   url,hxxps://sagawa-delivery[.]top/track,SMS\n\
                   sha256,9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08,\n\
                   ip,10.0.0.1,社内\n\
                   cve,cve-2021-44228,Log4Shell\n";
        let c = convert_csv(csv.as_bytes(), &by_column(), received()).expect("converted");
        for o in &c.objects {
            StixObject::parse(&o.to_string()).unwrap_or_else(|e| panic!("{o}: {e}"));
        }
        let patterns: Vec<&str> = c
            .objects
            .iter()
            .filter_map(|o| o["pattern"].as_str())
            .collect();
        assert_eq!(
            patterns,
            [
                "[ipv4-addr:value = '45.76.18.201']",
                "[domain-name:value = 'evil-c2.xyz']",
                "[url:value = 'https://sagawa-delivery.top/track']",
                "[file:hashes.'SHA-256' = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08']",
            ]
        );
        assert_eq!(c.objects[0]["description"], "C2");
        assert!(
            c.objects
                .iter()
                .any(|o| o["type"] == "vulnerability" && o["name"] == "CVE-2021-44228")
        );
        assert!(
            c.warnings
                .iter()
                .any(|w| w.starts_with("line 6:") && w.contains("10.0.0.1")),
            "{:?}",
            c.warnings
        );
    }

    #[test]
    fn one_type_for_every_row() {
        let mapping = CsvMapping {
            value: "domain".into(),
            kind: KindSource::Fixed(ObservableType::Domain),
            comment: None,
        };
        let c = convert_csv(
            b"domain\nphish-1.xyz\nphish-2.xyz\nphish-1.xyz\n",
            &mapping,
            received(),
        )
        .expect("converted");
        assert_eq!(c.objects.len(), 2);
        assert!(
            c.warnings
                .iter()
                .any(|w| w.contains("line 4") && w.contains("repeats"))
        );
    }

    #[test]
    fn bad_files_are_refused_naming_the_line() {
        let e = convert_csv(b"kind,value\nip,1.2.3.4\n", &by_column(), received()).unwrap_err();
        assert_eq!(e.code(), "csv_missing_column");
        assert!(e.to_string().contains("`kind`, `value`"), "{e}");

        let e = convert_csv(
            b"type,ioc,note\nip,1.2.3.4,\nip,999.1.1.1,\nspaceship,x,\nip,,\nip,1.2.3.5,\n",
            &by_column(),
            received(),
        )
        .unwrap_err();
        assert_eq!(e.code(), "csv_invalid_rows");
        let text = e.to_string();
        for (line, what) in [(3, "999.1.1.1"), (4, "spaceship"), (5, "empty")] {
            assert!(
                text.contains(&format!("line {line}: ")) && text.contains(what),
                "{text}"
            );
        }

        let e = convert_csv(b"type,ioc,note\nip,1.2.3.4\n", &by_column(), received()).unwrap_err();
        assert_eq!(e.code(), "csv_unreadable");
        assert!(e.to_string().starts_with("line 2:"), "{e}");

        let e =
            convert_csv(b"type,ioc,note\nip,1.2.3.\xff,\n", &by_column(), received()).unwrap_err();
        assert_eq!(e.code(), "csv_unreadable");
        assert!(e.to_string().contains("UTF-8"), "{e}");

        let e = convert_csv(b"type,ioc,note\n", &by_column(), received()).unwrap_err();
        assert_eq!(e.code(), "csv_empty");
    }
}
