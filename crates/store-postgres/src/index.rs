//! The observable index, correlation counters, sightings, search and hint notices (see
//! `renkei_store::index`), with the same semantics as the SQLite store. Index writes are
//! aggregated per batch in Rust and sent as a handful of array statements, so a batch of
//! 1,000 records costs a few round trips however many observables it carries.

use std::collections::{BTreeMap, HashMap};

use deadpool_postgres::GenericClient;
use renkei_model::account::OrgKind;
use renkei_model::handling::Sector;
use renkei_model::ids::{OrgId, UserId};
use renkei_model::stix::Timestamp;
use renkei_policy::{ReadScope, bits};
use renkei_store::plan::PlannedRow;
use renkei_store::sql;
use renkei_store::{
    HintNotice, INDEX_CAP_PER_VALUE, IndexedRecord, NewHintNotice, RecordRow, SearchQuery,
    SharedValue, SightingRow, StoreError, StoreResult, ValueMatches, codes, id_key,
};
use tokio_postgres::Row;

use crate::records::record_from_row;
use crate::{STYLE, db_err, parse, refs, to_sql_params};

/// A statement prepared once per pooled connection (deadpool's cache): a fixed text is not
/// parsed again on every call. Plans are still made per execution (`plan_cache_mode`).
pub(crate) async fn prepared(
    c: &impl GenericClient,
    sql: &str,
) -> StoreResult<tokio_postgres::Statement> {
    c.prepare_cached(sql).await.map_err(db_err)
}

/// One value carried by records of the batch.
struct Carried<'a> {
    kind: &'a str,
    value: &'a str,
    /// Distinct objects, in batch order.
    objects: Vec<i64>,
}

/// Indexes the rows an ingest inserted, inside its transaction (which holds the ingest lock,
/// so nothing else writes these tables meanwhile).
pub(crate) async fn add(
    tx: &deadpool_postgres::Transaction<'_>,
    provider: &str,
    inserts: &[PlannedRow<'_>],
    now: i64,
) -> StoreResult<()> {
    let mut carried: BTreeMap<i64, Carried<'_>> = BTreeMap::new();
    // Keyed like the table, the last row of the batch winning as it would row by row.
    let mut sightings: HashMap<(i64, i64, &str), (&str, &str, i64)> = HashMap::new();
    // The latest version's tokens of each object; `None`: it has none.
    let mut search: HashMap<i64, Option<String>> = HashMap::new();
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
        if let Some(s) = &r.terms.sighting {
            sightings.insert(
                (id_key(&s.of), r.id_key, &r.stix_id),
                (&s.of, &s.kind, s.count),
            );
        }
        if row.latest {
            let tokens = (!r.terms.tokens.is_empty()).then(|| r.terms.tokens.clone());
            search.insert(r.id_key, tokens);
        }
    }
    if !carried.is_empty() {
        add_observables(tx, provider, &carried, now).await?;
    }
    if !sightings.is_empty() {
        add_sightings(tx, &sightings).await?;
    }
    add_search(tx, search).await
}

async fn add_sightings(
    tx: &deadpool_postgres::Transaction<'_>,
    sightings: &HashMap<(i64, i64, &str), (&str, &str, i64)>,
) -> StoreResult<()> {
    let n = sightings.len();
    let (mut target_key, mut sighting_key, mut sighting_id) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut target_id, mut kind, mut count) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for ((t, s, sid), (of, k, c)) in sightings {
        target_key.push(*t);
        sighting_key.push(*s);
        sighting_id.push(*sid);
        target_id.push(*of);
        kind.push(*k);
        count.push(*c);
    }
    let stmt = prepared(
        tx,
        "INSERT INTO record_sightings (target_key, sighting_key, target_id, sighting_id, kind, count) \
         SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::int8[]) \
         ON CONFLICT (target_key, sighting_key, sighting_id) DO UPDATE SET \
         target_id = EXCLUDED.target_id, kind = EXCLUDED.kind, count = EXCLUDED.count",
    )
    .await?;
    tx.execute(
        &stmt,
        &[
            &target_key,
            &sighting_key,
            &target_id,
            &sighting_id,
            &kind,
            &count,
        ],
    )
    .await
    .map_err(db_err)?;
    Ok(())
}

/// One search row per object: the tokens of its latest version replace the previous ones,
/// and a latest version without any removes them, even those of an earlier incarnation of
/// the object that was deleted (a probe of the primary key when there is none).
async fn add_search(
    tx: &deadpool_postgres::Transaction<'_>,
    search: HashMap<i64, Option<String>>,
) -> StoreResult<()> {
    let mut keys = Vec::new();
    let mut texts = Vec::new();
    let mut gone = Vec::new();
    for (key, tokens) in search {
        match tokens {
            Some(t) => {
                keys.push(key);
                texts.push(t);
            }
            None => gone.push(key),
        }
    }
    if !keys.is_empty() {
        let stmt = prepared(
            tx,
            "INSERT INTO record_search (id_key, tokens) \
             SELECT k, string_to_array(t, ' ') FROM UNNEST($1::int8[], $2::text[]) AS x(k, t) \
             ON CONFLICT (id_key) DO UPDATE SET tokens = EXCLUDED.tokens",
        )
        .await?;
        tx.execute(&stmt, &[&keys, &texts]).await.map_err(db_err)?;
    }
    if !gone.is_empty() {
        let stmt = prepared(tx, "DELETE FROM record_search WHERE id_key = ANY($1)").await?;
        tx.execute(&stmt, &[&gone]).await.map_err(db_err)?;
    }
    Ok(())
}

/// The counter rows, index pairs and providers of a batch's observables, as the SQLite
/// store's rules leave them, in two statements however many values and records the batch
/// has: the existing counter rows are read and the new ones written in the first; the pairs
/// under the cap, the providers and the existing rows' counts in the second.
async fn add_observables(
    tx: &deadpool_postgres::Transaction<'_>,
    provider: &str,
    carried: &BTreeMap<i64, Carried<'_>>,
    now: i64,
) -> StoreResult<()> {
    let keys: Vec<i64> = carried.keys().copied().collect();
    let kinds: Vec<&str> = carried.values().map(|c| c.kind).collect();
    let values: Vec<&str> = carried.values().map(|c| c.value).collect();
    let counts: Vec<i64> = carried
        .values()
        .map(|c| i64::try_from(c.objects.len()).unwrap_or(i64::MAX))
        .collect();
    // A new value's row is written once, already counting every object of the batch that
    // carries it (all are new pairs). Both parts see the table as it was before the statement.
    let stmt = prepared(
        tx,
        "WITH old AS (SELECT value_key, kind, value, objects, providers, first_provider \
             FROM observable_values WHERE value_key = ANY($1)), \
         new AS (INSERT INTO observable_values \
             (value_key, kind, value, objects, providers, first_provider, first_at, last_at) \
             SELECT k, kd, v, n, 1, $5, $6, $6 \
             FROM UNNEST($1::int8[], $2::text[], $3::text[], $4::int8[]) AS b(k, kd, v, n) \
             WHERE NOT EXISTS (SELECT 1 FROM old WHERE old.value_key = b.k)) \
         SELECT value_key, kind, value, objects, providers, first_provider FROM old",
    )
    .await?;
    let old = tx
        .query(&stmt, &[&keys, &kinds, &values, &counts, &provider, &now])
        .await
        .map_err(db_err)?;
    let old: HashMap<i64, &Row> = old.iter().map(|h| (h.get(0), h)).collect();
    let cap = usize::try_from(INDEX_CAP_PER_VALUE).unwrap_or(usize::MAX);
    // Pairs to index; for existing values, objects counted past the cap (pairs inserted are
    // added by the statement); values whose first provider was another organisation.
    let mut pair_values = Vec::new();
    let mut pair_objects = Vec::new();
    let mut counted_keys = Vec::new();
    let mut counted_past = Vec::new();
    // Values provided so far by one other organisation, and which: its provider row is
    // written along with this organisation's.
    let mut first_of_single: (Vec<i64>, Vec<String>) = (Vec::new(), Vec::new());
    let mut other_provider: Vec<i64> = Vec::new();
    for (key, c) in carried {
        let room = match old.get(key) {
            None => cap,
            Some(h) => {
                if h.get::<_, &str>(1) != c.kind || h.get::<_, &str>(2) != c.value {
                    // A 64-bit key collision: keep the first value's index intact.
                    continue;
                }
                let objects: i64 = h.get(3);
                let providers: i64 = h.get(4);
                let first: &str = h.get(5);
                if first != provider {
                    if providers == 1 {
                        first_of_single.0.push(*key);
                        first_of_single.1.push(first.to_owned());
                    }
                    other_provider.push(*key);
                }
                let room = cap.saturating_sub(usize::try_from(objects).unwrap_or(usize::MAX));
                counted_keys.push(*key);
                counted_past
                    .push(i64::try_from(c.objects.len().saturating_sub(room)).unwrap_or(i64::MAX));
                room
            }
        };
        for o in c.objects.iter().take(room) {
            pair_values.push(*key);
            pair_objects.push(*o);
        }
    }
    if pair_values.is_empty() && counted_keys.is_empty() {
        return Ok(());
    }
    // One statement: the new pairs, the providers, then each existing value's row updated
    // once (objects past the cap and new pairs counted; a provider not yet counted counted,
    // and the value queued for the secretariat). The inserts touch disjoint rows.
    let stmt = prepared(
        tx,
        "WITH added AS (INSERT INTO record_observables (value_key, id_key) \
             SELECT * FROM UNNEST($1::int8[], $2::int8[]) \
             ON CONFLICT DO NOTHING RETURNING value_key), \
         firsts AS (INSERT INTO observable_providers (value_key, provider_org) \
             SELECT * FROM UNNEST($5::int8[], $6::text[]) ON CONFLICT DO NOTHING), \
         gained AS (INSERT INTO observable_providers (value_key, provider_org) \
             SELECT k, $7 FROM UNNEST($8::int8[]) AS t(k) \
             ON CONFLICT DO NOTHING RETURNING value_key), \
         delta AS (SELECT d.k, d.past + COALESCE(a.n, 0) AS n, g.value_key IS NOT NULL AS gained \
             FROM UNNEST($3::int8[], $4::int8[]) AS d(k, past) \
             LEFT JOIN (SELECT value_key, COUNT(*) AS n FROM added GROUP BY value_key) a \
                 ON a.value_key = d.k \
             LEFT JOIN gained g ON g.value_key = d.k) \
         UPDATE observable_values o SET objects = o.objects + delta.n, \
             providers = o.providers + CASE WHEN delta.gained THEN 1 ELSE 0 END, \
             shared_at = CASE WHEN delta.gained THEN COALESCE(o.shared_at, $9) ELSE o.shared_at END, \
             last_at = $9 \
         FROM delta WHERE o.value_key = delta.k",
    )
    .await?;
    tx.execute(
        &stmt,
        &[
            &pair_values,
            &pair_objects,
            &counted_keys,
            &counted_past,
            &first_of_single.0,
            &first_of_single.1,
            &provider,
            &other_provider,
            &now,
        ],
    )
    .await
    .map_err(db_err)?;
    Ok(())
}

/// The columns [`indexed_from`] reads, for records under alias `r`.
pub(crate) const INDEXED_COLUMNS: &str = "r.stix_id, r.stix_type, r.version, r.date_added, r.provider_org, r.provider_kind, r.provider_sector, \
     r.tlp, r.audience_mask, r.classification, r.uses, r.attribution, r.pap, r.category";

/// A record from [`INDEXED_COLUMNS`] starting at column `at`, with its audience rows.
pub(crate) fn indexed_from(
    x: &Row,
    at: usize,
    audience: &HashMap<i64, Vec<(i16, String)>>,
) -> StoreResult<IndexedRecord> {
    let date_added: i64 = x.get(at + 3);
    let no_rows = Vec::new();
    Ok(IndexedRecord {
        stix_id: x.get(at),
        stix_type: x.get(at + 1),
        version: Timestamp::parse(x.get::<_, &str>(at + 2))
            .map_err(|e| StoreError::Invalid(e.to_string()))?,
        date_added,
        provider: parse(x.get::<_, &str>(at + 4))?,
        provider_kind: parse::<OrgKind>(x.get::<_, &str>(at + 5))?,
        provider_sector: x
            .get::<_, Option<&str>>(at + 6)
            .map(parse::<Sector>)
            .transpose()?,
        handling: codes::handling_from(
            i64::from(x.get::<_, i16>(at + 7)),
            i64::from(x.get::<_, i32>(at + 8)),
            audience.get(&date_added).unwrap_or(&no_rows),
            i64::from(x.get::<_, i16>(at + 9)),
            i64::from(x.get::<_, i16>(at + 10)),
            i64::from(x.get::<_, i16>(at + 11)),
            i64::from(x.get::<_, i16>(at + 12)),
        ),
        category: x.get(at + 13),
    })
}

/// The named audience entries of the records among `rows` whose mask says they have some.
pub(crate) async fn audiences(
    c: &impl GenericClient,
    rows: &[&Row],
    at: usize,
) -> StoreResult<HashMap<i64, Vec<(i16, String)>>> {
    let named = bits::ORGS | bits::SECTORS | bits::USERS;
    let mut keys: Vec<i64> = rows
        .iter()
        .filter(|r| i64::from(r.get::<_, i32>(at + 8)) & named != 0)
        .map(|r| r.get(at + 3))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut out: HashMap<i64, Vec<(i16, String)>> = HashMap::new();
    if keys.is_empty() {
        return Ok(out);
    }
    let stmt = prepared(
        c,
        "SELECT record_added, kind, ref FROM record_audience WHERE record_added = ANY($1) \
         ORDER BY record_added, kind, ref",
    )
    .await?;
    for a in c.query(&stmt, &[&keys]).await.map_err(db_err)? {
        out.entry(a.get(0)).or_default().push((a.get(1), a.get(2)));
    }
    Ok(out)
}

/// A read transaction whose plans go through the indexes. Lookups and sightings read at most
/// a bounded number of rows through `record_observables` and `record_sightings`, then probe
/// `records` by `id_key`; but right after a bulk import, before the tables are analysed (or
/// where autovacuum is off), the planner guesses `id_key` matches thousands of rows and
/// scans all of `records` instead, in `date_added` order, for every value.
///
/// Its plans are generic, made once per pooled connection and statement: what these
/// statements read is bounded whatever the parameters, and planning each execution cost a
/// lookup more than running it. Callers end it by dropping it — a read-only transaction is
/// rolled back by the ROLLBACK that queues, without waiting for a COMMIT's round trip.
pub(crate) async fn index_reads(
    client: &mut deadpool_postgres::Client,
) -> StoreResult<deadpool_postgres::Transaction<'_>> {
    let tx = client.transaction().await.map_err(db_err)?;
    tx.batch_execute(
        "SET LOCAL enable_seqscan = off; SET LOCAL plan_cache_mode = force_generic_plan",
    )
    .await
    .map_err(db_err)?;
    Ok(tx)
}

/// The latest, undeleted version of the object `o.id_key`, as a subquery the planner cannot
/// merge into the enclosing join (`OFFSET 0`), so it is always one `records_id_key` probe per
/// indexed object, never a scan of `records` filtered by the index.
const LIVE_RECORD: &str = "SELECT * FROM records r WHERE r.id_key = o.id_key AND r.latest = 1 AND r.deleted_at IS NULL OFFSET 0";

pub(crate) async fn lookup(
    client: &mut deadpool_postgres::Client,
    keys: &[i64],
    limit: usize,
) -> StoreResult<Vec<ValueMatches>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut wanted = keys.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let tx = index_reads(client).await?;
    // Each value's counter row, then its candidates (none: one row of NULLs), newest first.
    let stmt = prepared(
        &tx,
        &format!(
            "SELECT v.value_key, v.kind, v.value, v.objects, v.providers, {INDEXED_COLUMNS} \
             FROM observable_values v LEFT JOIN LATERAL ( \
                 SELECT r.* FROM record_observables o CROSS JOIN LATERAL ({LIVE_RECORD}) r \
                 WHERE o.value_key = v.value_key ORDER BY r.date_added DESC LIMIT $2) r ON TRUE \
             WHERE v.value_key = ANY($1) ORDER BY v.value_key, r.date_added DESC"
        ),
    )
    .await?;
    let rows = tx.query(&stmt, &[&wanted, &limit]).await.map_err(db_err)?;
    let candidates: Vec<&Row> = rows
        .iter()
        .filter(|r| r.get::<_, Option<&str>>(5).is_some())
        .collect();
    let audience = audiences(&tx, &candidates, 5).await?;
    let mut ids: Vec<String> = candidates.iter().map(|r| r.get(5)).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut sightings: HashMap<String, Vec<SightingRow>> = HashMap::new();
    for s in sightings_in(&tx, &ids).await? {
        sightings.entry(s.of.clone()).or_default().push(s);
    }
    // A read-only transaction: ending it with the ROLLBACK that dropping it queues saves
    // waiting for a COMMIT's round trip.
    drop(tx);
    let mut found: HashMap<i64, ValueMatches> = HashMap::new();
    for r in &rows {
        let key: i64 = r.get(0);
        let m = found.entry(key).or_insert_with(|| ValueMatches {
            key,
            kind: r.get(1),
            value: r.get(2),
            objects: r.get::<_, i64>(3).max(0) as u64,
            providers: r.get::<_, i64>(4).max(0) as u64,
            records: Vec::new(),
            sightings: Vec::new(),
        });
        if r.get::<_, Option<&str>>(5).is_some() {
            let record = indexed_from(r, 5, &audience)?;
            if let Some(s) = sightings.get(&record.stix_id) {
                m.sightings.extend(s.iter().cloned());
            }
            m.records.push(record);
        }
    }
    // In the order asked, as often as asked, like the SQLite store.
    Ok(keys.iter().filter_map(|k| found.get(k).cloned()).collect())
}

pub(crate) async fn sightings_of(
    client: &mut deadpool_postgres::Client,
    ids: &[String],
) -> StoreResult<Vec<SightingRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let tx = index_reads(client).await?;
    let out = sightings_in(&tx, ids).await?;
    drop(tx); // read-only: rolled back without waiting, as in `lookup`
    Ok(out)
}

/// The sightings of `ids`, grouped by the id asked for in the order asked, each group oldest
/// first.
async fn sightings_in(c: &impl GenericClient, ids: &[String]) -> StoreResult<Vec<SightingRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<i64> = ids.iter().map(|id| id_key(id)).collect();
    let stmt = prepared(
        c,
        &format!(
            "SELECT s.target_id, s.kind, s.count, {INDEXED_COLUMNS} \
             FROM UNNEST($1::int8[], $2::text[]) WITH ORDINALITY AS q(k, id, n) \
             JOIN record_sightings s ON s.target_key = q.k AND s.target_id = q.id \
             CROSS JOIN LATERAL (SELECT * FROM records r WHERE r.id_key = s.sighting_key \
                 AND r.stix_id = s.sighting_id AND r.latest = 1 AND r.deleted_at IS NULL OFFSET 0) r \
             ORDER BY q.n, r.date_added"
        ),
    )
    .await?;
    let rows = c.query(&stmt, &[&keys, &ids]).await.map_err(db_err)?;
    let audience = audiences(c, &rows.iter().collect::<Vec<_>>(), 3).await?;
    rows.iter()
        .map(|x| {
            Ok(SightingRow {
                of: x.get(0),
                kind: x.get(1),
                count: x.get(2),
                record: indexed_from(x, 3, &audience)?,
            })
        })
        .collect()
}

pub(crate) async fn search(
    c: &impl GenericClient,
    scope: &ReadScope,
    q: &SearchQuery,
) -> StoreResult<Vec<RecordRow>> {
    let (text, params) = sql::search_query(STYLE, scope, q, |b, tokens| {
        let phs: Vec<String> = tokens.iter().map(|t| b.text(t)).collect();
        format!(
            "r.id_key IN (SELECT id_key FROM record_search WHERE tokens @> ARRAY[{}]::text[])",
            phs.join(", ")
        )
    });
    let boxed = to_sql_params(&params);
    let stmt = prepared(c, &text).await?;
    c.query(&stmt, &refs(&boxed))
        .await
        .map_err(db_err)?
        .iter()
        .map(record_from_row)
        .collect()
}

pub(crate) async fn shared_values(
    c: &impl GenericClient,
    before: Option<(i64, i64)>,
    limit: usize,
) -> StoreResult<Vec<SharedValue>> {
    let (at, key) = before.unwrap_or((i64::MAX, i64::MAX));
    let stmt = prepared(
        c,
        "SELECT value_key, kind, value, objects, providers, shared_at, last_at FROM observable_values \
         WHERE shared_at IS NOT NULL AND (shared_at < $1 OR (shared_at = $1 AND value_key < $2)) \
         ORDER BY shared_at DESC, value_key DESC LIMIT $3",
    )
    .await?;
    let rows = c
        .query(
            &stmt,
            &[&at, &key, &i64::try_from(limit).unwrap_or(i64::MAX)],
        )
        .await
        .map_err(db_err)?;
    Ok(rows
        .iter()
        .map(|x| SharedValue {
            key: x.get(0),
            kind: x.get(1),
            value: x.get(2),
            objects: x.get::<_, i64>(3).max(0) as u64,
            providers: x.get::<_, i64>(4).max(0) as u64,
            shared_at: x.get(5),
            last_at: x.get(6),
        })
        .collect())
}

/// One statement per notice: the same reader and value twice in a slice counts twice, which
/// one `INSERT … ON CONFLICT DO UPDATE` over an array could not do.
pub(crate) async fn note_hints(
    tx: &deadpool_postgres::Transaction<'_>,
    notices: &[NewHintNotice],
) -> StoreResult<()> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO hint_notices (reader_org, reader_user, value_key, kind, value, records, providers, first_at, last_at, times) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 1) \
             ON CONFLICT (reader_org, value_key) WHERE closed_at IS NULL DO UPDATE SET \
             reader_user = EXCLUDED.reader_user, records = EXCLUDED.records, providers = EXCLUDED.providers, \
             last_at = EXCLUDED.last_at, times = hint_notices.times + 1",
        )
        .await
        .map_err(db_err)?;
    for n in notices {
        let providers: Vec<String> = n.providers.iter().map(ToString::to_string).collect();
        tx.execute(
            &stmt,
            &[
                &n.reader_org.to_string(),
                &n.reader_user.to_string(),
                &n.value_key,
                &n.kind,
                &n.value,
                &i64::try_from(n.records).unwrap_or(i64::MAX),
                &providers.join(" "),
                &n.at,
            ],
        )
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

pub(crate) async fn hint_notices(
    c: &impl GenericClient,
    include_closed: bool,
    limit: usize,
) -> StoreResult<Vec<HintNotice>> {
    let stmt = prepared(
        c,
        "SELECT id, reader_org, reader_user, kind, value, records, providers, first_at, last_at, times, closed_at \
         FROM hint_notices WHERE ($1 OR closed_at IS NULL) ORDER BY last_at DESC, id DESC LIMIT $2",
    )
    .await?;
    let rows = c
        .query(
            &stmt,
            &[&include_closed, &i64::try_from(limit).unwrap_or(i64::MAX)],
        )
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|x| {
            Ok(HintNotice {
                id: x.get(0),
                reader_org: parse::<OrgId>(x.get::<_, &str>(1))?,
                reader_user: parse::<UserId>(x.get::<_, &str>(2))?,
                kind: x.get(3),
                value: x.get(4),
                records: x.get::<_, i64>(5).max(0) as u64,
                providers: x
                    .get::<_, &str>(6)
                    .split_whitespace()
                    .map(parse::<OrgId>)
                    .collect::<StoreResult<_>>()?,
                first_at: x.get(7),
                last_at: x.get(8),
                times: x.get::<_, i64>(9).max(0) as u64,
                closed_at: x.get(10),
            })
        })
        .collect()
}

pub(crate) async fn close_hint_notice(
    c: &impl GenericClient,
    id: i64,
    at: i64,
) -> StoreResult<bool> {
    let stmt = prepared(
        c,
        "UPDATE hint_notices SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL",
    )
    .await?;
    Ok(c.execute(&stmt, &[&id, &at]).await.map_err(db_err)? == 1)
}
