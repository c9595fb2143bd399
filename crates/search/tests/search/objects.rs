use renkei_model::stix::renkei_handling::RENKEI_HANDLING_EXTENSION_ID;
use renkei_search::{json_document, object_tokens, query_tokens, text_of, text_of_json, tokens};
use serde_json::{Value, json};

fn has_all(object: &Value, query: &str) -> bool {
    let doc = object_tokens(object);
    let q = query_tokens(query);
    !q.is_empty() && q.iter().all(|t| doc.contains(t))
}

fn indicator() -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2026-11-01T00:00:00.000Z",
        "modified": "2026-11-01T00:00:00.000Z",
        "created_by_ref": "identity--6a8c4c3e-5d2f-4f1a-9b7e-2c1d0e3f4a5b",
        "name": "Phishing C2 server",
        "description": "ネットバンキングの不正送金に使われたサーバー",
        "indicator_types": ["malicious-activity"],
        "pattern": "[ipv4-addr:value = '198.51.100.1']",
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": "2026-11-01T00:00:00Z",
        "kill_chain_phases": [{"kill_chain_name": "lockheed-martin-cyber-kill-chain", "phase_name": "command-and-control"}],
        "object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],
        "external_references": [{
            "source_name": "JPCERT/CC",
            "external_id": "JPCERT-AT-2026-0042",
            "url": "https://www.jpcert.or.jp/at/2026/at260042.html",
            "description": "注意喚起",
            "hashes": {"SHA-256": "6db65fd59fd356f6729140571b5bcd6bb3b83492a16e1bf0a3884442fc3c8a0e"}
        }]
    })
}

#[test]
fn indicator_text() {
    let o = indicator();
    let text = text_of(&o);
    assert!(
        text.starts_with("Phishing C2 server ネットバンキングの不正送金"),
        "{text}"
    );
    assert!(
        text.contains("[ipv4-addr:value = '198.51.100.1']"),
        "{text}"
    );
    for q in [
        "phishing",
        "不正送金",
        "198.51.100.1",
        "ipv4-addr",
        "command and control",
        "JPCERT",
        "注意喚起",
        "JPCERT-AT-2026-0042",
        "jpcert.or.jp",
    ] {
        assert!(has_all(&o, q), "{q}");
    }
    let t = object_tokens(&o);
    for absent in [
        "indicator",
        "8e2e2d2b",
        "98ee46b3cd3f",
        "identity",
        "6a8c4c3e",
        "stix",
        "f88d31f6",
        "marking",
        "6db65fd59fd356f6729140571b5bcd6bb3b83492a16e1bf0a3884442fc3c8a0e",
    ] {
        assert!(!t.iter().any(|x| x == absent), "{absent} in {t:?}");
    }
    // Timestamps give no tokens.
    assert!(!t.iter().any(|x| x == "00z" || x == "01t00"), "{t:?}");
}

#[test]
fn forum_post_in_japanese() {
    let o = json!({
        "type": "x-renkei-forum-post",
        "spec_version": "2.1",
        "id": "x-renkei-forum-post--0b3b8e5e-8c8d-4c55-9a36-62e1f5c1f0a7",
        "created": "2026-11-02T03:04:05.000Z",
        "modified": "2026-11-02T03:04:05.000Z",
        "site": "XSS",
        "site_url": "http://xss.example.onion/",
        "thread_title": "日本の銀行口座売ります",
        "posted": "2026-11-02T03:04:05Z",
        "author_name": "kuro_neko",
        "content": "ネットバンキングのログイン情報を販売。特殊詐欺グループ向け。",
        "language": "ja",
        "category": "individual",
        "lang": "en",
        "extensions": {
            "extension-definition--11111111-2222-4333-8444-555555555555": {
                "extension_type": "property-extension",
                "forum_rank": "vendor"
            }
        }
    });
    for q in [
        "詐欺",
        "特殊詐欺",
        "銀行口座",
        "kuro",
        "neko",
        "xss",
        "ネットバンキング",
        "vendor",
    ] {
        assert!(has_all(&o, q), "{q}");
    }
    let t = object_tokens(&o);
    assert!(
        !t.iter()
            .any(|x| x == "en" || x == "0b3b8e5e" || x == "property" || x == "2026"),
        "{t:?}"
    );
    assert!(t.iter().any(|x| x == "ja"));
}

#[test]
fn malware_report() {
    let o = json!({
        "type": "x-renkei-malware-report",
        "spec_version": "2.1",
        "id": "x-renkei-malware-report--3f9b0b1c-6d0e-4f7e-8d43-0d1d8c3f1e2a",
        "created": "2026-11-01T00:00:00.000Z",
        "modified": "2026-11-01T00:00:00.000Z",
        "name": "Emotet 再流行",
        "category": "technical",
        "first_seen": "2026-10-01T00:00:00Z",
        "last_seen": "2026-11-01T00:00:00Z",
        "infection_vectors": ["email-attachment"],
        "victim_sectors": ["finance"],
        "victim_industries": ["銀行", "証券"],
        "behaviour": "マクロ付き文書から感染し、認証情報を窃取する",
        "sample_refs": ["file--5e9e0ad2-7a2b-5d1c-9a0f-6f7c2d1b4e3a"],
        "hashes": {"MD5": "d41d8cd98f00b204e9800998ecf8427e"}
    });
    for q in [
        "emotet",
        "再流行",
        "email attachment",
        "銀行",
        "証券",
        "マクロ",
        "感染",
        "窃取",
        "d41d8cd98f00b204e9800998ecf8427e",
        "finance",
    ] {
        assert!(has_all(&o, q), "{q}");
    }
    let t = object_tokens(&o);
    assert!(!t.iter().any(|x| x == "5e9e0ad2" || x == "file"), "{t:?}");
}

#[test]
fn fraud_account_digits_are_searchable() {
    let o = json!({
        "type": "x-renkei-fraud-account",
        "id": "x-renkei-fraud-account--9d7a3c1e-2b4f-4e6a-8c0d-1f2e3d4c5b6a",
        "account_type": "bank",
        "institution_name": "さくら銀行",
        "institution_code": "0001",
        "branch_name": "渋谷支店",
        "branch_code": "123",
        "account_number": "1234567",
        "crypto_address": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
    });
    for q in [
        "さくら銀行",
        "渋谷",
        "1234567",
        "0001",
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    ] {
        assert!(has_all(&o, q), "{q}");
    }
}

#[test]
fn skipped_properties_at_any_depth() {
    let o = json!({
        "type": "marking-definition",
        "id": "marking-definition--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
        "name": "Renkei handling",
        "granular_markings": [{"marking_ref": "marking-definition--bbbb", "selectors": ["description"]}],
        "nested": {"type": "zzz", "id": "yyy", "sighting_of_ref": "xxx", "where_sighted_refs": ["www"], "kept": "vvv"},
        "extensions": {
            RENKEI_HANDLING_EXTENSION_ID: {
                "extension_type": "property-extension",
                "audience": ["sector:finance", "law_enforcement"],
                "uses": ["investigation"],
                "attribution": "sector_only"
            }
        }
    });
    assert_eq!(text_of(&o), "Renkei handling vvv");
}

#[test]
fn numbers_and_booleans_are_not_text() {
    let o = json!({"name": "x", "confidence": 85, "revoked": true, "z": null});
    assert_eq!(text_of(&o), "x");
    assert_eq!(text_of(&json!("just a string")), "just a string");
    assert_eq!(text_of(&json!(null)), "");
}

#[test]
fn object_tokens_is_tokens_of_text() {
    let o = indicator();
    assert_eq!(object_tokens(&o), tokens(&text_of(&o)));
}

/// The text is read from JSON as submitted: whitespace, escapes in values and in property
/// names (`"\u0069d"` is `id`), and any nesting read the same as the compact form.
#[test]
fn text_of_json_reads_json_as_written() {
    let pretty = serde_json::to_string_pretty(&indicator()).unwrap();
    assert_eq!(text_of_json(&pretty), text_of(&indicator()));
    let escaped = r#"{ "\u0069d" : "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "name" : "caf\u00e9 \"C2\"\n", "x_refs": ["a"], "object_marking_ref\u0073": ["m"],
        "labels": [ ["deep", {"k": "v"}], 1.5e3, false ] }"#;
    assert_eq!(text_of_json(escaped), "café \"C2\" deep v");
    assert_eq!(json_document(escaped), "café c2 deep v");
    // Broken JSON yields what was read before the break.
    assert_eq!(text_of_json(r#"{"name": "kept", "description": "#), "kept");
    assert_eq!(text_of_json("not json"), "");
}
