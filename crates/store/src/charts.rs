//! Aggregates for the web UI's charts and a record's neighbourhood, each over the records a
//! reader may see: the queries carry the same visibility filter as every other read
//! ([`SqlBuilder::visible`], a transcription of `ReadScope::admits`), so a chart never counts
//! a record its reader could not open.

use renkei_model::handling::Attribution;
use renkei_policy::ReadScope;

use crate::codes;
use crate::sql::{Placeholders, SqlBuilder, SqlParam};

/// Records added in one time bucket by providers of one sector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistogramCell {
    /// The bucket's index from the start of the period (0, 1, …).
    pub bucket: i64,
    /// The providers' sector, where the reader may learn it (the attribution rule); `None`
    /// for records whose sector is hidden from this reader or whose provider has none.
    pub sector: Option<String>,
    pub records: u64,
}

/// How many visible relationships of a period point at one malware object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MalwareTally {
    pub malware_id: String,
    pub records: u64,
}

/// The latest visible version of each record, added in `[from, to)`, counted per bucket of
/// `bucket` microseconds and per sector the reader may learn.
pub fn histogram_query(
    style: Placeholders,
    scope: &ReadScope,
    from: i64,
    to: i64,
    bucket: i64,
) -> (String, Vec<SqlParam>) {
    let mut b = SqlBuilder::new(style);
    let from_p = b.int(from);
    let to_p = b.int(to);
    let bucket_p = b.int(bucket.max(1));
    let vis = b.visible(scope, "r");
    let first = b.first_visible_copy(scope, "r");
    let learnable = codes::attribution(Attribution::SectorOnly);
    let me = match scope {
        ReadScope::Member(m) if m.secretariat => "1 = 1".to_owned(),
        ReadScope::Member(m) => {
            let org = b.text(&m.org.to_string());
            format!("r.provider_org = {org}")
        }
        _ => "1 = 0".to_owned(),
    };
    let sql = format!(
        "SELECT (r.date_added - {from_p}) / {bucket_p} AS bucket, \
         CASE WHEN r.attribution <= {learnable} OR {me} THEN r.provider_sector END AS sector, COUNT(*) \
         FROM records r WHERE r.deleted_at IS NULL AND r.latest = 1 \
         AND r.date_added >= {from_p} AND r.date_added < {to_p} AND {vis} AND {first} \
         GROUP BY 1, 2 ORDER BY 1, 2"
    );
    (sql, b.params)
}

/// `key` of the JSON object in column `col`, as text, in the backend's dialect. Used with the
/// expression indexes of the `records_*_ref` migrations, which spell it the same way.
pub fn json_text(style: Placeholders, col: &str, key: &str) -> String {
    match style {
        Placeholders::QuestionNumbered => format!("json_extract({col}, '$.{key}')"),
        Placeholders::DollarNumbered => format!("(({col})::jsonb ->> '{key}')"),
    }
}

/// Visible relationships added in `[from, to)` whose `target_ref` is a malware object,
/// counted per target; the most-targeted `limit` first.
pub fn malware_query(
    style: Placeholders,
    scope: &ReadScope,
    from: i64,
    to: i64,
    limit: usize,
) -> (String, Vec<SqlParam>) {
    let mut b = SqlBuilder::new(style);
    let from_p = b.int(from);
    let to_p = b.int(to);
    let vis = b.visible(scope, "r");
    let first = b.first_visible_copy(scope, "r");
    let limit = b.int(i64::try_from(limit).unwrap_or(i64::MAX));
    let target = json_text(style, "r.body", "target_ref");
    let sql = format!(
        "SELECT {target} AS target, COUNT(*) FROM records r \
         WHERE r.stix_type = 'relationship' AND r.deleted_at IS NULL AND r.latest = 1 \
         AND r.date_added >= {from_p} AND r.date_added < {to_p} \
         AND {target} LIKE 'malware--%' AND {vis} AND {first} \
         GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {limit}"
    );
    (sql, b.params)
}

/// The latest visible relationships whose `source_ref` or `target_ref` is `stix_id`, newest
/// first, with the columns of [`crate::sql::record_query`]. Each half is answered by its
/// partial expression index.
pub fn referrers_query(
    style: Placeholders,
    scope: &ReadScope,
    stix_id: &str,
    limit: usize,
) -> (String, Vec<SqlParam>) {
    let mut b = SqlBuilder::new(style);
    let id = b.text(stix_id);
    let vis = b.visible(scope, "r");
    let first = b.first_visible_copy(scope, "r");
    let limit = b.int(i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX));
    let end = |key: &str| {
        format!(
            "SELECT date_added FROM records WHERE stix_type = 'relationship' AND {} = {id}",
            json_text(style, "body", key)
        )
    };
    let sql = format!(
        "SELECT r.stix_id, r.stix_type, r.version, r.date_added, r.body, r.provider_org, r.provider_sector, r.attribution, \
         r.tlp, r.classification, r.audience_mask, r.uses, r.pap \
         FROM records r WHERE r.date_added IN ({} UNION {}) \
         AND r.deleted_at IS NULL AND r.latest = 1 AND {vis} AND {first} \
         ORDER BY r.date_added DESC LIMIT {limit}",
        end("source_ref"),
        end("target_ref"),
    );
    (sql, b.params)
}
