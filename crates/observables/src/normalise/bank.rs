//! Japanese bank accounts (振込先口座), the kind fraud reports name.
//!
//! An account at a bank, shinkin bank, credit union… is (bank, branch, type, 7-digit number);
//! bank and branch are known by a code (4 and 3 digits, 全銀協 codes) or only by name, as
//! people write them: `三菱UFJ銀行 渋谷支店 普通 1234567`. The canonical value is
//! `{bank}/{branch}/{type}/{number}`, each of bank and branch its code when given and
//! otherwise its name (NFKC, no spaces, 信金 → 信用金庫 and the like); type is `futsu`
//! (普通), `toza` (当座) or `chochiku` (貯蓄). ゆうちょ銀行 accounts written with 記号 (5 digits)
//! and 番号 (8 digits) become `yucho/{記号}/{番号}`. Without a table of bank codes, an account
//! written with names and the same account written with codes are two values.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;

use crate::error::NormaliseError;
use crate::kind::ObservableType;
use crate::observable::Observable;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AccountType {
    Futsu,
    Toza,
    Chochiku,
}

impl AccountType {
    fn code(self) -> &'static str {
        match self {
            AccountType::Futsu => "futsu",
            AccountType::Toza => "toza",
            AccountType::Chochiku => "chochiku",
        }
    }

    fn japanese(self) -> &'static str {
        match self {
            AccountType::Futsu => "普通",
            AccountType::Toza => "当座",
            AccountType::Chochiku => "貯蓄",
        }
    }

    /// A written type: the canonical words, Japanese, or the 全銀 預金種目 digit.
    fn from_word(w: &str) -> Option<Self> {
        match w {
            "futsu" | "普通" | "普通預金" | "1" => Some(AccountType::Futsu),
            "toza" | "当座" | "当座預金" | "2" => Some(AccountType::Toza),
            "chochiku" | "貯蓄" | "貯蓄預金" | "4" => Some(AccountType::Chochiku),
            _ => None,
        }
    }
}

/// A bank or a branch: its code, its name, or both.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Party {
    code: Option<String>,
    name: Option<String>,
}

impl Party {
    fn key(&self) -> &str {
        self.code
            .as_deref()
            .or(self.name.as_deref())
            .unwrap_or_default()
    }

    fn shown(&self) -> String {
        match (&self.name, &self.code) {
            (Some(n), Some(c)) => format!("{n}({c})"),
            (Some(n), None) => n.clone(),
            (None, Some(c)) => c.clone(),
            (None, None) => String::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Account {
    Zengin {
        bank: Party,
        branch: Party,
        kind: AccountType,
        number: String,
    },
    Yucho {
        kigo: String,
        bango: String,
    },
}

impl Account {
    fn observable(&self) -> Observable {
        let (value, display) = match self {
            Account::Zengin {
                bank,
                branch,
                kind,
                number,
            } => (
                format!("{}/{}/{}/{number}", bank.key(), branch.key(), kind.code()),
                format!(
                    "{} {} {} {number}",
                    bank.shown(),
                    branch.shown(),
                    kind.japanese()
                ),
            ),
            Account::Yucho { kigo, bango } => (
                format!("yucho/{kigo}/{bango}"),
                format!("ゆうちょ銀行 記号{kigo} 番号{bango}"),
            ),
        };
        Observable::new(ObservableType::BankAccount, value, display)
    }
}

/// Suffixes that end a bank's name, with the full form used in values.
const BANK_SUFFIXES: [(&str, &str); 10] = [
    ("銀行", "銀行"),
    ("信用金庫", "信用金庫"),
    ("信金", "信用金庫"),
    ("信用組合", "信用組合"),
    ("信組", "信用組合"),
    ("労働金庫", "労働金庫"),
    ("労金", "労働金庫"),
    ("農業協同組合", "農業協同組合"),
    ("農協", "農業協同組合"),
    ("バンク", "バンク"),
];

/// Suffixes that end a branch's name, longest first at any one position.
const BRANCH_SUFFIXES: [&str; 5] = ["営業部", "出張所", "支店", "支所", "店"];
const BRANCH_CODE_LABELS: [&str; 4] = ["支店番号", "支店コード", "店番号", "店番"];
const FIELD_LABELS: [&str; 12] = [
    "支店名",
    "口座種別",
    "口座種目",
    "預金種目",
    "預金種別",
    "種別",
    "科目",
    "口座番号",
    "口座",
    "番号",
    "No.",
    "No",
];
/// Words before a bank name that are not part of it (振込先三菱UFJ銀行).
const LEADING_WORDS: [&str; 9] = [
    "振り込み先",
    "振込み先",
    "振込先",
    "振込口座",
    "送金先",
    "入金先",
    "宛先",
    "銀行名",
    "口座",
];
const TYPE_WORDS: [&str; 12] = [
    "普通預金",
    "当座預金",
    "貯蓄預金",
    "普通",
    "当座",
    "貯蓄",
    "(普)",
    "(当)",
    "(貯)",
    "普",
    "当",
    "貯",
];

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, 'ー' | '&' | '\u{3099}' | '\u{309A}')
}

fn is_hiragana(c: char) -> bool {
    ('\u{3041}'..='\u{3096}').contains(&c)
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | '\r' | ':' | ',' | '、' | '/' | '・' | '|' | '-' | '='
    )
}

/// A name as it goes into a value: NFKC (composing half-width kana), no whitespace.
fn clean_name(name: &str, suffix: &str) -> String {
    name.nfkc()
        .filter(|c| !c.is_whitespace())
        .chain(suffix.chars())
        .collect()
}

struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.i..]
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.rest().starts_with(lit) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn eat_any(&mut self, lits: &[&'static str]) -> Option<&'static str> {
        lits.iter().copied().find(|l| self.eat(l))
    }

    /// Separators (at most 16 bytes, so that scanning stays linear) and field labels.
    fn skip_fields(&mut self) {
        loop {
            let mut skipped = 0;
            while skipped < 16 {
                match self.rest().chars().next() {
                    Some(c) if is_separator(c) => {
                        self.i += c.len_utf8();
                        skipped += c.len_utf8();
                    }
                    _ => break,
                }
            }
            if self.eat_any(&FIELD_LABELS).is_none() {
                return;
            }
        }
    }

    fn spaces(&mut self) {
        while self.rest().starts_with(' ') {
            self.i += 1;
        }
    }

    /// Exactly `n` ASCII digits, not followed by another digit.
    fn digits(&mut self, n: usize) -> Option<String> {
        let b = self.rest().as_bytes();
        if b.len() >= n
            && b[..n].iter().all(u8::is_ascii_digit)
            && !b.get(n).is_some_and(u8::is_ascii_digit)
        {
            let d = self.rest()[..n].to_owned();
            self.i += n;
            Some(d)
        } else {
            None
        }
    }

    /// `(0005)`, `（０００５）` once folded.
    fn code_in_parens(&mut self, n: usize) -> Option<String> {
        let save = self.i;
        self.spaces();
        if self.eat("(") {
            self.spaces();
            if let Some(code) = self.digits(n) {
                self.spaces();
                if self.eat(")") {
                    return Some(code);
                }
            }
        }
        self.i = save;
        None
    }

    /// A branch name ending in a branch suffix, at most 20 characters in all.
    fn branch_name(&mut self) -> Option<String> {
        let start = self.i;
        let mut j = start;
        for _ in 0..20 {
            let here = &self.s[j..];
            if j > start
                && let Some(suffix) = BRANCH_SUFFIXES.iter().find(|s| here.starts_with(**s))
            {
                let mut end = j + suffix.len();
                if *suffix == "店" && self.s[end..].starts_with("営業部") {
                    end += "営業部".len();
                }
                self.i = end;
                return Some(clean_name(&self.s[start..end], ""));
            }
            let c = here.chars().next()?;
            if !is_name_char(c) {
                return None;
            }
            j += c.len_utf8();
        }
        None
    }

    /// What follows a bank's name: code, branch, type and number; or ゆうちょ's 記号・番号.
    fn after_bank(&mut self, bank_name: Option<String>) -> Option<Account> {
        let bank_code = self.code_in_parens(4);
        self.skip_fields();
        if self.eat("記号") {
            return self.yucho_numbers();
        }
        let branch = if self.eat_any(&BRANCH_CODE_LABELS).is_some() {
            self.skip_fields();
            Party {
                code: Some(self.digits(3)?),
                name: None,
            }
        } else {
            let name = self.branch_name()?;
            Party {
                code: self.code_in_parens(3),
                name: Some(name),
            }
        };
        self.skip_fields();
        let kind = self.eat_any(&TYPE_WORDS)?;
        let kind = match kind.trim_matches(['(', ')']) {
            k if k.starts_with('普') => AccountType::Futsu,
            k if k.starts_with('当') => AccountType::Toza,
            _ => AccountType::Chochiku,
        };
        self.skip_fields();
        let number = self.digits(7)?;
        Some(Account::Zengin {
            bank: Party {
                code: bank_code,
                name: bank_name,
            },
            branch,
            kind,
            number,
        })
    }

    /// After `記号`: 5 digits, then `番号` (or a dash) and 8 digits.
    fn yucho_numbers(&mut self) -> Option<Account> {
        self.skip_fields();
        let kigo = self.digits(5)?;
        self.skip_fields();
        self.eat("番号");
        self.skip_fields();
        let bango = self.digits(8)?;
        Some(Account::Yucho { kigo, bango })
    }
}

/// The bank suffix at `at`, if one starts there.
fn bank_suffix_at(s: &str, at: usize) -> Option<(&'static str, &'static str)> {
    BANK_SUFFIXES
        .iter()
        .copied()
        .find(|(suffix, _)| s[at..].starts_with(suffix))
}

pub(crate) fn normalise(s: &str) -> Result<Observable, NormaliseError> {
    if let Some(account) = canonical(s).or_else(|| structured(s)) {
        return Ok(account.observable());
    }
    written(s)
        .map(|a| a.observable())
        .ok_or(NormaliseError::InvalidBankAccount(
            "expected bank, branch, type (普通・当座・貯蓄) and a 7-digit number, or ゆうちょ 記号・番号",
        ))
}

fn all_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn canonical_name(s: &str, code_len: usize) -> Option<Party> {
    if all_digits(s, code_len) {
        return Some(Party {
            code: Some(s.to_owned()),
            name: None,
        });
    }
    if s.is_empty() || s.len() > 96 || !s.chars().all(is_name_char) {
        return None;
    }
    Some(Party {
        code: None,
        name: Some(clean_name(s, "")),
    })
}

/// `0005/135/futsu/1234567`, `三菱UFJ銀行/渋谷支店/futsu/1234567`, `yucho/12345/12345678`.
fn canonical(s: &str) -> Option<Account> {
    let parts: Vec<&str> = s.split('/').collect();
    match parts.as_slice() {
        ["yucho", kigo, bango] => {
            (all_digits(kigo, 5) && all_digits(bango, 8)).then(|| Account::Yucho {
                kigo: (*kigo).to_owned(),
                bango: (*bango).to_owned(),
            })
        }
        [bank, branch, kind, number] if all_digits(number, 7) => Some(Account::Zengin {
            bank: canonical_name(bank, 4)?,
            branch: canonical_name(branch, 3)?,
            kind: AccountType::from_word(kind)?,
            number: (*number).to_owned(),
        }),
        _ => None,
    }
}

/// `0005-135-1-1234567`, `0005 135 普通 1234567`.
fn structured(s: &str) -> Option<Account> {
    let parts: Vec<&str> = s
        .split(|c: char| c == '-' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    let [bank, branch, kind, number] = parts.as_slice() else {
        return None;
    };
    if !(all_digits(bank, 4) && all_digits(branch, 3) && all_digits(number, 7)) {
        return None;
    }
    Some(Account::Zengin {
        bank: Party {
            code: Some((*bank).to_owned()),
            name: None,
        },
        branch: Party {
            code: Some((*branch).to_owned()),
            name: None,
        },
        kind: AccountType::from_word(kind)?,
        number: (*number).to_owned(),
    })
}

/// The written form, from the start of `s`; what follows the account (a holder's name) is
/// ignored when set off by a space.
fn written(s: &str) -> Option<Account> {
    let mut c = Cursor { s, i: 0 };
    if c.eat("記号") {
        return c
            .yucho_numbers()
            .filter(|_| c.rest().is_empty() || c.rest().starts_with(char::is_whitespace));
    }
    let (at, suffix, full) = s
        .char_indices()
        .find_map(|(i, _)| bank_suffix_at(s, i).map(|(suf, full)| (i, suf, full)))?;
    let name = s[..at].trim();
    if (name.is_empty() && suffix != "バンク") || !name.chars().all(is_name_char) {
        return None;
    }
    c.i = at + suffix.len();
    let account = c.after_bank(Some(clean_name(name, full)))?;
    (c.rest().is_empty() || c.rest().starts_with(char::is_whitespace)).then_some(account)
}

/// Bank accounts written in `text` (prepared), as (range of `text`, observable).
pub(crate) fn find(text: &str) -> Vec<(Range<usize>, Observable)> {
    let mut found = Vec::new();
    for (suffix, full) in BANK_SUFFIXES {
        for at in memchr::memmem::find_iter(text.as_bytes(), suffix.as_bytes()) {
            let Some(start) = name_start(text, at) else {
                continue;
            };
            let mut c = Cursor {
                s: text,
                i: at + suffix.len(),
            };
            let name = clean_name(&text[start..at], full);
            if let Some(account) = c.after_bank(Some(name)) {
                found.push((start..c.i, account.observable()));
            }
        }
    }
    for at in memchr::memmem::find_iter(text.as_bytes(), "記号".as_bytes()) {
        let mut c = Cursor {
            s: text,
            i: at + "記号".len(),
        };
        if let Some(account) = c.yucho_numbers() {
            found.push((at..c.i, account.observable()));
        }
    }
    found.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
    found
}

/// Where the bank name ending at `at` starts: back over name characters (at most 16), not
/// past a particle after a non-hiragana character (振込先は|三菱UFJ), without leading words
/// such as 振込先.
fn name_start(text: &str, at: usize) -> Option<usize> {
    let mut start = at;
    for (i, c) in text[..at].char_indices().rev().take(16) {
        if !is_name_char(c) {
            break;
        }
        start = i;
    }
    // Cut after the last particle that follows a non-hiragana character.
    let name = &text[start..at];
    let mut cut = start;
    let mut prev: Option<char> = None;
    for (i, c) in name.char_indices() {
        if matches!(
            c,
            'は' | 'が' | 'を' | 'に' | 'で' | 'へ' | 'と' | 'の' | 'も' | 'や'
        ) && prev.is_some_and(|p| !is_hiragana(p))
        {
            cut = start + i + c.len_utf8();
        }
        prev = Some(c);
    }
    let mut start = cut;
    while let Some(word) = LEADING_WORDS
        .iter()
        .find(|w| text[start..at].starts_with(**w))
    {
        start += word.len();
    }
    (start < at).then_some(start)
}

#[cfg(test)]
mod tests {
    use crate::{ObservableType as T, normalise};

    fn value(input: &str) -> (String, String) {
        let o = normalise(T::BankAccount, input).unwrap_or_else(|e| panic!("{input}: {e}"));
        (o.value().to_owned(), o.display().to_owned())
    }

    #[test]
    fn written_forms() {
        let cases = [
            (
                "三菱UFJ銀行 渋谷支店 普通 1234567",
                "三菱UFJ銀行/渋谷支店/futsu/1234567",
                "三菱UFJ銀行 渋谷支店 普通 1234567",
            ),
            (
                "三菱ＵＦＪ銀行　渋谷支店　普通　１２３４５６７",
                "三菱UFJ銀行/渋谷支店/futsu/1234567",
                "三菱UFJ銀行 渋谷支店 普通 1234567",
            ),
            (
                "三菱UFJ銀行(0005) 渋谷支店(135) 普通預金 1234567",
                "0005/135/futsu/1234567",
                "三菱UFJ銀行(0005) 渋谷支店(135) 普通 1234567",
            ),
            (
                "城南信金 本店営業部 当座 7654321 ﾔﾏﾀﾞﾀﾛｳ",
                "城南信用金庫/本店営業部/toza/7654321",
                "城南信用金庫 本店営業部 当座 7654321",
            ),
            (
                "ゆうちょ銀行 〇一八店 普通 1234567",
                "ゆうちょ銀行/〇一八店/futsu/1234567",
                "ゆうちょ銀行 〇一八店 普通 1234567",
            ),
            (
                "ゆうちょ銀行 記号12345 番号12345671",
                "yucho/12345/12345671",
                "ゆうちょ銀行 記号12345 番号12345671",
            ),
            (
                "記号 12345-12345671",
                "yucho/12345/12345671",
                "ゆうちょ銀行 記号12345 番号12345671",
            ),
            (
                "PayPay銀行 ビジネス営業部 普通 1234567",
                "PayPay銀行/ビジネス営業部/futsu/1234567",
                "PayPay銀行 ビジネス営業部 普通 1234567",
            ),
            (
                "楽天銀行 第一営業支店 (普) 1234567",
                "楽天銀行/第一営業支店/futsu/1234567",
                "楽天銀行 第一営業支店 普通 1234567",
            ),
            (
                "みずほ銀行 店番123 普通 口座番号1234567",
                "みずほ銀行/123/futsu/1234567",
                "みずほ銀行 123 普通 1234567",
            ),
        ];
        for (input, v, d) in cases {
            assert_eq!(value(input), (v.to_owned(), d.to_owned()), "{input}");
        }
    }

    #[test]
    fn canonical_and_structured_forms() {
        assert_eq!(value("0005-135-1-1234567").0, "0005/135/futsu/1234567");
        assert_eq!(value("0005 135 当座 1234567").0, "0005/135/toza/1234567");
        assert_eq!(value("0005/135/futsu/1234567").0, "0005/135/futsu/1234567");
        assert_eq!(
            value("三菱UFJ銀行/渋谷支店/futsu/1234567").0,
            "三菱UFJ銀行/渋谷支店/futsu/1234567"
        );
        assert_eq!(value("yucho/12345/12345671").0, "yucho/12345/12345671");
    }

    #[test]
    fn refuses_incomplete_accounts() {
        for bad in [
            "普通 1234567",
            "三菱UFJ銀行 普通 1234567",
            "三菱UFJ銀行 渋谷支店 1234567",
            "三菱UFJ銀行 渋谷支店 普通 123456",
            "三菱UFJ銀行 渋谷支店 普通 12345678",
            "0005-135-9-1234567",
            "銀行 渋谷支店 普通 1234567",
        ] {
            let e = normalise(T::BankAccount, bad).unwrap_err();
            assert_eq!(e.code(), "invalid_bank_account", "{bad}");
        }
    }

    #[test]
    fn finds_accounts_in_text() {
        let text = "振込先は三菱UFJ銀行渋谷支店普通1234567です。または振込先：城南信金 本店営業部 当座 7654321、ゆうちょ 記号12345 番号12345671";
        let found: Vec<String> = super::find(text)
            .into_iter()
            .map(|(r, o)| format!("{}={}", &text[r], o.value()))
            .collect();
        assert_eq!(
            found,
            [
                "三菱UFJ銀行渋谷支店普通1234567=三菱UFJ銀行/渋谷支店/futsu/1234567",
                "城南信金 本店営業部 当座 7654321=城南信用金庫/本店営業部/toza/7654321",
                "記号12345 番号12345671=yucho/12345/12345671",
            ]
        );
    }
}
