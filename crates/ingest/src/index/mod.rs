//! What a record contributes to the indexes (`renkei_store::IndexTerms`): its normalised
//! observables for correlation and lookups, its search tokens, its category and, for a
//! sighting, what it sights. Computed on the validating threads, never on the store's writer.

mod observables;

pub use observables::{MAX_OBSERVABLES_PER_OBJECT, observables_of};

use renkei_model::stix::Timestamp;
use renkei_store::{FeedTerms, IndexTerms, ObservableTerm, SightingTerm};
use serde_json::Value;

/// The index terms of one object (its JSON as submitted).
pub fn terms_of(json: &str) -> IndexTerms {
    let Ok(object) = serde_json::from_str::<Value>(json) else {
        return IndexTerms::default();
    };
    terms_of_value(&object)
}

/// [`terms_of`] for parsed JSON.
pub fn terms_of_value(object: &Value) -> IndexTerms {
    let text = |key: &str| object.get(key).and_then(Value::as_str);
    let object_type = text("type").unwrap_or_default();
    IndexTerms {
        observables: observables_of(object)
            .iter()
            .map(|o| ObservableTerm::new(o.kind().name(), o.value()))
            .collect(),
        tokens: renkei_search::object_document(object),
        category: object_type
            .starts_with("x-renkei-")
            .then(|| text("category"))
            .flatten()
            .map(str::to_owned),
        sighting: (object_type == "sighting")
            .then(|| {
                Some(SightingTerm {
                    of: text("sighting_of_ref")?.to_owned(),
                    kind: text("x_renkei_sighting_type").unwrap_or("seen").to_owned(),
                    count: object.get("count").and_then(Value::as_i64).unwrap_or(1),
                })
            })
            .flatten(),
        feed: feed_terms(object, object_type),
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
fn feed_terms(object: &Value, object_type: &str) -> Option<FeedTerms> {
    if !FEED_TYPES.contains(&object_type)
        || object.get("revoked").and_then(Value::as_bool) == Some(true)
    {
        return None;
    }
    let label = object
        .get("name")
        .and_then(Value::as_str)
        .map(|n| n.chars().take(200).collect());
    let valid_until = object
        .get("valid_until")
        .and_then(Value::as_str)
        .and_then(|t| Timestamp::parse(t).ok())
        .map(|t| t.unix_micros());
    Some(FeedTerms { label, valid_until })
}
