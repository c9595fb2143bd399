//! Character folding and classification: what a character becomes before tokenisation
//! (NFKC, lower case) and whether it is part of a word, part of a CJK run, invisible, or a
//! separator.
//!
//! The classes are chosen so that every character kept in a token is one SQLite FTS5's
//! `unicode61` tokenizer (`remove_diacritics 0`, default categories `L* N* Co`) treats as a
//! token character and does not fold further; `tests/search/sqlite_conformance.rs` checks this for
//! every Unicode scalar value against the bundled SQLite.

use std::ops::ControlFlow;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

/// What a folded character contributes to tokenisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// A letter or number of a script written with spaces (Latin, digits, Cyrillic, …).
    Word,
    /// A Han, Hiragana, Katakana or Hangul letter: its run is cut into bigrams.
    Cjk,
    /// A combining mark or an invisible format character (soft hyphen, zero-width joiner,
    /// variation selector): dropped without ending the run, so `葛` followed by an ideographic
    /// variation selector is still `葛`, and a soft hyphen cannot split a word to dodge search.
    Ignorable,
    /// Anything else (spaces, punctuation, symbols, controls): ends the run.
    Separator,
}

/// Calls `each` with the characters of `text` after NFKC and lower-casing, in order, until it
/// breaks.
///
/// NFKC runs over whole runs of text, not character by character, so half-width `ｶﾞ` (two
/// characters) composes to `ガ`. ASCII needs no normalisation: NFKC leaves it as it is and
/// nothing composes with a preceding character into ASCII, so the text is cut before every
/// ASCII character that is followed by ASCII (or ends the text) and only the runs between
/// (the ASCII character that starts them included, since `e` + `◌́` composes to `é`) go
/// through NFKC. The stream-safe pass first caps runs of combining marks at 30, which keeps
/// normalisation linear on adversarial input.
pub(crate) fn for_each_folded(
    text: &str,
    mut each: impl FnMut(char) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let mut rest = text;
    while !rest.is_empty() {
        let ascii = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        // The last ASCII character before a non-ASCII one may compose with it.
        let plain = if ascii < rest.len() {
            ascii.saturating_sub(1)
        } else {
            ascii
        };
        for b in rest[..plain].bytes() {
            each(char::from(b.to_ascii_lowercase()))?;
        }
        rest = &rest[plain..];
        if rest.is_empty() {
            break;
        }
        // A run of non-ASCII characters (after at most one ASCII one), up to the next ASCII
        // character: cutting before it never splits what NFKC composes.
        let end = rest
            .bytes()
            .skip(1)
            .position(|b| b.is_ascii())
            .map_or(rest.len(), |p| p + 1);
        for c in rest[..end]
            .stream_safe()
            .nfkc()
            .flat_map(char::to_lowercase)
            .map(final_sigma)
        {
            each(c)?;
        }
        rest = &rest[end..];
    }
    ControlFlow::Continue(())
}

/// `ς` (final sigma) is lower case already but `unicode61` folds it to `σ`; doing the same
/// here keeps the stored tokens identical on SQLite and PostgreSQL.
fn final_sigma(c: char) -> char {
    if c == 'ς' { 'σ' } else { c }
}

/// The class of a folded character.
pub(crate) fn classify(c: char) -> Class {
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() {
            Class::Word
        } else {
            Class::Separator
        };
    }
    match c.general_category_group() {
        GeneralCategoryGroup::Letter | GeneralCategoryGroup::Number => {
            if is_mark_in_sqlite(c) {
                Class::Ignorable
            } else if is_cjk(c) {
                Class::Cjk
            } else {
                Class::Word
            }
        }
        GeneralCategoryGroup::Mark => Class::Ignorable,
        GeneralCategoryGroup::Other if c.general_category() == GeneralCategory::Format => {
            Class::Ignorable
        }
        _ => Class::Separator,
    }
}

/// Letters that were spacing marks (Mc) in older Unicode versions and still are in SQLite's
/// `unicode61` tables (New Tai Lue vowel signs, two Vedic signs): `unicode61` would split a
/// token at them, so they are dropped like the marks they used to be.
fn is_mark_in_sqlite(c: char) -> bool {
    matches!(c, '\u{19B0}'..='\u{19C0}' | '\u{19C8}'..='\u{19C9}' | '\u{1CF2}'..='\u{1CF3}')
}

/// Whether a letter or number belongs to a script written without spaces between words
/// (Han, Hiragana, Katakana) or is Hangul. Called on letters and numbers only, so the
/// punctuation and symbols inside these blocks (`・`, `゠`, circled katakana) never get here.
fn is_cjk(c: char) -> bool {
    matches!(c,
        // Han, with the ideographic iteration and closing marks 々 〆 〇, Hangzhou numerals
        // and 〻; the kana repeat marks 〱–〵.
        '\u{2E80}'..='\u{2FDF}'
        | '\u{3005}'..='\u{3007}'
        | '\u{3021}'..='\u{3029}'
        | '\u{3031}'..='\u{3035}'
        | '\u{3038}'..='\u{303B}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3FFFF}'
        // Hiragana and Katakana (with ー and ヶ), their extensions and half-width forms.
        | '\u{3040}'..='\u{30FF}'
        | '\u{31F0}'..='\u{31FF}'
        | '\u{FF66}'..='\u{FF9F}'
        | '\u{1AFF0}'..='\u{1B16F}'
        // Hangul: jamo, compatibility jamo, syllables, half-width forms.
        | '\u{1100}'..='\u{11FF}'
        | '\u{3130}'..='\u{318F}'
        | '\u{A960}'..='\u{A97F}'
        | '\u{AC00}'..='\u{D7FF}'
        | '\u{FFA0}'..='\u{FFDC}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(s: &str) -> String {
        let mut out = String::new();
        let _ = for_each_folded(s, |c| {
            out.push(c);
            ControlFlow::Continue(())
        });
        out
    }

    /// NFKC and lower-casing of the whole text at once, without the ASCII shortcut.
    fn fold_slowly(s: &str) -> String {
        s.stream_safe()
            .nfkc()
            .flat_map(char::to_lowercase)
            .map(final_sigma)
            .collect()
    }

    #[test]
    fn ascii_shortcut_folds_like_whole_text_nfkc() {
        for s in [
            "",
            "ABC def",
            "e\u{301}",
            "Cafe\u{301} ok",
            "a\u{301}\u{302}b",
            "=\u{338}",
            "<\u{338}x",
            "ｶﾞ and ﾊﾟ",
            "x\u{FF9E}",
            "ＡＢＣ1２3",
            "\u{301}leading mark",
            "ΟΔΟΣ Σ.",
            "ﬁle ㍻ ①",
            "A\u{0300}\u{0316}\u{0317}Z",
        ] {
            assert_eq!(fold(s), fold_slowly(s), "{s:?}");
        }
        let marks = format!("a{}b", "\u{301}".repeat(100));
        assert_eq!(fold(&marks), fold_slowly(&marks));
    }

    proptest::proptest! {
        #[test]
        fn ascii_shortcut_agrees_on_mixed_text(
            s in "([a-zA-Z0-9=<> .]|\\p{M}|\\p{Lo}|[ｦ-ﾟ]|[Ａ-ｚ]|\\PC){0,32}"
        ) {
            proptest::prop_assert_eq!(fold(&s), fold_slowly(&s));
        }
    }

    #[test]
    fn folds_width_and_case() {
        assert_eq!(fold("Ｆｕｌｌ ＡＢＣ"), "full abc");
        assert_eq!(fold("ｶﾀｶﾅ"), "カタカナ");
        assert_eq!(fold("ｶﾞｲﾄﾞ"), "ガイド");
        assert_eq!(fold("ΟΔΟΣ"), "οδοσ");
        // Diacritics are kept: only unicode61's own folding (turned off) would remove them.
        assert_eq!(fold("Café"), "café");
    }

    #[test]
    fn classes() {
        for c in ['a', '0', 'é', 'ж', '²'] {
            assert_eq!(classify(c), Class::Word, "{c}");
        }
        for c in ['不', '々', '〆', 'ヶ', 'ー', 'あ', 'カ', '한', '〇'] {
            assert_eq!(classify(c), Class::Cjk, "{c}");
        }
        for c in [
            '\u{301}',
            '\u{AD}',
            '\u{200D}',
            '\u{E0100}',
            '\u{FE0F}',
            '\u{19B0}',
        ] {
            assert_eq!(classify(c), Class::Ignorable, "{c:?}");
        }
        for c in [
            ' ', '.', '/', '@', '-', '_', '、', '。', '「', '」', '・', '゠', '€', '\n',
        ] {
            assert_eq!(classify(c), Class::Separator, "{c:?}");
        }
    }
}
