//! Which normalised observables a STIX object carries, for the correlation index: exact
//! values of indicator patterns, cyber-observable objects, CVE ids of vulnerabilities, the
//! accounts of `x-renkei-fraud-account`, and indicators in the free text of notes, reports
//! and the Renkei record types. Values on the shipped exclusion lists are left out: they are
//! never indexed. Values that do not normalise are someone's data, not an error here: they
//! are skipped.

use std::collections::HashSet;

use renkei_observables::{Exclusions, Extractor, Observable, ObservableType, normalise};

use super::Fields;

/// At most this many observables are taken from one object (the rest are ignored).
pub const MAX_OBSERVABLES_PER_OBJECT: usize = 1000;

/// At most this much free text per object is scanned for indicators.
const MAX_TEXT: usize = 1 << 20;

/// Text properties scanned for indicators, per type.
fn text_properties(object_type: &str) -> &'static [&'static str] {
    match object_type {
        "note" => &["abstract", "content"],
        "opinion" => &["explanation"],
        "report" | "indicator" | "malware" | "threat-actor" | "campaign" | "intrusion-set"
        | "infrastructure" | "attack-pattern" | "tool" | "course-of-action" | "grouping" => {
            &["description"]
        }
        "x-renkei-forum-post" => &["thread_title", "content", "description"],
        "x-renkei-malware-report" | "x-renkei-incident-report" => {
            &["summary", "description", "behaviour", "details"]
        }
        _ => &[],
    }
}

/// Collects distinct, non-excluded observables up to the cap.
struct Found {
    seen: HashSet<(ObservableType, String)>,
    out: Vec<Observable>,
    exclusions: &'static Exclusions,
}

impl Found {
    fn add(&mut self, o: Observable) {
        if self.out.len() >= MAX_OBSERVABLES_PER_OBJECT || self.exclusions.is_excluded(&o).is_some()
        {
            return;
        }
        if self.seen.insert((o.kind(), o.value().to_owned())) {
            self.out.push(o);
        }
    }

    fn try_add(&mut self, kind: ObservableType, raw: &str) -> bool {
        match normalise(kind, raw) {
            Ok(o) => {
                self.add(o);
                true
            }
            Err(_) => false,
        }
    }

    /// An IP address or network, whichever it is.
    fn address(&mut self, raw: &str, v6: bool) {
        let kind = match (raw.contains('/'), v6) {
            (true, _) => ObservableType::Cidr,
            (false, false) => ObservableType::Ipv4,
            (false, true) => ObservableType::Ipv6,
        };
        if !self.try_add(kind, raw) && kind == ObservableType::Cidr {
            // `1.2.3.4/32` may be read as the address.
            let host = raw.split('/').next().unwrap_or_default();
            self.try_add(
                if v6 {
                    ObservableType::Ipv6
                } else {
                    ObservableType::Ipv4
                },
                host,
            );
        }
    }

    fn hash(&mut self, algorithm: &str, raw: &str) {
        let kind = match algorithm
            .trim_matches('\'')
            .to_ascii_uppercase()
            .replace('-', "")
            .as_str()
        {
            "MD5" => ObservableType::Md5,
            "SHA1" => ObservableType::Sha1,
            "SHA256" => ObservableType::Sha256,
            "SHA512" => ObservableType::Sha512,
            _ => return,
        };
        self.try_add(kind, raw);
    }
}

/// The normalised observables an object carries, deduplicated, in first-occurrence order,
/// with those on the shipped exclusion lists (`Exclusions::shipped()`) left out: they are
/// never indexed. `json` is the object's JSON text (nothing is found if it is not an object).
pub fn observables_of(json: &str) -> Vec<Observable> {
    Fields::parse(json)
        .map(|object| observables_in(&object))
        .unwrap_or_default()
}

/// [`observables_of`] for an object already split into its properties.
pub(crate) fn observables_in(object: &Fields<'_>) -> Vec<Observable> {
    let mut found = Found {
        seen: HashSet::new(),
        out: Vec::new(),
        exclusions: Exclusions::shipped(),
    };
    let object_type = object.text("type").unwrap_or_default();
    match object_type.as_ref() {
        "indicator" => {
            if matches!(object.text("pattern_type").as_deref(), None | Some("stix"))
                && let Some(p) = object.text("pattern")
            {
                for (path, value) in exact_values(&p) {
                    path_value(&mut found, &path, &value);
                }
            }
        }
        "ipv4-addr" | "ipv6-addr" => {
            if let Some(v) = object.text("value") {
                found.address(&v, object_type == "ipv6-addr");
            }
        }
        "domain-name" => {
            object
                .text("value")
                .map(|v| found.try_add(ObservableType::Domain, &v));
        }
        "url" => {
            object
                .text("value")
                .map(|v| found.try_add(ObservableType::Url, &v));
        }
        "email-addr" => {
            object
                .text("value")
                .map(|v| found.try_add(ObservableType::Email, &v));
        }
        "file" | "artifact" => {
            if let Some(hashes) = object.object("hashes") {
                for (algorithm, v) in hashes.texts() {
                    found.hash(algorithm, &v);
                }
            }
        }
        "vulnerability" => {
            if let Some(name) = object.text("name") {
                found.try_add(ObservableType::Cve, &name);
            }
            for r in object.list("external_references") {
                let Some(r) = Fields::parse(r.get()) else {
                    continue;
                };
                if r.text("source_name").as_deref() == Some("cve")
                    && let Some(id) = r.text("external_id")
                {
                    found.try_add(ObservableType::Cve, &id);
                }
            }
        }
        "x-renkei-fraud-account" => fraud_account(&mut found, object),
        _ => {}
    }
    free_text(&mut found, object, text_properties(&object_type));
    found.out
}

/// A token of a STIX pattern, as far as finding exact values needs.
#[derive(Debug, PartialEq)]
enum Token {
    /// An object path (`file:hashes.'SHA-256'`) or a keyword (`AND`, `NOT`, `IN`…).
    Word(String),
    Str(String),
    Eq,
    Open,
    Close,
    Comma,
    /// Anything else: other operators, brackets, numbers, typed literals.
    Other,
}

/// Tokens of a pattern (already validated by the model; this only has to be right for valid
/// patterns and harmless for others).
fn tokens(p: &str) -> Vec<Token> {
    let b = p.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // A quoted literal starting at `i` (on the quote): its unescaped text and the index after.
    let literal = |mut i: usize| -> (String, usize) {
        let mut s = Vec::new();
        i += 1;
        while i < b.len() {
            match b[i] {
                b'\\' if i + 1 < b.len() => {
                    s.push(b[i + 1]);
                    i += 2;
                }
                b'\'' => return (String::from_utf8_lossy(&s).into_owned(), i + 1),
                c => {
                    s.push(c);
                    i += 1;
                }
            }
        }
        (String::from_utf8_lossy(&s).into_owned(), i)
    };
    let is_word =
        |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b':' | b'.' | b'*');
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'\'' => {
                let (s, next) = literal(i);
                out.push(Token::Str(s));
                i = next;
            }
            b'=' => {
                out.push(Token::Eq);
                i += 1;
            }
            b'(' => {
                out.push(Token::Open);
                i += 1;
            }
            b')' => {
                out.push(Token::Close);
                i += 1;
            }
            b',' => {
                out.push(Token::Comma);
                i += 1;
            }
            b'!' | b'<' | b'>' => {
                // `!=`, `<=`, `>=`, `<`, `>`: never an exact value.
                i += if b.get(i + 1) == Some(&b'=') { 2 } else { 1 };
                out.push(Token::Other);
            }
            c if is_word(c) => {
                // Typed literals: t'…', h'…', b'…'.
                if matches!(c, b't' | b'h' | b'b') && b.get(i + 1) == Some(&b'\'') {
                    let (_, next) = literal(i + 1);
                    out.push(Token::Other);
                    i = next;
                    continue;
                }
                let start = i;
                while i < b.len() {
                    if is_word(b[i]) {
                        i += 1;
                    } else if b[i] == b'\'' && b[i - 1] == b'.' {
                        // A quoted dictionary key: `hashes.'SHA-256'`.
                        i = literal(i).1;
                    } else if b[i] == b'[' && p[start..i].contains(':') {
                        // A list index in a path: `values[0]`, `to_refs[*]`.
                        while i < b.len() && b[i] != b']' {
                            i += 1;
                        }
                        i += 1;
                    } else {
                        break;
                    }
                }
                out.push(Token::Word(p[start..i.min(b.len())].to_owned()));
            }
            _ => {
                out.push(Token::Other);
                i += 1;
            }
        }
    }
    out
}

/// The exact values of a pattern: `path = 'v'` and `path IN ('v', …)` comparisons that are
/// not negated, as (path, value).
fn exact_values(p: &str) -> Vec<(String, String)> {
    let t = tokens(p);
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        let Token::Word(path) = &t[i] else {
            i += 1;
            continue;
        };
        if !path.contains(':') {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        if t.get(j) == Some(&Token::Word("NOT".into())) {
            i = j + 1;
            continue;
        }
        match t.get(j) {
            Some(Token::Eq) => {
                if let Some(Token::Str(v)) = t.get(j + 1) {
                    out.push((path.clone(), v.clone()));
                }
                i = j + 2;
            }
            Some(Token::Word(w)) if w == "IN" && t.get(j + 1) == Some(&Token::Open) => {
                j += 2;
                while let Some(Token::Str(v)) = t.get(j) {
                    out.push((path.clone(), v.clone()));
                    j += 1;
                    if t.get(j) == Some(&Token::Comma) {
                        j += 1;
                    }
                }
                i = j;
            }
            _ => i = j,
        }
    }
    out
}

/// One exact value at an object path (`type:prop.prop…`).
fn path_value(found: &mut Found, path: &str, v: &str) {
    let Some((root, rest)) = path.split_once(':') else {
        return;
    };
    // Steps without list indices; `_ref`s stay as properties.
    let steps: Vec<&str> = rest
        .split('.')
        .map(|s| s.split('[').next().unwrap_or_default().trim_matches('\''))
        .collect();
    let last = steps.last().copied().unwrap_or_default();
    match (root, steps.as_slice()) {
        ("ipv4-addr", ["value"]) => found.address(v, false),
        ("ipv6-addr", ["value"]) => found.address(v, true),
        ("domain-name", ["value"]) => {
            found.try_add(ObservableType::Domain, v);
        }
        ("url", ["value"]) => {
            found.try_add(ObservableType::Url, v);
        }
        ("email-addr", ["value"]) => {
            found.try_add(ObservableType::Email, v);
        }
        ("email-message", [_, "value"]) => {
            found.try_add(ObservableType::Email, v);
        }
        ("file" | "artifact", ["hashes", algorithm]) => found.hash(algorithm, v),
        // `network-traffic:dst_ref.value`, and `domain-name:resolves_to_refs[*].value` (what
        // the MISP converter writes for `domain|ip`).
        ("network-traffic", [_, "value"]) | ("domain-name", ["resolves_to_refs", "value"]) => {
            let _ = found.try_add(ObservableType::Ipv4, v)
                || found.try_add(ObservableType::Ipv6, v)
                || found.try_add(ObservableType::Cidr, v)
                || found.try_add(ObservableType::Domain, v);
        }
        ("x-renkei-fraud-account", _) if last == "address" => {
            crypto(found, v);
        }
        _ => {}
    }
}

/// A crypto address on whichever supported chain it is valid for.
fn crypto(found: &mut Found, v: &str) {
    for kind in ObservableType::ALL {
        if matches!(kind, ObservableType::CryptoAddress(_)) && found.try_add(kind, v) {
            return;
        }
    }
}

/// The bank account or crypto address of a fraud account.
fn fraud_account(found: &mut Found, object: &Fields<'_>) {
    let text = |key: &str| object.text(key);
    match text("account_type").as_deref() {
        Some("crypto") => {
            if let Some(address) = text("address") {
                crypto(found, &address);
            }
        }
        Some("bank") => {
            let kind = match text("account_kind").as_deref() {
                Some("ordinary") => "futsu",
                Some("current") => "toza",
                Some("savings") => "chochiku",
                _ => "futsu",
            };
            let (Some(number), Some(bank)) = (
                text("account_number"),
                text("institution_code").or(text("institution_name")),
            ) else {
                return;
            };
            let Some(branch) = text("branch_code").or(text("branch_name")) else {
                return;
            };
            found.try_add(
                ObservableType::BankAccount,
                &format!("{bank}/{branch}/{kind}/{number}"),
            );
        }
        _ => {}
    }
}

/// Indicators in the free-text properties.
fn free_text(found: &mut Found, object: &Fields<'_>, properties: &[&str]) {
    let extractor = Extractor::new(found.exclusions);
    let mut budget = MAX_TEXT;
    for p in properties {
        let Some(text) = object.text(p) else {
            continue;
        };
        if text.len() > budget {
            break;
        }
        budget -= text.len();
        if let Ok(items) = extractor.extract(&text) {
            for e in items {
                if let Ok(o) = normalise(e.kind(), e.value()) {
                    found.add(o);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn values(object: Value) -> Vec<(String, String)> {
        observables_of(&object.to_string())
            .iter()
            .map(|o| (o.kind().name().to_owned(), o.value().to_owned()))
            .collect()
    }

    fn pair(kind: &str, value: &str) -> (String, String) {
        (kind.to_owned(), value.to_owned())
    }

    fn indicator(pattern: &str) -> Value {
        json!({ "type": "indicator", "pattern": pattern, "pattern_type": "stix" })
    }

    /// Properties are read from JSON as submitted: escapes in names and values, whitespace.
    #[test]
    fn json_as_written() {
        let of = |json: &str| -> Vec<(String, String)> {
            observables_of(json)
                .iter()
                .map(|o| (o.kind().name().to_owned(), o.value().to_owned()))
                .collect()
        };
        assert_eq!(
            of(r#"{ "typ\u0065" : "domain-name", "value" : "ev\u0069l-SHOP.jp" }"#),
            [pair("domain", "evil-shop.jp")]
        );
        assert_eq!(
            of(
                r#"{"type":"file","hashes":{"SHA-256":"AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F","x":1}}"#
            ),
            [pair(
                "sha256",
                "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"
            )]
        );
        assert!(of("[1]").is_empty());
        assert!(of("{").is_empty());
    }

    #[test]
    fn exact_values_of_patterns() {
        assert_eq!(
            values(indicator(
                "[ipv4-addr:value = '45.77.1.2'] OR [domain-name:value = 'Evil.EXAMPLE-shop.jp'] \
                 OR [url:value = 'HTTP://phish.evil-shop.jp:80/a/../login'] \
                 OR [file:hashes.'SHA-256' = 'AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F'] \
                 OR [file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E'] \
                 OR [email-addr:value = 'taro@evil-shop.jp']"
            )),
            [
                pair("ipv4", "45.77.1.2"),
                pair("domain", "evil.example-shop.jp"),
                pair("url", "http://phish.evil-shop.jp/login"),
                pair(
                    "sha256",
                    "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"
                ),
                pair("email", "taro@evil-shop.jp"),
            ],
            "the MD5 of empty content is excluded"
        );
        assert_eq!(
            values(indicator(
                "[ipv4-addr:value IN ('45.77.1.2', '45.77.1.3')] AND [ipv6-addr:value = '2400:CB00::1/128']"
            )),
            [
                pair("ipv4", "45.77.1.2"),
                pair("ipv4", "45.77.1.3"),
                pair("cidr", "2400:cb00::1/128")
            ]
            .into_iter()
            .filter(|p| p.0 != "cidr")
            .chain(values(indicator("[ipv6-addr:value = '2400:CB00::1/128']")))
            .collect::<Vec<_>>()
        );
        assert_eq!(
            values(indicator(
                "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '45.77.9.9'] REPEATS 5 TIMES WITHIN 180 SECONDS"
            )),
            [pair("ipv4", "45.77.9.9")]
        );
        assert_eq!(
            values(indicator(
                "[domain-name:value = 'evil-shop.jp' AND domain-name:resolves_to_refs[*].value = '45.77.9.10']"
            )),
            [pair("domain", "evil-shop.jp"), pair("ipv4", "45.77.9.10")],
            "MISP domain|ip"
        );
        assert_eq!(
            values(indicator(
                "[email-message:from_ref.value = 'boss@evil-shop.jp' AND email-message:to_refs[*].value = 'x@victim-corp.jp']"
            )),
            [
                pair("email", "boss@evil-shop.jp"),
                pair("email", "x@victim-corp.jp")
            ]
        );
    }

    #[test]
    fn inexact_and_negated_comparisons_are_not_values() {
        for p in [
            "[domain-name:value != 'evil-shop.jp']",
            "[domain-name:value NOT = 'evil-shop.jp']",
            "[domain-name:value LIKE '%.evil-shop.jp']",
            "[domain-name:value MATCHES '^evil']",
            "[ipv4-addr:value ISSUBSET '45.77.0.0/16']",
            "[file:size > 10 AND file:name = 'evil.exe']",
            "[x-unknown:value = 'evil-shop.jp']",
        ] {
            assert!(values(indicator(p)).is_empty(), "{p}");
        }
        // Escaped quotes inside literals do not confuse the scanner.
        assert_eq!(
            values(indicator(
                r"[file:name = 'it\'s = 1' AND domain-name:value = 'evil-shop.jp']"
            )),
            [pair("domain", "evil-shop.jp")]
        );
    }

    #[test]
    fn cyber_observables_vulnerabilities_and_accounts() {
        assert_eq!(
            values(json!({ "type": "ipv4-addr", "value": "45.77.1.0/24" })),
            [pair("cidr", "45.77.1.0/24")]
        );
        assert_eq!(
            values(json!({ "type": "domain-name", "value": "例え.テスト" })),
            [pair("domain", "xn--r8jz45g.xn--zckzah")]
        );
        assert_eq!(
            values(
                json!({ "type": "file", "hashes": { "SHA-1": "A94A8FE5CCB19BA61C4C0873D391E987982FBBD3" } })
            ),
            [pair("sha1", "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3")]
        );
        assert_eq!(
            values(json!({ "type": "vulnerability", "name": "cve-2021-44228",
                "external_references": [{ "source_name": "cve", "external_id": "CVE-2023-4863" }] })),
            [pair("cve", "CVE-2021-44228"), pair("cve", "CVE-2023-4863")]
        );
        assert_eq!(
            values(
                json!({ "type": "x-renkei-fraud-account", "account_type": "bank",
                "institution_code": "0009", "branch_code": "123", "account_kind": "ordinary",
                "account_number": "1234567" })
            ),
            [pair("bank_account", "0009/123/futsu/1234567")]
        );
        assert_eq!(
            values(
                json!({ "type": "x-renkei-fraud-account", "account_type": "crypto",
                "chain": "btc", "address": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq" })
            ),
            [pair(
                "crypto_address:btc",
                "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
            )]
        );
    }

    #[test]
    fn free_text_in_japanese_is_refanged_and_folded() {
        let found = values(json!({
            "type": "note",
            "content": "不審なURL hxxp://evil[.]shop-renkei[.]jp/login を確認。接続先は ４５．７７．１．２ と 10.0.0.1。",
        }));
        assert_eq!(
            found,
            [
                pair("url", "http://evil.shop-renkei.jp/login"),
                pair("ipv4", "45.77.1.2")
            ],
            "private ranges are never indexed"
        );
    }

    #[test]
    fn exclusions_duplicates_and_the_cap() {
        assert!(values(indicator("[ipv4-addr:value = '10.0.0.1']")).is_empty());
        assert!(values(indicator("[domain-name:value = 'google.com']")).is_empty());
        assert_eq!(
            values(indicator(
                "[domain-name:value = 'evil-shop.jp'] OR [domain-name:value = 'EVIL-SHOP.JP']"
            ))
            .len(),
            1
        );
        let many: Vec<String> = (0..1500)
            .map(|i| format!("[ipv4-addr:value = '45.{}.{}.1']", i / 256, i % 256))
            .collect();
        assert_eq!(
            observables_of(&indicator(&many.join(" OR ")).to_string()).len(),
            MAX_OBSERVABLES_PER_OBJECT
        );
    }

    #[test]
    fn odd_shapes_never_panic() {
        for v in [
            json!(null),
            json!([1, 2]),
            json!({ "type": "indicator", "pattern": 5 }),
            json!({ "type": "indicator", "pattern": "[[[[" }),
            json!({ "type": "indicator", "pattern": "[a:b = 'unterminated" }),
            json!({ "type": "indicator", "pattern": "[a:b[ = '" }),
            json!({ "type": "file", "hashes": "nope" }),
            json!({ "type": "file", "hashes": { "MD5": 7 } }),
            json!({ "type": "vulnerability", "external_references": "x" }),
            json!({ "type": "x-renkei-fraud-account", "account_type": "bank" }),
            json!({ "type": "note", "content": ["a"] }),
        ] {
            let _ = observables_of(&v.to_string());
        }
    }

    #[test]
    fn what_renkei_generates_round_trips() {
        for (kind, raw) in [
            (ObservableType::Ipv4, "45.77.1.2"),
            (ObservableType::Ipv6, "2400:cb00::1"),
            (ObservableType::Domain, "evil-shop.jp"),
            (ObservableType::Url, "https://evil-shop.jp/login"),
            (ObservableType::Email, "taro@evil-shop.jp"),
            (
                ObservableType::Sha256,
                "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f",
            ),
            (ObservableType::Cve, "CVE-2021-44228"),
            (ObservableType::BankAccount, "0009/123/futsu/1234567"),
            (ObservableType::Md5, "5d41402abc4b2a76b9719d911017c592"),
        ] {
            let o = normalise(kind, raw).expect("valid");
            let object =
                crate::text::object_for(&o, "2026-11-22T00:00:00.000Z").expect("an object");
            assert!(
                observables_of(&object.to_string()).contains(&o),
                "{kind}: {object}"
            );
        }
    }
}
