//! Domain names: UTS #46 (IDNA) to ASCII, lower case, trailing dot removed, labels checked.
//!
//! Labels are letters, digits, `-` and `_` (underscores are outside the hostname rules but
//! live in real DNS names and in malicious subdomains); at least two labels; the TLD is
//! letters or an `xn--` label. Whether the TLD is in the root zone is not checked here (a
//! member may submit `例え.テスト`); extraction from free text does check it.

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};

use crate::error::NormaliseError;
use crate::kind::ObservableType;
use crate::observable::Observable;

/// The ASCII (punycode) form of a domain name, checked.
pub(crate) fn to_ascii(s: &str) -> Result<String, NormaliseError> {
    let ascii = Uts46::new()
        .to_ascii(
            s.as_bytes(),
            AsciiDenyList::URL,
            Hyphens::Allow,
            DnsLength::VerifyAllowRootDot,
        )
        .map_err(|_| {
            NormaliseError::InvalidDomain("not a valid (internationalised) domain name")
        })?;
    let ascii = ascii.strip_suffix('.').unwrap_or(&ascii);
    check_labels(ascii)?;
    Ok(ascii.to_owned())
}

fn check_labels(ascii: &str) -> Result<(), NormaliseError> {
    let mut labels = 0;
    let mut last = "";
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err(NormaliseError::InvalidDomain("empty label"));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(NormaliseError::InvalidDomain(
                "a label holds a character other than letters, digits, - and _",
            ));
        }
        labels += 1;
        last = label;
    }
    if labels < 2 {
        return Err(NormaliseError::InvalidDomain(
            "at least two labels expected",
        ));
    }
    let tld_ok = if let Some(rest) = last.strip_prefix("xn--") {
        !rest.is_empty()
    } else {
        last.len() >= 2 && last.bytes().all(|b| b.is_ascii_lowercase())
    };
    if !tld_ok {
        return Err(NormaliseError::InvalidDomain(
            "the top-level domain must be letters",
        ));
    }
    Ok(())
}

/// The Unicode form of a checked ASCII domain, for display.
pub(crate) fn to_unicode(ascii: &str) -> String {
    if !ascii.contains("xn--") {
        return ascii.to_owned();
    }
    let (unicode, result) =
        Uts46::new().to_unicode(ascii.as_bytes(), AsciiDenyList::URL, Hyphens::Allow);
    match result {
        Ok(()) => unicode.into_owned(),
        Err(_) => ascii.to_owned(),
    }
}

pub(crate) fn normalise(s: &str) -> Result<Observable, NormaliseError> {
    let ascii = to_ascii(s)?;
    let display = to_unicode(&ascii);
    Ok(Observable::new(ObservableType::Domain, ascii, display))
}

#[cfg(test)]
mod tests {
    use crate::{ObservableType as T, normalise};

    #[test]
    fn normalises_domains() {
        let cases = [
            ("Example.COM", "example.com", "example.com"),
            ("example.com.", "example.com", "example.com"),
            ("ＥＸＡＭＰＬＥ．ｃｏｍ", "example.com", "example.com"),
            ("例え.テスト", "xn--r8jz45g.xn--zckzah", "例え.テスト"),
            (
                "xn--r8jz45g.xn--zckzah",
                "xn--r8jz45g.xn--zckzah",
                "例え.テスト",
            ),
            (
                "XN--R8JZ45G.XN--ZCKZAH",
                "xn--r8jz45g.xn--zckzah",
                "例え.テスト",
            ),
            ("日本語。ＪＰ", "xn--wgv71a119e.jp", "日本語.jp"),
            ("bücher.de", "xn--bcher-kva.de", "bücher.de"),
            (
                "evil[.]example[.]co[.]jp",
                "evil.example.co.jp",
                "evil.example.co.jp",
            ),
            (
                "_dmarc.example.com",
                "_dmarc.example.com",
                "_dmarc.example.com",
            ),
            (
                "a-b--c.example.tokyo",
                "a-b--c.example.tokyo",
                "a-b--c.example.tokyo",
            ),
            ("test.onion", "test.onion", "test.onion"),
        ];
        for (input, value, display) in cases {
            let o = normalise(T::Domain, input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!((o.value(), o.display()), (value, display), "{input}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_domain() {
        for input in [
            "localhost",
            "example",
            "1.2.3.4",
            "example..com",
            ".example.com",
            "exa mple.com",
            "*.example.com",
            "example.c0m",
            "xn--zz.com",
            "a@example.com",
            "example.com/path",
            &format!("{}.com", "a".repeat(64)),
            &format!("{}com", "abcdefghi.".repeat(26)),
        ] {
            let e = normalise(T::Domain, input).unwrap_err();
            assert_eq!(e.code(), "invalid_domain", "{input}");
        }
    }
}
