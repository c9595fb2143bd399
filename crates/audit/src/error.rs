//! What can go wrong while writing or checking the audit log.
//!
//! A broken chain is not an error: [`crate::verify`] reports it in its [`crate::Report`]. These
//! are the failures that stop the work itself.

use std::path::PathBuf;
use std::sync::Arc;

use renkei_store::StoreError;

/// An audit log failure. [`AuditError::code`] gives a stable code for scripts and logs.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuditError {
    /// The store failed. Shared, because one failed append fails every event of its batch.
    #[error("audit store: {0}")]
    Store(Arc<StoreError>),
    /// The auditor has shut down; nothing more can be recorded.
    #[error("the audit log is closed")]
    Closed,
    /// The store returned something the audit log cannot have written.
    #[error("audit store answered inconsistently: {0}")]
    Inconsistent(String),
    /// The store already holds a different checkpoint key than this process's.
    #[error(
        "the store's audit checkpoints are signed with key {registered}, but this server's key \
         file holds key {ours}; every server of a store must use the same audit key file"
    )]
    KeyMismatch {
        /// Key id (see [`crate::key_id`]) of the registered key, or its raw text if unreadable.
        registered: String,
        /// Key id of the key this process loaded.
        ours: String,
    },
    /// A key is not a valid ed25519 key in the expected encoding.
    #[error("invalid audit key: {0}")]
    InvalidKey(String),
    /// The signing key file could not be read or written.
    #[error("audit key file {}: {source}", path.display())]
    KeyFile {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    /// The operating system's random number generator failed.
    #[error("cannot get random bytes for a new audit key: {0}")]
    Random(String),
}

impl AuditError {
    /// A stable, machine-readable name for the error (see `docs/audit.md`).
    pub fn code(&self) -> &'static str {
        match self {
            AuditError::Store(_) => "audit_store",
            AuditError::Closed => "audit_closed",
            AuditError::Inconsistent(_) => "audit_inconsistent",
            AuditError::KeyMismatch { .. } => "audit_key_mismatch",
            AuditError::InvalidKey(_) => "audit_invalid_key",
            AuditError::KeyFile { .. } => "audit_key_file",
            AuditError::Random(_) => "audit_random",
        }
    }

    pub(crate) fn key_file(path: &std::path::Path, source: std::io::Error) -> Self {
        AuditError::KeyFile {
            path: path.to_owned(),
            source: Arc::new(source),
        }
    }
}

impl From<StoreError> for AuditError {
    fn from(e: StoreError) -> Self {
        AuditError::Store(Arc::new(e))
    }
}
