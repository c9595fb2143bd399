//! Low-level JSON helpers for the ingest hot path: objects are split into their top-level
//! properties without building a tree, and stored in compact form.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

/// The top-level properties of one JSON object, in document order, values left unparsed.
#[derive(Debug)]
pub struct Props<'a> {
    pub entries: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> Props<'a> {
    pub fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_ref() == name)
            .map(|(_, v)| *v)
    }

    /// The first property name that occurs twice, if any. Duplicate names make a document
    /// mean different things to different parsers, so they are refused.
    pub fn duplicate(&self) -> Option<&str> {
        let n = self.entries.len();
        if n <= 24 {
            for i in 0..n {
                for j in i + 1..n {
                    if self.entries[i].0 == self.entries[j].0 {
                        return Some(&self.entries[i].0);
                    }
                }
            }
            None
        } else {
            let mut seen = std::collections::HashSet::with_capacity(n);
            self.entries
                .iter()
                .find(|(k, _)| !seen.insert(k.as_ref()))
                .map(|(k, _)| k.as_ref())
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Props<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Props<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Props<'a>, M::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(12));
                while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
                    let v: &'de RawValue = map.next_value()?;
                    entries.push((k, v));
                }
                Ok(Props { entries })
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// A property name, borrowed from the input unless it contains escapes.
#[derive(Deserialize)]
struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

/// Removes insignificant whitespace from valid JSON text. Strings are copied in one piece
/// (found with `memchr`), so the cost is close to a `memcpy`.
pub fn compact(json: &str) -> String {
    let b = json.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' {
            let mut j = i + 1;
            let end = loop {
                match memchr::memchr2(b'"', b'\\', &b[j..]) {
                    Some(k) if b[j + k] == b'\\' => j += k + 2,
                    Some(k) => break j + k,
                    None => break b.len() - 1,
                }
            };
            out.extend_from_slice(&b[i..=end.min(b.len() - 1)]);
            i = end + 1;
        } else {
            if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                out.push(c);
            }
            i += 1;
        }
    }
    // Only ASCII whitespace outside strings was removed from valid UTF-8 input.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The JSON type of a raw value, from its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

impl JsonKind {
    pub fn of(v: &RawValue) -> JsonKind {
        match v.get().as_bytes().first() {
            Some(b'{') => JsonKind::Object,
            Some(b'[') => JsonKind::Array,
            Some(b'"') => JsonKind::String,
            Some(b't' | b'f') => JsonKind::Bool,
            Some(b'n') => JsonKind::Null,
            _ => JsonKind::Number,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            JsonKind::Object => "an object",
            JsonKind::Array => "a list",
            JsonKind::String => "a string",
            JsonKind::Number => "a number",
            JsonKind::Bool => "a boolean",
            JsonKind::Null => "null",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compacts_outside_strings_only() {
        let s = "{ \"a\" : [1, 2],\n \"b\": \"x y \\\" z\" }";
        assert_eq!(compact(s), "{\"a\":[1,2],\"b\":\"x y \\\" z\"}");
        let j = "{\"名前\": \"詐欺 サイト\"}";
        assert_eq!(compact(j), "{\"名前\":\"詐欺 サイト\"}");
    }

    #[test]
    fn props_keep_order_and_find_duplicates() {
        let p: Props = serde_json::from_str(r#"{"type":"x","id":"y","type":"z"}"#).unwrap();
        assert_eq!(p.entries.len(), 3);
        assert_eq!(p.duplicate(), Some("type"));
        let p: Props = serde_json::from_str(r#"{"a\u0041":1}"#).unwrap();
        assert_eq!(p.entries[0].0, "aA");
    }
}

/// Sets the top-level `object_marking_refs` of a compact JSON object to `ids` (creating the
/// property as the last one if needed, removing it if `ids` is empty), leaving every other
/// byte as it was.
pub fn set_marking_refs(json: &str, ids: &[&str]) -> Result<String, serde_json::Error> {
    let props: Props = serde_json::from_str(json)?;
    Ok(splice_marking_refs(json, &props, ids))
}

/// [`set_marking_refs`] for an object already parsed into `props` (which must borrow from
/// `json`).
pub fn splice_marking_refs(json: &str, props: &Props<'_>, ids: &[&str]) -> String {
    let list = format!(
        "[{}]",
        ids.iter()
            .map(|id| Value::String((*id).to_owned()).to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let offset_of = |raw: &RawValue| raw.get().as_ptr() as usize - json.as_ptr() as usize;
    let mut out = String::with_capacity(json.len() + list.len() + 24);
    match props.get("object_marking_refs") {
        Some(old) if ids.is_empty() => {
            // Remove the property with its key and one separating comma.
            let value_end = offset_of(old) + old.get().len();
            let key_start = json[..offset_of(old)]
                .rfind("\"object_marking_refs\"")
                .unwrap_or(offset_of(old));
            let (from, to) = match json[..key_start].trim_end().strip_suffix(',') {
                Some(before) => (before.len(), value_end),
                None => {
                    let after = &json[value_end..];
                    let skip = after.len() - after.trim_start().len();
                    let comma = after.trim_start().starts_with(',') as usize;
                    (key_start, value_end + skip + comma)
                }
            };
            out.push_str(&json[..from]);
            out.push_str(&json[to..]);
        }
        Some(old) => {
            let at = offset_of(old);
            out.push_str(&json[..at]);
            out.push_str(&list);
            out.push_str(&json[at + old.get().len()..]);
        }
        None if ids.is_empty() => out.push_str(json),
        None => {
            let end = json.rfind('}').unwrap_or(json.len());
            out.push_str(&json[..end]);
            if !props.entries.is_empty() {
                out.push(',');
            }
            out.push_str("\"object_marking_refs\":");
            out.push_str(&list);
            out.push_str(&json[end..]);
        }
    }
    out
}

#[cfg(test)]
mod marking_tests {
    use super::*;

    #[test]
    fn sets_marking_refs_without_touching_the_rest() {
        let a = set_marking_refs(
            r#"{"type":"x","object_marking_refs":["m1"],"z":{"object_marking_refs":[]}}"#,
            &["m2", "m1"],
        )
        .unwrap();
        assert_eq!(
            a,
            r#"{"type":"x","object_marking_refs":["m2","m1"],"z":{"object_marking_refs":[]}}"#
        );
        let b = set_marking_refs(
            r#"{"type":"x","d":"\"object_marking_refs\":["}"#,
            &["m2", "m3"],
        )
        .unwrap();
        assert_eq!(
            b,
            r#"{"type":"x","d":"\"object_marking_refs\":[","object_marking_refs":["m2","m3"]}"#
        );
        let v: Value = serde_json::from_str(&b).unwrap();
        assert_eq!(v["object_marking_refs"][1], "m3");
    }

    #[test]
    fn removes_the_property_when_nothing_is_left() {
        for (json, want) in [
            (
                r#"{"a":1,"object_marking_refs":["m"],"b":2}"#,
                r#"{"a":1,"b":2}"#,
            ),
            (r#"{"object_marking_refs":["m"],"b":2}"#, r#"{"b":2}"#),
            (r#"{"a":1,"object_marking_refs":["m"]}"#, r#"{"a":1}"#),
            (r#"{"object_marking_refs":["m"]}"#, r#"{}"#),
        ] {
            assert_eq!(set_marking_refs(json, &[]).unwrap(), want);
        }
    }
}
