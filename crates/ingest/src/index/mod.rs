//! What a record contributes to the indexes (`renkei_store::IndexTerms`): its normalised
//! observables for correlation and lookups, its search tokens, its category and, for a
//! sighting, what it sights. Computed on the validating threads, never on the store's writer.

mod observables;

pub use observables::{MAX_OBSERVABLES_PER_OBJECT, observables_of};

use std::borrow::Cow;

use renkei_model::stix::Timestamp;
use renkei_model::stix::json::Props;
use renkei_store::{FeedTerms, IndexTerms, ObservableTerm, SightingTerm};
use serde::Deserialize;
use serde_json::value::RawValue;

/// The top-level properties of an object's JSON, split once and read as needed: the index
/// terms need a handful of them, so no tree is built.
pub(crate) struct Fields<'a>(Props<'a>);

/// A JSON string that borrows from the text when it has no escapes.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'a> Fields<'a> {
    /// The properties of a JSON object (`None` if `json` is not one).
    pub(crate) fn parse(json: &'a str) -> Option<Self> {
        serde_json::from_str(json).ok().map(Fields)
    }

    /// A property's unparsed value.
    pub(crate) fn raw(&self, key: &str) -> Option<&'a RawValue> {
        self.0.get(key)
    }

    /// A property's value if it is a string.
    pub(crate) fn text(&self, key: &str) -> Option<Cow<'a, str>> {
        let raw = self.raw(key)?;
        serde_json::from_str::<Text<'a>>(raw.get())
            .ok()
            .map(|t| t.0)
    }

    /// The entries of a property's value if it is an object.
    pub(crate) fn object(&self, key: &str) -> Option<Fields<'a>> {
        Fields::parse(self.raw(key)?.get())
    }

    /// The items of a property's value if it is a list.
    pub(crate) fn list(&self, key: &str) -> Vec<&'a RawValue> {
        self.raw(key)
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .unwrap_or_default()
    }

    /// Each property, its value if that is a string.
    pub(crate) fn texts(&self) -> impl Iterator<Item = (&str, Cow<'a, str>)> {
        self.0.entries.iter().filter_map(|(k, raw)| {
            let text = serde_json::from_str::<Text<'a>>(raw.get()).ok()?;
            Some((k.as_ref(), text.0))
        })
    }
}

/// The index terms of one object (its JSON as submitted).
pub fn terms_of(json: &str) -> IndexTerms {
    let Some(object) = Fields::parse(json) else {
        return IndexTerms::default();
    };
    let object_type = object.text("type").unwrap_or_default();
    IndexTerms {
        observables: observables::observables_in(&object)
            .iter()
            .map(|o| ObservableTerm::new(o.kind().name(), o.value()))
            .collect(),
        tokens: renkei_search::json_document(json),
        category: object_type
            .starts_with("x-renkei-")
            .then(|| object.text("category"))
            .flatten()
            .map(Cow::into_owned),
        sighting: (object_type == "sighting")
            .then(|| {
                Some(SightingTerm {
                    of: object.text("sighting_of_ref")?.into_owned(),
                    kind: object
                        .text("x_renkei_sighting_type")
                        .map_or_else(|| "seen".to_owned(), Cow::into_owned),
                    count: object
                        .raw("count")
                        .and_then(|c| serde_json::from_str::<i64>(c.get()).ok())
                        .unwrap_or(1),
                })
            })
            .flatten(),
        feed: feed_terms(&object, &object_type),
    }
}

/// Types whose values defenders can block: indicators and the observables they are made of.
const FEED_TYPES: [&str; 7] = [
    "indicator",
    "ipv4-addr",
    "ipv6-addr",
    "domain-name",
    "url",
    "file",
    "email-addr",
];

/// What feeds show of an object, if it is of a type that goes into feeds and not revoked.
fn feed_terms(object: &Fields<'_>, object_type: &str) -> Option<FeedTerms> {
    if !FEED_TYPES.contains(&object_type)
        || object.raw("revoked").map(RawValue::get) == Some("true")
    {
        return None;
    }
    let label = object.text("name").map(|n| n.chars().take(200).collect());
    let valid_until = object
        .text("valid_until")
        .and_then(|t| Timestamp::parse(&t).ok())
        .map(|t| t.unix_micros());
    Some(FeedTerms { label, valid_until })
}
