//! `renkei import`: STIX 2.1 bundle files into the store, as the records of a user's
//! organisation, with a progress bar. A file with any invalid object is refused as a whole and
//! nothing of it is stored; `--partial` stores the valid objects and reports the others.
//! MISP, free text and CSV files are converted first (`converted`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use renkei_ingest::{
    Arrival, Container, Fate, ImportProgress, MAX_OBJECTS, SubmitError, import_bundle, submit,
};
use renkei_model::audit::AuditEvent;
use renkei_model::ids::SubmissionId;
use renkei_policy::Identity;
use renkei_server::{Clock, Entropy, OsEntropy, SystemClock};
use renkei_store::Store;
use serde::Serialize;

use crate::config::Config;
use crate::output::Output;
use crate::{audit_key, stores};

mod converted;

use converted::{csv_mapping, import_csv, import_misp, import_text};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// STIX 2.1 bundle files (JSON); with `--format misp`, MISP event files; a folder is a
    /// MISP feed (`manifest.json` and event files).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// What the files hold.
    #[arg(long, value_enum, default_value_t = Format::Stix)]
    pub format: Format,
    /// CSV: the header of the column holding the values.
    #[arg(long, value_name = "COLUMN")]
    pub csv_value: Option<String>,
    /// CSV: the header of the column holding each row's type (`ipv4`, `domain`, `url`,
    /// `sha256`, `ip-dst`, `hostname`…).
    #[arg(long, value_name = "COLUMN", conflicts_with = "csv_kind")]
    pub csv_type: Option<String>,
    /// CSV: one type for every row.
    #[arg(long, value_name = "TYPE")]
    pub csv_kind: Option<String>,
    /// CSV: the header of a column holding comments.
    #[arg(long, value_name = "COLUMN")]
    pub csv_comment: Option<String>,
    /// The user submitting: records become their organisation's.
    #[arg(long)]
    pub login: String,
    /// Store the valid objects of a file even if some are invalid.
    #[arg(long)]
    pub partial: bool,
}

const MEDIA_TYPE: &str = "application/stix+json;version=2.1";

/// The formats `renkei import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// STIX 2.1 bundles.
    Stix,
    /// MISP events as MISP and pymisp write them (`{"Event": …}`), or MISP feed folders.
    Misp,
    /// Free text (UTF-8): the indicators in it (docs/observables.md).
    Text,
    /// CSV with a header row, mapped with `--csv-value` and `--csv-type` or `--csv-kind`.
    Csv,
}

#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    pub file: String,
    pub objects: usize,
    pub added: usize,
    pub duplicates: usize,
    pub refused: usize,
    /// False when the file was refused as a whole.
    pub stored: bool,
    pub seconds: f64,
    pub objects_per_second: f64,
    pub errors: Vec<String>,
    /// What a conversion (MISP) left out or changed, each naming where.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

pub async fn run(config: Config, args: ImportArgs, out: Output) -> anyhow::Result<ExitCode> {
    let store = stores::open(&config.database_url).await?;
    let user = store
        .user_by_login(&args.login)
        .await?
        .with_context(|| format!("no user with login `{}`", args.login))?;
    let identity = store
        .identity(user.id)
        .await?
        .context("user without organisation")?;
    if !identity.can_write() {
        bail!(
            "{} may not submit records (role {}, organisation {})",
            identity.login,
            identity.role,
            identity.org_status
        );
    }
    let auditor = audit_key::start_auditor(&config, store.clone()).await?;
    let mut reports = Vec::new();
    let mut failed = false;
    for file in &args.files {
        let report = if args.format == Format::Misp || file.is_dir() {
            import_misp(store.as_ref(), &identity, file).await?
        } else if args.format == Format::Text {
            import_text(store.as_ref(), &identity, file).await?
        } else if args.format == Format::Csv {
            import_csv(store.as_ref(), &identity, file, &csv_mapping(&args)?).await?
        } else {
            import_file(store.clone(), &identity, file, args.partial, !out.json).await?
        };
        failed |= !report.stored || (report.refused > 0 && !args.partial);
        if report.stored {
            auditor
                .record(AuditEvent {
                    at: SystemClock.now_micros(),
                    actor_user: Some(identity.user.to_string()),
                    actor_org: Some(identity.org.to_string()),
                    action: "record.submit".into(),
                    subject: report.file.clone(),
                    detail: serde_json::json!({
                        "path": "import",
                        "objects": report.objects,
                        "stored": report.added,
                        "duplicates": report.duplicates,
                        "refused": report.refused,
                    })
                    .to_string(),
                })
                .await
                .context("writing the audit log")?;
        }
        if !out.json {
            print_report(&report);
        }
        reports.push(report);
    }
    auditor.shutdown().await.context("closing the audit log")?;
    if out.json {
        out.show(&reports, String::new);
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_report(r: &ImportReport) {
    if !r.stored {
        eprintln!(
            "{}: {} of {} objects are invalid; nothing was stored (use --partial to store the valid ones):",
            r.file, r.refused, r.objects
        );
    } else {
        println!(
            "{}: {} objects — {} added, {} already present, {} refused — in {:.2} s ({:.0} objects/s)",
            r.file, r.objects, r.added, r.duplicates, r.refused, r.seconds, r.objects_per_second
        );
    }
    for w in r.warnings.iter().take(20) {
        eprintln!("  warning: {w}");
    }
    if r.warnings.len() > 20 {
        eprintln!("  … and {} more warnings", r.warnings.len() - 20);
    }
    for e in r.errors.iter().take(20) {
        eprintln!("  {e}");
    }
    if r.errors.len() > 20 {
        eprintln!("  … and {} more", r.errors.len() - 20);
    }
}

fn progress_bar(show: bool) -> ProgressBar {
    let bar = if show {
        ProgressBar::new(0)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} objects {per_sec} ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Imports one bundle file. Used by `renkei import` and by `renkei bench import`.
pub async fn import_file(
    store: Arc<dyn Store>,
    submitter: &Identity,
    file: &Path,
    partial: bool,
    show_progress: bool,
) -> anyhow::Result<ImportReport> {
    let started = Instant::now();
    let bytes = tokio::fs::read(file)
        .await
        .with_context(|| format!("reading {}", file.display()))?;
    let mut report = ImportReport {
        file: file.display().to_string(),
        ..ImportReport::default()
    };
    let arrival = Arrival {
        id: SubmissionId::from_uuid(OsEntropy.uuid_v4()),
        channel: "import",
        media_type: MEDIA_TYPE,
        bytes: bytes.into(),
        received_at: SystemClock.now_micros(),
    };
    let bar = progress_bar(show_progress);
    let progress = Arc::new(ImportProgress::default());
    let ticker = {
        let (bar, progress) = (bar.clone(), progress.clone());
        tokio::spawn(async move {
            loop {
                bar.set_length(progress.objects.load(Ordering::Relaxed));
                bar.set_position(progress.stored.load(Ordering::Relaxed));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let result = if partial {
        import_partial(store.as_ref(), submitter, &arrival, &progress).await
    } else {
        import_bundle(store.clone(), submitter, arrival, progress)
            .await
            .map_err(anyhow::Error::from)
            .map(|o| (o.committed, o.fates, o.refusals))
    };
    ticker.abort();
    bar.finish_and_clear();
    let (stored, fates, refusals) =
        result.with_context(|| format!("{} could not be imported", file.display()))?;
    report.stored = stored;
    report.objects = fates.len();
    if !stored {
        report.refused = refusals.len();
        report.errors = refusals;
        report.seconds = started.elapsed().as_secs_f64();
        return Ok(report);
    }
    count_fates(&mut report, fates);
    report.seconds = started.elapsed().as_secs_f64();
    report.objects_per_second = report.objects as f64 / report.seconds.max(1e-9);
    Ok(report)
}

fn count_fates(report: &mut ImportReport, fates: Vec<Fate>) {
    for f in fates {
        match f {
            Fate::Stored {
                duplicate: false, ..
            } => report.added += 1,
            Fate::Stored {
                duplicate: true, ..
            }
            | Fate::Predefined { .. } => report.duplicates += 1,
            Fate::Refused { message, .. } => {
                report.refused += 1;
                report.errors.push(message);
            }
        }
    }
}

/// `--partial`: validate everything, then store the valid objects.
async fn import_partial(
    store: &dyn Store,
    submitter: &Identity,
    arrival: &Arrival,
    progress: &ImportProgress,
) -> anyhow::Result<(bool, Vec<Fate>, Vec<String>)> {
    let fates = submit(
        store,
        submitter,
        arrival,
        Container::Bundle,
        MAX_OBJECTS,
        None,
        progress.stored.clone(),
    )
    .await
    .map_err(|e| match e {
        SubmitError::Envelope(e) => anyhow::anyhow!("not a STIX 2.1 bundle: {e}"),
        other => other.into(),
    })?;
    progress
        .objects
        .store(fates.len() as u64, Ordering::Relaxed);
    let refusals = fates
        .iter()
        .filter_map(|f| match f {
            Fate::Refused { message, .. } => Some(message.clone()),
            _ => None,
        })
        .collect();
    Ok((true, fates, refusals))
}
