//! Extraction from realistic paragraphs: SMS phishing, a forum post, a CSIRT report.

use renkei_observables::{Exclusions, Extractor, ObservableType, extract};

/// (type, value, the original text of the first appearance, exclusion code).
fn found(text: &str) -> Vec<(String, String, String, Option<&'static str>)> {
    extract(text)
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.kind().to_string(),
                e.value().to_owned(),
                text[e.span.clone()].to_owned(),
                e.excluded.as_ref().map(|r| r.category.code()),
            )
        })
        .collect()
}

fn row(
    kind: &str,
    value: &str,
    original: &str,
    excluded: Option<&'static str>,
) -> (String, String, String, Option<&'static str>) {
    (
        kind.to_owned(),
        value.to_owned(),
        original.to_owned(),
        excluded,
    )
}

#[test]
fn sms_phishing_in_japanese() {
    let text = "【佐川急便】お荷物のお届けにあがりましたが不在の為持ち帰りました。\
                下記よりご確認ください。hxxp://sagawa-exp[.]cc/?p=8f2a\n\
                【三井住友銀行】お客様の口座が一時利用停止になりました。\
                再開手続きはこちら：https://smbc-login.jp-secure[.]top/verify\n\
                【Amazon】お支払い方法の確認が必要です https://amazon-co-jp.account-update.xyz/ja/ログイン を24時間以内に。\
                問い合わせはsupport@amazon-co-jp.account-update.xyzまで。";
    assert_eq!(
        found(text),
        [
            row(
                "url",
                "http://sagawa-exp.cc/?p=8f2a",
                "hxxp://sagawa-exp[.]cc/?p=8f2a",
                None
            ),
            row(
                "url",
                "https://smbc-login.jp-secure.top/verify",
                "https://smbc-login.jp-secure[.]top/verify",
                None
            ),
            row(
                "url",
                "https://amazon-co-jp.account-update.xyz/ja/%E3%83%AD%E3%82%B0%E3%82%A4%E3%83%B3",
                "https://amazon-co-jp.account-update.xyz/ja/ログイン",
                None,
            ),
            row(
                "email",
                "support@amazon-co-jp.account-update.xyz",
                "support@amazon-co-jp.account-update.xyz",
                None
            ),
        ]
    );
    let all = extract(text).unwrap();
    assert!(all[0].defanged && all[1].defanged && !all[2].defanged);
    assert_eq!(
        all[2].display(),
        "https://amazon-co-jp.account-update.xyz/ja/ログイン"
    );
}

#[test]
fn the_brief_example() {
    let text = "不審なURL hxxps://example[.]co[.]jp/login を確認";
    assert_eq!(
        found(text),
        [row(
            "url",
            "https://example.co.jp/login",
            "hxxps://example[.]co[.]jp/login",
            Some("documentation")
        )]
    );
}

#[test]
fn forum_post() {
    let text = "ttp://leak-board.onion.example.ru/thread/1234 で流出リスト売ってる。\
                連絡は darkseller@protonmail.com まで。ミラー：ttp://leak-board.example.ru/t/1234\n\
                支払いは BTC 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa か bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4、\
                ETH 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed。\
                振込なら 楽天銀行 第一営業支店 普通 7654321 でも可。\
                捨てアドは darkseller(at)protonmail(dot)com でもOK。leak-board.example.ru は落ちがち。";
    assert_eq!(
        found(text),
        [
            row(
                "url",
                "http://leak-board.onion.example.ru/thread/1234",
                "ttp://leak-board.onion.example.ru/thread/1234",
                None
            ),
            row(
                "email",
                "darkseller@protonmail.com",
                "darkseller@protonmail.com",
                None
            ),
            row(
                "url",
                "http://leak-board.example.ru/t/1234",
                "ttp://leak-board.example.ru/t/1234",
                None
            ),
            row(
                "crypto_address:btc",
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
                None
            ),
            row(
                "crypto_address:btc",
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
                None,
            ),
            row(
                "crypto_address:eth",
                "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
                "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                None,
            ),
            row(
                "bank_account",
                "楽天銀行/第一営業支店/futsu/7654321",
                "楽天銀行 第一営業支店 普通 7654321",
                None
            ),
            // The domain of the mirror URL is reported because it also appears alone.
            row(
                "domain",
                "leak-board.example.ru",
                "leak-board.example.ru",
                None
            ),
        ]
    );
    let all = extract(text).unwrap();
    let email = &all[1];
    assert_eq!(
        email.repeats.len(),
        1,
        "the defanged address is the same observable"
    );
    assert_eq!(
        &text[email.repeats[0].clone()],
        "darkseller(at)protonmail(dot)com"
    );
    assert!(email.defanged);
}

#[test]
fn csirt_report_in_english() {
    let text = "Summary: the actor used CVE-2023-23397 and cve-2021-44228 for initial access. \
                C2 traffic went to 185.220.101.47:443 and to update-check[.]info (resolving to \
                185.220.101.47), with a fallback at hxxps://cdn.update-check[.]info/gate.php?id=7. \
                The dropper invoice.zip (SHA-256 \
                9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08, MD5 \
                098f6bcd4621d373cade4e832627b4f6) wrote run.sh and config.json. Build 10.0.19041.1 \
                of Windows and tool version 1.2.3.4.5 were seen. Internal hosts 10.20.30.40 and \
                fe80::1 were affected; the actor also used 2a05:d014:1f00::6/48. \
                Report phishing to soc@example.co.jp.";
    assert_eq!(
        found(text),
        [
            row("cve", "CVE-2023-23397", "CVE-2023-23397", None),
            row("cve", "CVE-2021-44228", "cve-2021-44228", None),
            row("ipv4", "185.220.101.47", "185.220.101.47", None),
            row("domain", "update-check.info", "update-check[.]info", None),
            row(
                "url",
                "https://cdn.update-check.info/gate.php?id=7",
                "hxxps://cdn.update-check[.]info/gate.php?id=7",
                None
            ),
            row(
                "sha256",
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
                None,
            ),
            row(
                "md5",
                "098f6bcd4621d373cade4e832627b4f6",
                "098f6bcd4621d373cade4e832627b4f6",
                None
            ),
            row("ipv4", "10.20.30.40", "10.20.30.40", Some("private")),
            row("ipv6", "fe80::1", "fe80::1", Some("link_local")),
            row("cidr", "2a05:d014:1f00::/48", "2a05:d014:1f00::6/48", None),
            row(
                "email",
                "soc@example.co.jp",
                "soc@example.co.jp",
                Some("documentation")
            ),
        ]
    );
    let ip = &extract(text).unwrap()[2];
    assert_eq!(ip.repeats.len(), 1);
}

#[test]
fn csirt_report_in_japanese_with_full_width_text() {
    let text = "【注意喚起】攻撃者は　ｈｘｘｐｓ：／／ｌｏｇｉｎ－ｍｙｂａｎｋ［．］ｃｏｍ／　に誘導し、\
                ＩＰアドレス１９８．５１．１００．２３（ＡＳ６４４９６）から不正ログインを試みた。\
                詳細はＣＶＥ‐２０２４‐３４００を参照。";
    let all = extract(text).unwrap();
    let got: Vec<(ObservableType, &str, &str)> = all
        .iter()
        .map(|e| (e.kind(), e.value(), &text[e.span.clone()]))
        .collect();
    assert_eq!(
        got,
        [
            (
                ObservableType::Url,
                "https://login-mybank.com/",
                "ｈｘｘｐｓ：／／ｌｏｇｉｎ－ｍｙｂａｎｋ［．］ｃｏｍ／"
            ),
            (
                ObservableType::Ipv4,
                "198.51.100.23",
                "１９８．５１．１００．２３"
            ),
            (
                ObservableType::Cve,
                "CVE-2024-3400",
                "ＣＶＥ‐２０２４‐３４００"
            ),
        ]
    );
}

#[test]
fn domains_inside_urls_and_addresses_are_not_reported_twice() {
    let text = "see https://evil.example.org/a and mail bob@evil.example.org";
    let kinds: Vec<ObservableType> = extract(text).unwrap().iter().map(|e| e.kind()).collect();
    assert_eq!(kinds, [ObservableType::Url, ObservableType::Email]);

    let text = "evil.example.org hosts https://evil.example.org/a";
    let kinds: Vec<ObservableType> = extract(text).unwrap().iter().map(|e| e.kind()).collect();
    assert_eq!(kinds, [ObservableType::Domain, ObservableType::Url]);
}

#[test]
fn file_names_are_not_domains_unless_defanged() {
    let text = "Opened invoice.zip, movie.mov, bins.sh, id_rsa.pub, README.md, setup.exe, data.json, \
                app.js.map and foo.bar.";
    assert_eq!(found(text), []);
    let text = "payload at evil[.]zip, www.evil.mov and hxxp://files.zip/x";
    let values: Vec<String> = found(text).into_iter().map(|r| r.1).collect();
    assert_eq!(values, ["evil.zip", "www.evil.mov", "http://files.zip/x"]);
}

#[test]
fn sentences_run_together_are_not_domains() {
    assert_eq!(found("It was over.So we left.It is done. Tokyo.Jp"), []);
    assert_eq!(found("Visit Example.COM today")[0].1, "example.com");
}

#[test]
fn ip_addresses_in_context() {
    let text = "v1.2.3.4 1.2.3.4.5 010.1.1.1 256.1.1.1 (192.0.2.1) ip=198.51.100.1, \
                203.0.113.0/24 192.0.2.1/33 1.2.3.4.";
    let values: Vec<String> = found(text).into_iter().map(|r| r.1).collect();
    assert_eq!(
        values,
        ["192.0.2.1", "198.51.100.1", "203.0.113.0/24", "1.2.3.4"]
    );
}

#[test]
fn ipv6_in_context() {
    let text = "[2001:db8::2]:443 std::vector A::B 12:30:45 00:1a:2b:3c:4d:5e ::ffff:192.0.2.1 \
                2001:DB8:0:0:0:0:0:7. fe80::1%eth0";
    let values: Vec<String> = found(text).into_iter().map(|r| r.1).collect();
    assert_eq!(
        values,
        ["2001:db8::2", "::ffff:192.0.2.1", "2001:db8::7", "fe80::1"]
    );
}

#[test]
fn hashes_are_exact_runs_of_hex() {
    let md5 = "44d88612fea8a8f36de82e1278abb02f";
    let text = format!("{md5} {md5}00 x{md5} 0x{md5}{md5} sample_{md5}.bin {md5}-dropper");
    let got = found(&text);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, md5);
    let e = &extract(&text).unwrap()[0];
    assert_eq!(e.repeats.len(), 2, "sample_{{md5}}.bin and {{md5}}-dropper");
}

#[test]
fn bank_accounts_in_japanese_text() {
    let text = "振込先は三菱UFJ銀行渋谷支店普通1234567です。\n\
                または　城南信金　本店営業部　当座　７６５４３２１　ﾔﾏﾀﾞ ﾀﾛｳ\n\
                ゆうちょ銀行 記号12345 番号12345671 にも送金あり。";
    let got = found(text);
    let values: Vec<&str> = got.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(
        values,
        [
            "三菱UFJ銀行/渋谷支店/futsu/1234567",
            "城南信用金庫/本店営業部/toza/7654321",
            "yucho/12345/12345671",
        ]
    );
    assert_eq!(got[1].2, "城南信金　本店営業部　当座　７６５４３２１");
    assert_eq!(got[2].2, "ゆうちょ銀行 記号12345 番号12345671");
}

#[test]
fn unicode_domains_need_to_be_set_off() {
    let values: Vec<String> = found("「日本語.jp」と 例え.みんな と お問い合わせは例え.jpまで")
        .into_iter()
        .map(|r| r.1)
        .collect();
    assert_eq!(values, ["xn--wgv71a119e.jp", "xn--r8jz45g.xn--q9jyb4c"]);
}

#[test]
fn order_of_first_appearance_and_deduplication() {
    let text = "b.example.net a.example.net B.EXAMPLE.NET b.example[.]net";
    let all = extract(text).unwrap();
    let values: Vec<&str> = all.iter().map(|e| e.value()).collect();
    assert_eq!(values, ["b.example.net", "a.example.net"]);
    assert_eq!(all[0].repeats.len(), 2);
    assert!(all[0].defanged);
    assert!(!all[1].defanged);
}

#[test]
fn exclusions_are_flagged_not_dropped() {
    let text = "google.com 192.168.0.1 evil.example.com";
    let all = extract(text).unwrap();
    assert_eq!(all.len(), 3);
    let none = Exclusions::empty();
    let all = Extractor::new(&none).extract(text).unwrap();
    assert!(all.iter().all(|e| e.excluded.is_none()));
}

#[test]
fn input_is_limited() {
    let text = "a".repeat(2048);
    let err = Extractor::new(Exclusions::shipped())
        .max_input(1024)
        .extract(&text)
        .unwrap_err();
    assert_eq!(err.code(), "too_large");
    let big = "x".repeat(renkei_observables::MAX_INPUT + 1);
    assert_eq!(extract(&big).unwrap_err().code(), "too_large");
}

#[test]
fn extracted_serialises_for_the_api() {
    let e = &extract("hxxp://evil[.]phish[.]jp/ and 10.0.0.1").unwrap();
    let json = serde_json::to_value(e).unwrap();
    assert_eq!(
        json,
        serde_json::json!([
            {
                "type": "url",
                "value": "http://evil.phish.jp/",
                "display": "http://evil.phish.jp/",
                "span": {"start": 0, "end": 25},
                "repeats": [],
                "defanged": true,
                "excluded": null
            },
            {
                "type": "ipv4",
                "value": "10.0.0.1",
                "display": "10.0.0.1",
                "span": {"start": 30, "end": 38},
                "repeats": [],
                "defanged": false,
                "excluded": {"category": "private", "entry": "10.0.0.0/8"}
            }
        ])
    );
}
