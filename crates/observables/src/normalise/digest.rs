//! File hashes (lower-case hexadecimal of the exact length) and CVE ids
//! (`CVE-YYYY-NNNN…`, upper case, year from 1999, four to nineteen digits).

use crate::error::NormaliseError;
use crate::kind::ObservableType;
use crate::observable::Observable;

/// The number of hexadecimal digits of a hash type, `None` for other types.
pub(crate) fn hex_len(kind: ObservableType) -> Option<usize> {
    match kind {
        ObservableType::Md5 => Some(32),
        ObservableType::Sha1 => Some(40),
        ObservableType::Sha256 => Some(64),
        ObservableType::Sha512 => Some(128),
        _ => None,
    }
}

/// The hash type whose digests have `len` hexadecimal digits.
pub(crate) fn hash_kind_of_len(len: usize) -> Option<ObservableType> {
    match len {
        32 => Some(ObservableType::Md5),
        40 => Some(ObservableType::Sha1),
        64 => Some(ObservableType::Sha256),
        128 => Some(ObservableType::Sha512),
        _ => None,
    }
}

pub(crate) fn normalise_hash(kind: ObservableType, s: &str) -> Result<Observable, NormaliseError> {
    let expected = hex_len(kind).unwrap_or(0);
    if s.len() != expected || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NormaliseError::InvalidHash { kind, expected });
    }
    Ok(Observable::plain(kind, s.to_ascii_lowercase()))
}

pub(crate) fn normalise_cve(s: &str) -> Result<Observable, NormaliseError> {
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    let ok = b.len() >= 13
        && b.len() <= 28
        && b[..4].eq_ignore_ascii_case(b"cve-")
        && digits(&b[4..8])
        && b[8] == b'-'
        && digits(&b[9..])
        && &b[4..8] >= b"1999".as_slice();
    if !ok {
        return Err(NormaliseError::InvalidCve);
    }
    Ok(Observable::plain(
        ObservableType::Cve,
        format!("CVE-{}", &s[4..]),
    ))
}

#[cfg(test)]
mod tests {
    use crate::{ObservableType as T, normalise};

    #[test]
    fn hashes() {
        let md5 = "D41D8CD98F00B204E9800998ECF8427E";
        assert_eq!(
            normalise(T::Md5, md5).unwrap().value(),
            md5.to_ascii_lowercase()
        );
        let sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
        assert_eq!(normalise(T::Sha1, sha1).unwrap().value(), sha1);
        let sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(
            normalise(T::Sha256, &sha256.to_uppercase())
                .unwrap()
                .value(),
            sha256
        );
        let sha512 = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
        assert_eq!(normalise(T::Sha512, sha512).unwrap().value(), sha512);
        assert_eq!(
            normalise(
                T::Md5,
                "ｄ４１ｄ８ｃｄ９８ｆ００ｂ２０４ｅ９８００９９８ｅｃｆ８４２７ｅ"
            )
            .unwrap()
            .value(),
            md5.to_ascii_lowercase()
        );
        for (kind, bad) in [
            (T::Md5, sha1),
            (T::Sha1, md5),
            (T::Sha256, &sha256[1..]),
            (T::Md5, "g41d8cd98f00b204e9800998ecf8427e"),
            (T::Md5, "0xd41d8cd98f00b204e9800998ecf842"),
        ] {
            assert_eq!(
                normalise(kind, bad).unwrap_err().code(),
                "invalid_hash",
                "{bad}"
            );
        }
    }

    #[test]
    fn cve_ids() {
        for (input, want) in [
            ("CVE-2021-44228", "CVE-2021-44228"),
            ("cve-2014-0160", "CVE-2014-0160"),
            ("ＣＶＥ－２０２１－４４２２８", "CVE-2021-44228"),
            ("CVE‐2021‐44228", "CVE-2021-44228"),
            ("CVE-2024-1234567", "CVE-2024-1234567"),
        ] {
            assert_eq!(normalise(T::Cve, input).unwrap().value(), want, "{input}");
        }
        for bad in [
            "CVE-2021-123",
            "CVE-21-44228",
            "CVE 2021 44228",
            "CVE-1998-0001",
            "CVE-2021-44228x",
            "CAN-2021-44228",
        ] {
            assert_eq!(
                normalise(T::Cve, bad).unwrap_err().code(),
                "invalid_cve",
                "{bad}"
            );
        }
    }
}
