//! The predefined marking definitions every STIX producer may reference without sending them:
//! TLP 1.0 (STIX 2.1 §7.2.1.4), TLP 2.0 and PAP (the OASIS extension definitions).

use std::borrow::Cow;

use crate::handling::{Pap, Tlp};
use crate::stix::json::{Props, splice_marking_refs};

/// The OASIS TLP 2.0 marking extension.
pub const TLP2_EXTENSION_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
/// The OASIS PAP marking extension.
pub const PAP_EXTENSION_ID: &str = "extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b";

/// A marking definition everyone knows by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownMarking {
    Tlp(Tlp),
    Pap(Pap),
}

/// (id, meaning, name, created) of every predefined marking.
pub const PREDEFINED: &[(&str, KnownMarking, &str, &str)] = &[
    // TLP 1.0, defined in the STIX 2.1 specification itself.
    (
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        KnownMarking::Tlp(Tlp::Clear),
        "TLP:WHITE",
        "2017-01-20T00:00:00.000Z",
    ),
    (
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        KnownMarking::Tlp(Tlp::Green),
        "TLP:GREEN",
        "2017-01-20T00:00:00.000Z",
    ),
    (
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        KnownMarking::Tlp(Tlp::Amber),
        "TLP:AMBER",
        "2017-01-20T00:00:00.000Z",
    ),
    (
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        KnownMarking::Tlp(Tlp::Red),
        "TLP:RED",
        "2017-01-20T00:00:00.000Z",
    ),
    // TLP 2.0 (extension-definition--60a3c5c5-…).
    (
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        KnownMarking::Tlp(Tlp::Clear),
        "TLP:CLEAR",
        "2022-10-01T00:00:00.000Z",
    ),
    (
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        KnownMarking::Tlp(Tlp::Green),
        "TLP:GREEN",
        "2022-10-01T00:00:00.000Z",
    ),
    (
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        KnownMarking::Tlp(Tlp::Amber),
        "TLP:AMBER",
        "2022-10-01T00:00:00.000Z",
    ),
    (
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        KnownMarking::Tlp(Tlp::AmberStrict),
        "TLP:AMBER+STRICT",
        "2022-10-01T00:00:00.000Z",
    ),
    (
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        KnownMarking::Tlp(Tlp::Red),
        "TLP:RED",
        "2022-10-01T00:00:00.000Z",
    ),
    // PAP (extension-definition--f8d78575-…); PAP:WHITE is the legacy name of PAP:CLEAR.
    (
        "marking-definition--ad15a0cd-55b6-4588-a14c-a66105329b92",
        KnownMarking::Pap(Pap::Clear),
        "PAP:CLEAR",
        "2022-10-01T00:00:00.000Z",
    ),
    (
        "marking-definition--a3bea94c-b469-41dc-9cfe-d6e7daba7730",
        KnownMarking::Pap(Pap::Clear),
        "PAP:WHITE",
        "2022-10-01T00:00:00.000Z",
    ),
    (
        "marking-definition--c43594d1-4b11-4c59-93ab-1c9b14d53ce9",
        KnownMarking::Pap(Pap::Green),
        "PAP:GREEN",
        "2022-10-09T00:00:00.000Z",
    ),
    (
        "marking-definition--60f8932b-e51e-4458-b265-a2e8be9a80ab",
        KnownMarking::Pap(Pap::Amber),
        "PAP:AMBER",
        "2022-10-02T00:00:00.000Z",
    ),
    (
        "marking-definition--740d36e5-7714-4c30-961a-3ae632ceee0e",
        KnownMarking::Pap(Pap::Red),
        "PAP:RED",
        "2022-10-06T00:00:00.000Z",
    ),
];

/// The predefined marking definitions exactly as their specifications publish them.
pub const PREDEFINED_JSON: &[&str] = &[
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:WHITE","definition":{"tlp":"white"}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:GREEN","definition":{"tlp":"green"}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:AMBER","definition":{"tlp":"amber"}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:RED","definition":{"tlp":"red"}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487","created":"2022-10-01T00:00:00.000Z","name":"TLP:CLEAR","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"clear"}}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb","created":"2022-10-01T00:00:00.000Z","name":"TLP:GREEN","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"green"}}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421","created":"2022-10-01T00:00:00.000Z","name":"TLP:AMBER","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"amber"}}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003","created":"2022-10-01T00:00:00.000Z","name":"TLP:AMBER+STRICT","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"amber+strict"}}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1","created":"2022-10-01T00:00:00.000Z","name":"TLP:RED","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"red"}}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--a3bea94c-b469-41dc-9cfe-d6e7daba7730","created":"2022-10-01T00:00:00.000Z","name":"PAP:WHITE","extensions":{"extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b":{"extension_type":"property-extension","pap":"white"}}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--c43594d1-4b11-4c59-93ab-1c9b14d53ce9","created":"2022-10-09T00:00:00.000Z","name":"PAP:GREEN","extensions":{"extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b":{"extension_type":"property-extension","pap":"green"}}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--60f8932b-e51e-4458-b265-a2e8be9a80ab","created":"2022-10-02T00:00:00.000Z","name":"PAP:AMBER","extensions":{"extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b":{"extension_type":"property-extension","pap":"amber"}}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--740d36e5-7714-4c30-961a-3ae632ceee0e","created":"2022-10-06T00:00:00.000Z","name":"PAP:RED","extensions":{"extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b":{"extension_type":"property-extension","pap":"red"}}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--ad15a0cd-55b6-4588-a14c-a66105329b92","created":"2022-10-01T00:00:00.000Z","name":"PAP:CLEAR","extensions":{"extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b":{"extension_type":"property-extension","pap":"clear"}}}"#,
];

/// The published JSON of a predefined marking definition.
pub fn predefined_json(id: &str) -> Option<&'static str> {
    PREDEFINED_JSON
        .iter()
        .copied()
        .find(|j| j.contains(&format!("\"id\":\"{id}\"")))
}

/// What a predefined marking id means, if it is one.
pub fn known_marking(id: &str) -> Option<KnownMarking> {
    PREDEFINED
        .iter()
        .find(|(i, ..)| *i == id)
        .map(|(_, m, ..)| *m)
}

/// The id Renkei writes for a TLP level (always the TLP 2.0 definition).
pub fn tlp_marking_id(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => PREDEFINED[4].0,
        Tlp::Green => PREDEFINED[5].0,
        Tlp::Amber => PREDEFINED[6].0,
        Tlp::AmberStrict => PREDEFINED[7].0,
        Tlp::Red => PREDEFINED[8].0,
    }
}

/// The id Renkei writes for a PAP level.
pub fn pap_marking_id(pap: Pap) -> &'static str {
    match pap {
        Pap::Clear => PREDEFINED[9].0,
        Pap::Green => PREDEFINED[11].0,
        Pap::Amber => PREDEFINED[12].0,
        Pap::Red => PREDEFINED[13].0,
    }
}

/// The object (compact JSON) with its top-level `object_marking_refs` saying its effective
/// TLP and PAP: TLP and PAP markings of other levels are replaced, missing ones added, and
/// every other marking and byte kept. A TLP 1.0 marking of the same level stays as the
/// provider wrote it. Added markings come last. Borrowed when nothing changes.
pub fn with_effective_markings(
    json: &str,
    tlp: Tlp,
    pap: Pap,
) -> Result<Cow<'_, str>, serde_json::Error> {
    let props: Props = serde_json::from_str(json)?;
    let current: Vec<&str> = match props.get("object_marking_refs") {
        Some(raw) => serde_json::from_str(raw.get())?,
        None => Vec::new(),
    };
    let mut has_tlp = false;
    let mut has_pap = false;
    let mut changed = false;
    let mut kept: Vec<&str> = Vec::with_capacity(current.len() + 2);
    for id in &current {
        match known_marking(id) {
            Some(KnownMarking::Tlp(t)) if t == tlp && !has_tlp => has_tlp = true,
            Some(KnownMarking::Pap(p)) if p == pap && !has_pap => has_pap = true,
            Some(_) => {
                changed = true;
                continue;
            }
            None => {}
        }
        kept.push(id);
    }
    if has_tlp && has_pap && !changed {
        return Ok(Cow::Borrowed(json));
    }
    let mut refs = kept;
    if !has_tlp {
        refs.push(tlp_marking_id(tlp));
    }
    if !has_pap {
        refs.push(pap_marking_id(pap));
    }
    Ok(Cow::Owned(splice_marking_refs(json, &props, &refs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_markings_replace_add_and_keep() {
        let amber = tlp_marking_id(Tlp::Amber);
        let green = tlp_marking_id(Tlp::Green);
        let pap_amber = pap_marking_id(Pap::Amber);
        let other = "marking-definition--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
        let json = format!(r#"{{"type":"indicator","object_marking_refs":["{green}","{other}"]}}"#);
        let out = with_effective_markings(&json, Tlp::Amber, Pap::Amber).unwrap();
        assert_eq!(
            out,
            format!(
                r#"{{"type":"indicator","object_marking_refs":["{other}","{amber}","{pap_amber}"]}}"#
            )
        );
        let again = with_effective_markings(&out, Tlp::Amber, Pap::Amber).unwrap();
        assert!(matches!(again, Cow::Borrowed(_)));
        // TLP 1.0 AMBER already says TLP:AMBER.
        let v1 = r#"{"type":"x","object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]}"#;
        let out = with_effective_markings(v1, Tlp::Amber, Pap::Amber).unwrap();
        assert!(out.contains("f88d31f6") && !out.contains(amber) && out.contains(pap_amber));
    }

    #[test]
    fn written_ids_mean_what_they_say() {
        for t in Tlp::ALL {
            assert_eq!(
                known_marking(tlp_marking_id(*t)),
                Some(KnownMarking::Tlp(*t))
            );
        }
        for p in Pap::ALL {
            assert_eq!(
                known_marking(pap_marking_id(*p)),
                Some(KnownMarking::Pap(*p))
            );
        }
        for (id, ..) in PREDEFINED {
            assert!(crate::stix::StixId::parse(id).is_ok(), "{id}");
            let json = predefined_json(id).unwrap_or_else(|| panic!("{id} has no published JSON"));
            let object =
                crate::stix::StixObject::parse(json).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(object.id().as_str(), *id);
        }
    }
}
