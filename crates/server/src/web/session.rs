//! Who is looking, in which language, and the tokens their forms must carry.
//!
//! A logged-in browser holds `renkei_session`, a random value whose SHA-256 names a row of
//! `web_sessions`; the row names a user only, and the identity is loaded afresh on every
//! request (a suspension or a disabled account takes effect at once). Each session has its own
//! CSRF token. Anonymous forms (login, 通報・相談, seminar registration) carry an HMAC, keyed
//! with the server key, of a random `renkei_anon` cookie, so a form posted from elsewhere
//! (which cannot read the cookie) is refused. Cookies are `HttpOnly; SameSite=Strict;
//! Path=/` and `Secure` unless the server is configured for plain http (local demos).

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::header::COOKIE;
use axum::http::{Extensions, HeaderMap, Uri};
use hmac::Mac;
use renkei_policy::{Identity, Principal};
use renkei_store::WebSession;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::i18n::{Lang, t};
use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "renkei_session";
pub const ANON_COOKIE: &str = "renkei_anon";
pub const LANG_COOKIE: &str = "renkei_lang";
/// A session lasts 12 hours (a working day), then the member logs in again.
pub const SESSION_MICROS: i64 = 12 * 3600 * 1_000_000;

/// One request's visitor.
#[derive(Debug)]
pub struct Ctx {
    pub lang: Lang,
    /// The path shown, for the language switch.
    pub path: String,
    pub me: Option<Identity>,
    pub session: Option<WebSession>,
    /// The anonymous nonce, and whether it is new (then the response sets its cookie).
    anon: (String, bool),
    /// Whether the language was chosen by `?lang=` (then the response remembers it).
    lang_chosen: bool,
    secure: bool,
}

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn hash_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn random_hex(state: &AppState) -> String {
    let mut b = [0u8; 32];
    state.entropy.fill(&mut b);
    hex::encode(b)
}

impl Ctx {
    /// Reads the visitor from the request: language (`?lang=` over the cookie over Japanese),
    /// session and identity, the anonymous nonce.
    pub async fn load(state: &AppState, headers: &HeaderMap, uri: &Uri) -> Result<Ctx, ApiError> {
        let asked = uri.query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "lang")
                .and_then(|(_, v)| Lang::parse(&v))
        });
        let lang = asked
            .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::parse))
            .unwrap_or(Lang::Ja);
        let (session, me) = match cookie(headers, SESSION_COOKIE) {
            Some(v) if v.len() == 64 => {
                let now = state.clock.now_micros();
                match state.store.web_session(&hash_hex(v), now).await? {
                    Some(s) => {
                        let me = state
                            .store
                            .identity(s.user)
                            .await?
                            .filter(|i| crate::auth::check_standing(i, false).is_ok());
                        match me {
                            Some(me) => (Some(s), Some(me)),
                            None => (None, None),
                        }
                    }
                    None => (None, None),
                }
            }
            _ => (None, None),
        };
        let anon = match cookie(headers, ANON_COOKIE) {
            Some(v) if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) => {
                (v.to_owned(), false)
            }
            _ => (random_hex(state), true),
        };
        Ok(Ctx {
            lang,
            path: uri.path().to_owned(),
            me,
            session,
            anon,
            lang_chosen: asked.is_some(),
            secure: !state.config.web_plain_http,
        })
    }

    pub fn t(&self, key: &'static str) -> &'static str {
        t(self.lang, key)
    }

    pub fn principal(&self) -> Principal {
        match &self.me {
            Some(me) => Principal::User(me.clone()),
            None => Principal::Anonymous,
        }
    }

    /// The token this page's forms carry.
    pub fn csrf(&self, state: &AppState) -> String {
        match &self.session {
            Some(s) => s.csrf.clone(),
            None => anon_token(state, &self.anon.0),
        }
    }

    /// Refuses (403) a form whose token is not this visitor's. Anonymous tokens are checked
    /// against the nonce cookie the browser sent; a fresh nonce never matches.
    pub fn check_csrf(&self, state: &AppState, sent: Option<&str>) -> Result<(), ApiError> {
        let expected = match &self.session {
            Some(s) => s.csrf.clone(),
            None if !self.anon.1 => anon_token(state, &self.anon.0),
            None => String::new(),
        };
        let ok = !expected.is_empty()
            && sent.is_some_and(|s| bool::from(s.as_bytes().ct_eq(expected.as_bytes())));
        if ok {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "csrf_token_invalid",
                t(self.lang, "error.csrf"),
            ))
        }
    }

    /// `Set-Cookie` values this response must carry.
    pub fn cookies(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.anon.1 {
            out.push(self.cookie_value(ANON_COOKIE, &self.anon.0, None));
        }
        if self.lang_chosen {
            out.push(self.cookie_value(LANG_COOKIE, self.lang.code(), Some(365 * 86400)));
        }
        out
    }

    /// A cookie with this server's attributes.
    pub fn cookie_value(&self, name: &str, value: &str, max_age: Option<i64>) -> String {
        let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
        if let Some(age) = max_age {
            c.push_str(&format!("; Max-Age={age}"));
        }
        if self.secure {
            c.push_str("; Secure");
        }
        c
    }
}

fn anon_token(state: &AppState, nonce: &str) -> String {
    let mut mac = crate::state::hmac(&state.key);
    mac.update(b"renkei-web-anon-csrf-v1\0");
    mac.update(nonce.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Starts a session for `me`; returns the cookie value (shown to the browser only).
pub async fn start(state: &AppState, me: &Identity) -> Result<String, ApiError> {
    let value = random_hex(state);
    let now = state.clock.now_micros();
    // Expired sessions are removed as new ones start, so the table stays small.
    state.store.prune_web_sessions(now).await?;
    state
        .store
        .create_web_session(&WebSession {
            id_hash: hash_hex(&value),
            user: me.user,
            csrf: random_hex(state),
            created_at: now,
            expires_at: now + SESSION_MICROS,
        })
        .await?;
    Ok(value)
}

/// Failed logins remembered per login and per client address, in memory (each server
/// process keeps its own; an attacker spreading guesses over processes gains a small factor).
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<i64>>>,
}

impl std::fmt::Debug for LoginLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginLimiter")
    }
}

/// Failures counted over this window.
const WINDOW_MICROS: i64 = 15 * 60 * 1_000_000;
/// At most this many failed logins per login, and per address, in the window.
pub const MAX_PER_LOGIN: usize = 5;
pub const MAX_PER_ADDRESS: usize = 20;
const MAX_KEYS: usize = 100_000;

impl LoginLimiter {
    /// Whether another attempt is allowed for these keys now.
    pub fn allows(&self, login: &str, address: &str, now: i64) -> bool {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut count = |key: String| {
            let v = map.entry(key).or_default();
            v.retain(|t| *t > now - WINDOW_MICROS);
            v.len()
        };
        count(format!("login:{login}")) < MAX_PER_LOGIN
            && count(format!("addr:{address}")) < MAX_PER_ADDRESS
    }

    pub fn failed(&self, login: &str, address: &str, now: i64) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS {
            map.retain(|_, v| v.iter().any(|t| *t > now - WINDOW_MICROS));
        }
        for key in [format!("login:{login}"), format!("addr:{address}")] {
            map.entry(key).or_default().push(now);
        }
    }

    /// A successful login clears that login's failures (not the address's).
    pub fn succeeded(&self, login: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&format!("login:{login}"));
    }
}

/// The client's address as the server saw the connection (`serve` records it), or `local`
/// for in-process calls.
pub fn client_address(ext: &Extensions) -> String {
    ext.get::<crate::PeerAddr>()
        .map_or_else(|| "local".to_owned(), |p| p.0.ip().to_string())
}
