//! The kinds of observable and their stable names.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::UnknownType;

/// A blockchain whose addresses are recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Chain {
    /// Bitcoin mainnet: base58check P2PKH/P2SH and bech32/bech32m segwit addresses.
    Bitcoin,
    /// Ethereum and the EVM chains that share its address format (`0x` + 40 hex digits).
    Ethereum,
}

impl Chain {
    /// The stable lower-case name (`btc`, `eth`).
    pub const fn name(self) -> &'static str {
        match self {
            Chain::Bitcoin => "btc",
            Chain::Ethereum => "eth",
        }
    }
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an observable is. Correlation indexes observables by (type, value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObservableType {
    /// `192.0.2.1`: strict dotted decimal.
    Ipv4,
    /// `2001:db8::1`: RFC 5952 text.
    Ipv6,
    /// `192.0.2.0/24`, `2001:db8::/32`: an IPv4 or IPv6 network, host bits zeroed.
    Cidr,
    /// `xn--r8jz45g.xn--zckzah`: IDNA ASCII form, lower case (shown as `例え.テスト`).
    Domain,
    /// `https://example.com/b`: WHATWG serialisation.
    Url,
    /// `Taro.Yamada@example.co.jp`: local part as written, domain normalised.
    Email,
    /// 32 lower-case hexadecimal digits.
    Md5,
    /// 40 lower-case hexadecimal digits.
    Sha1,
    /// 64 lower-case hexadecimal digits.
    Sha256,
    /// 128 lower-case hexadecimal digits.
    Sha512,
    /// `CVE-2021-44228`.
    Cve,
    /// `0005/135/futsu/1234567`: a Japanese bank account (or `yucho/記号/番号`).
    BankAccount,
    /// A cryptocurrency address on the given chain.
    CryptoAddress(Chain),
}

impl ObservableType {
    /// Every type, in a fixed order.
    pub const ALL: [ObservableType; 14] = [
        ObservableType::Ipv4,
        ObservableType::Ipv6,
        ObservableType::Cidr,
        ObservableType::Domain,
        ObservableType::Url,
        ObservableType::Email,
        ObservableType::Md5,
        ObservableType::Sha1,
        ObservableType::Sha256,
        ObservableType::Sha512,
        ObservableType::Cve,
        ObservableType::BankAccount,
        ObservableType::CryptoAddress(Chain::Bitcoin),
        ObservableType::CryptoAddress(Chain::Ethereum),
    ];

    /// The stable lower-case name, e.g. `ipv4`, `sha256`, `crypto_address:btc`.
    pub const fn name(self) -> &'static str {
        match self {
            ObservableType::Ipv4 => "ipv4",
            ObservableType::Ipv6 => "ipv6",
            ObservableType::Cidr => "cidr",
            ObservableType::Domain => "domain",
            ObservableType::Url => "url",
            ObservableType::Email => "email",
            ObservableType::Md5 => "md5",
            ObservableType::Sha1 => "sha1",
            ObservableType::Sha256 => "sha256",
            ObservableType::Sha512 => "sha512",
            ObservableType::Cve => "cve",
            ObservableType::BankAccount => "bank_account",
            ObservableType::CryptoAddress(Chain::Bitcoin) => "crypto_address:btc",
            ObservableType::CryptoAddress(Chain::Ethereum) => "crypto_address:eth",
        }
    }
}

impl fmt::Display for ObservableType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ObservableType {
    type Err = UnknownType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ObservableType::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| UnknownType(s.chars().take(64).collect()))
    }
}

impl Serialize for ObservableType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for ObservableType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_lower_case() {
        for t in ObservableType::ALL {
            assert_eq!(t.name().parse::<ObservableType>(), Ok(t));
            assert_eq!(t.to_string(), t.name());
            assert_eq!(t.name(), t.name().to_ascii_lowercase());
        }
        let err = "IPv4".parse::<ObservableType>().unwrap_err();
        assert_eq!(err.code(), "unknown_observable_type");
    }
}
