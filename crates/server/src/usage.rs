//! Consumption counted as the server answers (reciprocity, issue 5 §5): records read, values
//! looked up, searches — per organisation and day. Counts gather in memory and go to the store
//! in one batch at most every few seconds (and before every reciprocity report), so counting
//! costs a hash-map update per request; a crash loses at most those few seconds of counts.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use renkei_model::ids::OrgId;
use renkei_policy::Identity;
use renkei_store::{UsageCount, day_of};

use crate::error::ApiError;
use crate::state::AppState;

/// The kinds of consumption counted.
pub mod kind {
    pub const RECORDS_READ: &str = "records_read";
    pub const LOOKUPS: &str = "lookups";
    pub const SEARCHES: &str = "searches";
    pub const PRODUCT_VIEWS: &str = "product_views";
}

/// How often pending counts go to the store, at most.
const FLUSH_MICROS: i64 = 5_000_000;

/// Counts not yet in the store.
#[derive(Default)]
pub struct Usage {
    pending: Mutex<HashMap<(OrgId, i64, &'static str), u64>>,
    last_flush: AtomicI64,
    /// Held from taking the counts until the store has them, so a report's flush waits for
    /// one under way instead of reading before its counts land.
    flushing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Usage")
    }
}

impl Usage {
    fn add(&self, org: OrgId, day: i64, kind: &'static str, n: u64) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        *pending.entry((org, day, kind)).or_default() += n;
    }

    fn take(&self) -> Vec<UsageCount> {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending
            .drain()
            .map(|((org, day, kind), count)| UsageCount {
                org,
                day,
                kind: kind.to_owned(),
                count,
            })
            .collect()
    }
}

impl AppState {
    /// Counts `n` of `kind` for the caller's organisation.
    pub fn count_usage(&self, me: &Identity, kind: &'static str, n: usize) {
        if n == 0 {
            return;
        }
        let now = self.clock.now_micros();
        self.usage.add(me.org, day_of(now), kind, n as u64);
        let last = self.usage.last_flush.load(Ordering::Relaxed);
        if now - last >= FLUSH_MICROS
            && self
                .usage
                .last_flush
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let state = self.clone();
            tokio::spawn(async move {
                if let Err(e) = state.flush_usage().await {
                    tracing::warn!(error = ?e, "usage counts not stored");
                }
            });
        }
    }

    /// Stores the pending counts.
    pub async fn flush_usage(&self) -> Result<(), ApiError> {
        let _one_at_a_time = self.usage.flushing.lock().await;
        let counts = self.usage.take();
        self.store.add_usage(&counts).await?;
        Ok(())
    }
}
