//! The containers objects arrive in: the TAXII 2.1 envelope (`{"objects": [...]}`) and the
//! STIX 2.1 bundle (`{"type": "bundle", "id": ..., "objects": [...]}`).
//!
//! Parsing a container only splits it into unparsed objects; each object is validated on its
//! own so that one bad object is reported without refusing its neighbours.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::StixId;
use super::json::JsonKind;
use super::object::{At, as_str};

/// Why a container could not be read at all. Nothing in it is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("the body is not valid JSON (line {line}, column {column}): {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{0}")]
    Shape(String),
    #[error("too many objects in one request: {count} (at most {max})")]
    TooMany { count: usize, max: usize },
}

fn json_error(e: serde_json::Error) -> EnvelopeError {
    EnvelopeError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    }
}

/// The top level of a container, read in one pass: `objects` straight into unparsed objects
/// (or handed to a [`Sink`] as they are read), every other property kept unparsed.
struct TopLevel<'a> {
    objects: Option<Vec<&'a RawValue>>,
    /// Objects in `objects`, whether kept or handed over.
    count: usize,
    others: Vec<(Cow<'a, str>, &'a RawValue)>,
}

/// Takes each object of a container as it is read, while the count is within the limit.
type Sink<'s, 'a> = &'s mut dyn FnMut(&'a RawValue);

impl<'a> TopLevel<'a> {
    fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.others.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }
}

#[derive(serde::Deserialize)]
struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

/// `objects`: a list of unparsed objects, anything else is refused with a clear message.
/// Objects go to the sink if there is one (while there are at most `max`), or into a list.
struct ObjectList<'s, 'a> {
    sink: Option<Sink<'s, 'a>>,
    max: usize,
}

impl<'de: 'a, 'a> DeserializeSeed<'de> for ObjectList<'_, 'a> {
    /// The objects kept (none if they went to the sink) and how many there were.
    type Value = (Vec<&'a RawValue>, usize);

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for ObjectList<'_, 'a> {
    type Value = (Vec<&'a RawValue>, usize);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`objects` to be a list")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
        let ObjectList { mut sink, max } = self;
        let mut kept = Vec::new();
        if sink.is_none() {
            kept.reserve(seq.size_hint().unwrap_or(1024).min(1 << 20));
        }
        let mut count = 0;
        while let Some(v) = seq.next_element::<&'de RawValue>()? {
            count += 1;
            match &mut sink {
                Some(_) if count > max => {}
                Some(sink) => sink(v),
                None => kept.push(v),
            }
        }
        Ok((kept, count))
    }
}

/// Reads the top level, handing objects to `sink` if there is one.
struct TopLevelSeed<'s, 'a> {
    sink: Option<Sink<'s, 'a>>,
    max: usize,
}

impl<'de: 'a, 'a> DeserializeSeed<'de> for TopLevelSeed<'_, 'a> {
    type Value = TopLevel<'a>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<TopLevel<'a>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for TopLevelSeed<'_, 'a> {
    type Value = TopLevel<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<TopLevel<'a>, M::Error> {
        let TopLevelSeed { mut sink, max } = self;
        let mut top = TopLevel {
            objects: None,
            count: 0,
            others: Vec::new(),
        };
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            if k == "objects" {
                if top.objects.is_some() {
                    return Err(serde::de::Error::custom("property `objects` appears twice"));
                }
                let (kept, count) = map.next_value_seed(ObjectList {
                    sink: sink.take(),
                    max,
                })?;
                top.objects = Some(kept);
                top.count = count;
            } else {
                if top.others.iter().any(|(o, _)| *o == k) {
                    return Err(serde::de::Error::custom(format!(
                        "property `{k}` appears twice"
                    )));
                }
                let v: &'de RawValue = map.next_value()?;
                top.others.push((k, v));
            }
        }
        Ok(top)
    }
}

fn top_level<'a>(
    body: &'a [u8],
    max: usize,
    sink: Option<Sink<'_, 'a>>,
) -> Result<TopLevel<'a>, EnvelopeError> {
    let kind = match body.iter().find(|c| !c.is_ascii_whitespace()) {
        Some(b'[') => Some("a list"),
        Some(b'"') => Some("a string"),
        Some(b'0'..=b'9' | b'-') => Some("a number"),
        Some(b't' | b'f') => Some("a boolean"),
        Some(b'n') => Some("null"),
        _ => None,
    };
    if let Some(kind) = kind {
        return Err(EnvelopeError::Shape(format!(
            "the body must be a JSON object, not {kind}"
        )));
    }
    let mut parser = serde_json::Deserializer::from_slice(body);
    let top = TopLevelSeed { sink, max }
        .deserialize(&mut parser)
        .and_then(|top| parser.end().map(|()| top))
        .map_err(|e| {
            if e.is_data() {
                EnvelopeError::Shape(e.to_string())
            } else {
                json_error(e)
            }
        })?;
    if top.count > max {
        return Err(EnvelopeError::TooMany {
            count: top.count,
            max,
        });
    }
    Ok(top)
}

/// A TAXII 2.1 envelope, as POSTed to a collection.
#[derive(Debug)]
pub struct Envelope<'a> {
    pub objects: Vec<&'a RawValue>,
}

impl<'a> Envelope<'a> {
    pub fn parse(body: &'a [u8], max_objects: usize) -> Result<Self, EnvelopeError> {
        let props = top_level(body, max_objects, None)?;
        if let Some(more) = props.get("more")
            && !matches!(more.get(), "true" | "false")
        {
            return Err(EnvelopeError::Shape("`more` must be true or false".into()));
        }
        if let Some(next) = props.get("next")
            && JsonKind::of(next) != JsonKind::String
        {
            return Err(EnvelopeError::Shape("`next` must be a string".into()));
        }
        Ok(Envelope {
            objects: props.objects.unwrap_or_default(),
        })
    }
}

/// A STIX 2.1 bundle, as found in files.
#[derive(Debug)]
pub struct Bundle<'a> {
    pub id: StixId,
    pub objects: Vec<&'a RawValue>,
}

impl<'a> Bundle<'a> {
    pub fn parse(body: &'a [u8], max_objects: usize) -> Result<Self, EnvelopeError> {
        Self::check(top_level(body, max_objects, None)?)
    }

    /// [`Bundle::parse`] that hands each object to `sink` as soon as it is read, so a large
    /// file can be validated while the rest of it is still being parsed. The bundle returned
    /// holds no objects (`sink` had them). A bundle found broken only after some of its
    /// objects were handed over is still an error: whatever `sink` did with them must be
    /// undone. Objects past `max_objects` are counted, not handed over.
    pub fn parse_streaming(
        body: &'a [u8],
        max_objects: usize,
        sink: &mut dyn FnMut(&'a RawValue),
    ) -> Result<Self, EnvelopeError> {
        Self::check(top_level(body, max_objects, Some(sink))?)
    }

    /// The bundle's own properties, checked.
    fn check(props: TopLevel<'a>) -> Result<Self, EnvelopeError> {
        let shape = |m: &str| EnvelopeError::Shape(m.to_owned());
        let ty = props
            .get("type")
            .ok_or_else(|| shape("a bundle needs `type`: \"bundle\""))?;
        if as_str(&At::Name("type"), ty).map_err(|e| shape(&e.to_string()))? != "bundle" {
            return Err(shape("`type` must be \"bundle\""));
        }
        let id = props
            .get("id")
            .ok_or_else(|| shape("a bundle needs an `id`"))?;
        let id = StixId::parse(&as_str(&At::Name("id"), id).map_err(|e| shape(&e.to_string()))?)
            .map_err(|e| shape(&format!("id: {e}")))?;
        if id.object_type() != "bundle" {
            return Err(shape("a bundle's id must start with `bundle--`"));
        }
        if let Some(sv) = props.get("spec_version") {
            let sv = as_str(&At::Name("spec_version"), sv).map_err(|e| shape(&e.to_string()))?;
            return Err(shape(&format!(
                "this is a STIX {sv} bundle (STIX 2.1 bundles have no spec_version); Renkei reads STIX 2.1"
            )));
        }
        Ok(Bundle {
            id,
            objects: props.objects.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_shapes() {
        assert_eq!(
            Envelope::parse(br#"{"objects":[{"a":1},{"b":2}]}"#, 10)
                .unwrap()
                .objects
                .len(),
            2
        );
        assert_eq!(Envelope::parse(b"{}", 10).unwrap().objects.len(), 0);
        assert!(matches!(
            Envelope::parse(b"{\"objects\":{}}", 10),
            Err(EnvelopeError::Shape(_))
        ));
        assert!(matches!(
            Envelope::parse(b"[]", 10),
            Err(EnvelopeError::Shape(_))
        ));
        assert!(matches!(
            Envelope::parse(b"{\"objects\":[", 10),
            Err(EnvelopeError::Json { .. })
        ));
        assert!(matches!(
            Envelope::parse(b"\xff", 10),
            Err(EnvelopeError::Json { .. })
        ));
        assert!(matches!(
            Envelope::parse(br#"{"objects":[1,2,3]}"#, 2),
            Err(EnvelopeError::TooMany { .. })
        ));
        assert!(matches!(
            Envelope::parse(br#"{"objects":[],"objects":[]}"#, 2),
            Err(EnvelopeError::Shape(_))
        ));
    }

    #[test]
    fn bundle_shapes() {
        let b = Bundle::parse(br#"{"type":"bundle","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[{}]}"#, 10).unwrap();
        assert_eq!(b.objects.len(), 1);
        assert!(Bundle::parse(br#"{"type":"bundle","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","spec_version":"2.0"}"#, 10).is_err());
        assert!(
            Bundle::parse(
                br#"{"type":"report","id":"report--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}"#,
                10
            )
            .is_err()
        );
    }

    #[test]
    fn streaming_hands_over_what_parse_returns() {
        let body = br#"{"objects":[{"a":1},{"b":[2]}],"type":"bundle","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}"#;
        let mut seen = Vec::new();
        let b = Bundle::parse_streaming(body, 10, &mut |o| seen.push(o.get())).unwrap();
        assert!(b.objects.is_empty());
        let parsed = Bundle::parse(body, 10).unwrap();
        assert_eq!(
            seen,
            parsed.objects.iter().map(|o| o.get()).collect::<Vec<_>>()
        );

        // Too many: counted to the end, the extra ones never handed over.
        let mut handed = 0;
        assert_eq!(
            Bundle::parse_streaming(
                br#"{"type":"bundle","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[1,2,3]}"#,
                2,
                &mut |_| handed += 1
            )
            .unwrap_err(),
            EnvelopeError::TooMany { count: 3, max: 2 }
        );
        assert_eq!(handed, 2);

        // Broken after the objects, or not a bundle: an error, whatever was handed over.
        for body in [
            &br#"{"type":"bundle","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[{}]} x"#[..],
            br#"{"objects":[{}],"type":"report","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}"#,
            br#"{"objects":[{}],"#,
        ] {
            let mut handed = 0;
            assert!(Bundle::parse_streaming(body, 10, &mut |_| handed += 1).is_err());
            assert_eq!(handed, 1);
        }
    }
}
