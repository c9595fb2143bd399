//! The Renkei handling extension: a STIX 2.1 marking-definition extension that carries the
//! parts of a provider's handling STIX has no standard marking for — audience,
//! classification, permitted uses and attribution. TLP and PAP stay standard markings.
//!
//! ```json
//! {
//!   "type": "marking-definition", "spec_version": "2.1",
//!   "id": "marking-definition--…", "created": "2026-11-01T00:00:00.000Z",
//!   "name": "Renkei handling: finance sector, investigation",
//!   "extensions": {
//!     "extension-definition--d8f42b8a-2cca-4fc3-99d4-d30e631a1f67": {
//!       "extension_type": "property-extension",
//!       "audience": ["sector:finance", "law_enforcement"],
//!       "classification": 1,
//!       "uses": ["investigation", "defensive_feeds"],
//!       "attribution": "sector_only"
//!     }
//!   }
//! }
//! ```
//!
//! Every field is optional; what is missing comes from the organisation's defaults. The JSON
//! schema is `docs/schemas/renkei-handling-extension.json`.

use serde::Deserialize;
use serde_json::Value;

use crate::handling::{Attribution, Audience, AudienceEntry, Classification, Use, Uses};

/// The id of the Renkei handling extension definition.
pub const RENKEI_HANDLING_EXTENSION_ID: &str =
    "extension-definition--d8f42b8a-2cca-4fc3-99d4-d30e631a1f67";

/// The extension-definition object itself (what `docs/sharing.md` publishes).
pub fn extension_definition() -> Value {
    serde_json::json!({
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": RENKEI_HANDLING_EXTENSION_ID,
        "created_by_ref": "identity--6a8c4c3e-5d2f-4f1a-9b7e-2c1d0e3f4a5b",
        "created": "2026-11-22T00:00:00.000Z",
        "modified": "2026-11-22T00:00:00.000Z",
        "name": "Renkei handling",
        "description": "Audience, classification, permitted uses and attribution of records shared through Renkei. TLP and PAP use their standard marking definitions.",
        "schema": "https://renkei.example.jp/docs/schemas/renkei-handling-extension.json",
        "version": "1.0.0",
        "extension_types": ["property-extension"]
    })
}

/// What a Renkei handling marking says. `None` fields are left to the defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HandlingMarking {
    pub audience: Option<Audience>,
    pub classification: Option<Classification>,
    pub uses: Option<Uses>,
    pub attribution: Option<Attribution>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    extension_type: String,
    audience: Option<Vec<String>>,
    classification: Option<u8>,
    uses: Option<Vec<String>>,
    attribution: Option<String>,
}

/// Parses an audience entry in its string form (see [`AudienceEntry`]).
pub fn parse_audience_entry(s: &str) -> Result<AudienceEntry, String> {
    s.parse()
        .map_err(|e: crate::handling::InvalidAudienceEntry| e.to_string())
}

/// The string form of an audience entry.
pub fn format_audience_entry(e: &AudienceEntry) -> String {
    e.to_string()
}

/// Reads the Renkei handling extension of a marking definition (compact JSON), if it has one.
pub fn from_marking_definition(json: &str) -> Result<Option<HandlingMarking>, String> {
    if !json.contains(RENKEI_HANDLING_EXTENSION_ID) {
        return Ok(None);
    }
    let v: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let Some(ext) = v
        .get("extensions")
        .and_then(|e| e.get(RENKEI_HANDLING_EXTENSION_ID))
    else {
        return Ok(None);
    };
    let raw: Raw = serde_json::from_value(ext.clone())
        .map_err(|e| format!("Renkei handling extension: {e}"))?;
    if raw.extension_type != "property-extension" {
        return Err("Renkei handling extension: extension_type must be property-extension".into());
    }
    let audience = raw
        .audience
        .map(|entries| {
            let parsed = entries
                .iter()
                .map(|s| parse_audience_entry(s))
                .collect::<Result<Vec<_>, _>>()?;
            Audience::new(parsed).map_err(|e| e.to_string())
        })
        .transpose()?;
    let classification = raw
        .classification
        .map(Classification::new)
        .transpose()
        .map_err(|e| e.to_string())?;
    let uses = raw
        .uses
        .map(|list| {
            list.iter()
                .map(|u| u.parse::<Use>().map_err(|e| e.to_string()))
                .collect::<Result<Uses, _>>()
        })
        .transpose()?;
    let attribution = raw
        .attribution
        .map(|a| a.parse::<Attribution>().map_err(|e| e.to_string()))
        .transpose()?;
    Ok(Some(HandlingMarking {
        audience,
        classification,
        uses,
        attribution,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marking(ext: Value) -> String {
        serde_json::json!({
            "type": "marking-definition", "spec_version": "2.1",
            "id": "marking-definition--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2026-11-01T00:00:00.000Z",
            "extensions": { RENKEI_HANDLING_EXTENSION_ID: ext }
        })
        .to_string()
    }

    #[test]
    fn reads_every_field() {
        let m = from_marking_definition(&marking(serde_json::json!({
            "extension_type": "property-extension",
            "audience": ["sector:finance", "law_enforcement", "org:5c1e3a7e-8d2b-4f6a-9c0d-1e2f3a4b5c6d"],
            "classification": 2,
            "uses": ["investigation", "defensive_feeds"],
            "attribution": "hidden"
        })))
        .unwrap()
        .unwrap();
        assert!(m.audience.unwrap().contains(&AudienceEntry::LawEnforcement));
        assert_eq!(m.classification, Some(Classification::new(2).unwrap()));
        assert!(m.uses.unwrap().contains(Use::DefensiveFeeds));
        assert_eq!(m.attribution, Some(Attribution::Hidden));
    }

    #[test]
    fn refuses_what_it_does_not_understand() {
        for ext in [
            serde_json::json!({"extension_type": "property-extension", "audience": ["everyone"]}),
            serde_json::json!({"extension_type": "property-extension", "classification": 4}),
            serde_json::json!({"extension_type": "property-extension", "uses": ["sell"]}),
            serde_json::json!({"extension_type": "property-extension", "attribution": "loud"}),
            serde_json::json!({"extension_type": "property-extension", "audience": ["provider", "members"]}),
            serde_json::json!({"extension_type": "property-extension", "colour": "red"}),
            serde_json::json!({"extension_type": "new-sdo"}),
        ] {
            assert!(
                from_marking_definition(&marking(ext.clone())).is_err(),
                "{ext}"
            );
        }
        assert_eq!(
            from_marking_definition("{\"type\":\"marking-definition\"}").unwrap(),
            None
        );
    }

    #[test]
    fn audience_strings_round_trip() {
        for s in [
            "provider",
            "secretariat",
            "law_enforcement",
            "members",
            "sector:telecom",
            "org:5c1e3a7e-8d2b-4f6a-9c0d-1e2f3a4b5c6d",
            "user:5c1e3a7e-8d2b-4f6a-9c0d-1e2f3a4b5c6d",
        ] {
            assert_eq!(format_audience_entry(&parse_audience_entry(s).unwrap()), s);
        }
    }
}
