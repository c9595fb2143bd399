//! MISP's JSON, read into typed values at the edge: every required field is checked once here,
//! with the path of what is missing (`Event.Attribute[3].value`), so the conversion works on
//! values it can trust. MISP writes numbers and booleans both as JSON and as strings
//! (`"timestamp": "1793523600"`, `"to_ids": "1"`); both are accepted.

use serde_json::{Map, Value};
use uuid::Uuid;

use renkei_model::stix::Timestamp;

use super::MispError;
use super::limits::{MAX_ATTRIBUTES, MAX_LIST, MAX_VALUE_BYTES};

/// A MISP event.
#[derive(Debug)]
pub(super) struct Event {
    pub uuid: Uuid,
    pub info: String,
    pub date: Option<Timestamp>,
    pub timestamp: Option<Timestamp>,
    pub publish_timestamp: Option<Timestamp>,
    pub threat_level_id: Option<i64>,
    pub analysis: Option<i64>,
    pub tags: Vec<String>,
    pub attributes: Vec<Attribute>,
    pub objects: Vec<MispObject>,
}

/// A MISP attribute, standalone or inside an object.
#[derive(Debug)]
pub(super) struct Attribute {
    /// Where it is, for warnings: `Event.Object[0].Attribute[2]`.
    pub path: String,
    pub uuid: Uuid,
    pub ty: String,
    pub value: String,
    pub category: Option<String>,
    pub to_ids: bool,
    pub comment: Option<String>,
    pub timestamp: Option<Timestamp>,
    pub object_relation: Option<String>,
    pub tags: Vec<String>,
    pub sightings: Vec<Sighting>,
}

/// A MISP object (a template instance such as `file` or `domain-ip`).
#[derive(Debug)]
pub(super) struct MispObject {
    pub path: String,
    pub uuid: Uuid,
    pub name: String,
    pub comment: Option<String>,
    pub attributes: Vec<Attribute>,
}

/// What a sighting says about an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SightingKind {
    Seen,
    FalsePositive,
    Expired,
}

impl SightingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SightingKind::Seen => "seen",
            SightingKind::FalsePositive => "false_positive",
            SightingKind::Expired => "expired",
        }
    }
}

/// A MISP sighting of an attribute.
#[derive(Debug)]
pub(super) struct Sighting {
    pub uuid: Option<Uuid>,
    pub kind: SightingKind,
    pub date: Timestamp,
}

/// Reads an event from `{"Event": {...}}` or a bare event object.
pub(super) fn read_event(root: &Value) -> Result<Event, MispError> {
    let top = root
        .as_object()
        .ok_or_else(|| MispError::not_misp("", "must be a JSON object"))?;
    let event = match top.get("Event") {
        Some(v) => v
            .as_object()
            .ok_or_else(|| MispError::not_misp("Event", "must be a JSON object"))?,
        None => top,
    };
    let path = "Event";
    let mut budget = MAX_ATTRIBUTES;
    let attributes = list(event, path, "Attribute")?
        .iter()
        .enumerate()
        .map(|(i, a)| read_attribute(a, &format!("{path}.Attribute[{i}]"), &mut budget))
        .collect::<Result<_, _>>()?;
    let objects = list(event, path, "Object")?
        .iter()
        .enumerate()
        .map(|(i, o)| read_object(o, &format!("{path}.Object[{i}]"), &mut budget))
        .collect::<Result<_, _>>()?;
    Ok(Event {
        uuid: uuid(event, path, "uuid")?,
        info: required_str(event, path, "info")?,
        date: date(event, path)?,
        timestamp: opt_time(event, path, "timestamp")?,
        publish_timestamp: opt_time(event, path, "publish_timestamp")?,
        threat_level_id: opt_int(event, path, "threat_level_id")?,
        analysis: opt_int(event, path, "analysis")?,
        tags: tags(event, path)?,
        attributes,
        objects,
    })
}

fn read_attribute(v: &Value, path: &str, budget: &mut usize) -> Result<Attribute, MispError> {
    if *budget == 0 {
        return Err(MispError::TooLarge {
            path: path.to_owned(),
            message: format!("an event may hold at most {MAX_ATTRIBUTES} attributes"),
        });
    }
    *budget -= 1;
    let a = object(v, path)?;
    let sightings = list(a, path, "Sighting")?
        .iter()
        .enumerate()
        .map(|(i, s)| read_sighting(s, &format!("{path}.Sighting[{i}]")))
        .collect::<Result<_, _>>()?;
    Ok(Attribute {
        path: path.to_owned(),
        uuid: uuid(a, path, "uuid")?,
        ty: required_str(a, path, "type")?,
        value: required_str(a, path, "value")?,
        category: opt_str(a, path, "category")?,
        to_ids: opt_bool(a, path, "to_ids")?.unwrap_or(false),
        comment: opt_str(a, path, "comment")?.filter(|c| !c.is_empty()),
        timestamp: opt_time(a, path, "timestamp")?,
        object_relation: opt_str(a, path, "object_relation")?,
        tags: tags(a, path)?,
        sightings,
    })
}

fn read_object(v: &Value, path: &str, budget: &mut usize) -> Result<MispObject, MispError> {
    let o = object(v, path)?;
    let attributes = list(o, path, "Attribute")?
        .iter()
        .enumerate()
        .map(|(i, a)| read_attribute(a, &format!("{path}.Attribute[{i}]"), budget))
        .collect::<Result<_, _>>()?;
    Ok(MispObject {
        path: path.to_owned(),
        uuid: uuid(o, path, "uuid")?,
        name: required_str(o, path, "name")?,
        comment: opt_str(o, path, "comment")?.filter(|c| !c.is_empty()),
        attributes,
    })
}

fn read_sighting(v: &Value, path: &str) -> Result<Sighting, MispError> {
    let s = object(v, path)?;
    let kind = match opt_int(s, path, "type")?.unwrap_or(0) {
        0 => SightingKind::Seen,
        1 => SightingKind::FalsePositive,
        2 => SightingKind::Expired,
        other => {
            return Err(MispError::not_misp(
                &format!("{path}.type"),
                format!("must be 0, 1 or 2, not {other}"),
            ));
        }
    };
    let date = opt_time(s, path, "date_sighting")?
        .ok_or_else(|| MispError::not_misp(&format!("{path}.date_sighting"), "is required"))?;
    let uuid = match s.get("uuid") {
        Some(_) => Some(uuid(s, path, "uuid")?),
        None => None,
    };
    Ok(Sighting { uuid, kind, date })
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, MispError> {
    v.as_object()
        .ok_or_else(|| MispError::not_misp(path, "must be a JSON object"))
}

/// A list field; missing or `null` is an empty list.
fn list<'a>(m: &'a Map<String, Value>, path: &str, name: &str) -> Result<&'a [Value], MispError> {
    match m.get(name) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) if items.len() > MAX_LIST => Err(MispError::TooLarge {
            path: format!("{path}.{name}"),
            message: format!("more than {MAX_LIST} entries"),
        }),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(MispError::not_misp(
            &format!("{path}.{name}"),
            "must be a list",
        )),
    }
}

/// A string (or number, which MISP sometimes writes for values such as sizes).
fn opt_str(m: &Map<String, Value>, path: &str, name: &str) -> Result<Option<String>, MispError> {
    let s = match m.get(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => {
            return Err(MispError::not_misp(
                &format!("{path}.{name}"),
                "must be a string",
            ));
        }
    };
    if s.len() > MAX_VALUE_BYTES {
        return Err(MispError::TooLarge {
            path: format!("{path}.{name}"),
            message: format!("{} bytes, at most {MAX_VALUE_BYTES} allowed", s.len()),
        });
    }
    Ok(Some(s))
}

fn required_str(m: &Map<String, Value>, path: &str, name: &str) -> Result<String, MispError> {
    opt_str(m, path, name)?
        .ok_or_else(|| MispError::not_misp(&format!("{path}.{name}"), "is required"))
}

fn uuid(m: &Map<String, Value>, path: &str, name: &str) -> Result<Uuid, MispError> {
    let s = required_str(m, path, name)?;
    Uuid::parse_str(&s)
        .map_err(|_| MispError::not_misp(&format!("{path}.{name}"), "must be a UUID"))
}

fn opt_int(m: &Map<String, Value>, path: &str, name: &str) -> Result<Option<i64>, MispError> {
    let bad = || MispError::not_misp(&format!("{path}.{name}"), "must be an integer");
    match m.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => s.parse().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

fn opt_bool(m: &Map<String, Value>, path: &str, name: &str) -> Result<Option<bool>, MispError> {
    match m.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(Some(false)),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(Some(true)),
        Some(Value::String(s)) if s == "0" || s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(Value::String(s)) if s == "1" || s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(_) => Err(MispError::not_misp(
            &format!("{path}.{name}"),
            "must be a boolean",
        )),
    }
}

/// Seconds since the Unix epoch, as MISP writes every timestamp.
fn opt_time(
    m: &Map<String, Value>,
    path: &str,
    name: &str,
) -> Result<Option<Timestamp>, MispError> {
    // Year 1 to 9999: what a STIX timestamp can say.
    const RANGE: std::ops::RangeInclusive<i64> = -62_135_596_800..=253_402_300_799;
    match opt_int(m, path, name)? {
        // MISP writes 0 for "never" (e.g. an unpublished event's publish_timestamp).
        None | Some(0) => Ok(None),
        Some(secs) if RANGE.contains(&secs) => Ok(Some(Timestamp::from_unix_micros(
            secs.saturating_mul(1_000_000),
        ))),
        Some(_) => Err(MispError::not_misp(
            &format!("{path}.{name}"),
            "is out of range for a timestamp",
        )),
    }
}

/// The event's `date` (`YYYY-MM-DD`), as midnight UTC.
fn date(m: &Map<String, Value>, path: &str) -> Result<Option<Timestamp>, MispError> {
    let Some(d) = opt_str(m, path, "date")? else {
        return Ok(None);
    };
    Timestamp::parse(&format!("{d}T00:00:00Z"))
        .map(Some)
        .map_err(|_| MispError::not_misp(&format!("{path}.date"), "must be a date YYYY-MM-DD"))
}

/// The names of a `Tag` list.
fn tags(m: &Map<String, Value>, path: &str) -> Result<Vec<String>, MispError> {
    list(m, path, "Tag")?
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let p = format!("{path}.Tag[{i}]");
            required_str(object(t, &p)?, &p, "name")
        })
        .collect()
}
