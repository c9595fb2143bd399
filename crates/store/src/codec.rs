//! How submission bytes are kept: LZ4-compressed (JSON shrinks several times; compressing is
//! faster than writing the difference), with the encoding recorded next to them. The SHA-256
//! kept for evidence is always that of the original bytes.

use crate::error::{StoreError, StoreResult};

/// Encodings a stored submission may have.
pub const LZ4: &str = "lz4";
pub const IDENTITY: &str = "identity";

/// Packs bytes for storage; returns the encoding and the packed bytes.
pub fn pack(bytes: &[u8]) -> (&'static str, Vec<u8>) {
    let packed = lz4_flex::compress_prepend_size(bytes);
    if packed.len() < bytes.len() {
        (LZ4, packed)
    } else {
        (IDENTITY, bytes.to_vec())
    }
}

/// The original bytes of a stored submission.
pub fn unpack(encoding: &str, packed: Vec<u8>) -> StoreResult<Vec<u8>> {
    match encoding {
        IDENTITY => Ok(packed),
        LZ4 => lz4_flex::decompress_size_prepended(&packed)
            .map_err(|e| StoreError::Invalid(format!("stored submission is corrupt: {e}"))),
        other => Err(StoreError::Invalid(format!(
            "unknown submission encoding `{other}`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for bytes in [
            b"".to_vec(),
            b"x".to_vec(),
            "{\"objects\":[]}".repeat(1000).into_bytes(),
            (0..=255u8).collect(),
        ] {
            let (enc, packed) = pack(&bytes);
            assert_eq!(unpack(enc, packed).unwrap(), bytes);
        }
        assert!(unpack(LZ4, vec![1, 2, 3]).is_err());
    }
}
