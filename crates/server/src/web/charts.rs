//! The overview (概況): what the member may see, as charts — records added per week by the
//! providers' sector, and the malware families most linked to in the period. Numbers come from
//! the store's aggregates under the member's `ReadScope` (the same filter as every read), so a
//! chart never counts what its reader could not open; a sector is named only where the
//! attribution rule lets the reader learn it.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::{Markup, html};
use renkei_model::stix::Timestamp;
use renkei_policy::{Path, Principal, ReadScope};
use renkei_store::{HistogramCell, RecordQuery, VersionFilter};
use serde_json::Value;

use super::render::{member_page, page};
use super::session::Ctx;
use super::svg::{self, Bar, Series};
use crate::error::ApiError;
use crate::state::AppState;

const WEEK: i64 = 7 * 24 * 3600 * 1_000_000;
/// The periods offered, in weeks; the first is the default.
const PERIODS: [i64; 4] = [12, 4, 26, 52];
/// Sectors drawn in their own colour; the rest are summed as "other".
const SECTORS_DRAWN: usize = 6;
/// Families shown, and malware objects read to find them (several may name one family).
const FAMILIES: usize = 10;
const MALWARE_READ: usize = 100;

pub async fn overview(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        let weeks = weeks_asked(cx, &uri)?;
        let principal = Principal::User(me);
        let scope = ReadScope::of(&principal, Path::Raw);
        // A minute ahead: records of the last instant (`date_added` runs a little ahead of
        // the clock when many arrive at once) are in the last week.
        let now = state.clock.now_micros() + 60_000_000;
        let from = now - weeks * WEEK;
        let cells = state.store.record_histogram(&scope, from, now, WEEK).await?;
        let columns: Vec<String> = (0..weeks).map(|i| week_label(from + i * WEEK)).collect();
        let series = by_sector(cx, &cells, weeks);
        let families = families(&state, &principal, &scope, from, now).await?;
        let total: u64 = cells.iter().map(|c| c.records).sum();
        let body = html! {
            h1 { (cx.t("charts.title")) }
            nav.periods aria-label=(cx.t("charts.period")) {
                (cx.t("charts.period")) ": "
                @for w in PERIODS {
                    @if w == weeks { strong { (w) " " (cx.t("charts.weeks")) } } @else {
                        a href={ "/overview?weeks=" (w) } { (w) " " (cx.t("charts.weeks")) }
                    }
                    " "
                }
            }
            section {
                h2 { (cx.t("charts.by_sector")) }
                p.hint { (cx.t("charts.by_sector_hint")) " " (cx.t("charts.total")) ": " strong #total { (total) } }
                (svg::stacked_columns(cx.t("charts.by_sector"), &columns, &series))
                (sector_table(cx, &columns, &series))
            }
            section {
                h2 { (cx.t("charts.families")) }
                p.hint { (cx.t("charts.families_hint")) }
                @if families.is_empty() { p.empty { (cx.t("charts.no_families")) } } @else {
                    (svg::bars(cx.t("charts.families"), &families))
                }
            }
        };
        Ok(page(cx, csrf, cx.t("charts.title"), body))
    })
    .await
}

/// `?weeks=` among [`PERIODS`], else the first.
fn weeks_asked(cx: &Ctx, uri: &Uri) -> Result<i64, ApiError> {
    let asked = uri.query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "weeks")
            .map(|(_, v)| v.into_owned())
    });
    match asked {
        None => Ok(PERIODS[0]),
        Some(w) => w
            .parse::<i64>()
            .ok()
            .filter(|w| PERIODS.contains(w))
            .ok_or_else(|| ApiError::bad_request("invalid_parameter", cx.t("charts.bad_period"))),
    }
}

/// `MM/DD` of a week's first day (UTC).
fn week_label(micros: i64) -> String {
    let s = Timestamp::from_unix_micros(micros).to_stix();
    format!(
        "{}/{}",
        s.get(5..7).unwrap_or(""),
        s.get(8..10).unwrap_or("")
    )
}

/// One series per sector, the largest first; beyond [`SECTORS_DRAWN`] summed as "other",
/// and records whose sector the reader may not learn as "not disclosed".
fn by_sector(cx: &Ctx, cells: &[HistogramCell], weeks: i64) -> Vec<Series> {
    let len = usize::try_from(weeks).unwrap_or(0);
    let mut named: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    let mut hidden = vec![0; len];
    for c in cells {
        let Some(slot) = usize::try_from(c.bucket).ok().filter(|b| *b < len) else {
            continue;
        };
        match &c.sector {
            Some(s) => named.entry(s).or_insert_with(|| vec![0; len])[slot] += c.records,
            None => hidden[slot] += c.records,
        }
    }
    let mut named: Vec<(&str, Vec<u64>)> = named.into_iter().collect();
    named.sort_by_key(|(_, counts)| std::cmp::Reverse(counts.iter().sum::<u64>()));
    let mut series: Vec<Series> = Vec::new();
    let mut other = vec![0; len];
    for (i, (name, counts)) in named.into_iter().enumerate() {
        if i < SECTORS_DRAWN {
            series.push(Series {
                name: name.to_owned(),
                counts,
            });
        } else {
            other.iter_mut().zip(counts).for_each(|(o, c)| *o += c);
        }
    }
    for (name, counts) in [
        (cx.t("charts.other_sectors"), other),
        (cx.t("charts.sector_hidden"), hidden),
    ] {
        if counts.iter().any(|c| *c > 0) {
            series.push(Series {
                name: name.to_owned(),
                counts,
            });
        }
    }
    series
}

fn sector_table(cx: &Ctx, columns: &[String], series: &[Series]) -> Markup {
    html! {
        details {
            summary { (cx.t("charts.as_table")) }
            table.numbers {
                thead { tr { th { (cx.t("charts.week")) } @for s in series { th { (s.name) } } } }
                tbody { @for (i, w) in columns.iter().enumerate() { tr {
                    td { (w) }
                    @for s in series { td { (s.counts.get(i).copied().unwrap_or(0)) } }
                } } }
            }
        }
    }
}

/// The malware families most linked to by visible relationships of the period: tallies per
/// malware object, read back (policy again) for their names, merged by name ignoring case.
async fn families(
    state: &AppState,
    principal: &Principal,
    scope: &ReadScope,
    from: i64,
    to: i64,
) -> Result<Vec<Bar>, ApiError> {
    let tallies = state
        .store
        .malware_tallies(scope, from, to, MALWARE_READ)
        .await?;
    if tallies.is_empty() {
        return Ok(Vec::new());
    }
    let rows = state
        .store
        .query_records(
            scope,
            &RecordQuery {
                ids: tallies.iter().map(|t| t.malware_id.clone()).collect(),
                versions: VersionFilter::default(),
                limit: MALWARE_READ,
                with_body: true,
                ..RecordQuery::default()
            },
        )
        .await?;
    state
        .audit_reads(principal, "web/overview", rows.iter())
        .await?;
    let names: BTreeMap<&str, String> = rows
        .iter()
        .filter_map(|r| {
            let body: Value = serde_json::from_str(r.body.as_deref()?).ok()?;
            let name = body.get("name")?.as_str()?.trim().to_owned();
            Some((r.stix_id.as_str(), name))
        })
        .collect();
    let mut merged: BTreeMap<String, Bar> = BTreeMap::new();
    for t in &tallies {
        let Some(name) = names.get(t.malware_id.as_str()) else {
            continue; // a malware object the reader may not see is not named
        };
        let bar = merged.entry(name.to_lowercase()).or_insert_with(|| Bar {
            label: name.clone(),
            value: 0,
            href: Some(format!("/records/{}", t.malware_id)),
        });
        bar.value += t.records;
    }
    let mut bars: Vec<Bar> = merged.into_values().collect();
    bars.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.label.cmp(&b.label)));
    bars.truncate(FAMILIES);
    Ok(bars)
}
