//! MISP → STIX 2.1: events as pymisp writes them (`{"Event": {...}}` or a bare event) and MISP
//! feed folders become STIX objects that the ordinary ingest pipeline then validates, marks and
//! stores. This module does no I/O beyond reading a feed folder, and never stores anything.
//!
//! - [`convert_event`]: one event's bytes → a [`Conversion`];
//! - [`convert_feed`]: a feed folder (`manifest.json` + `<uuid>.json`) → one [`Conversion`].
//!
//! The mapping (attribute types, objects, tags → TLP/PAP markings, sightings) and its limits
//! are documented in `docs/misp.md`. Whole-input problems are [`MispError`]s; a problem
//! confined to one attribute (an invalid value, an unsupported type, conflicting TLP tags)
//! skips that attribute with a warning naming its path.

mod convert;
mod error;
mod event;
mod feed;
mod observable;
mod tags;

use serde_json::Value;

pub use error::MispError;
pub use feed::convert_feed;
use renkei_model::stix::Timestamp;

/// Bounds on untrusted MISP input.
pub mod limits {
    /// Largest event file accepted.
    pub const MAX_EVENT_BYTES: usize = 64 * 1024 * 1024;
    /// Largest string value (an attribute value, a comment, a tag, `info`).
    pub const MAX_VALUE_BYTES: usize = 64 * 1024;
    /// Most attributes in one event, object attributes included.
    pub const MAX_ATTRIBUTES: usize = 200_000;
    /// Most entries of any one list (attributes, objects, tags, sightings).
    pub const MAX_LIST: usize = 200_000;
    /// Most events in one feed folder.
    pub const MAX_FEED_EVENTS: usize = 100_000;
}

/// STIX objects converted from MISP, and what could not be converted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conversion {
    /// STIX 2.1 objects, the `report` of each event first and then the objects it refers to.
    /// Cyber-observables have deterministic ids, so one observable seen twice appears once.
    pub objects: Vec<Value>,
    /// One line per attribute (or object) skipped or partly converted, starting with its
    /// path (`Event.Attribute[3]: skipped: …`). In a feed, prefixed with the event's file.
    pub warnings: Vec<String>,
}

/// Converts one MISP event (JSON bytes as pymisp's `to_json()` or a MISP export writes them).
/// `received` is when it arrived: the time of an event that carries none (pymisp writes no
/// `date` or `timestamp` until a MISP server has stored the event).
pub fn convert_event(bytes: &[u8], received: Timestamp) -> Result<Conversion, MispError> {
    if bytes.len() > limits::MAX_EVENT_BYTES {
        return Err(MispError::TooLarge {
            path: String::new(),
            message: format!(
                "{} bytes, at most {} accepted",
                bytes.len(),
                limits::MAX_EVENT_BYTES
            ),
        });
    }
    let root: Value = serde_json::from_slice(bytes).map_err(|e| MispError::from_json(&e))?;
    let event = event::read_event(&root)?;
    convert::convert(&event, received)
}
