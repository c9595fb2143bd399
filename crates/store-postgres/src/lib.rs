//! The production store: PostgreSQL, shared by any number of stateless `renkei serve`
//! processes.
//!
//! Ingest serialises on a transaction-scoped advisory lock so that `date_added` values are
//! handed out in commit order across processes: a reader paging with `added_after` never misses
//! a record committed late with an earlier timestamp. Bulk writes use `UNNEST` arrays, one
//! round trip per batch.

use std::collections::BTreeMap;
use std::str::FromStr;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use renkei_model::account::{Org, User};
use renkei_model::audit::{AuditCheckpoint, AuditEntry, AuditEvent};
use renkei_model::handling::Handling;
use renkei_model::ids::{OrgId, ProductId, StatusId, SubmissionId, TokenId, UserId};
use renkei_model::product::ProductStatus;
use renkei_policy::{Identity, ReadScope};
use renkei_store::sql::{Placeholders, SqlParam};
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
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

mod accounts;
mod audit;
mod charts;
mod feeds;
mod handling;
mod index;
mod membership;
mod notifications;
mod products;
mod reciprocity;
mod records;
mod web;

const STYLE: Placeholders = Placeholders::DollarNumbered;
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_initial.sql")),
    (2, include_str!("../migrations/0002_membership_audit.sql")),
    (3, include_str!("../migrations/0003_index.sql")),
    (4, include_str!("../migrations/0004_feeds.sql")),
    (5, include_str!("../migrations/0005_reciprocity.sql")),
    (6, include_str!("../migrations/0006_feed_withdrawals.sql")),
    (7, include_str!("../migrations/0007_products.sql")),
    (8, include_str!("../migrations/0008_notifications.sql")),
    (9, include_str!("../migrations/0009_web_sessions.sql")),
    (10, include_str!("../migrations/0010_relationship_ends.sql")),
];
/// Advisory lock keys.
const MIGRATE_LOCK: i64 = 0x5245_4e4b_0001;
/// Held by whoever hands out `date_added` values (ingest, deletion, handling changes).
const INGEST_LOCK: i64 = 0x5245_4e4b_0002;
const AUDIT_LOCK: i64 = 0x5245_4e4b_0003;

/// A random lowercase hex string for names.
fn uuid_like() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::new();
    for _ in 0..2 {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(std::process::id().into());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

pub(crate) fn db_err(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::backend(e)
}

pub(crate) fn parse<T: FromStr>(s: &str) -> StoreResult<T>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>()
        .map_err(|e| StoreError::Invalid(format!("stored value `{s}` is invalid: {e}")))
}

pub(crate) fn unique_violation(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
}

/// A Renkei store in a PostgreSQL database.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to `postgres://…` (or `postgresql://…`). Call [`Store::migrate`] before use.
    pub fn connect(url: &str, max_connections: usize) -> StoreResult<Self> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::Invalid(format!("invalid PostgreSQL URL: {e}")))?;
        Self::with_config(config, max_connections)
    }

    /// Connects with an explicit configuration (tests use it to pick a schema).
    pub fn with_config(
        mut config: tokio_postgres::Config,
        max_connections: usize,
    ) -> StoreResult<Self> {
        // JIT compilation costs hundreds of milliseconds on the policy-filtered page query,
        // whose cost estimate is high but whose execution takes about a millisecond; and a
        // generic plan for it (no `date_added` bound known) may sort the whole table, so every
        // execution is planned with its parameters.
        let options = format!(
            "{} -c jit=off -c plan_cache_mode=force_custom_plan",
            config.get_options().unwrap_or("")
        );
        config.options(options.trim());
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections.max(2))
            .build()
            .map_err(db_err)?;
        Ok(PostgresStore { pool })
    }

    /// A store in a new, empty schema of the database at `url` (not yet migrated), for tests
    /// and benchmarks that must not touch real data. Returns the schema's name.
    pub async fn scratch(url: &str, max_connections: usize) -> StoreResult<(Self, String)> {
        let schema = format!("renkei_scratch_{}", uuid_like());
        let (client, conn) = tokio_postgres::connect(url, NoTls).await.map_err(db_err)?;
        let task = tokio::spawn(conn);
        client
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .map_err(db_err)?;
        drop(client);
        let _ = task.await;
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::Invalid(format!("invalid PostgreSQL URL: {e}")))?;
        config.options(format!("-c search_path={schema}"));
        Ok((Self::with_config(config, max_connections)?, schema))
    }

    /// Drops a schema made by [`PostgresStore::scratch`].
    pub async fn drop_scratch(url: &str, schema: &str) -> StoreResult<()> {
        if !schema.starts_with("renkei_scratch_")
            || !schema
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_')
        {
            return Err(StoreError::Invalid("not a scratch schema".into()));
        }
        let (client, conn) = tokio_postgres::connect(url, NoTls).await.map_err(db_err)?;
        let task = tokio::spawn(conn);
        client
            .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .await
            .map_err(db_err)?;
        drop(client);
        let _ = task.await;
        Ok(())
    }

    pub fn is_postgres_url(url: &str) -> bool {
        url.starts_with("postgres://") || url.starts_with("postgresql://")
    }

    async fn client(&self) -> StoreResult<deadpool_postgres::Client> {
        self.pool.get().await.map_err(db_err)
    }
}

/// Runs the body in a transaction on a pooled connection, committing if it succeeds.
macro_rules! in_tx {
    ($self:ident, |$tx:ident| $body:expr) => {{
        let mut client = $self.client().await?;
        let $tx = client.transaction().await.map_err(db_err)?;
        let out = $body;
        $tx.commit().await.map_err(db_err)?;
        Ok(out)
    }};
}

pub(crate) fn to_sql_params(params: &[SqlParam]) -> Vec<Box<dyn ToSql + Sync + Send>> {
    params
        .iter()
        .map(|p| -> Box<dyn ToSql + Sync + Send> {
            match p {
                SqlParam::Text(s) => Box::new(s.clone()),
                SqlParam::Int(n) => Box::new(*n),
            }
        })
        .collect()
}

pub(crate) fn refs(params: &[Box<dyn ToSql + Sync + Send>]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|b| b.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn migrate(&self, now: i64, fresh_key: [u8; 32]) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK])
            .await
            .map_err(db_err)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            .await
            .map_err(db_err)?;
        for (version, sql) in MIGRATIONS {
            let done = tx
                .query_opt(
                    "SELECT 1 FROM schema_migrations WHERE version = $1",
                    &[version],
                )
                .await
                .map_err(db_err)?;
            if done.is_none() {
                tx.batch_execute(sql).await.map_err(db_err)?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                    &[version, &now],
                )
                .await
                .map_err(db_err)?;
            }
        }
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ('server_key', $1) ON CONFLICT (key) DO NOTHING",
            &[&&fresh_key[..]],
        )
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    async fn server_key(&self) -> StoreResult<Vec<u8>> {
        let row = self
            .client()
            .await?
            .query_opt("SELECT value FROM settings WHERE key = 'server_key'", &[])
            .await
            .map_err(db_err)?;
        row.map(|r| r.get(0)).ok_or_else(|| {
            StoreError::Invalid("the store has not been migrated (run `renkei migrate`)".into())
        })
    }

    async fn stats(&self) -> StoreResult<StoreStats> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT (SELECT COUNT(*) FROM orgs), (SELECT COUNT(*) FROM users), \
                 (SELECT COUNT(*) FROM records WHERE deleted_at IS NULL), (SELECT COUNT(*) FROM submissions)",
                &[],
            )
            .await
            .map_err(db_err)?;
        let n = |i: usize| row.get::<_, i64>(i) as u64;
        Ok(StoreStats {
            orgs: n(0),
            users: n(1),
            records: n(2),
            submissions: n(3),
        })
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let row = self
            .client()
            .await?
            .query_opt("SELECT value FROM settings WHERE key = $1", &[&key])
            .await
            .map_err(db_err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn init_setting(&self, key: &str, value: &[u8]) -> StoreResult<Vec<u8>> {
        in_tx!(self, |tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[&key, &value],
            )
            .await
            .map_err(db_err)?;
            tx.query_one("SELECT value FROM settings WHERE key = $1", &[&key])
                .await
                .map_err(db_err)?
                .get::<_, Vec<u8>>(0)
        })
    }

    async fn create_org(&self, org: &NewOrg) -> StoreResult<Org> {
        accounts::create_org(&self.client().await?, org).await
    }

    async fn org(&self, id: OrgId) -> StoreResult<Option<Org>> {
        accounts::org(&self.client().await?, id).await
    }

    async fn org_by_name(&self, name: &str) -> StoreResult<Option<Org>> {
        accounts::org_by_name(&self.client().await?, name).await
    }

    async fn list_orgs(&self) -> StoreResult<Vec<Org>> {
        accounts::list_orgs(&self.client().await?).await
    }

    async fn create_user(&self, user: &NewUser) -> StoreResult<User> {
        accounts::create_user(&self.client().await?, user).await
    }

    async fn user_by_login(&self, login: &str) -> StoreResult<Option<User>> {
        accounts::user_by_login(&self.client().await?, login).await
    }

    async fn credentials(&self, login: &str) -> StoreResult<Option<(User, Option<String>)>> {
        accounts::credentials(&self.client().await?, login).await
    }

    async fn identity(&self, user: UserId) -> StoreResult<Option<Identity>> {
        accounts::identity(&self.client().await?, user).await
    }

    async fn list_users(&self, org: Option<OrgId>) -> StoreResult<Vec<User>> {
        accounts::list_users(&self.client().await?, org).await
    }

    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        accounts::user(&self.client().await?, id).await
    }

    async fn update_user(&self, id: UserId, update: &UserUpdate) -> StoreResult<User> {
        in_tx!(self, |tx| membership::update_user(&tx, id, update).await?)
    }

    async fn create_token(&self, token: &NewToken) -> StoreResult<TokenRecord> {
        accounts::create_token(&self.client().await?, token).await
    }

    async fn token_by_secret_hash(&self, sha256: &[u8; 32]) -> StoreResult<Option<TokenRecord>> {
        accounts::token_by_secret_hash(&self.client().await?, sha256).await
    }

    async fn token_identity(
        &self,
        sha256: &[u8; 32],
    ) -> StoreResult<Option<(TokenRecord, Option<Identity>)>> {
        accounts::token_identity(&self.client().await?, sha256).await
    }

    async fn token(&self, id: TokenId) -> StoreResult<Option<TokenRecord>> {
        accounts::token(&self.client().await?, id).await
    }

    async fn list_tokens(&self, user: UserId) -> StoreResult<Vec<TokenRecord>> {
        accounts::list_tokens(&self.client().await?, user).await
    }

    async fn revoke_token(&self, id: TokenId) -> StoreResult<bool> {
        accounts::revoke_token(&self.client().await?, id).await
    }

    async fn create_application(&self, application: &NewApplication) -> StoreResult<(Org, User)> {
        in_tx!(self, |tx| membership::create_application(&tx, application)
            .await?)
    }

    async fn membership(&self, org: OrgId) -> StoreResult<Option<Membership>> {
        membership::membership(&self.client().await?, org).await
    }

    async fn add_recommendation(&self, recommendation: &NewRecommendation) -> StoreResult<()> {
        membership::add_recommendation(&self.client().await?, recommendation).await
    }

    async fn accept_nda(&self, org: OrgId, nda: &NdaAcceptance) -> StoreResult<()> {
        membership::accept_nda(&self.client().await?, org, nda).await
    }

    async fn change_org_status(&self, change: &StatusChange) -> StoreResult<Org> {
        in_tx!(self, |tx| membership::change_status(&tx, change).await?)
    }

    async fn update_org(&self, id: OrgId, update: &OrgUpdate) -> StoreResult<Org> {
        in_tx!(self, |tx| membership::update_org(&tx, id, update).await?)
    }

    async fn org_default_handling(&self, org: OrgId) -> StoreResult<Option<Handling>> {
        handling::org_default(&self.client().await?, org).await
    }

    async fn set_org_default_handling(
        &self,
        org: OrgId,
        handling: Option<&Handling>,
        at: i64,
    ) -> StoreResult<()> {
        handling::set_org_default(&self.client().await?, org, handling, at).await
    }

    async fn change_handling(&self, change: &HandlingChange) -> StoreResult<usize> {
        in_tx!(self, |tx| handling::change(&tx, change).await?)
    }

    async fn save_submission(&self, s: &NewSubmission) -> StoreResult<()> {
        records::save_submission_in(&self.client().await?, s).await
    }

    async fn submission(&self, id: SubmissionId) -> StoreResult<Option<StoredSubmission>> {
        records::submission(&self.client().await?, id).await
    }

    async fn ingest(
        &self,
        provenance: &Provenance,
        batch: &[NewRecord],
        now: i64,
    ) -> StoreResult<Vec<IngestOutcome>> {
        in_tx!(self, |tx| records::ingest_tx(&tx, provenance, batch, now)
            .await?)
    }

    async fn ingest_stream(
        &self,
        submission: NewSubmission,
        provenance: Provenance,
        mut items: tokio::sync::mpsc::Receiver<StreamItem>,
        now: i64,
        progress: std::sync::Arc<std::sync::atomic::AtomicU64>,
    ) -> StoreResult<Option<Vec<IngestOutcome>>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&INGEST_LOCK])
            .await
            .map_err(db_err)?;
        records::save_submission_in(&tx, &submission).await?;
        let mut outcomes = Vec::new();
        loop {
            match items.recv().await {
                Some(StreamItem::Records(batch)) => {
                    outcomes.extend(records::ingest_tx(&tx, &provenance, &batch, now).await?);
                    progress.store(outcomes.len() as u64, std::sync::atomic::Ordering::Relaxed);
                }
                Some(StreamItem::Commit) => {
                    tx.commit().await.map_err(db_err)?;
                    return Ok(Some(outcomes));
                }
                // Dropping the transaction rolls it back.
                Some(StreamItem::Abort) | None => return Ok(None),
            }
        }
    }

    async fn query_records(
        &self,
        scope: &ReadScope,
        query: &RecordQuery,
    ) -> StoreResult<Vec<RecordRow>> {
        records::query(&self.client().await?, scope, query).await
    }

    async fn visible_ids(&self, scope: &ReadScope, ids: &[String]) -> StoreResult<Vec<String>> {
        records::visible_ids(&self.client().await?, scope, ids).await
    }

    async fn lookup(&self, keys: &[i64], limit: usize) -> StoreResult<Vec<ValueMatches>> {
        index::lookup(&mut self.client().await?, keys, limit).await
    }

    async fn sightings_of(&self, stix_ids: &[String]) -> StoreResult<Vec<SightingRow>> {
        index::sightings_of(&mut self.client().await?, stix_ids).await
    }

    async fn search(&self, scope: &ReadScope, query: &SearchQuery) -> StoreResult<Vec<RecordRow>> {
        index::search(&self.client().await?, scope, query).await
    }

    async fn record_histogram(
        &self,
        scope: &ReadScope,
        from: i64,
        to: i64,
        bucket: i64,
    ) -> StoreResult<Vec<HistogramCell>> {
        charts::histogram(&self.client().await?, scope, from, to, bucket).await
    }

    async fn malware_tallies(
        &self,
        scope: &ReadScope,
        from: i64,
        to: i64,
        limit: usize,
    ) -> StoreResult<Vec<MalwareTally>> {
        charts::malware(&self.client().await?, scope, from, to, limit).await
    }

    async fn referrers(
        &self,
        scope: &ReadScope,
        stix_id: &str,
        limit: usize,
    ) -> StoreResult<Vec<RecordRow>> {
        charts::referrers(&self.client().await?, scope, stix_id, limit).await
    }

    async fn shared_values(
        &self,
        before: Option<(i64, i64)>,
        limit: usize,
    ) -> StoreResult<Vec<SharedValue>> {
        index::shared_values(&self.client().await?, before, limit).await
    }

    async fn note_hints(&self, notices: &[NewHintNotice]) -> StoreResult<()> {
        if notices.is_empty() {
            return Ok(());
        }
        in_tx!(self, |tx| index::note_hints(&tx, notices).await?)
    }

    async fn hint_notices(
        &self,
        include_closed: bool,
        limit: usize,
    ) -> StoreResult<Vec<HintNotice>> {
        index::hint_notices(&self.client().await?, include_closed, limit).await
    }

    async fn feed_rows(&self, since: Option<FeedCursor>, now: i64) -> StoreResult<FeedRead> {
        if since.is_some() {
            return feeds::read(&mut self.client().await?, since, now).await;
        }
        // A full feed reads its two halves on two connections at once (two snapshots: a row
        // changed in between may also come in the next incremental pull, which is harmless).
        let (cursor, middle) = feeds::full_plan(&self.client().await?, now).await?;
        let Some(middle) = middle else {
            return Ok(FeedRead {
                rows: Vec::new(),
                cursor,
            });
        };
        let (first, second) = (self.client().await?, self.client().await?);
        let (mut rows, later) = tokio::try_join!(
            feeds::read_active(&first, i64::MIN, middle - 1, now),
            feeds::read_active(&second, middle, i64::MAX, now),
        )?;
        rows.extend(later);
        Ok(FeedRead { rows, cursor })
    }

    async fn feed_rows_carrying(&self, keys: &[i64], now: i64) -> StoreResult<Vec<FeedRow>> {
        feeds::carrying(&mut self.client().await?, keys, now).await
    }

    async fn note_feed_pull(&self, pull: &FeedPull) -> StoreResult<()> {
        feeds::note_pull(&self.client().await?, pull).await
    }

    async fn add_usage(&self, counts: &[UsageCount]) -> StoreResult<()> {
        if counts.is_empty() {
            return Ok(());
        }
        reciprocity::add_usage(&self.client().await?, counts).await
    }

    async fn activity(&self, from: i64, to: i64) -> StoreResult<BTreeMap<OrgId, OrgActivity>> {
        reciprocity::activity(&self.client().await?, from, to).await
    }

    async fn create_product(&self, product: &NewProduct) -> StoreResult<Product> {
        in_tx!(self, |tx| products::create(&tx, product).await?)
    }

    async fn product(&self, id: ProductId) -> StoreResult<Option<Product>> {
        products::one(&self.client().await?, id).await
    }

    async fn product_by_number(&self, number: &str) -> StoreResult<Option<Product>> {
        products::by_number(&self.client().await?, number).await
    }

    async fn list_products(&self) -> StoreResult<Vec<Product>> {
        products::list(&self.client().await?).await
    }

    async fn save_product(
        &self,
        product: &Product,
        expected: ProductStatus,
        consents: Option<&[NewConsentRequest]>,
        at: i64,
    ) -> StoreResult<()> {
        in_tx!(self, |tx| products::save(
            &tx, product, expected, consents, at
        )
        .await?)
    }

    async fn consent_requests(&self, product: ProductId) -> StoreResult<Vec<ConsentRequest>> {
        products::consents(&self.client().await?, product).await
    }

    async fn consent_requests_to(&self, provider: OrgId) -> StoreResult<Vec<ConsentRequest>> {
        products::consents_to(&self.client().await?, provider).await
    }

    async fn answer_consent(&self, answer: &ConsentAnswer) -> StoreResult<Option<ConsentRequest>> {
        products::answer(&self.client().await?, answer).await
    }

    async fn register(
        &self,
        registration: &Registration,
        capacity: u32,
    ) -> StoreResult<Registered> {
        in_tx!(self, |tx| products::register(&tx, registration, capacity)
            .await?)
    }

    async fn registrations(&self, product: ProductId) -> StoreResult<Vec<Registration>> {
        products::registrations(&self.client().await?, product).await
    }

    async fn period_summary(&self, from: i64, to: i64) -> StoreResult<PeriodSummary> {
        products::period_summary(&self.client().await?, from, to).await
    }

    async fn close_hint_notice(&self, id: i64, at: i64) -> StoreResult<bool> {
        index::close_hint_notice(&self.client().await?, id, at).await
    }

    async fn delete_record(
        &self,
        scope: &ReadScope,
        deleter: &Deleter,
        stix_id: &str,
        versions: &VersionFilter,
        now: i64,
    ) -> StoreResult<DeleteOutcome> {
        in_tx!(self, |tx| records::delete(
            &tx, scope, deleter, stix_id, versions, now
        )
        .await?)
    }

    async fn save_status(
        &self,
        id: StatusId,
        owner: UserId,
        created_at: i64,
        body: &str,
    ) -> StoreResult<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO taxii_statuses (id, owner, created_at, body) VALUES ($1, $2, $3, $4)",
                &[&id.to_string(), &owner.to_string(), &created_at, &body],
            )
            .await
            .map(drop)
            .map_err(db_err)
    }

    async fn status(&self, id: StatusId, owner: UserId) -> StoreResult<Option<String>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT body FROM taxii_statuses WHERE id = $1 AND owner = $2",
                &[&id.to_string(), &owner.to_string()],
            )
            .await
            .map_err(db_err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn prune_statuses(&self, before: i64) -> StoreResult<u64> {
        self.client()
            .await?
            .execute(
                "DELETE FROM taxii_statuses WHERE created_at < $1",
                &[&before],
            )
            .await
            .map_err(db_err)
    }

    async fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<Vec<AuditEntry>> {
        in_tx!(self, |tx| audit::append(&tx, events).await?)
    }

    async fn audit_entries(&self, after: i64, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        audit::entries(&self.client().await?, after, limit).await
    }

    async fn add_audit_checkpoint(&self, checkpoint: &AuditCheckpoint) -> StoreResult<()> {
        audit::add_checkpoint(&self.client().await?, checkpoint).await
    }

    async fn audit_checkpoints(&self) -> StoreResult<Vec<AuditCheckpoint>> {
        audit::checkpoints(&self.client().await?).await
    }

    // Notifications

    async fn user_email(&self, user: UserId) -> StoreResult<Option<String>> {
        notifications::user_email(&self.client().await?, user).await
    }

    async fn set_user_email(&self, user: UserId, email: Option<&str>) -> StoreResult<()> {
        notifications::set_user_email(&self.client().await?, user, email).await
    }

    async fn add_subscription(&self, subscription: &NewSubscription) -> StoreResult<Subscription> {
        in_tx!(self, |tx| notifications::add_subscription(
            &tx,
            subscription
        )
        .await?)
    }

    async fn subscriptions(&self, user: UserId) -> StoreResult<Vec<Subscription>> {
        notifications::subscriptions(&self.client().await?, user).await
    }

    async fn delete_subscription(&self, user: UserId, id: i64) -> StoreResult<bool> {
        notifications::delete_subscription(&self.client().await?, user, id).await
    }

    async fn matching_subscriptions(&self, keys: &[i64]) -> StoreResult<Vec<Subscription>> {
        notifications::matching(&self.client().await?, keys).await
    }

    async fn notification_cursor(&self) -> StoreResult<NotificationCursor> {
        in_tx!(self, |tx| notifications::cursor(&tx).await?)
    }

    async fn advance_notification_cursor(&self, from: i64, to: i64) -> StoreResult<bool> {
        notifications::advance(&self.client().await?, from, to).await
    }

    async fn records_added_after(&self, after: i64, limit: usize) -> StoreResult<Vec<AddedRecord>> {
        notifications::added_after(&self.client().await?, after, limit).await
    }

    async fn add_notification(
        &self,
        notification: &NewNotification,
    ) -> StoreResult<Option<Notification>> {
        in_tx!(self, |tx| notifications::add_notification(
            &tx,
            notification
        )
        .await?)
    }

    async fn notifications(
        &self,
        user: UserId,
        query: &NotificationQuery,
    ) -> StoreResult<Vec<Notification>> {
        notifications::notifications(&self.client().await?, user, query).await
    }

    async fn unread_notifications(&self, user: UserId) -> StoreResult<u64> {
        notifications::unread(&self.client().await?, user).await
    }

    async fn mark_notification_read(&self, user: UserId, id: i64, at: i64) -> StoreResult<bool> {
        notifications::mark_read(&self.client().await?, user, id, at).await
    }

    // Web sessions

    async fn create_web_session(&self, session: &WebSession) -> StoreResult<()> {
        web::create_session(&self.client().await?, session).await
    }

    async fn web_session(&self, id_hash: &str, now: i64) -> StoreResult<Option<WebSession>> {
        web::session(&self.client().await?, id_hash, now).await
    }

    async fn delete_web_session(&self, id_hash: &str) -> StoreResult<bool> {
        web::delete_session(&self.client().await?, id_hash).await
    }

    async fn prune_web_sessions(&self, now: i64) -> StoreResult<u64> {
        web::prune_sessions(&self.client().await?, now).await
    }

    async fn add_public_report(&self, report: &PublicReport) -> StoreResult<()> {
        web::add_report(&self.client().await?, report).await
    }

    async fn public_reports(&self, limit: usize) -> StoreResult<Vec<PublicReport>> {
        web::reports(&self.client().await?, limit).await
    }
}
