//! Feed rows (see `renkei_store::feeds`): written inside the ingest and delete transactions,
//! read by `/feeds`.

use deadpool_postgres::GenericClient;
use renkei_store::plan::PlannedRow;
use renkei_store::{
    FEED_REMOVING_SIGHTINGS, FeedCursor, FeedPrefilter, FeedPull, FeedRead, FeedRow, StoreResult,
    batch_removes_feed_rows, feed_entries_text, parse_feed_entries, withdrawn_json,
    withdrawn_record,
};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::db_err;
use crate::index::{INDEXED_COLUMNS, audiences, index_reads, indexed_from, prepared};

/// The feed rows of an ingest (see the SQLite backend's twin): demoted versions drop out,
/// new latest versions carrying feed values come in unless already reported false positive
/// or expired, removing sightings take their target out. `first` is the batch's
/// first `date_added`.
/// When rows removed now are stamped: after `floor`, after every earlier removal and after
/// every `date_added` stored so far (writers hold the ingest lock; see `FeedCursor::after`).
async fn removal_stamp(tx: &impl GenericClient, floor: i64) -> StoreResult<i64> {
    let row = tx
        .query_one(
            "SELECT (SELECT MAX(removed_at) FROM feed_rows WHERE removed_at IS NOT NULL), \
             (SELECT MAX(date_added) FROM records)",
            &[],
        )
        .await
        .map_err(db_err)?;
    let after = |t: Option<i64>| t.map_or(i64::MIN, |t| t.saturating_add(1));
    Ok(floor.max(after(row.get(0))).max(after(row.get(1))))
}

pub(crate) async fn add(
    tx: &impl GenericClient,
    inserts: &[PlannedRow<'_>],
    demoted: &[i64],
    first: i64,
) -> StoreResult<()> {
    let at = if batch_removes_feed_rows(inserts, demoted) {
        removal_stamp(tx, first).await?
    } else {
        first
    };
    if !demoted.is_empty() {
        tx.execute(
            "UPDATE feed_rows SET removed_at = $2 WHERE date_added = ANY($1) AND removed_at IS NULL",
            &[&demoted, &at],
        )
        .await
        .map_err(db_err)?;
    }
    let removing: Vec<String> = FEED_REMOVING_SIGHTINGS
        .iter()
        .map(|k| (*k).to_owned())
        .collect();
    let (mut sighted_keys, mut sighted_ids) = (Vec::new(), Vec::new());
    let (mut added, mut id_keys, mut ids, mut labels, mut valid, mut entries) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for row in inserts {
        let r = row.record;
        if let Some(s) = &r.terms.sighting
            && FEED_REMOVING_SIGHTINGS.contains(&s.kind.as_str())
        {
            sighted_keys.push(renkei_store::id_key(&s.of));
            sighted_ids.push(s.of.clone());
        }
        let Some(feed) = &r.terms.feed else { continue };
        if !row.latest {
            continue;
        }
        let Some(text) = feed_entries_text(&r.terms.observables) else {
            continue;
        };
        added.push(row.date_added);
        id_keys.push(r.id_key);
        ids.push(r.stix_id.clone());
        labels.push(feed.label.clone());
        valid.push(feed.valid_until);
        entries.push(text);
    }
    if !sighted_keys.is_empty() {
        tx.execute(
            "UPDATE feed_rows f SET removed_at = $3 FROM UNNEST($1::int8[], $2::text[]) AS q(k, id) \
             WHERE f.removed_at IS NULL \
             AND f.date_added IN (SELECT date_added FROM records WHERE id_key = q.k AND stix_id = q.id)",
            &[&sighted_keys, &sighted_ids, &at],
        )
        .await
        .map_err(db_err)?;
    }
    if !added.is_empty() {
        tx.execute(
            "INSERT INTO feed_rows (date_added, id_key, label, valid_until, entries) \
             SELECT q.d, q.k, q.l, q.v, q.e FROM UNNEST($1::int8[], $2::int8[], $3::text[], $4::int8[], $5::text[], $6::text[]) AS q(d, k, l, v, e, id) \
             WHERE NOT EXISTS (SELECT 1 FROM record_sightings s WHERE s.target_key = q.k AND s.target_id = q.id AND s.kind = ANY($7))",
            &[&added, &id_keys, &labels, &valid, &entries, &ids, &removing],
        )
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

/// The record row `date_added` as it is handled now, as `withdrawn_json`; `None` when it has
/// no active feed row (nothing to announce).
pub(crate) async fn record_as_handled(
    tx: &impl GenericClient,
    date_added: i64,
) -> StoreResult<Option<String>> {
    let stmt = prepared(
        tx,
        &format!(
            "SELECT {INDEXED_COLUMNS} FROM records r JOIN feed_rows f ON f.date_added = r.date_added \
             WHERE r.date_added = $1 AND f.removed_at IS NULL"
        ),
    )
    .await?;
    let rows = tx.query(&stmt, &[&date_added]).await.map_err(db_err)?;
    let refs: Vec<&Row> = rows.iter().collect();
    let audience = audiences(tx, &refs, 0).await?;
    match rows.first() {
        Some(x) => Ok(Some(withdrawn_json(&indexed_from(x, 0, &audience)?))),
        None => Ok(None),
    }
}

/// A record row re-keyed from `old` to `next` by a handling change: its feed row is copied to
/// `next` (decided under the new handling from then on), and the old one is taken out with the
/// record as it was handled (`withdrawn`), so that those who received it are told.
pub(crate) async fn rehandle(
    tx: &impl GenericClient,
    old: i64,
    next: i64,
    withdrawn: &Option<String>,
) -> StoreResult<()> {
    let Some(withdrawn) = withdrawn else {
        return Ok(());
    };
    tx.execute(
        "INSERT INTO feed_rows (date_added, id_key, label, valid_until, entries) \
         SELECT $2, id_key, label, valid_until, entries FROM feed_rows WHERE date_added = $1",
        &[&old, &next],
    )
    .await
    .map_err(db_err)?;
    let at = removal_stamp(tx, next).await?;
    tx.execute(
        "UPDATE feed_rows SET removed_at = $2, withdrawn = $3 WHERE date_added = $1 AND removed_at IS NULL",
        &[&old, &at, withdrawn],
    )
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Takes deleted record versions out of feeds.
pub(crate) async fn remove(tx: &impl GenericClient, deleted: &[i64], now: i64) -> StoreResult<()> {
    let at = removal_stamp(tx, now).await?;
    tx.execute(
        "UPDATE feed_rows SET removed_at = $2 WHERE date_added = ANY($1) AND removed_at IS NULL",
        &[&deleted, &at],
    )
    .await
    .map_err(db_err)?;
    Ok(())
}

/// The pre-filter on the record's handling (see `FeedPrefilter`); rows of live records also
/// need `r.deleted_at IS NULL` (removed rows may belong to deleted ones). Parameters $1–$4.
const PREFILTER: &str =
    "(r.uses & $1) <> 0 AND r.tlp <= $2 AND r.pap <= $3 AND r.classification = $4";

/// The pre-filter's parameters, as the columns' types.
fn prefilter() -> [i16; 4] {
    let p = FeedPrefilter::new();
    [p.uses_bit, p.max_tlp, p.max_pap, p.classification].map(|v| i16::try_from(v).unwrap_or(0))
}

fn select(filter: &str) -> String {
    format!(
        "SELECT f.label, f.valid_until, f.entries, {INDEXED_COLUMNS}, f.removed_at FROM feed_rows f \
         JOIN records r ON r.date_added = f.date_added WHERE {filter} AND {PREFILTER}"
    )
}

async fn rows_of(
    c: &impl GenericClient,
    sql: &str,
    extra: &[&(dyn ToSql + Sync)],
    removed: bool,
) -> StoreResult<Vec<FeedRow>> {
    let p = prefilter();
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&p[0], &p[1], &p[2], &p[3]];
    params.extend_from_slice(extra);
    let stmt = prepared(c, sql).await?;
    let rows: Vec<Row> = c.query(&stmt, &params).await.map_err(db_err)?;
    let refs: Vec<&Row> = rows.iter().collect();
    let audience = audiences(c, &refs, 3).await?;
    rows.iter()
        .map(|x| {
            Ok(FeedRow {
                label: x.get(0),
                valid_until: x.get(1),
                entries: parse_feed_entries(x.get::<_, &str>(2)),
                record: indexed_from(x, 3, &audience)?,
                removed,
                removed_at: x.get(3 + 14),
            })
        })
        .collect()
}

pub(crate) async fn read(
    c: &mut deadpool_postgres::Client,
    since: Option<FeedCursor>,
    now: i64,
) -> StoreResult<FeedRead> {
    // One snapshot for the cursor and the rows.
    let tx = c
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(db_err)?;
    if since.is_some() {
        // An incremental read touches a few rows through its indexes; right after a bulk
        // import, before the tables are analysed, the planner would scan them instead.
        tx.batch_execute("SET LOCAL enable_seqscan = off")
            .await
            .map_err(db_err)?;
    }
    let row = tx
        .query_one(
            "SELECT (SELECT MAX(date_added) FROM feed_rows), (SELECT MAX(removed_at) FROM feed_rows WHERE removed_at IS NOT NULL)",
            &[],
        )
        .await
        .map_err(db_err)?;
    let floor = since.unwrap_or_default();
    let cursor = FeedCursor {
        added: row.get::<_, Option<i64>>(0).unwrap_or(0).max(floor.added),
        removed: row.get::<_, Option<i64>>(1).unwrap_or(0).max(floor.removed),
        at: now,
    };
    let live = "r.deleted_at IS NULL AND f.removed_at IS NULL AND (f.valid_until IS NULL OR f.valid_until > $5)";
    let rows = match since {
        None => {
            rows_of(
                &tx,
                &format!("{} ORDER BY f.date_added", select(live)),
                &[&now],
                false,
            )
            .await?
        }
        Some(since) => {
            let mut rows = rows_of(
                &tx,
                &format!(
                    "{} ORDER BY f.date_added",
                    select(&format!("{live} AND f.date_added > $6"))
                ),
                &[&now, &since.added],
                false,
            )
            .await?;
            // Taken out by a change of handling: decided on the handling they had.
            for x in tx
                .query(
                    "SELECT label, valid_until, entries, withdrawn, removed_at FROM feed_rows \
                     WHERE withdrawn IS NOT NULL AND removed_at > $2 AND date_added <= $1",
                    &[&since.added, &since.removed],
                )
                .await
                .map_err(db_err)?
            {
                let Some(record) = withdrawn_record(x.get::<_, &str>(3))
                    .filter(|r| FeedPrefilter::new().admits(&r.handling))
                else {
                    continue;
                };
                rows.push(FeedRow {
                    label: x.get(0),
                    valid_until: x.get(1),
                    entries: parse_feed_entries(x.get::<_, &str>(2)),
                    record,
                    removed: true,
                    removed_at: x.get(4),
                });
            }
            rows.extend(
                rows_of(
                    &tx,
                    &format!(
                        "{} UNION ALL {}",
                        select("f.removed_at > $7 AND f.date_added <= $6 AND $5::int8 IS NOT NULL AND $8::int8 IS NOT NULL"),
                        select(
                            "f.valid_until > $8 AND f.valid_until <= $5 AND f.date_added <= $6 AND f.removed_at IS NULL AND $7::int8 IS NOT NULL"
                        )
                    ),
                    &[&now, &since.added, &since.removed, &since.at],
                    true,
                )
                .await?,
            );
            rows
        }
    };
    tx.commit().await.map_err(db_err)?;
    Ok(FeedRead { rows, cursor })
}

/// The cursor of a full read, and where to split its rows in two halves.
pub(crate) async fn full_plan(
    c: &impl GenericClient,
    now: i64,
) -> StoreResult<(FeedCursor, Option<i64>)> {
    let row = c
        .query_one(
            "SELECT (SELECT MAX(date_added) FROM feed_rows), \
             (SELECT MAX(removed_at) FROM feed_rows WHERE removed_at IS NOT NULL), \
             (SELECT date_added FROM feed_rows ORDER BY date_added \
                OFFSET (SELECT COUNT(*) / 2 FROM feed_rows) LIMIT 1)",
            &[],
        )
        .await
        .map_err(db_err)?;
    let cursor = FeedCursor {
        added: row.get::<_, Option<i64>>(0).unwrap_or(0),
        removed: row.get::<_, Option<i64>>(1).unwrap_or(0),
        at: now,
    };
    Ok((cursor, row.get(2)))
}

/// The active rows whose `date_added` is in `lo..=hi`.
pub(crate) async fn read_active(
    c: &impl GenericClient,
    lo: i64,
    hi: i64,
    now: i64,
) -> StoreResult<Vec<FeedRow>> {
    rows_of(
        c,
        &format!(
            "{} ORDER BY f.date_added",
            select(
                "f.date_added BETWEEN $6 AND $7 AND r.deleted_at IS NULL AND f.removed_at IS NULL \
                 AND (f.valid_until IS NULL OR f.valid_until > $5)"
            )
        ),
        &[&now, &lo, &hi],
        false,
    )
    .await
}

pub(crate) async fn carrying(
    client: &mut deadpool_postgres::Client,
    keys: &[i64],
    now: i64,
) -> StoreResult<Vec<FeedRow>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let tx = index_reads(client).await?;
    let rows = rows_of(
        &tx,
        &select(
            "f.date_added IN (SELECT o.date_added FROM records o WHERE o.id_key IN \
                 (SELECT id_key FROM record_observables WHERE value_key = ANY($5))) \
             AND r.deleted_at IS NULL AND f.removed_at IS NULL AND (f.valid_until IS NULL OR f.valid_until > $6)",
        ),
        &[&keys, &now],
        false,
    )
    .await?;
    drop(tx); // read-only: rolled back without waiting (`index_reads`)
    Ok(rows)
}

pub(crate) async fn note_pull(c: &impl GenericClient, pull: &FeedPull) -> StoreResult<()> {
    c.execute(
        "INSERT INTO feed_pulls (token_id, user_id, org_id, format, at, entries, full_pull) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &pull.token.map(|t| t.to_string()),
            &pull.user.to_string(),
            &pull.org.to_string(),
            &pull.format,
            &pull.at,
            &i64::try_from(pull.entries).unwrap_or(i64::MAX),
            &pull.full,
        ],
    )
    .await
    .map_err(db_err)?;
    Ok(())
}
