//! Charts and a record's neighbourhood (`renkei_store::charts` builds the queries).

use deadpool_postgres::GenericClient;
use renkei_policy::ReadScope;
use renkei_store::charts;
use renkei_store::{HistogramCell, MalwareTally, RecordRow, StoreResult};

use crate::index::prepared;
use crate::records::record_from_row;
use crate::{STYLE, db_err, refs, to_sql_params};

pub(crate) async fn histogram(
    c: &impl GenericClient,
    scope: &ReadScope,
    from: i64,
    to: i64,
    bucket: i64,
) -> StoreResult<Vec<HistogramCell>> {
    let (text, params) = charts::histogram_query(STYLE, scope, from, to, bucket);
    let boxed = to_sql_params(&params);
    let stmt = prepared(c, &text).await?;
    Ok(c.query(&stmt, &refs(&boxed))
        .await
        .map_err(db_err)?
        .iter()
        .map(|x| HistogramCell {
            bucket: x.get(0),
            sector: x.get(1),
            records: x.get::<_, i64>(2).max(0) as u64,
        })
        .collect())
}

pub(crate) async fn malware(
    c: &impl GenericClient,
    scope: &ReadScope,
    from: i64,
    to: i64,
    limit: usize,
) -> StoreResult<Vec<MalwareTally>> {
    let (text, params) = charts::malware_query(STYLE, scope, from, to, limit);
    let boxed = to_sql_params(&params);
    let stmt = prepared(c, &text).await?;
    Ok(c.query(&stmt, &refs(&boxed))
        .await
        .map_err(db_err)?
        .iter()
        .map(|x| MalwareTally {
            malware_id: x.get(0),
            records: x.get::<_, i64>(1).max(0) as u64,
        })
        .collect())
}

pub(crate) async fn referrers(
    c: &impl GenericClient,
    scope: &ReadScope,
    stix_id: &str,
    limit: usize,
) -> StoreResult<Vec<RecordRow>> {
    let (text, params) = charts::referrers_query(STYLE, scope, stix_id, limit);
    let boxed = to_sql_params(&params);
    let stmt = prepared(c, &text).await?;
    c.query(&stmt, &refs(&boxed))
        .await
        .map_err(db_err)?
        .iter()
        .map(record_from_row)
        .collect()
}
