//! Benchmark of the bulletin draft (issue 5 §1 ④): a period holding 100,000 records — a bank's
//! indicators, police records sharing some of their values — drafted over HTTP on 127.0.0.1
//! (`POST /api/v1/products/bulletin-draft`: the period summary, the policy check of every
//! record it names, the draft stored and audited).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use clap::Args;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use renkei_model::account::{OrgKind, Role, Tier};
use renkei_model::handling::{Classification, Handling, Tlp};
use renkei_store::TokenScope;

use super::index::{fill, ip, percentile, record};
use super::{Scratch, bench_user, machine, scratch, start};
use crate::commands::admin::{add_org, add_token, add_user};
use crate::output::Output;

#[derive(Debug, Args, Clone)]
pub struct BulletinArgs {
    /// Records in the period.
    #[arg(long, default_value_t = 100_000)]
    pub records: usize,
    /// Timed drafts.
    #[arg(long, default_value_t = 5)]
    pub repeat: usize,
    #[command(flatten)]
    pub scratch: Scratch,
}

pub(super) async fn bulletin(args: BulletinArgs, out: Output) -> anyhow::Result<ExitCode> {
    if args.records < 20 || args.repeat == 0 {
        bail!("--records must be at least 20 and --repeat positive");
    }
    let s = scratch(&args.scratch).await?;
    let store = s.store.as_ref();
    let (_, bank) = bench_user(store).await?;
    let police_org = add_org(
        store,
        "Bench Police",
        OrgKind::LawEnforcement,
        None,
        Tier::None,
    )
    .await?;
    let police = add_user(
        store,
        &police_org,
        "bench-police",
        "bench-password-1",
        Role::Contributor,
        Classification::MAX,
        None,
    )
    .await?;
    let police = store
        .identity(police.id)
        .await?
        .context("police identity")?;
    let secretariat = add_org(
        store,
        "Bench Secretariat",
        OrgKind::Secretariat,
        None,
        Tier::None,
    )
    .await?;
    add_user(
        store,
        &secretariat,
        "bench-analyst",
        "bench-password-1",
        Role::Analyst,
        Classification::MAX,
        None,
    )
    .await?;
    let (_, token) = add_token(store, "bench-analyst", false, TokenScope::Api, None, None).await?;

    let handling = Handling::for_tlp(Tlp::Green);
    let shared = args.records / 20;
    eprintln!(
        "bench bulletin on {}: storing {} records…",
        s.name, args.records
    );
    fill(&s.store, &bank, args.records - shared, 1, |i| {
        record(&[ip(i)], &handling)
    })
    .await?;
    // Police records sharing values with the bank's: the period's most shared values.
    fill(&s.store, &police, shared, 1, |i| {
        record(&[ip(i)], &handling)
    })
    .await?;

    let server = start(s.store.clone(), 1_000).await?;
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let url = format!("http://{}/api/v1/products/bulletin-draft", server.addr);
    let body = r#"{"from":"2000-01-01T00:00:00Z","until":"2100-01-01T00:00:00Z"}"#;
    let mut times: Vec<Duration> = Vec::new();
    let mut cites = 0;
    for _ in 0..args.repeat {
        let t = Instant::now();
        let req = Request::post(&url)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from_static(body.as_bytes())))?;
        let res = client.request(req).await?;
        let status = res.status();
        let bytes = res.into_body().collect().await?.to_bytes();
        times.push(t.elapsed());
        if !status.is_success() {
            bail!(
                "bulletin draft answered {status}: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        let draft: serde_json::Value = serde_json::from_slice(&bytes)?;
        let text = draft["body"].as_str().unwrap_or_default();
        if !text.contains(&format!(
            "共有された記録 {} 件",
            renkei_server::products::bulletin::thousands(args.records as u64)
        )) {
            bail!("the draft does not count the period's records: {text}");
        }
        cites = draft["all_cites"].as_array().map_or(0, Vec::len);
    }
    server.stop().await;
    times.sort_unstable();
    let median = percentile(&times, 0.5);
    out.show(
        &serde_json::json!({
            "store": s.name, "records": args.records, "machine": machine(),
            "median_ms": median, "cites": cites,
        }),
        || {
            let mut t = format!(
                "bulletin draft on {} ({}): {} records in the period, median of {} drafts over HTTP: {median:.1} ms ({cites} records cited)",
                s.name, machine(), args.records, args.repeat
            );
            if args.scratch.markdown {
                t.push_str(&format!(
                    "\n| bulletin draft | {} | {} records | {median:.1} ms |",
                    s.name, args.records
                ));
            }
            t
        },
    );
    s.finish().await;
    Ok(ExitCode::SUCCESS)
}
