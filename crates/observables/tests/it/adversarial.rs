//! Inputs built to make a careless scanner quadratic or make it panic. Each runs on about a
//! megabyte: a quadratic scan would take hours, a linear one milliseconds. The assertions
//! are about what is found, never about time; `cargo bench` reports the throughput.

use renkei_observables::extract;

const SIZE: usize = 1 << 20;

fn repeated(piece: &str) -> String {
    piece.repeat(SIZE / piece.len().max(1))
}

#[test]
fn pathological_repetitions_finish_and_find_what_is_there() {
    let cases: &[(&str, usize)] = &[
        ("http://", 0),
        ("hxxp://a", 0),
        ("://", 0),
        ("a.com/", 1),
        ("@", 0),
        ("a@", 0),
        ("a@b.", 0),
        ("::", 0),
        ("1:", 0),
        ("[[[[[.]]]]]", 0),
        ("[", 0),
        ("\\", 0),
        (" dot ", 0),
        ("a dot ", 0),
        ("1.", 0),
        ("a.", 0),
        ("a-", 0),
        ("ab", 0),
        ("f", 0),
        ("CVE-", 0),
        ("銀行", 0),
        ("銀行渋谷支店普通", 0),
        ("記号", 0),
        ("記号12345番号", 0),
        ("あ.", 0),
        ("例え.", 0),
        ("%E3", 0),
        ("(", 0),
        ("ｶﾞ", 0),
        ("㍿", 0),
    ];
    for &(piece, expected) in cases {
        let text = repeated(piece);
        let found = extract(&text).unwrap();
        assert_eq!(found.len(), expected, "{piece:?}");
    }
}

#[test]
fn one_huge_url_is_refused_not_cut() {
    // The URL is longer than any value may be; its host is still a domain in the text.
    let text = format!("https://evil.example.jp/{} end", "a".repeat(SIZE));
    let found = extract(&text).unwrap();
    let values: Vec<&str> = found.iter().map(|e| e.value()).collect();
    assert_eq!(values, ["evil.example.jp"]);
}

#[test]
fn many_distinct_observables() {
    let text: String = (0..50_000u32)
        .map(|i| format!("{}.{}.{}.{} ", 11 + i % 200, (i >> 8) % 256, i % 256, i % 7))
        .collect();
    let found = extract(&text).unwrap();
    assert!(found.len() > 40_000);
}

#[test]
fn text_that_expands_too_much_is_refused() {
    // U+FDFA expands to 18 characters (33 bytes) under NFKC.
    let text = "\u{FDFA}".repeat(1000);
    assert_eq!(extract(&text).unwrap_err().code(), "too_large");
}
