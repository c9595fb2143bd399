//! A record's neighbourhood as a graph: the objects it refers to (`*_ref`, `*_refs`) and the
//! relationships with it at either end, one hop, drawn around it as SVG with the same links
//! as a table. Every neighbour is read under the member's `ReadScope`: a neighbour the member
//! may not see is not drawn, and relationships come from `Store::referrers`, which returns
//! visible ones only.

use std::collections::BTreeMap;

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::html;
use renkei_model::stix::StixId;
use renkei_policy::{Path, Principal, ReadScope};
use renkei_store::{RecordQuery, RecordRow, VersionFilter};
use serde_json::Value;

use super::records::title_of;
use super::render::{member_page, page};
use super::svg::{self, Edge, Node};
use crate::error::ApiError;
use crate::state::AppState;

/// Relationships read, and neighbours drawn (the table lists every one read).
const RELATIONSHIPS: usize = 100;
const DRAWN: usize = 24;

/// Properties that refer to other objects but are not part of the story told by the graph.
const NOT_NEIGHBOURS: [&str; 2] = ["created_by_ref", "object_marking_refs"];

/// One neighbour: how it is linked (property or relationship type), the neighbour, and the
/// relationship record when there is one.
struct Link {
    how: String,
    other: String,
    via: Option<String>,
}

pub async fn graph(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        let id = StixId::parse(&id).map_err(|_| ApiError::not_found("Record not found"))?;
        let principal = Principal::User(me.clone());
        let scope = ReadScope::of(&principal, Path::Raw);
        let path = "web/records/{id}/graph";
        let (row, _) = crate::api::records::latest_and_versions(&state, &principal, &id, path)
            .await?;
        let shown = crate::api::records::record_json(&me, &principal, &row);
        let mut links = refers_to(&shown["object"]);
        let relationships = state
            .store
            .referrers(&scope, &row.stix_id, RELATIONSHIPS)
            .await?;
        for rel in &relationships {
            if let Some(link) = other_end(rel, &row.stix_id) {
                links.push(link);
            }
        }
        let wanted: Vec<String> = links.iter().map(|l| l.other.clone()).collect();
        let neighbours = visible(&state, &scope, wanted).await?;
        state
            .audit_reads(&principal, path, neighbours.values().chain(relationships.iter()))
            .await?;
        links.retain(|l| neighbours.contains_key(&l.other));
        let node = |r: &RecordRow| Node {
            label: title_of(r),
            kind: r.stix_type.clone(),
            href: Some(format!("/records/{}", r.stix_id)),
        };
        let edges: Vec<Edge> = links
            .iter()
            .take(DRAWN)
            .filter_map(|l| {
                neighbours.get(&l.other).map(|r| Edge {
                    node: node(r),
                    label: l.how.clone(),
                })
            })
            .collect();
        let title = title_of(&row);
        let body = html! {
            p.crumbs {
                a href="/records" { (cx.t("records.title")) } " › "
                a href={ "/records/" (row.stix_id) } { (title) }
            }
            h1 { (cx.t("graph.title")) ": " (title) }
            p.hint { (cx.t("graph.hint")) }
            @if links.is_empty() { p.empty { (cx.t("graph.none")) } } @else {
                (svg::neighbourhood(cx.t("graph.title"), &Node { href: None, ..node(&row) }, &edges))
                @if links.len() > DRAWN { p.hint { (cx.t("graph.more_in_table")) } }
                table {
                    thead { tr { th { (cx.t("graph.link")) } th { "TLP" } th { (cx.t("records.type")) } th { (cx.t("records.name")) } } }
                    tbody { @for l in &links { @if let Some(r) = neighbours.get(&l.other) { tr {
                        td { @if let Some(via) = &l.via { a href={ "/records/" (via) } { (l.how) } } @else { code { (l.how) } } }
                        td { (super::layout::tlp_badge(r.tlp.as_str())) }
                        td { (r.stix_type) }
                        td { a href={ "/records/" (r.stix_id) } { (title_of(r)) } }
                    } } } }
                }
            }
        };
        Ok(page(cx, csrf, cx.t("graph.title"), body))
    })
    .await
}

/// The objects `object` refers to, by property, in property order.
fn refers_to(object: &Value) -> Vec<Link> {
    let mut out = Vec::new();
    let Some(map) = object.as_object() else {
        return out;
    };
    for (key, value) in map {
        if NOT_NEIGHBOURS.contains(&key.as_str()) {
            continue;
        }
        let ids: Vec<&str> = if key.ends_with("_ref") {
            value.as_str().into_iter().collect()
        } else if key.ends_with("_refs") {
            value
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default()
        } else {
            continue;
        };
        for id in ids {
            out.push(Link {
                how: key.clone(),
                other: id.to_owned(),
                via: None,
            });
        }
    }
    out
}

/// The other end of relationship `rel` from `me`, labelled with its type and direction.
fn other_end(rel: &RecordRow, me: &str) -> Option<Link> {
    let body: Value = serde_json::from_str(rel.body.as_deref()?).ok()?;
    let kind = body.get("relationship_type")?.as_str()?;
    let source = body.get("source_ref")?.as_str()?;
    let target = body.get("target_ref")?.as_str()?;
    let (other, how) = if source == me {
        (target, format!("{kind} →"))
    } else {
        (source, format!("← {kind}"))
    };
    Some(Link {
        how,
        other: other.to_owned(),
        via: Some(rel.stix_id.clone()),
    })
}

/// The latest visible version of each id, by id.
async fn visible(
    state: &AppState,
    scope: &ReadScope,
    mut ids: Vec<String>,
) -> Result<BTreeMap<String, RecordRow>, ApiError> {
    ids.sort();
    ids.dedup();
    ids.retain(|id| StixId::parse(id).is_ok());
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let rows = state
        .store
        .query_records(
            scope,
            &RecordQuery {
                limit: ids.len(),
                ids,
                versions: VersionFilter::default(),
                with_body: true,
                ..RecordQuery::default()
            },
        )
        .await?;
    Ok(rows.into_iter().map(|r| (r.stix_id.clone(), r)).collect())
}
