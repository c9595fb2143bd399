//! `renkei migrate`: bring the schema up to date and exit.

use std::process::ExitCode;

use crate::config::{Config, redact};
use crate::output::Output;
use crate::{audit_key, stores};

pub async fn run(config: Config, out: Output) -> anyhow::Result<ExitCode> {
    let store = stores::open(&config.database_url).await?;
    let signer = audit_key::signer(&config, store.as_ref()).await?;
    let stats = store.stats().await?;
    out.show(
        &serde_json::json!({ "database": redact(&config.database_url), "backend": store.backend().as_str(), "migrated": true, "records": stats.records, "audit_key_id": signer.key_id(), "audit_public_key": signer.public_key_hex() }),
        || format!("{} ({}) is up to date; {} records; audit checkpoints signed with key {}.", redact(&config.database_url), store.backend().as_str(), stats.records, signer.key_id()),
    );
    Ok(ExitCode::SUCCESS)
}
