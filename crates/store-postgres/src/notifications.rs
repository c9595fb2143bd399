//! Notifications on PostgreSQL: subscriptions, the notifier's cursor, inboxes, e-mail
//! addresses, with the same semantics as the SQLite store (see
//! `renkei_store::notifications`).

use std::collections::BTreeMap;

use deadpool_postgres::GenericClient;
use renkei_model::handling::Sector;
use renkei_model::ids::UserId;
use renkei_model::stix::Timestamp;
use renkei_store::{
    AddedRecord, Channels, Criteria, NewNotification, NewSubscription, Notification,
    NotificationCursor, NotificationQuery, RecordRef, StoreError, StoreResult, Subscription,
    WatchedValue,
};
use tokio_postgres::Row;

use crate::index::{INDEXED_COLUMNS, audiences, indexed_from, prepared};
use crate::{db_err, parse};

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) async fn user_email(
    c: &impl GenericClient,
    user: UserId,
) -> StoreResult<Option<String>> {
    let stmt = prepared(c, "SELECT email FROM users WHERE id = $1").await?;
    Ok(c.query_opt(&stmt, &[&user.to_string()])
        .await
        .map_err(db_err)?
        .and_then(|r| r.get::<_, Option<String>>(0)))
}

pub(crate) async fn set_user_email(
    c: &impl GenericClient,
    user: UserId,
    email: Option<&str>,
) -> StoreResult<()> {
    let stmt = prepared(c, "UPDATE users SET email = $2 WHERE id = $1").await?;
    let n = c
        .execute(&stmt, &[&user.to_string(), &email])
        .await
        .map_err(db_err)?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("no user with id {user}")));
    }
    Ok(())
}

pub(crate) async fn add_subscription(
    c: &impl GenericClient,
    s: &NewSubscription,
) -> StoreResult<Subscription> {
    let cr = &s.criteria;
    let sectors: Vec<&str> = cr.sectors.iter().map(Sector::as_str).collect();
    let channels = i16::try_from(s.channels.bits()).unwrap_or(0);
    let stmt = prepared(
        c,
        "INSERT INTO notification_subscriptions (user_id, name, sectors, types, watched, channels, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .await?;
    let id: i64 = c
        .query_one(
            &stmt,
            &[
                &s.user.to_string(),
                &s.name,
                &sectors,
                &cr.types,
                &count(cr.values.len()),
                &channels,
                &s.created_at,
            ],
        )
        .await
        .map_err(db_err)?
        .get(0);
    let keys: Vec<i64> = cr.values.iter().map(|v| v.key).collect();
    let kinds: Vec<&str> = cr.values.iter().map(|v| v.kind.as_str()).collect();
    let values: Vec<&str> = cr.values.iter().map(|v| v.value.as_str()).collect();
    let stmt = prepared(
        c,
        "INSERT INTO subscription_values (subscription_id, value_key, kind, value) \
         SELECT $1, k, t, v FROM UNNEST($2::int8[], $3::text[], $4::text[]) AS x(k, t, v) \
         ON CONFLICT DO NOTHING",
    )
    .await?;
    c.execute(&stmt, &[&id, &keys, &kinds, &values])
        .await
        .map_err(db_err)?;
    Ok(Subscription {
        id,
        user: s.user,
        name: s.name.clone(),
        criteria: cr.clone(),
        watched: cr.values.len() as u64,
        channels: s.channels,
        created_at: s.created_at,
    })
}

const SUBSCRIPTION_COLUMNS: &str =
    "s.id, s.user_id, s.name, s.sectors, s.types, s.watched, s.channels, s.created_at";

fn subscription_from(r: &Row) -> StoreResult<Subscription> {
    Ok(Subscription {
        id: r.get(0),
        user: parse(r.get::<_, &str>(1))?,
        name: r.get(2),
        criteria: Criteria {
            sectors: r
                .get::<_, Vec<&str>>(3)
                .into_iter()
                .map(parse::<Sector>)
                .collect::<StoreResult<_>>()?,
            types: r.get(4),
            values: Vec::new(),
        },
        watched: r.get::<_, i64>(5).max(0) as u64,
        channels: Channels::from_bits(i64::from(r.get::<_, i16>(6))),
        created_at: r.get(7),
    })
}

pub(crate) async fn subscriptions(
    c: &impl GenericClient,
    user: UserId,
) -> StoreResult<Vec<Subscription>> {
    let stmt = prepared(
        c,
        &format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM notification_subscriptions s WHERE s.user_id = $1 ORDER BY s.id"
        ),
    )
    .await?;
    let mut out: Vec<Subscription> = c
        .query(&stmt, &[&user.to_string()])
        .await
        .map_err(db_err)?
        .iter()
        .map(subscription_from)
        .collect::<StoreResult<_>>()?;
    let ids: Vec<i64> = out.iter().map(|s| s.id).collect();
    let stmt = prepared(
        c,
        "SELECT subscription_id, kind, value, value_key FROM subscription_values \
         WHERE subscription_id = ANY($1) ORDER BY subscription_id, kind, value",
    )
    .await?;
    let mut values: BTreeMap<i64, Vec<WatchedValue>> = BTreeMap::new();
    for r in c.query(&stmt, &[&ids]).await.map_err(db_err)? {
        values.entry(r.get(0)).or_default().push(WatchedValue {
            kind: r.get(1),
            value: r.get(2),
            key: r.get(3),
        });
    }
    for s in &mut out {
        s.criteria.values = values.remove(&s.id).unwrap_or_default();
    }
    Ok(out)
}

pub(crate) async fn delete_subscription(
    c: &impl GenericClient,
    user: UserId,
    id: i64,
) -> StoreResult<bool> {
    // Its values go with it (ON DELETE CASCADE).
    let stmt = prepared(
        c,
        "DELETE FROM notification_subscriptions WHERE id = $1 AND user_id = $2",
    )
    .await?;
    Ok(c.execute(&stmt, &[&id, &user.to_string()])
        .await
        .map_err(db_err)?
        > 0)
}

pub(crate) async fn matching(
    c: &impl GenericClient,
    keys: &[i64],
) -> StoreResult<Vec<Subscription>> {
    let stmt = prepared(
        c,
        &format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM notification_subscriptions s WHERE s.watched = 0 \
             OR s.id IN (SELECT subscription_id FROM subscription_values WHERE value_key = ANY($1))"
        ),
    )
    .await?;
    let mut found: BTreeMap<i64, Subscription> = BTreeMap::new();
    for r in c.query(&stmt, &[&keys]).await.map_err(db_err)? {
        let s = subscription_from(&r)?;
        found.insert(s.id, s);
    }
    let stmt = prepared(
        c,
        "SELECT subscription_id, kind, value, value_key FROM subscription_values \
         WHERE value_key = ANY($1) ORDER BY subscription_id, kind, value",
    )
    .await?;
    for r in c.query(&stmt, &[&keys]).await.map_err(db_err)? {
        if let Some(s) = found.get_mut(&r.get::<_, i64>(0)) {
            s.criteria.values.push(WatchedValue {
                kind: r.get(1),
                value: r.get(2),
                key: r.get(3),
            });
        }
    }
    Ok(found.into_values().collect())
}

pub(crate) async fn cursor(c: &impl GenericClient) -> StoreResult<NotificationCursor> {
    let stmt = prepared(c, "SELECT COALESCE(MAX(date_added), 0) FROM records").await?;
    let newest: i64 = c.query_one(&stmt, &[]).await.map_err(db_err)?.get(0);
    let stmt = prepared(
        c,
        "INSERT INTO notification_cursor (id, done) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
    )
    .await?;
    c.execute(&stmt, &[&newest]).await.map_err(db_err)?;
    let stmt = prepared(
        c,
        "SELECT done, EXISTS (SELECT 1 FROM notification_subscriptions) FROM notification_cursor WHERE id = 1",
    )
    .await?;
    let row = c.query_one(&stmt, &[]).await.map_err(db_err)?;
    let done: i64 = row.get(0);
    Ok(NotificationCursor {
        done,
        newest: newest.max(done),
        subscriptions: row.get(1),
    })
}

pub(crate) async fn advance(c: &impl GenericClient, from: i64, to: i64) -> StoreResult<bool> {
    let stmt = prepared(
        c,
        "UPDATE notification_cursor SET done = $2 WHERE id = 1 AND done = $1",
    )
    .await?;
    Ok(c.execute(&stmt, &[&from, &to]).await.map_err(db_err)? == 1)
}

pub(crate) async fn added_after(
    c: &impl GenericClient,
    after: i64,
    limit: usize,
) -> StoreResult<Vec<AddedRecord>> {
    let stmt = prepared(
        c,
        &format!(
            "SELECT r.body, {INDEXED_COLUMNS} FROM records r \
             WHERE r.date_added > $1 AND r.deleted_at IS NULL ORDER BY r.date_added LIMIT $2"
        ),
    )
    .await?;
    let rows = c
        .query(&stmt, &[&after, &count(limit)])
        .await
        .map_err(db_err)?;
    let audience = audiences(c, &rows.iter().collect::<Vec<_>>(), 1).await?;
    rows.iter()
        .map(|x| {
            Ok(AddedRecord {
                body: x.get(0),
                record: indexed_from(x, 1, &audience)?,
            })
        })
        .collect()
}

pub(crate) async fn add_notification(
    c: &impl GenericClient,
    n: &NewNotification,
) -> StoreResult<Option<Notification>> {
    let user = n.user.to_string();
    let stmt = prepared(
        c,
        "INSERT INTO notifications (user_id, created_at, kind, title, product_id) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id",
    )
    .await?;
    let product = n.product.map(|p| p.to_string());
    let Some(row) = c
        .query_opt(&stmt, &[&user, &n.created_at, &n.kind, &n.title, &product])
        .await
        .map_err(db_err)?
    else {
        return Ok(None); // told of this product before
    };
    let id: i64 = row.get(0);
    let ids: Vec<&str> = n.records.iter().map(|r| r.stix_id.as_str()).collect();
    let versions: Vec<String> = n.records.iter().map(|r| r.version.to_stix()).collect();
    let stmt = prepared(
        c,
        "INSERT INTO notification_records (user_id, stix_id, version, notification_id) \
         SELECT $1, i, v, $4 FROM UNNEST($2::text[], $3::text[]) AS x(i, v) \
         ON CONFLICT DO NOTHING RETURNING stix_id, version",
    )
    .await?;
    let mut records = Vec::new();
    for r in c
        .query(&stmt, &[&user, &ids, &versions, &id])
        .await
        .map_err(db_err)?
    {
        records.push(record_ref(&r)?);
    }
    if records.is_empty() && n.product.is_none() {
        let stmt = prepared(c, "DELETE FROM notifications WHERE id = $1").await?;
        c.execute(&stmt, &[&id]).await.map_err(db_err)?;
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

fn record_ref(r: &Row) -> StoreResult<RecordRef> {
    Ok(RecordRef {
        stix_id: r.get(0),
        version: Timestamp::parse(r.get::<_, &str>(1))
            .map_err(|e| StoreError::Invalid(e.to_string()))?,
    })
}

pub(crate) async fn notifications(
    c: &impl GenericClient,
    user: UserId,
    q: &NotificationQuery,
) -> StoreResult<Vec<Notification>> {
    let stmt = prepared(
        c,
        "SELECT id, created_at, kind, title, read_at, product_id FROM notifications \
         WHERE user_id = $1 AND id < $2 AND (NOT $3 OR read_at IS NULL) ORDER BY id DESC LIMIT $4",
    )
    .await?;
    let mut out: Vec<Notification> = c
        .query(
            &stmt,
            &[
                &user.to_string(),
                &q.before.unwrap_or(i64::MAX),
                &q.unread_only,
                &count(q.limit.saturating_add(1)),
            ],
        )
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| {
            Ok(Notification {
                id: r.get(0),
                user,
                created_at: r.get(1),
                kind: r.get(2),
                title: r.get(3),
                records: Vec::new(),
                product: r.get::<_, Option<&str>>(5).map(parse).transpose()?,
                read_at: r.get(4),
            })
        })
        .collect::<StoreResult<_>>()?;
    let ids: Vec<i64> = out.iter().map(|n| n.id).collect();
    let stmt = prepared(
        c,
        "SELECT stix_id, version, notification_id FROM notification_records \
         WHERE notification_id = ANY($1) ORDER BY stix_id, version",
    )
    .await?;
    let mut refs: BTreeMap<i64, Vec<RecordRef>> = BTreeMap::new();
    for r in c.query(&stmt, &[&ids]).await.map_err(db_err)? {
        refs.entry(r.get(2)).or_default().push(record_ref(&r)?);
    }
    for n in &mut out {
        n.records = refs.remove(&n.id).unwrap_or_default();
    }
    Ok(out)
}

pub(crate) async fn unread(c: &impl GenericClient, user: UserId) -> StoreResult<u64> {
    let stmt = prepared(
        c,
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
    )
    .await?;
    Ok(c.query_one(&stmt, &[&user.to_string()])
        .await
        .map_err(db_err)?
        .get::<_, i64>(0)
        .max(0) as u64)
}

pub(crate) async fn mark_read(
    c: &impl GenericClient,
    user: UserId,
    id: i64,
    at: i64,
) -> StoreResult<bool> {
    let stmt = prepared(
        c,
        "UPDATE notifications SET read_at = COALESCE(read_at, $3) WHERE id = $1 AND user_id = $2",
    )
    .await?;
    Ok(c.execute(&stmt, &[&id, &user.to_string(), &at])
        .await
        .map_err(db_err)?
        == 1)
}
