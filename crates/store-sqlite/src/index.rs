//! The observable index, correlation counters, sightings, search and hint notices (see
//! `renkei_store::index`). Written inside the ingest transaction; read by lookups, search
//! and the secretariat's queue.

use std::collections::{BTreeMap, HashSet};

use renkei_model::account::OrgKind;
use renkei_model::handling::Sector;
use renkei_model::ids::{OrgId, UserId};
use renkei_model::stix::Timestamp;
use renkei_policy::ReadScope;
use renkei_store::plan::PlannedRow;
use renkei_store::sql::{self, Placeholders};
use renkei_store::{
    HintNotice, INDEX_CAP_PER_VALUE, IndexedRecord, NewHintNotice, RecordRow, SearchQuery,
    SharedValue, SightingRow, ValueMatches, codes,
};
use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};

use crate::records::{conv, row_from, to_values};

const STYLE: Placeholders = Placeholders::QuestionNumbered;

/// Indexes the rows an ingest inserted. `known` holds the id_keys of objects that had a
/// stored version before this batch (their search document is replaced, not added).
pub(crate) fn add(
    tx: &Transaction<'_>,
    provider: &str,
    inserts: &[PlannedRow<'_>],
    mut known: HashSet<i64>,
    now: i64,
) -> rusqlite::Result<()> {
    add_observables(tx, provider, inserts, now)?;
    let mut sighting = tx.prepare_cached(
        "INSERT OR REPLACE INTO record_sightings (target_key, sighting_key, target_id, sighting_id, kind, count) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for row in inserts {
        let r = row.record;
        if let Some(s) = &r.terms.sighting {
            sighting.execute(params![
                renkei_store::id_key(&s.of),
                r.id_key,
                s.of,
                r.stix_id,
                s.kind,
                s.count
            ])?;
        }
    }
    // Search documents last: FTS5 flushes its pending documents to disk at every statement
    // savepoint, which the upserts above open; writing them together keeps the flush to one
    // per batch.
    // A document's id is the `date_added` of the version it indexes (`records` maps it to its
    // object; `search_moved` if a handling change re-keyed the row since), so a newer
    // version's text replaces the documents of the object's earlier rows (deleting an id that
    // has no document is a no-op).
    let mut old_docs = tx.prepare_cached(
        "DELETE FROM record_search WHERE rowid IN \
         (SELECT date_added FROM records WHERE id_key = ?1 AND date_added < ?2 \
          UNION ALL SELECT doc FROM search_moved WHERE id_key = ?1)",
    )?;
    let mut old_moved = tx.prepare_cached("DELETE FROM search_moved WHERE id_key = ?1")?;
    let mut search_insert =
        tx.prepare_cached("INSERT INTO record_search (rowid, tokens) VALUES (?1, ?2)")?;
    for row in inserts {
        let r = row.record;
        if !row.latest {
            continue;
        }
        if !known.insert(r.id_key) {
            old_docs.execute(params![r.id_key, row.date_added])?;
            old_moved.execute([r.id_key])?;
        }
        if !r.terms.tokens.is_empty() {
            search_insert.execute(params![row.date_added, r.terms.tokens])?;
        }
    }
    Ok(())
}

/// One value carried by records of the batch.
struct Carried<'a> {
    kind: &'a str,
    value: &'a str,
    /// Distinct objects, in batch order.
    objects: Vec<i64>,
}

/// The counter rows and index pairs of a batch's observables. Values are gathered first, so
/// each costs one counter write and its pairs however many records of the batch carry it,
/// and a value never seen before costs two plain inserts.
fn add_observables(
    tx: &Transaction<'_>,
    provider: &str,
    inserts: &[PlannedRow<'_>],
    now: i64,
) -> rusqlite::Result<()> {
    let mut carried: BTreeMap<i64, Carried<'_>> = BTreeMap::new();
    for row in inserts {
        let r = row.record;
        for o in &r.terms.observables {
            let c = carried.entry(o.key).or_insert_with(|| Carried {
                kind: &o.kind,
                value: &o.value,
                objects: Vec::new(),
            });
            if c.kind == o.kind && c.value == o.value && !c.objects.contains(&r.id_key) {
                c.objects.push(r.id_key);
            }
        }
    }
    if carried.is_empty() {
        return Ok(());
    }
    // A value never seen costs one insert (its counter row) and its pairs; only when the
    // counter row exists already is it read.
    let mut new_head = tx.prepare_cached(
        "INSERT INTO observable_values (value_key, kind, value, objects, providers, first_provider, first_at, last_at) \
         VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?6) ON CONFLICT (value_key) DO NOTHING",
    )?;
    let mut head = tx.prepare_cached(
        "SELECT objects, providers, first_provider, kind = ?2 AND value = ?3 FROM observable_values WHERE value_key = ?1",
    )?;
    let mut pair = tx.prepare_cached(
        "INSERT OR IGNORE INTO record_observables (value_key, id_key) VALUES (?1, ?2)",
    )?;
    let mut count = tx.prepare_cached(
        "UPDATE observable_values SET objects = objects + ?2, last_at = ?3 WHERE value_key = ?1",
    )?;
    let cap = usize::try_from(INDEX_CAP_PER_VALUE).unwrap_or(usize::MAX);
    for (key, c) in &carried {
        let n = i64::try_from(c.objects.len()).unwrap_or(i64::MAX);
        if new_head.execute(params![key, c.kind, c.value, n, provider, now])? == 1 {
            for o in c.objects.iter().take(cap) {
                pair.execute(params![key, o])?;
            }
            continue;
        }
        let (objects, providers, first, same): (i64, i64, String, bool) = head
            .query_row(params![key, c.kind, c.value], |x| {
                Ok((x.get(0)?, x.get(1)?, x.get(2)?, x.get(3)?))
            })?;
        if !same {
            // A 64-bit key collision: keep the first value's index intact.
            continue;
        }
        let room = cap.saturating_sub(usize::try_from(objects).unwrap_or(usize::MAX));
        let (indexed, past) = c.objects.split_at(room.min(c.objects.len()));
        let mut counted = past.len();
        for o in indexed {
            counted += pair.execute(params![key, o])?;
        }
        count.execute(params![
            key,
            i64::try_from(counted).unwrap_or(i64::MAX),
            now
        ])?;
        if first != provider {
            add_provider(tx, *key, &first, provider, providers, now)?;
        }
    }
    Ok(())
}

/// A second (or further) organisation provides a value: count it once.
fn add_provider(
    tx: &Transaction<'_>,
    key: i64,
    first: &str,
    provider: &str,
    providers: i64,
    now: i64,
) -> rusqlite::Result<()> {
    let mut ins = tx.prepare_cached(
        "INSERT OR IGNORE INTO observable_providers (value_key, provider_org) VALUES (?1, ?2)",
    )?;
    if providers == 1 {
        ins.execute(params![key, first])?;
    }
    if ins.execute(params![key, provider])? == 1 {
        tx.prepare_cached(
            "UPDATE observable_values SET providers = providers + 1, shared_at = COALESCE(shared_at, ?2) WHERE value_key = ?1",
        )?
        .execute(params![key, now])?;
    }
    Ok(())
}

/// The columns [`indexed_from`] reads, for records under alias `r`.
pub(crate) const INDEXED_COLUMNS: &str = "r.stix_id, r.stix_type, r.version, r.date_added, r.provider_org, r.provider_kind, r.provider_sector, \
     r.tlp, r.audience_mask, r.classification, r.uses, r.attribution, r.pap, r.category";

pub(crate) fn indexed_from(
    conn: &Connection,
    x: &rusqlite::Row<'_>,
    at: usize,
) -> rusqlite::Result<IndexedRecord> {
    let version: String = x.get(at + 2)?;
    let date_added: i64 = x.get(at + 3)?;
    let mask: i64 = x.get(at + 8)?;
    let audience = audience_rows(conn, date_added, mask)?;
    Ok(IndexedRecord {
        stix_id: x.get(at)?,
        stix_type: x.get(at + 1)?,
        version: Timestamp::parse(&version).map_err(conv)?,
        date_added,
        provider: x.get::<_, String>(at + 4)?.parse::<OrgId>().map_err(conv)?,
        provider_kind: x
            .get::<_, String>(at + 5)?
            .parse::<OrgKind>()
            .map_err(conv)?,
        provider_sector: x
            .get::<_, Option<String>>(at + 6)?
            .map(|s| Sector::new(&s))
            .transpose()
            .map_err(conv)?,
        handling: codes::handling_from(
            x.get(at + 7)?,
            mask,
            &audience,
            x.get(at + 9)?,
            x.get(at + 10)?,
            x.get(at + 11)?,
            x.get(at + 12)?,
        ),
        category: x.get(at + 13)?,
    })
}

/// The named audience entries of a record, read only when its mask says there are some.
fn audience_rows(
    conn: &Connection,
    date_added: i64,
    mask: i64,
) -> rusqlite::Result<Vec<(i16, String)>> {
    use renkei_policy::bits;
    if mask & (bits::ORGS | bits::SECTORS | bits::USERS) == 0 {
        return Ok(Vec::new());
    }
    conn.prepare_cached("SELECT kind, ref FROM record_audience WHERE record_added = ?1")?
        .query_map([date_added], |a| Ok((a.get(0)?, a.get(1)?)))?
        .collect()
}

/// The records and sightings of each value, or `None` as soon as a value turns out to be
/// carried by more than `max_objects` objects.
pub(crate) fn lookup(
    conn: &Connection,
    keys: &[i64],
    limit: usize,
    max_objects: Option<i64>,
) -> rusqlite::Result<Option<Vec<ValueMatches>>> {
    let mut head = conn.prepare_cached(
        "SELECT kind, value, objects, providers FROM observable_values WHERE value_key = ?1",
    )?;
    let mut records = conn.prepare_cached(&format!(
        "SELECT {INDEXED_COLUMNS} FROM records r \
         WHERE r.id_key IN (SELECT id_key FROM record_observables WHERE value_key = ?1) \
         AND r.latest = 1 AND r.deleted_at IS NULL ORDER BY r.date_added DESC LIMIT {limit}"
    ))?;
    let mut out = Vec::new();
    for &key in keys {
        let Some((kind, value, objects, providers)) = head
            .query_row([key], |x| {
                Ok((
                    x.get::<_, String>(0)?,
                    x.get::<_, String>(1)?,
                    x.get::<_, i64>(2)?,
                    x.get::<_, i64>(3)?,
                ))
            })
            .optional()?
        else {
            continue;
        };
        if max_objects.is_some_and(|max| objects > max) {
            return Ok(None);
        }
        let rows = records
            .query_map([key], |x| indexed_from(conn, x, 0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let ids: Vec<String> = rows.iter().map(|r| r.stix_id.clone()).collect();
        let sightings = sightings_of(conn, &ids)?;
        out.push(ValueMatches {
            key,
            kind,
            value,
            objects: objects.max(0) as u64,
            providers: providers.max(0) as u64,
            records: rows,
            sightings,
        });
    }
    Ok(Some(out))
}

pub(crate) fn sightings_of(
    conn: &Connection,
    ids: &[String],
) -> rusqlite::Result<Vec<SightingRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT s.target_id, s.kind, s.count, {INDEXED_COLUMNS} FROM record_sightings s \
         JOIN records r ON r.id_key = s.sighting_key AND r.stix_id = s.sighting_id AND r.latest = 1 AND r.deleted_at IS NULL \
         WHERE s.target_key = +?1 AND s.target_id = +?2 ORDER BY r.date_added"
    ))?;
    let mut out = Vec::new();
    for id in ids {
        let rows = stmt.query_map(params![renkei_store::id_key(id), id], |x| {
            Ok(SightingRow {
                of: x.get(0)?,
                kind: x.get(1)?,
                count: x.get(2)?,
                record: indexed_from(conn, x, 3)?,
            })
        })?;
        for r in rows {
            out.push(r?);
        }
    }
    Ok(out)
}

pub(crate) fn search(
    conn: &Connection,
    scope: &ReadScope,
    q: &SearchQuery,
) -> rusqlite::Result<Vec<RecordRow>> {
    let (text, params) = sql::search_query(STYLE, scope, q, |b, tokens| {
        // FTS5 phrase strings: each token quoted, all required.
        let m: Vec<String> = tokens
            .iter()
            .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
            .collect();
        let p = b.text(&m.join(" AND "));
        format!(
            "r.id_key IN (SELECT COALESCE(\
             (SELECT d.id_key FROM records d WHERE d.date_added = s.rowid), \
             (SELECT m.id_key FROM search_moved m WHERE m.doc = s.rowid)) \
             FROM record_search s WHERE record_search MATCH {p})"
        )
    });
    let mut stmt = conn.prepare_cached(&text)?;
    let rows = stmt
        .query_map(params_from_iter(to_values(params)), row_from)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows.into_iter().map(|(row, _)| row).collect())
}

pub(crate) fn shared_values(
    conn: &Connection,
    before: Option<(i64, i64)>,
    limit: usize,
) -> rusqlite::Result<Vec<SharedValue>> {
    let (at, key) = before.unwrap_or((i64::MAX, i64::MAX));
    conn.prepare_cached(
        "SELECT value_key, kind, value, objects, providers, shared_at, last_at FROM observable_values \
         WHERE shared_at IS NOT NULL AND (shared_at < ?1 OR (shared_at = ?1 AND value_key < ?2)) \
         ORDER BY shared_at DESC, value_key DESC LIMIT ?3",
    )?
    .query_map(
        params![at, key, i64::try_from(limit).unwrap_or(i64::MAX)],
        |x| {
            Ok(SharedValue {
                key: x.get(0)?,
                kind: x.get(1)?,
                value: x.get(2)?,
                objects: x.get::<_, i64>(3)?.max(0) as u64,
                providers: x.get::<_, i64>(4)?.max(0) as u64,
                shared_at: x.get(5)?,
                last_at: x.get(6)?,
            })
        },
    )?
    .collect()
}

pub(crate) fn note_hints(tx: &Transaction<'_>, notices: &[NewHintNotice]) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO hint_notices (reader_org, reader_user, value_key, kind, value, records, providers, first_at, last_at, times) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, 1) \
         ON CONFLICT (reader_org, value_key) WHERE closed_at IS NULL DO UPDATE SET \
         reader_user = excluded.reader_user, records = excluded.records, providers = excluded.providers, \
         last_at = excluded.last_at, times = times + 1",
    )?;
    for n in notices {
        let providers: Vec<String> = n.providers.iter().map(ToString::to_string).collect();
        stmt.execute(params![
            n.reader_org.to_string(),
            n.reader_user.to_string(),
            n.value_key,
            n.kind,
            n.value,
            i64::try_from(n.records).unwrap_or(i64::MAX),
            providers.join(" "),
            n.at
        ])?;
    }
    Ok(())
}

pub(crate) fn hint_notices(
    conn: &Connection,
    include_closed: bool,
    limit: usize,
) -> rusqlite::Result<Vec<HintNotice>> {
    conn.prepare_cached(
        "SELECT id, reader_org, reader_user, kind, value, records, providers, first_at, last_at, times, closed_at \
         FROM hint_notices WHERE (?1 OR closed_at IS NULL) ORDER BY last_at DESC, id DESC LIMIT ?2",
    )?
    .query_map(
        params![include_closed, i64::try_from(limit).unwrap_or(i64::MAX)],
        |x| {
            let providers: String = x.get(6)?;
            Ok(HintNotice {
                id: x.get(0)?,
                reader_org: x.get::<_, String>(1)?.parse::<OrgId>().map_err(conv)?,
                reader_user: x.get::<_, String>(2)?.parse::<UserId>().map_err(conv)?,
                kind: x.get(3)?,
                value: x.get(4)?,
                records: x.get::<_, i64>(5)?.max(0) as u64,
                providers: providers
                    .split_whitespace()
                    .map(str::parse::<OrgId>)
                    .collect::<Result<_, _>>()
                    .map_err(conv)?,
                first_at: x.get(7)?,
                last_at: x.get(8)?,
                times: x.get::<_, i64>(9)?.max(0) as u64,
                closed_at: x.get(10)?,
            })
        },
    )?
    .collect()
}

pub(crate) fn close_hint_notice(conn: &Connection, id: i64, at: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE hint_notices SET closed_at = ?2 WHERE id = ?1 AND closed_at IS NULL",
        params![id, at],
    )? == 1)
}
