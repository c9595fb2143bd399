//! Feed rows (see `renkei_store::feeds`): written inside the ingest and delete transactions,
//! read by `/feeds`.

use renkei_store::plan::PlannedRow;
use renkei_store::{
    FEED_REMOVING_SIGHTINGS, FeedCursor, FeedPrefilter, FeedPull, FeedRead, FeedRow,
    batch_removes_feed_rows, feed_entries_text, parse_feed_entries, withdrawn_json,
    withdrawn_record,
};
use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};

use crate::index::{INDEXED_COLUMNS, indexed_from};

/// When rows removed now are stamped: after `floor`, after every earlier removal and after
/// every `date_added` stored so far, so removal stamps only grow and a removal always comes
/// after the rows a reader has been given (see `FeedCursor::after`).
fn removal_stamp(tx: &Transaction<'_>, floor: i64) -> rusqlite::Result<i64> {
    let (removed, added): (Option<i64>, Option<i64>) = tx.query_row(
        "SELECT (SELECT MAX(removed_at) FROM feed_rows WHERE removed_at IS NOT NULL), \
         (SELECT MAX(date_added) FROM records)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let after = |t: Option<i64>| t.map_or(i64::MIN, |t| t.saturating_add(1));
    Ok(floor.max(after(removed)).max(after(added)))
}

/// The feed rows of an ingest: rows of demoted versions drop out, new latest versions that
/// carry feed values come in (unless already reported false positive or expired), and
/// removing sightings take their target out. `first` is the batch's first `date_added`.
pub(crate) fn add(
    tx: &Transaction<'_>,
    inserts: &[PlannedRow<'_>],
    demoted: &[i64],
    first: i64,
) -> rusqlite::Result<()> {
    let at = if batch_removes_feed_rows(inserts, demoted) {
        removal_stamp(tx, first)?
    } else {
        first
    };
    let mut remove = tx.prepare_cached(
        "UPDATE feed_rows SET removed_at = ?2 WHERE date_added = ?1 AND removed_at IS NULL",
    )?;
    for d in demoted {
        remove.execute(params![d, at])?;
    }
    let reported = reported_gone(tx, inserts)?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO feed_rows (date_added, id_key, label, valid_until, entries) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut sighted = tx.prepare_cached(
        "UPDATE feed_rows SET removed_at = ?3 WHERE removed_at IS NULL \
         AND date_added IN (SELECT date_added FROM records WHERE id_key = ?1 AND stix_id = ?2)",
    )?;
    for row in inserts {
        let r = row.record;
        if let Some(s) = &r.terms.sighting
            && FEED_REMOVING_SIGHTINGS.contains(&s.kind.as_str())
        {
            sighted.execute(params![renkei_store::id_key(&s.of), s.of, at])?;
        }
        let Some(feed) = &r.terms.feed else { continue };
        if !row.latest {
            continue;
        }
        let Some(entries) = feed_entries_text(&r.terms.observables) else {
            continue;
        };
        if reported.contains(&(r.id_key, r.stix_id.as_str())) {
            continue;
        }
        insert.execute(params![
            row.date_added,
            r.id_key,
            feed.label,
            feed.valid_until,
            entries
        ])?;
    }
    Ok(())
}

/// The objects of the batch's new latest versions (as `(id_key, stix_id)`) that a sighting
/// already reported false positive or expired, looked up 500 at a time.
fn reported_gone<'a>(
    tx: &Transaction<'_>,
    inserts: &'a [PlannedRow<'_>],
) -> rusqlite::Result<HashSet<(i64, &'a str)>> {
    let mut keys: Vec<i64> = inserts
        .iter()
        .filter(|row| row.latest && row.record.terms.feed.is_some())
        .map(|row| row.record.id_key)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut found: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in keys.chunks(500) {
        let phs: Vec<String> = (1..=chunk.len()).map(|i| format!("?{i}")).collect();
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT target_key, target_id FROM record_sightings WHERE target_key IN ({}) AND kind IN ({})",
            phs.join(","),
            removing_kinds()
        ))?;
        let rows = stmt.query_map(params_from_iter(chunk), |x| {
            Ok((x.get::<_, i64>(0)?, x.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (key, id) = row?;
            found.entry(key).or_default().push(id);
        }
    }
    if found.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(inserts
        .iter()
        .map(|row| (row.record.id_key, row.record.stix_id.as_str()))
        .filter(|(key, id)| {
            found
                .get(key)
                .is_some_and(|ids| ids.iter().any(|i| i == id))
        })
        .collect())
}

fn removing_kinds() -> String {
    FEED_REMOVING_SIGHTINGS
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The record row `date_added` as it is handled now, as `withdrawn_json`; `None` when it has
/// no active feed row (nothing to announce).
pub(crate) fn record_as_handled(
    tx: &Transaction<'_>,
    date_added: i64,
) -> rusqlite::Result<Option<String>> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {INDEXED_COLUMNS} FROM records r JOIN feed_rows f ON f.date_added = r.date_added \
         WHERE r.date_added = ?1 AND f.removed_at IS NULL"
    ))?;
    let mut q = stmt.query([date_added])?;
    match q.next()? {
        Some(x) => Ok(Some(withdrawn_json(&indexed_from(tx, x, 0)?))),
        None => Ok(None),
    }
}

/// A record row re-keyed from `old` to `next` by a handling change: its feed row is copied to
/// `next` (decided under the new handling from then on), and the old one is taken out with the
/// record as it was handled (`withdrawn`), so that those who received it are told.
pub(crate) fn rehandle(
    tx: &Transaction<'_>,
    old: i64,
    next: i64,
    withdrawn: &Option<String>,
) -> rusqlite::Result<()> {
    let Some(withdrawn) = withdrawn else {
        return Ok(());
    };
    tx.prepare_cached(
        "INSERT INTO feed_rows (date_added, id_key, label, valid_until, entries) \
         SELECT ?2, id_key, label, valid_until, entries FROM feed_rows WHERE date_added = ?1",
    )?
    .execute(params![old, next])?;
    let at = removal_stamp(tx, next)?;
    tx.prepare_cached(
        "UPDATE feed_rows SET removed_at = ?2, withdrawn = ?3 WHERE date_added = ?1 AND removed_at IS NULL",
    )?
    .execute(params![old, at, withdrawn])?;
    Ok(())
}

/// Takes deleted record versions out of feeds.
pub(crate) fn remove(tx: &Transaction<'_>, deleted: &[i64], now: i64) -> rusqlite::Result<()> {
    let at = removal_stamp(tx, now)?;
    let mut remove = tx.prepare_cached(
        "UPDATE feed_rows SET removed_at = ?2 WHERE date_added = ?1 AND removed_at IS NULL",
    )?;
    for d in deleted {
        remove.execute(params![d, at])?;
    }
    Ok(())
}

/// The columns read for a feed row, `f` being `feed_rows` and `r` `records`.
fn columns() -> String {
    format!("f.label, f.valid_until, f.entries, {INDEXED_COLUMNS}, f.removed_at")
}

/// The pre-filter on the record's handling (see `FeedPrefilter`); rows of live records also
/// need `r.deleted_at IS NULL` (removed rows may belong to deleted ones). Parameters ?1–?4.
const PREFILTER: &str =
    "(r.uses & ?1) != 0 AND r.tlp <= ?2 AND r.pap <= ?3 AND r.classification = ?4";

/// Where `f.removed_at` is, after the record's columns.
const AFTER_INDEXED: usize = 3 + 14;

fn row_from(conn: &Connection, x: &rusqlite::Row<'_>, removed: bool) -> rusqlite::Result<FeedRow> {
    Ok(FeedRow {
        label: x.get(0)?,
        valid_until: x.get(1)?,
        entries: parse_feed_entries(x.get_ref(2)?.as_str()?),
        record: indexed_from(conn, x, 3)?,
        removed,
        removed_at: x.get(AFTER_INDEXED)?,
    })
}

pub(crate) fn read(
    conn: &Connection,
    since: Option<FeedCursor>,
    now: i64,
) -> rusqlite::Result<FeedRead> {
    let p = FeedPrefilter::new();
    let (added, removed): (Option<i64>, Option<i64>) = conn.query_row(
        "SELECT (SELECT MAX(date_added) FROM feed_rows), (SELECT MAX(removed_at) FROM feed_rows WHERE removed_at IS NOT NULL)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let floor = since.unwrap_or_default();
    let cursor = FeedCursor {
        added: added.unwrap_or(0).max(floor.added),
        removed: removed.unwrap_or(0).max(floor.removed),
        at: now,
    };
    let cols = columns();
    let mut rows = Vec::new();
    let Some(since) = since else {
        rows = read_active(conn, i64::MIN, i64::MAX, now)?;
        return Ok(FeedRead { rows, cursor });
    };
    // Added after the cursor and still in.
    let mut added = conn.prepare_cached(&format!(
        "SELECT {cols} FROM feed_rows f JOIN records r ON r.date_added = f.date_added \
         WHERE f.date_added > ?5 AND r.deleted_at IS NULL AND f.removed_at IS NULL AND (f.valid_until IS NULL OR f.valid_until > ?6) AND {PREFILTER} \
         ORDER BY f.date_added"
    ))?;
    let mut q = added.query(params![
        p.uses_bit,
        p.max_tlp,
        p.max_pap,
        p.classification,
        since.added,
        now
    ])?;
    while let Some(x) = q.next()? {
        rows.push(row_from(conn, x, false)?);
    }
    // In before the cursor, and removed or expired after it.
    let mut removed = conn.prepare_cached(&format!(
        "SELECT {cols} FROM feed_rows f JOIN records r ON r.date_added = f.date_added \
         WHERE f.removed_at > ?6 AND f.date_added <= ?5 AND {PREFILTER} \
         UNION ALL \
         SELECT {cols} FROM feed_rows f JOIN records r ON r.date_added = f.date_added \
         WHERE f.valid_until > ?7 AND f.valid_until <= ?8 AND f.date_added <= ?5 AND f.removed_at IS NULL AND {PREFILTER}"
    ))?;
    let mut q = removed.query(params![
        p.uses_bit,
        p.max_tlp,
        p.max_pap,
        p.classification,
        since.added,
        since.removed,
        since.at,
        now
    ])?;
    while let Some(x) = q.next()? {
        rows.push(row_from(conn, x, true)?);
    }
    // Taken out by a change of handling: decided on the handling they had.
    let mut withdrawn = conn.prepare_cached(
        "SELECT label, valid_until, entries, withdrawn, removed_at FROM feed_rows \
         WHERE withdrawn IS NOT NULL AND removed_at > ?2 AND date_added <= ?1",
    )?;
    let mut q = withdrawn.query(params![since.added, since.removed])?;
    while let Some(x) = q.next()? {
        let Some(record) = withdrawn_record(x.get_ref(3)?.as_str()?)
            .filter(|r| FeedPrefilter::new().admits(&r.handling))
        else {
            continue;
        };
        rows.push(FeedRow {
            label: x.get(0)?,
            valid_until: x.get(1)?,
            entries: parse_feed_entries(x.get_ref(2)?.as_str()?),
            record,
            removed: true,
            removed_at: x.get(4)?,
        });
    }
    Ok(FeedRead { rows, cursor })
}

/// The active rows whose `date_added` is in `lo..=hi`.
pub(crate) fn read_active(
    conn: &Connection,
    lo: i64,
    hi: i64,
    now: i64,
) -> rusqlite::Result<Vec<FeedRow>> {
    let p = FeedPrefilter::new();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM feed_rows f JOIN records r ON r.date_added = f.date_added \
         WHERE f.date_added BETWEEN ?6 AND ?7 AND r.deleted_at IS NULL AND f.removed_at IS NULL \
         AND (f.valid_until IS NULL OR f.valid_until > ?5) AND {PREFILTER} ORDER BY f.date_added",
        columns()
    ))?;
    let mut q = stmt.query(params![
        p.uses_bit,
        p.max_tlp,
        p.max_pap,
        p.classification,
        now,
        lo,
        hi
    ])?;
    let mut rows = Vec::new();
    while let Some(x) = q.next()? {
        rows.push(row_from(conn, x, false)?);
    }
    Ok(rows)
}

/// The cursor of a full read, and where to split the rows in two halves.
pub(crate) fn full_plan(
    conn: &Connection,
    now: i64,
) -> rusqlite::Result<(FeedCursor, Option<i64>)> {
    let (added, removed, count): (Option<i64>, Option<i64>, i64) = conn.query_row(
        "SELECT (SELECT MAX(date_added) FROM feed_rows), (SELECT MAX(removed_at) FROM feed_rows WHERE removed_at IS NOT NULL), \
         (SELECT COUNT(*) FROM feed_rows)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let middle: Option<i64> = conn
        .query_row(
            "SELECT date_added FROM feed_rows ORDER BY date_added LIMIT 1 OFFSET ?1",
            [count / 2],
            |r| r.get(0),
        )
        .optional()?;
    let cursor = FeedCursor {
        added: added.unwrap_or(0),
        removed: removed.unwrap_or(0),
        at: now,
    };
    Ok((cursor, middle))
}

pub(crate) fn carrying(
    conn: &Connection,
    keys: &[i64],
    now: i64,
) -> rusqlite::Result<Vec<FeedRow>> {
    let p = FeedPrefilter::new();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM feed_rows f JOIN records r ON r.date_added = f.date_added \
         WHERE f.date_added IN (SELECT o.date_added FROM records o WHERE o.id_key IN \
             (SELECT id_key FROM record_observables WHERE value_key = ?5)) \
         AND r.deleted_at IS NULL AND f.removed_at IS NULL AND (f.valid_until IS NULL OR f.valid_until > ?6) AND {PREFILTER}",
        columns()
    ))?;
    let mut out = Vec::new();
    for key in keys {
        let mut q = stmt.query(params![
            p.uses_bit,
            p.max_tlp,
            p.max_pap,
            p.classification,
            key,
            now
        ])?;
        while let Some(x) = q.next()? {
            out.push(row_from(conn, x, false)?);
        }
    }
    Ok(out)
}

pub(crate) fn note_pull(conn: &Connection, pull: &FeedPull) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO feed_pulls (token_id, user_id, org_id, format, at, entries, full_pull) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        pull.token.map(|t| t.to_string()),
        pull.user.to_string(),
        pull.org.to_string(),
        pull.format,
        pull.at,
        i64::try_from(pull.entries).unwrap_or(i64::MAX),
        pull.full
    ])?;
    Ok(())
}
