//! Turning the objects of one submission into records to store, and reporting each object's
//! fate in the submitter's terms.
//!
//! Validation runs without I/O (on every core for large submissions). Objects that reference
//! marking definitions neither predefined nor in the submission are held back until the caller
//! has looked those up among what the submitter may see ([`Prepared::unknown_markings`],
//! [`crate::look_up_markings`], [`Prepared::resolve`]).

use std::collections::BTreeSet;

use renkei_model::handling::Handling;
use renkei_model::stix::markings::{known_marking, predefined_json};
use renkei_model::stix::renkei_handling::from_marking_definition;
use renkei_model::stix::{StixObject, Timestamp};
use renkei_store::{IngestOutcome, NewRecord};
use serde_json::value::RawValue;

use crate::handling::{Context, Derived, derive};

/// What became of one submitted object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Stored (or already held: duplicates are successes).
    Stored {
        id: String,
        version: Timestamp,
        duplicate: bool,
    },
    /// A predefined marking definition (TLP, PAP): recognised, nothing to store.
    Predefined { id: String, version: Timestamp },
    /// Refused; nothing of it was stored.
    Refused {
        id: Option<String>,
        version: Option<String>,
        message: String,
    },
}

impl Fate {
    pub fn is_success(&self) -> bool {
        !matches!(self, Fate::Refused { .. })
    }
}

/// What became or will become of one object. Kept small (the large variants boxed): a
/// submission holds one per object, and its vector grows and is scanned as chunks arrive.
#[derive(Debug)]
enum Slot {
    Ready(Box<NewRecord>),
    /// Waits for marking definitions to be looked up.
    Pending {
        object: Box<StixObject>,
        position: usize,
    },
    /// Handed to the store as the n-th record of the submission.
    Sent(usize),
    /// Decided without the store (refused, or a predefined marking).
    Done(Fate),
}

/// A submission after validation — what to store, what is held back, what is refused — and,
/// once records are handed to the store, enough to say what became of each object.
#[derive(Debug, Default)]
pub struct Prepared {
    /// One per submitted object, in order.
    slots: Vec<Slot>,
    /// Slots before this have been looked at by [`Self::take_ready`].
    unsent_from: usize,
    /// Held-back slots.
    pending: Vec<usize>,
    /// Slots made ready by [`Self::resolve`], before that cursor.
    resolved: Vec<usize>,
    /// Ids of the records handed to the store, in order.
    sent: Vec<String>,
    /// Objects refused so far.
    refused: usize,
}

/// Best-effort id and version of an object we refuse, so the status can name it.
fn identify(raw: &RawValue) -> (Option<String>, Option<String>) {
    #[derive(serde::Deserialize)]
    struct Ident {
        id: Option<String>,
        modified: Option<String>,
        created: Option<String>,
    }
    match serde_json::from_str::<Ident>(raw.get()) {
        Ok(i) => (
            i.id.filter(|s| s.len() <= 300),
            i.modified.or(i.created).filter(|s| s.len() <= 64),
        ),
        Err(_) => (None, None),
    }
}

/// Adds the marking definitions a submission itself defines to `ctx` (whatever their
/// position in it), so objects may reference markings sent after them.
pub fn learn_markings(objects: &[&RawValue], ctx: &mut Context) {
    for raw in objects {
        if !raw.get().contains("\"marking-definition\"") {
            continue;
        }
        let Ok(object) = StixObject::from_raw(raw) else {
            continue;
        };
        if object.object_type() != "marking-definition"
            || known_marking(object.id().as_str()).is_some()
        {
            continue;
        }
        // A broken extension is reported when the marking itself is validated.
        if let Ok(extension) = from_marking_definition(object.json()) {
            let id = object.id().to_string();
            match ctx.markings.get(&id) {
                Some(known) if *known != extension => {
                    ctx.redefined.insert(id);
                }
                _ => {
                    ctx.markings.insert(id, extension);
                }
            }
        }
    }
}

/// Validates each object and derives its handling, on every core for large submissions.
/// Objects are named by their position in the submission (`objects/17`).
pub fn prepare(objects: &[&RawValue], ctx: &Context) -> Prepared {
    prepare_from(objects, 0, ctx)
}

/// [`prepare`] for objects that start at position `first_index` of their submission.
fn prepare_from(objects: &[&RawValue], first_index: usize, ctx: &Context) -> Prepared {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || objects.len() < 2_000 {
        return prepare_range(objects, first_index, ctx);
    }
    let per = objects.len().div_ceil(threads);
    let parts: Vec<Prepared> = std::thread::scope(|scope| {
        let handles: Vec<_> = objects
            .chunks(per)
            .enumerate()
            .map(|(n, chunk)| scope.spawn(move || prepare_range(chunk, first_index + n * per, ctx)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut all = Prepared::default();
    for part in parts {
        all.append(part);
    }
    all
}

pub(crate) fn prepare_range(objects: &[&RawValue], first_index: usize, ctx: &Context) -> Prepared {
    let mut p = Prepared::with_capacity(objects.len());
    for (n, raw) in objects.iter().enumerate() {
        let position = first_index + n;
        let slot = prepare_one(raw, position, ctx).unwrap_or_else(Slot::Done);
        match slot {
            Slot::Pending { .. } => p.pending.push(p.slots.len()),
            Slot::Done(Fate::Refused { .. }) => p.refused += 1,
            _ => {}
        }
        p.slots.push(slot);
    }
    p
}

fn prepare_one(raw: &RawValue, position: usize, ctx: &Context) -> Result<Slot, Fate> {
    let refuse = |message: String| {
        let (id, version) = identify(raw);
        Fate::Refused {
            id,
            version,
            message,
        }
    };
    let object = StixObject::from_raw(raw)
        .map_err(|e| refuse(e.within(&format!("objects/{position}")).to_string()))?;
    if known_marking(object.id().as_str()).is_some() {
        let as_published = predefined_json(object.id().as_str())
            .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok());
        let as_sent = serde_json::from_str::<serde_json::Value>(object.json()).ok();
        if as_published != as_sent {
            return Err(refuse(format!(
                "objects/{position}: {} is a predefined marking definition and must be sent exactly as published (or only referenced)",
                object.id()
            )));
        }
        let version = object.created().unwrap_or(Timestamp::UNIX_EPOCH);
        return Err(Fate::Predefined {
            id: object.id().to_string(),
            version,
        });
    }
    if object.object_type() == "marking-definition" {
        from_marking_definition(object.json())
            .map_err(|e| refuse(format!("objects/{position}/extensions: {e}")))?;
        if ctx.redefined.contains(object.id().as_str()) {
            return Err(refuse(format!(
                "objects/{position}: marking definition {} is defined more than once in this submission, with different handling",
                object.id()
            )));
        }
    }
    match derive(&object, ctx) {
        Ok(Derived::Ready { handling, body }) => Ok(ready(object, handling, body)),
        Ok(Derived::Unknown(_)) => Ok(Slot::Pending {
            object: Box::new(object),
            position,
        }),
        Err(e) => Err(refuse(format!("objects/{position}/{e}"))),
    }
}

fn ready(object: StixObject, handling: Handling, body: Option<String>) -> Slot {
    let terms = crate::index::terms_of(object.json());
    let mut record = NewRecord::new(object, handling);
    record.terms = terms;
    if let Some(body) = body {
        record.set_body(body);
    }
    Slot::Ready(Box::new(record))
}

impl Prepared {
    /// Room for `objects` objects (their slots; a chunk's part never sends anything itself).
    pub(crate) fn with_capacity(objects: usize) -> Self {
        Prepared {
            slots: Vec::with_capacity(objects),
            ..Prepared::default()
        }
    }

    /// Room for a submission of `objects` objects in all, which all may be sent to the store.
    pub(crate) fn reserve(&mut self, objects: usize) {
        self.slots.reserve(objects.saturating_sub(self.slots.len()));
        self.sent.reserve(objects.saturating_sub(self.sent.len()));
    }

    /// Adds the next objects of the same submission, prepared separately and not yet sent.
    pub(crate) fn append(&mut self, next: Prepared) {
        let offset = self.slots.len();
        self.pending.extend(next.pending.iter().map(|i| i + offset));
        self.slots.extend(next.slots);
        self.refused += next.refused;
    }

    /// Marking definitions referenced by held-back objects and not in `ctx`: the caller looks
    /// them up among what the submitter may see, adds them to `ctx` and calls [`Self::resolve`].
    pub fn unknown_markings(&self, ctx: &Context) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for &i in &self.pending {
            if let Slot::Pending { object, .. } = &self.slots[i]
                && let Ok(Derived::Unknown(refs)) = derive(object, ctx)
            {
                out.extend(refs);
            }
        }
        out
    }

    /// Derives the handling of held-back objects with what `ctx` now knows. Those still
    /// referencing unknown marking definitions are refused, without saying whether such a
    /// marking exists and is hidden from the submitter.
    pub fn resolve(&mut self, ctx: &Context) {
        for i in std::mem::take(&mut self.pending) {
            let slot = std::mem::replace(&mut self.slots[i], Slot::Sent(usize::MAX));
            let Slot::Pending { object, position } = slot else {
                self.slots[i] = slot;
                continue;
            };
            let refusal = |message: String| {
                Slot::Done(Fate::Refused {
                    id: Some(object.id().to_string()),
                    version: object.version().map(|v| v.to_stix()),
                    message,
                })
            };
            let next = match derive(&object, ctx) {
                Ok(Derived::Ready { handling, body }) => {
                    self.resolved.push(i);
                    ready(*object, handling, body)
                }
                Ok(Derived::Unknown(refs)) => refusal(format!(
                    "objects/{position}: references marking definition {} which is neither predefined, in this submission, nor visible to you",
                    refs.join(", ")
                )),
                Err(e) => refusal(format!("objects/{position}/{e}")),
            };
            if matches!(next, Slot::Done(Fate::Refused { .. })) {
                self.refused += 1;
            }
            self.slots[i] = next;
        }
    }

    /// Takes the records ready to store that were not taken yet, in submission order (records
    /// made ready by [`Self::resolve`] come after those ready at once).
    pub fn take_ready(&mut self) -> Vec<NewRecord> {
        let mut out = Vec::new();
        let fresh = self.unsent_from..self.slots.len();
        self.unsent_from = self.slots.len();
        let resolved = std::mem::take(&mut self.resolved);
        for i in fresh.chain(resolved) {
            if matches!(self.slots[i], Slot::Ready(_)) {
                let Slot::Ready(record) =
                    std::mem::replace(&mut self.slots[i], Slot::Sent(self.sent.len()))
                else {
                    continue;
                };
                self.sent.push(record.stix_id.clone());
                out.push(*record);
            }
        }
        out
    }

    /// Whether any object has been refused.
    pub fn any_refused(&self) -> bool {
        self.refused > 0
    }

    /// Messages of the objects refused, in submission order.
    pub fn refusals(&self) -> Vec<String> {
        self.slots
            .iter()
            .filter_map(|s| match s {
                Slot::Done(Fate::Refused { message, .. }) => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    /// Number of submitted objects.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// One fate per submitted object, in order, given the store's outcomes for the records
    /// taken (one per record, in the order taken; none if nothing was committed).
    pub fn fates(&self, outcomes: &[IngestOutcome]) -> Vec<Fate> {
        self.slots
            .iter()
            .map(|slot| match slot {
                Slot::Done(f) => f.clone(),
                Slot::Sent(n) => {
                    let id = self.sent.get(*n).cloned().unwrap_or_default();
                    match outcomes.get(*n) {
                        Some(IngestOutcome::Added { version, .. }) => Fate::Stored { id, version: *version, duplicate: false },
                        Some(IngestOutcome::Duplicate { version, .. }) => Fate::Stored { id, version: *version, duplicate: true },
                        Some(IngestOutcome::Conflict { version }) => Fate::Refused {
                            id: Some(id),
                            version: Some(version.to_stix()),
                            message: "this version is already stored with different content; a changed object needs a new modified timestamp".into(),
                        },
                        None => Fate::Refused { id: Some(id), version: None, message: "not stored".into() },
                    }
                }
                Slot::Ready(r) => Fate::Refused { id: Some(r.stix_id.clone()), version: None, message: "not stored".into() },
                Slot::Pending { object, .. } => Fate::Refused { id: Some(object.id().to_string()), version: None, message: "not stored".into() },
            })
            .collect()
    }
}
