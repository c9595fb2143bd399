//! The searchable text of a STIX object: its string values, minus identifiers, timestamps,
//! references, markings and the Renkei handling extension, joined by spaces and bounded.
//!
//! Timestamps are dropped by their shape as well as by name: STIX and the Renkei types have
//! many timestamp properties (`posted`, `occurred`, `detected`, `first_observed`, `start`,
//! `ctime`, …) and their digits would only add noise tokens like `2026` and `02t03`.

use renkei_model::stix::renkei_handling::RENKEI_HANDLING_EXTENSION_ID;
use serde_json::Value;

use crate::MAX_TEXT;

/// Properties whose values are never searchable, at any depth: identifiers, timestamps,
/// versions and markings (which say who may see the object, not what it is about).
const SKIPPED: &[&str] = &[
    "type",
    "id",
    "spec_version",
    "created",
    "modified",
    "valid_from",
    "valid_until",
    "first_seen",
    "last_seen",
    "published",
    "pattern_type",
    "pattern_version",
    "lang",
    "object_marking_refs",
    "granular_markings",
    "created_by_ref",
    "extension_type",
];

/// The only properties of an `external_references` entry that are searchable (its `hashes`
/// are of a referenced document, not of anything the object describes).
const EXTERNAL_REFERENCE_KEPT: &[&str] = &["source_name", "description", "external_id", "url"];

/// Nesting deeper than this is not searched: STIX objects are shallow, and a bound keeps the
/// walk's recursion from exhausting the stack on a hostile value.
const MAX_DEPTH: usize = 32;

/// See [`crate::text_of`].
pub(crate) fn text_of(object: &Value) -> String {
    let mut text = Text::default();
    text.value(object, 0);
    text.out
}

#[derive(Debug, Default)]
struct Text {
    out: String,
    full: bool,
}

impl Text {
    fn value(&mut self, value: &Value, depth: usize) {
        if self.full || depth > MAX_DEPTH {
            return;
        }
        match value {
            Value::String(s) if !is_timestamp(s) => self.push(s),
            Value::String(_) => {}
            Value::Array(items) => {
                for item in items {
                    self.value(item, depth + 1);
                }
            }
            Value::Object(map) => {
                for (key, v) in map {
                    match key.as_str() {
                        k if is_skipped(k) => {}
                        "extensions" => self.extensions(v, depth + 1),
                        "external_references" => self.external_references(v, depth + 1),
                        _ => self.value(v, depth + 1),
                    }
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    fn extensions(&mut self, value: &Value, depth: usize) {
        match value {
            Value::Object(map) => {
                for (id, extension) in map {
                    if id != RENKEI_HANDLING_EXTENSION_ID {
                        self.value(extension, depth + 1);
                    }
                }
            }
            other => self.value(other, depth),
        }
    }

    fn external_references(&mut self, value: &Value, depth: usize) {
        let Value::Array(items) = value else {
            return self.value(value, depth);
        };
        for item in items {
            if let Value::Object(map) = item {
                for (key, v) in map {
                    if EXTERNAL_REFERENCE_KEPT.contains(&key.as_str()) {
                        self.value(v, depth + 2);
                    }
                }
            }
        }
    }

    /// Appends `s` after a space, cutting at `MAX_TEXT` bytes on a character boundary.
    fn push(&mut self, s: &str) {
        let s = s.trim();
        if s.is_empty() {
            return;
        }
        let sep = usize::from(!self.out.is_empty());
        let room = MAX_TEXT.saturating_sub(self.out.len() + sep);
        if room == 0 {
            self.full = true;
            return;
        }
        if sep == 1 {
            self.out.push(' ');
        }
        if s.len() <= room {
            self.out.push_str(s);
        } else {
            self.out.push_str(&s[..s.floor_char_boundary(room)]);
            self.full = true;
        }
    }
}

fn is_skipped(key: &str) -> bool {
    SKIPPED.contains(&key) || key.ends_with("_ref") || key.ends_with("_refs")
}

/// Whether `s` is an RFC 3339 timestamp (`2026-11-02T03:04:05.000Z`, `…+09:00`).
fn is_timestamp(s: &str) -> bool {
    const SHAPE: &[u8; 19] = b"0000-00-00T00:00:00";
    let b = s.as_bytes();
    if b.len() < SHAPE.len() || b.len() > 40 {
        return false;
    }
    let (head, tail) = b.split_at(SHAPE.len());
    let head_ok = head.iter().zip(SHAPE).all(|(&c, &want)| match want {
        b'0' => c.is_ascii_digit(),
        b'T' => c == b'T' || c == b't' || c == b' ',
        _ => c == want,
    });
    head_ok
        && tail
            .iter()
            .all(|c| c.is_ascii_digit() || b".:+-Zz".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        for s in [
            "2026-11-02T03:04:05Z",
            "2026-11-02T03:04:05.123Z",
            "2026-11-02t03:04:05+09:00",
            "2026-11-02 03:04:05",
        ] {
            assert!(is_timestamp(s), "{s}");
        }
        for s in [
            "2026-11-02",
            "2026-11-02T03:04:05Z 攻撃",
            "JR-2026-014",
            "",
            "２０２６-11-02T03:04:05Z",
        ] {
            assert!(!is_timestamp(s), "{s}");
        }
    }
}
