//! Importing a bundle file, all or nothing: objects are validated in chunks while the store
//! writes the chunks already validated, inside one transaction that is committed only if every
//! object is valid and every marking it references resolves. A file with one bad object
//! stores nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use renkei_model::stix::{Bundle, EnvelopeError};
use renkei_policy::Identity;
use renkei_store::{RecordBatch, Store, StoreError, StreamItem};
use tokio::sync::mpsc;

use crate::context::{context_for, look_up_markings};
use crate::handling::Context;
use crate::prepare::{Fate, Prepared, learn_markings, prepare_range};
use crate::submit::{Arrival, provenance};

/// Objects validated per chunk sent to the store; the first chunk is smaller, so the store
/// starts writing soon after validation starts.
const CHUNK: usize = 5_000;
const FIRST_CHUNK: usize = 500;
/// Largest bundle read at once.
pub const MAX_OBJECTS: usize = 10_000_000;

#[derive(Debug)]
pub struct ImportOutcome {
    /// One fate per object of the bundle, in order (if the file was refused, valid objects
    /// are "not stored").
    pub fates: Vec<Fate>,
    /// Why objects were refused, in order.
    pub refusals: Vec<String>,
    /// Whether the file was stored (false: it was refused as a whole, nothing was stored).
    pub committed: bool,
}

/// How far an import has got, for progress bars.
#[derive(Debug, Default)]
pub struct ImportProgress {
    /// Objects in the bundle, once it is parsed.
    pub objects: AtomicU64,
    /// Records stored so far.
    pub stored: Arc<AtomicU64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("not a STIX 2.1 bundle: {0}")]
    NotABundle(#[from] EnvelopeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the import was interrupted")]
    Interrupted,
}

/// Imports a bundle as the submitter's records. `progress` counts records stored.
pub async fn import_bundle(
    store: Arc<dyn Store>,
    submitter: &Identity,
    arrival: Arrival,
    progress: Arc<ImportProgress>,
) -> Result<ImportOutcome, ImportError> {
    let ctx = context_for(store.as_ref(), submitter).await?;
    let (sender, receiver) = mpsc::channel::<StreamItem>(2);
    let submission = arrival.submission(submitter);
    let provenance = provenance(submitter, &arrival);
    let writer = {
        let store = store.clone();
        let stored = progress.stored.clone();
        tokio::spawn(async move {
            store
                .ingest_stream(
                    submission,
                    provenance,
                    receiver,
                    arrival.received_at,
                    stored,
                )
                .await
        })
    };
    let producer = {
        let sender = sender.clone();
        let bytes = arrival.bytes.clone();
        let progress = progress.clone();
        tokio::task::spawn_blocking(move || validate_and_send(&bytes, ctx, &sender, &progress))
    };
    let started = Instant::now();
    let (mut prepared, mut ctx) = match producer.await {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => {
            let _ = sender.send(StreamItem::Abort).await;
            let _ = writer.await;
            return Err(e.into());
        }
        Err(_) => {
            let _ = sender.send(StreamItem::Abort).await;
            let _ = writer.await;
            return Err(ImportError::Interrupted);
        }
    };
    tracing::debug!(elapsed = ?started.elapsed(), "validated");
    if !prepared.any_refused() {
        let unknown = prepared.unknown_markings(&ctx);
        look_up_markings(store.as_ref(), submitter, &unknown, &mut ctx).await?;
        prepared.resolve(&ctx);
    }
    let verdict = if prepared.any_refused() {
        StreamItem::Abort
    } else {
        let rest = prepared.take_ready();
        if !rest.is_empty() {
            // If the writer already failed, its error is reported below.
            let _ = sender.send(StreamItem::Records(rest.into())).await;
        }
        StreamItem::Commit
    };
    let _ = sender.send(verdict).await;
    drop(sender);
    let outcomes = writer.await.map_err(|_| ImportError::Interrupted)??;
    tracing::debug!(elapsed = ?started.elapsed(), "stored");
    let committed = outcomes.is_some();
    let stored = outcomes.unwrap_or_default();
    Ok(ImportOutcome {
        fates: prepared.fates(&stored),
        refusals: prepared.refusals(),
        committed,
    })
}

/// Parses the bundle and validates it chunk by chunk, sending valid records to the store
/// until the first refusal (after which nothing will be committed, so nothing more is sent).
fn validate_and_send(
    bytes: &[u8],
    mut ctx: Context,
    sender: &mpsc::Sender<StreamItem>,
    progress: &ImportProgress,
) -> Result<(Prepared, Context), EnvelopeError> {
    let bundle = Bundle::parse(bytes, MAX_OBJECTS)?;
    progress
        .objects
        .store(bundle.objects.len() as u64, Ordering::Relaxed);
    learn_markings(&bundle.objects, &mut ctx);
    let mut prepared = Prepared::for_submission(bundle.objects.len());
    let mut refused = false;
    // Where the time goes (RENKEI_LOG=renkei_ingest=debug): validating, or waiting for the
    // store to take the records.
    let (mut validating, mut waiting) = (Duration::ZERO, Duration::ZERO);
    let (returned, spent) = std::sync::mpsc::channel();
    let mut start = 0;
    while start < bundle.objects.len() {
        let size = if start == 0 { FIRST_CHUNK } else { CHUNK };
        let end = bundle.objects.len().min(start + size);
        let started = Instant::now();
        let part = prepare_range(&bundle.objects[start..end], start, &ctx);
        start = end;
        validating += started.elapsed();
        refused |= part.any_refused();
        prepared.append(part);
        if refused {
            continue;
        }
        // Records the store is done with are freed here, where they were allocated.
        while spent.try_recv().is_ok() {}
        let records = prepared.take_ready();
        let started = Instant::now();
        let sent = records.is_empty()
            || sender
                .blocking_send(StreamItem::Records(RecordBatch::returned_to(
                    records,
                    returned.clone(),
                )))
                .is_ok();
        waiting += started.elapsed();
        if !sent {
            // The writer stopped (it failed); its error is what the caller will see.
            break;
        }
    }
    tracing::debug!(?validating, ?waiting, "objects validated");
    Ok((prepared, ctx))
}
