//! STIX 2.1 objects: what is accepted, and what is refused with which property named.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure

use renkei_model::stix::{ObjectClass, StixObject};
use serde_json::{Value, json};

fn indicator() -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2016-04-06T20:03:48.000Z",
        "modified": "2016-04-06T20:03:48.000Z",
        "indicator_types": ["malicious-activity"],
        "name": "フィッシングサイト",
        "pattern": "[domain-name:value = 'example.jp']",
        "pattern_type": "stix",
        "valid_from": "2016-01-01T00:00:00Z",
        "x_renkei_note": "custom properties are kept",
        "extensions": {
            "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": {"extension_type": "property-extension", "rank": 5}
        }
    })
}

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

fn without(mut base: Value, key: &str) -> Value {
    base.as_object_mut().unwrap().remove(key);
    base
}

fn refused_at(v: Value) -> String {
    match StixObject::parse(&v.to_string()) {
        Ok(o) => panic!("accepted {o:?}: {v}"),
        Err(e) => e.path,
    }
}

#[test]
fn keeps_every_property_in_compact_form() {
    let text = serde_json::to_string_pretty(&indicator()).unwrap();
    let o = StixObject::parse(&text).unwrap();
    assert_eq!(o.object_type(), "indicator");
    assert_eq!(o.class(), ObjectClass::Domain);
    assert!(
        o.json()
            .contains("\"x_renkei_note\":\"custom properties are kept\"")
    );
    assert!(o.json().contains("フィッシングサイト"));
    assert!(!o.json().contains('\n'));
    let back: Value = serde_json::from_str(o.json()).unwrap();
    assert_eq!(back, indicator());
    assert_eq!(o.version().unwrap().to_stix(), "2016-04-06T20:03:48.000Z");
}

#[test]
fn refuses_missing_or_broken_common_properties() {
    assert_eq!(refused_at(without(indicator(), "type")), "type");
    assert_eq!(refused_at(without(indicator(), "id")), "id");
    assert_eq!(
        refused_at(without(indicator(), "spec_version")),
        "spec_version"
    );
    assert_eq!(refused_at(without(indicator(), "created")), "created");
    assert_eq!(refused_at(without(indicator(), "modified")), "modified");
    assert_eq!(
        refused_at(with(indicator(), "spec_version", json!("2.0"))),
        "spec_version"
    );
    assert_eq!(
        refused_at(with(
            indicator(),
            "id",
            json!("malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
        )),
        "id"
    );
    assert_eq!(
        refused_at(with(indicator(), "created", json!("2016-04-06T20:03:48Z"))),
        "created"
    );
    assert_eq!(
        refused_at(with(
            indicator(),
            "modified",
            json!("2016-04-05T20:03:48.000Z")
        )),
        "modified"
    );
    assert_eq!(
        refused_at(with(
            indicator(),
            "created_by_ref",
            json!("malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
        )),
        "created_by_ref"
    );
    assert_eq!(
        refused_at(with(indicator(), "confidence", json!(101))),
        "confidence"
    );
    assert_eq!(refused_at(with(indicator(), "labels", json!([]))), "labels");
    assert_eq!(
        refused_at(with(indicator(), "labels", json!(null))),
        "labels"
    );
    assert_eq!(
        refused_at(with(
            indicator(),
            "object_marking_refs",
            json!(["identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"])
        )),
        "object_marking_refs/0"
    );
    assert_eq!(
        refused_at(with(indicator(), "severity", json!("high"))),
        "severity"
    );
    assert_eq!(refused_at(with(indicator(), "x_Foo", json!(1))), "x_Foo");
    assert_eq!(refused_at(with(indicator(), "xy", json!(1))), "xy");
    assert_eq!(
        refused_at(with(indicator(), "defanged", json!(true))),
        "defanged"
    );
    assert_eq!(
        refused_at(with(indicator(), "extensions", json!({"x_foo": {"a": 1}}))),
        "extensions/x_foo"
    );
    assert_eq!(
        refused_at(with(
            indicator(),
            "external_references",
            json!([{"source_name": "x"}])
        )),
        "external_references/0"
    );
}

#[test]
fn refuses_duplicate_properties() {
    let text = r#"{"type":"indicator","type":"malware"}"#;
    assert_eq!(StixObject::parse(text).unwrap_err().path, "type");
}

#[test]
fn checks_indicator_rules() {
    assert_eq!(refused_at(without(indicator(), "pattern")), "pattern");
    assert_eq!(
        refused_at(with(indicator(), "pattern", json!("[domain-name:value = "))),
        "pattern"
    );
    assert_eq!(
        refused_at(with(
            indicator(),
            "valid_until",
            json!("2016-01-01T00:00:00Z")
        )),
        "valid_until"
    );
    // Other pattern languages are not parsed.
    let snort = with(
        with(indicator(), "pattern_type", json!("snort")),
        "pattern",
        json!("alert tcp any any -> any any"),
    );
    assert!(StixObject::parse(&snort.to_string()).is_ok());
}

#[test]
fn accepts_observables_without_versions() {
    for sco in [
        json!({"type": "ipv4-addr", "id": "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4", "value": "198.51.100.3"}),
        json!({"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4", "value": "198.51.100.0/24"}),
        json!({"type": "ipv6-addr", "id": "ipv6-addr--1e61d36c-a16c-53b7-a80f-2a00161c96b1", "value": "2001:db8::1"}),
        json!({"type": "domain-name", "id": "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5", "value": "例え.テスト"}),
        json!({"type": "url", "id": "url--c1477287-23ac-5971-a010-5c287877fa60", "value": "https://example.jp/login?a=1"}),
        json!({"type": "file", "id": "file--fb0419a8-f09c-57f8-be64-71a80417591c", "hashes": {"SHA-256": "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"}}),
        json!({"type": "mac-addr", "id": "mac-addr--65cfcf98-8a6e-5a1b-8f61-379ac4f92d00", "value": "d2:fb:49:24:37:18"}),
        json!({"type": "email-addr", "id": "email-addr--2d77a846-6264-5d51-b586-e43822ea1ea3", "value": "john@example.com", "display_name": "John"}),
    ] {
        let o = StixObject::parse(&sco.to_string()).unwrap_or_else(|e| panic!("{sco}: {e}"));
        assert_eq!(o.class(), ObjectClass::Observable);
        assert_eq!(o.version(), None);
    }
}

#[test]
fn refuses_malformed_observable_values() {
    let sco = |ty: &str, value: &str| json!({"type": ty, "id": format!("{ty}--28bb3599-77cd-5a82-a950-b5bc3caf07c4"), "value": value});
    for (ty, value) in [
        ("ipv4-addr", "198.51.100.300"),
        ("ipv4-addr", "198.051.100.3"),
        ("ipv4-addr", "198.51.100.3/33"),
        ("ipv6-addr", "2001:db8:::1"),
        ("mac-addr", "D2:FB:49:24:37:18"),
        ("domain-name", "exa mple.jp"),
        ("url", "example.jp/no-scheme"),
        ("url", "http://example.jp/a b"),
        ("email-addr", "John <john@example.com>"),
    ] {
        assert_eq!(refused_at(sco(ty, value)), "value", "{ty} {value}");
    }
    let file = json!({"type": "file", "id": "file--fb0419a8-f09c-57f8-be64-71a80417591c", "hashes": {"SHA-256": "abc"}});
    assert_eq!(refused_at(file), "hashes/SHA-256");
}

#[test]
fn checks_relationships_and_sightings() {
    let rel = json!({
        "type": "relationship", "spec_version": "2.1",
        "id": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
        "created": "2016-04-06T20:06:37.000Z", "modified": "2016-04-06T20:06:37.000Z",
        "relationship_type": "indicates",
        "source_ref": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "target_ref": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"
    });
    assert!(StixObject::parse(&rel.to_string()).is_ok());
    assert_eq!(
        refused_at(with(rel.clone(), "relationship_type", json!("Indicates"))),
        "relationship_type"
    );
    assert_eq!(
        refused_at(with(
            rel.clone(),
            "target_ref",
            json!("relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad")
        )),
        "target_ref"
    );
    assert_eq!(refused_at(without(rel, "source_ref")), "source_ref");
}

#[test]
fn marking_definitions() {
    let statement = json!({
        "type": "marking-definition", "spec_version": "2.1",
        "id": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41db",
        "created": "2016-08-01T00:00:00.000Z",
        "definition_type": "statement",
        "definition": {"statement": "Copyright 2026, Renkei"}
    });
    assert!(StixObject::parse(&statement.to_string()).is_ok());
    assert_eq!(
        refused_at(with(
            statement.clone(),
            "modified",
            json!("2016-08-01T00:00:00.000Z")
        )),
        "modified"
    );
    let fake_tlp = with(
        with(statement, "definition_type", json!("tlp")),
        "definition",
        json!({"tlp": "white"}),
    );
    assert_eq!(refused_at(fake_tlp), "definition_type");
}

#[test]
fn custom_objects_are_kept() {
    let post = json!({
        "type": "x-acme-forum-post", "spec_version": "2.1",
        "id": "x-acme-forum-post--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "site": "example-forum", "content": "口座売ります"
    });
    let o = StixObject::parse(&post.to_string()).unwrap();
    assert_eq!(o.class(), ObjectClass::Custom);
    assert_eq!(refused_at(without(post, "created")), "created");
}

#[test]
fn refuses_non_objects_and_bundles() {
    assert!(StixObject::parse("[1]").is_err());
    assert!(StixObject::parse("not json").is_err());
    let b = json!({"type": "bundle", "id": "bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"});
    assert_eq!(refused_at(b), "type");
}
