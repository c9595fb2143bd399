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

/// One value carried by records of the batch.
struct Carried<'a> {
    kind: &'a str,
    value: &'a str,
    /// Distinct objects, in batch order.
    objects: Vec<i64>,
}

/// Indexes the rows an ingest inserted, inside its transaction.
pub(crate) async fn add(
    tx: &deadpool_postgres::Transaction<'_>,
    provider: &str,
    inserts: &[PlannedRow<'_>],
    now: i64,
) -> StoreResult<()> {
    let mut carried: BTreeMap<i64, Carried<'_>> = BTreeMap::new();
    let mut sightings: HashMap<(i64, i64, &str), (&str, &str, i64)> = HashMap::new();
    let mut search: HashMap<i64, String> = HashMap::new();
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
        if row.latest && !r.terms.tokens.is_empty() {
            search.insert(r.id_key, r.terms.tokens.join(" "));
        }
    }
    if !carried.is_empty() {
        add_observables(tx, provider, &carried, now).await?;
    }
    if !sightings.is_empty() {
        let mut target_key = Vec::new();
        let mut sighting_key = Vec::new();
        let mut target_id = Vec::new();
        let mut sighting_id = Vec::new();
        let mut kind = Vec::new();
        let mut count = Vec::new();
        for ((t, s, sid), (of, k, n)) in &sightings {
            target_key.push(*t);
            sighting_key.push(*s);
            sighting_id.push(*sid);
            target_id.push(*of);
            kind.push(*k);
            count.push(*n);
        }
        tx.execute(
            "INSERT INTO record_sightings (target_key, sighting_key, target_id, sighting_id, kind, count) \
             SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::int8[]) \
             ON CONFLICT (target_key, sighting_key, sighting_id) DO UPDATE SET kind = EXCLUDED.kind, count = EXCLUDED.count",
            &[&target_key, &sighting_key, &target_id, &sighting_id, &kind, &count],
        )
        .await
        .map_err(db_err)?;
    }
    if !search.is_empty() {
        let (keys, texts): (Vec<i64>, Vec<String>) = search.into_iter().unzip();
        tx.execute(
            "INSERT INTO record_search (id_key, tokens) \
             SELECT k, string_to_array(t, ' ') FROM UNNEST($1::int8[], $2::text[]) AS x(k, t) \
             ON CONFLICT (id_key) DO UPDATE SET tokens = EXCLUDED.tokens",
            &[&keys, &texts],
        )
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

async fn add_observables(
    tx: &deadpool_postgres::Transaction<'_>,
    provider: &str,
    carried: &BTreeMap<i64, Carried<'_>>,
    now: i64,
) -> StoreResult<()> {
    let keys: Vec<i64> = carried.keys().copied().collect();
    let kinds: Vec<&str> = carried.values().map(|c| c.kind).collect();
    let values: Vec<&str> = carried.values().map(|c| c.value).collect();
    let heads = tx
        .query(
            "INSERT INTO observable_values (value_key, kind, value, objects, providers, first_provider, first_at, last_at) \
             SELECT k, kd, v, 0, 1, $4, $5, $5 FROM UNNEST($1::int8[], $2::text[], $3::text[]) AS t(k, kd, v) \
             ON CONFLICT (value_key) DO UPDATE SET last_at = EXCLUDED.last_at \
             RETURNING value_key, kind, value, objects, providers, first_provider",
            &[&keys, &kinds, &values, &provider, &now],
        )
        .await
        .map_err(db_err)?;
    // Pairs to index (under the cap), objects counted past it, values gaining a provider.
    let mut pair_values = Vec::new();
    let mut pair_objects = Vec::new();
    let mut counted: HashMap<i64, i64> = HashMap::new();
    let mut first_of_single: (Vec<i64>, Vec<String>) = (Vec::new(), Vec::new());
    let mut other_provider: Vec<i64> = Vec::new();
    for h in &heads {
        let key: i64 = h.get(0);
        let Some(c) = carried.get(&key) else { continue };
        if h.get::<_, &str>(1) != c.kind || h.get::<_, &str>(2) != c.value {
            // A 64-bit key collision: keep the first value's index intact.
            continue;
        }
        let objects: i64 = h.get(3);
        let providers: i64 = h.get(4);
        let first: &str = h.get(5);
        let room = usize::try_from(
            i64::try_from(INDEX_CAP_PER_VALUE)
                .unwrap_or(i64::MAX)
                .saturating_sub(objects)
                .max(0),
        )
        .unwrap_or(0);
        let (indexed, past) = c.objects.split_at(room.min(c.objects.len()));
        for o in indexed {
            pair_values.push(key);
            pair_objects.push(*o);
        }
        if !past.is_empty() {
            counted.insert(key, past.len() as i64);
        }
        if first != provider {
            if providers == 1 {
                first_of_single.0.push(key);
                first_of_single.1.push(first.to_owned());
            }
            other_provider.push(key);
        }
    }
    if !pair_values.is_empty() {
        let new = tx
            .query(
                "INSERT INTO record_observables (value_key, id_key) SELECT * FROM UNNEST($1::int8[], $2::int8[]) \
                 ON CONFLICT DO NOTHING RETURNING value_key",
                &[&pair_values, &pair_objects],
            )
            .await
            .map_err(db_err)?;
        for r in &new {
            *counted.entry(r.get(0)).or_default() += 1;
        }
    }
    if !counted.is_empty() {
        let (k, n): (Vec<i64>, Vec<i64>) = counted.into_iter().unzip();
        tx.execute(
            "UPDATE observable_values o SET objects = o.objects + d.n FROM UNNEST($1::int8[], $2::int8[]) AS d(k, n) \
             WHERE o.value_key = d.k",
            &[&k, &n],
        )
        .await
        .map_err(db_err)?;
    }
    if !other_provider.is_empty() {
        if !first_of_single.0.is_empty() {
            tx.execute(
                "INSERT INTO observable_providers (value_key, provider_org) SELECT * FROM UNNEST($1::int8[], $2::text[]) \
                 ON CONFLICT DO NOTHING",
                &[&first_of_single.0, &first_of_single.1],
            )
            .await
            .map_err(db_err)?;
        }
        let gained: Vec<i64> = tx
            .query(
                "INSERT INTO observable_providers (value_key, provider_org) SELECT k, $2 FROM UNNEST($1::int8[]) AS t(k) \
                 ON CONFLICT DO NOTHING RETURNING value_key",
                &[&other_provider, &provider],
            )
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if !gained.is_empty() {
            tx.execute(
                "UPDATE observable_values SET providers = providers + 1, shared_at = COALESCE(shared_at, $2) \
                 WHERE value_key = ANY($1)",
                &[&gained, &now],
            )
            .await
            .map_err(db_err)?;
        }
    }
    Ok(())
}

/// The columns [`indexed_from`] reads, for records under alias `r`.
const INDEXED_COLUMNS: &str = "r.stix_id, r.stix_type, r.version, r.date_added, r.provider_org, r.provider_kind, r.provider_sector, \
     r.tlp, r.audience_mask, r.classification, r.uses, r.attribution, r.pap, r.category";

/// A record from [`INDEXED_COLUMNS`] starting at column `at`, with its audience rows.
fn indexed_from(
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
async fn audiences(
    c: &impl GenericClient,
    rows: &[Row],
    at: usize,
) -> StoreResult<HashMap<i64, Vec<(i16, String)>>> {
    let named = i64::from(i32::try_from(bits::ORGS | bits::SECTORS | bits::USERS).unwrap_or(0));
    let keys: Vec<i64> = rows
        .iter()
        .filter(|r| i64::from(r.get::<_, i32>(at + 8)) & named != 0)
        .map(|r| r.get(at + 3))
        .collect();
    let mut out: HashMap<i64, Vec<(i16, String)>> = HashMap::new();
    if keys.is_empty() {
        return Ok(out);
    }
    for a in c
        .query(
            "SELECT record_added, kind, ref FROM record_audience WHERE record_added = ANY($1)",
            &[&keys],
        )
        .await
        .map_err(db_err)?
    {
        out.entry(a.get(0)).or_default().push((a.get(1), a.get(2)));
    }
    Ok(out)
}

pub(crate) async fn lookup(
    c: &impl GenericClient,
    keys: &[i64],
    limit: usize,
) -> StoreResult<Vec<ValueMatches>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let heads = c
        .query(
            "SELECT value_key, kind, value, objects, providers FROM observable_values WHERE value_key = ANY($1)",
            &[&keys],
        )
        .await
        .map_err(db_err)?;
    if heads.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<i64> = heads.iter().map(|h| h.get(0)).collect();
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = c
        .query(
            &format!(
                "SELECT k.value_key, {INDEXED_COLUMNS} FROM UNNEST($1::int8[]) AS k(value_key) \
                 CROSS JOIN LATERAL (SELECT r.* FROM record_observables o \
                   JOIN records r ON r.id_key = o.id_key AND r.latest = 1 AND r.deleted_at IS NULL \
                   WHERE o.value_key = k.value_key ORDER BY r.date_added DESC LIMIT $2) r"
            ),
            &[&found, &limit],
        )
        .await
        .map_err(db_err)?;
    let audience = audiences(c, &rows, 1).await?;
    let mut by_key: HashMap<i64, Vec<IndexedRecord>> = HashMap::new();
    for r in &rows {
        by_key
            .entry(r.get(0))
            .or_default()
            .push(indexed_from(r, 1, &audience)?);
    }
    let ids: Vec<String> = by_key
        .values()
        .flatten()
        .map(|r| r.stix_id.clone())
        .collect();
    let mut sightings: HashMap<String, Vec<SightingRow>> = HashMap::new();
    for s in sightings_of(c, &ids).await? {
        sightings.entry(s.of.clone()).or_default().push(s);
    }
    let order: HashMap<i64, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let mut out: Vec<ValueMatches> = heads
        .iter()
        .map(|h| {
            let key: i64 = h.get(0);
            let records = by_key.remove(&key).unwrap_or_default();
            let sightings = records
                .iter()
                .flat_map(|r| sightings.get(&r.stix_id).cloned().unwrap_or_default())
                .collect();
            ValueMatches {
                key,
                kind: h.get(1),
                value: h.get(2),
                objects: h.get::<_, i64>(3).max(0) as u64,
                providers: h.get::<_, i64>(4).max(0) as u64,
                records,
                sightings,
            }
        })
        .collect();
    out.sort_by_key(|m| order.get(&m.key).copied().unwrap_or(usize::MAX));
    Ok(out)
}

pub(crate) async fn sightings_of(
    c: &impl GenericClient,
    ids: &[String],
) -> StoreResult<Vec<SightingRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<i64> = ids.iter().map(|id| id_key(id)).collect();
    let rows = c
        .query(
            &format!(
                "SELECT s.target_id, s.kind, s.count, {INDEXED_COLUMNS} FROM record_sightings s \
                 JOIN records r ON r.id_key = s.sighting_key AND r.stix_id = s.sighting_id AND r.latest = 1 AND r.deleted_at IS NULL \
                 WHERE s.target_key = ANY($1) AND s.target_id = ANY($2) ORDER BY r.date_added"
            ),
            &[&keys, &ids],
        )
        .await
        .map_err(db_err)?;
    let audience = audiences(c, &rows, 3).await?;
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
    c.query(&text, &refs(&boxed))
        .await
        .map_err(db_err)?
        .iter()
        .map(record_from_row)
        .collect()
}

pub(crate) async fn shared_values(
    c: &impl GenericClient,
    before: Option<i64>,
    limit: usize,
) -> StoreResult<Vec<SharedValue>> {
    let rows = c
        .query(
            "SELECT value_key, kind, value, objects, providers, shared_at, last_at FROM observable_values \
             WHERE shared_at IS NOT NULL AND shared_at < $1 ORDER BY shared_at DESC, value_key LIMIT $2",
            &[
                &before.unwrap_or(i64::MAX),
                &i64::try_from(limit).unwrap_or(i64::MAX),
            ],
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

pub(crate) async fn note_hints(
    c: &impl GenericClient,
    notices: &[NewHintNotice],
) -> StoreResult<()> {
    for n in notices {
        let providers: Vec<String> = n.providers.iter().map(ToString::to_string).collect();
        c.execute(
            "INSERT INTO hint_notices (reader_org, reader_user, value_key, kind, value, records, providers, first_at, last_at, times) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 1) \
             ON CONFLICT (reader_org, value_key) WHERE closed_at IS NULL DO UPDATE SET \
             reader_user = EXCLUDED.reader_user, records = EXCLUDED.records, providers = EXCLUDED.providers, \
             last_at = EXCLUDED.last_at, times = hint_notices.times + 1",
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
    let rows = c
        .query(
            "SELECT id, reader_org, reader_user, kind, value, records, providers, first_at, last_at, times, closed_at \
             FROM hint_notices WHERE ($1 OR closed_at IS NULL) ORDER BY last_at DESC, id DESC LIMIT $2",
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
    Ok(c.execute(
        "UPDATE hint_notices SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL",
        &[&id, &at],
    )
    .await
    .map_err(db_err)?
        == 1)
}
