//! Deterministic identifiers for STIX Cyber-observable Objects (STIX 2.1 §2.9):
//! `uuid5(00abedb4-…, JCS(id-contributing properties))`, exactly as python-stix2 computes them
//! (checked against its vectors in `tests/sco_ids.rs`).
//!
//! Producers SHOULD use these ids; consumers must not reject objects that do not, so Renkei
//! uses this module to create SCOs and to find the same observable under one id, never to
//! refuse a submission.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::{StixId, Timestamp};

/// The STIX namespace for deterministic SCO ids.
pub const SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00ab_edb4_aa42_466c_9c01_fed2_3315_a9b7);

/// The id-contributing properties of each SCO type (STIX 2.1 §6).
pub fn contributing_properties(ty: &str) -> Option<&'static [&'static str]> {
    Some(match ty {
        "artifact" => &["hashes", "payload_bin"],
        "autonomous-system" => &["number"],
        "directory" => &["path"],
        "domain-name" | "email-addr" | "ipv4-addr" | "ipv6-addr" | "mac-addr" | "url" => &["value"],
        "email-message" => &["from_ref", "subject", "body"],
        "file" => &["hashes", "name", "extensions", "parent_directory_ref"],
        "mutex" => &["name"],
        "network-traffic" => &[
            "start",
            "end",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "extensions",
        ],
        "software" => &["name", "cpe", "swid", "vendor", "version"],
        "user-account" => &["account_type", "user_id", "account_login"],
        "windows-registry-key" => &["key", "values"],
        "x509-certificate" => &["hashes", "serial_number"],
        "process" => &[],
        _ => return None,
    })
}

/// The outcome of deriving an SCO id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScoId {
    /// A deterministic UUIDv5 id.
    Deterministic(StixId),
    /// No contributing property is present (or the type has none): a UUIDv4 must be used.
    Random,
}

/// Derives the id of an SCO from its properties (`object` must include `type`; `id` is ignored).
/// Returns `None` for types that are not SCOs defined by STIX 2.1.
pub fn derive(object: &Map<String, Value>) -> Option<ScoId> {
    let ty = object.get("type")?.as_str()?;
    let props = contributing_properties(ty)?;
    let mut name = Map::new();
    for &p in props {
        let Some(v) = object.get(p) else { continue };
        if v.is_null() || v.as_array().is_some_and(Vec::is_empty) {
            continue;
        }
        let v = match p {
            "hashes" => match choose_hash(v) {
                Some((k, h)) => Value::Object(Map::from_iter([(k, h)])),
                None => continue,
            },
            "start" | "end" if ty == "network-traffic" => {
                match v.as_str().and_then(|s| Timestamp::parse(s).ok()) {
                    Some(t) => Value::String(python_stix2_precision(t)),
                    None => v.clone(),
                }
            }
            _ => v.clone(),
        };
        name.insert(p.to_owned(), v);
    }
    if name.is_empty() {
        return Some(ScoId::Random);
    }
    let canonical = serde_jcs::to_string(&Value::Object(name)).ok()?;
    let uuid = Uuid::new_v5(&SCO_NAMESPACE, canonical.as_bytes());
    StixId::new(ty, uuid).ok().map(ScoId::Deterministic)
}

/// Spec names of the hash algorithms, matched ignoring case and hyphens.
const HASH_NAMES: &[&str] = &[
    "MD5", "SHA-1", "SHA-256", "SHA-512", "SHA3-256", "SHA3-512", "SSDEEP", "TLSH",
];

/// The spec name of a hash algorithm key (`sha256` → `SHA-256`), or the key unchanged.
pub fn normalise_hash_name(key: &str) -> String {
    let squash = |s: &str| {
        s.chars()
            .filter(|c| *c != '-')
            .collect::<String>()
            .to_ascii_uppercase()
    };
    let k = squash(key);
    HASH_NAMES
        .iter()
        .find(|n| squash(n) == k)
        .map_or_else(|| key.to_owned(), |n| (*n).to_owned())
}

/// One hash: MD5, else SHA-1, else SHA-256, else SHA-512, else the first in document order.
fn choose_hash(hashes: &Value) -> Option<(String, Value)> {
    let map = hashes.as_object()?;
    let normalised: Vec<(String, &Value)> = map
        .iter()
        .map(|(k, v)| (normalise_hash_name(k), v))
        .collect();
    for preferred in ["MD5", "SHA-1", "SHA-256", "SHA-512"] {
        if let Some((k, v)) = normalised.iter().find(|(k, _)| k == preferred) {
            return Some((k.clone(), (*v).clone()));
        }
    }
    normalised.into_iter().next().map(|(k, v)| (k, v.clone()))
}

/// python-stix2 re-serialises network-traffic timestamps before hashing: at most microseconds,
/// trailing zeros dropped, no fraction at all when it is zero.
fn python_stix2_precision(t: Timestamp) -> String {
    let micros = t.to_taxii_micros(); // YYYY-MM-DDTHH:MM:SS.ffffffZ
    let (base, frac) = micros.split_at(19);
    let frac = frac
        .trim_start_matches('.')
        .trim_end_matches('Z')
        .trim_end_matches('0');
    if frac.is_empty() {
        format!("{base}Z")
    } else {
        format!("{base}.{frac}Z")
    }
}
