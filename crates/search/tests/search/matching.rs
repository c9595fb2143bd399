use renkei_search::{query_tokens, tokens};

use crate::matches;

#[test]
fn japanese_bigrams() {
    assert!(matches("特殊詐欺の被害が増加", "詐欺"));
    assert!(matches("不正送金", "不正"));
    assert!(matches("ネットバンキングの不正送金", "不正送金"));
    assert!(matches(
        "ネットバンキングの不正送金",
        "ネットバンキング 送金"
    ));
    assert!(!matches("特殊詐欺の被害が増加", "不正送金"));
    assert!(!matches("フィッシングサイトの報告", "詐欺"));
    assert!(!matches("不正アクセス", "不正送金"));
}

#[test]
fn japanese_tokens() {
    assert_eq!(tokens("不正送金"), ["不正", "正送", "送金"]);
    assert_eq!(query_tokens("詐欺"), ["詐欺"]);
    assert_eq!(tokens("時々〆切"), ["時々", "々〆", "〆切"]);
    assert_eq!(tokens("ヶ月"), ["ヶ月"]);
    assert_eq!(tokens("サーバー"), ["サー", "ーバ", "バー"]);
    assert_eq!(tokens("「詐欺」・『被害』。"), ["詐欺", "被害"]);
    assert_eq!(tokens("한국 은행"), ["한국", "은행"]);
}

/// The documented false-positive class: all bigrams present, not adjacent.
#[test]
fn known_false_positive() {
    assert!(matches("東京の本社と京都の支店", "東京都"));
}

/// The documented false-negative class: one CJK character only matches when it stands alone.
#[test]
fn known_false_negative() {
    assert!(!matches("送金", "金"));
    assert!(matches("金 相場", "金"));
}

#[test]
fn english() {
    assert!(matches("phishing campaign", "Phishing"));
    assert!(matches(
        "A PHISHING Campaign targeting banks",
        "phishing campaign"
    ));
    assert!(!matches("phishing campaign", "smishing"));
    assert_eq!(tokens("Emotet, emotet; EMOTET!"), ["emotet"]);
}

#[test]
fn width_folding() {
    assert_eq!(tokens("ＡＢＣ"), ["abc"]);
    assert_eq!(tokens("ｶﾀｶﾅ"), ["カタ", "タカ", "カナ"]);
    assert_eq!(tokens("ｶﾀｶﾅ"), tokens("カタカナ"));
    assert_eq!(tokens("ｶﾞｲﾄﾞ"), tokens("ガイド"));
    assert!(matches("Ｐｈｉｓｈｉｎｇ　ｻｲﾄ", "phishing サイト"));
    assert_eq!(tokens("① ②"), ["1", "2"]);
}

#[test]
fn separators_and_script_changes() {
    assert_eq!(tokens("phishing詐欺"), ["phishing", "詐欺"]);
    assert_eq!(
        tokens("evil.example.com/login user@mail.example"),
        ["evil", "example", "com", "login", "user", "mail"]
    );
    assert_eq!(
        tokens("snake_case-and-kebab"),
        ["snake", "case", "and", "kebab"]
    );
    assert_eq!(tokens("CVE-2024-3400"), ["cve", "2024", "3400"]);
    assert_eq!(tokens("Москва"), ["москва"]);
    assert_eq!(tokens("…、。!?・ー"), ["ー"]);
    assert!(query_tokens("「」、。!?").is_empty());
}

/// Diacritics are kept (FTS5 is configured with `remove_diacritics 0` to agree), whether the
/// text came composed or decomposed; marks NFKC cannot compose are dropped without splitting
/// the word, and so are invisible format characters.
#[test]
fn diacritics_marks_and_invisibles() {
    assert_eq!(tokens("Café"), ["café"]);
    assert_eq!(tokens("Cafe\u{301}"), ["café"]);
    assert!(!matches("café", "cafe"));
    assert_eq!(tokens("q\u{301}x"), ["qx"]);
    assert_eq!(tokens("hindi हिन्दी"), ["hindi", "हनद"]);
    assert_eq!(tokens("İstanbul"), ["istanbul"]);
    assert_eq!(
        tokens("pay\u{AD}pal pay\u{200B}pal pay\u{200D}pal"),
        ["paypal"]
    );
    assert_eq!(tokens("葛\u{E0100}飾"), ["葛飾"]);
    assert_eq!(tokens("ΟΔΟΣ οδος"), ["οδοσ"]);
}

#[test]
fn dedup_keeps_first_occurrence_order() {
    assert_eq!(tokens("b a b c a"), ["b", "a", "c"]);
    assert_eq!(tokens("詐欺 詐欺師 詐欺"), ["詐欺", "欺師"]);
}

/// Re-tokenising the space-joined tokens gives them back: this is what makes the FTS5
/// document (tokens joined by spaces) mean the same as the PostgreSQL array.
#[test]
fn tokens_are_stable_under_retokenising() {
    for text in [
        "ネットバンキングの不正送金、phishing サイト",
        "ＡＢＣ ｶﾀｶﾅ Café İstanbul ΟΔΟΣ",
        "金 相場 2024年",
    ] {
        let t = tokens(text);
        assert_eq!(tokens(&t.join(" ")), t, "{text}");
    }
}
