//! The storage boundary: the [`Store`] trait both backends implement (SQLite, embedded and the
//! default; PostgreSQL, for production), the row and query types, and the conformance suite
//! that runs unchanged on each backend.
//!
//! Reads of records take a [`ReadScope`] from the policy crate and nothing else decides
//! visibility: each backend translates the scope to SQL, and the conformance suite checks that
//! translation against `renkei_policy::decide` on random populations.

use std::collections::BTreeMap;

use async_trait::async_trait;
use renkei_model::account::{Org, User};
use renkei_model::audit::{AuditCheckpoint, AuditEntry, AuditEvent};
use renkei_model::handling::Handling;
use renkei_model::ids::{OrgId, ProductId, StatusId, SubmissionId, TokenId, UserId};
use renkei_model::product::ProductStatus;
use renkei_policy::{Identity, ReadScope};

pub mod charts;
pub mod codec;
mod error;
mod feeds;
mod index;
mod membership;
mod notifications;
pub mod plan;
mod products;
mod reciprocity;
pub mod sql;
mod types;
mod web;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use charts::{HistogramCell, MalwareTally};
pub use error::{StoreError, StoreResult};
pub use feeds::*;
pub use index::*;
pub use membership::*;
pub use notifications::*;
pub use products::*;
pub use reciprocity::*;
pub use types::*;
pub use web::*;

/// Everything Renkei keeps.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Brings the schema up to date (idempotent). On first run `fresh_key` becomes the server
    /// key; later runs keep the existing one.
    async fn migrate(&self, now: i64, fresh_key: [u8; 32]) -> StoreResult<()>;

    /// A random 32-byte key created at migration and shared by every server process: it signs
    /// pagination cursors.
    async fn server_key(&self) -> StoreResult<Vec<u8>>;

    async fn stats(&self) -> StoreResult<StoreStats>;

    /// A server-wide setting (e.g. the audit log's public key).
    async fn setting(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Stores `value` under `key` unless a value is there already; returns what is stored.
    async fn init_setting(&self, key: &str, value: &[u8]) -> StoreResult<Vec<u8>>;

    // --- organisations, users, tokens ---

    async fn create_org(&self, org: &NewOrg) -> StoreResult<Org>;
    async fn org(&self, id: OrgId) -> StoreResult<Option<Org>>;
    async fn org_by_name(&self, name: &str) -> StoreResult<Option<Org>>;
    async fn list_orgs(&self) -> StoreResult<Vec<Org>>;

    async fn create_user(&self, user: &NewUser) -> StoreResult<User>;
    async fn user_by_login(&self, login: &str) -> StoreResult<Option<User>>;
    /// The user and their password hash, for verifying a password.
    async fn credentials(&self, login: &str) -> StoreResult<Option<(User, Option<String>)>>;
    /// The identity of a user, with their organisation's current standing.
    async fn identity(&self, user: UserId) -> StoreResult<Option<Identity>>;
    async fn list_users(&self, org: Option<OrgId>) -> StoreResult<Vec<User>>;

    async fn user(&self, id: UserId) -> StoreResult<Option<User>>;
    async fn update_user(&self, id: UserId, update: &UserUpdate) -> StoreResult<User>;

    async fn create_token(&self, token: &NewToken) -> StoreResult<TokenRecord>;
    async fn token_by_secret_hash(&self, sha256: &[u8; 32]) -> StoreResult<Option<TokenRecord>>;
    /// A token and the identity of its user, read together: every request with a token asks
    /// for both, so a backend may answer in one round trip.
    async fn token_identity(
        &self,
        sha256: &[u8; 32],
    ) -> StoreResult<Option<(TokenRecord, Option<Identity>)>> {
        let Some(token) = self.token_by_secret_hash(sha256).await? else {
            return Ok(None);
        };
        let identity = self.identity(token.user).await?;
        Ok(Some((token, identity)))
    }
    async fn token(&self, id: TokenId) -> StoreResult<Option<TokenRecord>>;
    /// A user's tokens, newest first, revoked ones included.
    async fn list_tokens(&self, user: UserId) -> StoreResult<Vec<TokenRecord>>;
    /// Revokes a token; false if it was already revoked.
    async fn revoke_token(&self, id: TokenId) -> StoreResult<bool>;

    // --- membership ---

    /// Creates the applicant organisation, its first user and the application, together.
    async fn create_application(&self, application: &NewApplication) -> StoreResult<(Org, User)>;
    async fn membership(&self, org: OrgId) -> StoreResult<Option<Membership>>;
    /// Records a recommendation; a second one from the same organisation is a conflict.
    async fn add_recommendation(&self, recommendation: &NewRecommendation) -> StoreResult<()>;
    async fn accept_nda(&self, org: OrgId, nda: &NdaAcceptance) -> StoreResult<()>;
    /// Changes an organisation's status if it is still `change.from` (a conflict otherwise)
    /// and records the change in its history.
    async fn change_org_status(&self, change: &StatusChange) -> StoreResult<Org>;
    async fn update_org(&self, id: OrgId, update: &OrgUpdate) -> StoreResult<Org>;

    // --- handling ---

    /// The handling an organisation's submissions get when they say nothing else.
    async fn org_default_handling(&self, org: OrgId) -> StoreResult<Option<Handling>>;
    async fn set_org_default_handling(
        &self,
        org: OrgId,
        handling: Option<&Handling>,
        at: i64,
    ) -> StoreResult<()>;
    /// Applies a provider's new handling to every version of its record; returns how many
    /// versions changed (0: the provider holds no such record).
    async fn change_handling(&self, change: &HandlingChange) -> StoreResult<usize>;

    // --- submissions and records ---

    async fn save_submission(&self, submission: &NewSubmission) -> StoreResult<()>;
    async fn submission(&self, id: SubmissionId) -> StoreResult<Option<StoredSubmission>>;

    /// Stores a batch of records of one submission. `now` is the earliest `date_added` the
    /// batch may get; every record gets a distinct, strictly increasing `date_added`.
    async fn ingest(
        &self,
        provenance: &Provenance,
        records: &[NewRecord],
        now: i64,
    ) -> StoreResult<Vec<IngestOutcome>>;

    /// Stores a whole submission — its original bytes and its records, arriving in batches —
    /// in one transaction: all of it on [`StreamItem::Commit`], none of it on
    /// [`StreamItem::Abort`] or if the stream ends without a verdict (`Ok(None)`).
    /// `progress` counts the records stored so far. Other writers wait meanwhile, so this is
    /// for imports, not for the interactive API.
    async fn ingest_stream(
        &self,
        submission: NewSubmission,
        provenance: Provenance,
        items: tokio::sync::mpsc::Receiver<StreamItem>,
        now: i64,
        progress: std::sync::Arc<std::sync::atomic::AtomicU64>,
    ) -> StoreResult<Option<Vec<IngestOutcome>>>;

    /// Records visible in `scope` that match `query`, in ascending `date_added` order, at most
    /// `query.limit + 1` of them.
    async fn query_records(
        &self,
        scope: &ReadScope,
        query: &RecordQuery,
    ) -> StoreResult<Vec<RecordRow>>;

    /// Which of `ids` name at least one record visible in `scope`.
    async fn visible_ids(&self, scope: &ReadScope, ids: &[String]) -> StoreResult<Vec<String>>;

    /// Deletes the versions of an object selected by `versions` among those visible in `scope`.
    async fn delete_record(
        &self,
        scope: &ReadScope,
        deleter: &Deleter,
        stix_id: &str,
        versions: &VersionFilter,
        now: i64,
    ) -> StoreResult<DeleteOutcome>;

    // --- observable index, correlation, sightings, search (`index.rs`) ---

    /// What is indexed under each of `keys` ([`value_key`]) that exists: counters and up to
    /// `limit` candidate records per value, newest first, NOT filtered by policy (the caller
    /// decides each with `renkei_policy::decide`). Keys of values never stored are absent.
    async fn lookup(&self, keys: &[i64], limit: usize) -> StoreResult<Vec<ValueMatches>>;

    /// The latest versions of the sightings of the given objects, NOT filtered by policy.
    async fn sightings_of(&self, stix_ids: &[String]) -> StoreResult<Vec<SightingRow>>;

    /// Records visible in `scope` matching `query`, newest first, at most `query.limit + 1`.
    async fn search(&self, scope: &ReadScope, query: &SearchQuery) -> StoreResult<Vec<RecordRow>>;

    /// The latest visible version of each record added in `[from, to)`, counted per bucket of
    /// `bucket` microseconds and per provider sector the reader may learn (charts).
    async fn record_histogram(
        &self,
        scope: &ReadScope,
        from: i64,
        to: i64,
        bucket: i64,
    ) -> StoreResult<Vec<HistogramCell>>;

    /// Visible relationships added in `[from, to)` pointing at malware objects, counted per
    /// malware object, the `limit` most-targeted first (charts of malware families).
    async fn malware_tallies(
        &self,
        scope: &ReadScope,
        from: i64,
        to: i64,
        limit: usize,
    ) -> StoreResult<Vec<MalwareTally>>;

    /// The latest visible relationships with `stix_id` at either end, newest first, at most
    /// `limit` + 1 (a record's neighbourhood).
    async fn referrers(
        &self,
        scope: &ReadScope,
        stix_id: &str,
        limit: usize,
    ) -> StoreResult<Vec<RecordRow>>;

    /// Values carried by records of at least two organisations, most recently shared first
    /// (then by key), after the cursor `before` = (shared_at, value_key) of the last value of
    /// the previous page: the secretariat's correlation queue.
    async fn shared_values(
        &self,
        before: Option<(i64, i64)>,
        limit: usize,
    ) -> StoreResult<Vec<SharedValue>>;

    /// Records hints shown to readers; an open notice for the same reader organisation and
    /// value is updated rather than repeated.
    async fn note_hints(&self, notices: &[NewHintNotice]) -> StoreResult<()>;

    /// The secretariat's hint notices, newest first; closed ones only if asked.
    async fn hint_notices(
        &self,
        include_closed: bool,
        limit: usize,
    ) -> StoreResult<Vec<HintNotice>>;

    /// Closes a hint notice (the secretariat brokered contact or decided not to); false if
    /// there is no such open notice.
    async fn close_hint_notice(&self, id: i64, at: i64) -> StoreResult<bool>;

    // --- feeds for defenders (see `feeds`) ---

    /// Feed rows that may go into feeds (pre-filtered; the caller decides each): every active
    /// one when `since` is `None`; otherwise those added after the cursor, and those removed
    /// or expired after it (`removed`). `now` decides expiry.
    async fn feed_rows(&self, since: Option<FeedCursor>, now: i64) -> StoreResult<FeedRead>;

    /// The active, pre-filtered feed rows of objects indexed under any of `keys` (to tell
    /// whether a value removed from one row is still carried by another).
    async fn feed_rows_carrying(&self, keys: &[i64], now: i64) -> StoreResult<Vec<FeedRow>>;

    /// Records a pull of a feed.
    async fn note_feed_pull(&self, pull: &FeedPull) -> StoreResult<()>;

    // --- reciprocity (`reciprocity`) ---

    /// Adds counted consumption.
    async fn add_usage(&self, counts: &[UsageCount]) -> StoreResult<()>;

    /// Each organisation's contributions and consumption between `from` (inclusive) and `to`
    /// (exclusive), µs; organisations with no activity are left out.
    async fn activity(&self, from: i64, to: i64) -> StoreResult<BTreeMap<OrgId, OrgActivity>>;

    // --- products and the publication process (`products`) ---

    /// Creates a product with the next number of its prefix, kind and year.
    async fn create_product(&self, product: &NewProduct) -> StoreResult<Product>;
    async fn product(&self, id: ProductId) -> StoreResult<Option<Product>>;
    async fn product_by_number(&self, number: &str) -> StoreResult<Option<Product>>;
    /// Every product, newest first (there are few: the caller decides each one).
    async fn list_products(&self) -> StoreResult<Vec<Product>>;
    /// Writes the product's new state if it is still in status `expected` (`Conflict`
    /// otherwise). With `consents`, the product's consent requests are replaced by these.
    async fn save_product(
        &self,
        product: &Product,
        expected: ProductStatus,
        consents: Option<&[NewConsentRequest]>,
        at: i64,
    ) -> StoreResult<()>;
    /// The product's consent requests.
    async fn consent_requests(&self, product: ProductId) -> StoreResult<Vec<ConsentRequest>>;
    /// The consent requests addressed to a provider, newest first.
    async fn consent_requests_to(&self, provider: OrgId) -> StoreResult<Vec<ConsentRequest>>;
    /// Records a provider's answer; `None` when there is no such request for that provider.
    async fn answer_consent(&self, answer: &ConsentAnswer) -> StoreResult<Option<ConsentRequest>>;
    /// Registers for a seminar unless `capacity` registrations exist already (atomically).
    async fn register(&self, registration: &Registration, capacity: u32)
    -> StoreResult<Registered>;
    async fn registrations(&self, product: ProductId) -> StoreResult<Vec<Registration>>;
    /// What was added between `from` (inclusive) and `to` (exclusive), µs.
    async fn period_summary(&self, from: i64, to: i64) -> StoreResult<PeriodSummary>;

    // --- TAXII status resources ---

    async fn save_status(
        &self,
        id: StatusId,
        owner: UserId,
        created_at: i64,
        body: &str,
    ) -> StoreResult<()>;
    /// A status resource, only for the user who made the request.
    async fn status(&self, id: StatusId, owner: UserId) -> StoreResult<Option<String>>;
    /// Forgets status resources created before `before`.
    async fn prune_statuses(&self, before: i64) -> StoreResult<u64>;

    // --- audit log (written only through `renkei-audit`) ---

    /// Appends events to the hash chain, atomically with respect to other writers (also in
    /// other processes), and returns the stored entries.
    async fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<Vec<AuditEntry>>;
    /// Entries with `seq > after`, in order, at most `limit`.
    async fn audit_entries(&self, after: i64, limit: usize) -> StoreResult<Vec<AuditEntry>>;
    async fn add_audit_checkpoint(&self, checkpoint: &AuditCheckpoint) -> StoreResult<()>;
    /// Every checkpoint, oldest first.
    async fn audit_checkpoints(&self) -> StoreResult<Vec<AuditCheckpoint>>;

    // Notifications (`notifications`)

    /// A user's e-mail address for notifications, if they gave one.
    async fn user_email(&self, user: UserId) -> StoreResult<Option<String>>;
    /// Sets or clears (`None`) a user's e-mail address; `NotFound` if there is no such user.
    async fn set_user_email(&self, user: UserId, email: Option<&str>) -> StoreResult<()>;

    /// Stores a subscription (validated by the caller).
    async fn add_subscription(&self, subscription: &NewSubscription) -> StoreResult<Subscription>;
    /// A user's subscriptions with all their watched values, oldest first.
    async fn subscriptions(&self, user: UserId) -> StoreResult<Vec<Subscription>>;
    /// Deletes a subscription of `user`; false if `user` has no subscription `id`.
    async fn delete_subscription(&self, user: UserId, id: i64) -> StoreResult<bool>;
    /// The subscriptions that may match records carrying any of `keys`: those that watch no
    /// values, and those watching one of `keys` (with only those values in their criteria).
    /// NOT decided by policy: the notifier decides each record for each recipient.
    async fn matching_subscriptions(&self, keys: &[i64]) -> StoreResult<Vec<Subscription>>;

    /// Where the notifier stands; on first use the cursor starts at the newest record, so
    /// that records stored before notifications existed are not announced.
    async fn notification_cursor(&self) -> StoreResult<NotificationCursor>;
    /// Moves the cursor from `from` to `to` if it is still at `from`: the caller then owns
    /// the records in between. False if another notifier moved it first.
    async fn advance_notification_cursor(&self, from: i64, to: i64) -> StoreResult<bool>;
    /// Undeleted records with `date_added` after `after`, in order, at most `limit`. NOT
    /// filtered by policy.
    async fn records_added_after(&self, after: i64, limit: usize) -> StoreResult<Vec<AddedRecord>>;

    /// Stores a notification, leaving out records the user was already told of (the same
    /// version); `None`, and nothing stored, when none is left.
    async fn add_notification(
        &self,
        notification: &NewNotification,
    ) -> StoreResult<Option<Notification>>;
    /// A user's notifications, newest first, at most `query.limit + 1`.
    async fn notifications(
        &self,
        user: UserId,
        query: &NotificationQuery,
    ) -> StoreResult<Vec<Notification>>;
    async fn unread_notifications(&self, user: UserId) -> StoreResult<u64>;
    /// Marks a notification of `user` read (once: the first time is kept); false if `user`
    /// has no notification `id`.
    async fn mark_notification_read(&self, user: UserId, id: i64, at: i64) -> StoreResult<bool>;

    // --- web sessions --- (`web`)

    /// Stores a new browser session; `Conflict` if its id is taken.
    async fn create_web_session(&self, session: &WebSession) -> StoreResult<()>;
    /// The session whose cookie hashes to `id_hash`, unless it expired at `now`.
    async fn web_session(&self, id_hash: &str, now: i64) -> StoreResult<Option<WebSession>>;
    /// Ends a session (logout); false if there was none.
    async fn delete_web_session(&self, id_hash: &str) -> StoreResult<bool>;
    /// Deletes the sessions expired at `now`; returns how many.
    async fn prune_web_sessions(&self, now: i64) -> StoreResult<u64>;
    /// Stores a report from the public; `Conflict` if its tracking number is taken.
    async fn add_public_report(&self, report: &PublicReport) -> StoreResult<()>;
    /// The newest reports from the public, at most `limit`.
    async fn public_reports(&self, limit: usize) -> StoreResult<Vec<PublicReport>>;
}
