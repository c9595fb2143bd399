//! The tamper-evident audit log (design §2, issue 3).
//!
//! Owns: the one writer of audit entries ([`Auditor`], which group-commits events into the
//! store's hash chain), the checkpoint signing key ([`CheckpointSigner`], [`register_key`]),
//! and verification of the whole log ([`verify`]). The chain's format itself is
//! `renkei_model::audit`; storage is the [`Store`](renkei_store::Store) trait's `*_audit*`
//! methods.
//!
//! Must not: decide *what* is audited (the server does), read configuration or the
//! environment (the CLI passes paths, keys and a clock in), or write entries any other way
//! than through [`Auditor`].
//!
//! See `docs/audit.md`.

mod auditor;
mod error;
mod key;
mod verify;

pub use auditor::{AuditConfig, Auditor, Clock, system_clock};
pub use error::AuditError;
pub use key::{
    CheckpointSigner, PUBLIC_KEY_SETTING, key_id, parse_public_key, register_key, registered_key,
};
pub use verify::{Anchor, Broken, PAGE, Report, VerifyOptions, last_seq, verify, verify_with};

pub use ed25519_dalek::VerifyingKey;

#[cfg(test)]
mod tests;
