//! Cryptocurrency addresses, with their checksums verified.
//!
//! Bitcoin (mainnet only): base58check P2PKH (`1…`) and P2SH (`3…`) with the double-SHA-256
//! checksum, kept as written (base58 is case-sensitive); segwit bech32 (v0) and bech32m (v1+,
//! taproot) `bc1…` addresses, stored lower-case. Ethereum: `0x` and 40 hexadecimal digits;
//! a mixed-case address must carry a valid EIP-55 checksum; stored lower-case, shown in its
//! EIP-55 form.

use bech32::primitives::decode::{ChecksumError, SegwitHrpstringError};
use sha2::{Digest, Sha256};
use sha3::Keccak256;

use crate::error::NormaliseError;
use crate::kind::{Chain, ObservableType};
use crate::observable::Observable;

const BTC: ObservableType = ObservableType::CryptoAddress(Chain::Bitcoin);
const ETH: ObservableType = ObservableType::CryptoAddress(Chain::Ethereum);

fn invalid(chain: Chain, reason: &'static str) -> NormaliseError {
    NormaliseError::InvalidCryptoAddress { chain, reason }
}

pub(crate) fn is_base58_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() && !matches!(b, b'0' | b'O' | b'I' | b'l')
}

pub(crate) fn normalise_btc(s: &str) -> Result<Observable, NormaliseError> {
    let prefix = s.as_bytes().get(..3).unwrap_or_default();
    if prefix.eq_ignore_ascii_case(b"bc1") {
        return segwit(s);
    }
    if prefix.eq_ignore_ascii_case(b"tb1") || s.starts_with(['m', 'n', '2']) {
        return Err(invalid(
            Chain::Bitcoin,
            "testnet addresses are not accepted",
        ));
    }
    if !(26..=35).contains(&s.len()) || !s.bytes().all(is_base58_char) {
        return Err(invalid(Chain::Bitcoin, "not a base58 or bech32 address"));
    }
    let bytes = bs58::decode(s)
        .into_vec()
        .map_err(|_| invalid(Chain::Bitcoin, "not base58"))?;
    if bytes.len() != 25 {
        return Err(invalid(Chain::Bitcoin, "wrong length"));
    }
    let (payload, checksum) = bytes.split_at(21);
    if Sha256::digest(Sha256::digest(payload))[..4] != *checksum {
        return Err(NormaliseError::BadChecksum {
            chain: Chain::Bitcoin,
        });
    }
    if !matches!(payload[0], 0x00 | 0x05) {
        return Err(invalid(
            Chain::Bitcoin,
            "not a mainnet P2PKH or P2SH address",
        ));
    }
    Ok(Observable::plain(BTC, s.to_owned()))
}

fn segwit(s: &str) -> Result<Observable, NormaliseError> {
    match bech32::segwit::decode(s) {
        Ok((hrp, _, _)) if hrp == bech32::hrp::BC => {
            Ok(Observable::plain(BTC, s.to_ascii_lowercase()))
        }
        Ok(_) => Err(invalid(Chain::Bitcoin, "not a mainnet address")),
        Err(e) => match e.0 {
            SegwitHrpstringError::Checksum(ChecksumError::InvalidResidue) => {
                Err(NormaliseError::BadChecksum {
                    chain: Chain::Bitcoin,
                })
            }
            _ => Err(invalid(Chain::Bitcoin, "not a valid segwit address")),
        },
    }
}

pub(crate) fn normalise_eth(s: &str) -> Result<Observable, NormaliseError> {
    let hex = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .ok_or_else(|| invalid(Chain::Ethereum, "0x and 40 hexadecimal digits expected"))?;
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid(
            Chain::Ethereum,
            "0x and 40 hexadecimal digits expected",
        ));
    }
    let lower = hex.to_ascii_lowercase();
    let checksummed = eip55(&lower);
    let mixed =
        hex.bytes().any(|b| b.is_ascii_lowercase()) && hex.bytes().any(|b| b.is_ascii_uppercase());
    if mixed && checksummed != hex {
        return Err(NormaliseError::BadChecksum {
            chain: Chain::Ethereum,
        });
    }
    Ok(Observable::new(
        ETH,
        format!("0x{lower}"),
        format!("0x{checksummed}"),
    ))
}

/// EIP-55: a letter is upper case when the matching nibble of Keccak-256 of the lower-case
/// hex is 8 or more.
fn eip55(lower_hex: &str) -> String {
    let hash = Keccak256::digest(lower_hex.as_bytes());
    lower_hex
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
            if b.is_ascii_alphabetic() && nibble >= 8 {
                b.to_ascii_uppercase() as char
            } else {
                b as char
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::{Chain, ObservableType as T, normalise};

    const BTC: T = T::CryptoAddress(Chain::Bitcoin);
    const ETH: T = T::CryptoAddress(Chain::Ethereum);

    #[test]
    fn bitcoin() {
        for (input, want) in [
            (
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            ),
            (
                "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
                "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
            ),
            (
                "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            ),
            (
                "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
                "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
            ),
            (
                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            ),
        ] {
            let o = normalise(BTC, input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(o.value(), want);
        }
        for (bad, code) in [
            ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "bad_checksum"),
            ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz", "bad_checksum"),
            ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "bad_checksum"),
            // A v1 program with a bech32 (not bech32m) checksum: BIP-350 invalid vector.
            (
                "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
                "invalid_crypto_address",
            ),
            (
                "bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
                "invalid_crypto_address",
            ),
            (
                "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",
                "invalid_crypto_address",
            ),
            (
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7Divf0a",
                "invalid_crypto_address",
            ),
        ] {
            assert_eq!(normalise(BTC, bad).unwrap_err().code(), code, "{bad}");
        }
    }

    #[test]
    fn ethereum() {
        let checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        let o = normalise(ETH, checksummed).unwrap();
        assert_eq!(o.value(), "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
        assert_eq!(o.display(), checksummed);
        let o = normalise(ETH, &checksummed.to_ascii_lowercase()).unwrap();
        assert_eq!(o.display(), checksummed);
        let upper = format!("0x{}", checksummed[2..].to_ascii_uppercase());
        assert_eq!(normalise(ETH, &upper).unwrap().display(), checksummed);
        for (bad, code) in [
            ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "bad_checksum"),
            (
                "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",
                "invalid_crypto_address",
            ),
            (
                "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
                "invalid_crypto_address",
            ),
            (
                "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg",
                "invalid_crypto_address",
            ),
        ] {
            assert_eq!(normalise(ETH, bad).unwrap_err().code(), code, "{bad}");
        }
    }
}
