//! The audit log's entries and how they are chained (design §2, issue 3): each entry's hash
//! covers its own fields and the hash of the entry before it, so changing, removing or
//! reordering any stored entry breaks the chain from there on. Signed checkpoints (made by the
//! `renkei-audit` crate) pin the chain's head.
//!
//! The hash input is a fixed, length-prefixed encoding, never JSON re-serialisation, so it
//! does not depend on any serialiser's choices.

use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

const ENTRY_DOMAIN: &[u8] = b"renkei-audit-entry-v1";
const CHECKPOINT_DOMAIN: &[u8] = b"renkei-audit-checkpoint-v1";

/// Something that happened, as its writer describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    /// µs since the epoch.
    pub at: i64,
    /// The acting user (`None` for the system or an anonymous caller).
    pub actor_user: Option<String>,
    pub actor_org: Option<String>,
    /// What was done, e.g. `record.read`, `record.submit`, `org.status`.
    pub action: String,
    /// What it was done to, e.g. an organisation id or a submission id.
    pub subject: String,
    /// Details as compact JSON.
    pub detail: String,
}

/// A stored entry: the event, its place in the chain and the chain's hashes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// 1, 2, 3… without gaps.
    pub seq: i64,
    pub event: AuditEvent,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
}

/// A signed statement that the chain had `hash` at `seq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditCheckpoint {
    pub seq: i64,
    pub hash: [u8; 32],
    /// µs since the epoch.
    pub at: i64,
    /// Hex SHA-256 of the ed25519 public key that signed, first 16 characters.
    pub key_id: String,
    /// ed25519 signature of [`checkpoint_message`].
    pub signature: Vec<u8>,
}

fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

fn optional(h: &mut Sha256, value: Option<&str>) {
    match value {
        None => h.update([0u8]),
        Some(v) => {
            h.update([1u8]);
            field(h, v.as_bytes());
        }
    }
}

/// The hash of entry `seq` holding `event`, following the entry whose hash is `prev`.
pub fn entry_hash(seq: i64, prev: &[u8; 32], event: &AuditEvent) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(ENTRY_DOMAIN);
    h.update(seq.to_be_bytes());
    h.update(prev);
    h.update(event.at.to_be_bytes());
    optional(&mut h, event.actor_user.as_deref());
    optional(&mut h, event.actor_org.as_deref());
    field(&mut h, event.action.as_bytes());
    field(&mut h, event.subject.as_bytes());
    field(&mut h, event.detail.as_bytes());
    h.finalize().into()
}

/// Chains `events` after the entry (`seq`, `hash`) at the head of the log.
pub fn chain(head_seq: i64, head_hash: [u8; 32], events: &[AuditEvent]) -> Vec<AuditEntry> {
    let mut prev = head_hash;
    events
        .iter()
        .enumerate()
        .map(|(n, event)| {
            let seq = head_seq + 1 + n as i64;
            let hash = entry_hash(seq, &prev, event);
            let entry = AuditEntry {
                seq,
                event: event.clone(),
                prev_hash: prev,
                hash,
            };
            prev = hash;
            entry
        })
        .collect()
}

/// The bytes a checkpoint signs.
pub fn checkpoint_message(seq: i64, hash: &[u8; 32], at: i64) -> Vec<u8> {
    let mut m = Vec::with_capacity(CHECKPOINT_DOMAIN.len() + 48);
    m.extend_from_slice(CHECKPOINT_DOMAIN);
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(hash);
    m.extend_from_slice(&at.to_be_bytes());
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: i64) -> AuditEvent {
        AuditEvent {
            at: n,
            actor_user: Some("u".into()),
            actor_org: None,
            action: "record.read".into(),
            subject: format!("s{n}"),
            detail: "{}".into(),
        }
    }

    #[test]
    fn entries_chain() {
        let entries = chain(0, GENESIS, &[event(1), event(2)]);
        assert_eq!(entries[0].seq, 1);
        assert_eq!(entries[1].prev_hash, entries[0].hash);
        assert_eq!(entries[1].hash, entry_hash(2, &entries[0].hash, &event(2)));
        let later = chain(2, entries[1].hash, &[event(3)]);
        assert_eq!(later[0].seq, 3);
    }

    #[test]
    fn every_field_counts() {
        let base = event(1);
        let h = entry_hash(1, &GENESIS, &base);
        let variants = [
            AuditEvent {
                at: 2,
                ..base.clone()
            },
            AuditEvent {
                actor_user: None,
                ..base.clone()
            },
            AuditEvent {
                actor_org: Some(String::new()),
                ..base.clone()
            },
            AuditEvent {
                action: "record.reaD".into(),
                ..base.clone()
            },
            AuditEvent {
                subject: "s2".into(),
                ..base.clone()
            },
            AuditEvent {
                detail: "{ }".into(),
                ..base.clone()
            },
        ];
        for v in variants {
            assert_ne!(entry_hash(1, &GENESIS, &v), h, "{v:?}");
        }
        assert_ne!(entry_hash(2, &GENESIS, &base), h);
        assert_ne!(entry_hash(1, &[1; 32], &base), h);
        // Moving bytes between adjacent fields changes the hash (length prefixes).
        let a = AuditEvent {
            action: "ab".into(),
            subject: "c".into(),
            ..base.clone()
        };
        let b = AuditEvent {
            action: "a".into(),
            subject: "bc".into(),
            ..base
        };
        assert_ne!(entry_hash(1, &GENESIS, &a), entry_hash(1, &GENESIS, &b));
    }
}
