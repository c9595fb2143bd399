//! The draft of a cyber bulletin (④ サイバー通報, every 2–3 weeks): the period's data assembled
//! for an analyst to edit — what was shared, new threats, results of law enforcement, the values
//! most widely shared. The draft cites the records it names, so the publication process asks
//! their providers before the bulletin reaches anyone the records do not.

use std::collections::BTreeSet;
use std::fmt::Write;

use axum::http::StatusCode;
use renkei_model::handling::Tlp;
use renkei_model::product::{Period, ProductContent, ProductKind, ProductStatus, limits};
use renkei_model::stix::Timestamp;
use renkei_policy::{Identity, Path, Principal, ReadScope};
use renkei_store::{PeriodSummary, Product, RecordQuery};

use crate::error::ApiError;
use crate::state::AppState;

fn day(micros: i64) -> String {
    Timestamp::from_unix_micros(micros).to_stix()[..10].to_owned()
}

/// `100000` as `100,000`, as the draft writes counts.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How often bulletins appear (seed 003: every 2–3 weeks): the default period of a draft when
/// no bulletin came before.
pub const CADENCE_DAYS: i64 = 14;

/// Where the next bulletin starts: where the last one (not withdrawn) ended, so the series has
/// no gaps; or [`CADENCE_DAYS`] before `until` for the first.
async fn next_period_start(state: &AppState, until: i64) -> Result<i64, ApiError> {
    let last = state
        .store
        .list_products()
        .await?
        .into_iter()
        .filter(|p| p.kind() == ProductKind::Bulletin && p.status != ProductStatus::Withdrawn)
        .filter_map(|p| p.content.period.as_ref().and_then(Period::micros))
        .map(|(_, end)| end)
        .filter(|end| *end < until)
        .max();
    Ok(last.unwrap_or(until - CADENCE_DAYS * 86_400_000_000))
}

/// The draft for [`from`, `until`) from the period's summary.
pub fn draft(s: &PeriodSummary, from: i64, until: i64) -> ProductContent {
    let (first, last) = (day(from), day(until - 1));
    let mut body = String::new();
    let mut cites = BTreeSet::new();
    let _ = writeln!(body, "■ 概況 Overview ({first} – {last})");
    let _ = writeln!(
        body,
        "共有された記録 {} 件、目撃情報 {} 件 / {} records and {} sightings shared.",
        thousands(s.records),
        thousands(s.sightings),
        thousands(s.records),
        thousands(s.sightings)
    );
    let list = |pairs: Vec<(String, u64)>| {
        pairs
            .into_iter()
            .map(|(k, n)| format!("{k} {}", thousands(n)))
            .collect::<Vec<_>>()
            .join("、")
    };
    if !s.by_type.is_empty() {
        let _ = writeln!(body, "種類別 By type: {}", list(s.by_type.clone()));
    }
    if !s.by_category.is_empty() {
        let _ = writeln!(body, "区分別 By category: {}", list(s.by_category.clone()));
    }
    if !s.by_sector.is_empty() {
        let sectors = s
            .by_sector
            .iter()
            .map(|(k, n)| {
                let name = k.as_ref().map_or("(分野なし none)", |s| s.as_str());
                (name.to_owned(), *n)
            })
            .collect();
        let _ = writeln!(body, "提供元の分野別 By provider sector: {}", list(sectors));
    }
    body.push('\n');
    let _ = writeln!(body, "■ 新たな脅威 New threats");
    if s.threats.is_empty() {
        let _ = writeln!(body, "（なし / none）");
    }
    for t in &s.threats {
        let _ = writeln!(
            body,
            "- {} ({})",
            t.name.as_deref().unwrap_or(&t.stix_id),
            t.stix_type
        );
        cites.insert(t.stix_id.clone());
    }
    body.push('\n');
    let _ = writeln!(body, "■ 取締り・対処の結果 Law-enforcement results");
    if s.law_enforcement.is_empty() {
        let _ = writeln!(body, "（なし / none）");
    }
    for r in &s.law_enforcement {
        let _ = writeln!(
            body,
            "- {} ({})",
            r.name.as_deref().unwrap_or(&r.stix_id),
            r.stix_type
        );
        cites.insert(r.stix_id.clone());
    }
    body.push('\n');
    let _ = writeln!(
        body,
        "■ 多くの組織が共有した指標 Most widely shared indicators"
    );
    if s.top_values.is_empty() {
        let _ = writeln!(body, "（なし / none）");
    }
    for v in &s.top_values {
        let _ = writeln!(
            body,
            "- {} {} — {} 組織 / {} 件 ({} organisations, {} records)",
            v.kind,
            defang(&v.value),
            v.providers,
            v.objects,
            v.providers,
            v.objects
        );
        cites.extend(v.records.iter().cloned());
    }
    ProductContent {
        title: format!("サイバー通報 Cyber bulletin {first} – {last}"),
        summary: format!(
            "{first} から {last} までに会員が共有した情報のまとめ。/ What members shared from {first} to {last}."
        ),
        body,
        severity: None,
        sectors: Vec::new(),
        recommended_actions: Vec::new(),
        cites: cites.into_iter().take(limits::CITES).collect(),
        seminar: None,
        period: Some(Period {
            from: Timestamp::from_unix_micros(from).to_stix(),
            until: Timestamp::from_unix_micros(until).to_stix(),
        }),
    }
}

/// Values written so no reader's mail client or editor turns them into live links.
fn defang(v: &str) -> String {
    v.replace("http", "hxxp").replace('.', "[.]")
}

/// Assembles and stores a bulletin draft for [`from`, `until`); its release defaults to the
/// members at TLP:AMBER, for the analyst to change.
pub async fn create_draft(
    state: &AppState,
    me: &Identity,
    from: Option<i64>,
    until: Option<i64>,
) -> Result<Product, ApiError> {
    if !me.is_secretariat() {
        return Err(ApiError::forbidden(
            "not_product_author",
            "Only the secretariat's analysts write and approve products",
        ));
    }
    let until = until.unwrap_or_else(|| state.clock.now_micros());
    let from = match from {
        Some(f) => f,
        None => next_period_start(state, until).await?,
    };
    if from >= until {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "Invalid period",
        )
        .with_description("`from` must be before `until`."));
    }
    let mut summary = state.store.period_summary(from, until).await?;
    keep_citable(state, me, &mut summary).await?;
    let content = draft(&summary, from, until);
    let release = super::Release {
        tlp: Tlp::Amber,
        audience: renkei_model::handling::Audience::members(),
        classification: Default::default(),
        public: false,
    };
    super::create(state, me, ProductKind::Bulletin, content, release).await
}

/// Names in the draft only records the analyst may read and that may appear in a product at
/// all (never TLP:RED, rule 3); a shared value none of whose carriers qualifies is left out.
/// The counts stay whole: they are statistics, not records.
async fn keep_citable(
    state: &AppState,
    me: &Identity,
    s: &mut PeriodSummary,
) -> Result<(), ApiError> {
    let mut ids: BTreeSet<String> = BTreeSet::new();
    ids.extend(s.threats.iter().map(|r| r.stix_id.clone()));
    ids.extend(s.law_enforcement.iter().map(|r| r.stix_id.clone()));
    for v in &s.top_values {
        ids.extend(v.records.iter().cloned());
    }
    if ids.is_empty() {
        return Ok(());
    }
    let scope = ReadScope::of(&Principal::User(me.clone()), Path::Raw);
    let query = RecordQuery {
        ids: ids.iter().cloned().collect(),
        limit: ids.len() * 8,
        ..RecordQuery::default()
    };
    let rows = state.store.query_records(&scope, &query).await?;
    let red: BTreeSet<&str> = rows
        .iter()
        .filter(|r| r.tlp == Tlp::Red)
        .map(|r| r.stix_id.as_str())
        .collect();
    let ok: BTreeSet<&str> = rows
        .iter()
        .map(|r| r.stix_id.as_str())
        .filter(|id| !red.contains(id))
        .collect();
    s.threats.retain(|r| ok.contains(r.stix_id.as_str()));
    s.law_enforcement
        .retain(|r| ok.contains(r.stix_id.as_str()));
    for v in &mut s.top_values {
        v.records.retain(|id| ok.contains(id.as_str()));
    }
    s.top_values.retain(|v| !v.records.is_empty());
    Ok(())
}
