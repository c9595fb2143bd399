//! Why a value or a text was refused, with a stable code for each reason (`docs/observables.md`).

use crate::kind::{Chain, ObservableType};

/// A value that [`normalise`](crate::normalise) refused.
///
/// The message is for people and may be reworded; [`code`](Self::code) is stable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NormaliseError {
    /// Nothing but whitespace.
    #[error("the value is empty")]
    Empty,
    /// Longer than [`MAX_VALUE_LEN`](crate::MAX_VALUE_LEN).
    #[error("the value is longer than {max} bytes")]
    TooLong {
        /// The limit, in bytes.
        max: usize,
    },
    /// Not strict dotted-decimal IPv4.
    #[error("not an IPv4 address: {0}")]
    InvalidIpv4(&'static str),
    /// A part with a leading zero (`010.1.1.1`), octal to some parsers.
    #[error("ambiguous IPv4 address: a part has a leading zero (octal in some parsers)")]
    AmbiguousIpv4,
    /// Not an IPv6 address (or one with a zone index).
    #[error("not an IPv6 address: {0}")]
    InvalidIpv6(&'static str),
    /// Not `address/prefix`.
    #[error("not a CIDR network: {0}")]
    InvalidCidr(&'static str),
    /// Not a valid (internationalised) domain name.
    #[error("not a domain name: {0}")]
    InvalidDomain(&'static str),
    /// Not a URL with a host.
    #[error("not a URL: {0}")]
    InvalidUrl(&'static str),
    /// Not `local@domain`.
    #[error("not an e-mail address: {0}")]
    InvalidEmail(&'static str),
    /// Not hexadecimal of the length of the hash.
    #[error("not a {kind} hash: {expected} hexadecimal digits expected")]
    InvalidHash {
        /// The hash type asked for.
        kind: ObservableType,
        /// Its number of hexadecimal digits.
        expected: usize,
    },
    /// Not `CVE-YYYY-NNNN…`.
    #[error("not a CVE id (CVE-YYYY-NNNN, four or more digits)")]
    InvalidCve,
    /// No bank, branch, type and number could be read.
    #[error("not a Japanese bank account: {0}")]
    InvalidBankAccount(&'static str),
    /// Not an address of the chain.
    #[error("not a {chain} address: {reason}")]
    InvalidCryptoAddress {
        /// The chain asked for.
        chain: Chain,
        /// Why, for people.
        reason: &'static str,
    },
    /// Well-formed, but the checksum (base58check, bech32, EIP-55) is wrong.
    #[error("the checksum of the {chain} address does not match")]
    BadChecksum {
        /// The chain asked for.
        chain: Chain,
    },
}

impl NormaliseError {
    /// The stable code callers match on.
    pub fn code(&self) -> &'static str {
        use NormaliseError::*;
        match self {
            Empty => "empty",
            TooLong { .. } => "too_long",
            InvalidIpv4(_) => "invalid_ipv4",
            AmbiguousIpv4 => "ambiguous_ipv4",
            InvalidIpv6(_) => "invalid_ipv6",
            InvalidCidr(_) => "invalid_cidr",
            InvalidDomain(_) => "invalid_domain",
            InvalidUrl(_) => "invalid_url",
            InvalidEmail(_) => "invalid_email",
            InvalidHash { .. } => "invalid_hash",
            InvalidCve => "invalid_cve",
            InvalidBankAccount(_) => "invalid_bank_account",
            InvalidCryptoAddress { .. } => "invalid_crypto_address",
            BadChecksum { .. } => "bad_checksum",
        }
    }
}

/// A text that [`extract`](crate::extract) refused as a whole.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// Longer than the extractor's limit.
    #[error("the text is {len} bytes; at most {max} bytes are scanned at once")]
    TooLarge {
        /// The text's length, in bytes.
        len: usize,
        /// The limit, in bytes.
        max: usize,
    },
    /// NFKC would make it more than four times longer.
    #[error("the text grows beyond {max} bytes under NFKC normalisation")]
    ExpandsTooMuch {
        /// The limit, in bytes.
        max: usize,
    },
}

impl ExtractError {
    /// The stable code callers match on.
    pub fn code(&self) -> &'static str {
        match self {
            ExtractError::TooLarge { .. } | ExtractError::ExpandsTooMuch { .. } => "too_large",
        }
    }
}

/// A line of an exclusion list that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{list} list, line {line}: {problem}")]
pub struct ExclusionListError {
    /// `ranges` or `domains`.
    pub list: &'static str,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong, for people.
    pub problem: String,
}

impl ExclusionListError {
    /// The stable code callers match on.
    pub fn code(&self) -> &'static str {
        "invalid_exclusion_list"
    }
}

/// A name that is not one of the [`ObservableType`] names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown observable type `{0}`")]
pub struct UnknownType(pub String);

impl UnknownType {
    /// The stable code callers match on.
    pub fn code(&self) -> &'static str {
        "unknown_observable_type"
    }
}
