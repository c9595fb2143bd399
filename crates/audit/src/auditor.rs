//! The one writer of the audit log in a process: callers hand it events, a background task
//! appends whatever has queued up in one `append_audit` call (group commit, so a busy server
//! pays one transaction per batch rather than per event), answers each caller with its own
//! entries, and signs a checkpoint of the chain's head every `checkpoint_every` entries and on
//! [`Auditor::flush`].

use std::sync::Arc;

use renkei_model::audit::{AuditEntry, AuditEvent};
use renkei_store::Store;
use tokio::sync::{mpsc, oneshot};

use crate::{AuditError, CheckpointSigner};

/// Where checkpoint times come from: µs since the Unix epoch.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock, for [`AuditConfig::default`].
pub fn system_clock() -> Clock {
    Arc::new(|| {
        renkei_model::stix::Timestamp::from_system_time(std::time::SystemTime::now()).unix_micros()
    })
}

/// Most events in one `append_audit` call; a single `record_all` larger than this still goes
/// in one call, so its events stay together.
const MAX_BATCH: usize = 10_000;
/// Requests waiting for the writer before `record` waits too (back-pressure).
const QUEUE: usize = 4_096;

/// How the auditor works.
#[derive(Clone)]
pub struct AuditConfig {
    /// A checkpoint is signed whenever an appended batch reaches a multiple of this sequence
    /// number (so every that many entries, whichever process appends them). 0: only on
    /// [`Auditor::flush`] and shutdown.
    pub checkpoint_every: u64,
    /// The time written into checkpoints.
    pub clock: Clock,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            checkpoint_every: 1000,
            clock: system_clock(),
        }
    }
}

impl std::fmt::Debug for AuditConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditConfig")
            .field("checkpoint_every", &self.checkpoint_every)
            .finish_non_exhaustive()
    }
}

type Reply<T> = oneshot::Sender<Result<T, AuditError>>;

enum Request {
    Record {
        events: Vec<AuditEvent>,
        reply: Reply<Vec<AuditEntry>>,
    },
    Flush {
        reply: Reply<()>,
    },
    Shutdown {
        reply: Reply<()>,
    },
}

/// A handle on the audit log's writer. Cloning it is cheap; all clones feed the same task.
#[derive(Clone, Debug)]
pub struct Auditor {
    requests: mpsc::Sender<Request>,
}

impl Auditor {
    /// Starts the writer task on the current Tokio runtime. Without a signer, no checkpoints
    /// are written (the chain alone still shows changes to entries, but not truncation).
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime.
    pub fn start(
        store: Arc<dyn Store>,
        signer: Option<CheckpointSigner>,
        config: AuditConfig,
    ) -> Auditor {
        let (requests, queue) = mpsc::channel(QUEUE);
        let writer = Writer {
            store,
            signer,
            every: i64::try_from(config.checkpoint_every).unwrap_or(i64::MAX),
            clock: config.clock,
            head: None,
            checkpointed: 0,
            checkpoint_owed: false,
        };
        tokio::spawn(writer.run(queue));
        Auditor { requests }
    }

    /// Records one event; resolves once its batch is stored, with its entry.
    ///
    /// If the caller stops waiting, the event is still recorded.
    pub async fn record(&self, event: AuditEvent) -> Result<AuditEntry, AuditError> {
        self.record_all(vec![event])
            .await?
            .pop()
            .ok_or_else(|| AuditError::Inconsistent("no entry for a recorded event".into()))
    }

    /// Records events together (one append, consecutive sequence numbers), in order.
    pub async fn record_all(&self, events: Vec<AuditEvent>) -> Result<Vec<AuditEntry>, AuditError> {
        if events.is_empty() {
            return if self.requests.is_closed() {
                Err(AuditError::Closed)
            } else {
                Ok(Vec::new())
            };
        }
        self.ask(|reply| Request::Record { events, reply }).await
    }

    /// Waits until every event queued before this call is stored, then signs a checkpoint of
    /// the newest entry this process wrote (if it has a signer and none covers it yet). A
    /// checkpoint that could not be written earlier is reported here.
    pub async fn flush(&self) -> Result<(), AuditError> {
        self.ask(|reply| Request::Flush { reply }).await
    }

    /// Flushes, then stops the writer: from then on every call fails with
    /// [`AuditError::Closed`], including calls queued behind this one. Calling it again is a
    /// no-op.
    pub async fn shutdown(&self) -> Result<(), AuditError> {
        match self.ask(|reply| Request::Shutdown { reply }).await {
            Err(AuditError::Closed) => Ok(()),
            other => other,
        }
    }

    async fn ask<T>(&self, request: impl FnOnce(Reply<T>) -> Request) -> Result<T, AuditError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(request(reply))
            .await
            .map_err(|_| AuditError::Closed)?;
        // A dropped reply means the writer stopped (or panicked) before answering.
        answer.await.map_err(|_| AuditError::Closed)?
    }
}

/// A request that ends a batch.
enum Control {
    Flush(Reply<()>),
    Shutdown(Reply<()>),
}

/// Events taken from the queue for one append, and whom to answer.
#[derive(Default)]
struct Batch {
    events: Vec<AuditEvent>,
    replies: Vec<(Reply<Vec<AuditEntry>>, usize)>,
}

struct Writer {
    store: Arc<dyn Store>,
    signer: Option<CheckpointSigner>,
    every: i64,
    clock: Clock,
    /// The newest entry this writer appended.
    head: Option<(i64, [u8; 32])>,
    /// The newest entry this writer has a stored checkpoint of.
    checkpointed: i64,
    /// A checkpoint failed and none has been written since: the next batch tries again.
    checkpoint_owed: bool,
}

impl Writer {
    async fn run(mut self, mut queue: mpsc::Receiver<Request>) {
        while let Some(first) = queue.recv().await {
            let mut batch = Batch::default();
            let mut control = None;
            let mut next = Some(first);
            while let Some(request) = next.take() {
                match request {
                    Request::Record { events, reply } => {
                        batch.replies.push((reply, events.len()));
                        batch.events.extend(events);
                        if batch.events.len() < MAX_BATCH {
                            next = queue.try_recv().ok();
                        }
                    }
                    // A flush or shutdown ends the batch: it covers what came before it only.
                    Request::Flush { reply } => control = Some(Control::Flush(reply)),
                    Request::Shutdown { reply } => control = Some(Control::Shutdown(reply)),
                }
            }
            self.append(batch).await;
            match control {
                None => {}
                Some(Control::Flush(reply)) => {
                    let _ = reply.send(self.checkpoint().await);
                }
                Some(Control::Shutdown(reply)) => {
                    let result = self.checkpoint().await;
                    queue.close();
                    refuse_rest(&mut queue);
                    let _ = reply.send(result);
                    return;
                }
            }
        }
        // Every handle is gone: pin what was written.
        if let Err(e) = self.checkpoint().await {
            tracing::error!(error = %e, code = e.code(), "final audit checkpoint not written");
        }
    }

    async fn append(&mut self, batch: Batch) {
        if batch.events.is_empty() {
            return;
        }
        let entries = match self.store.append_audit(&batch.events).await {
            Ok(entries) if entries.len() == batch.events.len() => entries,
            Ok(entries) => {
                let e = AuditError::Inconsistent(format!(
                    "{} entries stored for {} events",
                    entries.len(),
                    batch.events.len()
                ));
                return fail(batch, &e);
            }
            Err(e) => return fail(batch, &e.into()),
        };
        let (first, last) = match (entries.first(), entries.last()) {
            (Some(first), Some(last)) => (first.seq, (last.seq, last.hash)),
            _ => return,
        };
        self.head = Some(last);
        let reaches_multiple = self.every > 0 && last.0 / self.every > (first - 1) / self.every;
        // A periodic checkpoint that failed is retried with the next batch (and reported by
        // the next flush if it fails again). It is written before the callers hear back, so a
        // recorded batch that reached a multiple is already checkpointed when they do.
        if (reaches_multiple || self.checkpoint_owed)
            && let Err(e) = self.checkpoint().await
        {
            tracing::error!(error = %e, code = e.code(), seq = last.0, "audit checkpoint not written; retrying with the next batch");
        }
        let mut entries = entries.into_iter();
        for (reply, n) in batch.replies {
            // A caller that stopped waiting still had its events recorded.
            let _ = reply.send(Ok(entries.by_ref().take(n).collect()));
        }
    }

    /// Signs and stores a checkpoint of this writer's newest entry, unless one covers it.
    async fn checkpoint(&mut self) -> Result<(), AuditError> {
        let (Some(signer), Some((seq, hash))) = (&self.signer, self.head) else {
            return Ok(());
        };
        if seq <= self.checkpointed {
            return Ok(());
        }
        let checkpoint = signer.sign(seq, hash, (self.clock)());
        if let Err(e) = self.store.add_audit_checkpoint(&checkpoint).await {
            self.checkpoint_owed = true;
            return Err(e.into());
        }
        self.checkpointed = seq;
        self.checkpoint_owed = false;
        Ok(())
    }
}

fn fail(batch: Batch, error: &AuditError) {
    tracing::error!(error = %error, code = error.code(), events = batch.events.len(), "audit events not recorded");
    for (reply, _) in batch.replies {
        let _ = reply.send(Err(error.clone()));
    }
}

/// Answers every request still queued after a shutdown.
fn refuse_rest(queue: &mut mpsc::Receiver<Request>) {
    while let Ok(request) = queue.try_recv() {
        match request {
            Request::Record { reply, .. } => {
                let _ = reply.send(Err(AuditError::Closed));
            }
            Request::Flush { reply } => {
                let _ = reply.send(Err(AuditError::Closed));
            }
            Request::Shutdown { reply } => {
                let _ = reply.send(Ok(()));
            }
        }
    }
}
