//! One STIX 2.1 object, parsed and validated at the edge.
//!
//! The object's JSON is split into its top-level properties without building a tree; the
//! common properties become typed values, the per-type rules in [`super::rules`] check the
//! rest, and the object is kept as compact JSON text, custom properties and extensions
//! included, so that what is served is exactly what was submitted.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::json::{JsonKind, Props, compact};
use super::rules::{self, ObjectClass};
use super::{StixId, Timestamp};

/// Upper bound on the number of top-level properties of one object.
pub const MAX_PROPERTIES: usize = 512;

/// A validated STIX 2.1 object.
#[derive(Clone)]
pub struct StixObject {
    id: StixId,
    class: ObjectClass,
    created: Option<Timestamp>,
    modified: Option<Timestamp>,
    created_by_ref: Option<StixId>,
    object_marking_refs: Vec<StixId>,
    granular_marking_refs: Vec<StixId>,
    revoked: bool,
    json: String,
}

/// Why an object was refused: the property at fault (a JSON-pointer-like path inside the
/// object) and a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub path: String,
    pub message: String,
}

impl Invalid {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Invalid {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same error, one level further out (`objects/3` + `pattern` → `objects/3/pattern`).
    pub fn within(mut self, prefix: &str) -> Self {
        self.path = if self.path.is_empty() {
            prefix.to_owned()
        } else {
            format!("{prefix}/{}", self.path)
        };
        self
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for Invalid {}

pub(crate) type Check<T> = Result<T, Invalid>;

/// Where in an object a value sits, rendered only when an error needs it (the hot path
/// allocates nothing for paths).
#[derive(Clone, Copy)]
pub(crate) enum At<'a> {
    Name(&'a str),
    Index(&'a At<'a>, usize),
    Key(&'a At<'a>, &'a str),
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Name(n) => f.write_str(n),
            At::Index(parent, i) => write!(f, "{parent}/{i}"),
            At::Key(parent, k) => write!(f, "{parent}/{k}"),
        }
    }
}

impl<'a> At<'a> {
    pub(crate) fn index(&'a self, i: usize) -> At<'a> {
        At::Index(self, i)
    }

    pub(crate) fn key(&'a self, k: &'a str) -> At<'a> {
        At::Key(self, k)
    }

    pub(crate) fn err(&self, message: impl Into<String>) -> Invalid {
        Invalid::new(self.to_string(), message)
    }
}

/// A JSON string that borrows from the input when it has no escapes.
#[derive(Deserialize)]
pub(crate) struct Str<'a>(#[serde(borrow)] pub Cow<'a, str>);

pub(crate) fn as_str<'a>(name: &At<'_>, v: &'a RawValue) -> Check<Cow<'a, str>> {
    if JsonKind::of(v) != JsonKind::String {
        return Err(name.err(format!("must be a string, not {}", JsonKind::of(v).name())));
    }
    serde_json::from_str::<Str<'a>>(v.get())
        .map(|s| s.0)
        .map_err(|e| name.err(e.to_string()))
}

pub(crate) fn as_timestamp(name: &At<'_>, v: &RawValue) -> Check<Timestamp> {
    let s = as_str(name, v)?;
    Timestamp::parse(&s).map_err(|e| name.err(e.to_string()))
}

/// `created` and `modified` need at least millisecond precision (STIX 2.1 §3.2).
fn as_version_timestamp(name: &At<'_>, v: &RawValue) -> Check<Timestamp> {
    let t = as_timestamp(name, v)?;
    let text = v.get();
    let frac_digits = text.find('.').map_or(0, |dot| text.len() - dot - 3);
    if frac_digits < 3 {
        return Err(
            name.err("must have at least millisecond precision (e.g. 2026-01-01T00:00:00.000Z)")
        );
    }
    Ok(t)
}

pub(crate) fn as_bool(name: &At<'_>, v: &RawValue) -> Check<bool> {
    match v.get() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(name.err(format!(
            "must be true or false, not {}",
            JsonKind::of(v).name()
        ))),
    }
}

pub(crate) fn as_integer(name: &At<'_>, v: &RawValue, min: i64, max: i64) -> Check<i64> {
    let n: i64 = if JsonKind::of(v) == JsonKind::Number {
        serde_json::from_str(v.get()).map_err(|_| name.err("must be an integer"))?
    } else {
        return Err(name.err(format!(
            "must be an integer, not {}",
            JsonKind::of(v).name()
        )));
    };
    if n < min || n > max {
        return Err(name.err(format!("must be between {min} and {max}, not {n}")));
    }
    Ok(n)
}

pub(crate) fn as_list<'a>(name: &At<'_>, v: &'a RawValue) -> Check<Vec<&'a RawValue>> {
    if JsonKind::of(v) != JsonKind::Array {
        return Err(name.err(format!("must be a list, not {}", JsonKind::of(v).name())));
    }
    let items: Vec<&'a RawValue> =
        serde_json::from_str(v.get()).map_err(|e| name.err(e.to_string()))?;
    if items.is_empty() {
        // STIX 2.1 §3.3: lists MUST NOT be empty.
        return Err(name.err("a list must not be empty (leave the property out instead)"));
    }
    Ok(items)
}

pub(crate) fn as_props<'a>(name: &At<'_>, v: &'a RawValue) -> Check<Props<'a>> {
    if JsonKind::of(v) != JsonKind::Object {
        return Err(name.err(format!("must be an object, not {}", JsonKind::of(v).name())));
    }
    let p: Props<'a> = serde_json::from_str(v.get()).map_err(|e| name.err(e.to_string()))?;
    if let Some(dup) = p.duplicate() {
        return Err(name.err(format!("property `{dup}` appears twice")));
    }
    Ok(p)
}

pub(crate) fn as_ref(name: &At<'_>, v: &RawValue, allowed: Option<&[&str]>) -> Check<StixId> {
    let s = as_str(name, v)?;
    let id = StixId::parse(&s).map_err(|e| name.err(e.to_string()))?;
    if let Some(allowed) = allowed
        && !allowed.contains(&id.object_type())
    {
        return Err(name.err(format!(
            "must refer to {} objects, not {}",
            allowed.join(" or "),
            id.object_type()
        )));
    }
    Ok(id)
}

fn granular_refs(v: &RawValue) -> Check<Vec<StixId>> {
    let mut out = Vec::new();
    for item in as_list(&At::Name("granular_markings"), v)? {
        let p = as_props(&At::Name("granular_markings"), item)?;
        if let Some(r) = p.get("marking_ref") {
            out.push(as_ref(
                &At::Name("granular_markings"),
                r,
                Some(&["marking-definition"]),
            )?);
        }
    }
    Ok(out)
}

impl StixObject {
    /// Parses and validates one object given as JSON text.
    pub fn parse(text: &str) -> Result<StixObject, Invalid> {
        let raw: &RawValue = serde_json::from_str(text)
            .map_err(|e| Invalid::new("", format!("not valid JSON: {e}")))?;
        Self::from_raw(raw)
    }

    /// Parses and validates one object given as an unparsed JSON value.
    pub fn from_raw(raw: &RawValue) -> Result<StixObject, Invalid> {
        if JsonKind::of(raw) != JsonKind::Object {
            return Err(Invalid::new(
                "",
                format!(
                    "a STIX object must be a JSON object, not {}",
                    JsonKind::of(raw).name()
                ),
            ));
        }
        let props: Props =
            serde_json::from_str(raw.get()).map_err(|e| Invalid::new("", e.to_string()))?;
        if props.entries.len() > MAX_PROPERTIES {
            return Err(Invalid::new(
                "",
                format!("more than {MAX_PROPERTIES} properties"),
            ));
        }
        if let Some(dup) = props.duplicate() {
            return Err(Invalid::new(dup, "appears twice"));
        }

        let ty = match props.get("type") {
            Some(v) => as_str(&At::Name("type"), v)?,
            None => return Err(Invalid::new("type", "is required")),
        };
        let id = match props.get("id") {
            Some(v) => as_ref(&At::Name("id"), v, None)?,
            None => return Err(Invalid::new("id", "is required")),
        };
        if id.object_type() != ty {
            return Err(Invalid::new(
                "id",
                format!("must start with the object's type `{ty}--`"),
            ));
        }
        if ty == "bundle" {
            return Err(Invalid::new(
                "type",
                "a bundle cannot be stored as an object; send its objects",
            ));
        }
        let class = rules::classify(&ty);

        match props.get("spec_version") {
            Some(v) => {
                let sv = as_str(&At::Name("spec_version"), v)?;
                if sv != "2.1" {
                    return Err(Invalid::new(
                        "spec_version",
                        format!("Renkei stores STIX 2.1 objects; `{sv}` is not supported"),
                    ));
                }
            }
            None if class == ObjectClass::Observable => {}
            None => {
                return Err(Invalid::new(
                    "spec_version",
                    "is required (objects without it are STIX 2.0, which Renkei does not store)",
                ));
            }
        }

        // SCOs are not versioned: a `created` or `modified` on one is a custom property.
        let versioned = class != ObjectClass::Observable;
        let created = match props.get("created") {
            Some(v) if versioned => Some(as_version_timestamp(&At::Name("created"), v)?),
            _ => None,
        };
        let modified = match props.get("modified") {
            Some(v) if versioned => Some(as_version_timestamp(&At::Name("modified"), v)?),
            _ => None,
        };
        if let (Some(c), Some(m)) = (created, modified)
            && m < c
        {
            return Err(Invalid::new("modified", "must not be earlier than created"));
        }
        let created_by_ref = props
            .get("created_by_ref")
            .map(|v| as_ref(&At::Name("created_by_ref"), v, Some(&["identity"])))
            .transpose()?;
        let revoked = props
            .get("revoked")
            .map(|v| as_bool(&At::Name("revoked"), v))
            .transpose()?
            .unwrap_or(false);
        let object_marking_refs = match props.get("object_marking_refs") {
            Some(v) => as_list(&At::Name("object_marking_refs"), v)?
                .into_iter()
                .enumerate()
                .map(|(i, r)| {
                    as_ref(
                        &At::Name("object_marking_refs").index(i),
                        r,
                        Some(&["marking-definition"]),
                    )
                })
                .collect::<Check<Vec<_>>>()?,
            None => Vec::new(),
        };

        rules::check(&ty, class, &props)?;
        let granular_marking_refs = match props.get("granular_markings") {
            Some(v) => granular_refs(v)?,
            None => Vec::new(),
        };

        Ok(StixObject {
            id,
            class,
            created,
            modified,
            created_by_ref,
            object_marking_refs,
            granular_marking_refs,
            revoked,
            json: compact(raw.get()),
        })
    }

    pub fn id(&self) -> &StixId {
        &self.id
    }

    pub fn object_type(&self) -> &str {
        self.id.object_type()
    }

    pub fn class(&self) -> ObjectClass {
        self.class
    }

    pub fn created(&self) -> Option<Timestamp> {
        self.created
    }

    pub fn modified(&self) -> Option<Timestamp> {
        self.modified
    }

    /// TAXII's version of an object: `modified`, else `created`; `None` means the server's
    /// `date_added` stands in (objects that are not versioned, such as SCOs).
    pub fn version(&self) -> Option<Timestamp> {
        self.modified.or(self.created)
    }

    pub fn created_by_ref(&self) -> Option<&StixId> {
        self.created_by_ref.as_ref()
    }

    pub fn object_marking_refs(&self) -> &[StixId] {
        &self.object_marking_refs
    }

    /// The marking definitions referenced by granular markings (already validated).
    pub fn granular_marking_refs(&self) -> &[StixId] {
        &self.granular_marking_refs
    }

    pub fn revoked(&self) -> bool {
        self.revoked
    }

    /// The object as compact JSON, every property kept.
    pub fn json(&self) -> &str {
        &self.json
    }

    pub fn into_json(self) -> String {
        self.json
    }
}

impl fmt::Debug for StixObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StixObject")
            .field("id", &self.id)
            .field("version", &self.version())
            .finish_non_exhaustive()
    }
}
