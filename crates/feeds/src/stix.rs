//! `stix`: a STIX 2.1 bundle of `indicator` objects, one per value, one object per line.
//!
//! - Ids are deterministic: `indicator--` + UUIDv5 of `<type>|<value>` (type as
//!   [`ObservableType::name`]) under [`INDICATOR_NAMESPACE`], so a consumer sees one indicator
//!   per value across pulls, and a removal refers to the indicator it removes.
//! - `created` and `valid_from` are the value's first sighting; `modified` equals `created`
//!   for a value still carried. A value removed in an incremental feed comes back as the same
//!   indicator with `revoked: true` and a `modified` at the generation time. (STIX makes a
//!   revocation final: a value that is shared again after being removed keeps its revoked
//!   indicator in consumers that honour that.)
//! - `valid_until` when the entry has one later than `valid_from`; TLP 2.0 marking by its
//!   standard id; the records carrying the value as `external_references`.
//! - Patterns: `ipv4-addr`/`ipv6-addr:value` (networks too), `domain-name:value`,
//!   `url:value`, `email-addr:value`, `file:hashes.MD5`/`'SHA-1'`/`'SHA-256'`/`'SHA-512'`.
//!   CVEs, bank accounts and crypto addresses have no STIX pattern and are left out.
//! - The bundle id is a UUIDv5 of the generation time, `since` and a SHA-256 over the
//!   indicators (id, version, revoked): the same content gives the same bundle id.

use renkei_model::handling::Tlp;
use renkei_model::stix::markings::tlp_marking_id;
use renkei_observables::ObservableType;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::FeedMeta;
use crate::entry::{Change, FeedEntry};
use crate::net::Network;
use crate::select::{in_feed, values};
use crate::text::{millis, push, push_json_string, timestamp};

/// The UUIDv5 namespace of Renkei feed indicator ids (fixed forever: changing it would give
/// every indicator a new id).
pub const INDICATOR_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2b0e_9a57_4d3e_8c41_5e0b_7a2d_93f6);

/// The id of the feed indicator for a value, e.g. `indicator--…` for (`domain`,
/// `evil.example`); the same in every pull.
pub fn indicator_id(kind: ObservableType, value: &str) -> String {
    let mut name = Vec::with_capacity(kind.name().len() + 1 + value.len());
    name.extend_from_slice(kind.name().as_bytes());
    name.push(b'|');
    name.extend_from_slice(value.as_bytes());
    format!(
        "indicator--{}",
        Uuid::new_v5(&INDICATOR_NAMESPACE, &name).hyphenated()
    )
}

/// A placeholder of the bundle id's length, replaced once the content is known.
const BUNDLE_ID_PLACEHOLDER: &str = "bundle--00000000-0000-0000-0000-000000000000";

/// Writes the bundle.
pub(crate) fn render(entries: &[FeedEntry], meta: &FeedMeta, out: &mut Vec<u8>) {
    push(out, "{\"type\":\"bundle\",\"id\":\"");
    let id_at = out.len();
    push(out, BUNDLE_ID_PLACEHOLDER);
    push(out, "\"");
    // An empty bundle has no `objects` at all: the STIX schema wants at least one in it.
    let mut digest = Sha256::new();
    let mut first = true;
    for run in values(entries) {
        let Some(indicator) = Indicator::of(run, meta) else {
            continue;
        };
        push(out, if first { ",\"objects\":[\n" } else { ",\n" });
        first = false;
        indicator.push_json(out);
        digest.update(indicator.id.as_bytes());
        digest.update(indicator.modified.to_le_bytes());
        digest.update([u8::from(indicator.revoked)]);
    }
    push(out, if first { "}\n" } else { "\n]}\n" });

    let mut name = Vec::with_capacity(64);
    name.extend_from_slice(&meta.generated_at.to_le_bytes());
    name.extend_from_slice(&meta.since.unwrap_or(i64::MIN).to_le_bytes());
    name.extend_from_slice(&digest.finalize());
    let id = format!(
        "bundle--{}",
        Uuid::new_v5(&INDICATOR_NAMESPACE, &name).hyphenated()
    );
    if let Some(slot) = out.get_mut(id_at..id_at + BUNDLE_ID_PLACEHOLDER.len()) {
        slot.copy_from_slice(id.as_bytes());
    }
}

/// One indicator, from the entries of one value.
#[derive(Debug)]
struct Indicator<'a> {
    id: String,
    pattern: String,
    /// µs, whole milliseconds.
    created: i64,
    modified: i64,
    valid_until: Option<i64>,
    revoked: bool,
    name: &'a str,
    tlp: Tlp,
    /// The entries it is made of: the ones still carried, or when none is, the removals.
    entries: &'a [FeedEntry],
    change: Change,
}

impl<'a> Indicator<'a> {
    /// The indicator of a value: as carried when any record still carries it, revoked
    /// when every record has dropped it; `None` when STIX has no pattern for it.
    fn of(run: &'a [FeedEntry], meta: &FeedMeta) -> Option<Indicator<'a>> {
        let revoked = !run.iter().any(|e| e.change == Change::Added);
        if revoked && !run.iter().any(|e| in_feed(e, meta)) {
            return None;
        }
        let change = if revoked {
            Change::Removed
        } else {
            Change::Added
        };
        let mine = || run.iter().filter(move |e| e.change == change);
        let first = mine().next()?;
        let pattern = pattern(first.kind, &first.value)?;
        let created = millis(mine().map(|e| e.first_seen).min()?);
        let modified = if revoked {
            millis(meta.generated_at).max(created + 1000)
        } else {
            created
        };
        Some(Indicator {
            id: indicator_id(first.kind, &first.value),
            pattern,
            created,
            modified,
            valid_until: first.valid_until.map(millis).filter(|u| *u > created),
            revoked,
            name: mine()
                .find_map(|e| e.label.as_deref().filter(|l| !l.trim().is_empty()))
                .unwrap_or(&first.value),
            tlp: mine().map(|e| e.tlp).max_by_key(Tlp::rank)?,
            entries: run,
            change,
        })
    }

    /// The records carrying the value (or that dropped it), each once.
    fn records(&self) -> impl Iterator<Item = &'a str> {
        let entries = self.entries;
        let change = self.change;
        entries.iter().enumerate().filter_map(move |(i, e)| {
            let earlier = &entries[..i];
            let repeat = earlier
                .iter()
                .any(|p| p.change == change && p.record == e.record);
            (e.change == change && !repeat).then_some(e.record.as_str())
        })
    }

    fn push_json(&self, out: &mut Vec<u8>) {
        push(
            out,
            "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"",
        );
        push(out, &self.id);
        // `created` is also `valid_from` and, unless revoked, `modified`: format it once.
        let created = timestamp(self.created);
        push(out, "\",\"created\":\"");
        push(out, &created);
        push(out, "\",\"modified\":\"");
        if self.modified == self.created {
            push(out, &created);
        } else {
            push(out, &timestamp(self.modified));
        }
        push(out, "\",\"name\":");
        push_json_string(out, self.name);
        push(
            out,
            ",\"indicator_types\":[\"malicious-activity\"],\"pattern\":",
        );
        push_json_string(out, &self.pattern);
        push(
            out,
            ",\"pattern_type\":\"stix\",\"pattern_version\":\"2.1\",\"valid_from\":\"",
        );
        push(out, &created);
        push(out, "\"");
        if let Some(until) = self.valid_until {
            push(out, ",\"valid_until\":\"");
            push(out, &timestamp(until));
            push(out, "\"");
        }
        if self.revoked {
            push(out, ",\"revoked\":true");
        }
        push(out, ",\"external_references\":[");
        for (i, record) in self.records().enumerate() {
            push(out, if i == 0 { "{" } else { ",{" });
            push(out, "\"source_name\":\"renkei\",\"external_id\":");
            push_json_string(out, record);
            push(out, "}");
        }
        push(out, "],\"object_marking_refs\":[\"");
        push(out, tlp_marking_id(self.tlp));
        push(out, "\"]}");
    }
}

/// The STIX pattern of a value, if STIX has one for its type.
pub(crate) fn pattern(kind: ObservableType, value: &str) -> Option<String> {
    let path = match kind {
        ObservableType::Ipv4 | ObservableType::Ipv6 | ObservableType::Cidr => {
            if Network::of(kind, value)?.is_v4() {
                "ipv4-addr:value"
            } else {
                "ipv6-addr:value"
            }
        }
        ObservableType::Domain => "domain-name:value",
        ObservableType::Url => "url:value",
        ObservableType::Email => "email-addr:value",
        ObservableType::Md5 => "file:hashes.MD5",
        ObservableType::Sha1 => "file:hashes.'SHA-1'",
        ObservableType::Sha256 => "file:hashes.'SHA-256'",
        ObservableType::Sha512 => "file:hashes.'SHA-512'",
        ObservableType::Cve | ObservableType::BankAccount | ObservableType::CryptoAddress(_) => {
            return None;
        }
    };
    let mut p = String::with_capacity(path.len() + value.len() + 8);
    p.push('[');
    p.push_str(path);
    p.push_str(" = '");
    for c in value.chars() {
        if matches!(c, '\'' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push_str("']");
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_quotes_and_backslashes() {
        assert_eq!(
            pattern(ObservableType::Url, "http://evil.example/a'b\\c").as_deref(),
            Some("[url:value = 'http://evil.example/a\\'b\\\\c']")
        );
        assert_eq!(
            pattern(ObservableType::Cidr, "2001:db8::/32").as_deref(),
            Some("[ipv6-addr:value = '2001:db8::/32']")
        );
        assert_eq!(pattern(ObservableType::Cve, "CVE-2021-44228"), None);
        for p in [
            pattern(ObservableType::Url, "http://evil.example/a'b\\c"),
            pattern(ObservableType::Sha1, &"a".repeat(40)),
            pattern(ObservableType::Email, "o'brien@example.jp"),
        ] {
            let p = p.unwrap();
            assert!(renkei_model::stix::pattern::check(&p).is_ok(), "{p}");
        }
    }

    #[test]
    fn ids_are_deterministic_v5() {
        let a = indicator_id(ObservableType::Domain, "evil.example");
        assert_eq!(a, indicator_id(ObservableType::Domain, "evil.example"));
        assert_ne!(a, indicator_id(ObservableType::Url, "evil.example"));
        assert!(renkei_model::stix::StixId::parse(&a).is_ok());
    }
}
