//! Text inside a Suricata rule. Rule options are separated by `;` and strings end at `"`, so
//! nothing from an entry may bring either in unescaped: labels are free text from members
//! (`"; \ | <script> 詐欺` and line breaks included) and must never become rule options.

use crate::text::{is_unsafe_char, push};

/// Appends free text for a `msg` string: `"` becomes `'`, `;` becomes `,`, `\` becomes `/`,
/// line breaks and invisible formatting characters become spaces, and at most `max_chars`
/// characters are kept (with `...` when cut). Replacing rather than escaping keeps the
/// message readable in every alert consumer and leaves no escape sequence to get wrong.
/// Other non-ASCII text (Japanese labels) is kept: Suricata 7 reads rules as UTF-8 and
/// writes `msg` into EVE JSON as such.
pub(crate) fn push_msg_text(out: &mut Vec<u8>, text: &str, max_chars: usize) {
    // Most values and labels need nothing done: copy them whole.
    if text.len() <= max_chars && text.bytes().all(is_plain_msg_byte) {
        push(out, text);
        return;
    }
    let mut buf = [0u8; 4];
    for (i, c) in text.chars().enumerate() {
        if i == max_chars {
            push(out, "...");
            break;
        }
        let safe = match c {
            '"' => '\'',
            ';' => ',',
            '\\' => '/',
            c if is_unsafe_char(c) => ' ',
            c => c,
        };
        push(out, safe.encode_utf8(&mut buf));
    }
}

/// Printable ASCII that a `msg` string can hold as is.
fn is_plain_msg_byte(b: u8) -> bool {
    (b' '..=b'~').contains(&b) && !matches!(b, b'"' | b';' | b'\\')
}

/// Printable ASCII that a `content` string can hold as is.
fn is_literal_content_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'"' | b';' | b'\\' | b'|')
}

/// Appends bytes for a `content` string: printable ASCII as is, everything else (`"`, `;`,
/// `\`, `|`, space, control and non-ASCII bytes) in `|hex|` form.
pub(crate) fn push_content(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    if bytes.iter().all(|&b| is_literal_content_byte(b)) {
        out.extend_from_slice(bytes);
        return;
    }
    let mut in_hex = false;
    for &b in bytes {
        if is_literal_content_byte(b) {
            if in_hex {
                out.push(b'|');
                in_hex = false;
            }
            out.push(b);
        } else {
            if in_hex {
                out.push(b' ');
            } else {
                out.push(b'|');
                in_hex = true;
            }
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        }
    }
    if in_hex {
        out.push(b'|');
    }
}

/// Whether text can be a `metadata` value as is: metadata values end at `,` and `;`, so
/// only a conservative set of characters (enough for STIX ids) is allowed.
pub(crate) fn is_metadata_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'+'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(s: &str, max: usize) -> String {
        let mut out = Vec::new();
        push_msg_text(&mut out, s, max);
        String::from_utf8(out).unwrap()
    }

    fn content(b: &[u8]) -> String {
        let mut out = Vec::new();
        push_content(&mut out, b);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn msg_text_cannot_end_the_string_or_the_option() {
        assert_eq!(
            msg("a\"; sid:1; \\ | <script>\n詐欺\u{202e}", 100),
            "a', sid:1, / | <script> 詐欺 "
        );
        assert_eq!(msg("abcdef", 3), "abc...");
    }

    #[test]
    fn content_escapes_what_suricata_treats_specially() {
        assert_eq!(content(b"evil.example"), "evil.example");
        assert_eq!(content(b"/a;b\"c|d\\e f"), "/a|3b|b|22|c|7c|d|5c|e|20|f");
        assert_eq!(content("/ログ".as_bytes()), "/|e3 83 ad e3 82 b0|");
    }

    #[test]
    fn metadata_tokens() {
        assert!(is_metadata_token(
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
        ));
        assert!(is_metadata_token("amber+strict"));
        assert!(!is_metadata_token("a, sid 1"));
        assert!(!is_metadata_token(""));
    }
}
