//! Top-level domains: the shipped root-zone list (`data/tlds-alpha-by-domain.txt`, IANA's
//! format) and the TLDs that are also common file extensions.

use std::collections::HashSet;
use std::sync::LazyLock;

/// The shipped TLD list, in the format of IANA's `tlds-alpha-by-domain.txt`.
pub const TLD_LIST: &str = include_str!("../data/tlds-alpha-by-domain.txt");

static KNOWN: LazyLock<HashSet<String>> = LazyLock::new(|| {
    TLD_LIST
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_ascii_lowercase)
        .collect()
});

/// TLDs that are also file extensions met in incident reports (`invoice.zip`, `bins.sh`,
/// `id_rsa.pub`, `Invoice.one`). A bare name ending in one is reported as a domain only when
/// it was defanged or sits in a URL or an e-mail address (`docs/observables.md`).
const FILE_EXTENSION_TLDS: [&str; 25] = [
    "ai",
    "app",
    "bar",
    "cab",
    "cat",
    "cc",
    "download",
    "java",
    "map",
    "md",
    "ml",
    "mobi",
    "mov",
    "one",
    "pl",
    "pm",
    "properties",
    "ps",
    "pub",
    "py",
    "rs",
    "sh",
    "so",
    "tf",
    "zip",
];

/// Whether `tld` (ASCII, any case; IDN TLDs in their `xn--` form) is in the shipped list.
pub fn is_known_tld(tld: &str) -> bool {
    let mut buf = [0u8; 64];
    let Some(lower) = lower_ascii(tld, &mut buf) else {
        return false;
    };
    KNOWN.contains(lower)
}

/// Whether `tld` is a TLD that is also a common file extension (`zip`, `mov`, `sh`…).
pub fn is_file_extension_tld(tld: &str) -> bool {
    let mut buf = [0u8; 64];
    lower_ascii(tld, &mut buf).is_some_and(|l| FILE_EXTENSION_TLDS.binary_search(&l).is_ok())
}

fn lower_ascii<'b>(s: &str, buf: &'b mut [u8; 64]) -> Option<&'b str> {
    if s.len() > buf.len() || !s.is_ascii() {
        return None;
    }
    let out = &mut buf[..s.len()];
    out.copy_from_slice(s.as_bytes());
    out.make_ascii_lowercase();
    std::str::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_real_tlds_and_not_file_extensions() {
        for t in ["com", "JP", "xn--q9jyb4c", "zip", "mov", "onion", "tokyo"] {
            assert!(is_known_tld(t), "{t}");
        }
        for t in ["exe", "json", "dll", "txt", "local", "test", "", "c0m"] {
            assert!(!is_known_tld(t), "{t}");
        }
        assert!(KNOWN.len() > 1000);
    }

    #[test]
    fn file_extension_tlds_are_sorted_and_known() {
        assert!(FILE_EXTENSION_TLDS.is_sorted());
        for t in FILE_EXTENSION_TLDS {
            assert!(is_known_tld(t), "{t}");
        }
        assert!(is_file_extension_tld("ZIP"));
        assert!(!is_file_extension_tld("jp"));
    }
}
