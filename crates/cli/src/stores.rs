//! Opening the store named by a database URL, and migrating it.

use std::sync::Arc;

use anyhow::{Context, bail};
use renkei_store::Store;
use renkei_store_postgres::PostgresStore;
use renkei_store_sqlite::SqliteStore;

use crate::config::redact;

/// Opens the store for `url` (`sqlite://PATH` or `postgres://…`) and migrates it.
pub async fn open(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = if let Some(path) = SqliteStore::path_from_url(url) {
        Arc::new(
            SqliteStore::open(&path)
                .with_context(|| format!("opening SQLite database {}", path.display()))?,
        )
    } else if PostgresStore::is_postgres_url(url) {
        Arc::new(
            PostgresStore::connect(url, 16)
                .with_context(|| format!("connecting to {}", redact(url)))?,
        )
    } else {
        bail!(
            "unsupported database URL `{}` (use sqlite://PATH or postgres://…)",
            redact(url)
        );
    };
    migrate(store.as_ref())
        .await
        .with_context(|| format!("migrating {}", redact(url)))?;
    Ok(store)
}

pub async fn migrate(store: &dyn Store) -> anyhow::Result<()> {
    let mut key = [0u8; 32];
    renkei_server::Entropy::fill(&renkei_server::OsEntropy, &mut key);
    store
        .migrate(
            renkei_server::Clock::now_micros(&renkei_server::SystemClock),
            key,
        )
        .await?;
    Ok(())
}
