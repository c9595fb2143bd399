//! Benchmarks of the feeds for defenders (issue 5 §3): full RPZ and Suricata feeds of a
//! million indicators, and an incremental feed of a thousand changes, over HTTP on 127.0.0.1.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::bail;
use bytes::Bytes;
use clap::Args;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use renkei_model::handling::{Handling, Pap, Tlp, Use, Uses};
use renkei_store::FeedTerms;

use super::index::{fill, ip, percentile, record};
use super::{Scratch, bench_user, machine, scratch, start};
use crate::output::Output;

#[derive(Debug, Args, Clone)]
pub struct FeedsArgs {
    /// Indicators stored (one IPv4 address each), all consented to defensive feeds.
    #[arg(long, default_value_t = 1_000_000)]
    pub indicators: usize,
    /// Indicators added after the first pull, for the incremental pull.
    #[arg(long, default_value_t = 1_000)]
    pub changes: usize,
    /// Timed pulls per feed.
    #[arg(long, default_value_t = 5)]
    pub repeat: usize,
    #[command(flatten)]
    pub scratch: Scratch,
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// One pull: the body's size, its line count, the cursor header and the time to the last byte.
async fn pull(
    client: &HttpClient,
    url: &str,
    auth: &str,
) -> anyhow::Result<(usize, usize, String, Duration)> {
    let t = Instant::now();
    let req = Request::get(url)
        .header("authorization", auth)
        .body(Full::new(Bytes::new()))?;
    let res = client.request(req).await?;
    let status = res.status();
    let cursor = res
        .headers()
        .get("x-renkei-feed-cursor")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = res.into_body().collect().await?.to_bytes();
    let took = t.elapsed();
    if !status.is_success() {
        bail!(
            "GET {url} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    let lines = body.iter().filter(|b| **b == b'\n').count();
    Ok((body.len(), lines, cursor, took))
}

fn consented() -> Handling {
    Handling {
        uses: Uses::NONE.with(Use::DefensiveFeeds),
        pap: Pap::Green,
        ..Handling::for_tlp(Tlp::Amber)
    }
}

pub(super) async fn feeds(args: FeedsArgs, out: Output) -> anyhow::Result<ExitCode> {
    if args.indicators == 0 || args.changes == 0 || args.repeat == 0 {
        bail!("--indicators, --changes and --repeat must be positive");
    }
    let s = scratch(&args.scratch).await?;
    let (token, me) = bench_user(s.store.as_ref()).await?;
    let handling = consented();
    let make = |i: usize| {
        let mut r = record(&[ip(i)], &handling)?;
        r.terms.feed = Some(FeedTerms {
            label: Some("bench C2".into()),
            valid_until: None,
        });
        Ok(r)
    };
    eprintln!(
        "bench feeds on {}: storing {} indicators…",
        s.name, args.indicators
    );
    fill(&s.store, &me, args.indicators, 1, make).await?;

    let server = start(s.store.clone(), 1_000).await?;
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let auth = format!("Bearer {token}");
    let base = format!("http://{}/feeds", server.addr);
    let mut results = Vec::new();
    let mut cursor = String::new();
    for format in ["rpz", "suricata", "plain"] {
        let url = format!("{base}/{format}");
        let mut times = Vec::new();
        let (mut bytes, mut lines) = (0, 0);
        for _ in 0..args.repeat {
            let (b, l, c, t) = pull(&client, &url, &auth).await?;
            (bytes, lines, cursor) = (b, l, c);
            times.push(t);
        }
        if lines < args.indicators {
            bail!(
                "the {format} feed has {lines} lines for {} indicators",
                args.indicators
            );
        }
        times.sort_unstable();
        results.push((format.to_owned(), bytes, lines, percentile(&times, 0.5)));
    }
    // A thousand changes after the cursor.
    let first_new = args.indicators;
    fill(&s.store, &me, args.changes, 1, |i| make(first_new + i)).await?;
    for format in ["rpz", "csv"] {
        let url = format!("{base}/{format}?since={cursor}");
        let mut times = Vec::new();
        let mut lines = 0;
        for _ in 0..args.repeat.max(10) {
            let (_, l, _, t) = pull(&client, &url, &auth).await?;
            lines = l;
            times.push(t);
        }
        if lines < args.changes {
            bail!(
                "the incremental {format} feed has {lines} lines for {} changes",
                args.changes
            );
        }
        times.sort_unstable();
        results.push((format!("{format} since"), 0, lines, percentile(&times, 0.5)));
    }
    server.stop().await;
    out.show(
        &serde_json::json!({
            "store": s.name, "indicators": args.indicators, "changes": args.changes, "machine": machine(),
            "pulls": results.iter().map(|(f, b, l, ms)| serde_json::json!({ "feed": f, "bytes": b, "lines": l, "median_ms": ms })).collect::<Vec<_>>(),
        }),
        || {
            let mut t = format!(
                "feeds on {} ({}): {} indicators, then {} changes; median of {} pulls over HTTP",
                s.name, machine(), args.indicators, args.changes, args.repeat
            );
            for (f, b, l, ms) in &results {
                t.push_str(&format!("\n  {f:<14} {ms:>9.1} ms  {l} lines, {:.1} MB", *b as f64 / 1e6));
                if args.scratch.markdown {
                    t.push_str(&format!(
                        "\n| feed {f} | {} | {} indicators | {ms:.1} ms ({l} lines) |",
                        s.name, args.indicators
                    ));
                }
            }
            t
        },
    );
    s.finish().await;
    Ok(ExitCode::SUCCESS)
}
