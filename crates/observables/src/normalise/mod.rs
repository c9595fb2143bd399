//! From a submitted value to its canonical form, one module per kind of observable.

pub(crate) mod bank;
pub(crate) mod crypto;
pub(crate) mod digest;
pub(crate) mod domain;
pub(crate) mod email;
pub(crate) mod ip;
pub(crate) mod url;

use crate::error::NormaliseError;
use crate::kind::{Chain, ObservableType};
use crate::observable::Observable;
use crate::prepare::prepare_value;

/// The longest value [`normalise`] accepts, in bytes (long URLs fit; nothing else comes near).
pub const MAX_VALUE_LEN: usize = 16 * 1024;

/// Turns a submitted value of a known kind into its canonical [`Observable`].
///
/// The value is first prepared as free text is (NFKC per character, refanging: `hxxp`,
/// `[.]`…), trimmed, then parsed by the rules of `kind` (`docs/observables.md`). Normalising a
/// canonical value gives it back: `normalise(k, normalise(k, x)?.value()) == normalise(k, x)`
/// in kind and value.
pub fn normalise(kind: ObservableType, raw: &str) -> Result<Observable, NormaliseError> {
    if raw.len() > MAX_VALUE_LEN {
        return Err(NormaliseError::TooLong { max: MAX_VALUE_LEN });
    }
    let prepared = prepare_value(raw);
    normalise_prepared(kind, &prepared)
}

/// [`normalise`] for text that has been prepared already (as extraction has).
pub(crate) fn normalise_prepared(
    kind: ObservableType,
    s: &str,
) -> Result<Observable, NormaliseError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(NormaliseError::Empty);
    }
    if s.len() > MAX_VALUE_LEN {
        return Err(NormaliseError::TooLong { max: MAX_VALUE_LEN });
    }
    match kind {
        ObservableType::Ipv4 => ip::normalise_ipv4(s),
        ObservableType::Ipv6 => ip::normalise_ipv6(s),
        ObservableType::Cidr => ip::normalise_cidr(s),
        ObservableType::Domain => domain::normalise(s),
        ObservableType::Url => url::normalise(s),
        ObservableType::Email => email::normalise(s),
        ObservableType::Md5
        | ObservableType::Sha1
        | ObservableType::Sha256
        | ObservableType::Sha512 => digest::normalise_hash(kind, s),
        ObservableType::Cve => digest::normalise_cve(s),
        ObservableType::BankAccount => bank::normalise(s),
        ObservableType::CryptoAddress(Chain::Bitcoin) => crypto::normalise_btc(s),
        ObservableType::CryptoAddress(Chain::Ethereum) => crypto::normalise_eth(s),
    }
}
