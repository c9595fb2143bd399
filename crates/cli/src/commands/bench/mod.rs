//! `renkei bench`: throughput figures measured on a scratch database, never the configured
//! one. `taxii` drives a server on 127.0.0.1 over real HTTP; `import` times `renkei import`.
//! Results go to stdout, and with `--markdown` as table rows for docs/benchmarks.md.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use bytes::Bytes;
use clap::{Args, Subcommand};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use renkei_model::account::{OrgKind, Role, Tier};
use renkei_model::handling::{Classification, Sector};
use renkei_server::{AppState, OsEntropy, ServerConfig, SystemClock};
use renkei_store::Store;
use renkei_store_postgres::PostgresStore;
use renkei_store_sqlite::SqliteStore;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::commands::admin::{add_org, add_token, add_user};
use crate::commands::import::import_file;
use crate::output::Output;

mod bulletin;
mod feeds;
mod index;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// TAXII POST ingest and GET paging over HTTP on 127.0.0.1.
    Taxii(TaxiiArgs),
    /// `renkei import` of one bundle file.
    Import(ImportArgs),
    /// HTTP lookups against a store holding many observables.
    Lookup(index::LookupArgs),
    /// Ingesting one more record that shares a value with very many.
    Correlate(index::CorrelateArgs),
    /// Full and incremental feeds for defenders over HTTP.
    Feeds(feeds::FeedsArgs),
    /// A cyber bulletin draft from a period of 100,000 records, over HTTP.
    Bulletin(bulletin::BulletinArgs),
}

#[derive(Debug, Args, Clone)]
pub struct Scratch {
    /// Empty for a scratch SQLite database in a temporary folder; a postgres:// URL for a
    /// scratch schema there (dropped afterwards).
    #[arg(long, value_name = "URL", default_value = "")]
    pub postgres: String,
    /// Print table rows for docs/benchmarks.md as well.
    #[arg(long)]
    pub markdown: bool,
}

#[derive(Debug, Args, Clone)]
pub struct TaxiiArgs {
    #[arg(long, default_value_t = 100_000)]
    pub objects: usize,
    /// Objects per POST.
    #[arg(long, default_value_t = 1_000)]
    pub batch: usize,
    /// Concurrent POST connections.
    #[arg(long, default_value_t = 2)]
    pub connections: usize,
    /// `limit` for GET paging.
    #[arg(long, default_value_t = 1_000)]
    pub page: usize,
    /// Mark the indicators TLP:AMBER instead of TLP:GREEN: every page read is then written to
    /// the audit log (a sensitive read).
    #[arg(long)]
    pub amber: bool,
    #[command(flatten)]
    pub scratch: Scratch,
}

#[derive(Debug, Args, Clone)]
pub struct ImportArgs {
    #[arg(long, default_value_t = 100_000)]
    pub objects: usize,
    /// Observables in each indicator's pattern (ORed `ipv4-addr` comparisons), all distinct
    /// and indexed: 1 is one value per record; a blocklist report carries many.
    #[arg(long, default_value_t = 1)]
    pub observables_per_object: usize,
    #[command(flatten)]
    pub scratch: Scratch,
}

pub async fn run(command: BenchCommand, out: Output) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Taxii(args) => taxii(args, out).await,
        BenchCommand::Import(args) => import(args, out).await,
        BenchCommand::Lookup(args) => index::lookup(args, out).await,
        BenchCommand::Correlate(args) => index::correlate(args, out).await,
        BenchCommand::Feeds(args) => feeds::feeds(args, out).await,
        BenchCommand::Bulletin(args) => bulletin::bulletin(args, out).await,
    }
}

/// A scratch store and how to get rid of it.
struct ScratchStore {
    store: Arc<dyn Store>,
    name: &'static str,
    drop_schema: Option<(String, String)>,
    _dir: Option<TempDir>,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn scratch(s: &Scratch) -> anyhow::Result<ScratchStore> {
    if s.postgres.is_empty() {
        let dir = std::env::temp_dir().join(format!("renkei-bench-{}", uuid::Uuid::new_v4()));
        let store = SqliteStore::open(&dir.join("renkei.db"))?;
        crate::stores::migrate(&store).await?;
        Ok(ScratchStore {
            store: Arc::new(store),
            name: "SQLite",
            drop_schema: None,
            _dir: Some(TempDir(dir)),
        })
    } else {
        if !PostgresStore::is_postgres_url(&s.postgres) {
            bail!("--postgres takes a postgres:// URL");
        }
        let (store, schema) = PostgresStore::scratch(&s.postgres, 16).await?;
        crate::stores::migrate(&store).await?;
        Ok(ScratchStore {
            store: Arc::new(store),
            name: "PostgreSQL",
            drop_schema: Some((s.postgres.clone(), schema)),
            _dir: None,
        })
    }
}

impl ScratchStore {
    async fn finish(self) {
        if let Some((url, schema)) = &self.drop_schema {
            let _ = PostgresStore::drop_scratch(url, schema).await;
        }
    }
}

/// `n` indicators as compact JSON, TLP:GREEN, each with its own id and pattern.
fn indicators(n: usize) -> Vec<String> {
    marked_indicators(n, TLP_GREEN)
}

/// `n` TLP:GREEN indicators each carrying `per` distinct IPv4 addresses.
fn indicators_with(n: usize, per: usize) -> Vec<String> {
    if per <= 1 {
        return indicators(n);
    }
    (0..n)
        .map(|i| {
            let u = uuid::Uuid::new_v4();
            let pattern: Vec<String> = (0..per)
                .map(|k| {
                    let v = i * per + k;
                    format!(
                        "[ipv4-addr:value = '45.{}.{}.{}']",
                        (v >> 16) & 255,
                        (v >> 8) & 255,
                        v & 255
                    )
                })
                .collect();
            format!(
                r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--{u}","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"C2 servers {i}","indicator_types":["malicious-activity"],"pattern":"{}","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z","object_marking_refs":["{TLP_GREEN}"]}}"#,
                pattern.join(" OR ")
            )
        })
        .collect()
}

const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const TLP_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";

/// `n` indicators marked with `tlp`, each with its own id and pattern.
fn marked_indicators(n: usize, tlp: &str) -> Vec<String> {
    (0..n)
        .map(|i| {
            let u = uuid::Uuid::new_v4();
            format!(
                r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--{u}","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"C2 server {i}","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '45.{}.{}.{}']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z","object_marking_refs":["{tlp}"]}}"#,
                (i >> 16) & 255,
                (i >> 8) & 255,
                i & 255
            )
        })
        .collect()
}

async fn bench_user(store: &dyn Store) -> anyhow::Result<(String, renkei_policy::Identity)> {
    let org = add_org(
        store,
        "Bench Bank",
        OrgKind::Industry,
        Sector::new("finance").ok(),
        Tier::A,
    )
    .await?;
    let user = add_user(
        store,
        &org,
        "bench",
        "bench-password-1",
        Role::Contributor,
        Classification::new(1)?,
        None,
    )
    .await?;
    let (_, token) = add_token(
        store,
        "bench",
        false,
        renkei_store::TokenScope::Api,
        None,
        None,
    )
    .await?;
    let identity = store.identity(user.id).await?.context("bench identity")?;
    Ok((token, identity))
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cores} cores, {cpu}")
}

/// A Renkei server on 127.0.0.1 over a scratch store, in this process.
struct RunningServer {
    addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(store: Arc<dyn Store>, max_page_size: usize) -> anyhow::Result<RunningServer> {
    let config = ServerConfig {
        max_page_size,
        ..ServerConfig::default()
    };
    let state = AppState::new(store, config, Arc::new(SystemClock), Arc::new(OsEntropy)).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(renkei_server::serve(listener, state, async {
        let _ = stop_rx.await;
    }));
    Ok(RunningServer { addr, stop, task })
}

impl RunningServer {
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

#[derive(Deserialize)]
struct PageEnvelope<'a> {
    #[serde(default)]
    more: bool,
    next: Option<String>,
    #[serde(borrow, default)]
    objects: Vec<&'a RawValue>,
}

async fn taxii(args: TaxiiArgs, out: Output) -> anyhow::Result<ExitCode> {
    if args.objects == 0 || args.batch == 0 || args.connections == 0 || args.page == 0 {
        bail!("--objects, --batch, --connections and --page must be positive");
    }
    let s = scratch(&args.scratch).await?;
    let (token, _) = bench_user(s.store.as_ref()).await?;
    let server = start(s.store.clone(), args.page.max(10_000)).await?;
    let addr = server.addr;
    let base = format!("http://{addr}/taxii2/api/collections/a7d0c7d2-3a4b-4c5e-9f10-6b2e8d1c4f01");
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let auth = format!("Bearer {token}");

    eprintln!(
        "bench taxii on {}: generating {} indicators…",
        s.name, args.objects
    );
    let objects = marked_indicators(args.objects, if args.amber { TLP_AMBER } else { TLP_GREEN });
    let bodies: Vec<Bytes> = objects
        .chunks(args.batch)
        .map(|c| Bytes::from(format!("{{\"objects\":[{}]}}", c.join(","))))
        .collect();
    drop(objects);

    // POST, `connections` at a time.
    let started = Instant::now();
    let queue = Arc::new(tokio::sync::Mutex::new(bodies.into_iter()));
    let mut workers = Vec::new();
    for _ in 0..args.connections {
        let (client, queue, url, auth) = (
            client.clone(),
            queue.clone(),
            format!("{base}/objects/"),
            auth.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut stored = 0u64;
            loop {
                let Some(body) = queue.lock().await.next() else {
                    return Ok::<u64, anyhow::Error>(stored);
                };
                let req = Request::post(&url)
                    .header("authorization", &auth)
                    .header("accept", "application/taxii+json;version=2.1")
                    .header("content-type", "application/taxii+json;version=2.1")
                    .body(Full::new(body))?;
                let res = client.request(req).await?;
                let status = res.status();
                let bytes = res.into_body().collect().await?.to_bytes();
                if status.as_u16() != 202 {
                    bail!(
                        "POST answered {status}: {}",
                        String::from_utf8_lossy(&bytes)
                    );
                }
                let v: serde_json::Value = serde_json::from_slice(&bytes)?;
                stored += v["success_count"].as_u64().unwrap_or(0);
                if v["failure_count"].as_u64() != Some(0) {
                    bail!("objects refused: {}", v["failures"]);
                }
            }
        }));
    }
    let mut stored = 0;
    for w in workers {
        stored += w.await??;
    }
    let post_time = started.elapsed();
    if stored != args.objects as u64 {
        bail!("stored {stored} of {} objects", args.objects);
    }

    // GET every page.
    let started = Instant::now();
    let mut next: Option<String> = None;
    let mut fetched = 0usize;
    let mut pages = 0usize;
    loop {
        let url = match &next {
            Some(n) => format!("{base}/objects/?limit={}&next={n}", args.page),
            None => format!("{base}/objects/?limit={}", args.page),
        };
        let req = Request::get(&url)
            .header("authorization", &auth)
            .header("accept", "application/taxii+json;version=2.1")
            .body(Full::new(Bytes::new()))?;
        let res = client.request(req).await?;
        let status = res.status();
        let bytes = res.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            bail!("GET answered {status}: {}", String::from_utf8_lossy(&bytes));
        }
        let env: PageEnvelope<'_> = serde_json::from_slice(&bytes)?;
        fetched += env.objects.len();
        pages += 1;
        if !env.more {
            break;
        }
        next = env.next;
    }
    let get_time = started.elapsed();
    let audit_entries = s.store.audit_entries(0, usize::MAX).await?.len();
    server.stop().await;
    if fetched != args.objects {
        bail!("paged {fetched} of {} objects", args.objects);
    }
    let tlp = if args.amber { "TLP:AMBER" } else { "TLP:GREEN" };
    let post_rate = args.objects as f64 / post_time.as_secs_f64();
    let get_rate = fetched as f64 / get_time.as_secs_f64();
    out.show(
        &serde_json::json!({
            "store": s.name, "objects": args.objects, "batch": args.batch, "connections": args.connections, "page": args.page,
            "post_seconds": post_time.as_secs_f64(), "post_objects_per_second": post_rate,
            "get_seconds": get_time.as_secs_f64(), "get_pages": pages, "get_objects_per_second": get_rate,
            "tlp": tlp, "audit_entries": audit_entries, "machine": machine(),
        }),
        || {
            let mut s_out = format!(
                "TAXII on {} ({}), {tlp} indicators:\n  POST {} objects in batches of {} over {} connections: {:.2} s, {:.0} objects/s\n  GET  {} pages of {}: {:.2} s, {:.0} objects/s\n  audit log: {audit_entries} entries",
                s.name, machine(), args.objects, args.batch, args.connections, post_time.as_secs_f64(), post_rate, pages, args.page, get_time.as_secs_f64(), get_rate
            );
            if args.scratch.markdown {
                s_out.push_str(&format!(
                    "\n| TAXII POST ingest | {} | {} {tlp} indicators, {} per POST, {} connections | {:.0} objects/s ({:.2} s) |\n| TAXII GET paging | {} | {} {tlp} indicators, limit={}{} | {:.0} objects/s ({:.2} s) |",
                    s.name, args.objects, args.batch, args.connections, post_rate, post_time.as_secs_f64(), s.name, args.objects, args.page, if args.amber { ", every page audited" } else { "" }, get_rate, get_time.as_secs_f64()
                ));
            }
            s_out
        },
    );
    s.finish().await;
    Ok(ExitCode::SUCCESS)
}

async fn import(args: ImportArgs, out: Output) -> anyhow::Result<ExitCode> {
    let s = scratch(&args.scratch).await?;
    let (_, identity) = bench_user(s.store.as_ref()).await?;
    let dir = std::env::temp_dir().join(format!("renkei-bench-import-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    let _cleanup = TempDir(dir.clone());
    let file = dir.join("bundle.json");
    let per = args.observables_per_object.max(1);
    let objects = indicators_with(args.objects, per);
    std::fs::write(
        &file,
        format!(
            "{{\"type\":\"bundle\",\"id\":\"bundle--{}\",\"objects\":[{}]}}",
            uuid::Uuid::new_v4(),
            objects.join(",")
        ),
    )?;
    drop(objects);
    let size = std::fs::metadata(&file)?.len();
    eprintln!(
        "bench import on {}: {} objects, {:.1} MB bundle",
        s.name,
        args.objects,
        size as f64 / 1e6
    );
    let report = import_file(s.store.clone(), &identity, &file, false, !out.json).await?;
    if report.added != args.objects {
        bail!(
            "imported {} of {} objects: {:?}",
            report.added,
            args.objects,
            report.errors.first()
        );
    }
    // The values were indexed (the figure is ingest *with* correlation).
    let last = args.objects * per - 1;
    let probe = format!(
        "45.{}.{}.{}",
        (last >> 16) & 255,
        (last >> 8) & 255,
        last & 255
    );
    let indexed = s
        .store
        .lookup(&[renkei_store::value_key("ipv4", &probe)], 1)
        .await?;
    if indexed.first().map_or(0, |m| m.records.len()) != 1 {
        bail!("{probe} was not indexed");
    }
    let observables = (args.objects * per) as f64 / report.seconds;
    out.show(
        &serde_json::json!({ "store": s.name, "objects": args.objects, "observables_per_object": per, "bytes": size, "seconds": report.seconds, "objects_per_second": report.objects_per_second, "observables_per_second": observables, "machine": machine() }),
        || {
            let mut t = format!(
                "import on {} ({}): {} objects with {per} observable(s) each ({:.1} MB) in {:.2} s, {:.0} objects/s, {:.0} observables/s (read, parse, validate, index, correlate, store)",
                s.name, machine(), args.objects, size as f64 / 1e6, report.seconds, report.objects_per_second, observables
            );
            if args.scratch.markdown {
                t.push_str(&format!("\n| renkei import | {} | {}-object bundle ({:.0} MB), {per} observable(s) per object | {:.0} objects/s, {:.0} observables/s ({:.2} s) |", s.name, args.objects, size as f64 / 1e6, report.objects_per_second, observables, report.seconds));
            }
            t
        },
    );
    s.finish().await;
    Ok(ExitCode::SUCCESS)
}
