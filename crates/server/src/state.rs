//! What every handler can reach: the store, configuration, keys, clock and randomness.

use std::sync::Arc;

use hmac::KeyInit;
use renkei_audit::Auditor;
use renkei_store::Store;
use sha2::Sha256;

use crate::auth::PasswordCache;
use crate::clock::{Clock, Entropy};

/// Server settings, validated before the server starts.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Shown in TAXII discovery.
    pub title: String,
    pub description: String,
    pub contact: Option<String>,
    /// Largest request body accepted (TAXII `max_content_length`).
    pub max_content_length: usize,
    /// Most objects returned in one page, whatever `limit` asks for.
    pub max_page_size: usize,
    /// Page size when the client sends no `limit`.
    pub default_page_size: usize,
    /// Most objects accepted in one POST.
    pub max_objects_per_post: usize,
    /// How applicants are admitted.
    pub membership: MembershipRules,
    /// The prefix of product numbers (`RENKEI` in `RENKEI-AT-2026-0001`).
    pub product_prefix: String,
    /// Where notification e-mail goes; `None`: notifications are in-app only.
    pub smtp: Option<crate::notify::SmtpConfig>,
    /// The web UI's cookies lose `Secure` (browsers would not send them back over plain
    /// http). Only for local demos (`[web] plain_http`, or `--demo` on a loopback address).
    pub web_plain_http: bool,
}

/// The admission rules (seed 003 第3 1(1)エ): recommendations (推薦) from distinct active
/// member organisations, and the NDA version applicants must accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipRules {
    pub recommendations_required: usize,
    pub nda_version: String,
}

impl Default for MembershipRules {
    fn default() -> Self {
        MembershipRules {
            recommendations_required: 2,
            nda_version: "2026-11".into(),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            title: "Renkei 連携 — cyber threat sharing".into(),
            description: "TAXII 2.1 service of the Renkei industry–academia–police partnership"
                .into(),
            contact: None,
            max_content_length: 128 * 1024 * 1024,
            max_page_size: 10_000,
            default_page_size: 1_000,
            max_objects_per_post: 100_000,
            membership: MembershipRules::default(),
            product_prefix: "RENKEI".into(),
            smtp: None,
            web_plain_http: false,
        }
    }
}

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<ServerConfig>,
    /// The server key from the store: signs pagination cursors and keys the password cache.
    pub key: Arc<[u8]>,
    pub clock: Arc<dyn Clock>,
    pub entropy: Arc<dyn Entropy>,
    pub passwords: Arc<PasswordCache>,
    /// When TAXII status resources were last pruned (µs).
    pub last_status_prune: Arc<std::sync::atomic::AtomicI64>,
    /// The audit log's writer: every write and every read of a sensitive record goes to it.
    pub auditor: Auditor,
    /// Consumption counted for reciprocity, not yet stored.
    pub usage: Arc<crate::usage::Usage>,
    /// Failed web logins, per login and per address.
    pub logins: Arc<crate::web::LoginLimiter>,
    /// Tells subscribers of new records; ingest wakes it.
    pub notifier: crate::notify::Notifier,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// An HMAC-SHA256 instance keyed with `key` (HMAC accepts keys of any length).
pub(crate) fn hmac(key: &[u8]) -> hmac::Hmac<Sha256> {
    match <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(m) => m,
        // Unreachable for HMAC; fall back to a fixed key rather than panic.
        Err(_) => <hmac::Hmac<Sha256> as KeyInit>::new(&Default::default()),
    }
}
