//! `renkei`: the one binary of the Renkei platform.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod acting;
mod audit_key;
mod commands;
mod config;
mod demo;
mod output;
mod stores;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Renkei (連携): the shared platform of an industry–academia–police partnership against cyber threats.
#[derive(Debug, Parser)]
#[command(name = "renkei", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args, Clone)]
struct Global {
    /// Settings file (TOML); see docs/configuration.md.
    #[arg(long, global = true, env = "RENKEI_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Folder for the embedded database and other local state.
    #[arg(long, global = true, env = "RENKEI_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// sqlite://PATH (default: sqlite://<data-dir>/renkei.db) or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "RENKEI_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (TAXII 2.1, REST API); migrates the store first.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "RENKEI_LISTEN", value_name = "ADDR")]
        listen: Option<SocketAddr>,
        /// Seed demo organisations, users and records into an empty store, and print the logins.
        #[arg(long)]
        demo: bool,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Import STIX 2.1 bundle files as the records of a user's organisation.
    Import(commands::import::ImportArgs),
    /// Manage organisations, users and API tokens.
    Admin {
        #[command(subcommand)]
        command: commands::admin::AdminCommand,
    },
    /// Write what a user would pull (feeds for defenders) to a file.
    Export {
        #[command(subcommand)]
        command: commands::export::ExportCommand,
    },
    /// The secretariat's products: alerts, analyses, bulletins, reports, seminars.
    Product {
        #[command(subcommand)]
        command: commands::product::ProductCommand,
    },
    /// Check stored data for tampering.
    Verify {
        #[command(subcommand)]
        command: commands::verify::VerifyCommand,
    },
    /// Measure throughput (writes nothing to your store; uses a scratch database).
    Bench {
        #[command(subcommand)]
        command: commands::bench::BenchCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("RENKEI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tokio_postgres=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let json = cli.global.json;
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            if json {
                let msg = serde_json::json!({ "error": format!("{e:#}") });
                println!("{msg}");
            } else {
                eprintln!("error: {e:#}");
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let overrides = config::Overrides {
        config_file: cli.global.config.clone(),
        data_dir: cli.global.data_dir.clone(),
        database_url: cli.global.database_url.clone(),
        listen: match &cli.command {
            Command::Serve { listen, .. } => *listen,
            _ => None,
        },
    };
    let out = output::Output {
        json: cli.global.json,
    };
    match cli.command {
        Command::Serve { demo, .. } => {
            commands::serve::run(config::Config::load(&overrides)?, demo, out).await
        }
        Command::Migrate => commands::migrate::run(config::Config::load(&overrides)?, out).await,
        Command::Import(args) => {
            commands::import::run(config::Config::load(&overrides)?, args, out).await
        }
        Command::Admin { command } => {
            commands::admin::run(config::Config::load(&overrides)?, command, out).await
        }
        Command::Export { command } => {
            commands::export::run(config::Config::load(&overrides)?, command, out).await
        }
        Command::Product { command } => {
            commands::product::run(config::Config::load(&overrides)?, command, out).await
        }
        Command::Verify { command } => {
            commands::verify::run(config::Config::load(&overrides)?, command, out).await
        }
        Command::Bench { command } => commands::bench::run(command, out).await,
    }
}
