//! Storing one submission whose objects are already validated: its original bytes and its
//! records, in one transaction.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use bytes::Bytes;
use renkei_model::ids::SubmissionId;
use renkei_policy::Identity;
use renkei_store::{NewSubmission, Provenance, Store, StoreError, StreamItem};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use renkei_model::handling::Handling;
use renkei_model::stix::{Bundle, Envelope, EnvelopeError};

use crate::context::{context_for, look_up_markings};
use crate::handling::Context;
use crate::prepare::{Fate, Prepared, learn_markings, prepare};

/// Records per message to the store: large enough to amortise the work, small enough to
/// report progress.
pub const BATCH: usize = 10_000;

/// How a submission arrived.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub id: SubmissionId,
    /// `taxii`, `import`, `rest`.
    pub channel: &'static str,
    pub media_type: &'static str,
    pub bytes: Bytes,
    /// µs since the epoch.
    pub received_at: i64,
}

impl Arrival {
    pub(crate) fn submission(&self, submitter: &Identity) -> NewSubmission {
        NewSubmission {
            id: self.id,
            provider: submitter.org,
            user: submitter.user,
            received_at: self.received_at,
            channel: self.channel.to_owned(),
            media_type: self.media_type.to_owned(),
            sha256: Sha256::digest(&self.bytes).into(),
            bytes: self.bytes.clone(),
        }
    }
}

pub(crate) fn provenance(submitter: &Identity, arrival: &Arrival) -> Provenance {
    Provenance {
        submission: arrival.id,
        provider: submitter.org,
        provider_kind: submitter.org_kind,
        provider_sector: submitter.org_sector.clone(),
    }
}

/// Why a submission was refused as a whole.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// Not an envelope (or a bundle) at all, or too many objects: nothing was stored.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the submission was interrupted")]
    Interrupted,
}

/// What a submission's bytes hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Container {
    /// A TAXII 2.1 envelope (`{"objects": […]}`).
    Envelope,
    /// A STIX 2.1 bundle.
    Bundle,
    /// Another format (MISP, CSV, text) already converted to STIX: these bytes are an
    /// envelope of the converted objects, while the arrival keeps the original bytes.
    Converted(Bytes),
}

/// Validates and stores one submission, keeping the valid objects: parse, derive each
/// object's handling from `base` (or else the organisation's defaults) and its markings,
/// store. One bad object never refuses its neighbours. `stored` counts records stored.
pub async fn submit(
    store: &dyn Store,
    submitter: &Identity,
    arrival: &Arrival,
    container: Container,
    max_objects: usize,
    base: Option<Handling>,
    stored: Arc<AtomicU64>,
) -> Result<Vec<Fate>, SubmitError> {
    let mut ctx = context_for(store, submitter).await?;
    if base.is_some() {
        ctx.org_default = base;
    }
    let bytes = match &container {
        Container::Converted(converted) => converted.clone(),
        _ => arrival.bytes.clone(),
    };
    let (prepared, ctx) = tokio::task::spawn_blocking(move || {
        let objects = match container {
            Container::Envelope | Container::Converted(_) => {
                Envelope::parse(&bytes, max_objects)?.objects
            }
            Container::Bundle => Bundle::parse(&bytes, max_objects)?.objects,
        };
        learn_markings(&objects, &mut ctx);
        let prepared = prepare(&objects, &ctx);
        Ok::<_, EnvelopeError>((prepared, ctx))
    })
    .await
    .map_err(|_| SubmitError::Interrupted)??;
    Ok(store_submission(store, submitter, arrival, prepared, ctx, stored).await?)
}

/// Looks up the marking definitions the submission references but does not define, then
/// keeps the original bytes and stores the valid records, all in one transaction. `stored`
/// counts the records stored so far.
pub async fn store_submission(
    store: &dyn Store,
    submitter: &Identity,
    arrival: &Arrival,
    mut prepared: Prepared,
    mut ctx: Context,
    stored: Arc<AtomicU64>,
) -> Result<Vec<Fate>, StoreError> {
    let unknown = prepared.unknown_markings(&ctx);
    look_up_markings(store, submitter, &unknown, &mut ctx).await?;
    prepared.resolve(&ctx);
    let mut records = prepared.take_ready();
    let (sender, receiver) = mpsc::channel(2);
    let feeder = tokio::spawn(async move {
        while !records.is_empty() {
            let rest = records.split_off(records.len().min(BATCH));
            if sender
                .send(StreamItem::Records(records.into()))
                .await
                .is_err()
            {
                return;
            }
            records = rest;
        }
        let _ = sender.send(StreamItem::Commit).await;
    });
    let outcome = store
        .ingest_stream(
            arrival.submission(submitter),
            provenance(submitter, arrival),
            receiver,
            arrival.received_at,
            stored,
        )
        .await;
    feeder.abort();
    let outcomes =
        outcome?.ok_or_else(|| StoreError::Invalid("the submission was not committed".into()))?;
    Ok(prepared.fates(&outcomes))
}
