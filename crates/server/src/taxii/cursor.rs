//! Opaque `next` values: the position after which the next page starts, bound by an HMAC to
//! the query, the endpoint and the principal, so a cursor can neither be forged nor reused by
//! someone else or for another query.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;

use crate::error::ApiError;

const VERSION: u8 = 1;

fn mac(key: &[u8], binding: &str, after: i64) -> [u8; 16] {
    let mut m = crate::state::hmac(key);
    m.update(b"renkei-taxii-next-v1\0");
    m.update(binding.as_bytes());
    m.update(b"\0");
    m.update(&after.to_be_bytes());
    let full: [u8; 32] = m.finalize().into_bytes().into();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// A cursor for the page after `after` (the last `date_added` returned).
pub fn issue(key: &[u8], binding: &str, after: i64) -> String {
    let mut raw = Vec::with_capacity(25);
    raw.push(VERSION);
    raw.extend_from_slice(&after.to_be_bytes());
    raw.extend_from_slice(&mac(key, binding, after));
    URL_SAFE_NO_PAD.encode(raw)
}

/// The position a cursor stands for, if it was issued for this binding.
pub fn check(key: &[u8], binding: &str, token: &str) -> Result<i64, ApiError> {
    let invalid = || {
        ApiError::bad_request("invalid_next", "Invalid `next` value").with_description(
            "`next` must be a value this server returned for the same query and credentials; start again without it.",
        )
    };
    let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    if raw.len() != 25 || raw[0] != VERSION {
        return Err(invalid());
    }
    let mut after_bytes = [0u8; 8];
    after_bytes.copy_from_slice(&raw[1..9]);
    let after = i64::from_be_bytes(after_bytes);
    if !renkei_accounts::secrets_equal(&raw[9..], &mac(key, binding, after)) {
        return Err(invalid());
    }
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let key = [3u8; 32];
        let t = issue(&key, "alice|objects|q", 1234);
        assert_eq!(check(&key, "alice|objects|q", &t).unwrap(), 1234);
        assert!(check(&key, "bob|objects|q", &t).is_err());
        assert!(check(&key, "alice|objects|other", &t).is_err());
        assert!(check(&[4u8; 32], "alice|objects|q", &t).is_err());
        assert!(check(&key, "alice|objects|q", "garbage").is_err());
        let mut tampered = URL_SAFE_NO_PAD.decode(&t).unwrap();
        tampered[8] ^= 1;
        assert!(check(&key, "alice|objects|q", &URL_SAFE_NO_PAD.encode(tampered)).is_err());
    }
}
