//! Records: ingest in batches, the policy-filtered page query, deletion.

use renkei_model::handling::Sector;
use renkei_model::ids::{OrgId, SubmissionId, UserId};
use renkei_model::stix::Timestamp;
use renkei_policy::{ReadScope, audience_mask};
use renkei_store::codec;
use renkei_store::plan::{self, StoredVersion};
use renkei_store::sql::{self, Placeholders, SqlParam};
use renkei_store::{
    DeleteOutcome, Deleter, IngestOutcome, NewRecord, NewSubmission, Provenance, RecordQuery,
    RecordRow, StoredSubmission, VersionFilter, codes, id_key,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};

const STYLE: Placeholders = Placeholders::QuestionNumbered;

pub(crate) fn to_values(params: Vec<SqlParam>) -> Vec<Value> {
    params
        .into_iter()
        .map(|p| match p {
            SqlParam::Text(s) => Value::Text(s),
            SqlParam::Int(n) => Value::Integer(n),
        })
        .collect()
}

pub(crate) fn save_submission(conn: &Connection, s: &NewSubmission) -> rusqlite::Result<()> {
    let (encoding, packed) = codec::pack(&s.bytes);
    conn.execute(
        "INSERT INTO submissions (id, provider_org, user_id, received_at, channel, media_type, sha256, encoding, bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            s.id.to_string(),
            s.provider.to_string(),
            s.user.to_string(),
            s.received_at,
            s.channel,
            s.media_type,
            &s.sha256[..],
            encoding,
            packed
        ],
    )?;
    Ok(())
}

pub(crate) fn submission(
    conn: &Connection,
    id: SubmissionId,
) -> rusqlite::Result<Option<StoredSubmission>> {
    conn.query_row(
        "SELECT provider_org, user_id, received_at, channel, media_type, sha256, encoding, bytes FROM submissions WHERE id = ?1",
        [id.to_string()],
        |r| {
            let sha: Vec<u8> = r.get(5)?;
            Ok(StoredSubmission {
                id,
                provider: r.get::<_, String>(0)?.parse::<OrgId>().map_err(conv)?,
                user: r.get::<_, String>(1)?.parse::<UserId>().map_err(conv)?,
                received_at: r.get(2)?,
                channel: r.get(3)?,
                media_type: r.get(4)?,
                sha256: sha.try_into().map_err(|_| conv("bad sha256 length"))?,
                bytes: codec::unpack(&r.get::<_, String>(6)?, r.get(7)?).map_err(conv)?,
            })
        },
    )
    .optional()
}

pub(crate) fn conv(e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.to_string().into())
}

pub(crate) fn ingest(
    tx: &Transaction<'_>,
    prov: &Provenance,
    records: &[NewRecord],
    now: i64,
) -> rusqlite::Result<Vec<IngestOutcome>> {
    let provider = prov.provider.to_string();
    let max_added: Option<i64> =
        tx.query_row("SELECT MAX(date_added) FROM records", [], |r| r.get(0))?;
    let first = now.max(max_added.map_or(i64::MIN, |m| m + 1));

    // Everything already stored for the objects of this batch, 500 ids per query.
    let mut unique: Vec<&str> = records.iter().map(|r| r.stix_id.as_str()).collect();
    unique.sort_unstable();
    unique.dedup();
    let wanted: std::collections::HashSet<&str> = unique.iter().copied().collect();
    let mut stored = Vec::new();
    for chunk in unique.chunks(500) {
        let phs: Vec<String> = (1..=chunk.len()).map(|i| format!("?{i}")).collect();
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT stix_id, provider_org, version, body_sha256, date_added, latest FROM records WHERE deleted_at IS NULL AND id_key IN ({})",
            phs.join(",")
        ))?;
        let mut rows = stmt.query(params_from_iter(chunk.iter().map(|id| id_key(id))))?;
        while let Some(r) = rows.next()? {
            let stix_id: String = r.get(0)?;
            if !wanted.contains(stix_id.as_str()) {
                continue;
            }
            let sha: Vec<u8> = r.get(3)?;
            stored.push(StoredVersion {
                stix_id,
                provider: r.get(1)?,
                version: r.get(2)?,
                body_sha256: sha.try_into().unwrap_or([0; 32]),
                date_added: r.get(4)?,
                latest: r.get(5)?,
            });
        }
    }
    let known: std::collections::HashSet<i64> = stored.iter().map(|s| id_key(&s.stix_id)).collect();
    let plan = plan::plan(&provider, records, stored, first);

    {
        let mut stmt = tx.prepare_cached("UPDATE records SET latest = 0 WHERE date_added = ?1")?;
        for key in &plan.demote {
            stmt.execute([key])?;
        }
    }
    let submission = prov.submission.to_string();
    let sector = prov.provider_sector.as_ref().map(Sector::as_str);
    let kind = prov.provider_kind.as_str();
    let mut insert = tx.prepare_cached(
        "INSERT INTO records (stix_id, id_key, stix_type, class, version, date_added, provider_org, provider_kind, provider_sector, \
         submission_id, tlp, audience_mask, classification, uses, attribution, pap, body_sha256, body, latest, twin, category) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
    )?;
    for p in &plan.inserts {
        let r = p.record;
        let h = &r.handling;
        insert.execute(params![
            r.stix_id,
            r.id_key,
            r.stix_type,
            r.class.as_str(),
            p.version,
            p.date_added,
            provider,
            kind,
            sector,
            submission,
            codes::tlp(h.tlp),
            audience_mask(&h.audience),
            h.classification.level(),
            h.uses.bits(),
            codes::attribution(h.attribution),
            codes::pap(h.pap),
            &r.body_sha256[..],
            r.body,
            p.latest,
            p.twin,
            r.terms.category,
        ])?;
    }
    let mut audience = tx.prepare_cached(
        "INSERT OR IGNORE INTO record_audience (record_added, kind, ref) VALUES (?1, ?2, ?3)",
    )?;
    for p in &plan.inserts {
        for (kind, value) in codes::audience_entries(&p.record.handling.audience) {
            audience.execute(params![p.date_added, kind, value])?;
        }
    }
    crate::index::add(tx, &provider, &plan.inserts, known, now)?;
    crate::feeds::add(tx, &plan.inserts, &plan.demote, first)?;
    Ok(plan.outcomes)
}

pub(crate) fn query(
    conn: &Connection,
    scope: &ReadScope,
    q: &RecordQuery,
) -> rusqlite::Result<Vec<RecordRow>> {
    let (text, params) = sql::record_query(STYLE, scope, q);
    let mut stmt = conn.prepare_cached(&text)?;
    let rows = stmt.query_map(params_from_iter(to_values(params)), row_from)?;
    let rows: Vec<(RecordRow, [i64; 3])> = rows.collect::<rusqlite::Result<_>>()?;
    if !q.with_handling {
        return Ok(rows.into_iter().map(|(row, _)| row).collect());
    }
    let mut audience = conn.prepare_cached(
        "SELECT kind, ref FROM record_audience WHERE record_added = ?1 ORDER BY kind, ref",
    )?;
    rows.into_iter()
        .map(|(mut row, [mask, uses, pap])| {
            let entries: Vec<(i16, String)> = audience
                .query_map([row.date_added], |a| Ok((a.get(0)?, a.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            row.handling = Some(codes::handling_from(
                codes::tlp(row.tlp).into(),
                mask,
                &entries,
                row.classification.level().into(),
                uses,
                codes::attribution(row.attribution).into(),
                pap,
            ));
            Ok(row)
        })
        .collect()
}

/// A row of [`sql::record_query`]'s columns, and its handling codes (audience mask, uses, PAP).
pub(crate) fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<(RecordRow, [i64; 3])> {
    let version: String = r.get(2)?;
    let row = RecordRow {
        stix_id: r.get(0)?,
        stix_type: r.get(1)?,
        version: Timestamp::parse(&version).map_err(conv)?,
        date_added: r.get(3)?,
        body: r.get(4)?,
        provider: r.get::<_, String>(5)?.parse::<OrgId>().map_err(conv)?,
        provider_sector: r
            .get::<_, Option<String>>(6)?
            .map(|s| Sector::new(&s))
            .transpose()
            .map_err(conv)?,
        attribution: codes::attribution_from(r.get(7)?),
        tlp: codes::tlp_from(r.get(8)?),
        classification: codes::classification_from(r.get(9)?),
        handling: None,
    };
    let codes = [r.get(10)?, r.get(11)?, r.get(12)?];
    Ok((row, codes))
}

pub(crate) fn visible_ids(
    conn: &Connection,
    scope: &ReadScope,
    ids: &[String],
) -> rusqlite::Result<Vec<String>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let (text, params) = sql::visible_ids_query(STYLE, scope, chunk);
        let mut stmt = conn.prepare(&text)?;
        let rows = stmt.query_map(params_from_iter(to_values(params)), |r| {
            r.get::<_, String>(0)
        })?;
        for r in rows {
            out.push(r?);
        }
    }
    Ok(out)
}

pub(crate) fn delete(
    tx: &Transaction<'_>,
    scope: &ReadScope,
    deleter: &Deleter,
    stix_id: &str,
    versions: &VersionFilter,
    now: i64,
) -> rusqlite::Result<DeleteOutcome> {
    let (text, params) = sql::delete_selection(STYLE, scope, stix_id, versions);
    let selected: Vec<(i64, String)> = tx
        .prepare(&text)?
        .query_map(params_from_iter(to_values(params)), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    if selected.is_empty() {
        return Ok(DeleteOutcome::NotFound);
    }
    let mine = deleter.org.to_string();
    let deletable: Vec<i64> = selected
        .iter()
        .filter(|(_, provider)| deleter.may_delete_any || *provider == mine)
        .map(|(seq, _)| *seq)
        .collect();
    if deletable.is_empty() {
        return Ok(DeleteOutcome::Forbidden);
    }
    {
        let mut stmt = tx.prepare_cached(
            "UPDATE records SET deleted_at = ?2, latest = 0 WHERE date_added = ?1",
        )?;
        for seq in &deletable {
            stmt.execute(params![seq, now])?;
        }
    }
    crate::feeds::remove(tx, &deletable, now)?;
    // The newest remaining version becomes the latest again.
    tx.execute(
        "UPDATE records SET latest = (version = (SELECT MAX(version) FROM records WHERE id_key = ?2 AND stix_id = ?1 AND deleted_at IS NULL)) \
         WHERE id_key = ?2 AND stix_id = ?1 AND deleted_at IS NULL",
        params![stix_id, id_key(stix_id)],
    )?;
    // Nothing of the object left: its text leaves the search index (a later re-submission
    // indexes its own).
    tx.execute(
        "DELETE FROM record_search WHERE rowid IN (SELECT date_added FROM records WHERE id_key = ?2 \
         UNION ALL SELECT doc FROM search_moved WHERE id_key = ?2) \
         AND NOT EXISTS (SELECT 1 FROM records WHERE id_key = ?2 AND stix_id = ?1 AND deleted_at IS NULL)",
        params![stix_id, id_key(stix_id)],
    )?;
    tx.execute(
        "DELETE FROM search_moved WHERE id_key = ?2 \
         AND NOT EXISTS (SELECT 1 FROM records WHERE id_key = ?2 AND stix_id = ?1 AND deleted_at IS NULL)",
        params![stix_id, id_key(stix_id)],
    )?;
    Ok(DeleteOutcome::Deleted(deletable.len()))
}
