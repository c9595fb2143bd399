//! The audit log's checkpoint signing key as configured (`[audit] key_file`, by default
//! `<data_dir>/audit-signing.key`): loaded, or created on first use, and registered in the store
//! so that `renkei verify audit` can check checkpoints with the public half alone.

use std::sync::Arc;

use anyhow::Context;
use renkei_audit::{AuditConfig, Auditor, CheckpointSigner, register_key};
use renkei_server::{Clock, SystemClock};
use renkei_store::Store;

use crate::config::Config;

/// Loads or creates the signing key and registers it in `store`. Fails if the store already
/// holds another key (each server of a store must use the same key file).
pub async fn signer(config: &Config, store: &dyn Store) -> anyhow::Result<CheckpointSigner> {
    let path = config.audit.key_file.clone();
    let signer = tokio::task::spawn_blocking(move || CheckpointSigner::load_or_create(&path))
        .await
        .context("loading the audit signing key")??;
    register_key(store, &signer).await.with_context(|| {
        format!(
            "registering the audit signing key {}",
            config.audit.key_file.display()
        )
    })?;
    Ok(signer)
}

/// Starts the audit log's writer for `renkei serve`, signing checkpoints with the configured
/// key every `[audit] checkpoint_every` entries. Call `Auditor::shutdown` before exiting so the
/// last entries get a checkpoint.
pub async fn start_auditor(config: &Config, store: Arc<dyn Store>) -> anyhow::Result<Auditor> {
    let signer = signer(config, store.as_ref()).await?;
    Ok(Auditor::start(store, Some(signer), audit_config(config)))
}

/// The auditor's settings from the configuration, with the system clock.
pub fn audit_config(config: &Config) -> AuditConfig {
    AuditConfig {
        checkpoint_every: config.audit.checkpoint_every,
        clock: Arc::new(|| SystemClock.now_micros()),
    }
}
