//! The draft of a cyber bulletin (④ サイバー通報, every 2–3 weeks): the period's data assembled
//! for an analyst to edit — what was shared, new threats, results of law enforcement, the values
//! most widely shared. The draft cites the records it names, so the publication process asks
//! their providers before the bulletin reaches anyone the records do not.

use std::collections::BTreeSet;
use std::fmt::Write;

use renkei_model::product::{ProductContent, limits};
use renkei_model::stix::Timestamp;
use renkei_store::PeriodSummary;

fn day(micros: i64) -> String {
    Timestamp::from_unix_micros(micros).to_stix()[..10].to_owned()
}

fn number(n: u64) -> String {
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

/// The draft for [`from`, `until`) from the period's summary.
pub fn draft(s: &PeriodSummary, from: i64, until: i64) -> ProductContent {
    let (first, last) = (day(from), day(until - 1));
    let mut body = String::new();
    let mut cites = BTreeSet::new();
    let _ = writeln!(body, "■ 概況 Overview ({first} – {last})");
    let _ = writeln!(
        body,
        "共有された記録 {} 件、目撃情報 {} 件 / {} records and {} sightings shared.",
        number(s.records),
        number(s.sightings),
        number(s.records),
        number(s.sightings)
    );
    let list = |pairs: Vec<(String, u64)>| {
        pairs
            .into_iter()
            .map(|(k, n)| format!("{k} {}", number(n)))
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
    }
}

/// Values written so no reader's mail client or editor turns them into live links.
fn defang(v: &str) -> String {
    v.replace("http", "hxxp").replace('.', "[.]")
}
