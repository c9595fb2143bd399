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
use serde_json::value::RawValue;

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
    /// Objects in the bundle: estimated from the part read while it is being parsed, exact
    /// once it is.
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

/// Parses the bundle and validates it chunk by chunk as it is read, sending valid records to
/// the store until the first refusal (after which nothing will be committed, so nothing more
/// is sent). Marking definitions the bundle defines are learnt chunk by chunk: an object that
/// references one defined further on waits for it ([`Prepared::resolve`]).
fn validate_and_send(
    bytes: &[u8],
    ctx: Context,
    sender: &mpsc::Sender<StreamItem>,
    progress: &ImportProgress,
) -> Result<(Prepared, Context), EnvelopeError> {
    let mut producer = Producer {
        ctx,
        sender,
        prepared: Prepared::default(),
        refused: false,
        stopped: false,
        validating: Duration::ZERO,
        waiting: Duration::ZERO,
        spent: std::sync::mpsc::channel(),
    };
    let mut chunk = Vec::with_capacity(FIRST_CHUNK);
    let mut first = 0;
    let parsed = Bundle::parse_streaming(bytes, MAX_OBJECTS, &mut |raw| {
        chunk.push(raw);
        if chunk.len() == if first == 0 { FIRST_CHUNK } else { CHUNK } {
            producer.chunk(&chunk, first);
            let estimate = estimate(bytes, raw.get(), first + chunk.len());
            if first == 0 {
                // Sized once for about what the file holds (within reason: the first objects
                // may be much smaller than the rest).
                producer.prepared.reserve(estimate.min(1 << 20) as usize);
            }
            first += chunk.len();
            chunk.clear();
            progress
                .objects
                .store(estimate.max(first as u64), Ordering::Relaxed);
        }
    });
    if parsed.is_ok() {
        producer.chunk(&chunk, first);
    }
    progress
        .objects
        .store((first + chunk.len()) as u64, Ordering::Relaxed);
    let (validating, waiting) = (producer.validating, producer.waiting);
    tracing::debug!(?validating, ?waiting, "objects validated");
    parsed?;
    Ok((producer.prepared, producer.ctx))
}

/// Objects in the whole of `bytes`, from `read` objects ending with `last` (a slice of it).
fn estimate(bytes: &[u8], last: &str, read: usize) -> u64 {
    let done = (last.as_ptr() as usize + last.len()).saturating_sub(bytes.as_ptr() as usize);
    (read as u128 * bytes.len() as u128 / done.max(1) as u128) as u64
}

/// The validating side of an import: prepares chunks of objects and sends their records.
struct Producer<'s> {
    ctx: Context,
    sender: &'s mpsc::Sender<StreamItem>,
    prepared: Prepared,
    /// An object was refused: nothing will be committed, so nothing more is sent.
    refused: bool,
    /// The writer stopped (it failed); its error is what the caller will see.
    stopped: bool,
    /// Where the time goes (RENKEI_LOG=renkei_ingest=debug): validating, or waiting for the
    /// store to take the records.
    validating: Duration,
    waiting: Duration,
    /// Batches the store is done with come back here to be freed where they were allocated.
    spent: (
        std::sync::mpsc::Sender<Vec<renkei_store::NewRecord>>,
        std::sync::mpsc::Receiver<Vec<renkei_store::NewRecord>>,
    ),
}

impl Producer<'_> {
    /// Validates the objects at positions `first..` and sends the records ready.
    fn chunk(&mut self, objects: &[&RawValue], first: usize) {
        let started = Instant::now();
        learn_markings(objects, &mut self.ctx);
        let part = prepare_range(objects, first, &self.ctx);
        self.validating += started.elapsed();
        self.refused |= part.any_refused();
        self.prepared.append(part);
        if self.refused || self.stopped {
            return;
        }
        while self.spent.1.try_recv().is_ok() {}
        let records = self.prepared.take_ready();
        if records.is_empty() {
            return;
        }
        let started = Instant::now();
        let batch = RecordBatch::returned_to(records, self.spent.0.clone());
        self.stopped = self
            .sender
            .blocking_send(StreamItem::Records(batch))
            .is_err();
        self.waiting += started.elapsed();
    }
}
