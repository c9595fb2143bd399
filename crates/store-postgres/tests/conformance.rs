//! The storage conformance suite on PostgreSQL.
//!
//! Needs `RENKEI_TEST_POSTGRES_URL` (the test command sets it). Each test gets its own schema.
//! Without the variable the tests pass vacuously, unless `RENKEI_REQUIRE_POSTGRES=1`, which CI
//! sets, makes them fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure

use std::sync::Arc;

use renkei_store::Store;
use renkei_store_postgres::PostgresStore;

async fn fresh() -> Option<Arc<dyn Store>> {
    let url = match std::env::var("RENKEI_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            assert!(
                std::env::var("RENKEI_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "RENKEI_REQUIRE_POSTGRES=1 but RENKEI_TEST_POSTGRES_URL is not set"
            );
            return None;
        }
    };
    let (store, _schema) = PostgresStore::scratch(&url, 4)
        .await
        .expect("scratch schema");
    store
        .migrate(1_780_000_000_000_000, [7; 32])
        .await
        .expect("migrate");
    Some(Arc::new(store))
}

renkei_store::conformance_tests!(fresh());
