//! Benchmarks of the observable index (issue 4): HTTP lookups against a store holding many
//! observables, and the cost of ingesting one more record that shares a value with very many.
//!
//! The stores are filled through `Store::ingest` with the index terms computed directly (the
//! filling is not what is measured; `renkei bench import` measures ingest with correlation).

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::bail;
use bytes::Bytes;
use clap::Args;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use indicatif::{ProgressBar, ProgressStyle};
use renkei_model::handling::{Handling, Tlp};
use renkei_model::stix::StixObject;
use renkei_policy::Identity;
use renkei_server::{Clock, SystemClock};
use renkei_store::{NewRecord, ObservableTerm, Provenance, Store};

use super::{Scratch, bench_user, machine, scratch, start};
use crate::output::Output;

#[derive(Debug, Args, Clone)]
pub struct LookupArgs {
    /// Observables to store.
    #[arg(long, default_value_t = 10_000_000)]
    pub observables: usize,
    /// Observables per stored record (an indicator whose pattern ORs them).
    #[arg(long, default_value_t = 100)]
    pub per_record: usize,
    /// Lookups to time.
    #[arg(long, default_value_t = 200_000)]
    pub requests: usize,
    /// Concurrent HTTP connections.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    #[command(flatten)]
    pub scratch: Scratch,
}

#[derive(Debug, Args, Clone)]
pub struct CorrelateArgs {
    /// Records already sharing the value.
    #[arg(long, default_value_t = 1_000_000)]
    pub sharing: usize,
    /// Single-record ingests to time.
    #[arg(long, default_value_t = 500)]
    pub samples: usize,
    #[command(flatten)]
    pub scratch: Scratch,
}

/// The i-th stored IPv4 address: public, never on an exclusion list, distinct for i < 2^24.
pub(super) fn ip(i: usize) -> String {
    format!("45.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255)
}

/// An indicator carrying `values`, with its index terms.
pub(super) fn record(values: &[String], handling: &Handling) -> anyhow::Result<NewRecord> {
    let pattern: Vec<String> = values
        .iter()
        .map(|v| format!("[ipv4-addr:value = '{v}']"))
        .collect();
    let json = serde_json::json!({
        "type": "indicator", "spec_version": "2.1", "id": format!("indicator--{}", uuid::Uuid::new_v4()),
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
        "name": "bench", "pattern": pattern.join(" OR "), "pattern_type": "stix",
        "valid_from": "2026-11-01T00:00:00Z",
    });
    let object = StixObject::parse(&json.to_string()).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut r = NewRecord::new(object, handling.clone());
    r.terms.observables = values
        .iter()
        .map(|v| ObservableTerm::new("ipv4", v))
        .collect();
    Ok(r)
}

fn provenance(me: &Identity) -> Provenance {
    Provenance {
        submission: renkei_model::ids::SubmissionId::from_uuid(uuid::Uuid::new_v4()),
        provider: me.org,
        provider_kind: me.org_kind,
        provider_sector: me.org_sector.clone(),
    }
}

fn bar(len: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{what} {{bar:40}} {{pos}}/{{len}} ({{per_sec}}, {{eta}} left)"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Fills the store with `n` records built by `make(i)`, streamed in transactions of about
/// a million observables (as `renkei import` streams a file); returns the seconds taken.
pub(super) async fn fill(
    store: &Arc<dyn Store>,
    me: &Identity,
    n: usize,
    unit: usize,
    make: impl Fn(usize) -> anyhow::Result<NewRecord>,
) -> anyhow::Result<f64> {
    let progress = bar(n * unit, "filling");
    let started = Instant::now();
    let batch = (10_000 / unit).max(1);
    let per_transaction = (1_000_000 / unit).max(batch);
    let mut i = 0;
    while i < n {
        let end = (i + per_transaction).min(n);
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let prov = provenance(me);
        let submission = renkei_store::NewSubmission {
            id: prov.submission,
            provider: me.org,
            user: me.user,
            received_at: SystemClock.now_micros(),
            channel: "bench".into(),
            media_type: "application/stix+json;version=2.1".into(),
            sha256: [0; 32],
            bytes: Bytes::new(),
        };
        let writer = {
            let store = store.clone();
            let now = SystemClock.now_micros();
            tokio::spawn(async move {
                store
                    .ingest_stream(submission, prov, rx, now, Arc::default())
                    .await
            })
        };
        while i < end {
            let records = (i..(i + batch).min(end))
                .map(&make)
                .collect::<anyhow::Result<Vec<_>>>()?;
            i += records.len();
            tx.send(renkei_store::StreamItem::Records(records.into()))
                .await?;
            progress.set_position((i * unit) as u64);
        }
        tx.send(renkei_store::StreamItem::Commit).await?;
        if writer.await??.is_none() {
            bail!("the fill was not committed");
        }
    }
    progress.finish_and_clear();
    Ok(started.elapsed().as_secs_f64())
}

pub(super) fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1e3
}

pub(super) async fn lookup(args: LookupArgs, out: Output) -> anyhow::Result<ExitCode> {
    if args.observables == 0 || args.per_record == 0 || args.requests == 0 || args.connections == 0
    {
        bail!("--observables, --per-record, --requests and --connections must be positive");
    }
    let s = scratch(&args.scratch).await?;
    let (token, me) = bench_user(s.store.as_ref()).await?;
    let records = args.observables.div_ceil(args.per_record);
    let handling = Handling::for_tlp(Tlp::Green);
    eprintln!(
        "bench lookup on {}: storing {} observables in {} records…",
        s.name, args.observables, records
    );
    let per = args.per_record;
    let total = args.observables;
    let fill_seconds = fill(&s.store, &me, records, per, |r| {
        let values: Vec<String> = (r * per..((r + 1) * per).min(total)).map(ip).collect();
        record(&values, &handling)
    })
    .await?;

    let server = start(s.store.clone(), 1_000).await?;
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let auth = format!("Bearer {token}");
    let base = format!("http://{}/api/v1/lookup", server.addr);
    // Warm up: connections, caches.
    for i in 0..1_000 {
        get(
            &client,
            &format!("{base}?type=ipv4&value={}", ip(i * 7919 % total)),
            &auth,
        )
        .await?;
    }
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..args.connections {
        let (client, auth, base, next) = (client.clone(), auth.clone(), base.clone(), next.clone());
        let requests = args.requests;
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(requests / 8 + 1);
            // A cheap deterministic spread over the stored values.
            let mut x = (w as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            while next.fetch_add(1, Ordering::Relaxed) < requests {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let value = ip((x % total as u64) as usize);
                let t = Instant::now();
                let body = get(&client, &format!("{base}?type=ipv4&value={value}"), &auth).await?;
                latencies.push(t.elapsed());
                if !body.contains("\"records\":[{") {
                    bail!("lookup of {value} found nothing: {body}");
                }
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::with_capacity(args.requests);
    for w in workers {
        latencies.extend(w.await??);
    }
    let seconds = started.elapsed().as_secs_f64();
    server.stop().await;
    latencies.sort_unstable();
    let rate = latencies.len() as f64 / seconds;
    let (p50, p99) = (percentile(&latencies, 0.5), percentile(&latencies, 0.99));
    out.show(
        &serde_json::json!({
            "store": s.name, "observables": args.observables, "records": records, "fill_seconds": fill_seconds,
            "requests": latencies.len(), "connections": args.connections, "seconds": seconds,
            "requests_per_second": rate, "p50_ms": p50, "p99_ms": p99, "machine": machine(),
        }),
        || {
            let mut t = format!(
                "lookup on {} ({}): {} observables in {} records (filled in {:.1} s, {:.0} observables/s)\n  {} GET /api/v1/lookup over {} connections: {:.2} s, {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms",
                s.name, machine(), args.observables, records, fill_seconds, args.observables as f64 / fill_seconds,
                latencies.len(), args.connections, seconds, rate, p50, p99
            );
            if args.scratch.markdown {
                t.push_str(&format!(
                    "\n| HTTP lookup | {} | {} stored observables, {} connections | {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms |",
                    s.name, args.observables, args.connections, rate, p50, p99
                ));
            }
            t
        },
    );
    s.finish().await;
    Ok(ExitCode::SUCCESS)
}

async fn get(
    client: &Client<HttpConnector, Full<Bytes>>,
    url: &str,
    auth: &str,
) -> anyhow::Result<String> {
    let req = Request::get(url)
        .header("authorization", auth)
        .body(Full::new(Bytes::new()))?;
    let res = client.request(req).await?;
    let status = res.status();
    let bytes = res.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        bail!(
            "GET {url} answered {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

pub(super) async fn correlate(args: CorrelateArgs, out: Output) -> anyhow::Result<ExitCode> {
    if args.sharing == 0 || args.samples == 0 {
        bail!("--sharing and --samples must be positive");
    }
    let s = scratch(&args.scratch).await?;
    let (token, me) = bench_user(s.store.as_ref()).await?;
    let handling = Handling::for_tlp(Tlp::Green);
    let shared = ip(1);
    eprintln!(
        "bench correlate on {}: {} records sharing {shared}…",
        s.name, args.sharing
    );
    let fill_seconds = fill(&s.store, &me, args.sharing, 1, |_| {
        record(std::slice::from_ref(&shared), &handling)
    })
    .await?;

    // One more record, through the store: the index's own cost.
    let mut store_times = Vec::with_capacity(args.samples);
    for i in 0..args.samples {
        let r = record(&[shared.clone(), ip(1_000_000 + i)], &handling)?;
        let now = SystemClock.now_micros();
        let t = Instant::now();
        s.store.ingest(&provenance(&me), &[r], now).await?;
        store_times.push(t.elapsed());
    }
    // And end to end: POST /api/v1/records (parse, validate, index, audit, answer).
    let server = start(s.store.clone(), 1_000).await?;
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let url = format!("http://{}/api/v1/records", server.addr);
    let auth = format!("Bearer {token}");
    let mut http_times = Vec::with_capacity(args.samples);
    for i in 0..args.samples {
        let body = serde_json::json!({
            "handling": handling,
            "objects": [{
                "type": "indicator", "spec_version": "2.1", "id": format!("indicator--{}", uuid::Uuid::new_v4()),
                "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
                "pattern": format!("[ipv4-addr:value = '{shared}'] OR [ipv4-addr:value = '{}']", ip(2_000_000 + i)),
                "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
            }],
        });
        let req = Request::post(&url)
            .header("authorization", &auth)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))?;
        let t = Instant::now();
        let res = client.request(req).await?;
        let status = res.status();
        let bytes = res.into_body().collect().await?.to_bytes();
        http_times.push(t.elapsed());
        if status.as_u16() != 201 {
            bail!(
                "POST answered {status}: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }
    server.stop().await;
    let m = s
        .store
        .lookup(&[renkei_store::value_key("ipv4", &shared)], 1)
        .await?;
    let objects = m.first().map_or(0, |m| m.objects);
    if objects < args.sharing as u64 {
        bail!(
            "the shared value counts {objects} objects, not {}",
            args.sharing
        );
    }
    store_times.sort_unstable();
    http_times.sort_unstable();
    let (s50, s99) = (
        percentile(&store_times, 0.5),
        percentile(&store_times, 0.99),
    );
    let (h50, h99) = (percentile(&http_times, 0.5), percentile(&http_times, 0.99));
    out.show(
        &serde_json::json!({
            "store": s.name, "sharing": args.sharing, "fill_seconds": fill_seconds, "samples": args.samples,
            "store_p50_ms": s50, "store_p99_ms": s99, "http_p50_ms": h50, "http_p99_ms": h99,
            "objects_counted": objects, "machine": machine(),
        }),
        || {
            let mut t = format!(
                "correlate on {} ({}): one more record sharing a value with {} records ({} samples)\n  store ingest: p50 {:.3} ms, p99 {:.3} ms\n  POST /api/v1/records: p50 {:.3} ms, p99 {:.3} ms",
                s.name, machine(), args.sharing, args.samples, s50, s99, h50, h99
            );
            if args.scratch.markdown {
                t.push_str(&format!(
                    "\n| One more record sharing a value with {} | {} | store ingest / POST /api/v1/records | p50 {:.2} / {:.2} ms, p99 {:.2} / {:.2} ms |",
                    args.sharing, s.name, s50, h50, s99, h99
                ));
            }
            t
        },
    );
    s.finish().await;
    Ok(ExitCode::SUCCESS)
}
