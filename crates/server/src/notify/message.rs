//! What one recipient is told: the inbox title, and the e-mail subject and body, in Japanese
//! and English. Built only from the records selected for that recipient, each shown as they
//! may see it (the provider per their view); TLP labels are never translated.
//!
//! The title holds no record content (only a count and the recipient's own subscription
//! names), since it is kept while a record's handling may later be tightened; the inbox shows
//! record details read again through the policy. E-mail leaves the platform, so a classified
//! record's name is left out of it: only its id, type and TLP go, and the reader signs in.

use std::collections::BTreeSet;

use renkei_model::handling::{Attribution, Classification, Tlp};
use serde_json::Value;

use super::matching::Selected;

/// Most records an e-mail lists one by one (the inbox has them all).
pub const EMAIL_RECORDS: usize = 50;

/// The provider as the reader may know them.
#[derive(Debug)]
pub enum Provider {
    Named(String),
    Sector(String),
    Unknown,
}

/// One record in a message.
#[derive(Debug)]
pub struct Line {
    pub stix_id: String,
    pub stix_type: String,
    pub tlp: Tlp,
    pub classified: bool,
    pub name: Option<String>,
    pub provider: Provider,
    pub subscriptions: Vec<String>,
}

impl Line {
    /// The line for a selected record; `org_name` names a provider the reader may know.
    pub fn of(s: &Selected<'_>, org_name: Option<&str>) -> Line {
        let r = &s.candidate.added.record;
        let name = serde_json::from_str::<Value>(&s.candidate.added.body)
            .ok()
            .and_then(|v| v.get("name").and_then(Value::as_str).map(short));
        let sector = r.provider_sector.as_ref().map(|x| x.as_str().to_owned());
        let provider = match s.view.attribution {
            Attribution::Named => match (org_name, sector.clone()) {
                (Some(n), _) => Provider::Named(n.to_owned()),
                (None, Some(sector)) => Provider::Sector(sector),
                (None, None) => Provider::Unknown,
            },
            Attribution::SectorOnly => sector.map_or(Provider::Unknown, Provider::Sector),
            Attribution::Hidden => Provider::Unknown,
        };
        Line {
            stix_id: r.stix_id.clone(),
            stix_type: r.stix_type.clone(),
            tlp: r.handling.tlp,
            classified: r.handling.classification > Classification::UNCLASSIFIED,
            name,
            provider,
            subscriptions: s.subscriptions.iter().map(|n| (*n).to_owned()).collect(),
        }
    }
}

fn short(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() > 120 {
        format!("{}…", one_line.chars().take(120).collect::<String>())
    } else {
        one_line
    }
}

fn subscription_names(lines: &[Line]) -> String {
    let names: BTreeSet<&str> = lines
        .iter()
        .flat_map(|l| l.subscriptions.iter().map(String::as_str))
        .collect();
    let names: Vec<&str> = names.into_iter().collect();
    short(&names.join(", "))
}

/// The inbox title: a count and the recipient's subscriptions, nothing of the records.
pub fn title(lines: &[Line]) -> String {
    let n = lines.len();
    let records = if n == 1 { "record" } else { "records" };
    format!(
        "新着情報 {n} 件 / {n} new {records} — {}",
        subscription_names(lines)
    )
}

/// The highest TLP among the lines (by rank; RED is highest).
pub fn highest_tlp(lines: &[Line]) -> Tlp {
    lines
        .iter()
        .map(|l| l.tlp)
        .max_by_key(Tlp::rank)
        .unwrap_or(Tlp::Clear)
}

/// The e-mail subject: the highest TLP first, then the title.
pub fn subject(lines: &[Line]) -> String {
    format!("[{}] Renkei: {}", highest_tlp(lines).as_str(), title(lines))
}

/// The e-mail body (plain text).
pub fn body(lines: &[Line]) -> String {
    use std::fmt::Write;
    let mut b = String::new();
    let _ = writeln!(
        b,
        "購読条件に一致する新しい情報が {} 件あります。各情報の TLP に従って取り扱ってください。",
        lines.len()
    );
    let _ = writeln!(
        b,
        "{} new record(s) match your subscriptions. Handle each according to its TLP.\n",
        lines.len()
    );
    for l in lines.iter().take(EMAIL_RECORDS) {
        let _ = writeln!(b, "[{}] {} {}", l.tlp.as_str(), l.stix_type, l.stix_id);
        match (&l.name, l.classified) {
            (_, true) => {
                let _ = writeln!(
                    b,
                    "  名称 / Name: (秘密区分あり — Renkei にサインインして確認 / classified — sign in to Renkei to read)"
                );
            }
            (Some(name), false) => {
                let _ = writeln!(b, "  名称 / Name: {name}");
            }
            (None, false) => {}
        }
        match &l.provider {
            Provider::Named(n) => {
                let _ = writeln!(b, "  提供者 / Provider: {n}");
            }
            Provider::Sector(s) => {
                let _ = writeln!(
                    b,
                    "  提供者 / Provider: {s} セクターの会員 / a member in sector {s}"
                );
            }
            Provider::Unknown => {}
        }
        let _ = writeln!(b, "  購読 / Subscription: {}", l.subscriptions.join(", "));
    }
    if lines.len() > EMAIL_RECORDS {
        let more = lines.len() - EMAIL_RECORDS;
        let _ = writeln!(
            b,
            "\nほか {more} 件は Renkei の通知一覧で確認できます。 / {more} more in your Renkei notifications."
        );
    }
    let _ = writeln!(
        b,
        "\n— Renkei 連携（この通知は購読設定に基づき送信されています / sent because of your subscriptions）"
    );
    b
}
