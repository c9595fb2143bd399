//! Checking the audit log end to end: the chain of entries from the first, and every
//! checkpoint's signature and hash. Read-only; used by `renkei verify audit`.

use ed25519_dalek::{Signature, VerifyingKey};
use renkei_model::audit::{AuditCheckpoint, AuditEntry, GENESIS, entry_hash};
use renkei_store::{Store, StoreResult};

use crate::{AuditError, key_id, registered_key};

/// Entries read per store call.
pub const PAGE: usize = 10_000;

/// The first place where the log is not as it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// The sequence number of the first entry (or checkpoint) found wrong.
    pub seq: i64,
    /// What is wrong, in plain English.
    pub reason: String,
}

/// What [`verify`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Entries read.
    pub entries: u64,
    /// Checkpoints read.
    pub checkpoints: u64,
    /// The sequence number of the last entry (0 for an empty log).
    pub last_seq: i64,
    /// The hash of the last entry as hex (the genesis value, all zeros, for an empty log).
    pub last_hash_hex: String,
    /// The newest checkpoint: worth keeping outside the store (see `docs/audit.md`).
    pub latest_checkpoint: Option<AuditCheckpoint>,
    /// `None` when the log is intact.
    pub first_broken: Option<Broken>,
}

impl Report {
    pub fn intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// An entry's place and hash recorded outside the store (say, the `last_seq` and last hash of an
/// earlier report, or its latest checkpoint): the log must still hold entry `seq` with this
/// `hash`. This is what detects entries removed from the end of the log after its last stored
/// checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub seq: i64,
    pub hash: [u8; 32],
}

impl Anchor {
    /// The anchor for `checkpoint`.
    pub fn of(checkpoint: &AuditCheckpoint) -> Self {
        Anchor {
            seq: checkpoint.seq,
            hash: checkpoint.hash,
        }
    }
}

/// `SEQ:HASH`, the hash as 64 hex characters.
impl std::fmt::Display for Anchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, hex::encode(self.hash))
    }
}

impl std::str::FromStr for Anchor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let malformed = || format!("expected SEQ:HASH (HASH as 64 hex characters), got `{s}`");
        let (seq, hash) = s.trim().split_once(':').ok_or_else(malformed)?;
        let seq = seq
            .parse::<i64>()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(malformed)?;
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(hash, &mut bytes).map_err(|_| malformed())?;
        Ok(Anchor { seq, hash: bytes })
    }
}

/// How to verify.
#[derive(Clone, Debug)]
pub struct VerifyOptions {
    /// The key checkpoints must be signed with; `None`: the key registered in the store.
    /// Passing the key from a trusted copy also catches a replaced registration.
    pub public_key: Option<VerifyingKey>,
    pub anchor: Option<Anchor>,
    /// Entries per store call.
    pub page_size: usize,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            public_key: None,
            anchor: None,
            page_size: PAGE,
        }
    }
}

/// Verifies the whole log. `progress` is called with the entries checked so far and the
/// expected total.
pub async fn verify(
    store: &dyn Store,
    public_key: Option<VerifyingKey>,
    progress: impl FnMut(u64, Option<u64>),
) -> Result<Report, AuditError> {
    let options = VerifyOptions {
        public_key,
        ..VerifyOptions::default()
    };
    verify_with(store, &options, progress).await
}

/// [`verify`] with every option.
pub async fn verify_with(
    store: &dyn Store,
    options: &VerifyOptions,
    mut progress: impl FnMut(u64, Option<u64>),
) -> Result<Report, AuditError> {
    let key = match options.public_key {
        Some(key) => Some(key),
        None => registered_key(store).await?,
    };
    let checkpoints = store.audit_checkpoints().await?;
    let hint = checkpoints.last().map_or(0, |c| c.seq);
    let total = u64::try_from(last_seq_near(store, hint).await?).ok();
    progress(0, total);

    let mut first_broken = FirstBroken::default();
    let mut pending = checkpoints.iter().peekable();
    let mut anchor = options.anchor;
    let (mut entries, mut last_seq, mut last_hash) = (0u64, 0i64, GENESIS);
    loop {
        let page = store
            .audit_entries(last_seq, options.page_size.max(1))
            .await?;
        if page.is_empty() {
            break;
        }
        for entry in &page {
            if let Some(broken) = check_entry(entry, last_seq, &last_hash) {
                first_broken.note(broken);
            }
            while let Some(cp) = pending.next_if(|cp| cp.seq <= entry.seq) {
                // One at a missing entry: the gap is reported above.
                let at = (cp.seq == entry.seq).then_some(entry);
                first_broken.note_opt(check_checkpoint(cp, at, key.as_ref()));
            }
            if let Some(a) = anchor.take_if(|a| a.seq <= entry.seq) {
                first_broken.note_opt(check_anchor(&a, (a.seq == entry.seq).then_some(entry)));
            }
            entries += 1;
            last_seq = entry.seq;
            last_hash = entry.hash;
        }
        progress(entries, total.map(|t| t.max(entries)));
    }
    // A genuine checkpoint past the last entry shows entries removed from the end.
    for cp in pending {
        let broken = check_checkpoint(cp, None, key.as_ref()).unwrap_or_else(|| Broken {
            seq: last_seq + 1,
            reason: format!(
                "a signed checkpoint covers the log up to entry {}, but it ends at entry \
                 {last_seq}: entries were removed from its end",
                cp.seq
            ),
        });
        first_broken.note(broken);
    }
    // An anchor not yet passed lies beyond the end.
    if let Some(a) = anchor {
        first_broken.note(Broken {
            seq: last_seq + 1,
            reason: format!(
                "the anchor shows the log reached entry {}, but it now ends at entry \
                 {last_seq}: entries were removed from its end",
                a.seq
            ),
        });
    }
    Ok(Report {
        entries,
        checkpoints: checkpoints.len() as u64,
        last_seq,
        last_hash_hex: hex::encode(last_hash),
        latest_checkpoint: checkpoints.last().cloned(),
        first_broken: first_broken.0,
    })
}

/// Keeps the problem with the lowest sequence number (the first one noted among equals).
#[derive(Default)]
struct FirstBroken(Option<Broken>);

impl FirstBroken {
    fn note(&mut self, broken: Broken) {
        if self.0.as_ref().is_none_or(|b| broken.seq < b.seq) {
            self.0 = Some(broken);
        }
    }

    fn note_opt(&mut self, broken: Option<Broken>) {
        if let Some(b) = broken {
            self.note(b);
        }
    }
}

/// Checks an entry against the one read before it (`prev_seq` 0: none).
fn check_entry(entry: &AuditEntry, prev_seq: i64, prev_hash: &[u8; 32]) -> Option<Broken> {
    let expected = prev_seq + 1;
    if entry.seq != expected {
        let reason = if expected == 1 {
            format!("entry 1 is missing: the log starts at entry {}", entry.seq)
        } else if entry.seq - expected == 1 {
            format!(
                "entry {expected} is missing: entry {} follows entry {prev_seq}",
                entry.seq
            )
        } else {
            format!(
                "entries {expected} to {} are missing: entry {} follows entry {prev_seq}",
                entry.seq - 1,
                entry.seq
            )
        };
        return Some(Broken {
            seq: expected,
            reason,
        });
    }
    if entry.prev_hash != *prev_hash {
        let reason = if entry.seq == 1 {
            "its previous-entry hash is not the genesis value (all zeros)".to_owned()
        } else {
            format!(
                "its previous-entry hash does not match the hash of entry {prev_seq}: an entry \
                 was altered, replaced or reordered"
            )
        };
        return Some(Broken {
            seq: entry.seq,
            reason: format!("entry {}: {reason}", entry.seq),
        });
    }
    if entry_hash(entry.seq, &entry.prev_hash, &entry.event) != entry.hash {
        return Some(Broken {
            seq: entry.seq,
            reason: format!(
                "entry {}: its stored hash does not match its contents: a field or the hash \
                 itself was altered after it was written",
                entry.seq
            ),
        });
    }
    None
}

/// Checks a checkpoint: its key and signature, and that it matches `entry`, the stored entry
/// with its sequence number (if there is one).
fn check_checkpoint(
    cp: &AuditCheckpoint,
    entry: Option<&AuditEntry>,
    key: Option<&VerifyingKey>,
) -> Option<Broken> {
    let broken = |reason: String| {
        Some(Broken {
            seq: cp.seq,
            reason: format!("checkpoint of entry {}: {reason}", cp.seq),
        })
    };
    let Some(key) = key else {
        return broken(
            "cannot be checked: no public key is registered in the store (setting \
             audit_public_key) and none was given"
                .into(),
        );
    };
    let ours = key_id(key);
    if cp.key_id != ours {
        return broken(format!(
            "it names signing key {:?}, not the expected key {ours}",
            cp.key_id
        ));
    }
    let Ok(signature) = Signature::from_slice(&cp.signature) else {
        return broken(format!(
            "its signature is malformed ({} bytes, not 64)",
            cp.signature.len()
        ));
    };
    let message = renkei_model::audit::checkpoint_message(cp.seq, &cp.hash, cp.at);
    if key.verify_strict(&message, &signature).is_err() {
        return broken(
            "its signature does not verify: the checkpoint was altered, or signed with another key"
                .into(),
        );
    }
    match entry {
        Some(e) if e.hash != cp.hash => broken(format!(
            "the signed hash differs from entry {}'s stored hash: the chain was rewritten",
            cp.seq
        )),
        _ => None,
    }
}

fn check_anchor(anchor: &Anchor, entry: Option<&AuditEntry>) -> Option<Broken> {
    match entry {
        Some(e) if e.hash == anchor.hash => None,
        Some(_) => Some(Broken {
            seq: anchor.seq,
            reason: format!(
                "entry {}: its hash differs from the anchor's: the chain was rewritten",
                anchor.seq
            ),
        }),
        // A missing entry is reported by the walk itself.
        None => None,
    }
}

/// The highest sequence number stored (0 if none), in O(log n) small reads: "is there an entry
/// after `x`" is monotonic in `x`, gaps or not.
pub async fn last_seq(store: &dyn Store) -> StoreResult<i64> {
    last_seq_near(store, 0).await
}

/// [`last_seq`], searching outwards from `hint` (the latest checkpoint's entry, usually close
/// to the end).
pub(crate) async fn last_seq_near(store: &dyn Store, hint: i64) -> StoreResult<i64> {
    async fn next_after(store: &dyn Store, x: i64) -> StoreResult<Option<i64>> {
        Ok(store.audit_entries(x, 1).await?.first().map(|e| e.seq))
    }
    let start = match next_after(store, (hint - 1).max(0)).await? {
        Some(seq) => Some(seq),
        None if hint > 1 => next_after(store, 0).await?,
        None => None,
    };
    let Some(start) = start else {
        return Ok(0);
    };
    // Invariant: some entry is after `lo`; none is after `hi` (once found).
    let mut lo = start - 1;
    let mut step: i64 = 1;
    let mut hi = loop {
        let probe = lo.saturating_add(step);
        match next_after(store, probe).await? {
            Some(seq) => {
                lo = seq - 1;
                step = step.saturating_mul(4);
            }
            None => break probe,
        }
    };
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match next_after(store, mid).await? {
            Some(seq) => lo = seq - 1,
            None => hi = mid,
        }
    }
    Ok(hi)
}
