//! The recognisers. Each scans the prepared text once (a bounded amount of work per byte) and
//! proposes candidates that already normalise; `mod.rs` resolves overlaps.

use std::ops::Range;

use memchr::{memchr_iter, memmem};

use super::Candidate;
use crate::kind::{Chain, ObservableType};
use crate::normalise::{MAX_VALUE_LEN, bank, crypto, digest, normalise_prepared};
use crate::prepare::PreparedText;
use crate::tld::{is_file_extension_tld, is_known_tld};

/// Schemes whose URLs are recognised in text (after refanging `hxxp`, `fxp`, `ttp`).
const SCHEMES: [&str; 7] = ["http", "https", "ftp", "ftps", "sftp", "ws", "wss"];

/// The longest run of characters considered as one internationalised domain name.
const MAX_UNICODE_DOMAIN: usize = 1024;

pub(super) fn candidates(p: &PreparedText<'_>) -> Vec<Candidate> {
    let t = p.text();
    let mut out = Vec::new();
    urls(t, &mut out);
    let url_ranges: Vec<Range<usize>> = out.iter().map(|c| c.range.clone()).collect();
    emails(t, &url_ranges, &mut out);
    let mut covered: Vec<Range<usize>> = out.iter().map(|c| c.range.clone()).collect();
    covered.sort_by_key(|r| r.start);

    words(t, p, &covered, &mut out);
    ipv6(t, &covered, &mut out);
    unicode_domains(t, &covered, &mut out);
    let mut cover = Covered::new(&covered);
    out.extend(
        bank::find(t)
            .into_iter()
            .filter(|(r, _)| !cover.contains(r.start))
            .map(|(range, observable)| Candidate { range, observable }),
    );
    out
}

/// Ranges already taken by URLs and e-mail addresses, asked about in increasing order.
struct Covered<'a> {
    ranges: &'a [Range<usize>],
    next: usize,
}

impl<'a> Covered<'a> {
    fn new(ranges: &'a [Range<usize>]) -> Self {
        Covered { ranges, next: 0 }
    }

    /// Whether `pos` is inside a range; `pos` never decreases between calls.
    fn contains(&mut self, pos: usize) -> bool {
        while self.ranges.get(self.next).is_some_and(|r| r.end <= pos) {
            self.next += 1;
        }
        // Ranges may overlap (an address inside a URL is not proposed, but be safe).
        self.ranges[self.next..]
            .iter()
            .take_while(|r| r.start <= pos)
            .any(|r| r.end > pos)
    }
}

fn push(out: &mut Vec<Candidate>, kind: ObservableType, text: &str, range: Range<usize>) -> bool {
    match normalise_prepared(kind, text) {
        Ok(observable) => {
            out.push(Candidate { range, observable });
            true
        }
        Err(_) => false,
    }
}

/// `char::is_alphanumeric`, answering the common Japanese ranges without a table lookup.
fn is_letter_or_digit(c: char) -> bool {
    match c as u32 {
        0..=0x7F => c.is_ascii_alphanumeric(),
        0x3041..=0x3096 | 0x30A1..=0x30FA | 0x30FC..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF => {
            true
        }
        0x3000..=0x303F => {
            matches!(c as u32, 0x3005..=0x3007 | 0x3021..=0x3029 | 0x3031..=0x3035 | 0x3038..=0x303C)
        }
        _ => c.is_alphanumeric(),
    }
}

fn is_hiragana(c: char) -> bool {
    ('\u{3041}'..='\u{3096}').contains(&c)
}

fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{3099}'..='\u{309A}')
}

/// Where a URL whose body starts at `from` ends: `(end after trimming, end of the run)`.
///
/// The body runs to whitespace, a quote or angle bracket, or a non-ASCII character that is
/// not a letter or digit (「」、。…). Japanese paths are kept, but a hiragana character right
/// after an ASCII letter or digit, a kanji or a katakana starts the sentence again
/// (`…/loginを確認`, `…/ログインを確認`). Trailing punctuation and unbalanced closing brackets
/// are left out.
fn url_end(t: &str, start: usize, from: usize) -> (usize, usize) {
    let mut end = from;
    let mut prev: Option<char> = None;
    for (off, c) in t[from..].char_indices() {
        let stop = if c.is_ascii() {
            c.is_ascii_whitespace()
                || c.is_ascii_control()
                || matches!(
                    c,
                    '<' | '>' | '"' | '`' | '\'' | '{' | '}' | '|' | '\\' | '^'
                )
        } else if !(is_letter_or_digit(c) || is_mark(c)) {
            true
        } else {
            is_hiragana(c)
                && prev.is_some_and(|p| {
                    p.is_ascii_alphanumeric() || (!p.is_ascii() && !is_hiragana(p))
                })
        };
        if stop {
            break;
        }
        prev = Some(c);
        end = from + off + c.len_utf8();
    }
    let run_end = end;
    let b = t.as_bytes();
    let count = |x: u8| b[start..end].iter().filter(|&&c| c == x).count();
    let (mut parens, mut brackets) = (
        count(b')').saturating_sub(count(b'(')),
        count(b']').saturating_sub(count(b'[')),
    );
    while end > from {
        match b[end - 1] {
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'*' => end -= 1,
            b')' if parens > 0 => {
                parens -= 1;
                end -= 1;
            }
            b']' if brackets > 0 => {
                brackets -= 1;
                end -= 1;
            }
            _ => break,
        }
    }
    (end, run_end)
}

/// `scheme://…` for the schemes in [`SCHEMES`].
fn urls(t: &str, out: &mut Vec<Candidate>) {
    let b = t.as_bytes();
    let mut resume = 0;
    for p in memmem::find_iter(b, b"://") {
        if p < resume {
            continue;
        }
        let letters = b[..p]
            .iter()
            .rev()
            .take(6)
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        let start = p - letters;
        if start > 0 && b[start - 1].is_ascii_alphanumeric() {
            continue;
        }
        if !SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(&t[start..p])) {
            continue;
        }
        let (end, run_end) = url_end(t, start, p + 3);
        // The whole run is this URL's, whether or not it parses, so no byte is scanned twice.
        resume = run_end;
        if end > p + 3 && end - start <= MAX_VALUE_LEN {
            push(out, ObservableType::Url, &t[start..end], start..end);
        }
    }
}

fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

/// `local@domain` with an ASCII domain ending in a known TLD.
fn emails(t: &str, urls: &[Range<usize>], out: &mut Vec<Candidate>) {
    let b = t.as_bytes();
    let mut cover = Covered::new(urls);
    for at in memchr_iter(b'@', b) {
        if cover.contains(at) {
            continue;
        }
        let local_len = b[..at]
            .iter()
            .rev()
            .take(65)
            .take_while(|&&c| is_local_byte(c))
            .count();
        if local_len == 0 || local_len > 64 {
            continue;
        }
        let mut start = at - local_len;
        while start < at && b[start] == b'.' {
            start += 1;
        }
        let host_len = b[at + 1..]
            .iter()
            .take(256)
            .take_while(|&&c| is_host_byte(c))
            .count();
        let mut end = at + 1 + host_len;
        while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
            end -= 1;
        }
        if start == at || host_len > 255 {
            continue;
        }
        let host = &t[at + 1..end];
        let Some((_, tld)) = host.rsplit_once('.') else {
            continue;
        };
        if is_known_tld(tld) {
            push(out, ObservableType::Email, &t[start..end], start..end);
        }
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')
}

/// Runs of ASCII letters, digits, `.`, `-` and `_`: domains (and URLs without a scheme),
/// IPv4 addresses and networks, hashes, CVE ids, cryptocurrency addresses.
fn words(t: &str, p: &PreparedText<'_>, covered: &[Range<usize>], out: &mut Vec<Candidate>) {
    let b = t.as_bytes();
    let mut cover = Covered::new(covered);
    let mut skip_to = 0;
    let mut i = 0;
    while i < b.len() {
        if !is_word_byte(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_word_byte(b[i]) {
            i += 1;
        }
        if start < skip_to || cover.contains(start) {
            continue;
        }
        let (mut s, mut e) = (start, i);
        while s < e && matches!(b[s], b'.' | b'-' | b'_') {
            s += 1;
        }
        while e > s && matches!(b[e - 1], b'.' | b'-' | b'_') {
            e -= 1;
        }
        if s == e {
            continue;
        }
        pieces(t, s, e, out);
        let word = &t[s..e];
        if !word.contains('.') {
            continue;
        }
        if word.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
            ipv4(t, s, e, e == i, out);
        } else if let Some(run_end) = domain(t, p, s, e, e == i, out) {
            skip_to = run_end;
        }
    }
}

/// Alphanumeric pieces of a word: hashes, Ethereum and Bitcoin addresses, CVE ids.
fn pieces(t: &str, s: usize, e: usize, out: &mut Vec<Candidate>) {
    let b = t.as_bytes();
    let mut i = s;
    while i < e {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let a = i;
        while i < e && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let piece = &b[a..i];
        let len = piece.len();
        if let Some(kind) = digest::hash_kind_of_len(len)
            && piece.iter().all(u8::is_ascii_hexdigit)
        {
            push(out, kind, &t[a..i], a..i);
        } else if len == 42 && (piece.starts_with(b"0x") || piece.starts_with(b"0X")) {
            push(
                out,
                ObservableType::CryptoAddress(Chain::Ethereum),
                &t[a..i],
                a..i,
            );
        } else if ((26..=35).contains(&len)
            && matches!(piece[0], b'1' | b'3')
            && piece.iter().all(|&c| crypto::is_base58_char(c)))
            || ((14..=74).contains(&len) && piece[..3].eq_ignore_ascii_case(b"bc1"))
        {
            push(
                out,
                ObservableType::CryptoAddress(Chain::Bitcoin),
                &t[a..i],
                a..i,
            );
        } else if piece.eq_ignore_ascii_case(b"cve")
            && b.get(i) == Some(&b'-')
            && let Some(end) = cve_end(b, i + 1)
        {
            push(out, ObservableType::Cve, &t[a..end], a..end);
            i = end;
        }
    }
}

/// After `CVE-`: four digits, `-`, four to nineteen digits, not followed by a letter or digit.
fn cve_end(b: &[u8], from: usize) -> Option<usize> {
    let year = b.get(from..from + 4)?;
    if !year.iter().all(u8::is_ascii_digit) || b.get(from + 4) != Some(&b'-') {
        return None;
    }
    let n = b[from + 5..]
        .iter()
        .take(20)
        .take_while(|c| c.is_ascii_digit())
        .count();
    let end = from + 5 + n;
    ((4..=19).contains(&n) && !b.get(end).is_some_and(u8::is_ascii_alphanumeric)).then_some(end)
}

/// A dotted-decimal IPv4 address, or a network when `/prefix` follows.
fn ipv4(t: &str, s: usize, e: usize, untrimmed: bool, out: &mut Vec<Candidate>) {
    let b = t.as_bytes();
    if b[s..e].iter().filter(|&&c| c == b'.').count() != 3 {
        return;
    }
    if untrimmed && b.get(e) == Some(&b'/') {
        let n = b[e + 1..]
            .iter()
            .take(3)
            .take_while(|c| c.is_ascii_digit())
            .count();
        let end = e + 1 + n;
        let followed = b.get(end);
        if (1..=2).contains(&n)
            && !followed.is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'.' || c == b'/')
            && push(out, ObservableType::Cidr, &t[s..end], s..end)
        {
            return;
        }
    }
    push(out, ObservableType::Ipv4, &t[s..e], s..e);
}

/// A domain name ending in a known TLD, or a URL without a scheme when a path follows.
/// Returns the end of the path's run when one was scanned, so its words are not scanned again.
fn domain(
    t: &str,
    p: &PreparedText<'_>,
    s: usize,
    e: usize,
    untrimmed: bool,
    out: &mut Vec<Candidate>,
) -> Option<usize> {
    let word = &t[s..e];
    let (_, tld) = word.rsplit_once('.')?;
    if !is_known_tld(tld) || word.contains("..") {
        return None;
    }
    let defanged = p.refanged_within(&(s..e));
    let tb = tld.as_bytes();
    // `end.It was` — a sentence run together, not the Italian TLD.
    let title_case = tb[0].is_ascii_uppercase() && tb[1..].iter().all(u8::is_ascii_lowercase);
    if title_case && !defanged {
        return None;
    }
    if is_file_extension_tld(tld)
        && !defanged
        && !word
            .get(..4)
            .is_some_and(|w| w.eq_ignore_ascii_case("www."))
    {
        return None;
    }
    let b = t.as_bytes();
    if untrimmed && b.get(e) == Some(&b'/') && b.get(e + 1).is_some_and(|&c| c != b'/') {
        let (end, run_end) = url_end(t, s, e);
        if end > e + 1 && end - s < MAX_VALUE_LEN {
            let url = format!("http://{}", &t[s..end]);
            if push(out, ObservableType::Url, &url, s..end) {
                return Some(run_end);
            }
        }
        push(out, ObservableType::Domain, word, s..e);
        return Some(run_end);
    }
    push(out, ObservableType::Domain, word, s..e);
    None
}

fn is_v6_byte(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b':' || b == b'.'
}

/// IPv6 addresses (and networks): runs of hex digits, `:` and `.` with `::` or eight groups.
fn ipv6(t: &str, covered: &[Range<usize>], out: &mut Vec<Candidate>) {
    let b = t.as_bytes();
    let mut cover = Covered::new(covered);
    let mut done_to = 0;
    for colon in memchr_iter(b':', b) {
        if colon < done_to {
            continue;
        }
        let mut s = colon;
        while s > 0 && is_v6_byte(b[s - 1]) {
            s -= 1;
        }
        let mut e = colon;
        while e < b.len() && is_v6_byte(b[e]) {
            e += 1;
        }
        done_to = e;
        let attached = |c: Option<&u8>| c.is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_');
        if (s > 0 && attached(b.get(s - 1))) || attached(b.get(e)) || cover.contains(s) {
            continue;
        }
        let mut end = e;
        while end > s && b[end - 1] == b'.' {
            end -= 1;
        }
        if end > s + 1 && b[end - 1] == b':' && b[end - 2] != b':' {
            end -= 1;
        }
        let w = &t[s..end];
        let colons = w.bytes().filter(|&c| c == b':').count();
        let compressed = w.contains("::");
        if !(compressed || colons == 7 || (colons == 6 && w.contains('.'))) {
            continue;
        }
        if compressed && !w.starts_with("::") {
            // `A::B` in prose or code is not an address; `fe80::1` and `2001:db8::1` are.
            let groups: Vec<&str> = w.split(':').filter(|g| !g.is_empty()).collect();
            if groups.len() < 3 && groups.first().is_none_or(|g| g.len() < 3) {
                continue;
            }
        }
        if end == e && b.get(e) == Some(&b'/') {
            let n = b[e + 1..]
                .iter()
                .take(4)
                .take_while(|c| c.is_ascii_digit())
                .count();
            let net_end = e + 1 + n;
            if (1..=3).contains(&n)
                && !b.get(net_end).is_some_and(u8::is_ascii_alphanumeric)
                && push(out, ObservableType::Cidr, &t[s..net_end], s..net_end)
            {
                continue;
            }
        }
        push(out, ObservableType::Ipv6, w, s..end);
    }
}

fn is_unicode_domain_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '.' || c == '-'
    } else {
        is_letter_or_digit(c) || is_mark(c)
    }
}

/// Internationalised domain names written in Unicode (`日本語.jp`, `例え.みんな`). The run of
/// letters around them must be set off by spaces, brackets or punctuation, since Japanese
/// text has no spaces between words; a label mixing ASCII letters with other letters
/// (`お問い合わせはexample`) is taken as running text and the run is left to the ASCII scan.
fn unicode_domains(t: &str, covered: &[Range<usize>], out: &mut Vec<Candidate>) {
    let mut cover = Covered::new(covered);
    // Runs are found from their dots: each byte is looked at most twice (once leftwards,
    // once rightwards), and text without dots (most Japanese prose) costs nothing here.
    let mut done_to = 0;
    for dot in memchr_iter(b'.', t.as_bytes()) {
        if dot < done_to {
            continue;
        }
        let mut start = dot;
        for (i, c) in t[..dot].char_indices().rev() {
            if !is_unicode_domain_char(c) {
                break;
            }
            start = i;
        }
        let mut end = dot + 1;
        for (i, c) in t[dot + 1..].char_indices() {
            if !is_unicode_domain_char(c) {
                break;
            }
            end = dot + 1 + i + c.len_utf8();
        }
        done_to = end;
        if t[start..end].is_ascii() || end - start > MAX_UNICODE_DOMAIN || cover.contains(start) {
            continue;
        }
        let run = t[start..end].trim_end_matches(['.', '-']);
        let lead = run.len() - run.trim_start_matches(['.', '-']).len();
        let run = &run[lead..];
        let s = start + lead;
        if plausible_unicode_domain(run) {
            push(out, ObservableType::Domain, run, s..s + run.len());
        }
    }
}

fn plausible_unicode_domain(run: &str) -> bool {
    let mut labels = 0;
    let mut last = "";
    for label in run.split('.') {
        let non_ascii = !label.is_ascii();
        if label.is_empty() || (non_ascii && label.chars().any(|c| c.is_ascii_alphabetic())) {
            return false;
        }
        labels += 1;
        last = label;
    }
    if labels < 2 {
        return false;
    }
    if last.is_ascii() {
        return is_known_tld(last);
    }
    crate::normalise::domain::to_ascii(&format!("x.{last}"))
        .is_ok_and(|a| a.rsplit_once('.').is_some_and(|(_, tld)| is_known_tld(tld)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_ends() {
        fn end(s: &str) -> &str {
            let from = s.find("://").unwrap() + 3;
            &s[..url_end(s, 0, from).0]
        }
        assert_eq!(
            end("https://example.jp/loginを確認"),
            "https://example.jp/login"
        );
        assert_eq!(
            end("https://example.jp/ログインを確認"),
            "https://example.jp/ログイン"
        );
        assert_eq!(
            end("https://example.jp/ようこそ"),
            "https://example.jp/ようこそ"
        );
        assert_eq!(end("https://example.jp/a。次"), "https://example.jp/a");
        assert_eq!(end("https://example.jp/a)."), "https://example.jp/a");
        assert_eq!(
            end("https://en.wikipedia.org/wiki/Foo_(bar))"),
            "https://en.wikipedia.org/wiki/Foo_(bar)"
        );
        assert_eq!(
            end("https://example.jp/x?a=1&b=2, then"),
            "https://example.jp/x?a=1&b=2"
        );
        assert_eq!(end("https://example.jp/「x」"), "https://example.jp/");
    }
}
