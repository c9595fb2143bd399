//! The storage conformance suite on SQLite.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure

use std::sync::Arc;

use renkei_store::Store;
use renkei_store_sqlite::SqliteStore;

async fn fresh() -> Option<Arc<dyn Store>> {
    let dir = tempfile::tempdir().expect("tempdir").keep();
    let store = SqliteStore::open(&dir.join("renkei.db")).expect("open");
    store
        .migrate(1_780_000_000_000_000, [7; 32])
        .await
        .expect("migrate");
    Some(Arc::new(store))
}

renkei_store::conformance_tests!(fresh());
