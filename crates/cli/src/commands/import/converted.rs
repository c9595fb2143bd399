//! Files in other formats than STIX: MISP events and feeds (`docs/misp.md`), free text and
//! CSV (`docs/observables.md`). Each is converted to STIX, then stored as one submission that
//! keeps the original bytes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use renkei_ingest::{Arrival, Container, MAX_OBJECTS, csv, misp, submit, text};
use renkei_model::ids::SubmissionId;
use renkei_policy::Identity;
use renkei_server::{Clock, Entropy, OsEntropy, SystemClock};
use renkei_store::Store;

use super::{ImportArgs, ImportReport, count_fates};

/// A MISP event file or feed folder: converted to STIX (docs/misp.md), then stored as one
/// submission that keeps the original bytes (for a feed: its files as one JSON object, by
/// file name). Objects the conversion could not make are warnings; the rest is stored.
pub(super) async fn import_misp(
    store: &dyn Store,
    submitter: &Identity,
    path: &Path,
) -> anyhow::Result<ImportReport> {
    let started = Instant::now();
    let owned = path.to_owned();
    let received_at = SystemClock.now_micros();
    let received = renkei_model::stix::Timestamp::from_unix_micros(received_at);
    let (original, media_type, conversion) = tokio::task::spawn_blocking(move || {
        if owned.is_dir() {
            let conversion = misp::convert_feed(&owned, received)?;
            Ok::<_, anyhow::Error>((
                feed_archive(&owned)?,
                "application/vnd.misp.feed+json",
                conversion,
            ))
        } else {
            let bytes =
                std::fs::read(&owned).with_context(|| format!("reading {}", owned.display()))?;
            let conversion = misp::convert_event(&bytes, received)
                .map_err(|e| anyhow::anyhow!("not a MISP event ({}): {e}", e.code()))?;
            Ok((bytes, "application/vnd.misp.event+json", conversion))
        }
    })
    .await
    .context("the MISP conversion stopped")??;
    store_converted(
        store,
        submitter,
        path,
        Original {
            bytes: original,
            media_type,
            received_at,
        },
        conversion,
        started,
    )
    .await
}

/// The CSV column mapping the arguments give.
pub(super) fn csv_mapping(args: &ImportArgs) -> anyhow::Result<csv::CsvMapping> {
    let value = args
        .csv_value
        .clone()
        .context("--format csv needs --csv-value COLUMN (the header of the values' column)")?;
    let kind = match (&args.csv_type, &args.csv_kind) {
        (Some(column), None) => csv::KindSource::Column(column.clone()),
        (None, Some(kind)) => csv::KindSource::Fixed(
            csv::parse_kind(kind, "")
                .with_context(|| format!("--csv-kind: unknown type `{kind}`"))?,
        ),
        _ => bail!("--format csv needs --csv-type COLUMN or --csv-kind TYPE"),
    };
    Ok(csv::CsvMapping {
        value,
        kind,
        comment: args.csv_comment.clone(),
    })
}

/// A CSV file, all or nothing: one bad row refuses the file, naming the line.
pub(super) async fn import_csv(
    store: &dyn Store,
    submitter: &Identity,
    path: &Path,
    mapping: &csv::CsvMapping,
) -> anyhow::Result<ImportReport> {
    let started = Instant::now();
    let bytes = tokio::fs::read(path)
        .await
        .with_context(|| format!("reading {}", path.display()))?;
    let received_at = SystemClock.now_micros();
    let conversion = csv::convert_csv(
        &bytes,
        mapping,
        renkei_model::stix::Timestamp::from_unix_micros(received_at),
    )
    .map_err(|e| anyhow::anyhow!("{} ({}): {e}", path.display(), e.code()))?;
    store_converted(
        store,
        submitter,
        path,
        Original {
            bytes,
            media_type: "text/csv",
            received_at,
        },
        conversion,
        started,
    )
    .await
}

/// A text file: its indicators (docs/observables.md) stored as records, the text as a note.
/// Invalid UTF-8 is refused naming the byte offset.
pub(super) async fn import_text(
    store: &dyn Store,
    submitter: &Identity,
    path: &Path,
) -> anyhow::Result<ImportReport> {
    let started = Instant::now();
    let bytes = tokio::fs::read(path)
        .await
        .with_context(|| format!("reading {}", path.display()))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} is not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.valid_up_to()
        )
    })?;
    let received_at = SystemClock.now_micros();
    let conversion = text::convert_text(
        text,
        renkei_model::stix::Timestamp::from_unix_micros(received_at),
    )
    .map_err(|e| anyhow::anyhow!("{}: {e} ({})", path.display(), e.code()))?;
    store_converted(
        store,
        submitter,
        path,
        Original {
            bytes,
            media_type: "text/plain; charset=utf-8",
            received_at,
        },
        conversion,
        started,
    )
    .await
}

/// A MISP feed folder's files as one JSON object `{file name: content}`: what is kept as the
/// submission's original bytes.
fn feed_archive(dir: &Path) -> anyhow::Result<Vec<u8>> {
    let mut files = serde_json::Map::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    for path in names {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.insert(name, value);
    }
    Ok(serde_json::to_vec(&files)?)
}

/// What arrived, kept as the submission's original bytes.
struct Original {
    bytes: Vec<u8>,
    media_type: &'static str,
    received_at: i64,
}

/// Stores what a conversion (MISP, text, CSV) made of a file as one submission that keeps the
/// original bytes, and reports it with the conversion's warnings.
async fn store_converted(
    store: &dyn Store,
    submitter: &Identity,
    path: &Path,
    original: Original,
    conversion: misp::Conversion,
    started: Instant,
) -> anyhow::Result<ImportReport> {
    let envelope = serde_json::to_vec(&serde_json::json!({ "objects": conversion.objects }))?;
    let arrival = Arrival {
        id: SubmissionId::from_uuid(OsEntropy.uuid_v4()),
        channel: "import",
        media_type: original.media_type,
        bytes: original.bytes.into(),
        received_at: original.received_at,
    };
    let fates = submit(
        store,
        submitter,
        &arrival,
        Container::Converted(envelope.into()),
        MAX_OBJECTS,
        None,
        Arc::default(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{} could not be imported: {e}", path.display()))?;
    let mut report = ImportReport {
        file: path.display().to_string(),
        objects: fates.len(),
        stored: true,
        warnings: conversion.warnings,
        ..ImportReport::default()
    };
    count_fates(&mut report, fates);
    report.seconds = started.elapsed().as_secs_f64();
    report.objects_per_second = report.objects as f64 / report.seconds.max(1e-9);
    Ok(report)
}
