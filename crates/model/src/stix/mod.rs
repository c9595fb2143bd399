//! STIX 2.1: identifiers, timestamps, objects, envelopes and bundles, markings,
//! deterministic SCO identifiers and patterns.

mod envelope;
mod id;
pub mod json;
pub mod markings;
mod object;
pub mod pattern;
pub mod renkei_handling;
pub mod renkei_types;
pub mod rules;
pub mod sco_id;
mod timestamp;

pub use envelope::{Bundle, Envelope, EnvelopeError};
pub use id::{StixId, StixIdError, TypeNameError, check_type_name};
pub use object::{Invalid, MAX_PROPERTIES, StixObject};
pub use rules::ObjectClass;
pub use timestamp::{Timestamp, TimestampError};

/// The media type of a STIX 2.1 object inside a TAXII collection.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";
