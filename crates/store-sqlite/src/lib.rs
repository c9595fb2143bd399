//! The embedded default store: one SQLite file in WAL mode.
//!
//! Writes go through a single connection (SQLite allows one writer); reads use a small pool.
//! All database work runs on blocking threads. The schema lives in `migrations/` and is
//! embedded in the binary.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use renkei_model::account::{Org, User};
use renkei_model::audit::{AuditCheckpoint, AuditEntry, AuditEvent};
use renkei_model::handling::Handling;
use std::collections::BTreeMap;

use renkei_model::ids::{OrgId, ProductId, StatusId, SubmissionId, TokenId, UserId};
use renkei_model::product::ProductStatus;
use renkei_policy::{Identity, ReadScope};
use renkei_store::{
    AddedRecord, Backend, ConsentAnswer, ConsentRequest, DeleteOutcome, Deleter, FeedCursor,
    FeedPull, FeedRead, FeedRow, HandlingChange, HintNotice, HistogramCell, IngestOutcome,
    MalwareTally, Membership, NdaAcceptance, NewApplication, NewConsentRequest, NewHintNotice,
    NewNotification, NewOrg, NewProduct, NewRecommendation, NewRecord, NewSubmission,
    NewSubscription, NewToken, NewUser, Notification, NotificationCursor, NotificationQuery,
    OrgActivity, OrgUpdate, PeriodSummary, Product, Provenance, PublicReport, RecordQuery,
    RecordRow, Registered, Registration, SearchQuery, SharedValue, SightingRow, StatusChange,
    Store, StoreError, StoreResult, StoreStats, StoredSubmission, StreamItem, Subscription,
    TokenRecord, UsageCount, UserUpdate, ValueMatches, VersionFilter, WebSession,
};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

mod accounts;
mod audit;
mod charts;
mod feeds;
mod handling;
mod index;
mod membership;
mod migrate;
mod notifications;
mod pool;
mod products;
mod reciprocity;
mod records;
mod web;

pub use audit::audit_path;

pub(crate) fn db_err(e: rusqlite::Error) -> StoreError {
    StoreError::backend(e)
}

/// Lookups of at most this many values, each carried by at most [`POINT_LOOKUP_OBJECTS`]
/// objects, are point reads (see [`SqliteStore::read_point`]); bigger ones go to the
/// blocking pool.
const POINT_LOOKUP_KEYS: usize = 8;
const POINT_LOOKUP_OBJECTS: i64 = 32;

/// A Renkei store in one SQLite database file.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<pool::Pool>,
    audit: Arc<audit::AuditDb>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`. Call [`Store::migrate`] before use.
    pub fn open(path: &Path) -> StoreResult<Self> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(StoreError::backend)?;
        }
        let pool = pool::Pool::new(path).map_err(db_err)?;
        let audit = audit::AuditDb::open(&audit_path(path)).map_err(db_err)?;
        Ok(SqliteStore {
            inner: Arc::new(pool),
            audit: Arc::new(audit),
            path: path.to_owned(),
        })
    }

    /// Parses `sqlite://PATH` (or `sqlite:PATH`).
    pub fn path_from_url(url: &str) -> Option<PathBuf> {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))?;
        (!rest.is_empty()).then(|| PathBuf::from(rest))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn read<R: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<R> + Send + 'static,
    ) -> StoreResult<R> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.with_reader(f, |e| e))
            .await
            .map_err(StoreError::backend)?
            .map_err(db_err)
    }

    /// Runs a point read — a few index probes on pages that are almost always in memory — on
    /// the calling thread. Handing such a read to the blocking pool costs more than the read
    /// itself (two thread wake-ups and context switches: three quarters of a lookup's CPU time
    /// when measured), and running it here also caps concurrent readers at the runtime's
    /// worker count. Anything that scans, or whose size the caller chooses, goes through
    /// [`Self::read`].
    fn read_point<R>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<R>,
    ) -> StoreResult<R> {
        self.inner.with_reader(f, |e| e).map_err(db_err)
    }

    /// Like [`Self::read`], for functions that report store errors themselves.
    async fn read_store<R: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> StoreResult<R> + Send + 'static,
    ) -> StoreResult<R> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.with_reader(f, db_err))
            .await
            .map_err(StoreError::backend)?
    }

    async fn write<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> StoreResult<R> + Send + 'static,
    ) -> StoreResult<R> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.with_writer(f))
            .await
            .map_err(StoreError::backend)?
    }

    /// Runs `f` in one immediate transaction on the writer.
    async fn write_tx<R: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<R> + Send + 'static,
    ) -> StoreResult<R> {
        self.write(move |c| {
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(db_err)?;
            let out = f(&tx)?;
            tx.commit().map_err(db_err)?;
            Ok(out)
        })
        .await
    }

    async fn audit_db<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> StoreResult<R> + Send + 'static,
    ) -> StoreResult<R> {
        let audit = self.audit.clone();
        tokio::task::spawn_blocking(move || audit.with(f))
            .await
            .map_err(StoreError::backend)?
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn migrate(&self, now: i64, fresh_key: [u8; 32]) -> StoreResult<()> {
        self.write(move |c| migrate::migrate(c, now, &fresh_key).map_err(db_err))
            .await?;
        self.audit_db(move |c| audit::migrate(c, now).map_err(db_err))
            .await
    }

    async fn server_key(&self) -> StoreResult<Vec<u8>> {
        let key: Option<Vec<u8>> = self
            .read(|c| {
                c.query_row(
                    "SELECT value FROM settings WHERE key = 'server_key'",
                    [],
                    |r| r.get(0),
                )
                .optional()
            })
            .await?;
        key.ok_or_else(|| {
            StoreError::Invalid("the store has not been migrated (run `renkei migrate`)".into())
        })
    }

    async fn stats(&self) -> StoreResult<StoreStats> {
        self.read(|c| {
            let count = |sql: &str| {
                c.query_row(sql, [], |r| r.get::<_, i64>(0))
                    .map(|n| n as u64)
            };
            Ok(StoreStats {
                orgs: count("SELECT COUNT(*) FROM orgs")?,
                users: count("SELECT COUNT(*) FROM users")?,
                records: count("SELECT COUNT(*) FROM records WHERE deleted_at IS NULL")?,
                submissions: count("SELECT COUNT(*) FROM submissions")?,
            })
        })
        .await
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let key = key.to_owned();
        self.read(move |c| {
            c.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
        })
        .await
    }

    async fn init_setting(&self, key: &str, value: &[u8]) -> StoreResult<Vec<u8>> {
        let (key, value) = (key.to_owned(), value.to_vec());
        self.write_tx(move |tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                params![key, value],
            )
            .map_err(db_err)?;
            tx.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .map_err(db_err)
        })
        .await
    }

    async fn create_org(&self, org: &NewOrg) -> StoreResult<Org> {
        let org = org.clone();
        self.write(move |c| accounts::create_org(c, &org)).await
    }

    async fn org(&self, id: OrgId) -> StoreResult<Option<Org>> {
        self.read(move |c| accounts::org(c, id)).await
    }

    async fn org_by_name(&self, name: &str) -> StoreResult<Option<Org>> {
        let name = name.to_owned();
        self.read(move |c| accounts::org_by_name(c, &name)).await
    }

    async fn list_orgs(&self) -> StoreResult<Vec<Org>> {
        self.read(accounts::list_orgs).await
    }

    async fn create_user(&self, user: &NewUser) -> StoreResult<User> {
        let user = user.clone();
        self.write(move |c| accounts::create_user(c, &user)).await
    }

    async fn user_by_login(&self, login: &str) -> StoreResult<Option<User>> {
        let login = login.to_owned();
        self.read(move |c| accounts::user_by_login(c, &login)).await
    }

    async fn credentials(&self, login: &str) -> StoreResult<Option<(User, Option<String>)>> {
        let login = login.to_owned();
        self.read(move |c| accounts::credentials(c, &login)).await
    }

    async fn identity(&self, user: UserId) -> StoreResult<Option<Identity>> {
        self.read_point(|c| accounts::identity(c, user))
    }

    async fn list_users(&self, org: Option<OrgId>) -> StoreResult<Vec<User>> {
        self.read(move |c| accounts::list_users(c, org)).await
    }

    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        self.read(move |c| accounts::user(c, id)).await
    }

    async fn update_user(&self, id: UserId, update: &UserUpdate) -> StoreResult<User> {
        let update = update.clone();
        self.write_tx(move |tx| membership::update_user(tx, id, &update))
            .await
    }

    async fn create_token(&self, token: &NewToken) -> StoreResult<TokenRecord> {
        let token = token.clone();
        self.write(move |c| accounts::create_token(c, &token)).await
    }

    async fn token_by_secret_hash(&self, sha256: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        let sha = *sha256;
        self.read(move |c| accounts::token_by_secret_hash(c, &sha))
            .await
    }

    async fn token_identity(
        &self,
        sha256: &[u8; 32],
    ) -> StoreResult<Option<(TokenRecord, Option<Identity>)>> {
        self.read_point(|c| {
            let Some(token) = accounts::token_by_secret_hash(c, sha256)? else {
                return Ok(None);
            };
            let identity = accounts::identity(c, token.user)?;
            Ok(Some((token, identity)))
        })
    }

    async fn token(&self, id: TokenId) -> StoreResult<Option<TokenRecord>> {
        self.read(move |c| accounts::token(c, id)).await
    }

    async fn list_tokens(&self, user: UserId) -> StoreResult<Vec<TokenRecord>> {
        self.read(move |c| accounts::list_tokens(c, user)).await
    }

    async fn revoke_token(&self, id: TokenId) -> StoreResult<bool> {
        self.write(move |c| accounts::revoke_token(c, id).map_err(db_err))
            .await
    }

    async fn create_application(&self, application: &NewApplication) -> StoreResult<(Org, User)> {
        let application = application.clone();
        self.write_tx(move |tx| membership::create_application(tx, &application))
            .await
    }

    async fn membership(&self, org: OrgId) -> StoreResult<Option<Membership>> {
        self.read_store(move |c| membership::membership(c, org))
            .await
    }

    async fn add_recommendation(&self, recommendation: &NewRecommendation) -> StoreResult<()> {
        let r = recommendation.clone();
        self.write(move |c| membership::add_recommendation(c, &r))
            .await
    }

    async fn accept_nda(&self, org: OrgId, nda: &NdaAcceptance) -> StoreResult<()> {
        let nda = nda.clone();
        self.write(move |c| membership::accept_nda(c, org, &nda))
            .await
    }

    async fn change_org_status(&self, change: &StatusChange) -> StoreResult<Org> {
        let change = change.clone();
        self.write_tx(move |tx| membership::change_status(tx, &change))
            .await
    }

    async fn update_org(&self, id: OrgId, update: &OrgUpdate) -> StoreResult<Org> {
        let update = update.clone();
        self.write_tx(move |tx| membership::update_org(tx, id, &update))
            .await
    }

    async fn org_default_handling(&self, org: OrgId) -> StoreResult<Option<Handling>> {
        self.read_store(move |c| handling::org_default(c, org))
            .await
    }

    async fn set_org_default_handling(
        &self,
        org: OrgId,
        handling: Option<&Handling>,
        at: i64,
    ) -> StoreResult<()> {
        let h = handling.cloned();
        self.write(move |c| handling::set_org_default(c, org, h.as_ref(), at))
            .await
    }

    async fn change_handling(&self, change: &HandlingChange) -> StoreResult<usize> {
        let change = change.clone();
        self.write_tx(move |tx| handling::change(tx, &change)).await
    }

    async fn save_submission(&self, submission: &NewSubmission) -> StoreResult<()> {
        let s = submission.clone();
        self.write(move |c| records::save_submission(c, &s).map_err(db_err))
            .await
    }

    async fn submission(&self, id: SubmissionId) -> StoreResult<Option<StoredSubmission>> {
        self.read(move |c| records::submission(c, id)).await
    }

    async fn ingest(
        &self,
        provenance: &Provenance,
        batch: &[NewRecord],
        now: i64,
    ) -> StoreResult<Vec<IngestOutcome>> {
        let prov = provenance.clone();
        let batch = batch.to_vec();
        self.write(move |c| {
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(db_err)?;
            let out = records::ingest(&tx, &prov, &batch, now).map_err(db_err)?;
            tx.commit().map_err(db_err)?;
            Ok(out)
        })
        .await
    }

    async fn ingest_stream(
        &self,
        submission: NewSubmission,
        provenance: Provenance,
        mut items: tokio::sync::mpsc::Receiver<StreamItem>,
        now: i64,
        progress: Arc<AtomicU64>,
    ) -> StoreResult<Option<Vec<IngestOutcome>>> {
        self.write(move |c| {
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(db_err)?;
            records::save_submission(&tx, &submission).map_err(db_err)?;
            let mut outcomes = Vec::new();
            // Where the time goes (RENKEI_LOG=renkei_store_sqlite=debug): writing, or waiting
            // for validated records.
            let (mut writing, mut waiting) = (Duration::ZERO, Duration::ZERO);
            loop {
                let started = Instant::now();
                let item = items.blocking_recv();
                waiting += started.elapsed();
                let started = Instant::now();
                match item {
                    Some(StreamItem::Records(batch)) => {
                        outcomes.extend(
                            records::ingest(&tx, &provenance, &batch, now).map_err(db_err)?,
                        );
                        drop(batch);
                        writing += started.elapsed();
                        progress.store(outcomes.len() as u64, Ordering::Relaxed);
                    }
                    Some(StreamItem::Commit) => {
                        tx.commit().map_err(db_err)?;
                        let committing = started.elapsed();
                        tracing::debug!(?writing, ?waiting, ?committing, "records stored");
                        return Ok(Some(outcomes));
                    }
                    // Dropping the transaction rolls it back.
                    Some(StreamItem::Abort) | None => return Ok(None),
                }
            }
        })
        .await
    }

    async fn query_records(
        &self,
        scope: &ReadScope,
        query: &RecordQuery,
    ) -> StoreResult<Vec<RecordRow>> {
        let scope = scope.clone();
        let query = query.clone();
        self.read(move |c| records::query(c, &scope, &query)).await
    }

    async fn visible_ids(&self, scope: &ReadScope, ids: &[String]) -> StoreResult<Vec<String>> {
        let scope = scope.clone();
        let ids = ids.to_vec();
        self.read(move |c| records::visible_ids(c, &scope, &ids))
            .await
    }

    async fn delete_record(
        &self,
        scope: &ReadScope,
        deleter: &Deleter,
        stix_id: &str,
        versions: &VersionFilter,
        now: i64,
    ) -> StoreResult<DeleteOutcome> {
        let (scope, deleter, stix_id, versions) = (
            scope.clone(),
            deleter.clone(),
            stix_id.to_owned(),
            versions.clone(),
        );
        self.write(move |c| {
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(db_err)?;
            let out =
                records::delete(&tx, &scope, &deleter, &stix_id, &versions, now).map_err(db_err)?;
            tx.commit().map_err(db_err)?;
            Ok(out)
        })
        .await
    }

    async fn lookup(&self, keys: &[i64], limit: usize) -> StoreResult<Vec<ValueMatches>> {
        if keys.len() <= POINT_LOOKUP_KEYS
            && let Some(found) =
                self.read_point(|c| index::lookup(c, keys, limit, Some(POINT_LOOKUP_OBJECTS)))?
        {
            return Ok(found);
        }
        let keys = keys.to_vec();
        self.read(move |c| index::lookup(c, &keys, limit, None))
            .await
            .map(Option::unwrap_or_default)
    }

    async fn sightings_of(&self, stix_ids: &[String]) -> StoreResult<Vec<SightingRow>> {
        let ids = stix_ids.to_vec();
        self.read(move |c| index::sightings_of(c, &ids)).await
    }

    async fn search(&self, scope: &ReadScope, query: &SearchQuery) -> StoreResult<Vec<RecordRow>> {
        let scope = scope.clone();
        let query = query.clone();
        self.read(move |c| index::search(c, &scope, &query)).await
    }

    async fn record_histogram(
        &self,
        scope: &ReadScope,
        from: i64,
        to: i64,
        bucket: i64,
    ) -> StoreResult<Vec<HistogramCell>> {
        let scope = scope.clone();
        self.read(move |c| charts::histogram(c, &scope, from, to, bucket))
            .await
    }

    async fn malware_tallies(
        &self,
        scope: &ReadScope,
        from: i64,
        to: i64,
        limit: usize,
    ) -> StoreResult<Vec<MalwareTally>> {
        let scope = scope.clone();
        self.read(move |c| charts::malware(c, &scope, from, to, limit))
            .await
    }

    async fn referrers(
        &self,
        scope: &ReadScope,
        stix_id: &str,
        limit: usize,
    ) -> StoreResult<Vec<RecordRow>> {
        let scope = scope.clone();
        let id = stix_id.to_owned();
        self.read(move |c| charts::referrers(c, &scope, &id, limit))
            .await
    }

    async fn shared_values(
        &self,
        before: Option<(i64, i64)>,
        limit: usize,
    ) -> StoreResult<Vec<SharedValue>> {
        self.read(move |c| index::shared_values(c, before, limit))
            .await
    }

    async fn note_hints(&self, notices: &[NewHintNotice]) -> StoreResult<()> {
        if notices.is_empty() {
            return Ok(());
        }
        let notices = notices.to_vec();
        self.write_tx(move |tx| index::note_hints(tx, &notices).map_err(db_err))
            .await
    }

    async fn hint_notices(
        &self,
        include_closed: bool,
        limit: usize,
    ) -> StoreResult<Vec<HintNotice>> {
        self.read(move |c| index::hint_notices(c, include_closed, limit))
            .await
    }

    async fn feed_rows(&self, since: Option<FeedCursor>, now: i64) -> StoreResult<FeedRead> {
        if since.is_some() {
            return self.read(move |c| feeds::read(c, since, now)).await;
        }
        // A full feed reads its two halves on two connections at once (two snapshots: a row
        // changed in between may also come in the next incremental pull, which is harmless).
        let (cursor, middle) = self.read(move |c| feeds::full_plan(c, now)).await?;
        let Some(middle) = middle else {
            return Ok(FeedRead {
                rows: Vec::new(),
                cursor,
            });
        };
        let (mut rows, later) = tokio::try_join!(
            self.read(move |c| feeds::read_active(c, i64::MIN, middle - 1, now)),
            self.read(move |c| feeds::read_active(c, middle, i64::MAX, now)),
        )?;
        rows.extend(later);
        Ok(FeedRead { rows, cursor })
    }

    async fn feed_rows_carrying(&self, keys: &[i64], now: i64) -> StoreResult<Vec<FeedRow>> {
        let keys = keys.to_vec();
        self.read(move |c| feeds::carrying(c, &keys, now)).await
    }

    async fn note_feed_pull(&self, pull: &FeedPull) -> StoreResult<()> {
        let pull = pull.clone();
        self.write(move |c| feeds::note_pull(c, &pull).map_err(db_err))
            .await
    }

    async fn add_usage(&self, counts: &[UsageCount]) -> StoreResult<()> {
        if counts.is_empty() {
            return Ok(());
        }
        let counts = counts.to_vec();
        self.write(move |c| reciprocity::add_usage(c, &counts).map_err(db_err))
            .await
    }

    async fn activity(&self, from: i64, to: i64) -> StoreResult<BTreeMap<OrgId, OrgActivity>> {
        self.read(move |c| reciprocity::activity(c, from, to)).await
    }

    async fn create_product(&self, product: &NewProduct) -> StoreResult<Product> {
        let product = product.clone();
        self.write_tx(move |tx| products::create(tx, &product))
            .await
    }

    async fn product(&self, id: ProductId) -> StoreResult<Option<Product>> {
        self.read_store(move |c| products::one(c, id)).await
    }

    async fn product_by_number(&self, number: &str) -> StoreResult<Option<Product>> {
        let number = number.to_owned();
        self.read(move |c| products::by_number(c, &number)).await
    }

    async fn list_products(&self) -> StoreResult<Vec<Product>> {
        self.read(products::list).await
    }

    async fn save_product(
        &self,
        product: &Product,
        expected: ProductStatus,
        consents: Option<&[NewConsentRequest]>,
        at: i64,
    ) -> StoreResult<()> {
        let product = product.clone();
        let consents = consents.map(<[_]>::to_vec);
        self.write_tx(move |tx| products::save(tx, &product, expected, consents.as_deref(), at))
            .await
    }

    async fn consent_requests(&self, product: ProductId) -> StoreResult<Vec<ConsentRequest>> {
        self.read(move |c| products::consents(c, product)).await
    }

    async fn consent_requests_to(&self, provider: OrgId) -> StoreResult<Vec<ConsentRequest>> {
        self.read(move |c| products::consents_to(c, provider)).await
    }

    async fn answer_consent(&self, answer: &ConsentAnswer) -> StoreResult<Option<ConsentRequest>> {
        let answer = answer.clone();
        self.write_tx(move |tx| products::answer(tx, &answer)).await
    }

    async fn register(
        &self,
        registration: &Registration,
        capacity: u32,
    ) -> StoreResult<Registered> {
        let registration = registration.clone();
        self.write_tx(move |tx| products::register(tx, &registration, capacity))
            .await
    }

    async fn registrations(&self, product: ProductId) -> StoreResult<Vec<Registration>> {
        self.read(move |c| products::registrations(c, product))
            .await
    }

    async fn period_summary(&self, from: i64, to: i64) -> StoreResult<PeriodSummary> {
        self.read(move |c| products::period_summary(c, from, to))
            .await
    }

    async fn close_hint_notice(&self, id: i64, at: i64) -> StoreResult<bool> {
        self.write(move |c| index::close_hint_notice(c, id, at).map_err(db_err))
            .await
    }

    async fn save_status(
        &self,
        id: StatusId,
        owner: UserId,
        created_at: i64,
        body: &str,
    ) -> StoreResult<()> {
        let body = body.to_owned();
        self.write(move |c| {
            c.execute(
                "INSERT INTO taxii_statuses (id, owner, created_at, body) VALUES (?1, ?2, ?3, ?4)",
                params![id.to_string(), owner.to_string(), created_at, body],
            )
            .map(drop)
            .map_err(db_err)
        })
        .await
    }

    async fn status(&self, id: StatusId, owner: UserId) -> StoreResult<Option<String>> {
        self.read(move |c| {
            c.query_row(
                "SELECT body FROM taxii_statuses WHERE id = ?1 AND owner = ?2",
                [id.to_string(), owner.to_string()],
                |r| r.get(0),
            )
            .optional()
        })
        .await
    }

    async fn prune_statuses(&self, before: i64) -> StoreResult<u64> {
        self.write(move |c| {
            c.execute("DELETE FROM taxii_statuses WHERE created_at < ?1", [before])
                .map(|n| n as u64)
                .map_err(db_err)
        })
        .await
    }

    async fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<Vec<AuditEntry>> {
        let events = events.to_vec();
        self.audit_db(move |c| audit::append(c, &events)).await
    }

    async fn audit_entries(&self, after: i64, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        self.audit_db(move |c| audit::entries(c, after, limit))
            .await
    }

    async fn add_audit_checkpoint(&self, checkpoint: &AuditCheckpoint) -> StoreResult<()> {
        let checkpoint = checkpoint.clone();
        self.audit_db(move |c| audit::add_checkpoint(c, &checkpoint))
            .await
    }

    async fn audit_checkpoints(&self) -> StoreResult<Vec<AuditCheckpoint>> {
        self.audit_db(|c| audit::checkpoints(c)).await
    }

    // Notifications

    async fn user_email(&self, user: UserId) -> StoreResult<Option<String>> {
        self.read(move |c| notifications::user_email(c, user)).await
    }

    async fn set_user_email(&self, user: UserId, email: Option<&str>) -> StoreResult<()> {
        let email = email.map(str::to_owned);
        self.write(move |c| notifications::set_user_email(c, user, email.as_deref()))
            .await
    }

    async fn add_subscription(&self, subscription: &NewSubscription) -> StoreResult<Subscription> {
        let s = subscription.clone();
        self.write_tx(move |tx| notifications::add_subscription(tx, &s))
            .await
    }

    async fn subscriptions(&self, user: UserId) -> StoreResult<Vec<Subscription>> {
        self.read(move |c| notifications::subscriptions(c, user))
            .await
    }

    async fn delete_subscription(&self, user: UserId, id: i64) -> StoreResult<bool> {
        self.write_tx(move |tx| notifications::delete_subscription(tx, user, id).map_err(db_err))
            .await
    }

    async fn matching_subscriptions(&self, keys: &[i64]) -> StoreResult<Vec<Subscription>> {
        let keys = keys.to_vec();
        self.read(move |c| notifications::matching(c, &keys)).await
    }

    async fn notification_cursor(&self) -> StoreResult<NotificationCursor> {
        self.write_tx(|tx| notifications::cursor(tx).map_err(db_err))
            .await
    }

    async fn advance_notification_cursor(&self, from: i64, to: i64) -> StoreResult<bool> {
        self.write(move |c| notifications::advance(c, from, to).map_err(db_err))
            .await
    }

    async fn records_added_after(&self, after: i64, limit: usize) -> StoreResult<Vec<AddedRecord>> {
        self.read(move |c| notifications::added_after(c, after, limit))
            .await
    }

    async fn add_notification(
        &self,
        notification: &NewNotification,
    ) -> StoreResult<Option<Notification>> {
        let n = notification.clone();
        self.write_tx(move |tx| notifications::add_notification(tx, &n).map_err(db_err))
            .await
    }

    async fn notifications(
        &self,
        user: UserId,
        query: &NotificationQuery,
    ) -> StoreResult<Vec<Notification>> {
        let q = query.clone();
        self.read(move |c| notifications::notifications(c, user, &q))
            .await
    }

    async fn unread_notifications(&self, user: UserId) -> StoreResult<u64> {
        self.read(move |c| notifications::unread(c, user)).await
    }

    async fn mark_notification_read(&self, user: UserId, id: i64, at: i64) -> StoreResult<bool> {
        self.write(move |c| notifications::mark_read(c, user, id, at).map_err(db_err))
            .await
    }

    // Web sessions

    async fn create_web_session(&self, session: &WebSession) -> StoreResult<()> {
        let s = session.clone();
        self.write(move |c| web::create_session(c, &s)).await
    }

    async fn web_session(&self, id_hash: &str, now: i64) -> StoreResult<Option<WebSession>> {
        let id_hash = id_hash.to_owned();
        self.read(move |c| web::session(c, &id_hash, now)).await
    }

    async fn delete_web_session(&self, id_hash: &str) -> StoreResult<bool> {
        let id_hash = id_hash.to_owned();
        self.write(move |c| web::delete_session(c, &id_hash)).await
    }

    async fn prune_web_sessions(&self, now: i64) -> StoreResult<u64> {
        self.write(move |c| web::prune_sessions(c, now)).await
    }

    async fn add_public_report(&self, report: &PublicReport) -> StoreResult<()> {
        let r = report.clone();
        self.write(move |c| web::add_report(c, &r)).await
    }

    async fn public_reports(&self, limit: usize) -> StoreResult<Vec<PublicReport>> {
        self.read(move |c| web::reports(c, limit)).await
    }
}
