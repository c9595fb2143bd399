//! `renkei migrate`: bring the schema up to date and exit.

use std::process::ExitCode;

use crate::config::{Config, redact};
use crate::output::Output;
use crate::stores;

pub async fn run(config: Config, out: Output) -> anyhow::Result<ExitCode> {
    let store = stores::open(&config.database_url).await?;
    let stats = store.stats().await?;
    out.show(
        &serde_json::json!({ "database": redact(&config.database_url), "backend": store.backend().as_str(), "migrated": true, "records": stats.records }),
        || format!("{} ({}) is up to date; {} records.", redact(&config.database_url), store.backend().as_str(), stats.records),
    );
    Ok(ExitCode::SUCCESS)
}
