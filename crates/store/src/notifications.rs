//! Notifications (issue 5 §4): members' subscriptions, the notifier's cursor over new records,
//! and each user's inbox.
//!
//! A subscription names what its owner wants to hear about: provider sectors, STIX types and
//! a watch-list of observable values (kept as [`crate::value_key`]s of their canonical form,
//! like the observable index). The store only keeps them and finds the candidates for a batch
//! of new records; whether a user may learn of a record is decided by the notifier with
//! `renkei_policy::decide`, per recipient, never here.
//!
//! The notifier reads new records after a cursor (`date_added` only grows from one write
//! transaction to the next, as for feeds) and claims each batch by advancing the cursor with a
//! compare-and-set, so that several server processes never notify the same batch twice.

use renkei_model::handling::Sector;
use renkei_model::ids::{ProductId, UserId};
use renkei_model::stix::Timestamp;

use crate::index::IndexedRecord;

/// Most subscriptions one user may keep.
pub const MAX_SUBSCRIPTIONS_PER_USER: usize = 50;
/// Most watched values (after normalisation) in one subscription.
pub const MAX_WATCHED_VALUES: usize = 10_000;
/// Most sectors, and most STIX types, in one subscription.
pub const MAX_SUBSCRIPTION_TERMS: usize = 64;

/// Where a subscription's notifications go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Channels {
    pub in_app: bool,
    pub email: bool,
}

impl Channels {
    const IN_APP: i64 = 1;
    const EMAIL: i64 = 2;

    /// The stored form.
    pub fn bits(&self) -> i64 {
        (if self.in_app { Self::IN_APP } else { 0 }) | (if self.email { Self::EMAIL } else { 0 })
    }

    pub fn from_bits(bits: i64) -> Self {
        Channels {
            in_app: bits & Self::IN_APP != 0,
            email: bits & Self::EMAIL != 0,
        }
    }

    /// The names used in the API, in a fixed order.
    pub fn names(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.in_app {
            out.push("in_app");
        }
        if self.email {
            out.push("email");
        }
        out
    }
}

/// One watched observable value, in canonical form.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WatchedValue {
    /// The observable type's name (`ipv4`, `domain`…).
    pub kind: String,
    pub value: String,
    /// [`crate::value_key`] of the two.
    pub key: i64,
}

impl WatchedValue {
    pub fn new(kind: &str, value: &str) -> Self {
        WatchedValue {
            key: crate::value_key(kind, value),
            kind: kind.to_owned(),
            value: value.to_owned(),
        }
    }
}

/// What a subscription matches: a record matches when it satisfies every kind of criterion
/// that is given (any of the sectors, any of the types, any of the values).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Criteria {
    pub sectors: Vec<Sector>,
    pub types: Vec<String>,
    pub values: Vec<WatchedValue>,
}

impl Criteria {
    pub fn is_empty(&self) -> bool {
        self.sectors.is_empty() && self.types.is_empty() && self.values.is_empty()
    }
}

/// A new subscription, already validated and normalised by the caller.
#[derive(Clone, Debug)]
pub struct NewSubscription {
    pub user: UserId,
    pub name: String,
    pub criteria: Criteria,
    pub channels: Channels,
    pub created_at: i64,
}

/// A stored subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub user: UserId,
    pub name: String,
    /// From [`crate::Store::subscriptions`]: every watched value. From
    /// [`crate::Store::matching_subscriptions`]: only those among the keys asked about.
    pub criteria: Criteria,
    /// How many values it watches in all.
    pub watched: u64,
    pub channels: Channels,
    pub created_at: i64,
}

/// Where the notifier stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NotificationCursor {
    /// Records with `date_added` up to this have been handled.
    pub done: i64,
    /// The largest `date_added` stored (`done` when there is none beyond it).
    pub newest: i64,
    /// Whether anyone subscribes to anything (if not, there is nothing to match).
    pub subscriptions: bool,
}

/// A record stored after the notifier's cursor: what the policy needs, and its object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddedRecord {
    pub record: IndexedRecord,
    pub body: String,
}

/// One record a notification tells of.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RecordRef {
    pub stix_id: String,
    pub version: Timestamp,
}

/// A notification to store for one user.
#[derive(Clone, Debug)]
pub struct NewNotification {
    pub user: UserId,
    pub created_at: i64,
    /// `record`: new records matching the user's subscriptions; `product`: a product
    /// published to the user.
    pub kind: String,
    pub title: String,
    pub records: Vec<RecordRef>,
    /// `product`: a product published to the user (told once per user).
    pub product: Option<ProductId>,
}

/// A notification in a user's inbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub user: UserId,
    pub created_at: i64,
    pub kind: String,
    pub title: String,
    pub records: Vec<RecordRef>,
    pub product: Option<ProductId>,
    pub read_at: Option<i64>,
}

/// Which notifications of a user to list, newest first.
#[derive(Clone, Debug, Default)]
pub struct NotificationQuery {
    /// Only notifications with an id below this (the next page).
    pub before: Option<i64>,
    pub unread_only: bool,
    /// At most this many (the store returns up to `limit + 1`).
    pub limit: usize,
}
