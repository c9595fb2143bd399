//! `renkei export`: what a user would pull over HTTP, written to a file — for sensors and
//! resolvers that cannot reach the server (air-gapped networks, offline hand-over).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::acting::{self, api};
use crate::config::Config;
use crate::output::Output;

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// A feed for defenders (as `/feeds/{format}`), as the given user receives it.
    Feed(FeedArgs),
}

#[derive(Debug, Args)]
pub struct FeedArgs {
    /// plain, csv, suricata, suricata-dataset, rpz, stix or samples.
    pub format: String,
    /// For suricata-dataset: domains, ips, md5 or sha256.
    #[arg(long)]
    pub set: Option<String>,
    /// Whose feed: the policy decides what this user receives.
    #[arg(long)]
    pub login: String,
    /// Only what changed after this cursor (printed by the previous export).
    #[arg(long)]
    pub since: Option<String>,
    /// Write here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub async fn run(config: Config, command: ExportCommand, out: Output) -> anyhow::Result<ExitCode> {
    let ExportCommand::Feed(args) = command;
    let format =
        renkei_server::feeds::parse_format(&args.format, args.set.as_deref()).map_err(api)?;
    let since = args
        .since
        .as_deref()
        .map(renkei_server::feeds::parse_cursor)
        .transpose()
        .map_err(api)?;
    let acting = acting::as_login(&config, &args.login).await?;
    let feed = renkei_server::feeds::build(&acting.state, &acting.me, None, format, since).await;
    acting.finish().await?;
    let feed = feed.map_err(api)?;
    match &args.out {
        Some(path) => std::fs::write(path, &feed.body)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().write_all(&feed.body)?,
    }
    let cursor = feed.cursor.encode();
    let summary = serde_json::json!({
        "format": format.name(), "entries": feed.entries, "bytes": feed.body.len(),
        "cursor": cursor, "file": args.out.as_ref().map(|p| p.display().to_string()),
    });
    let text = format!(
        "{} feed for {}: {} entries, {} bytes. Next time: --since {cursor}",
        format.name(),
        args.login,
        feed.entries,
        feed.body.len()
    );
    if args.out.is_some() {
        out.show(&summary, || text);
    } else if out.json {
        // The feed is on standard output: the summary goes to standard error.
        eprintln!("{summary}");
    } else {
        eprintln!("{text}");
    }
    Ok(ExitCode::SUCCESS)
}
