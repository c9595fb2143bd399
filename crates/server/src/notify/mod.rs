//! The notifier (issue 5 §4): a background task that tells subscribers of new records (and
//! of products as they are published, `products`), in
//! their inbox and by e-mail, each recipient separately and only of what the policy lets
//! that recipient see.
//!
//! Ingest does not hand records to it. It keeps a cursor in the store over `date_added` and
//! reads what was stored after it; ingest only [`Notifier::wake`]s it, which never blocks
//! and cannot overflow (wake-ups coalesce). So nothing is lost when the server is busy or
//! restarts, records written by other processes (imports, other servers) are seen too, and
//! ingest neither waits on nor fails because of notifications. Each batch is claimed by
//! moving the cursor with a compare-and-set before it is delivered, so several servers never
//! deliver one batch twice; a crash in the middle of a batch loses that batch's
//! notifications (at most once, never twice). The store also tells each user of a record
//! version once, so a handling change (which re-adds a record's versions) reaches only those
//! who may now see it and were not told before.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use renkei_audit::Auditor;
use renkei_model::audit::AuditEvent;
use renkei_model::handling::Tlp;
use renkei_model::ids::{OrgId, UserId};
use renkei_store::{NewNotification, RecordRef, Store, StoreResult, Subscription, value_key};
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};

use crate::clock::Clock;

pub mod mail;
pub mod matching;
pub mod message;
pub mod products;

pub use mail::{Mailer, SmtpConfig, TlsMode};

use matching::{Candidate, Selected};
use message::Line;

/// Records read and claimed at a time.
const BATCH: usize = 500;
/// The notifier looks for new records at least this often (records written by other
/// processes do not wake it).
const POLL: Duration = Duration::from_secs(10);

/// What the notifier needs.
pub struct Context {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub auditor: Auditor,
    pub mailer: Option<Mailer>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("mailer", &self.mailer)
            .finish_non_exhaustive()
    }
}

/// Counters for operators (and tests).
#[derive(Debug, Default)]
pub struct Counters {
    pub notifications: AtomicU64,
    pub emails_sent: AtomicU64,
    pub emails_failed: AtomicU64,
    pub errors: AtomicU64,
}

struct Shared {
    wake: Notify,
    /// Passes asked for by [`Notifier::flush`], and the last one completed.
    requested: AtomicU64,
    completed: watch::Sender<u64>,
    counters: Counters,
    /// Products published and not yet told (kept in memory: a crash before the next pass
    /// loses these notices; the products themselves are in every reader's list).
    products: std::sync::Mutex<Vec<renkei_store::Product>>,
}

/// The handle kept in `AppState`; the task ends when the last handle is dropped.
#[derive(Clone)]
pub struct Notifier {
    shared: Arc<Shared>,
    _alive: Arc<()>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("counters", &self.shared.counters)
            .finish()
    }
}

impl Notifier {
    /// Starts the task on the current runtime. The store's cursor is set up first (on first
    /// use it starts at the newest record), so records stored after this returns are told.
    pub async fn start(ctx: Context) -> StoreResult<Notifier> {
        ctx.store.notification_cursor().await?;
        let shared = Arc::new(Shared {
            wake: Notify::new(),
            requested: AtomicU64::new(0),
            completed: watch::channel(0).0,
            counters: Counters::default(),
            products: std::sync::Mutex::new(Vec::new()),
        });
        let alive = Arc::new(());
        tokio::spawn(run(ctx, shared.clone(), Arc::downgrade(&alive)));
        Ok(Notifier {
            shared,
            _alive: alive,
        })
    }

    /// Tells the task that records were stored. Never blocks.
    pub fn wake(&self) {
        self.shared.wake.notify_one();
    }

    /// Tells subscribers of a product just published (on the task, like records). Never
    /// blocks.
    pub fn product_published(&self, product: renkei_store::Product) {
        if let Ok(mut pending) = self.shared.products.lock() {
            pending.push(product);
        }
        self.wake();
    }

    /// Waits until everything stored before this call has been delivered (a pass that began
    /// after the call has ended).
    pub async fn flush(&self) {
        let wanted = self.shared.requested.fetch_add(1, Ordering::SeqCst) + 1;
        let mut done = self.shared.completed.subscribe();
        self.wake();
        let _ = done.wait_for(|&c| c >= wanted).await;
    }

    pub fn counters(&self) -> &Counters {
        &self.shared.counters
    }
}

async fn run(ctx: Context, shared: Arc<Shared>, alive: Weak<()>) {
    loop {
        let _ = tokio::time::timeout(POLL, shared.wake.notified()).await;
        if alive.upgrade().is_none() {
            return;
        }
        let pass = shared.requested.load(Ordering::SeqCst);
        if let Err(e) = catch_up(&ctx, &shared.counters).await {
            shared.counters.errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(error = %e, "notifier: could not read new records");
        }
        let published = shared
            .products
            .lock()
            .map(|mut p| std::mem::take(&mut *p))
            .unwrap_or_default();
        for p in &published {
            if let Err(e) = products::tell_product(&ctx, &shared.counters, p).await {
                shared.counters.errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, product = %p.number, "notifier: a product was not told");
            }
        }
        shared.completed.send_modify(|c| *c = (*c).max(pass));
    }
}

/// Claims and delivers batches until no record is left after the cursor.
async fn catch_up(ctx: &Context, counters: &Counters) -> StoreResult<()> {
    loop {
        let cursor = ctx.store.notification_cursor().await?;
        if cursor.done >= cursor.newest {
            return Ok(());
        }
        if !cursor.subscriptions {
            // Nobody to tell: skip what is there without reading it.
            ctx.store
                .advance_notification_cursor(cursor.done, cursor.newest)
                .await?;
            continue;
        }
        let batch = ctx.store.records_added_after(cursor.done, BATCH).await?;
        let to = batch.last().map_or(cursor.newest, |r| r.record.date_added);
        if !ctx
            .store
            .advance_notification_cursor(cursor.done, to)
            .await?
        {
            continue; // another notifier claimed it
        }
        let candidates = tokio::task::spawn_blocking(move || candidates(batch))
            .await
            .unwrap_or_default();
        if let Err(e) = deliver(ctx, counters, &candidates).await {
            counters.errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(error = %e, "notifier: a batch was not delivered");
        }
    }
}

/// Each record with the observables ingest indexes for it.
fn candidates(batch: Vec<renkei_store::AddedRecord>) -> Vec<Candidate> {
    batch
        .into_iter()
        .map(|added| {
            let observables = renkei_ingest::index::observables_of(&added.body);
            let values: std::collections::BTreeSet<(String, String)> = observables
                .iter()
                .map(|o| (o.kind().name().to_owned(), o.value().to_owned()))
                .collect();
            Candidate {
                keys: values.iter().map(|(k, v)| value_key(k, v)).collect(),
                values,
                added,
            }
        })
        .collect()
}

/// Finds the subscriptions the batch may match and tells each of their owners, one by one.
async fn deliver(ctx: &Context, counters: &Counters, batch: &[Candidate]) -> StoreResult<()> {
    let mut keys: Vec<i64> = batch.iter().flat_map(|c| c.keys.iter().copied()).collect();
    keys.sort_unstable();
    keys.dedup();
    let subscriptions = ctx.store.matching_subscriptions(&keys).await?;
    let mut by_user: BTreeMap<UserId, Vec<&Subscription>> = BTreeMap::new();
    for s in &subscriptions {
        by_user.entry(s.user).or_default().push(s);
    }
    let mut org_names: BTreeMap<OrgId, Option<String>> = BTreeMap::new();
    for (user, subs) in by_user {
        if let Err(e) = tell(ctx, counters, user, &subs, batch, &mut org_names).await {
            counters.errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(error = %e, %user, "notifier: a recipient was not told");
        }
    }
    Ok(())
}

/// One recipient: a fresh identity, the policy decision for each record, one notification
/// and at most one e-mail, for them alone.
async fn tell(
    ctx: &Context,
    counters: &Counters,
    user: UserId,
    subs: &[&Subscription],
    batch: &[Candidate],
    org_names: &mut BTreeMap<OrgId, Option<String>>,
) -> StoreResult<()> {
    let Some(me) = ctx.store.identity(user).await? else {
        return Ok(());
    };
    if !me.is_in_good_standing() {
        return Ok(());
    }
    let selected = latest_versions(matching::select(&me, subs, batch));
    if selected.is_empty() {
        return Ok(());
    }
    let mut lines = Vec::with_capacity(selected.len());
    for s in &selected {
        let provider = s.candidate.added.record.provider;
        let name = if s.view.attribution == renkei_model::handling::Attribution::Named {
            if let std::collections::btree_map::Entry::Vacant(e) = org_names.entry(provider) {
                e.insert(ctx.store.org(provider).await?.map(|o| o.name));
            }
            org_names.get(&provider).cloned().flatten()
        } else {
            None
        };
        lines.push(Line::of(s, name.as_deref()));
    }
    let refs: Vec<RecordRef> = selected.iter().map(|s| record_ref(s)).collect();
    let Some(stored) = ctx
        .store
        .add_notification(&NewNotification {
            user,
            created_at: ctx.clock.now_micros(),
            kind: "record".into(),
            title: message::title(&lines),
            records: refs,
            product: None,
        })
        .await?
    else {
        return Ok(()); // told of all of them before
    };
    counters.notifications.fetch_add(1, Ordering::Relaxed);
    // Only what is new to them, and what they asked to hear of by each channel.
    let fresh = |s: &Selected<'_>| stored.records.contains(&record_ref(s));
    if !selected.iter().any(|s| s.in_app && fresh(s)) {
        // Every match asked for e-mail only: the inbox keeps the notification as the record
        // of what was sent, already read.
        ctx.store
            .mark_notification_read(user, stored.id, stored.created_at)
            .await?;
    }
    let Some(mailer) = &ctx.mailer else {
        return Ok(());
    };
    let emailed: Vec<Line> = selected
        .iter()
        .zip(lines)
        .filter(|(s, _)| s.email && fresh(s))
        .map(|(_, l)| l)
        .collect();
    if emailed.is_empty() {
        return Ok(());
    }
    let Some(to) = ctx
        .store
        .user_email(user)
        .await?
        .and_then(|a| mail::parse_address(&a))
    else {
        return Ok(());
    };
    if !audit_email(ctx, &me, &emailed).await {
        counters.emails_failed.fetch_add(1, Ordering::Relaxed);
        return Ok(());
    }
    match mailer
        .send(to, &message::subject(&emailed), message::body(&emailed))
        .await
    {
        Ok(()) => {
            counters.emails_sent.fetch_add(1, Ordering::Relaxed);
        }
        Err(e) => {
            // The notification stays in the inbox; e-mail is not retried.
            counters.emails_failed.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(error = %e, %user, "notifier: e-mail not sent");
        }
    }
    Ok(())
}

fn record_ref(s: &Selected<'_>) -> RecordRef {
    let r = &s.candidate.added.record;
    RecordRef {
        stix_id: r.stix_id.clone(),
        version: r.version,
    }
}

/// One entry per object: its latest version in the batch.
fn latest_versions(selected: Vec<Selected<'_>>) -> Vec<Selected<'_>> {
    let mut by_id: BTreeMap<String, Selected<'_>> = BTreeMap::new();
    for s in selected {
        let r = &s.candidate.added.record;
        match by_id.get(&r.stix_id) {
            Some(have) if have.candidate.added.record.version >= r.version => {}
            _ => {
                by_id.insert(r.stix_id.clone(), s);
            }
        }
    }
    let mut out: Vec<Selected<'_>> = by_id.into_values().collect();
    out.sort_by_key(|s| s.candidate.added.record.date_added);
    out
}

/// An e-mail shows records to its reader: those above TLP:GREEN or classified are logged
/// like any other read of them, before it is sent (false: not logged, so not sent).
async fn audit_email(ctx: &Context, me: &renkei_policy::Identity, lines: &[Line]) -> bool {
    let sensitive: Vec<Value> = lines
        .iter()
        .filter(|l| l.tlp.rank() > Tlp::Green.rank() || l.classified)
        .map(|l| json!({ "id": l.stix_id }))
        .collect();
    if sensitive.is_empty() {
        return true;
    }
    let event = AuditEvent {
        at: ctx.clock.now_micros(),
        actor_user: Some(me.user.to_string()),
        actor_org: Some(me.org.to_string()),
        action: crate::audit::action::RECORD_READ.to_owned(),
        subject: "notifications/email".into(),
        detail: json!({ "records": sensitive }).to_string(),
    };
    match ctx.auditor.record(event).await {
        Ok(_) => true,
        Err(e) => {
            tracing::error!(error = %e, "notifier: audit log write failed");
            false
        }
    }
}
