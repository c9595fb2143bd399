//! Free text → STIX (issue 4 §1): the indicators a member pastes — a CSIRT report, an SMS, a
//! forum snippet, in Japanese or English, defanged or not — extracted by
//! `renkei-observables` and written as STIX objects the ingest pipeline then validates and
//! stores like any other submission (`docs/observables.md`).
//!
//! | found | becomes |
//! | --- | --- |
//! | IPv4/IPv6 addresses and networks, domains, URLs, e-mail addresses, file hashes | an `indicator` with a STIX pattern |
//! | CVE ids | a `vulnerability` with its `cve` reference |
//! | bank accounts (Japanese forms), crypto addresses | an `x-renkei-fraud-account` |
//! | the text itself | a `note` whose `object_refs` are all of the above |
//!
//! Ids are UUIDv5 of the kind and canonical value, so the same indicator pasted twice is two
//! versions of one object. Values on the exclusion lists (private ranges, popular domains)
//! are left out with a warning: they would only make noise.

use renkei_model::stix::Timestamp;
use renkei_model::stix::renkei_types::{FRAUD_ACCOUNT, RECORD_TYPES_EXTENSION_ID};
use renkei_observables::{ExtractError, Observable, ObservableType, extract};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::misp::Conversion;

/// Namespace of the ids of objects made from text.
const TEXT_NAMESPACE: Uuid = Uuid::from_u128(0x9b0d_51c4_6e2a_4f7d_8a13_2c5e_7f90_b1d4);

/// Why a text could not be converted at all.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error(transparent)]
    Extract(#[from] ExtractError),
    #[error("no indicator was found in the text")]
    Nothing,
}

impl TextError {
    /// A stable code for clients.
    pub fn code(&self) -> &'static str {
        match self {
            TextError::Extract(e) => e.code(),
            TextError::Nothing => "no_indicators",
        }
    }
}

/// Converts `text` (received at `received`, which dates the objects) into STIX objects: the
/// note first, then one object per indicator found.
pub fn convert_text(text: &str, received: Timestamp) -> Result<Conversion, TextError> {
    let now = received.to_stix();
    let mut objects = Vec::new();
    let mut warnings = Vec::new();
    for found in extract(text)? {
        let at = format!("text[{}..{}]", found.span.start, found.span.end);
        if let Some(reason) = &found.excluded {
            warnings.push(format!(
                "{at}: `{}` left out: excluded ({}: {})",
                found.display(),
                reason.category,
                reason.entry
            ));
            continue;
        }
        match object_for(&found.observable, &now) {
            Ok(o) => objects.push(o),
            Err(why) => warnings.push(format!("{at}: `{}` left out: {why}", found.display())),
        }
    }
    if objects.is_empty() {
        return Err(TextError::Nothing);
    }
    let refs: Vec<Value> = objects
        .iter()
        .filter_map(|o| o.get("id").cloned())
        .collect();
    let note = json!({
        "type": "note",
        "spec_version": "2.1",
        "id": format!("note--{}", Uuid::new_v5(&TEXT_NAMESPACE, format!("{now}\n{text}").as_bytes())),
        "created": now,
        "modified": now,
        "abstract": "Submitted text",
        "content": text,
        "object_refs": refs,
    });
    objects.insert(0, note);
    Ok(Conversion { objects, warnings })
}

fn id(ty: &str, found: &Observable) -> String {
    let name = format!("{}\n{}", found.kind(), found.value());
    format!("{ty}--{}", Uuid::new_v5(&TEXT_NAMESPACE, name.as_bytes()))
}

/// A STIX string literal: quotes and backslashes escaped.
pub(crate) fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The STIX object for one observable (see the module's table), dated `now`; why not, if
/// it has none.
pub(crate) fn object_for(found: &Observable, now: &str) -> Result<Value, String> {
    let pattern = |path: &str| format!("[{path} = {}]", literal(found.value()));
    let (pattern, name) = match found.kind() {
        ObservableType::Ipv4 => (pattern("ipv4-addr:value"), "IPv4 address"),
        ObservableType::Ipv6 => (pattern("ipv6-addr:value"), "IPv6 address"),
        ObservableType::Cidr if found.value().contains(':') => {
            (pattern("ipv6-addr:value"), "IPv6 network")
        }
        ObservableType::Cidr => (pattern("ipv4-addr:value"), "IPv4 network"),
        ObservableType::Domain => (pattern("domain-name:value"), "domain"),
        ObservableType::Url => (pattern("url:value"), "URL"),
        ObservableType::Email => (pattern("email-addr:value"), "e-mail address"),
        ObservableType::Md5 => (pattern("file:hashes.'MD5'"), "MD5"),
        ObservableType::Sha1 => (pattern("file:hashes.'SHA-1'"), "SHA-1"),
        ObservableType::Sha256 => (pattern("file:hashes.'SHA-256'"), "SHA-256"),
        ObservableType::Sha512 => (pattern("file:hashes.'SHA-512'"), "SHA-512"),
        ObservableType::Cve => {
            return Ok(json!({
                "type": "vulnerability",
                "spec_version": "2.1",
                "id": id("vulnerability", found),
                "created": now,
                "modified": now,
                "name": found.value(),
                "external_references": [{ "source_name": "cve", "external_id": found.value() }],
            }));
        }
        ObservableType::BankAccount => return bank_account(found, now),
        ObservableType::CryptoAddress(chain) => {
            return Ok(fraud_account(
                found,
                now,
                [
                    ("account_type", json!("crypto")),
                    ("chain", json!(chain.to_string())),
                    ("address", json!(found.value())),
                ],
            ));
        }
    };
    Ok(json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id("indicator", found),
        "created": now,
        "modified": now,
        "name": format!("{name} {}", found.display()),
        "indicator_types": ["malicious-activity"],
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": now,
    }))
}

fn fraud_account<const N: usize>(
    found: &Observable,
    now: &str,
    fields: [(&str, Value); N],
) -> Value {
    let mut o = Map::new();
    o.insert("type".into(), FRAUD_ACCOUNT.into());
    o.insert("spec_version".into(), "2.1".into());
    o.insert("id".into(), id(FRAUD_ACCOUNT, found).into());
    o.insert("created".into(), now.into());
    o.insert("modified".into(), now.into());
    o.insert(
        "extensions".into(),
        json!({ RECORD_TYPES_EXTENSION_ID: { "extension_type": "new-sdo" } }),
    );
    for (k, v) in fields {
        o.insert(k.into(), v);
    }
    o.insert("description".into(), found.display().into());
    o.insert("category".into(), "individual".into());
    Value::Object(o)
}

/// `bank/branch/kind/number` (names or codes) as a fraud account; ゆうちょ 記号・番号 accounts
/// do not fit the 7-digit account field and are left to the note.
fn bank_account(found: &Observable, now: &str) -> Result<Value, String> {
    let parts: Vec<&str> = found.value().split('/').collect();
    let [bank, branch, kind, number] = parts[..] else {
        return Err("ゆうちょ 記号・番号 accounts are kept in the note only".into());
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(number, 7) {
        return Err("not a 7-digit account number".into());
    }
    // The display keeps the bank's name where the value has only its code.
    let bank_name = found
        .display()
        .split(['(', ' '])
        .next()
        .unwrap_or(bank)
        .to_owned();
    let mut fields = vec![("account_type", json!("bank"))];
    if digits(bank, 4) {
        fields.push(("institution_code", json!(bank)));
        fields.push(("institution_name", json!(bank_name)));
    } else {
        fields.push(("institution_name", json!(bank)));
    }
    if digits(branch, 3) {
        fields.push(("branch_code", json!(branch)));
    } else {
        fields.push(("branch_name", json!(branch)));
    }
    let kind = match kind {
        "futsu" => Some("ordinary"),
        "toza" => Some("current"),
        "chochiku" => Some("savings"),
        _ => None,
    };
    if let Some(k) = kind {
        fields.push(("account_kind", json!(k)));
    }
    fields.push(("account_number", json!(number)));
    let mut o = fraud_account(found, now, []);
    if let Some(map) = o.as_object_mut() {
        for (k, v) in fields {
            map.insert(k.into(), v);
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use renkei_model::stix::StixObject;

    use super::*;

    fn received() -> Timestamp {
        Timestamp::parse("2026-11-22T00:00:00Z").expect("timestamp")
    }

    #[test]
    fn a_japanese_report_becomes_valid_stix() {
        let text = "【注意喚起】宅配業者を装うSMS。誘導先 hxxps://sagawa-delivery[.]top/track 、\
                    送金先 三菱UFJ銀行 渋谷支店 普通 1234567、BTC bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq。\
                    C2 は 45.76.18.201 と evil-c2[.]xyz、検体 SHA-256 \
                    e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 以外に \
                    9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08。CVE-2021-44228 を悪用。\
                    社内の 192.168.1.10 と google.com は無関係。";
        let c = convert_text(text, received()).expect("converted");
        for o in &c.objects {
            StixObject::parse(&o.to_string()).unwrap_or_else(|e| panic!("{o}: {e}"));
        }
        let types: Vec<&str> = c
            .objects
            .iter()
            .filter_map(|o| o["type"].as_str())
            .collect();
        assert_eq!(types[0], "note");
        let patterns: Vec<&str> = c
            .objects
            .iter()
            .filter_map(|o| o["pattern"].as_str())
            .collect();
        assert!(
            patterns.contains(&"[url:value = 'https://sagawa-delivery.top/track']"),
            "{patterns:?}"
        );
        assert!(patterns.contains(&"[ipv4-addr:value = '45.76.18.201']"));
        assert!(patterns.contains(&"[domain-name:value = 'evil-c2.xyz']"));
        assert!(patterns.contains(&"[file:hashes.'SHA-256' = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08']"));
        assert!(types.contains(&"vulnerability"));
        let accounts: Vec<&Value> = c
            .objects
            .iter()
            .filter(|o| o["type"] == FRAUD_ACCOUNT)
            .collect();
        assert_eq!(accounts.len(), 2, "{accounts:?}");
        assert!(
            accounts
                .iter()
                .any(|a| a["account_number"] == "1234567" && a["account_kind"] == "ordinary")
        );
        assert!(accounts.iter().any(|a| a["chain"] == "btc"));
        // Private addresses, popular domains and the empty file's hash are left out, saying so.
        for noise in ["192.168.1.10", "google.com", "e3b0c442"] {
            assert!(!patterns.iter().any(|p| p.contains(noise)), "{noise}");
            assert!(
                c.warnings.iter().any(|w| w.contains(noise)),
                "{noise}: {:?}",
                c.warnings
            );
        }
        // The same text again gives the same indicator ids.
        let again = convert_text(text, received()).expect("converted");
        assert_eq!(c.objects[1]["id"], again.objects[1]["id"]);
    }

    #[test]
    fn text_without_indicators_is_an_error() {
        let e = convert_text("今日は良い天気です。", received()).unwrap_err();
        assert_eq!(e.code(), "no_indicators");
    }

    #[test]
    fn quotes_in_values_are_escaped() {
        assert_eq!(literal(r"a'b\c"), r"'a\'b\\c'");
    }
}
