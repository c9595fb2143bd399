//! Products (design §7, seed 003 第3 1(1)オ): what the secretariat makes of the shared records
//! — alerts and forecasts ①, analysis results ②, cyber bulletins ④, reports ⑤ and seminars ⑥ —
//! and the publication process they pass before they reach anyone beyond the secretariat.
//! (③, raw access, is the records themselves and is not a product object.)

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::account::{UnknownValue, string_enum};
use crate::handling::Sector;

string_enum!(
    /// The kind of a product; its two-letter code appears in the product number.
    ProductKind, "product kind" {
        Alert = "alert",
        Analysis = "analysis",
        Bulletin = "bulletin",
        Report = "report",
        Seminar = "seminar",
    }
);

impl ProductKind {
    /// The code in `RENKEI-AT-2026-0001`.
    pub fn code(&self) -> &'static str {
        match self {
            ProductKind::Alert => "AT",
            ProductKind::Analysis => "AN",
            ProductKind::Bulletin => "BU",
            ProductKind::Report => "RP",
            ProductKind::Seminar => "SE",
        }
    }

    /// Whether this kind may be released to the public (seed 003 table: ① and ⑥ reach
    /// non-members; ②, ④ and ⑤ stay with the members).
    pub fn may_be_public(&self) -> bool {
        matches!(self, ProductKind::Alert | ProductKind::Seminar)
    }

    /// The STIX `report_types` value of its export.
    pub fn report_type(&self) -> &'static str {
        match self {
            ProductKind::Alert => "threat-report",
            ProductKind::Analysis => "threat-report",
            ProductKind::Bulletin => "threat-report",
            ProductKind::Report => "threat-report",
            ProductKind::Seminar => "campaign",
        }
    }
}

string_enum!(
    /// Where a product is in the publication process: `draft` (being written), `in_review`
    /// (submitted for sign-off; cited records' providers are asked for consent), `published`
    /// (signed off by an approver other than the author, released to its audience),
    /// `withdrawn` (taken back). Only `published` reaches anyone beyond the secretariat.
    ProductStatus, "product status" {
        Draft = "draft",
        InReview = "in_review",
        Published = "published",
        Withdrawn = "withdrawn",
    }
);

string_enum!(
    /// How urgent an alert is.
    Severity, "severity" {
        Low = "low",
        Medium = "medium",
        High = "high",
        Critical = "critical",
    }
);

string_enum!(
    /// A cited record's provider's answer to a consent request.
    ConsentState, "consent state" {
        Requested = "requested",
        Given = "given",
        Refused = "refused",
    }
);

/// A product's public number, `RENKEI-AT-2026-0001`: prefix, kind, year, sequence per kind and
/// year. Assigned when the product is created and never reused.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProductNumber {
    pub prefix: String,
    pub kind: ProductKind,
    pub year: i32,
    pub seq: u32,
}

impl fmt::Display for ProductNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}-{}-{:04}",
            self.prefix,
            self.kind.code(),
            self.year,
            self.seq
        )
    }
}

/// Whether a string could be a product-number prefix: 2–16 upper-case ASCII letters or
/// digits, starting with a letter (it appears in file names, subjects and URLs).
pub fn valid_prefix(prefix: &str) -> bool {
    (2..=16).contains(&prefix.len())
        && prefix.starts_with(|c: char| c.is_ascii_uppercase())
        && prefix
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Why a product number does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a product number (like RENKEI-AT-2026-0001)")]
pub struct InvalidProductNumber(pub String);

impl FromStr for ProductNumber {
    type Err = InvalidProductNumber;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidProductNumber(s.chars().take(64).collect());
        let mut parts = s.rsplitn(4, '-');
        let (Some(seq), Some(year), Some(code), Some(prefix)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let kind = ProductKind::ALL
            .iter()
            .find(|k| k.code() == code)
            .copied()
            .ok_or_else(bad)?;
        if !valid_prefix(prefix) || seq.len() < 4 || year.len() != 4 {
            return Err(bad());
        }
        Ok(ProductNumber {
            prefix: prefix.to_owned(),
            kind,
            year: year.parse().map_err(|_| bad())?,
            seq: seq.parse().map_err(|_| bad())?,
        })
    }
}

/// Who may register for a seminar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Registration {
    /// Anyone, members or not (seed 003: seminars are open to non-members).
    Public,
    /// Only people of organisations the seminar reaches.
    Members,
}

/// What a seminar adds to a product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeminarDetails {
    /// STIX timestamps.
    pub starts_at: String,
    pub ends_at: String,
    pub venue: String,
    pub capacity: u32,
    pub registration: Registration,
}

/// What an author writes: everything of a product but its number, process and audience.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductContent {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Affected (alerts) or targeted (seminars) sectors; empty = all.
    #[serde(default)]
    pub sectors: Vec<Sector>,
    #[serde(default)]
    pub recommended_actions: Vec<String>,
    /// STIX ids of the records the product draws on: each one's provider must agree before the
    /// product reaches anyone the record itself does not.
    #[serde(default)]
    pub cites: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seminar: Option<SeminarDetails>,
    /// The period a bulletin or report covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

/// The period a bulletin (every 2–3 weeks) or report (1–6 months) covers: STIX timestamps,
/// `from` inclusive, `until` exclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub from: String,
    pub until: String,
}

impl Period {
    /// µs since the epoch, if both ends parse and `from` is before `until`.
    pub fn micros(&self) -> Option<(i64, i64)> {
        let from = crate::stix::Timestamp::parse(&self.from)
            .ok()?
            .unix_micros();
        let until = crate::stix::Timestamp::parse(&self.until)
            .ok()?
            .unix_micros();
        (from < until).then_some((from, until))
    }
}

/// Limits on what an author may write, so one product cannot fill the store or a mail box.
pub mod limits {
    pub const TITLE_CHARS: usize = 300;
    pub const SUMMARY_CHARS: usize = 4_000;
    pub const BODY_BYTES: usize = 256 * 1024;
    pub const SECTORS: usize = 50;
    pub const ACTIONS: usize = 50;
    pub const ACTION_CHARS: usize = 1_000;
    pub const CITES: usize = 1_000;
    pub const VENUE_CHARS: usize = 300;
    pub const CAPACITY: u32 = 100_000;
}

/// What is wrong with a product's content, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct InvalidContent {
    pub field: &'static str,
    pub problem: String,
}

impl ProductContent {
    /// Checks the content against the limits and the kind's own rules.
    pub fn check(&self, kind: ProductKind) -> Result<(), InvalidContent> {
        let bad = |field, problem: &str| {
            Err(InvalidContent {
                field,
                problem: problem.to_owned(),
            })
        };
        let title = self.title.trim();
        if title.is_empty() {
            return bad("title", "must not be empty");
        }
        if self.title.chars().count() > limits::TITLE_CHARS {
            return bad("title", "is longer than 300 characters");
        }
        if self.summary.chars().count() > limits::SUMMARY_CHARS {
            return bad("summary", "is longer than 4,000 characters");
        }
        if self.body.len() > limits::BODY_BYTES {
            return bad("body", "is larger than 256 KiB");
        }
        if self.sectors.len() > limits::SECTORS {
            return bad("sectors", "names more than 50 sectors");
        }
        if self.recommended_actions.len() > limits::ACTIONS {
            return bad("recommended_actions", "has more than 50 entries");
        }
        if self
            .recommended_actions
            .iter()
            .any(|a| a.trim().is_empty() || a.chars().count() > limits::ACTION_CHARS)
        {
            return bad(
                "recommended_actions",
                "entries must be 1–1,000 characters long",
            );
        }
        if self.cites.len() > limits::CITES {
            return bad("cites", "cites more than 1,000 records");
        }
        if let Some(id) = self.cites.iter().find(|id| !is_stix_id(id)) {
            return bad(
                "cites",
                &format!(
                    "`{}` is not a STIX id",
                    id.chars().take(80).collect::<String>()
                ),
            );
        }
        if self.severity.is_some() && kind != ProductKind::Alert {
            return bad("severity", "only alerts carry a severity");
        }
        if let Some(p) = &self.period {
            if !matches!(kind, ProductKind::Bulletin | ProductKind::Report) {
                return bad("period", "only bulletins and reports cover a period");
            }
            if p.micros().is_none() {
                return bad(
                    "period",
                    "from and until must be STIX timestamps, from before until",
                );
            }
        }
        match (&self.seminar, kind) {
            (None, ProductKind::Seminar) => bad("seminar", "a seminar needs its details"),
            (Some(_), k) if k != ProductKind::Seminar => {
                bad("seminar", "only seminars carry seminar details")
            }
            (Some(s), _) => s.check(),
            (None, _) => Ok(()),
        }
    }
}

impl SeminarDetails {
    fn check(&self) -> Result<(), InvalidContent> {
        let bad = |field, problem: &str| {
            Err(InvalidContent {
                field,
                problem: problem.to_owned(),
            })
        };
        let (Ok(starts), Ok(ends)) = (
            crate::stix::Timestamp::parse(&self.starts_at),
            crate::stix::Timestamp::parse(&self.ends_at),
        ) else {
            return bad(
                "seminar.starts_at",
                "starts_at and ends_at must be STIX timestamps",
            );
        };
        if ends <= starts {
            return bad("seminar.ends_at", "must be after starts_at");
        }
        if self.venue.trim().is_empty() || self.venue.chars().count() > limits::VENUE_CHARS {
            return bad("seminar.venue", "must be 1–300 characters long");
        }
        if self.capacity == 0 || self.capacity > limits::CAPACITY {
            return bad("seminar.capacity", "must be between 1 and 100,000");
        }
        Ok(())
    }
}

/// `type--uuid` with a known-looking type: what a cited record id must be.
fn is_stix_id(id: &str) -> bool {
    let Some((ty, uuid)) = id.split_once("--") else {
        return false;
    };
    !ty.is_empty()
        && ty.len() <= 250
        && ty
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && uuid::Uuid::try_parse(uuid).is_ok()
}

/// Accepts `alert` and the code `AT` alike (the CLI takes either).
pub fn parse_kind(s: &str) -> Result<ProductKind, UnknownValue> {
    ProductKind::ALL
        .iter()
        .find(|k| k.code().eq_ignore_ascii_case(s))
        .copied()
        .map_or_else(|| s.parse(), Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_and_parse() {
        let n = ProductNumber {
            prefix: "RENKEI".into(),
            kind: ProductKind::Alert,
            year: 2026,
            seq: 1,
        };
        assert_eq!(n.to_string(), "RENKEI-AT-2026-0001");
        assert_eq!("RENKEI-AT-2026-0001".parse::<ProductNumber>(), Ok(n));
        assert!("JC3-2-BU-2026-12345".parse::<ProductNumber>().is_err());
        assert!("JC3X-BU-2026-12345".parse::<ProductNumber>().is_ok());
        for bad in [
            "",
            "RENKEI-XX-2026-0001",
            "renkei-AT-2026-0001",
            "RENKEI-AT-26-0001",
        ] {
            assert!(bad.parse::<ProductNumber>().is_err(), "{bad}");
        }
    }

    #[test]
    fn content_rules_name_the_field() {
        let mut c = ProductContent {
            title: "Emotet 再拡散".into(),
            summary: String::new(),
            body: String::new(),
            severity: Some(Severity::High),
            sectors: vec![],
            recommended_actions: vec!["マクロを無効にする".into()],
            cites: vec!["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".into()],
            seminar: None,
            period: None,
        };
        assert!(c.check(ProductKind::Alert).is_ok());
        assert_eq!(
            c.check(ProductKind::Bulletin).unwrap_err().field,
            "severity"
        );
        c.severity = None;
        assert_eq!(c.check(ProductKind::Seminar).unwrap_err().field, "seminar");
        c.cites.push("not-an-id".into());
        assert_eq!(c.check(ProductKind::Report).unwrap_err().field, "cites");
        c.cites.pop();
        c.title = " ".into();
        assert_eq!(c.check(ProductKind::Report).unwrap_err().field, "title");
    }

    #[test]
    fn kinds_parse_from_name_or_code() {
        assert_eq!(parse_kind("AT"), Ok(ProductKind::Alert));
        assert_eq!(parse_kind("bulletin"), Ok(ProductKind::Bulletin));
        assert!(parse_kind("memo").is_err());
    }
}
