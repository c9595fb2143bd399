//! MISP → STIX conversion, on events written by the real pymisp
//! (`tests/interop/make_misp_fixtures.py`) and on broken inputs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure

use std::path::{Path, PathBuf};

use renkei_ingest::misp::{Conversion, MispError, convert_event, convert_feed};
use renkei_model::stix::Timestamp;

/// When the test events arrive.
fn received() -> Timestamp {
    Timestamp::parse("2026-11-22T00:00:00Z").expect("timestamp")
}
use renkei_model::handling::{Pap, Tlp};
use renkei_model::stix::StixObject;
use renkei_model::stix::markings::{pap_marking_id, tlp_marking_id};
use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/misp")
}

fn event(name: &str) -> Conversion {
    let bytes = std::fs::read(fixtures().join("events").join(name)).unwrap();
    let c = convert_event(&bytes, received()).unwrap();
    assert_valid(&c);
    c
}

/// Every object passes Renkei's own validation, and every reference of a report resolves.
fn assert_valid(c: &Conversion) {
    for o in &c.objects {
        StixObject::parse(&o.to_string()).unwrap_or_else(|e| panic!("{o}: {e}"));
    }
    let ids: Vec<&str> = c
        .objects
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    for o in &c.objects {
        for r in o["object_refs"].as_array().into_iter().flatten() {
            assert!(ids.contains(&r.as_str().unwrap()), "dangling {r}");
        }
    }
}

fn by_id<'c>(c: &'c Conversion, id: &str) -> &'c Value {
    c.objects
        .iter()
        .find(|o| o["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {:#?}", c.objects))
}

fn of_type<'c>(c: &'c Conversion, ty: &str) -> Vec<&'c Value> {
    c.objects.iter().filter(|o| o["type"] == ty).collect()
}

fn markings(tlp: Tlp, pap: Option<Pap>) -> Value {
    let mut v = vec![tlp_marking_id(tlp)];
    v.extend(pap.map(pap_marking_id));
    json!(v)
}

#[test]
fn phishing_event() {
    let c = event("phishing.json");
    let amber = markings(Tlp::Amber, Some(Pap::Green));
    let report = &c.objects[0];
    assert_eq!(report["id"], "report--6dcfdd61-eeaf-5c19-8d29-010018437b9b");
    assert_eq!(report["name"], "銀行をかたるフィッシング（SMS 誘導）");
    assert_eq!(report["published"], "2026-11-01T10:00:00.000Z");
    assert_eq!(report["report_types"], json!(["threat-report"]));
    assert_eq!(report["object_marking_refs"], amber);
    assert_eq!(report["description"], "被害は関東の地銀利用者に集中");
    assert!(
        report["labels"]
            .as_array()
            .unwrap()
            .contains(&json!("phishing"))
    );
    assert_eq!(
        report["object_refs"].as_array().unwrap().len(),
        c.objects.len() - 1
    );

    let patterns: Vec<&str> = of_type(&c, "indicator")
        .iter()
        .map(|i| i["pattern"].as_str().unwrap())
        .collect();
    assert_eq!(
        patterns,
        [
            r"[url:value = 'https://login-sakura-bank.example/auth?id=1&q=\'x\'']",
            "[domain-name:value = 'login-sakura-bank.example']",
            "[ipv4-addr:value = '203.0.113.7']",
            "[domain-name:value = 'sms-sakura.example' AND domain-name:resolves_to_refs[*].value = '198.51.100.23']",
            "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '198.51.100.24' AND network-traffic:dst_port = 8443]",
        ]
    );
    let url = by_id(&c, "indicator--27ecdce1-b695-5e8c-890d-9ae0d5f6b4d3");
    assert_eq!(url["description"], "SMS の誘導先");
    assert_eq!(url["valid_from"], "2026-11-01T08:00:00.000Z");
    assert_eq!(url["object_marking_refs"], amber);
    assert!(
        url["labels"]
            .as_array()
            .unwrap()
            .contains(&json!("misp:category=\"Network activity\""))
    );

    // Not to_ids: observables with the ids python-stix2 gives them (checked with stix2).
    let ip6 = of_type(&c, "ipv6-addr");
    assert_eq!(ip6.len(), 1);
    assert_eq!(ip6[0]["value"], "2001:db8::7");
    assert_eq!(ip6[0]["object_marking_refs"], amber);
    let email = of_type(&c, "email-addr");
    assert_eq!(email[0]["value"], "support@sakura-bank.example");
    assert_eq!(
        email[0]["id"],
        "email-addr--0f6feb0c-7875-5e3b-bb36-914322611c33"
    );

    // The bad address is skipped, with a warning that names it.
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(c.warnings[0].starts_with("Event.Attribute[8]: skipped: invalid `ip-dst` value"));
}

#[test]
fn malware_event_with_file_and_domain_ip_objects() {
    let c = event("malware.json");
    let green = markings(Tlp::Green, None);
    let files = of_type(&c, "file");
    assert_eq!(files.len(), 1);
    let file = files[0];
    assert_eq!(file["name"], "請求書_2026-11.xlsm");
    assert_eq!(file["size"], 48213);
    assert_eq!(
        file["hashes"],
        json!({"MD5": "0cc175b9c0f1b6a831c399e269772661",
               "SHA-256": "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"})
    );
    assert_eq!(file["object_marking_refs"], green);

    let dropper = by_id(&c, "indicator--0c053716-5eac-5d68-a2ac-644f91352f14");
    assert_eq!(
        dropper["pattern"],
        "[file:name = 'loader.dll' AND file:hashes.'SHA-1' = '86f7e437faa5a7fce15d1ddcb9eaeaea377667b8']"
    );
    let composite = of_type(&c, "indicator")
        .into_iter()
        .find(|i| i["name"].as_str().unwrap().starts_with("invoice"))
        .unwrap();
    assert_eq!(
        composite["pattern"],
        "[file:name = 'invoice.xlsm' AND file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']"
    );

    let domain = of_type(&c, "domain-name");
    assert_eq!(domain.len(), 1);
    assert_eq!(domain[0]["value"], "c2.emotet.example");
    let ip = of_type(&c, "ipv4-addr");
    assert_eq!(ip[0]["value"], "192.0.2.55");
    assert_eq!(domain[0]["resolves_to_refs"], json!([ip[0]["id"]]));

    let vuln = of_type(&c, "vulnerability");
    assert_eq!(vuln[0]["name"], "CVE-2017-11882");
    assert_eq!(
        vuln[0]["external_references"],
        json!([{"source_name": "cve", "external_id": "CVE-2017-11882"}])
    );
    assert!(
        c.objects[0]["labels"]
            .as_array()
            .unwrap()
            .contains(&json!("misp-galaxy:malpedia=\"Emotet\""))
    );
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn tlp_red_override_sightings_and_conflicts() {
    let c = event("sightings.json");
    let red = by_id(&c, "indicator--0773598f-b572-5e9f-a193-5e1ff7b0cab0");
    assert_eq!(red["pattern"], "[ipv4-addr:value = '192.0.2.200']");
    assert_eq!(red["object_marking_refs"], markings(Tlp::Red, None));
    // pymisp drops the timestamp of an edited attribute: the event's date stands in.
    assert_eq!(red["valid_from"], "2026-11-05T00:00:00.000Z");
    assert_eq!(
        c.objects[0]["object_marking_refs"],
        markings(Tlp::Green, None)
    );

    let sightings = of_type(&c, "sighting");
    let kinds: Vec<(&str, &str)> = sightings
        .iter()
        .map(|s| {
            assert_eq!(s["sighting_of_ref"], red["id"]);
            assert_eq!(s["count"], 1);
            assert_eq!(s["first_seen"], s["last_seen"]);
            assert_eq!(s["object_marking_refs"], markings(Tlp::Red, None));
            (
                s["x_renkei_sighting_type"].as_str().unwrap(),
                s["first_seen"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("seen", "2026-11-05T12:00:00.000Z"),
            ("false_positive", "2026-11-06T12:00:00.000Z"),
            ("expired", "2026-11-07T12:00:00.000Z"),
        ]
    );
    assert_eq!(
        sightings[0]["id"],
        "sighting--5a0f4682-8bf6-5435-a7b8-947253db8b20"
    );

    assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
    assert!(c.warnings[0].starts_with("Event.Attribute[1]: 1 sighting(s) not converted"));
    assert!(c.warnings[1].starts_with("Event.Attribute[2]: skipped: conflicting TLP tags"));
    assert!(of_type(&c, "domain-name").len() == 1);
}

#[test]
fn feed_folder() {
    let c = convert_feed(&fixtures().join("feed"), received()).unwrap();
    assert_valid(&c);
    let reports: Vec<&str> = of_type(&c, "report")
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        reports,
        [
            "report--6dcfdd61-eeaf-5c19-8d29-010018437b9b",
            "report--7456d473-5969-52e3-94a6-6f2a08aa9051"
        ]
    );
    // The feed form (`{"Event": …}`) converts like the bare event.
    let bare = event("phishing.json");
    assert_eq!(
        of_type(&c, "indicator").len(),
        of_type(&bare, "indicator").len() + 2
    );
    assert!(
        c.warnings
            .iter()
            .all(|w| w.starts_with("6dcfdd61-eeaf-5c19-8d29-010018437b9b.json: "))
    );
}

#[test]
fn feed_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let err = convert_feed(dir.path(), received()).unwrap_err();
    assert_eq!(err.code(), "misp_unreadable_file");
    assert!(err.file().unwrap().ends_with("manifest.json"));

    let uuid = "6dcfdd61-eeaf-5c19-8d29-010018437b9b";
    std::fs::write(
        dir.path().join("manifest.json"),
        format!(r#"{{"{uuid}": {{}}}}"#),
    )
    .unwrap();
    let err = convert_feed(dir.path(), received()).unwrap_err();
    assert_eq!(err.code(), "misp_unreadable_file");
    assert!(err.to_string().contains(&format!("{uuid}.json")), "{err}");

    std::fs::write(dir.path().join(format!("{uuid}.json")), "{\"Event\": [").unwrap();
    let err = convert_feed(dir.path(), received()).unwrap_err();
    assert_eq!(err.code(), "misp_not_json");
    assert!(err.file().unwrap().ends_with(format!("{uuid}.json")));

    std::fs::write(dir.path().join("manifest.json"), r#"{"../etc/passwd": {}}"#).unwrap();
    assert_eq!(
        convert_feed(dir.path(), received()).unwrap_err().code(),
        "misp_not_an_event"
    );
}

fn err(bytes: &[u8]) -> MispError {
    convert_event(bytes, received()).unwrap_err()
}

#[test]
fn broken_inputs_are_errors_naming_where() {
    match err(b"{\"Event\": {\n  \"info\": }") {
        MispError::NotJson { line, column, .. } => assert_eq!((line, column), (2, 11)),
        other => panic!("{other:?}"),
    }
    assert_eq!(err(b"{\"info\": \"\xff\"}").code(), "misp_not_json");
    assert_eq!(err(b"[]").code(), "misp_not_an_event");

    let base = json!({"uuid": "0b7e0b1e-4a53-4d5c-9d1a-2f4e5b6c7d8e", "info": "x",
                      "date": "2026-11-01", "Attribute": []});
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = base.clone();
        f(&mut v);
        err(v.to_string().as_bytes())
    };
    let attr = |i: usize| {
        json!({"uuid": format!("0b7e0b1e-4a53-4d5c-9d1a-2f4e5b6c7d{i:02}"),
                                 "type": "ip-dst", "value": "192.0.2.1"})
    };
    let e = with(&|v| {
        let mut list: Vec<Value> = (0..4).map(attr).collect();
        list[3].as_object_mut().unwrap().remove("value");
        v["Attribute"] = json!(list);
    });
    assert_eq!(e.code(), "misp_not_an_event");
    assert!(e.to_string().contains("`Event.Attribute[3].value`"), "{e}");
    let e = with(&|v| {
        v.as_object_mut().unwrap().remove("info");
    });
    assert!(e.to_string().contains("`Event.info`"), "{e}");
    let e = with(&|v| v["uuid"] = json!("not-a-uuid"));
    assert!(e.to_string().contains("`Event.uuid`"), "{e}");
    let e = with(&|v| {
        v["Attribute"] = json!([{"uuid": "0b7e0b1e-4a53-4d5c-9d1a-2f4e5b6c7d8e",
        "type": "ip-dst", "value": "192.0.2.1", "Sighting": [{"type": "7", "date_sighting": "1"}]}])
    });
    assert!(
        e.to_string()
            .contains("`Event.Attribute[0].Sighting[0].type`"),
        "{e}"
    );
    let e = with(&|v| v["Tag"] = json!([{"name": "tlp:red"}, {"name": "tlp:clear"}]));
    assert_eq!(e.code(), "misp_conflicting_markings");

    let huge = "a".repeat(100_000);
    let e = with(&|v| {
        v["Attribute"] = json!([{"uuid": "0b7e0b1e-4a53-4d5c-9d1a-2f4e5b6c7d8e",
        "type": "domain", "value": huge}])
    });
    assert_eq!(e.code(), "misp_too_large");
    assert!(e.to_string().contains("`Event.Attribute[0].value`"), "{e}");
    let e = with(&|v| v["timestamp"] = json!(i64::MAX));
    assert!(e.to_string().contains("`Event.timestamp`"), "{e}");
}

#[test]
fn minimal_event_with_awkward_values() {
    let v = json!({"Event": {"uuid": "0b7e0b1e-4a53-4d5c-9d1a-2f4e5b6c7d8e", "info": "x",
    "timestamp": 1793523600, "Tag": [{"name": "TLP:CLEAR"}, {"name": "pap:red"}],
    "Attribute": [
        {"uuid": "0b7e0b1e-4a53-4d5c-9d1a-2f4e5b6c7d01", "type": "url", "to_ids": "1",
         "value": "http://example.jp/a\\b'c"},
        {"uuid": "0b7e0b1e-4a53-4d5c-9d1a-2f4e5b6c7d02", "type": "ssdeep", "value": "3:a:b"},
        {"uuid": "0b7e0b1e-4a53-4d5c-9d1a-2f4e5b6c7d03", "type": "md5", "to_ids": true,
         "value": "D41D8CD98F00B204E9800998ECF8427E",
         "Tag": [{"name": "tlp:amber+strict"}]},
    ]}});
    let c = convert_event(v.to_string().as_bytes(), received()).unwrap();
    assert_valid(&c);
    let ind = of_type(&c, "indicator");
    assert_eq!(
        ind[0]["pattern"],
        r"[url:value = 'http://example.jp/a\\b\'c']"
    );
    assert_eq!(
        ind[0]["object_marking_refs"],
        markings(Tlp::Clear, Some(Pap::Red))
    );
    assert_eq!(
        ind[1]["pattern"],
        "[file:hashes.'MD5' = 'd41d8cd98f00b204e9800998ecf8427e']"
    );
    assert_eq!(
        ind[1]["object_marking_refs"],
        markings(Tlp::AmberStrict, Some(Pap::Red))
    );
    assert_eq!(
        c.warnings,
        ["Event.Attribute[1]: skipped: MISP type `ssdeep` is not converted"]
    );
}

/// pymisp writes no `date` or `timestamp` for an event no MISP server has stored yet: the time
/// of import stands in, and a warning says so.
#[test]
fn an_event_without_any_time_gets_the_import_time() {
    let bytes = br#"{"uuid":"63af8016-99d5-4ef4-a961-41f4155329d3","info":"fresh","Tag":[{"name":"tlp:amber"}],"Attribute":[{"uuid":"af8af17f-0257-4fc8-8a78-61d0d75248bb","type":"ip-dst","value":"203.0.113.77","category":"Network activity","to_ids":true}]}"#;
    let c = convert_event(bytes, received()).unwrap();
    assert!(
        c.warnings.iter().any(|w| w.contains("time of import")),
        "{:?}",
        c.warnings
    );
    let indicator = c
        .objects
        .iter()
        .find(|o| o["type"] == "indicator")
        .expect("an indicator");
    assert_eq!(indicator["valid_from"], "2026-11-22T00:00:00.000Z");
    assert_eq!(c.objects[0]["created"], "2026-11-22T00:00:00.000Z");
}
