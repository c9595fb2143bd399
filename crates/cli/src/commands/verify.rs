//! `renkei verify audit`: check the audit log end to end — every entry's hash and link to the
//! one before it, every checkpoint's signature — and say where it first breaks. Exits with
//! status 1 when it is broken.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use renkei_audit::{Anchor, Report, VerifyOptions, parse_public_key, verify_with};
use serde_json::json;

use crate::config::{Config, redact};
use crate::output::Output;
use crate::stores;

#[derive(Debug, Subcommand)]
pub enum VerifyCommand {
    /// Check the audit log's hash chain and signed checkpoints (exit status 1 if broken).
    Audit(AuditArgs),
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The public key checkpoints must be signed with, as 64 hex characters (default: the key
    /// registered in the store; giving a copy kept elsewhere also catches a replaced key).
    #[arg(long, value_name = "HEX")]
    pub public_key: Option<String>,
    /// An entry recorded outside the store by an earlier run, as SEQ:HASH (its `last_seq` and
    /// `last_hash`): the log must still hold that entry with that hash. Catches entries removed
    /// from the end after the last signed checkpoint.
    #[arg(long, value_name = "SEQ:HASH")]
    pub anchor: Option<Anchor>,
}

pub async fn run(config: Config, command: VerifyCommand, out: Output) -> anyhow::Result<ExitCode> {
    match command {
        VerifyCommand::Audit(args) => audit(config, args, out).await,
    }
}

async fn audit(config: Config, args: AuditArgs, out: Output) -> anyhow::Result<ExitCode> {
    let public_key = args
        .public_key
        .as_deref()
        .map(parse_public_key)
        .transpose()
        .context("--public-key")?;
    let store = stores::open(&config.database_url).await?;
    let options = VerifyOptions {
        public_key,
        anchor: args.anchor,
        ..VerifyOptions::default()
    };
    let bar = progress_bar(!out.json);
    let report = verify_with(store.as_ref(), &options, |done, total| {
        if let Some(total) = total {
            bar.set_length(total);
        }
        bar.set_position(done);
    })
    .await;
    bar.finish_and_clear();
    let report = report.with_context(|| {
        format!(
            "verifying the audit log of {}",
            redact(&config.database_url)
        )
    })?;
    out.show(&to_json(&report), || to_text(&report));
    Ok(if report.intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn progress_bar(show: bool) -> ProgressBar {
    let bar = if show {
        ProgressBar::new(0)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} entries {per_sec} ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

fn to_json(r: &Report) -> serde_json::Value {
    json!({
        "status": if r.intact() { "intact" } else { "broken" },
        "entries": r.entries,
        "checkpoints": r.checkpoints,
        "last_seq": r.last_seq,
        "last_hash": r.last_hash_hex,
        "first_broken": r.first_broken.as_ref().map(|b| json!({ "seq": b.seq, "reason": b.reason })),
        "latest_checkpoint": r.latest_checkpoint.as_ref().map(|c| json!({
            "seq": c.seq,
            "hash": hex::encode(c.hash),
            "at": c.at,
            "key_id": c.key_id,
            "signature": hex::encode(&c.signature),
        })),
    })
}

fn to_text(r: &Report) -> String {
    match &r.first_broken {
        None if r.entries == 0 => "The audit log is empty.".to_owned(),
        None => format!(
            "The audit log is intact: {} entries, {} signed checkpoints.\n\
             To catch entries removed from its end later, keep this line outside the server and \
             run it then:\n  renkei verify audit --anchor {}:{}",
            r.entries, r.checkpoints, r.last_seq, r.last_hash_hex
        ),
        Some(b) => format!(
            "The audit log is BROKEN at entry {}: {}\n({} entries and {} checkpoints read; the \
             last entry is {}.)",
            b.seq, b.reason, r.entries, r.checkpoints, r.last_seq
        ),
    }
}
