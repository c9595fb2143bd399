//! STIX patterning (STIX 2.1 §9): indicators with `pattern_type: stix` must carry a pattern
//! that parses and type-checks. The grammar lives in `rstix` (pinned); see
//! `docs/decisions/stix-parsing.md` for why we use it for patterns only.

/// Checks a STIX pattern; the error says where it breaks.
pub fn check(pattern: &str) -> Result<(), String> {
    rstix::pattern::Pattern::parse(pattern)
        .map(drop)
        .map_err(|e| format!("not a valid STIX pattern: {e}"))
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn accepts_common_patterns() {
        for p in [
            "[ipv4-addr:value = '198.51.100.1']",
            "[domain-name:value = 'example.jp'] OR [url:value = 'http://example.jp/a']",
            "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
            "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.1'] REPEATS 5 TIMES WITHIN 180 SECONDS",
            "[email-addr:value MATCHES '^.+@example\\\\.jp$']",
            "[x-renkei-fraud-account:account_number = '1234567']",
        ] {
            assert!(check(p).is_ok(), "{p}: {:?}", check(p));
        }
    }

    #[test]
    fn refuses_broken_patterns() {
        for p in [
            "",
            "ipv4-addr:value = '1.2.3.4'",
            "[ipv4-addr:value = ]",
            "[ipv4-addr:value = '1.2.3.4'",
        ] {
            assert!(check(p).is_err(), "{p}");
        }
    }
}
