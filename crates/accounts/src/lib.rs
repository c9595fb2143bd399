//! Credentials.
//!
//! Passwords are hashed with argon2id (PHC strings). API tokens are 256 random bits, written
//! `rnk_<base64url>` so that secret scanners and people recognise them; only their SHA-256 is
//! stored, because a token's entropy makes a slow hash unnecessary. Randomness comes from the
//! caller. Secrets are wrapped so `Debug` never prints them.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The prefix of every Renkei API token.
pub const TOKEN_PREFIX: &str = "rnk_";

/// A secret string that never appears in logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself, for the one place that must show or use it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("{0}")]
    WeakPassword(&'static str),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// Minimum sensible password: 10 characters, not one character repeated.
pub fn check_password(password: &str) -> Result<(), CredentialError> {
    let n = password.chars().count();
    if n < 10 {
        return Err(CredentialError::WeakPassword(
            "a password needs at least 10 characters",
        ));
    }
    if n > 1024 {
        return Err(CredentialError::WeakPassword(
            "a password may have at most 1024 characters",
        ));
    }
    let mut chars = password.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(CredentialError::WeakPassword(
            "a password cannot be one character repeated",
        ));
    }
    Ok(())
}

/// Hashes a password with argon2id and the given random salt.
pub fn hash_password(password: &str, salt: &[u8; 16]) -> Result<String, CredentialError> {
    check_password(password)?;
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), salt)
        .map(|h| h.to_string())
        .map_err(|e| CredentialError::Hashing(e.to_string()))
}

/// Whether `password` matches the stored PHC string. Malformed hashes never match.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// A freshly minted API token: the secret is shown once, the hash is stored.
#[derive(Debug)]
pub struct MintedToken {
    pub secret: Secret,
    /// `rnk_` and the first 8 characters: enough to tell tokens apart, useless to an attacker.
    pub prefix: String,
    pub sha256: [u8; 32],
}

/// Mints a token from 32 random bytes.
pub fn mint_token(random: [u8; 32]) -> MintedToken {
    let secret = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(random));
    let prefix = secret.chars().take(TOKEN_PREFIX.len() + 8).collect();
    MintedToken {
        sha256: token_hash(&secret),
        prefix,
        secret: Secret(secret),
    }
}

/// The SHA-256 under which a token is stored and looked up.
pub fn token_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Whether a presented credential has the shape of a Renkei token (so Basic auth can accept a
/// token in place of a password).
pub fn looks_like_token(s: &str) -> bool {
    s.len() == TOKEN_PREFIX.len() + 43
        && s.starts_with(TOKEN_PREFIX)
        && s[TOKEN_PREFIX.len()..]
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// Constant-time comparison for secrets that are compared directly.
pub fn secrets_equal(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_round_trip() {
        let h = hash_password("correct horse battery", &[7; 16]).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("anything", "not a hash"));
        assert!(hash_password("short", &[7; 16]).is_err());
        assert!(hash_password("aaaaaaaaaaaa", &[7; 16]).is_err());
    }

    #[test]
    fn tokens_are_prefixed_and_hashed() {
        let t = mint_token([42; 32]);
        assert!(t.secret.expose().starts_with("rnk_"));
        assert!(looks_like_token(t.secret.expose()));
        assert_eq!(t.sha256, token_hash(t.secret.expose()));
        assert_eq!(t.prefix.len(), 12);
        assert!(!format!("{t:?}").contains(&t.secret.expose()[5..]));
        assert!(!looks_like_token("rnk_short"));
        assert!(!looks_like_token(
            "password-like-string-of-some-length-but-not-token-xx"
        ));
    }
}
