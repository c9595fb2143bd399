//! SQL shared by both backends: the record filter that implements a [`ReadScope`], and the
//! queries built on it. Client input never becomes SQL text: ids, types and versions are bound
//! as parameters, and the only values written into the text are integers derived from typed
//! policy values.

use renkei_model::handling::{Tlp, Use};
use renkei_policy::{ReadScope, bits, use_bit};

use crate::types::{RecordQuery, VersionFilter, codes, id_key};

/// A bound parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SqlParam {
    Text(String),
    Int(i64),
}

/// How a backend writes the n-th (1-based) placeholder.
#[derive(Clone, Copy, Debug)]
pub enum Placeholders {
    /// `?1`, `?2`… (SQLite)
    QuestionNumbered,
    /// `$1`, `$2`… (PostgreSQL)
    DollarNumbered,
}

/// Accumulates SQL text and its parameters.
#[derive(Debug)]
pub struct SqlBuilder {
    style: Placeholders,
    pub params: Vec<SqlParam>,
}

impl SqlBuilder {
    pub fn new(style: Placeholders) -> Self {
        SqlBuilder {
            style,
            params: Vec::new(),
        }
    }

    /// Binds a value and returns its placeholder.
    pub fn bind(&mut self, p: SqlParam) -> String {
        if let Some(i) = self.params.iter().position(|q| *q == p) {
            return self.ph(i + 1);
        }
        self.params.push(p);
        self.ph(self.params.len())
    }

    pub fn text(&mut self, s: &str) -> String {
        self.bind(SqlParam::Text(s.to_owned()))
    }

    pub fn int(&mut self, n: i64) -> String {
        self.bind(SqlParam::Int(n))
    }

    fn ph(&self, n: usize) -> String {
        match self.style {
            Placeholders::QuestionNumbered => format!("?{n}"),
            Placeholders::DollarNumbered => format!("${n}"),
        }
    }

    /// `a.id_key IN (…) AND a.stix_id IN (…)` for a list of STIX ids.
    pub fn ids_in(&mut self, a: &str, ids: &[String]) -> String {
        let keys: Vec<String> = ids.iter().map(|id| self.int(id_key(id))).collect();
        let list = self.in_list(&format!("{a}.stix_id"), ids);
        format!("{a}.id_key IN ({}) AND {list}", keys.join(", "))
    }

    /// `col IN (…)` for a list of strings.
    pub fn in_list(&mut self, col: &str, values: &[String]) -> String {
        let phs: Vec<String> = values.iter().map(|v| self.text(v)).collect();
        format!("{col} IN ({})", phs.join(", "))
    }

    /// The visibility filter for rows of `records` under `alias`: a transcription of
    /// `ReadScope::admits`, tested against `decide` by the conformance suite.
    pub fn visible(&mut self, scope: &ReadScope, a: &str) -> String {
        match scope {
            ReadScope::Nothing => "(1 = 0)".to_owned(),
            ReadScope::Public => format!(
                "({a}.provider_kind = 'secretariat' AND {a}.tlp = {clear} AND {a}.classification = 0 AND ({a}.uses & {publication}) != 0)",
                clear = codes::tlp(Tlp::Clear),
                publication = use_bit(Use::Publication),
            ),
            ReadScope::Member(m) => {
                let org = self.text(&m.org.to_string());
                let user = self.text(&m.user.to_string());
                let red = codes::tlp(Tlp::Red);
                let entry = |kind: i16, value: &str| {
                    format!(
                        "EXISTS (SELECT 1 FROM record_audience ae WHERE ae.record_added = {a}.date_added AND ae.kind = {kind} AND ae.ref = {value})"
                    )
                };
                let mut reach = Vec::new();
                if m.secretariat {
                    reach.push("1 = 1".to_owned());
                }
                if m.kind_bits != 0 {
                    reach.push(format!("({a}.audience_mask & {}) != 0", m.kind_bits));
                }
                if let Some(sector) = &m.member_sector {
                    let s = self.text(sector.as_str());
                    reach.push(format!(
                        "(({a}.audience_mask & {}) != 0 AND {})",
                        bits::SECTORS,
                        entry(codes::AUDIENCE_SECTOR, &s)
                    ));
                }
                reach.push(format!(
                    "(({a}.audience_mask & {}) != 0 AND {})",
                    bits::ORGS,
                    entry(codes::AUDIENCE_ORG, &org)
                ));
                reach.push(format!(
                    "(({a}.audience_mask & {}) != 0 AND {})",
                    bits::USERS,
                    entry(codes::AUDIENCE_USER, &user)
                ));
                format!(
                    "({a}.classification <= {clearance} AND ({a}.provider_org = {org} \
                     OR ({a}.tlp = {red} AND ({a}.audience_mask & {users}) != 0 AND {named}) \
                     OR ({a}.tlp != {red} AND ({a}.audience_mask & {provider}) = 0 AND ({reach}))))",
                    clearance = m.clearance.level(),
                    users = bits::USERS,
                    named = entry(codes::AUDIENCE_USER, &user),
                    provider = bits::PROVIDER,
                    reach = reach.join(" OR "),
                )
            }
        }
    }

    /// The `match[version]` selection for rows under alias `r`, evaluated among visible rows.
    pub fn version_filter(
        &mut self,
        scope: &ReadScope,
        versions: &VersionFilter,
        a: &str,
    ) -> String {
        if versions.all {
            return "1 = 1".to_owned();
        }
        let mut any = Vec::new();
        if versions.last {
            let vis = self.visible(scope, "n");
            any.push(format!(
                "({a}.latest = 1 OR NOT EXISTS (SELECT 1 FROM records n WHERE n.id_key = {a}.id_key AND n.stix_id = {a}.stix_id \
                 AND n.version > {a}.version AND n.deleted_at IS NULL AND {vis}))"
            ));
        }
        if versions.first {
            let vis = self.visible(scope, "o");
            any.push(format!(
                "NOT EXISTS (SELECT 1 FROM records o WHERE o.id_key = {a}.id_key AND o.stix_id = {a}.stix_id \
                 AND o.version < {a}.version AND o.deleted_at IS NULL AND {vis})"
            ));
        }
        if !versions.exact.is_empty() {
            let exact: Vec<String> = versions.exact.iter().map(|t| t.to_sortable()).collect();
            any.push(self.in_list(&format!("{a}.version"), &exact));
        }
        if any.is_empty() {
            "1 = 0".to_owned()
        } else {
            format!("({})", any.join(" OR "))
        }
    }

    /// Two providers may hold the same object version; a reader sees the earliest copy visible
    /// to them only, so a version never appears twice.
    pub fn first_visible_copy(&mut self, scope: &ReadScope, a: &str) -> String {
        let vis = self.visible(scope, "t");
        format!(
            "({a}.twin = 0 OR NOT EXISTS (SELECT 1 FROM records t WHERE t.id_key = {a}.id_key AND t.stix_id = {a}.stix_id \
             AND t.version = {a}.version AND t.date_added < {a}.date_added AND t.deleted_at IS NULL AND {vis}))"
        )
    }
}

/// The page query of [`crate::Store::query_records`]. Columns: stix_id, stix_type, version,
/// date_added, body (or NULL), provider_org, provider_sector, attribution, then the handling
/// codes tlp, classification, audience_mask, uses, pap.
pub fn record_query(
    style: Placeholders,
    scope: &ReadScope,
    q: &RecordQuery,
) -> (String, Vec<SqlParam>) {
    let mut b = SqlBuilder::new(style);
    let mut wh = vec!["r.deleted_at IS NULL".to_owned()];
    if let Some(after) = q.added_after {
        let p = b.int(after);
        wh.push(format!("r.date_added > {p}"));
    }
    wh.push(b.visible(scope, "r"));
    if !q.ids.is_empty() {
        wh.push(b.ids_in("r", &q.ids));
    }
    if !q.types.is_empty() {
        wh.push(b.in_list("r.stix_type", &q.types));
    }
    if let Some(svs) = &q.spec_versions {
        // Every stored record is STIX 2.1.
        if !svs.iter().any(|v| v == "2.1") {
            wh.push("1 = 0".to_owned());
        }
    }
    wh.push(b.version_filter(scope, &q.versions, "r"));
    wh.push(b.first_visible_copy(scope, "r"));
    let limit = b.int(i64::try_from(q.limit.saturating_add(1)).unwrap_or(i64::MAX));
    let body = if q.with_body { "r.body" } else { "NULL" };
    let sql = format!(
        "SELECT r.stix_id, r.stix_type, r.version, r.date_added, {body}, r.provider_org, r.provider_sector, r.attribution, \
         r.tlp, r.classification, r.audience_mask, r.uses, r.pap \
         FROM records r WHERE {} ORDER BY r.date_added LIMIT {limit}",
        wh.join(" AND ")
    );
    (sql, b.params)
}

/// Which of the given ids have a visible record.
pub fn visible_ids_query(
    style: Placeholders,
    scope: &ReadScope,
    ids: &[String],
) -> (String, Vec<SqlParam>) {
    let mut b = SqlBuilder::new(style);
    let vis = b.visible(scope, "r");
    let list = b.ids_in("r", ids);
    (
        format!(
            "SELECT DISTINCT r.stix_id FROM records r WHERE r.deleted_at IS NULL AND {list} AND {vis}"
        ),
        b.params,
    )
}

/// The rows a delete request selects: date_added (the key) and provider of each visible matching version.
pub fn delete_selection(
    style: Placeholders,
    scope: &ReadScope,
    stix_id: &str,
    versions: &VersionFilter,
) -> (String, Vec<SqlParam>) {
    let mut b = SqlBuilder::new(style);
    let key = b.int(id_key(stix_id));
    let id = b.text(stix_id);
    let vis = b.visible(scope, "r");
    let vf = b.version_filter(scope, versions, "r");
    (
        format!(
            "SELECT r.date_added, r.provider_org FROM records r WHERE r.deleted_at IS NULL AND r.id_key = {key} AND r.stix_id = {id} AND {vis} AND {vf}"
        ),
        b.params,
    )
}

/// The search query of [`crate::Store::search`]: the columns of [`record_query`] (with the
/// body), newest first. `text_match` writes the backend's full-text condition for the
/// query's tokens on alias `r`; it is only called when there are tokens.
pub fn search_query(
    style: Placeholders,
    scope: &ReadScope,
    q: &crate::SearchQuery,
    text_match: impl FnOnce(&mut SqlBuilder, &[String]) -> String,
) -> (String, Vec<SqlParam>) {
    use renkei_model::handling::Attribution;
    let mut b = SqlBuilder::new(style);
    let mut wh = vec!["r.deleted_at IS NULL".to_owned(), "r.latest = 1".to_owned()];
    wh.push(b.visible(scope, "r"));
    if !q.tokens.is_empty() {
        wh.push(text_match(&mut b, &q.tokens));
    }
    if !q.types.is_empty() {
        wh.push(b.in_list("r.stix_type", &q.types));
    }
    if !q.tlp.is_empty() {
        let codes: Vec<String> = q.tlp.iter().map(|t| codes::tlp(*t).to_string()).collect();
        wh.push(format!("r.tlp IN ({})", codes.join(", ")));
    }
    if let Some(c) = &q.category {
        let p = b.text(c);
        wh.push(format!("r.category = {p}"));
    }
    if let Some(sector) = &q.sector {
        // Only records whose sector the reader may learn: the provider's attribution allows
        // it, or the reader is the provider or the secretariat (as `renkei_policy::view_of`).
        let s = b.text(sector.as_str());
        let learnable = codes::attribution(Attribution::SectorOnly);
        let me = match scope {
            ReadScope::Member(m) if m.secretariat => "1 = 1".to_owned(),
            ReadScope::Member(m) => {
                let org = b.text(&m.org.to_string());
                format!("r.provider_org = {org}")
            }
            _ => "1 = 0".to_owned(),
        };
        wh.push(format!(
            "r.provider_sector = {s} AND (r.attribution <= {learnable} OR {me})"
        ));
    }
    if let Some(from) = q.added_from {
        let p = b.int(from);
        wh.push(format!("r.date_added >= {p}"));
    }
    if let Some(until) = q.added_until {
        let p = b.int(until);
        wh.push(format!("r.date_added < {p}"));
    }
    if let Some(before) = q.before {
        let p = b.int(before);
        wh.push(format!("r.date_added < {p}"));
    }
    wh.push(b.first_visible_copy(scope, "r"));
    let limit = b.int(i64::try_from(q.limit.saturating_add(1)).unwrap_or(i64::MAX));
    let sql = format!(
        "SELECT r.stix_id, r.stix_type, r.version, r.date_added, r.body, r.provider_org, r.provider_sector, r.attribution, \
         r.tlp, r.classification, r.audience_mask, r.uses, r.pap \
         FROM records r WHERE {} ORDER BY r.date_added DESC LIMIT {limit}",
        wh.join(" AND ")
    );
    (sql, b.params)
}
