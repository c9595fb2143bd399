//! Properties: normalising is idempotent, extraction never panics, and what extraction
//! reports is well-formed.

use proptest::prelude::*;
use renkei_observables::{Chain, ObservableType, extract, normalise};

/// Text made of the pieces indicators and defang markers are made of, so that random text
/// often holds something to find.
fn tricky_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a",
        "Z",
        "0",
        "7",
        "f",
        ".",
        "-",
        "_",
        ":",
        "/",
        "@",
        "[",
        "]",
        "(",
        ")",
        "{",
        "}",
        "\\",
        " ",
        "\n",
        "%",
        "?",
        "#",
        "[.]",
        "(.)",
        "[dot]",
        " dot ",
        "(at)",
        "[:]",
        "hxxp",
        "ttp",
        "://",
        "http://",
        "https://",
        "www.",
        ".com",
        ".jp",
        ".co.jp",
        ".zip",
        "xn--",
        "CVE-2021-",
        "44228",
        "192.0.2.",
        "::",
        "ffff",
        "bc1q",
        "0x",
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        "d41d8cd98f00b204e9800998ecf8427e",
        "例え",
        "テスト",
        "を",
        "ログイン",
        "。",
        "、",
        "「",
        "」",
        "．",
        "／",
        "：",
        "＠",
        "ｈｔｔｐ",
        "１２３",
        "銀行",
        "支店",
        "普通",
        "1234567",
        "記号",
        "12345",
        "番号",
        "12345671",
        "ﾞ",
        "ｶ",
        "\u{301}",
        "\u{FDFA}",
        "‐",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
}

fn kinds() -> impl Strategy<Value = ObservableType> {
    prop::sample::select(ObservableType::ALL.to_vec())
}

/// Plausible values of each kind, written in the ways people write them.
fn plausible_value() -> impl Strategy<Value = (ObservableType, String)> {
    let label = "[a-zA-Z0-9]([a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?";
    let tld = prop::sample::select(vec![
        "com",
        "jp",
        "co.jp",
        "xyz",
        "top",
        "テスト",
        "みんな",
        "ru",
    ]);
    let domain = (prop::collection::vec(label, 1..4), tld)
        .prop_map(|(labels, tld)| format!("{}.{tld}", labels.join(".")));
    let unicode_label = prop::sample::select(vec![
        "例え",
        "ドメイン",
        "bücher",
        "日本語",
        "ＥＸＡＭＰＬＥ",
    ]);
    prop_oneof![
        any::<[u8; 4]>().prop_map(|o| (
            ObservableType::Ipv4,
            format!("{}.{}.{}.{}", o[0], o[1], o[2], o[3])
        )),
        any::<[u8; 4]>().prop_map(|o| (
            ObservableType::Ipv4,
            format!("{}[.]{}.{}.{}", o[0], o[1], o[2], o[3])
        )),
        any::<u128>().prop_map(|a| (
            ObservableType::Ipv6,
            std::net::Ipv6Addr::from(a)
                .segments()
                .iter()
                .map(|g| format!("{g:04X}"))
                .collect::<Vec<_>>()
                .join(":")
        )),
        (any::<u128>(), 0u8..=128).prop_map(|(a, l)| (
            ObservableType::Cidr,
            format!("{}/{l}", std::net::Ipv6Addr::from(a))
        )),
        (any::<u32>(), 0u8..=32).prop_map(|(a, l)| (
            ObservableType::Cidr,
            format!("{}/{l}", std::net::Ipv4Addr::from(a))
        )),
        domain.clone().prop_map(|d| (ObservableType::Domain, d)),
        (unicode_label, domain.clone())
            .prop_map(|(u, d)| (ObservableType::Domain, format!("{u}.{d}"))),
        (
            domain.clone(),
            "[a-zA-Z0-9/._~%?=&#-]{0,30}",
            prop::sample::select(vec!["http", "HTTPS", "hxxps", "ftp"])
        )
            .prop_map(|(d, path, scheme)| (ObservableType::Url, format!("{scheme}://{d}/{path}"))),
        (domain.clone(), "/[ぁ-んァ-ン一-龠a-z/.]{0,12}")
            .prop_map(|(d, path)| (ObservableType::Url, format!("https://{d}{path}"))),
        ("[a-zA-Z0-9._+-]{1,20}", domain)
            .prop_map(|(l, d)| (ObservableType::Email, format!("{l}@{d}"))),
        "[0-9a-fA-F]{32}".prop_map(|h| (ObservableType::Md5, h)),
        "[0-9a-fA-F]{64}".prop_map(|h| (ObservableType::Sha256, h)),
        ("(19|20)[0-9]{2}", "[0-9]{4,7}")
            .prop_map(|(y, n)| (ObservableType::Cve, format!("cve-{y}-{n}"))),
        ("[0-9]{4}", "[0-9]{3}", "[0-9]{7}")
            .prop_map(|(b, s, n)| (ObservableType::BankAccount, format!("{b}-{s}-1-{n}"))),
        (
            prop::sample::select(vec!["三菱ＵＦＪ", "ゆうちょ", "城南", "PayPay"]),
            prop::sample::select(vec!["銀行", "信金"]),
            "[0-9]{7}"
        )
            .prop_map(|(b, s, n)| (
                ObservableType::BankAccount,
                format!("{b}{s} 渋谷支店 普通 {n}")
            )),
        any::<[u8; 20]>().prop_map(|a| (
            ObservableType::CryptoAddress(Chain::Ethereum),
            format!(
                "0x{}",
                a.iter().map(|b| format!("{b:02X}")).collect::<String>()
            )
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn normalising_plausible_values_is_idempotent((kind, raw) in plausible_value()) {
        if let Ok(once) = normalise(kind, &raw) {
            let twice = normalise(kind, once.value());
            prop_assert_eq!(twice.as_ref().map(|o| (o.kind(), o.value())), Ok((once.kind(), once.value())), "{}", raw);
        }
    }

    #[test]
    fn normalising_anything_is_idempotent(kind in kinds(), raw in prop_oneof![tricky_text(), any::<String>()]) {
        if let Ok(once) = normalise(kind, &raw) {
            let twice = normalise(kind, once.value());
            prop_assert_eq!(twice.as_ref().map(|o| (o.kind(), o.value())), Ok((once.kind(), once.value())), "{:?}", raw);
        }
    }

    #[test]
    fn extraction_is_well_formed(text in prop_oneof![tricky_text(), any::<String>()]) {
        let found = extract(&text).unwrap();
        let mut last_start = None;
        let mut seen = std::collections::HashSet::new();
        for e in &found {
            // Spans are character ranges of the original, in order of first appearance.
            prop_assert!(e.span.start <= e.span.end && e.span.end <= text.len());
            prop_assert!(text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end));
            prop_assert!(last_start.is_none_or(|s| s <= e.span.start));
            last_start = Some(e.span.start);
            for r in &e.repeats {
                prop_assert!(r.start >= e.span.start && text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
            }
            // Deduplicated, and every value is canonical.
            prop_assert!(seen.insert((e.kind(), e.value().to_owned())));
            let again = normalise(e.kind(), e.value());
            prop_assert_eq!(again.as_ref().map(|o| o.value()), Ok(e.value()));
        }
    }
}

#[test]
fn normalised_values_of_each_tricky_case_are_fixed_points() {
    let cases = [
        (ObservableType::Domain, "ＥＸＡＭＰＬＥ．ｃｏｍ"),
        (ObservableType::Domain, "例え.テスト"),
        (ObservableType::Domain, "xn--r8jz45g.xn--zckzah"),
        (ObservableType::Url, "http://EXAMPLE.com:80/a/../b"),
        (
            ObservableType::Url,
            "https://例え.テスト/ログイン?q=検索#frag",
        ),
        (ObservableType::Url, "http://x.example/a[[.]]b/(at)/\\\\.c"),
        (
            ObservableType::Ipv6,
            "2001:0DB8:0000:0000:0000:ff00:0042:8329",
        ),
        (ObservableType::Ipv6, "::ffff:1.2.3.4"),
        (ObservableType::Email, "a{{.}}b@example.jp"),
        (
            ObservableType::BankAccount,
            "三菱ＵＦＪ銀行(0005) 渋谷支店 普通 1234567",
        ),
        (ObservableType::BankAccount, "ﾐｽﾞﾎ銀行 ｼﾌﾞﾔ支店 普通 1234567"),
    ];
    for (kind, raw) in cases {
        let once = normalise(kind, raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
        let twice = normalise(kind, once.value()).unwrap();
        assert_eq!(twice.value(), once.value(), "{raw}");
    }
}
