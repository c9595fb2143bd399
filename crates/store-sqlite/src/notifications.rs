//! Notifications on SQLite: subscriptions, the notifier's cursor, inboxes, e-mail addresses
//! (see `renkei_store::notifications`).

use renkei_model::handling::Sector;
use renkei_model::ids::UserId;
use renkei_model::stix::Timestamp;
use renkei_store::{
    AddedRecord, Channels, Criteria, NewNotification, NewSubscription, Notification,
    NotificationCursor, NotificationQuery, RecordRef, StoreError, StoreResult, Subscription,
    WatchedValue,
};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::db_err;
use crate::index::{INDEXED_COLUMNS, indexed_from};
use crate::records::conv;

pub(crate) fn user_email(c: &Connection, user: UserId) -> rusqlite::Result<Option<String>> {
    c.query_row(
        "SELECT email FROM users WHERE id = ?1",
        [user.to_string()],
        |r| r.get::<_, Option<String>>(0),
    )
    .optional()
    .map(Option::flatten)
}

pub(crate) fn set_user_email(c: &Connection, user: UserId, email: Option<&str>) -> StoreResult<()> {
    let n = c
        .execute(
            "UPDATE users SET email = ?2 WHERE id = ?1",
            params![user.to_string(), email],
        )
        .map_err(db_err)?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("no user with id {user}")));
    }
    Ok(())
}

fn json_list<T: AsRef<str>>(items: &[T]) -> String {
    serde_json::Value::from(items.iter().map(AsRef::as_ref).collect::<Vec<_>>()).to_string()
}

fn names(text: &str) -> rusqlite::Result<Vec<String>> {
    serde_json::from_str(text).map_err(conv)
}

pub(crate) fn add_subscription(
    tx: &Transaction<'_>,
    s: &NewSubscription,
) -> StoreResult<Subscription> {
    let c = &s.criteria;
    let sectors: Vec<&str> = c.sectors.iter().map(Sector::as_str).collect();
    tx.execute(
        "INSERT INTO notification_subscriptions (user_id, name, sectors, types, watched, channels, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            s.user.to_string(),
            s.name,
            json_list(&sectors),
            json_list(&c.types),
            c.values.len() as i64,
            s.channels.bits(),
            s.created_at
        ],
    )
    .map_err(db_err)?;
    let id = tx.last_insert_rowid();
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO subscription_values (subscription_id, value_key, kind, value) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT DO NOTHING",
        )
        .map_err(db_err)?;
    for v in &c.values {
        insert
            .execute(params![id, v.key, v.kind, v.value])
            .map_err(db_err)?;
    }
    Ok(Subscription {
        id,
        user: s.user,
        name: s.name.clone(),
        criteria: c.clone(),
        watched: c.values.len() as u64,
        channels: s.channels,
        created_at: s.created_at,
    })
}

const SUBSCRIPTION_COLUMNS: &str =
    "id, user_id, name, sectors, types, watched, channels, created_at";

fn subscription_from(r: &Row<'_>) -> rusqlite::Result<Subscription> {
    let sectors = names(&r.get::<_, String>(3)?)?
        .iter()
        .map(|s| Sector::new(s).map_err(conv))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Subscription {
        id: r.get(0)?,
        user: r.get::<_, String>(1)?.parse().map_err(conv)?,
        name: r.get(2)?,
        criteria: Criteria {
            sectors,
            types: names(&r.get::<_, String>(4)?)?,
            values: Vec::new(),
        },
        watched: r.get::<_, i64>(5)?.max(0) as u64,
        channels: Channels::from_bits(r.get(6)?),
        created_at: r.get(7)?,
    })
}

fn values_of(c: &Connection, id: i64) -> rusqlite::Result<Vec<WatchedValue>> {
    c.prepare_cached(
        "SELECT kind, value, value_key FROM subscription_values WHERE subscription_id = ?1 \
         ORDER BY kind, value",
    )?
    .query_map([id], |r| {
        Ok(WatchedValue {
            kind: r.get(0)?,
            value: r.get(1)?,
            key: r.get(2)?,
        })
    })?
    .collect()
}

pub(crate) fn subscriptions(c: &Connection, user: UserId) -> rusqlite::Result<Vec<Subscription>> {
    let mut out: Vec<Subscription> = c
        .prepare_cached(&format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM notification_subscriptions WHERE user_id = ?1 ORDER BY id"
        ))?
        .query_map([user.to_string()], subscription_from)?
        .collect::<rusqlite::Result<_>>()?;
    for s in &mut out {
        s.criteria.values = values_of(c, s.id)?;
    }
    Ok(out)
}

pub(crate) fn delete_subscription(
    tx: &Transaction<'_>,
    user: UserId,
    id: i64,
) -> rusqlite::Result<bool> {
    let n = tx.execute(
        "DELETE FROM notification_subscriptions WHERE id = ?1 AND user_id = ?2",
        params![id, user.to_string()],
    )?;
    if n > 0 {
        tx.execute(
            "DELETE FROM subscription_values WHERE subscription_id = ?1",
            [id],
        )?;
    }
    Ok(n > 0)
}

pub(crate) fn matching(c: &Connection, keys: &[i64]) -> rusqlite::Result<Vec<Subscription>> {
    let mut found: std::collections::BTreeMap<i64, Subscription> = c
        .prepare_cached(&format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM notification_subscriptions WHERE watched = 0"
        ))?
        .query_map([], subscription_from)?
        .map(|s| s.map(|s| (s.id, s)))
        .collect::<rusqlite::Result<_>>()?;
    let mut hits = c.prepare_cached(
        "SELECT subscription_id, kind, value FROM subscription_values WHERE value_key = ?1",
    )?;
    let mut one = c.prepare_cached(&format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM notification_subscriptions WHERE id = ?1"
    ))?;
    for &key in keys {
        let rows: Vec<(i64, String, String)> = hits
            .query_map([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, kind, value) in rows {
            if let std::collections::btree_map::Entry::Vacant(e) = found.entry(id) {
                let Some(s) = one.query_row([id], subscription_from).optional()? else {
                    continue;
                };
                e.insert(s);
            }
            if let Some(s) = found.get_mut(&id) {
                s.criteria.values.push(WatchedValue { kind, value, key });
            }
        }
    }
    Ok(found.into_values().collect())
}

pub(crate) fn cursor(tx: &Transaction<'_>) -> rusqlite::Result<NotificationCursor> {
    let newest: i64 = tx.query_row(
        "SELECT COALESCE(MAX(date_added), 0) FROM records",
        [],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO notification_cursor (id, done) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING",
        [newest],
    )?;
    let done: i64 = tx.query_row(
        "SELECT done FROM notification_cursor WHERE id = 1",
        [],
        |r| r.get(0),
    )?;
    let subscriptions: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM notification_subscriptions)",
        [],
        |r| r.get(0),
    )?;
    Ok(NotificationCursor {
        done,
        newest: newest.max(done),
        subscriptions,
    })
}

pub(crate) fn advance(c: &Connection, from: i64, to: i64) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "UPDATE notification_cursor SET done = ?2 WHERE id = 1 AND done = ?1",
        params![from, to],
    )? == 1)
}

pub(crate) fn added_after(
    c: &Connection,
    after: i64,
    limit: usize,
) -> rusqlite::Result<Vec<AddedRecord>> {
    c.prepare_cached(&format!(
        "SELECT r.body, {INDEXED_COLUMNS} FROM records r \
         WHERE r.date_added > ?1 AND r.deleted_at IS NULL ORDER BY r.date_added LIMIT ?2"
    ))?
    .query_map(params![after, limit as i64], |x| {
        Ok(AddedRecord {
            body: x.get(0)?,
            record: indexed_from(c, x, 1)?,
        })
    })?
    .collect()
}

pub(crate) fn add_notification(
    tx: &Transaction<'_>,
    n: &NewNotification,
) -> rusqlite::Result<Option<Notification>> {
    let user = n.user.to_string();
    let inserted = tx.execute(
        "INSERT INTO notifications (user_id, created_at, kind, title, product_id) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        params![
            user,
            n.created_at,
            n.kind,
            n.title,
            n.product.map(|p| p.to_string())
        ],
    )?;
    if inserted == 0 {
        return Ok(None); // told of this product before
    }
    let id = tx.last_insert_rowid();
    let mut insert = tx.prepare_cached(
        "INSERT INTO notification_records (user_id, stix_id, version, notification_id) \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    )?;
    let mut records = Vec::new();
    for r in &n.records {
        if insert.execute(params![user, r.stix_id, r.version.to_stix(), id])? == 1 {
            records.push(r.clone());
        }
    }
    if records.is_empty() && n.product.is_none() {
        tx.execute("DELETE FROM notifications WHERE id = ?1", [id])?;
        return Ok(None);
    }
    records.sort();
    Ok(Some(Notification {
        id,
        user: n.user,
        created_at: n.created_at,
        kind: n.kind.clone(),
        title: n.title.clone(),
        records,
        product: n.product,
        read_at: None,
    }))
}

pub(crate) fn notifications(
    c: &Connection,
    user: UserId,
    q: &NotificationQuery,
) -> rusqlite::Result<Vec<Notification>> {
    let mut out: Vec<Notification> = c
        .prepare_cached(
            "SELECT id, created_at, kind, title, read_at, product_id FROM notifications \
             WHERE user_id = ?1 AND id < ?2 AND (?3 = 0 OR read_at IS NULL) ORDER BY id DESC LIMIT ?4",
        )?
        .query_map(
            params![
                user.to_string(),
                q.before.unwrap_or(i64::MAX),
                q.unread_only,
                q.limit.saturating_add(1) as i64
            ],
            |r| {
                Ok(Notification {
                    id: r.get(0)?,
                    user,
                    created_at: r.get(1)?,
                    kind: r.get(2)?,
                    title: r.get(3)?,
                    records: Vec::new(),
                    product: r.get::<_, Option<String>>(5)?.map(crate::accounts::parse).transpose()?,
                    read_at: r.get(4)?,
                })
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    let mut refs = c.prepare_cached(
        "SELECT stix_id, version FROM notification_records WHERE notification_id = ?1 \
         ORDER BY stix_id, version",
    )?;
    for n in &mut out {
        n.records = refs
            .query_map([n.id], |r| {
                Ok(RecordRef {
                    stix_id: r.get(0)?,
                    version: Timestamp::parse(&r.get::<_, String>(1)?).map_err(conv)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(out)
}

pub(crate) fn unread(c: &Connection, user: UserId) -> rusqlite::Result<u64> {
    c.query_row(
        "SELECT COUNT(*) FROM notifications WHERE user_id = ?1 AND read_at IS NULL",
        [user.to_string()],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n.max(0) as u64)
}

pub(crate) fn mark_read(c: &Connection, user: UserId, id: i64, at: i64) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "UPDATE notifications SET read_at = COALESCE(read_at, ?3) WHERE id = ?1 AND user_id = ?2",
        params![id, user.to_string(), at],
    )? == 1)
}
