//! Reciprocity (双方向性, issue 5 §5, design §7): per organisation and period, what it
//! contributed (records, sightings, records others sighted) and consumed (records read, values
//! looked up, searches, feed pulls). The secretariat sees every organisation, its share of the
//! contributions, and flags for the one-sided and for those carrying most of the load; a
//! member sees its own counts only (no shares, which would move when others add records, and
//! no count of others' sightings, some of which it may not see).

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use renkei_model::account::{Org, OrgKind};
use renkei_model::stix::Timestamp;
use renkei_store::OrgActivity;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common;
use crate::error::ApiError;
use crate::state::AppState;

pub const PATHS: &[(&str, &str)] = &[("get", "/reciprocity")];

/// The default period: the last 30 days.
const DEFAULT_DAYS: i64 = 30;
const DAY_MICROS: i64 = 86_400_000_000;
/// A contributor's share of all contributions past which it is flagged as carrying the load
/// (when at least [`MIN_CONTRIBUTORS`] organisations contribute).
const LOAD_SHARE: f64 = 0.5;
const MIN_CONTRIBUTORS: usize = 3;

pub fn routes() -> Router<AppState> {
    Router::new().route("/reciprocity", get(report))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Start of the period (RFC 3339, inclusive); default 30 days before `until`.
    from: Option<String>,
    /// End of the period (RFC 3339, exclusive); default now.
    until: Option<String>,
}

fn instant(what: &str, t: Option<&str>) -> Result<Option<i64>, ApiError> {
    t.map(|t| {
        Timestamp::parse(t).map(|t| t.unix_micros()).map_err(|e| {
            ApiError::bad_request("invalid_parameter", format!("Invalid `{what}`"))
                .with_description(e.to_string())
        })
    })
    .transpose()
}

fn time(t: i64) -> String {
    Timestamp::from_unix_micros(t).to_taxii_micros()
}

fn contributed(a: &OrgActivity) -> u64 {
    a.records + a.sightings
}

fn consumed(a: &OrgActivity) -> u64 {
    a.usage.values().sum::<u64>() + a.feed_pulls
}

/// `GET /reciprocity[?from=…&until=…]`.
async fn report(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let me = common::member(&state, &headers).await?;
    let p = common::query(params)?;
    report_for(&state, &me, p.from.as_deref(), p.until.as_deref())
        .await
        .map(Json)
}

/// The reciprocity report `me` may see, as `GET /reciprocity` answers it: every organisation
/// for the secretariat, its own for a member. `from`/`until` are RFC 3339 (default: the last
/// 30 days).
pub(crate) async fn report_for(
    state: &AppState,
    me: &renkei_policy::Identity,
    from: Option<&str>,
    until: Option<&str>,
) -> Result<Value, ApiError> {
    let until = instant("until", until)?.unwrap_or_else(|| state.clock.now_micros());
    let from = instant("from", from)?.unwrap_or(until - DEFAULT_DAYS * DAY_MICROS);
    if from >= until {
        return Err(ApiError::bad_request("invalid_parameter", "Invalid period")
            .with_description("`from` must be before `until`."));
    }
    state.flush_usage().await?;
    let activity = state.store.activity(from, until).await?;
    let orgs: Vec<Org> = state
        .store
        .list_orgs()
        .await?
        .into_iter()
        .filter(|o| me.is_secretariat() || o.id == me.org)
        .collect();
    // Shares are of everyone's activity: only the secretariat sees them (to a member, a share
    // moving would tell that records it may not see were added).
    let total_contributed: u64 = activity.values().map(contributed).sum();
    let total_consumed: u64 = activity.values().map(consumed).sum();
    let contributors = activity.values().filter(|a| contributed(a) > 0).count();
    let share = |n: u64, total: u64| {
        if total == 0 {
            0.0
        } else {
            n as f64 / total as f64
        }
    };
    let none = OrgActivity::default();
    let mut lines = Vec::new();
    for org in &orgs {
        let a = activity.get(&org.id).unwrap_or(&none);
        let contribution_share = share(contributed(a), total_contributed);
        let mut flags = Vec::new();
        if org.kind != OrgKind::Secretariat && me.is_secretariat() {
            if consumed(a) > 0 && contributed(a) == 0 {
                flags.push("one_sided");
            }
            if contributors >= MIN_CONTRIBUTORS && contribution_share > LOAD_SHARE {
                flags.push("carries_the_load");
            }
        }
        let usage = |k: &str| a.usage.get(k).copied().unwrap_or(0);
        let mut line = json!({
            "org": org.id,
            "name": org.name,
            "kind": org.kind,
            "sector": org.sector,
            "tier": org.tier,
            "contributed": {
                "records": a.records,
                "sightings": a.sightings,
            },
            "consumed": {
                "records_read": usage(crate::usage::kind::RECORDS_READ),
                "lookups": usage(crate::usage::kind::LOOKUPS),
                "searches": usage(crate::usage::kind::SEARCHES),
                "feed_pulls": a.feed_pulls,
                "feed_entries": a.feed_entries,
            },
            "flags": flags,
        });
        if me.is_secretariat() {
            line["contributed"]["sighted_by_others"] = json!(a.sighted_by_others);
            line["contribution_share"] = json!(contribution_share);
            line["consumption_share"] = json!(share(consumed(a), total_consumed));
        }
        lines.push(line);
    }
    // Most contributing first.
    let contributed_of = |l: &Value| {
        l["contributed"]["records"].as_u64().unwrap_or(0)
            + l["contributed"]["sightings"].as_u64().unwrap_or(0)
    };
    lines.sort_by_key(|l| std::cmp::Reverse(contributed_of(l)));
    Ok(json!({
        "from": time(from),
        "until": time(until),
        "organisations": lines,
    }))
}
