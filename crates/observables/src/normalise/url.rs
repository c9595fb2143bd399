//! URLs, parsed and serialised as the WHATWG URL Standard says (the `url` crate): scheme and
//! host lower-cased, host IDNA-encoded, default port removed, `.`/`..` segments resolved,
//! unsafe characters percent-encoded. Fragments and credentials are kept: both are part of
//! what was seen. A URL must have a host. The display form shows the host in Unicode and
//! decodes percent-encoded non-ASCII text (`/ログイン`), but never into control or bidi
//! characters.

use url::{Host, ParseError, Position, Url};

use crate::error::NormaliseError;
use crate::kind::ObservableType;
use crate::normalise::{domain, ip};
use crate::observable::Observable;

pub(crate) fn normalise(s: &str) -> Result<Observable, NormaliseError> {
    let mut url = Url::parse(s).map_err(|e| {
        NormaliseError::InvalidUrl(match e {
            ParseError::RelativeUrlWithoutBase => "no scheme (such as https://)",
            ParseError::EmptyHost => "no host",
            ParseError::InvalidPort => "invalid port",
            ParseError::InvalidIpv4Address => "invalid IPv4 host",
            ParseError::InvalidIpv6Address => "invalid IPv6 host",
            ParseError::InvalidDomainCharacter => "invalid character in the host",
            ParseError::IdnaError => "invalid internationalised host",
            _ => "malformed",
        })
    })?;
    match url.host() {
        None => return Err(NormaliseError::InvalidUrl("no host")),
        Some(Host::Domain("")) => return Err(NormaliseError::InvalidUrl("no host")),
        Some(Host::Domain(d)) if !url.is_special() && d.bytes().any(|b| b.is_ascii_uppercase()) => {
            // Hosts of other schemes (smb://, tcp://) are opaque to WHATWG; lower-case them
            // here so that `tcp://C2.example` and `tcp://c2.example` are one value.
            let lower = d.to_ascii_lowercase();
            url.set_host(Some(&lower))
                .map_err(|_| NormaliseError::InvalidUrl("invalid host"))?;
        }
        Some(_) => {}
    }
    let display = display_of(&url);
    Ok(Observable::new(ObservableType::Url, url.into(), display))
}

/// The host of a canonical URL as an observable.
pub(crate) fn host_of(value: &str) -> Option<Observable> {
    let url = Url::parse(value).ok()?;
    match url.host()? {
        Host::Domain(d) => domain::normalise(d).ok(),
        Host::Ipv4(a) => Some(ip::ipv4_observable(a)),
        Host::Ipv6(a) => Some(ip::ipv6_observable(a)),
    }
}

fn display_of(url: &Url) -> String {
    let with_host = match url.host() {
        Some(Host::Domain(d)) if url.is_special() && d.contains("xn--") => {
            let mut s = String::with_capacity(url.as_str().len() + 8);
            s.push_str(&url[..Position::BeforeHost]);
            s.push_str(&domain::to_unicode(d));
            s.push_str(&url[Position::AfterHost..]);
            s
        }
        _ => url.as_str().to_owned(),
    };
    decode_non_ascii_escapes(&with_host)
}

/// Decodes runs of `%XX` escapes of bytes ≥ 0x80 where they form UTF-8 characters that are
/// safe to show (no control, format or whitespace character); everything else stays escaped
/// exactly as written.
fn decode_non_ascii_escapes(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            i += 1;
            continue;
        }
        let start = i;
        let mut bytes = Vec::new();
        while i + 2 < b.len() && b[i] == b'%' {
            match hex_byte(b[i + 1], b[i + 2]) {
                Some(v) if v >= 0x80 => bytes.push(v),
                _ => break,
            }
            i += 3;
        }
        if bytes.is_empty() {
            i = start + 1;
            continue;
        }
        out.push_str(&s[copied..start]);
        // Byte k of `bytes` was written as s[start + 3k .. start + 3k + 3].
        let mut k = 0;
        for chunk in bytes.utf8_chunks() {
            for c in chunk.valid().chars() {
                let n = c.len_utf8();
                if is_safe_to_show(c) {
                    out.push(c);
                } else {
                    out.push_str(&s[start + 3 * k..start + 3 * (k + n)]);
                }
                k += n;
            }
            let n = chunk.invalid().len();
            out.push_str(&s[start + 3 * k..start + 3 * (k + n)]);
            k += n;
        }
        copied = i;
    }
    out.push_str(&s[copied..]);
    out
}

fn hex_byte(hi: u8, lo: u8) -> Option<u8> {
    let h = (hi as char).to_digit(16)?;
    let l = (lo as char).to_digit(16)?;
    u8::try_from(h * 16 + l).ok()
}

fn is_safe_to_show(c: char) -> bool {
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c as u32, 0x00AD | 0x061C | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB))
}

#[cfg(test)]
mod tests {
    use crate::{ObservableType as T, normalise};

    #[test]
    fn normalises_urls() {
        let cases = [
            (
                "http://EXAMPLE.com:80/a/../b",
                "http://example.com/b",
                "http://example.com/b",
            ),
            (
                "HTTPS://Example.COM:443",
                "https://example.com/",
                "https://example.com/",
            ),
            (
                "https://example.com:8443/x?q=1#frag",
                "https://example.com:8443/x?q=1#frag",
                "https://example.com:8443/x?q=1#frag",
            ),
            (
                "hxxps://example[.]co[.]jp/login",
                "https://example.co.jp/login",
                "https://example.co.jp/login",
            ),
            (
                "https://例え.テスト/ログイン",
                "https://xn--r8jz45g.xn--zckzah/%E3%83%AD%E3%82%B0%E3%82%A4%E3%83%B3",
                "https://例え.テスト/ログイン",
            ),
            (
                "https://xn--r8jz45g.xn--zckzah/%e3%83%ad%E3%83?q=%41",
                "https://xn--r8jz45g.xn--zckzah/%e3%83%ad%E3%83?q=%41",
                "https://例え.テスト/ロ%E3%83?q=%41",
            ),
            (
                "http://1.2.3.4:8080/x",
                "http://1.2.3.4:8080/x",
                "http://1.2.3.4:8080/x",
            ),
            (
                "http://[2001:DB8::1]/",
                "http://[2001:db8::1]/",
                "http://[2001:db8::1]/",
            ),
            ("http://0x7f.1/", "http://127.0.0.1/", "http://127.0.0.1/"),
            (
                "http://a.com/%E2%80%AEfdp.exe",
                "http://a.com/%E2%80%AEfdp.exe",
                "http://a.com/%E2%80%AEfdp.exe",
            ),
            (
                "http://a.com/a b",
                "http://a.com/a%20b",
                "http://a.com/a%20b",
            ),
            (
                "tcp://C2.Example.net:4444",
                "tcp://c2.example.net:4444",
                "tcp://c2.example.net:4444",
            ),
            (
                "ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ／",
                "https://example.com/",
                "https://example.com/",
            ),
        ];
        for (input, value, display) in cases {
            let o = normalise(T::Url, input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!((o.value(), o.display()), (value, display), "{input}");
        }
    }

    #[test]
    fn refuses_urls_without_hosts() {
        for input in [
            "example.com/x",
            "mailto:a@example.com",
            "file:///etc/passwd",
            "http://",
            "javascript:alert(1)",
            "https://exa mple.com/",
        ] {
            let e = normalise(T::Url, input).unwrap_err();
            assert_eq!(e.code(), "invalid_url", "{input}");
        }
    }

    #[test]
    fn host_of_a_url() {
        let host = |s: &str| {
            normalise(T::Url, s)
                .unwrap()
                .host()
                .map(|h| (h.kind(), h.value().to_owned()))
        };
        assert_eq!(
            host("https://Evil.example.com/x"),
            Some((T::Domain, "evil.example.com".into()))
        );
        assert_eq!(
            host("http://192.0.2.1/"),
            Some((T::Ipv4, "192.0.2.1".into()))
        );
        assert_eq!(
            host("http://[2001:db8::1]/"),
            Some((T::Ipv6, "2001:db8::1".into()))
        );
        assert_eq!(host("http://localhost/"), None);
    }
}
