//! Writing bytes: numbers, timestamps, and text made safe for the place it goes (CSV fields,
//! JSON strings, comment lines).
//!
//! Feeds can hold a million entries, so these append to the output directly instead of going
//! through `fmt` (whose `io::Result` would also have to be handled for a `Vec` that cannot fail).

use renkei_model::stix::Timestamp;

/// Appends text.
pub(crate) fn push(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
}

/// Appends a number in decimal.
pub(crate) fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

/// RFC 3339 UTC with `Z`, at the shortest of millisecond, microsecond or nanosecond precision
/// that loses nothing (`2026-04-01T09:30:00.000Z`).
pub(crate) fn timestamp(micros: i64) -> String {
    Timestamp::from_unix_micros(micros).to_stix()
}

/// A timestamp truncated to whole milliseconds (as STIX `created`/`modified` are written).
pub(crate) fn millis(micros: i64) -> i64 {
    micros - micros.rem_euclid(1000)
}

/// Appends one CSV field (RFC 4180): quoted, with quotes doubled, when it holds a comma, a
/// quote or a line break.
pub(crate) fn push_csv_field(out: &mut Vec<u8>, field: &str) {
    if field
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        out.push(b'"');
        for b in field.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        push(out, field);
    }
}

/// Appends a CSV record of `fields` and the CRLF that RFC 4180 ends records with.
pub(crate) fn push_csv_record(out: &mut Vec<u8>, fields: &[&str]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_csv_field(out, field);
    }
    push(out, "\r\n");
}

/// Appends `s` as a JSON string, quotes included.
pub(crate) fn push_json_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    // Most strings (ids, patterns, names) need no escape: copy them whole.
    if !s
        .bytes()
        .any(|b| b < 0x20 || b == 0x7f || b == b'"' || b == b'\\')
    {
        push(out, s);
        out.push(b'"');
        return;
    }
    for b in s.bytes() {
        match b {
            b'"' => push(out, "\\\""),
            b'\\' => push(out, "\\\\"),
            b'\n' => push(out, "\\n"),
            b'\r' => push(out, "\\r"),
            b'\t' => push(out, "\\t"),
            0..=0x1f | 0x7f => {
                push(out, "\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// Characters that must not reach a one-line text field of a rule or a comment: controls
/// (line breaks above all) and the invisible formatting characters that reorder or hide text
/// (bidi overrides, zero-width characters), which could make a label display as something else.
pub(crate) fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// `s` on one line, at most `max_chars` characters, unsafe characters replaced by spaces:
/// for header comments (`#`, `;`) where a line break would end the comment.
pub(crate) fn one_line(s: &str, max_chars: usize) -> String {
    s.chars()
        .take(max_chars)
        .map(|c| if is_unsafe_char(c) { ' ' } else { c })
        .collect()
}

/// Whether a value can be written as a line of a line-based file.
pub(crate) fn fits_on_a_line(value: &str) -> bool {
    !value.is_empty() && !value.chars().any(is_unsafe_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let mut out = Vec::new();
        for n in [0, 7, 10, 4_294_967_295, u64::MAX] {
            out.clear();
            push_u64(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        let mut out = Vec::new();
        push_csv_record(&mut out, &["a", "b,c", "say \"hi\"", "line\nbreak", ""]);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"line\nbreak\",\r\n"
        );
    }

    #[test]
    fn json_strings_round_trip() {
        for s in [
            "",
            "plain",
            "\"; \\ | \n\r\t <script> 詐欺",
            "\u{0}\u{1f}\u{7f}\u{2028}",
        ] {
            let mut out = Vec::new();
            push_json_string(&mut out, s);
            let back: String = serde_json::from_slice(&out).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn one_line_drops_breaks_and_bidi() {
        assert_eq!(one_line("a\nb\u{202e}c\td", 100), "a b c d");
        assert_eq!(one_line("詐欺サイト", 2), "詐欺");
        assert!(!fits_on_a_line("a\nb"));
        assert!(fits_on_a_line("https://例え.jp/"));
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(timestamp(1_500_000), "1970-01-01T00:00:01.500Z");
        assert_eq!(timestamp(1_000_001), "1970-01-01T00:00:01.000001Z");
        assert_eq!(millis(1_234_567), 1_234_000);
        assert_eq!(millis(-1), -1000);
    }
}
