//! Embedded migrations, applied in order inside one transaction each.

use rusqlite::{Connection, OptionalExtension, params};

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_initial.sql")),
    (2, include_str!("../migrations/0002_membership.sql")),
    (3, include_str!("../migrations/0003_index.sql")),
    (4, include_str!("../migrations/0004_feeds.sql")),
    (5, include_str!("../migrations/0005_reciprocity.sql")),
    (6, include_str!("../migrations/0006_feed_withdrawals.sql")),
    (7, include_str!("../migrations/0007_products.sql")),
    (8, include_str!("../migrations/0008_notifications.sql")),
    (9, include_str!("../migrations/0009_web_sessions.sql")),
    (10, include_str!("../migrations/0010_relationship_ends.sql")),
    (
        11,
        include_str!("../migrations/0011_search_docs_from_records.sql"),
    ),
];

pub(crate) fn migrate(conn: &mut Connection, now: i64, key: &[u8; 32]) -> rusqlite::Result<()> {
    apply(conn, MIGRATIONS, now)?;
    conn.execute(
        "INSERT INTO settings (key, value) VALUES ('server_key', ?1) ON CONFLICT (key) DO NOTHING",
        [&key[..]],
    )?;
    Ok(())
}

/// Applies the migrations not applied yet to one database.
pub(crate) fn apply(
    conn: &mut Connection,
    migrations: &[(i64, &str)],
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);",
    )?;
    for (version, sql) in migrations {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let done: Option<i64> = tx
            .query_row(
                "SELECT version FROM schema_migrations WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .optional()?;
        if done.is_none() {
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![version, now],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}
