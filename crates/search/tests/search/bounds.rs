use proptest::prelude::*;
use renkei_search::{
    MAX_QUERY_TOKENS, MAX_TEXT, MAX_TOKEN_LEN, MAX_TOKENS, object_tokens, query_tokens, text_of,
    tokens,
};
use serde_json::{Value, json};
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// The invariants every token list keeps, whatever the input.
fn check(tokens: &[String], limit: usize) {
    assert!(tokens.len() <= limit);
    let mut seen = std::collections::HashSet::new();
    for t in tokens {
        assert!(seen.insert(t), "duplicate {t:?}");
        assert!(!t.is_empty());
        assert!(t.chars().count() <= MAX_TOKEN_LEN, "{t:?}");
        for c in t.chars() {
            assert!(
                matches!(
                    c.general_category_group(),
                    GeneralCategoryGroup::Letter | GeneralCategoryGroup::Number
                ),
                "{c:?} in {t:?}"
            );
        }
    }
}

/// A deterministic generator of awkward text: ASCII, kana and kanji, full- and half-width
/// forms, combining marks, format characters, surrogate-adjacent and astral characters.
struct Chars(u64);

impl Chars {
    fn next(&mut self) -> char {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let r = self.0;
        let pick =
            |lo: u32, hi: u32| char::from_u32(lo + (r >> 8) as u32 % (hi - lo + 1)).unwrap_or('?');
        match r % 10 {
            0 | 1 => pick(0x20, 0x7E),
            2 => pick(0x3040, 0x30FF),
            3 => pick(0x4E00, 0x4E40),
            4 => pick(0xFF01, 0xFFEE),
            5 => pick(0x300, 0x36F),
            6 => pick(0x2000, 0x206F),
            7 => pick(0xAC00, 0xAC40),
            8 => pick(0xD7F0, 0xE010),
            _ => pick(0, 0x10FFFF),
        }
    }

    fn string(&mut self, bytes: usize) -> String {
        let mut s = String::with_capacity(bytes + 4);
        while s.len() < bytes {
            s.push(self.next());
        }
        s
    }
}

#[test]
fn one_megabyte_of_random_text() {
    let mut g = Chars(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3 {
        let s = g.string(1 << 20);
        check(&tokens(&s), MAX_TOKENS);
        check(&query_tokens(&s), MAX_QUERY_TOKENS);
    }
}

#[test]
fn one_megabyte_of_adversarial_runs() {
    let mb = 1 << 20;
    for s in [
        "a".repeat(mb),
        "\u{301}".repeat(mb / 2),
        format!("a{}", "\u{301}\u{316}".repeat(mb / 4)),
        "ｶﾞ".repeat(mb / 6),
        "\u{AD}".repeat(mb / 2),
        " ".repeat(mb),
        "あ".repeat(mb / 3),
    ] {
        let t = tokens(&s);
        check(&t, MAX_TOKENS);
        assert!(t.len() <= 1);
    }
}

#[test]
fn max_tokens_is_respected() {
    let text: String = (0..MAX_TOKENS + 500).map(|i| format!("w{i} ")).collect();
    let t = tokens(&text);
    assert_eq!(t.len(), MAX_TOKENS);
    assert_eq!(t[0], "w0");
    assert_eq!(t[MAX_TOKENS - 1], format!("w{}", MAX_TOKENS - 1));

    let cjk: String = (0x4E00..0x4E00 + MAX_TOKENS as u32 + 10)
        .filter_map(char::from_u32)
        .collect();
    assert_eq!(tokens(&cjk).len(), MAX_TOKENS);

    let q = query_tokens(&text);
    assert_eq!(q.len(), MAX_QUERY_TOKENS);
    assert_eq!(q[..], t[..MAX_QUERY_TOKENS]);
}

#[test]
fn max_text_is_respected() {
    let long = "詐".repeat(MAX_TEXT);
    let o = json!({"name": "start", "description": long, "more": "never reached"});
    let text = text_of(&o);
    assert!(text.len() <= MAX_TEXT);
    assert!(text.len() > MAX_TEXT - 4);
    assert!(text.starts_with("start 詐詐"));
    assert!(!text.contains("never"));

    let many: Vec<Value> = (0..100_000).map(|i| json!(format!("value{i}"))).collect();
    let text = text_of(&json!({ "labels": many }));
    assert!(text.len() <= MAX_TEXT);
    check(&object_tokens(&json!({ "labels": many })), MAX_TOKENS);
}

#[test]
fn deep_nesting_does_not_overflow() {
    let mut v = json!("deep");
    for _ in 0..1_000 {
        v = json!([v]);
    }
    assert_eq!(text_of(&v), "");
    let shallow = json!({"a": {"b": {"c": ["found"]}}});
    assert_eq!(text_of(&shallow), "found");
}

proptest! {
    #[test]
    fn never_panics_and_keeps_invariants(s in any::<String>()) {
        let t = tokens(&s);
        check(&t, MAX_TOKENS);
        let q = query_tokens(&s);
        check(&q, MAX_QUERY_TOKENS);
        prop_assert_eq!(&q[..], &t[..q.len()]);
        // What FTS5 is given (the tokens joined by spaces) tokenises back to the tokens.
        prop_assert_eq!(tokens(&t.join(" ")), t);
    }

    #[test]
    fn text_of_never_panics(s in "\\PC{0,40}", k in "[a-z_]{1,12}") {
        let o = json!({ k.clone(): s.clone(), "nested": [{ k: s }] });
        let text = text_of(&o);
        prop_assert!(text.len() <= MAX_TEXT);
        check(&object_tokens(&o), MAX_TOKENS);
    }
}
