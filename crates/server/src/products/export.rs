//! A product as a STIX 2.1 `report` (what TAXII clients and MISP import) and as a printable
//! page with its TLP label in the header and footer of every printed page (TLP 2.0: the label
//! must be visible on each page). Both are built for one reader: the report refers only to
//! cited records that reader may read.

use std::fmt::Write;

use bytes::Bytes;
use renkei_ingest::{Arrival, Container, Fate, submit};
use renkei_model::handling::Tlp;
use renkei_model::ids::{OrgId, SubmissionId};
use renkei_model::stix::Timestamp;
use renkei_model::stix::markings::tlp_marking_id;
use renkei_policy::{Identity, Path, Principal, ReadScope};
use renkei_store::{Deleter, Product, VersionFilter};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::AppState;

/// The STIX identity standing for the secretariat that makes products.
pub fn identity_id(org: OrgId) -> String {
    format!("identity--{org}")
}

fn ts(micros: i64) -> String {
    Timestamp::from_unix_micros(micros).to_stix()
}

/// When this version of the product was fixed: publication, or its last edit.
fn version(p: &Product) -> i64 {
    p.published_at.unwrap_or(p.updated_at)
}

/// The report's description: summary, body and recommended actions, as plain text.
pub fn description(p: &Product) -> String {
    let mut out = String::new();
    let c = &p.content;
    if !c.summary.is_empty() {
        out.push_str(&c.summary);
        out.push_str("\n\n");
    }
    if !c.body.is_empty() {
        out.push_str(&c.body);
        out.push_str("\n\n");
    }
    if !c.recommended_actions.is_empty() {
        out.push_str("推奨される対策 / Recommended actions:\n");
        for a in &c.recommended_actions {
            let _ = writeln!(out, "- {a}");
        }
    }
    out.trim_end().to_owned()
}

/// The product as a STIX `report` referring to `refs` (the cited records this reader may
/// read; the secretariat's identity when there are none, since `object_refs` may not be empty).
pub fn report(p: &Product, refs: &[String]) -> Value {
    let identity = identity_id(p.org);
    let object_refs: Vec<&str> = if refs.is_empty() {
        vec![identity.as_str()]
    } else {
        refs.iter().map(String::as_str).collect()
    };
    let c = &p.content;
    let mut product = json!({
        "number": p.number.to_string(),
        "kind": p.kind(),
        "status": p.status,
    });
    if let Some(s) = c.severity {
        product["severity"] = json!(s);
    }
    if !c.sectors.is_empty() {
        product["sectors"] = json!(c.sectors);
    }
    if !c.recommended_actions.is_empty() {
        product["recommended_actions"] = json!(c.recommended_actions);
    }
    if let Some(s) = &c.seminar {
        product["seminar"] = json!(s);
    }
    if let Some(period) = &c.period {
        product["period"] = json!(period);
    }
    json!({
        "type": "report",
        "spec_version": "2.1",
        "id": format!("report--{}", p.id),
        "created": ts(p.created_at),
        "modified": ts(version(p).max(p.created_at)),
        "created_by_ref": identity,
        "name": format!("{} {}", p.number, c.title),
        "description": description(p),
        "report_types": [p.kind().report_type()],
        "published": ts(version(p)),
        "object_refs": object_refs,
        "lang": "ja",
        "object_marking_refs": [tlp_marking_id(p.handling.tlp)],
        "x_renkei_product": product,
    })
}

/// The secretariat's identity object (a fixed version, so every export carries the same one).
pub fn identity(org: OrgId, name: &str) -> Value {
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id(org),
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": name,
        "identity_class": "organization",
    })
}

/// The bundle a reader downloads.
pub fn bundle(p: &Product, refs: &[String], org_name: &str, bundle_id: uuid::Uuid) -> Value {
    json!({
        "type": "bundle",
        "id": format!("bundle--{bundle_id}"),
        "objects": [identity(p.org, org_name), report(p, refs)],
    })
}

/// The cited records `principal` may read, in citation order.
pub async fn visible_cites(
    state: &AppState,
    principal: &Principal,
    p: &Product,
) -> Result<Vec<String>, ApiError> {
    if p.content.cites.is_empty() {
        return Ok(Vec::new());
    }
    let scope = ReadScope::of(principal, Path::Raw);
    let visible = state.store.visible_ids(&scope, &p.content.cites).await?;
    Ok(p.content
        .cites
        .iter()
        .filter(|id| visible.contains(id))
        .cloned()
        .collect())
}

/// Writes the published product as a record on the public path (provided by the secretariat,
/// TLP:CLEAR, with publication consent), so the public TAXII collection and the public
/// Atom/RSS feeds carry it. It refers to no cited record: the public may read none.
pub(super) async fn publish_public_record(
    state: &AppState,
    me: &Identity,
    p: &Product,
) -> Result<String, ApiError> {
    let org = state
        .store
        .org(p.org)
        .await?
        .ok_or_else(ApiError::internal)?;
    let bundle = bundle(p, &[], &org.name, state.entropy.uuid_v4());
    let bytes = Bytes::from(serde_json::to_vec(&bundle).map_err(|_| ApiError::internal())?);
    let arrival = Arrival {
        id: SubmissionId::from_uuid(state.entropy.uuid_v4()),
        channel: "product",
        media_type: "application/stix+json;version=2.1",
        bytes,
        received_at: state.clock.now_micros(),
    };
    let fates = submit(
        state.store.as_ref(),
        me,
        &arrival,
        Container::Bundle,
        2,
        Some(p.release.clone()),
        Default::default(),
    )
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "public record of a product refused");
        ApiError::internal()
    })?;
    let id = format!("report--{}", p.id);
    let stored = fates
        .iter()
        .any(|f| matches!(f, Fate::Stored { id: stored, .. } if *stored == id));
    if !stored {
        tracing::error!(?fates, "public record of a product not stored");
        return Err(ApiError::internal());
    }
    Ok(id)
}

/// Deletes the public record of a withdrawn product.
pub(super) async fn withdraw_public_record(
    state: &AppState,
    me: &Identity,
    id: &str,
) -> Result<(), ApiError> {
    let scope = ReadScope::of(&Principal::User(me.clone()), Path::Raw);
    state
        .store
        .delete_record(
            &scope,
            &Deleter {
                org: me.org,
                may_delete_any: false,
            },
            id,
            &VersionFilter::all(),
            state.clock.now_micros(),
        )
        .await?;
    Ok(())
}

/// Escapes text for HTML content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// FIRST's TLP 2.0 colours: (text, background).
fn tlp_colours(tlp: Tlp) -> (&'static str, &'static str) {
    match tlp {
        Tlp::Clear => ("#FFFFFF", "#000000"),
        Tlp::Green => ("#33FF00", "#000000"),
        Tlp::Amber | Tlp::AmberStrict => ("#FFC000", "#000000"),
        Tlp::Red => ("#FF2B2B", "#000000"),
    }
}

/// The printable page: the TLP label in a header and a footer repeated on every printed page,
/// Japanese first with English labels. Every product field is escaped.
pub fn printable(p: &Product, refs: &[String], org_name: &str) -> String {
    let e = html_escape;
    let tlp = p.handling.tlp;
    let label = tlp.as_str();
    let (fg, bg) = tlp_colours(tlp);
    let c = &p.content;
    let mut h = String::with_capacity(4096 + c.body.len());
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{number} {title}</title>\n<style>\n\
         @page {{ size: A4; margin: 22mm 18mm; @top-center {{ content: \"{label}\"; }} @bottom-center {{ content: \"{label}\"; }} }}\n\
         body {{ font-family: \"Noto Sans JP\", \"Hiragino Sans\", sans-serif; line-height: 1.7; margin: 3.5em 2em; }}\n\
         .tlp {{ position: fixed; left: 0; right: 0; text-align: center; font: bold 11pt monospace; }}\n\
         .tlp span {{ color: {fg}; background: {bg}; padding: 0.1em 0.6em; }}\n\
         header.tlp {{ top: 0.4em; }} footer.tlp {{ bottom: 0.4em; }}\n\
         h1 {{ font-size: 1.5em; }} dl {{ display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em; }}\n\
         dt {{ font-weight: bold; }} .body {{ white-space: pre-wrap; }}\n\
         </style>\n</head>\n<body>\n\
         <header class=\"tlp\"><span>{label}</span></header>\n",
        number = e(&p.number.to_string()),
        title = e(&c.title),
    );
    let _ = write!(
        h,
        "<main>\n<p>{org}</p>\n<h1>{number}<br>{title}</h1>\n<dl>\n\
         <dt>種別 Kind</dt><dd>{kind}</dd>\n<dt>状態 Status</dt><dd>{status}</dd>\n\
         <dt>発行日 Published</dt><dd>{published}</dd>\n<dt>TLP</dt><dd>{label}</dd>\n",
        org = e(org_name),
        number = e(&p.number.to_string()),
        title = e(&c.title),
        kind = kind_label(p),
        status = p.status,
        published = p.published_at.map(ts).unwrap_or_else(|| "—".into()),
    );
    if let Some(s) = c.severity {
        let _ = writeln!(h, "<dt>深刻度 Severity</dt><dd>{s}</dd>");
    }
    if !c.sectors.is_empty() {
        let sectors: Vec<String> = c.sectors.iter().map(|s| e(s.as_str())).collect();
        let _ = writeln!(
            h,
            "<dt>対象分野 Sectors</dt><dd>{}</dd>",
            sectors.join(", ")
        );
    }
    if let Some(s) = &c.seminar {
        let _ = write!(
            h,
            "<dt>日時 When</dt><dd>{} – {}</dd>\n<dt>会場 Venue</dt><dd>{}</dd>\n<dt>定員 Capacity</dt><dd>{}</dd>\n",
            e(&s.starts_at),
            e(&s.ends_at),
            e(&s.venue),
            s.capacity
        );
    }
    h.push_str("</dl>\n");
    if !c.summary.is_empty() {
        let _ = write!(
            h,
            "<h2>概要 Summary</h2>\n<p class=\"body\">{}</p>\n",
            e(&c.summary)
        );
    }
    if !c.body.is_empty() {
        let _ = write!(
            h,
            "<h2>詳細 Details</h2>\n<div class=\"body\">{}</div>\n",
            e(&c.body)
        );
    }
    if !c.recommended_actions.is_empty() {
        h.push_str("<h2>推奨される対策 Recommended actions</h2>\n<ol>\n");
        for a in &c.recommended_actions {
            let _ = writeln!(h, "<li>{}</li>", e(a));
        }
        h.push_str("</ol>\n");
    }
    if !refs.is_empty() {
        h.push_str("<h2>参照した記録 Records cited</h2>\n<ul>\n");
        for r in refs {
            let _ = writeln!(h, "<li><code>{}</code></li>", e(r));
        }
        h.push_str("</ul>\n");
    }
    let _ = write!(
        h,
        "</main>\n<footer class=\"tlp\"><span>{label}</span></footer>\n</body>\n</html>\n"
    );
    h
}

fn kind_label(p: &Product) -> &'static str {
    use renkei_model::product::ProductKind::*;
    match p.kind() {
        Alert => "① 警報・脅威予測 Alert",
        Analysis => "② 分析結果 Analysis",
        Bulletin => "④ サイバー通報 Cyber bulletin",
        Report => "⑤ レポート Report",
        Seminar => "⑥ セミナー Seminar",
    }
}
