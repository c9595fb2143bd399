//! 双方向性: the secretariat's overview (every organisation's contributions and consumption
//! over a period, sortable by a link) and the member's own line on the dashboard. Both are
//! `api::reciprocity::report_for`, which decides what each may see.

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::{Markup, html};
use renkei_policy::Identity;
use serde_json::Value;

use super::{member_page, query, secretariat_only};
use crate::api::reciprocity::report_for;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::layout::when_stix;
use crate::web::render::page;
use crate::web::session::Ctx;

/// The columns one may sort by: (query value, heading key, the figure).
const COLUMNS: &[(&str, &str)] = &[
    ("contributed", "reciprocity.contributed"),
    ("records", "reciprocity.records"),
    ("sightings", "reciprocity.sightings"),
    ("sighted", "reciprocity.sighted_by_others"),
    ("consumed", "reciprocity.consumed"),
    ("read", "reciprocity.records_read"),
    ("lookups", "reciprocity.lookups"),
    ("searches", "reciprocity.searches"),
    ("feeds", "reciprocity.feed_pulls"),
];

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

/// The figure of `line` in column `column`.
fn figure(line: &Value, column: &str) -> u64 {
    let c = &line["contributed"];
    let u = &line["consumed"];
    match column {
        "contributed" => n(&c["records"]) + n(&c["sightings"]),
        "records" => n(&c["records"]),
        "sightings" => n(&c["sightings"]),
        "sighted" => n(&c["sighted_by_others"]),
        "consumed" => {
            n(&u["records_read"]) + n(&u["lookups"]) + n(&u["searches"]) + n(&u["feed_pulls"])
        }
        "read" => n(&u["records_read"]),
        "lookups" => n(&u["lookups"]),
        "searches" => n(&u["searches"]),
        _ => n(&u["feed_pulls"]),
    }
}

fn heading(cx: &Ctx, key: &str) -> &'static str {
    match key {
        "reciprocity.contributed" => cx.t("reciprocity.contributed"),
        "reciprocity.records" => cx.t("reciprocity.records"),
        "reciprocity.sightings" => cx.t("reciprocity.sightings"),
        "reciprocity.sighted_by_others" => cx.t("reciprocity.sighted_by_others"),
        "reciprocity.consumed" => cx.t("reciprocity.consumed"),
        "reciprocity.records_read" => cx.t("reciprocity.records_read"),
        "reciprocity.lookups" => cx.t("reciprocity.lookups"),
        "reciprocity.searches" => cx.t("reciprocity.searches"),
        _ => cx.t("reciprocity.feed_pulls"),
    }
}

fn flag_name(cx: &Ctx, flag: &str) -> &'static str {
    match flag {
        "one_sided" => cx.t("reciprocity.one_sided"),
        _ => cx.t("reciprocity.carries_the_load"),
    }
}

/// `GET /secretariat/reciprocity[?from=&until=&sort=]`.
pub async fn overview(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    member_page(&state, &headers, &uri, async |cx, csrf, me| {
        secretariat_only(&me)?;
        let q = query(&uri);
        let pick = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
        let report = report_for(&state, &me, pick("from"), pick("until")).await?;
        let sort = pick("sort")
            .and_then(|s| COLUMNS.iter().find(|(c, _)| *c == s))
            .map_or("contributed", |(c, _)| *c);
        let mut lines: Vec<Value> = report["organisations"].as_array().cloned().unwrap_or_default();
        lines.sort_by_key(|l| std::cmp::Reverse(figure(l, sort)));
        let from = report["from"].as_str().unwrap_or_default();
        let until = report["until"].as_str().unwrap_or_default();
        let link = |c: &str| {
            form_urlencoded::Serializer::new(String::new())
                .append_pair("from", from)
                .append_pair("until", until)
                .append_pair("sort", c)
                .finish()
        };
        let body = html! {
            h1 { (cx.t("reciprocity.title")) }
            p.lead { (cx.t("reciprocity.period")) ": " (when_stix(from)) " — " (when_stix(until)) }
            form.filters method="get" action="/secretariat/reciprocity" {
                label { (cx.t("reciprocity.from")) input name="from" value=(from) maxlength="40"; }
                label { (cx.t("reciprocity.until")) input name="until" value=(until) maxlength="40"; }
                input type="hidden" name="sort" value=(sort);
                button type="submit" { (cx.t("reciprocity.show")) }
            }
            table.reciprocity {
                thead { tr {
                    th { (cx.t("membership.org")) }
                    @for (c, key) in COLUMNS {
                        th { @if *c == sort { (heading(cx, key)) " ▼" } @else {
                            a href={ "/secretariat/reciprocity?" (link(c)) } { (heading(cx, key)) }
                        } }
                    }
                    th { (cx.t("reciprocity.share")) }
                    th { (cx.t("reciprocity.flags")) }
                } }
                tbody { @for l in &lines { tr {
                    td { a href={ "/membership/" (l["org"].as_str().unwrap_or_default()) } { (l["name"].as_str().unwrap_or_default()) } }
                    @for (c, _) in COLUMNS { td.n { (figure(l, c)) } }
                    td.n { (format!("{:.1}%", l["contribution_share"].as_f64().unwrap_or(0.0) * 100.0)) }
                    td { @for f in l["flags"].as_array().into_iter().flatten() {
                        span.badge.flag { (flag_name(cx, f.as_str().unwrap_or_default())) } " "
                    } }
                } } }
            }
        };
        Ok(page(cx, csrf, cx.t("reciprocity.title"), body))
    })
    .await
}

/// The member's own line for the dashboard: what its organisation gave and took over the last
/// 30 days, as `GET /reciprocity` tells it.
pub async fn own_line(state: &AppState, me: &Identity, cx: &Ctx) -> Result<Markup, ApiError> {
    let report = report_for(state, me, None, None).await?;
    let own = me.org.to_string();
    let Some(line) = report["organisations"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["org"].as_str() == Some(own.as_str()))
    else {
        return Ok(html! {});
    };
    Ok(html! {
        p.reciprocity #reciprocity {
            (cx.t("reciprocity.own")) ": "
            (cx.t("reciprocity.contributed")) " " strong { (figure(line, "contributed")) }
            " (" (cx.t("reciprocity.records")) " " (figure(line, "records")) ", "
            (cx.t("reciprocity.sightings")) " " (figure(line, "sightings")) ") / "
            (cx.t("reciprocity.consumed")) " " strong { (figure(line, "consumed")) }
        }
    })
}
