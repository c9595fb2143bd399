//! Telling subscribers of a newly published product (issue 5 §4: "a new matching record *or
//! product* reaches them"). Each recipient separately: a fresh identity, the product decided
//! for them (`crate::products::may_read`), one notification, at most one e-mail.
//!
//! A subscription matches a product when it watches no values (a product is not a record
//! carrying observables), its types are empty or name the product's kind (`alert`,
//! `analysis`, `bulletin`, `report`, `seminar`) or `product`, and its sectors are empty or
//! meet the product's affected sectors (a product for all sectors meets every sector).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::Ordering;

use renkei_model::audit::AuditEvent;
use renkei_model::handling::{Classification, Tlp};
use renkei_model::ids::UserId;
use renkei_policy::{Identity, Principal};
use renkei_store::{NewNotification, Product, StoreResult, Subscription};
use serde_json::json;

use super::{Context, Counters, mail};

/// Whether `s` asks to hear of `p`.
pub fn matches(s: &Subscription, p: &Product) -> bool {
    let c = &s.criteria;
    let kind = p.kind();
    c.values.is_empty()
        && (c.types.is_empty() || c.types.iter().any(|t| t == kind.as_str() || t == "product"))
        && (c.sectors.is_empty()
            || p.content.sectors.is_empty()
            || c.sectors.iter().any(|s| p.content.sectors.contains(s)))
}

fn kind_label(p: &Product) -> &'static str {
    use renkei_model::product::ProductKind::*;
    match p.kind() {
        Alert => "警報 / alert",
        Analysis => "分析結果 / analysis",
        Bulletin => "サイバー通報 / cyber bulletin",
        Report => "レポート / report",
        Seminar => "セミナー / seminar",
    }
}

/// The inbox title: the kind and number only (the product is read again when shown).
pub fn title(p: &Product) -> String {
    format!("新しい{} {}", kind_label(p), p.number)
}

fn subject(p: &Product) -> String {
    format!(
        "[{}] Renkei: 新しい{} {} — {}",
        p.handling.tlp,
        kind_label(p),
        p.number,
        p.content.title.chars().take(120).collect::<String>()
    )
}

fn body(p: &Product) -> String {
    let c = &p.content;
    let mut b = String::new();
    let _ = writeln!(b, "Renkei 連携 — 新しい成果物 / A new product for you\n");
    let _ = writeln!(b, "{}  {}  {}", p.number, p.handling.tlp, kind_label(p));
    let _ = writeln!(b, "{}\n", c.title);
    if let Some(s) = c.severity {
        let _ = writeln!(b, "深刻度 Severity: {s}");
    }
    if !c.summary.is_empty() {
        let _ = writeln!(b, "{}\n", c.summary);
    }
    if !c.recommended_actions.is_empty() {
        let _ = writeln!(b, "推奨される対策 / Recommended actions:");
        for a in &c.recommended_actions {
            let _ = writeln!(b, "- {a}");
        }
        b.push('\n');
    }
    let _ = writeln!(b, "詳細 / Details: /api/v1/products/{}", p.number);
    let _ = writeln!(
        b,
        "\nこのメールは {} の取扱いに従ってください / Handle this e-mail as {}.",
        p.handling.tlp, p.handling.tlp
    );
    b
}

/// Tells every subscriber who may read `p` and asked to hear of it.
pub(super) async fn tell_product(
    ctx: &Context,
    counters: &Counters,
    p: &Product,
) -> StoreResult<()> {
    let subscriptions = ctx.store.matching_subscriptions(&[]).await?;
    let mut by_user: BTreeMap<UserId, Vec<&Subscription>> = BTreeMap::new();
    for s in subscriptions.iter().filter(|s| matches(s, p)) {
        by_user.entry(s.user).or_default().push(s);
    }
    for (user, subs) in by_user {
        if let Err(e) = tell_one(ctx, counters, user, &subs, p).await {
            counters.errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(error = %e, %user, "notifier: a recipient was not told of a product");
        }
    }
    Ok(())
}

async fn tell_one(
    ctx: &Context,
    counters: &Counters,
    user: UserId,
    subs: &[&Subscription],
    p: &Product,
) -> StoreResult<()> {
    let Some(me) = ctx.store.identity(user).await? else {
        return Ok(());
    };
    // The secretariat made it; others only if the policy gives it to them.
    if me.org == p.org || !crate::products::may_read(&Principal::User(me.clone()), p) {
        return Ok(());
    }
    let in_app = subs.iter().any(|s| s.channels.in_app);
    let email = subs.iter().any(|s| s.channels.email);
    let Some(stored) = ctx
        .store
        .add_notification(&NewNotification {
            user,
            created_at: ctx.clock.now_micros(),
            kind: "product".into(),
            title: title(p),
            records: Vec::new(),
            product: Some(p.id),
        })
        .await?
    else {
        return Ok(()); // told before
    };
    counters.notifications.fetch_add(1, Ordering::Relaxed);
    if !in_app {
        ctx.store
            .mark_notification_read(user, stored.id, stored.created_at)
            .await?;
    }
    let (true, Some(mailer)) = (email, &ctx.mailer) else {
        return Ok(());
    };
    let Some(to) = ctx
        .store
        .user_email(user)
        .await?
        .and_then(|a| mail::parse_address(&a))
    else {
        return Ok(());
    };
    if !audit_email(ctx, &me, p).await {
        counters.emails_failed.fetch_add(1, Ordering::Relaxed);
        return Ok(());
    }
    match mailer.send(to, &subject(p), body(p)).await {
        Ok(()) => {
            counters.emails_sent.fetch_add(1, Ordering::Relaxed);
        }
        Err(e) => {
            counters.emails_failed.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(error = %e, %user, "notifier: product e-mail not sent");
        }
    }
    Ok(())
}

/// A product above TLP:GREEN or classified, sent by e-mail, is logged as read by its
/// recipient before it is sent.
async fn audit_email(ctx: &Context, me: &Identity, p: &Product) -> bool {
    if p.handling.tlp.rank() <= Tlp::Green.rank()
        && p.handling.classification == Classification::UNCLASSIFIED
    {
        return true;
    }
    let event = AuditEvent {
        at: ctx.clock.now_micros(),
        actor_user: Some(me.user.to_string()),
        actor_org: Some(me.org.to_string()),
        action: "product.read".to_owned(),
        subject: "notifications/email".into(),
        detail: json!({ "product": p.number.to_string() }).to_string(),
    };
    match ctx.auditor.record(event).await {
        Ok(_) => true,
        Err(e) => {
            tracing::error!(error = %e, "notifier: audit log write failed");
            false
        }
    }
}
