//! E-mail addresses: the local part kept as written (it is case-sensitive by the standard),
//! the domain normalised as a domain name.
//!
//! The local part may hold the RFC 5322 atext characters, dots anywhere (Japanese mobile
//! carriers issued addresses such as `taro..yamada.@docomo.ne.jp`, which break the RFC but
//! receive mail) and non-ASCII letters (RFC 6531). Quoted local parts and address literals
//! (`user@[192.0.2.1]`) are refused.

use crate::error::NormaliseError;
use crate::kind::ObservableType;
use crate::normalise::domain;
use crate::observable::Observable;

const MAX_LOCAL: usize = 64;

pub(crate) fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '.' | '!'
                | '#'
                | '$'
                | '%'
                | '&'
                | '\''
                | '*'
                | '+'
                | '/'
                | '='
                | '?'
                | '^'
                | '_'
                | '`'
                | '{'
                | '|'
                | '}'
                | '~'
                | '-'
        )
        || (!c.is_ascii() && c.is_alphanumeric())
}

pub(crate) fn normalise(s: &str) -> Result<Observable, NormaliseError> {
    let (local, domain) = s
        .rsplit_once('@')
        .ok_or(NormaliseError::InvalidEmail("no @"))?;
    if local.is_empty() || local.len() > MAX_LOCAL {
        return Err(NormaliseError::InvalidEmail(
            "the local part is empty or too long",
        ));
    }
    if local.starts_with('"') {
        return Err(NormaliseError::InvalidEmail(
            "quoted local parts are not supported",
        ));
    }
    if !local.chars().all(is_local_char) || local.bytes().all(|b| b == b'.') {
        return Err(NormaliseError::InvalidEmail(
            "the local part holds a character not allowed",
        ));
    }
    let domain = domain::normalise(domain)
        .map_err(|_| NormaliseError::InvalidEmail("the domain is not a valid domain name"))?;
    Ok(Observable::new(
        ObservableType::Email,
        format!("{local}@{}", domain.value()),
        format!("{local}@{}", domain.display()),
    ))
}

#[cfg(test)]
mod tests {
    use crate::{ObservableType as T, normalise};

    #[test]
    fn normalises_addresses() {
        let cases = [
            (
                "Taro.Yamada@Example.CO.JP",
                "Taro.Yamada@example.co.jp",
                "Taro.Yamada@example.co.jp",
            ),
            (
                "taro..yamada.@docomo.ne.jp",
                "taro..yamada.@docomo.ne.jp",
                "taro..yamada.@docomo.ne.jp",
            ),
            (
                "info[@]example[.]com",
                "info@example.com",
                "info@example.com",
            ),
            (
                "info(at)example.com",
                "info@example.com",
                "info@example.com",
            ),
            (
                "ｉｎｆｏ＠ｅｘａｍｐｌｅ．ｃｏｍ",
                "info@example.com",
                "info@example.com",
            ),
            (
                "support@例え.テスト",
                "support@xn--r8jz45g.xn--zckzah",
                "support@例え.テスト",
            ),
            (
                "a+tag@example.com",
                "a+tag@example.com",
                "a+tag@example.com",
            ),
        ];
        for (input, value, display) in cases {
            let o = normalise(T::Email, input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!((o.value(), o.display()), (value, display), "{input}");
            assert_eq!(o.host().unwrap().kind(), T::Domain);
        }
    }

    #[test]
    fn refuses_non_addresses() {
        for input in [
            "example.com",
            "@example.com",
            "a@",
            "a@localhost",
            "\"a b\"@example.com",
            "a b@example.com",
            "a@[192.0.2.1]",
            "...@example.com",
        ] {
            assert_eq!(
                normalise(T::Email, input).unwrap_err().code(),
                "invalid_email",
                "{input}"
            );
        }
    }
}
