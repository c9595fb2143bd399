//! Records: ingest in batches (binary COPY under the ingest lock), the policy-filtered page
//! query, deletion, and submissions' original bytes.

use deadpool_postgres::GenericClient;
use renkei_model::handling::Sector;
use renkei_model::ids::SubmissionId;
use renkei_model::stix::Timestamp;
use renkei_policy::{ReadScope, audience_mask};
use renkei_store::plan::{self, StoredVersion};
use renkei_store::sql;
use renkei_store::{
    DeleteOutcome, Deleter, IngestOutcome, NewRecord, NewSubmission, Provenance, RecordQuery,
    RecordRow, StoreError, StoreResult, StoredSubmission, VersionFilter, codes, id_key,
};
use tokio_postgres::Row;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use crate::{INGEST_LOCK, STYLE, db_err, parse, refs, to_sql_params};

pub(crate) fn record_from_row(r: &Row) -> StoreResult<RecordRow> {
    let version: &str = r.get(2);
    Ok(RecordRow {
        stix_id: r.get(0),
        stix_type: r.get(1),
        version: Timestamp::parse(version).map_err(|e| StoreError::Invalid(e.to_string()))?,
        date_added: r.get(3),
        body: r.get(4),
        provider: parse(r.get::<_, &str>(5))?,
        provider_sector: r
            .get::<_, Option<&str>>(6)
            .map(parse::<Sector>)
            .transpose()?,
        attribution: codes::attribution_from(i64::from(r.get::<_, i16>(7))),
        tlp: codes::tlp_from(i64::from(r.get::<_, i16>(8))),
        classification: codes::classification_from(i64::from(r.get::<_, i16>(9))),
        handling: None,
    })
}

pub(crate) async fn ingest_tx(
    tx: &deadpool_postgres::Transaction<'_>,
    prov: &Provenance,
    records: &[NewRecord],
    now: i64,
) -> StoreResult<Vec<IngestOutcome>> {
    // The lookups below must use the id_key index: right after a large import, before
    // autovacuum has analysed the table, the planner would otherwise scan all of it.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&INGEST_LOCK])
        .await
        .map_err(db_err)?;
    tx.batch_execute("SET LOCAL enable_seqscan = off")
        .await
        .map_err(db_err)?;
    let provider = prov.provider.to_string();
    let max: Option<i64> = tx
        .query_one("SELECT MAX(date_added) FROM records", &[])
        .await
        .map_err(db_err)?
        .get(0);
    let first = now.max(max.map_or(i64::MIN, |m| m + 1));

    let mut ids: Vec<&str> = records.iter().map(|r| r.stix_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let keys: Vec<i64> = ids.iter().map(|id| id_key(id)).collect();
    let rows = tx
        .query(
            "SELECT stix_id, provider_org, version, body_sha256, date_added, latest FROM records \
             WHERE deleted_at IS NULL AND id_key = ANY($1) AND stix_id = ANY($2)",
            &[&keys, &ids],
        )
        .await
        .map_err(db_err)?;
    let stored = rows
        .iter()
        .map(|r| StoredVersion {
            stix_id: r.get(0),
            provider: r.get(1),
            version: r.get(2),
            body_sha256: r.get::<_, &[u8]>(3).try_into().unwrap_or([0; 32]),
            date_added: r.get(4),
            latest: r.get::<_, i16>(5) == 1,
        })
        .collect();
    let plan = plan::plan(&provider, records, stored, first);

    if !plan.demote.is_empty() {
        tx.execute(
            "UPDATE records SET latest = 0 WHERE date_added = ANY($1)",
            &[&plan.demote],
        )
        .await
        .map_err(db_err)?;
    }
    let submission = prov.submission.to_string();
    let sector = prov.provider_sector.as_ref().map(|s| s.as_str().to_owned());
    // COPY in binary: the fastest way into PostgreSQL, about twice INSERT … UNNEST.
    let sink = tx
        .copy_in(
            "COPY records (stix_id, id_key, stix_type, class, version, date_added, provider_org, provider_kind, provider_sector, \
             submission_id, tlp, audience_mask, classification, uses, attribution, pap, body_sha256, body, latest, twin, category) FROM STDIN BINARY",
        )
        .await
        .map_err(db_err)?;
    let writer = BinaryCopyInWriter::new(
        sink,
        &[
            Type::TEXT,
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::INT2,
            Type::INT4,
            Type::INT2,
            Type::INT2,
            Type::INT2,
            Type::INT2,
            Type::BYTEA,
            Type::TEXT,
            Type::INT2,
            Type::INT2,
            Type::TEXT,
        ],
    );
    futures::pin_mut!(writer);
    let kind = prov.provider_kind.as_str();
    for p in &plan.inserts {
        let r = p.record;
        let h = &r.handling;
        let mask = i32::try_from(audience_mask(&h.audience)).unwrap_or(i32::MAX);
        writer
            .as_mut()
            .write(&[
                &r.stix_id,
                &r.id_key,
                &r.stix_type,
                &r.class.as_str(),
                &p.version,
                &p.date_added,
                &provider,
                &kind,
                &sector,
                &submission,
                &codes::tlp(h.tlp),
                &mask,
                &i16::from(h.classification.level()),
                &i16::from(h.uses.bits()),
                &codes::attribution(h.attribution),
                &codes::pap(h.pap),
                &&r.body_sha256[..],
                &r.body,
                &i16::from(p.latest),
                &i16::from(p.twin),
                &r.terms.category,
            ])
            .await
            .map_err(db_err)?;
    }
    writer.finish().await.map_err(db_err)?;

    let mut audience_added: Vec<i64> = Vec::new();
    let mut audience_kind: Vec<i16> = Vec::new();
    let mut audience_ref: Vec<String> = Vec::new();
    for p in &plan.inserts {
        for (kind, value) in codes::audience_entries(&p.record.handling.audience) {
            audience_added.push(p.date_added);
            audience_kind.push(kind);
            audience_ref.push(value);
        }
    }
    if !audience_added.is_empty() {
        tx.execute(
            "INSERT INTO record_audience (record_added, kind, ref) SELECT * FROM UNNEST($1::int8[], $2::int2[], $3::text[]) ON CONFLICT DO NOTHING",
            &[&audience_added, &audience_kind, &audience_ref],
        )
        .await
        .map_err(db_err)?;
    }
    crate::index::add(tx, &provider, &plan.inserts, now).await?;
    crate::feeds::add(tx, &plan.inserts, &plan.demote, first).await?;
    Ok(plan.outcomes)
}

pub(crate) async fn save_submission_in(
    client: &impl GenericClient,
    s: &NewSubmission,
) -> StoreResult<()> {
    let (encoding, packed) = renkei_store::codec::pack(&s.bytes);
    client
        .execute(
            "INSERT INTO submissions (id, provider_org, user_id, received_at, channel, media_type, sha256, encoding, bytes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &s.id.to_string(),
                &s.provider.to_string(),
                &s.user.to_string(),
                &s.received_at,
                &s.channel,
                &s.media_type,
                &&s.sha256[..],
                &encoding,
                &packed,
            ],
        )
        .await
        .map(drop)
        .map_err(db_err)
}

pub(crate) async fn submission(
    c: &impl GenericClient,
    id: SubmissionId,
) -> StoreResult<Option<StoredSubmission>> {
    let Some(r) = c
        .query_opt(
            "SELECT provider_org, user_id, received_at, channel, media_type, sha256, encoding, bytes FROM submissions WHERE id = $1",
            &[&id.to_string()],
        )
        .await
        .map_err(db_err)?
    else {
        return Ok(None);
    };
    Ok(Some(StoredSubmission {
        id,
        provider: parse(r.get::<_, &str>(0))?,
        user: parse(r.get::<_, &str>(1))?,
        received_at: r.get(2),
        channel: r.get(3),
        media_type: r.get(4),
        sha256: r
            .get::<_, &[u8]>(5)
            .try_into()
            .map_err(|_| StoreError::Invalid("bad sha256".into()))?,
        bytes: renkei_store::codec::unpack(r.get::<_, &str>(6), r.get(7))?,
    }))
}

pub(crate) async fn query(
    c: &impl GenericClient,
    scope: &ReadScope,
    query: &RecordQuery,
) -> StoreResult<Vec<RecordRow>> {
    let (text, params) = sql::record_query(STYLE, scope, query);
    let stmt = c.prepare_cached(&text).await.map_err(db_err)?;
    let boxed = to_sql_params(&params);
    let rows = c.query(&stmt, &refs(&boxed)).await.map_err(db_err)?;
    let mut out: Vec<RecordRow> = rows
        .iter()
        .map(record_from_row)
        .collect::<StoreResult<_>>()?;
    if !query.with_handling || out.is_empty() {
        return Ok(out);
    }
    let keys: Vec<i64> = out.iter().map(|r| r.date_added).collect();
    let audience = c
        .query(
            "SELECT record_added, kind, ref FROM record_audience WHERE record_added = ANY($1) ORDER BY record_added, kind, ref",
            &[&keys],
        )
        .await
        .map_err(db_err)?;
    let mut by_record: std::collections::HashMap<i64, Vec<(i16, String)>> =
        std::collections::HashMap::new();
    for a in &audience {
        by_record
            .entry(a.get(0))
            .or_default()
            .push((a.get(1), a.get(2)));
    }
    for (row, r) in out.iter_mut().zip(&rows) {
        let entries = by_record.remove(&row.date_added).unwrap_or_default();
        row.handling = Some(codes::handling_from(
            i64::from(r.get::<_, i16>(8)),
            i64::from(r.get::<_, i32>(10)),
            &entries,
            i64::from(r.get::<_, i16>(9)),
            i64::from(r.get::<_, i16>(11)),
            i64::from(r.get::<_, i16>(7)),
            i64::from(r.get::<_, i16>(12)),
        ));
    }
    Ok(out)
}

pub(crate) async fn visible_ids(
    c: &impl GenericClient,
    scope: &ReadScope,
    ids: &[String],
) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let (text, params) = sql::visible_ids_query(STYLE, scope, chunk);
        let boxed = to_sql_params(&params);
        for r in c.query(&text, &refs(&boxed)).await.map_err(db_err)? {
            out.push(r.get(0));
        }
    }
    Ok(out)
}

pub(crate) async fn delete(
    tx: &deadpool_postgres::Transaction<'_>,
    scope: &ReadScope,
    deleter: &Deleter,
    stix_id: &str,
    versions: &VersionFilter,
    now: i64,
) -> StoreResult<DeleteOutcome> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&INGEST_LOCK])
        .await
        .map_err(db_err)?;
    let (text, params) = sql::delete_selection(STYLE, scope, stix_id, versions);
    let boxed = to_sql_params(&params);
    let selected: Vec<(i64, String)> = tx
        .query(&text, &refs(&boxed))
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    if selected.is_empty() {
        return Ok(DeleteOutcome::NotFound);
    }
    let mine = deleter.org.to_string();
    let deletable: Vec<i64> = selected
        .iter()
        .filter(|(_, p)| deleter.may_delete_any || *p == mine)
        .map(|(key, _)| *key)
        .collect();
    if deletable.is_empty() {
        return Ok(DeleteOutcome::Forbidden);
    }
    tx.execute(
        "UPDATE records SET deleted_at = $2, latest = 0 WHERE date_added = ANY($1)",
        &[&deletable, &now],
    )
    .await
    .map_err(db_err)?;
    crate::feeds::remove(tx, &deletable, now).await?;
    tx.execute(
        "UPDATE records SET latest = CASE WHEN version = (SELECT MAX(version) FROM records WHERE id_key = $2 AND stix_id = $1 AND deleted_at IS NULL) THEN 1 ELSE 0 END \
         WHERE id_key = $2 AND stix_id = $1 AND deleted_at IS NULL",
        &[&stix_id, &id_key(stix_id)],
    )
    .await
    .map_err(db_err)?;
    Ok(DeleteOutcome::Deleted(deletable.len()))
}
