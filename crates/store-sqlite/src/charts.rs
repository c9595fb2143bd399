//! Charts and a record's neighbourhood (`renkei_store::charts` builds the queries).

use renkei_policy::ReadScope;
use renkei_store::charts;
use renkei_store::sql::Placeholders;
use renkei_store::{HistogramCell, MalwareTally, RecordRow};
use rusqlite::{Connection, params_from_iter};

use crate::records::{row_from, to_values};

const STYLE: Placeholders = Placeholders::QuestionNumbered;

pub(crate) fn histogram(
    conn: &Connection,
    scope: &ReadScope,
    from: i64,
    to: i64,
    bucket: i64,
) -> rusqlite::Result<Vec<HistogramCell>> {
    let (text, params) = charts::histogram_query(STYLE, scope, from, to, bucket);
    conn.prepare_cached(&text)?
        .query_map(params_from_iter(to_values(params)), |x| {
            Ok(HistogramCell {
                bucket: x.get(0)?,
                sector: x.get(1)?,
                records: x.get::<_, i64>(2)?.max(0) as u64,
            })
        })?
        .collect()
}

pub(crate) fn malware(
    conn: &Connection,
    scope: &ReadScope,
    from: i64,
    to: i64,
    limit: usize,
) -> rusqlite::Result<Vec<MalwareTally>> {
    let (text, params) = charts::malware_query(STYLE, scope, from, to, limit);
    conn.prepare_cached(&text)?
        .query_map(params_from_iter(to_values(params)), |x| {
            Ok(MalwareTally {
                malware_id: x.get(0)?,
                records: x.get::<_, i64>(1)?.max(0) as u64,
            })
        })?
        .collect()
}

pub(crate) fn referrers(
    conn: &Connection,
    scope: &ReadScope,
    stix_id: &str,
    limit: usize,
) -> rusqlite::Result<Vec<RecordRow>> {
    let (text, params) = charts::referrers_query(STYLE, scope, stix_id, limit);
    let rows = conn
        .prepare_cached(&text)?
        .query_map(params_from_iter(to_values(params)), row_from)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows.into_iter().map(|(row, _)| row).collect())
}
