//! Text preparation before recognition: Unicode compatibility folding (NFKC, per character)
//! and refanging, keeping for every byte of the result the offset it came from in the
//! original, so a UI can highlight what was found.
//!
//! Two passes, each linear: `fold` (NFKC per character, canonical composition of a combining
//! mark with the character before it, hyphen-like dashes to `-`), then `refang` (a
//! left-to-right rewriting in which a defang marker is replaced as soon as its last byte is
//! written, and replacements cascade, so `[[.]]` ends as `.` in one pass and the result
//! contains no marker: refanging is idempotent).

use std::borrow::Cow;
use std::ops::Range;

use unicode_normalization::char::{canonical_combining_class, compose};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// How much longer than its input the folded text may be (`㍿` → `株式会社` is 4×).
const MAX_GROWTH: usize = 4;

/// A text after folding and refanging, with the way back to the original byte offsets.
#[derive(Debug)]
pub struct PreparedText<'a> {
    original_len: usize,
    folded: Cow<'a, str>,
    /// From `folded` back to the original; `None` when `folded` is the original.
    folded_map: Option<OffsetMap>,
    /// `None` when refanging changed nothing.
    refanged: Option<Refanged>,
}

#[derive(Debug)]
struct Refanged {
    text: String,
    /// From `text` back to the folded text.
    map: OffsetMap,
    /// Ranges of `text` written by refanging, sorted and disjoint.
    changed: Vec<Range<usize>>,
}

/// From positions of a rewritten text back to its source: pieces that are copied (every
/// byte maps to its own source byte) or replaced (every byte maps to the start of what was
/// replaced). Only the starts of pieces are stored, so a text that is mostly copied costs
/// almost nothing.
#[derive(Debug, Default)]
struct OffsetMap {
    pieces: Vec<Piece>,
}

#[derive(Clone, Copy, Debug)]
struct Piece {
    out: u32,
    src: u32,
    copied: bool,
}

impl OffsetMap {
    fn piece_at(&self, pos: usize) -> Piece {
        let i = self.pieces.partition_point(|p| p.out as usize <= pos);
        self.pieces
            .get(i.wrapping_sub(1))
            .copied()
            .unwrap_or(Piece {
                out: 0,
                src: 0,
                copied: true,
            })
    }

    /// Where output position `pos` comes from; the end of the source past the output's end.
    fn source(&self, pos: usize, out_len: usize, src_len: usize) -> usize {
        if pos >= out_len {
            return src_len;
        }
        let p = self.piece_at(pos);
        if p.copied {
            p.src as usize + (pos - p.out as usize)
        } else {
            p.src as usize
        }
    }

    /// Output from `out` on is copied from source `src` on.
    fn copied_from(&mut self, out: usize, src: usize) {
        if let Some(last) = self.pieces.last() {
            if last.copied && last.src as usize + (out - last.out as usize) == src {
                return;
            }
            if last.out as usize == out {
                self.pieces.pop();
            }
        }
        self.pieces.push(Piece {
            out: out as u32,
            src: src as u32,
            copied: true,
        });
    }

    /// Output from `out` on replaces source from `src` on.
    fn replaced_from(&mut self, out: usize, src: usize) {
        if let Some(last) = self.pieces.last() {
            if !last.copied && last.src as usize == src {
                return;
            }
            if last.out as usize == out {
                self.pieces.pop();
            }
        }
        self.pieces.push(Piece {
            out: out as u32,
            src: src as u32,
            copied: false,
        });
    }

    /// Forgets what is known about output from `out` on.
    fn truncate(&mut self, out: usize) {
        while self.pieces.last().is_some_and(|p| p.out as usize >= out) {
            self.pieces.pop();
        }
    }
}

/// The prepared text would be too long for its offsets or grows too much.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Overgrown {
    pub(crate) max: usize,
}

impl<'a> PreparedText<'a> {
    /// Folds and refangs `input`. Fails when the folded text would exceed `MAX_GROWTH` times
    /// the input (plus a little), which bounds memory whatever the input.
    pub(crate) fn new(input: &'a str) -> Result<Self, Overgrown> {
        // Offsets are u32; refanging may add a byte per `ttp://`, so leave room for that.
        let max = input
            .len()
            .saturating_mul(MAX_GROWTH)
            .saturating_add(64)
            .min(u32::MAX as usize / 2);
        if input.len() >= max {
            return Err(Overgrown { max });
        }
        let (folded, folded_map) = fold(input, max)?;
        let refanged = refang(&folded);
        Ok(PreparedText {
            original_len: input.len(),
            folded,
            folded_map,
            refanged,
        })
    }

    /// The folded, refanged text.
    pub fn text(&self) -> &str {
        match &self.refanged {
            Some(r) => &r.text,
            None => &self.folded,
        }
    }

    /// The prepared text, owned only when preparation changed something.
    pub(crate) fn into_text(self) -> Cow<'a, str> {
        match self.refanged {
            Some(r) => Cow::Owned(r.text),
            None => self.folded,
        }
    }

    /// The byte range of the original text that `span` (a range of [`text`](Self::text))
    /// came from. A span that starts or ends inside a replaced piece is widened to the whole
    /// piece at its start and cut before it at its end.
    pub fn original_span(&self, span: Range<usize>) -> Range<usize> {
        let (start, end) = match &self.refanged {
            Some(r) => (
                r.map.source(span.start, r.text.len(), self.folded.len()),
                r.map.source(span.end, r.text.len(), self.folded.len()),
            ),
            None => (span.start, span.end),
        };
        let (start, end) = match &self.folded_map {
            Some(m) => (
                m.source(start, self.folded.len(), self.original_len),
                m.source(end, self.folded.len(), self.original_len),
            ),
            None => (start, end),
        };
        start..end.max(start)
    }

    /// Whether refanging rewrote anything inside `span` (a range of [`text`](Self::text)).
    pub fn refanged_within(&self, span: &Range<usize>) -> bool {
        let Some(r) = &self.refanged else {
            return false;
        };
        let i = r.changed.partition_point(|c| c.end <= span.start);
        r.changed.get(i).is_some_and(|c| c.start < span.end)
    }
}

/// Folds and refangs a single value for `normalise`, ignoring offsets.
pub(crate) fn prepare_value(raw: &str) -> Cow<'_, str> {
    match PreparedText::new(raw) {
        Ok(p) => p.into_text(),
        // Unreachable for values within the normaliser's length limit; fall back to the raw
        // text, which the type-specific parser then judges.
        Err(_) => Cow::Borrowed(raw),
    }
}

enum Fold {
    /// Unchanged, and not a combining mark (the common CJK ranges: no lookup needed).
    Starter,
    /// Unchanged; may be a combining mark.
    Same,
    Char(char),
    Text(String),
}

fn fold_char(c: char) -> Fold {
    match c as u32 {
        // Full-width ASCII (ＡＢＣ１２３．：／＠) to ASCII: what NFKC does, without the lookup.
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).map_or(Fold::Same, Fold::Char),
        0x3000 => Fold::Char(' '),
        // Hyphens that word processors put in CVE ids and the like. NFKC leaves them.
        0x2010..=0x2012 | 0x2212 => Fold::Char('-'),
        // Kana, CJK ideographs, Hangul syllables, 、。 and CJK brackets: NFKC-stable.
        0x3001..=0x3002
        | 0x3008..=0x3011
        | 0x3041..=0x3096
        | 0x30A1..=0x30FA
        | 0x30FC..=0x30FE
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xAC00..=0xD7A3 => Fold::Starter,
        _ => {
            if is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes {
                return Fold::Same;
            }
            let mut s: String = std::iter::once(c).nfkc().collect();
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(only), None) if only == c => Fold::Same,
                (Some(only), None) => Fold::Char(only),
                _ => {
                    s.shrink_to_fit();
                    Fold::Text(s)
                }
            }
        }
    }
}

struct Folder<'a> {
    input: &'a str,
    out: String,
    map: OffsetMap,
    /// `input[..flushed]` has been written to `out`.
    flushed: usize,
    max: usize,
}

impl Folder<'_> {
    fn flush_to(&mut self, to: usize) -> Result<(), Overgrown> {
        if to > self.flushed {
            self.map.copied_from(self.out.len(), self.flushed);
            self.out.push_str(&self.input[self.flushed..to]);
            self.flushed = to;
        }
        self.check()
    }

    fn check(&self) -> Result<(), Overgrown> {
        if self.out.len() > self.max {
            Err(Overgrown { max: self.max })
        } else {
            Ok(())
        }
    }

    /// Writes `replacement` for the character at `at..next`, composing its first character
    /// with the character written before it when that is what NFC would do.
    fn write(&mut self, at: usize, next: usize, replacement: &str) -> Result<(), Overgrown> {
        self.flush_to(at)?;
        let mut chars = replacement.chars();
        if let Some(first) = chars.next()
            && canonical_combining_class(first) != 0
            && let Some(prev) = self.out.chars().next_back()
            && let Some(composed) = compose(prev, first)
        {
            let prev_at = self.out.len() - prev.len_utf8();
            let source = self.map.source(prev_at, self.out.len(), self.input.len());
            self.out.truncate(prev_at);
            self.map.truncate(prev_at);
            self.map.replaced_from(prev_at, source);
            self.out.push(composed);
            self.out.extend(chars);
        } else {
            self.map.replaced_from(self.out.len(), at);
            self.out.push_str(replacement);
        }
        self.flushed = next;
        self.check()
    }
}

/// NFKC per character (plus dash folding), with the offset map. Borrowed when nothing changes.
fn fold(input: &str, max: usize) -> Result<(Cow<'_, str>, Option<OffsetMap>), Overgrown> {
    if input.is_ascii() {
        return Ok((Cow::Borrowed(input), None));
    }
    let mut folder: Option<Folder<'_>> = None;
    let bytes = input.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] < 0x80 {
            i += 1;
            continue;
        }
        let Some(c) = input[i..].chars().next() else {
            break;
        };
        let next = i + c.len_utf8();
        let mut buf = [0u8; 4];
        let replacement: Option<Cow<'_, str>> = match fold_char(c) {
            Fold::Starter => None,
            Fold::Same if canonical_combining_class(c) == 0 => None,
            Fold::Same => {
                // A combining mark: worth writing only if it composes with what precedes.
                let prev = match &folder {
                    Some(f) if f.flushed == i => f.out.chars().next_back(),
                    _ => input[..i].chars().next_back(),
                };
                prev.and_then(|p| compose(p, c))
                    .map(|_| Cow::Borrowed(&*c.encode_utf8(&mut buf)))
            }
            Fold::Char(m) => Some(Cow::Owned(m.to_string())),
            Fold::Text(s) => Some(Cow::Owned(s)),
        };
        if let Some(r) = replacement {
            let f = folder.get_or_insert_with(|| Folder {
                input,
                out: String::with_capacity(input.len()),
                map: OffsetMap::default(),
                flushed: 0,
                max,
            });
            f.write(i, next, &r)?;
        }
        i = next;
    }
    match folder {
        None => Ok((Cow::Borrowed(input), None)),
        Some(mut f) => {
            f.flush_to(input.len())?;
            Ok((Cow::Owned(f.out), Some(f.map)))
        }
    }
}

/// Bytes after which a defang marker may be complete.
const TRIGGERS: [bool; 256] = {
    let mut t = [false; 256];
    t[b']' as usize] = true;
    t[b')' as usize] = true;
    t[b'}' as usize] = true;
    t[b'.' as usize] = true;
    t[b'/' as usize] = true;
    t[b' ' as usize] = true;
    t
};

struct Refanger<'a> {
    src: &'a str,
    /// `src[..pos]` has been consumed.
    pos: usize,
    /// `None` while the output is still `src[..pos]`. Positions handled here are always
    /// just after or at an ASCII byte, so every slice is at a character boundary.
    out: Option<(String, OffsetMap)>,
    changed: Vec<Range<usize>>,
}

impl Refanger<'_> {
    fn tail(&self) -> &[u8] {
        match &self.out {
            Some((out, _)) => out.as_bytes(),
            None => &self.src.as_bytes()[..self.pos],
        }
    }

    fn consume_to(&mut self, to: usize) {
        if let Some((out, map)) = &mut self.out
            && to > self.pos
        {
            map.copied_from(out.len(), self.pos);
            out.push_str(&self.src[self.pos..to]);
        }
        self.pos = to;
    }

    /// Replaces output bytes `from..to` with `with`, keeping what follows `to`.
    fn replace(&mut self, from: usize, to: usize, with: &str) {
        let (out, map) = self.out.get_or_insert_with(|| {
            let mut map = OffsetMap::default();
            map.copied_from(0, 0);
            (self.src[..self.pos].to_owned(), map)
        });
        let src_len = self.src.len();
        let source = map.source(from, out.len(), src_len);
        // What follows `to` is a few ASCII bytes at most (`://` after a scheme).
        let kept = out[to..].to_owned();
        let kept_map: Vec<(usize, bool)> = (to..out.len())
            .map(|q| (map.source(q, out.len(), src_len), map.piece_at(q).copied))
            .collect();
        out.truncate(from);
        map.truncate(from);
        map.replaced_from(from, source);
        out.push_str(with);
        let kept_from = out.len();
        for (k, (src, copied)) in kept_map.into_iter().enumerate() {
            if copied {
                map.copied_from(kept_from + k, src);
            } else {
                map.replaced_from(kept_from + k, src);
            }
        }
        out.push_str(&kept);

        let mut start = from;
        let mut end = from + with.len();
        while let Some(last) = self.changed.last() {
            if last.end <= from {
                break;
            }
            start = start.min(last.start);
            if last.end > to {
                end = out.len();
            }
            self.changed.pop();
        }
        if let Some(last) = self.changed.last_mut()
            && last.end == start
        {
            last.end = end;
        } else {
            self.changed.push(start..end);
        }
    }

    /// Applies one rewriting that ends at the end of the output, if any.
    fn reduce_once(&mut self, lookahead: Option<u8>) -> bool {
        match rewriting_at_end(self.tail(), lookahead) {
            Some((from, to, with)) => {
                self.replace(from, to, with);
                true
            }
            None => false,
        }
    }
}

/// The rewriting `(from, to, replacement)` of a defang marker that ends at the end of `t`.
fn rewriting_at_end(t: &[u8], lookahead: Option<u8>) -> Option<(usize, usize, &'static str)> {
    let len = t.len();
    let last = *t.last()?;
    match last {
        b']' | b')' | b'}' => {
            let open = match last {
                b']' => b'[',
                b')' => b'(',
                _ => b'{',
            };
            let window = len.saturating_sub(8);
            let at = window + t[window..len - 1].iter().rposition(|&b| b == open)?;
            let mut inner = &t[at + 1..len - 1];
            if let Some(rest) = inner.strip_prefix(b" ") {
                inner = rest;
            }
            if let Some(rest) = inner.strip_suffix(b" ") {
                inner = rest;
            }
            let with = if inner == b"." || inner.eq_ignore_ascii_case(b"dot") {
                "."
            } else if inner == b"@" || inner.eq_ignore_ascii_case(b"at") {
                "@"
            } else if inner == b":" {
                ":"
            } else if inner == b"/" {
                "/"
            } else if inner == b"://" {
                "://"
            } else {
                return None;
            };
            Some((at, len, with))
        }
        b'.' if t.ends_with(b"\\.") => Some((len - 2, len, ".")),
        b'/' if t.ends_with(b"://") => {
            let before = &t[..len - 3];
            let word_len = before
                .iter()
                .rev()
                .take(6)
                .take_while(|b| b.is_ascii_alphabetic())
                .count();
            let start = before.len() - word_len;
            if start > 0 && before[start - 1].is_ascii_alphanumeric() {
                return None;
            }
            let scheme = refanged_scheme(&before[start..])?;
            Some((start, len - 3, scheme))
        }
        b' ' if len >= 6
            && t[len - 5..len - 1].eq_ignore_ascii_case(b" dot")
            && t[len - 6].is_ascii_alphanumeric()
            && lookahead.is_some_and(|b| b.is_ascii_alphanumeric()) =>
        {
            Some((len - 5, len, "."))
        }
        _ => None,
    }
}

/// `hxxp`, `hXXps`, `fxp`, `ttp`, `ttps` (as written on 2ch/5ch to avoid links) → the scheme.
fn refanged_scheme(word: &[u8]) -> Option<&'static str> {
    let lower: Vec<u8> = word.to_ascii_lowercase();
    match lower.as_slice() {
        b"hxxp" | b"ttp" => Some("http"),
        b"hxxps" | b"ttps" => Some("https"),
        b"fxp" => Some("ftp"),
        _ => None,
    }
}

/// Replaces defang markers; `None` when there is none.
fn refang(src: &str) -> Option<Refanged> {
    let bytes = src.as_bytes();
    let mut r = Refanger {
        src,
        pos: 0,
        out: None,
        changed: Vec::new(),
    };
    let mut i = 0;
    while i < bytes.len() {
        let Some(k) = bytes[i..].iter().position(|&b| TRIGGERS[b as usize]) else {
            r.consume_to(bytes.len());
            break;
        };
        i += k + 1;
        r.consume_to(i);
        let lookahead = bytes.get(i).copied();
        while r.reduce_once(lookahead) {}
    }
    let (text, map) = r.out?;
    Some(Refanged {
        text,
        map,
        changed: r.changed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(s: &str) -> String {
        PreparedText::new(s).unwrap().text().to_owned()
    }

    #[test]
    fn refangs_the_usual_markers() {
        let cases = [
            (
                "hxxps://example[.]co[.]jp/login",
                "https://example.co.jp/login",
            ),
            ("hXXp[:]//evil(.)com[/]a", "http://evil.com/a"),
            ("fxp://files{.}example[dot]org", "ftp://files.example.org"),
            ("evil(dot)example[DOT]com", "evil.example.com"),
            ("evil dot example dot com now", "evil.example.com now"),
            (
                "user[@]example.com user(at)example.com",
                "user@example.com user@example.com",
            ),
            ("evil\\.com", "evil.com"),
            ("hxxps[://]evil.com", "https://evil.com"),
            (
                "ttp://2ch.example.net/ ttps://x.jp",
                "http://2ch.example.net/ https://x.jp",
            ),
            ("example[ . ]com", "example.com"),
            ("[[.]]", "."),
            ("\\[.]", "."),
            ("http://example.com/", "http://example.com/"),
            ("the dot. and dot", "the dot. and dot"),
            ("xhxxp://a", "xhxxp://a"),
        ];
        for (input, want) in cases {
            assert_eq!(prepared(input), want, "{input}");
        }
    }

    #[test]
    fn folds_japanese_forms() {
        assert_eq!(prepared("ＥＸＡＭＰＬＥ．ｃｏｍ"), "EXAMPLE.com");
        assert_eq!(
            prepared("ｈｔｔｐｓ：／／例え．テスト／"),
            "https://例え.テスト/"
        );
        assert_eq!(prepared("example［．］com"), "example.com");
        assert_eq!(prepared("ﾔﾏﾀﾞ ﾀﾛｳ"), "ヤマダ タロウ");
        assert_eq!(prepared("CVE‐2021‐44228"), "CVE-2021-44228");
        assert_eq!(prepared("１２３４５６７"), "1234567");
        assert_eq!(prepared("不審なURL"), "不審なURL");
    }

    #[test]
    fn spans_map_back_to_the_original() {
        let original = "見て：ｈｘｘｐｓ：／／ｅｖｉｌ［．］ｃｏｍ／ です";
        let p = PreparedText::new(original).unwrap();
        let text = p.text();
        let start = text.find("https").unwrap();
        let end = text.find("/ ").unwrap() + 1;
        assert_eq!(&text[start..end], "https://evil.com/");
        let span = p.original_span(start..end);
        assert_eq!(
            &original[span.clone()],
            "ｈｘｘｐｓ：／／ｅｖｉｌ［．］ｃｏｍ／"
        );
        assert!(p.refanged_within(&(start..end)));
        assert!(!p.refanged_within(&(0..start)));

        let ascii = "go to evil[.]com now";
        let p = PreparedText::new(ascii).unwrap();
        let at = p.text().find("evil").unwrap();
        let span = p.original_span(at..at + "evil.com".len());
        assert_eq!(&ascii[span], "evil[.]com");
    }

    #[test]
    fn refanging_is_idempotent_on_nested_markers() {
        for s in [
            "[[.]]",
            "\\\\.",
            "[(at)]",
            "{{dot}}",
            "a dot [.]b",
            "hxxp[[:]]//x",
        ] {
            let once = prepared(s);
            assert_eq!(prepared(&once), once, "{s}");
        }
    }
}
