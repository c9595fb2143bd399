//! Who is calling: HTTP Basic (login and password, or login and API token) and
//! `Authorization: Bearer|Token <token>`.
//!
//! The identity is loaded from the store on every request, so suspending an organisation or
//! disabling a user takes effect at once. Successful password checks are remembered for a few
//! minutes (argon2 is deliberately slow), keyed by an HMAC of login and password and bound to
//! the stored hash, so a password change also takes effect at once.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::Mac;
use renkei_accounts::{looks_like_token, token_hash, verify_password};
use renkei_model::account::OrgStatus;
use renkei_model::ids::{TokenId, UserId};
use renkei_policy::{Identity, Principal};
use renkei_store::{TokenRecord, TokenScope};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// How long a verified password is remembered.
const PASSWORD_CACHE_MICROS: i64 = 5 * 60 * 1_000_000;
const PASSWORD_CACHE_MAX: usize = 10_000;

#[derive(Clone, Copy)]
struct Verified {
    user: UserId,
    hash_fingerprint: [u8; 32],
    expires: i64,
}

/// Remembers recently verified passwords.
#[derive(Default)]
pub struct PasswordCache {
    entries: Mutex<HashMap<[u8; 32], Verified>>,
}

impl std::fmt::Debug for PasswordCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordCache")
    }
}

enum Presented {
    Password {
        login: String,
        password: String,
    },
    Token {
        login: Option<String>,
        secret: String,
    },
}

fn parse_authorization(headers: &HeaderMap) -> Result<Option<Presented>, ApiError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::bad_credentials())?;
    let (scheme, rest) = value
        .split_once(' ')
        .ok_or_else(ApiError::bad_credentials)?;
    let rest = rest.trim();
    match scheme.to_ascii_lowercase().as_str() {
        "basic" => {
            let decoded = STANDARD
                .decode(rest)
                .map_err(|_| ApiError::bad_credentials())?;
            let decoded = String::from_utf8(decoded).map_err(|_| ApiError::bad_credentials())?;
            let (login, password) = decoded
                .split_once(':')
                .ok_or_else(ApiError::bad_credentials)?;
            if looks_like_token(password) {
                Ok(Some(Presented::Token {
                    login: Some(login.to_owned()),
                    secret: password.to_owned(),
                }))
            } else {
                Ok(Some(Presented::Password {
                    login: login.to_owned(),
                    password: password.to_owned(),
                }))
            }
        }
        "bearer" | "token" => Ok(Some(Presented::Token {
            login: None,
            secret: rest.to_owned(),
        })),
        _ => Err(ApiError::bad_credentials()),
    }
}

/// Authenticates the request. No credentials: anonymous. Wrong credentials: 401. Credentials
/// of a suspended organisation or a disabled user: 403.
pub async fn principal(state: &AppState, headers: &HeaderMap) -> Result<Principal, ApiError> {
    let identity = match parse_authorization(headers)? {
        None => return Ok(Principal::Anonymous),
        Some(Presented::Token { login, secret }) => {
            api_scope(by_token(state, login.as_deref(), &secret).await?)?
        }
        Some(Presented::Password { login, password }) => {
            by_password(state, &login, password).await?
        }
    };
    check_standing(&identity, false)?;
    Ok(Principal::User(identity))
}

/// Like [`principal`], but also lets through users of an organisation that has applied and
/// is not admitted yet (`applicant`), so they can follow their own application and accept the
/// NDA. Suspended and expelled organisations and disabled users are still 403.
///
/// Only the handlers of an applicant's own membership process use it, and each checks that
/// the organisation it acts on is the caller's own (`renkei_membership` refuses the rest,
/// since an applicant is not in good standing).
pub async fn principal_any_standing(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Principal, ApiError> {
    let identity = match parse_authorization(headers)? {
        None => return Ok(Principal::Anonymous),
        Some(Presented::Token { login, secret }) => {
            api_scope(by_token(state, login.as_deref(), &secret).await?)?
        }
        Some(Presented::Password { login, password }) => {
            by_password(state, &login, password).await?
        }
    };
    check_standing(&identity, true)?;
    Ok(Principal::User(identity))
}

async fn by_token(
    state: &AppState,
    login: Option<&str>,
    secret: &str,
) -> Result<(Identity, TokenRecord), ApiError> {
    if !looks_like_token(secret) {
        return Err(ApiError::bad_credentials());
    }
    let (token, identity) = state
        .store
        .token_identity(&token_hash(secret))
        .await?
        .ok_or_else(ApiError::bad_credentials)?;
    if token.revoked
        || token
            .expires_at
            .is_some_and(|e| e <= state.clock.now_micros())
    {
        return Err(
            ApiError::bad_credentials().with_description("The token has expired or was revoked.")
        );
    }
    let mut identity = identity.ok_or_else(ApiError::bad_credentials)?;
    if login.is_some_and(|l| l != identity.login) {
        return Err(ApiError::bad_credentials());
    }
    identity.read_only = token.read_only;
    Ok((identity, token))
}

/// A feed token used anywhere but `/feeds`.
fn feeds_only() -> ApiError {
    ApiError::forbidden("token_scope", "This token can only pull feeds (/feeds/…)")
}

/// Disabled users: 403. Organisations that are not active (or, when `applicant_ok`, still
/// applying): 403.
pub fn check_standing(identity: &Identity, applicant_ok: bool) -> Result<(), ApiError> {
    if identity.disabled {
        return Err(ApiError::forbidden(
            "account_disabled",
            "This account is disabled",
        ));
    }
    let ok = match identity.org_status {
        OrgStatus::Active => true,
        OrgStatus::Applicant => applicant_ok,
        _ => false,
    };
    if !ok {
        return Err(ApiError::forbidden(
            "membership_inactive",
            "Your organisation's membership is not active",
        )
        .with_description(format!("Membership status: {}", identity.org_status)));
    }
    Ok(())
}

/// Refuses tokens that may only pull feeds.
fn api_scope((identity, token): (Identity, TokenRecord)) -> Result<Identity, ApiError> {
    match token.scope {
        TokenScope::Api => Ok(identity),
        TokenScope::Feeds => Err(feeds_only()),
    }
}

/// Who pulls a feed: any token (also as `?token=`, since sensor and resolver configurations
/// often take only a URL) or a password; returns the token used, for counting pulls.
pub async fn feed_principal(
    state: &AppState,
    headers: &HeaderMap,
    query_token: Option<&str>,
) -> Result<(Identity, Option<TokenId>), ApiError> {
    let presented = match (parse_authorization(headers)?, query_token) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "ambiguous_credentials",
                "Credentials both in the Authorization header and in the URL",
            ));
        }
        (Some(p), None) => p,
        (None, Some(secret)) => Presented::Token {
            login: None,
            secret: secret.to_owned(),
        },
        (None, None) => return Err(ApiError::unauthorized()),
    };
    let (identity, token) = match presented {
        Presented::Token { login, secret } => {
            let (identity, token) = by_token(state, login.as_deref(), &secret).await?;
            (identity, Some(token.id))
        }
        Presented::Password { login, password } => {
            (by_password(state, &login, password).await?, None)
        }
    };
    check_standing(&identity, false)?;
    Ok((identity, token))
}

pub(crate) async fn by_password(
    state: &AppState,
    login: &str,
    password: String,
) -> Result<Identity, ApiError> {
    let Some((user, Some(hash))) = state.store.credentials(login).await? else {
        // Same cost as a real check, so timing does not tell which logins exist.
        let _ = tokio::task::spawn_blocking(move || verify_password(&password, DUMMY_HASH)).await;
        return Err(ApiError::bad_credentials());
    };
    let fingerprint: [u8; 32] = Sha256::digest(hash.as_bytes()).into();
    let key = cache_key(&state.key, login, &password);
    let now = state.clock.now_micros();
    let cached = {
        let entries = state
            .passwords
            .entries
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        entries.get(&key).copied()
    };
    let ok = match cached {
        Some(v) if v.user == user.id && v.hash_fingerprint == fingerprint && v.expires > now => {
            true
        }
        _ => {
            let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
                .await
                .unwrap_or(false);
            if ok {
                let mut entries = state
                    .passwords
                    .entries
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                if entries.len() >= PASSWORD_CACHE_MAX {
                    entries.clear();
                }
                entries.insert(
                    key,
                    Verified {
                        user: user.id,
                        hash_fingerprint: fingerprint,
                        expires: now + PASSWORD_CACHE_MICROS,
                    },
                );
            }
            ok
        }
    };
    if !ok {
        return Err(ApiError::bad_credentials());
    }
    state
        .store
        .identity(user.id)
        .await?
        .ok_or_else(ApiError::bad_credentials)
}

fn cache_key(server_key: &[u8], login: &str, password: &str) -> [u8; 32] {
    let mut mac = crate::state::hmac(server_key);
    mac.update(b"renkei-password-cache-v1\0");
    mac.update(login.as_bytes());
    mac.update(b"\0");
    mac.update(password.as_bytes());
    mac.finalize().into_bytes().into()
}

/// An argon2id hash of a random string, verified against when the login does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$cmVua2VpLWR1bW15LXNhbHQ$Kp6rHRVhXWMRHtrOK1jO2lzU5ExgkyuHyTB2Vq4Y0sI";
