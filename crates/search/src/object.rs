//! The searchable text of a STIX object: its string values, minus identifiers, timestamps,
//! references, markings and the Renkei handling extension, joined by spaces and bounded.
//!
//! Timestamps are dropped by their shape as well as by name: STIX and the Renkei types have
//! many timestamp properties (`posted`, `occurred`, `detected`, `first_observed`, `start`,
//! `ctime`, …) and their digits would only add noise tokens like `2026` and `02t03`.

use std::fmt;

use renkei_model::stix::renkei_handling::RENKEI_HANDLING_EXTENSION_ID;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

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

/// See [`crate::text_of_json`]. The walk is driven by the JSON parser: no tree is built,
/// skipped properties are stepped over unparsed, and strings without escapes are never copied
/// before they reach the output.
pub(crate) fn text_of_json(json: &str) -> String {
    let mut text = Text::default();
    let mut parser = serde_json::Deserializer::from_str(json);
    // An error only means the text is full or the JSON is broken: what was read is kept.
    let _ = Walk {
        text: &mut text,
        depth: 0,
        place: Place::Value,
    }
    .deserialize(&mut parser);
    text.out
}

#[derive(Debug, Default)]
struct Text {
    out: String,
    full: bool,
}

/// What kind of value the walk is at: decides which of its keys and items are searchable.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Any value: strings, and the searchable properties of objects, at any depth.
    Value,
    /// An object's `extensions`: every extension but the Renkei handling one.
    Extensions,
    /// An object's `external_references`: a list of references.
    ExternalReferences,
    /// One external reference: only [`EXTERNAL_REFERENCE_KEPT`].
    ExternalReference,
}

/// Appends the searchable strings of one value to `text`.
struct Walk<'t> {
    text: &'t mut Text,
    depth: usize,
    place: Place,
}

/// Returned to stop the parser once the text is full.
const FULL: &str = "text full";

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.text.full {
            return Err(de::Error::custom(FULL));
        }
        if self.depth > MAX_DEPTH {
            return d.deserialize_ignored_any(IgnoredAny).map(drop);
        }
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        if self.place != Place::ExternalReference && !is_timestamp(s) {
            self.text.push(s);
        }
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        let item = match self.place {
            Place::ExternalReference => {
                while items.next_element::<IgnoredAny>()?.is_some() {}
                return Ok(());
            }
            Place::ExternalReferences => Place::ExternalReference,
            Place::Value | Place::Extensions => Place::Value,
        };
        let depth = self.depth + 1;
        while items
            .next_element_seed(Walk {
                text: &mut *self.text,
                depth,
                place: item,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<(), A::Error> {
        let depth = self.depth + 1;
        while let Some(next) = entries.next_key_seed(Key(self.place))? {
            match next {
                Some(place) => entries.next_value_seed(Walk {
                    text: &mut *self.text,
                    depth,
                    place,
                })?,
                None => drop(entries.next_value::<IgnoredAny>()?),
            }
        }
        Ok(())
    }
}

/// A property name, read as what to do with its value: walk it as a [`Place`], or skip it.
struct Key(Place);

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Option<Place>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Place>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Option<Place>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a property name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<Place>, E> {
        Ok(match self.0 {
            Place::Extensions => (key != RENKEI_HANDLING_EXTENSION_ID).then_some(Place::Value),
            Place::ExternalReference => EXTERNAL_REFERENCE_KEPT
                .contains(&key)
                .then_some(Place::Value),
            // A value, or `external_references` that is an object rather than a list.
            Place::Value | Place::ExternalReferences => match key {
                k if is_skipped(k) => None,
                "extensions" => Some(Place::Extensions),
                "external_references" => Some(Place::ExternalReferences),
                _ => Some(Place::Value),
            },
        })
    }
}

impl Text {
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
