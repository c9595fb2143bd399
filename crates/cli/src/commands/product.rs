//! `renkei product`: the secretariat's products from the command line — the same process as
//! the REST API (`renkei_server::products`), acting as a user given by `--login`, audited the
//! same way.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use renkei_model::product::{ProductContent, parse_kind};
use renkei_model::stix::Timestamp;
use renkei_policy::{Identity, Principal};
use renkei_server::AppState;
use renkei_server::products::{self, Release, bulletin, export};
use renkei_store::Product;
use serde::Deserialize;

use crate::acting::{self, api};
use crate::config::Config;
use crate::output::Output;

#[derive(Debug, Subcommand)]
pub enum ProductCommand {
    /// The products a user receives, newest first.
    List(LoginArgs),
    /// One product, as JSON, a STIX bundle or the printable HTML page.
    Show(ShowArgs),
    /// Write a draft from a JSON file: {"kind": …, "content": {…}, "release": {…}}.
    Create(CreateArgs),
    /// Draft a cyber bulletin (④) from what was shared in a period.
    Bulletin(BulletinArgs),
    /// Submit a draft for sign-off (asks providers for consent where needed).
    Submit(StepArgs),
    /// Sign off and publish (not by the author).
    Approve(StepArgs),
    /// Send a product in review back to its author.
    Return(StepArgs),
    /// Withdraw a published product.
    Withdraw(StepArgs),
    /// Answer a consent request addressed to the user's organisation.
    Consent(ConsentArgs),
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Who acts: the policy decides what this user may see and do.
    #[arg(long)]
    pub login: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ShowFormat {
    Json,
    Stix,
    Html,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Number (RENKEI-AT-2026-0001) or id.
    pub product: String,
    #[arg(long)]
    pub login: String,
    #[arg(long, value_enum, default_value = "json")]
    pub format: ShowFormat,
    /// Write here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[arg(long)]
    pub login: String,
    /// The product as JSON (as `POST /api/v1/products` takes it).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct BulletinArgs {
    #[arg(long)]
    pub login: String,
    /// Start of the period (RFC 3339, inclusive); default: where the last bulletin ended, or
    /// 14 days before --until.
    #[arg(long)]
    pub from: Option<String>,
    /// End of the period (RFC 3339, exclusive); default: now.
    #[arg(long)]
    pub until: Option<String>,
}

#[derive(Debug, Args)]
pub struct StepArgs {
    pub product: String,
    #[arg(long)]
    pub login: String,
    /// Why (for return and withdraw; written to the audit log).
    #[arg(long, default_value = "")]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct ConsentArgs {
    /// The request's id (see `GET /api/v1/consents`).
    pub request: i64,
    #[arg(long)]
    pub login: String,
    /// Give consent (the default is to refuse unless this is set).
    #[arg(long, conflicts_with = "refuse")]
    pub give: bool,
    #[arg(long)]
    pub refuse: bool,
    #[arg(long)]
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductFile {
    kind: String,
    content: ProductContent,
    release: Release,
}

fn login_of(command: &ProductCommand) -> &str {
    match command {
        ProductCommand::List(a) => &a.login,
        ProductCommand::Show(a) => &a.login,
        ProductCommand::Create(a) => &a.login,
        ProductCommand::Bulletin(a) => &a.login,
        ProductCommand::Submit(a)
        | ProductCommand::Approve(a)
        | ProductCommand::Return(a)
        | ProductCommand::Withdraw(a) => &a.login,
        ProductCommand::Consent(a) => &a.login,
    }
}

fn line(p: &Product) -> String {
    format!(
        "{}  {:<9} {:<9} {}  {}",
        p.number,
        p.kind().as_str(),
        p.status.as_str(),
        p.handling.tlp,
        p.content.title
    )
}

pub async fn run(config: Config, command: ProductCommand, out: Output) -> anyhow::Result<ExitCode> {
    let acting = acting::as_login(&config, login_of(&command)).await?;
    let result = act(&acting.state, &acting.me, command, &out).await;
    acting.finish().await?;
    result.map(|()| ExitCode::SUCCESS)
}

async fn act(
    state: &AppState,
    me: &Identity,
    command: ProductCommand,
    out: &Output,
) -> anyhow::Result<()> {
    let principal = Principal::User(me.clone());
    let shown = |p: &Product, refs: &[String]| {
        let json = renkei_server::api::products::product_json(p, refs, &principal);
        out.show(&json, || line(p));
    };
    match command {
        ProductCommand::List(_) => {
            let all = products::readable(state, &principal).await.map_err(api)?;
            let numbers: Vec<String> = all.iter().map(|p| p.number.to_string()).collect();
            out.show(&numbers, || {
                if all.is_empty() {
                    "no products".into()
                } else {
                    all.iter().map(line).collect::<Vec<_>>().join("\n")
                }
            });
        }
        ProductCommand::Show(a) => {
            let p = products::find(state, &principal, &a.product)
                .await
                .map_err(api)?;
            let refs = export::visible_cites(state, &principal, &p)
                .await
                .map_err(api)?;
            let org = state
                .store
                .org(p.org)
                .await?
                .context("product without organisation")?;
            let text = match a.format {
                ShowFormat::Json => serde_json::to_string_pretty(
                    &renkei_server::api::products::product_json(&p, &refs, &principal),
                )?,
                ShowFormat::Stix => serde_json::to_string_pretty(&export::bundle(
                    &p,
                    &refs,
                    &org.name,
                    uuid::Uuid::new_v4(),
                ))?,
                ShowFormat::Html => export::printable(&p, &refs, &org.name),
            };
            match a.out {
                Some(path) => {
                    std::fs::write(&path, text)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("{} written to {}", p.number, path.display());
                }
                None => println!("{text}"),
            }
        }
        ProductCommand::Create(a) => {
            let raw = std::fs::read(&a.file)
                .with_context(|| format!("cannot read {}", a.file.display()))?;
            let f: ProductFile = serde_json::from_slice(&raw)
                .with_context(|| format!("{} is not a product", a.file.display()))?;
            let kind = parse_kind(&f.kind)?;
            let p = products::create(state, me, kind, f.content, f.release)
                .await
                .map_err(api)?;
            shown(&p, &p.content.cites);
        }
        ProductCommand::Bulletin(a) => {
            let t = |s: Option<&str>| {
                s.map(|s| Timestamp::parse(s).map(|t| t.unix_micros()))
                    .transpose()
            };
            let (from, until) = (t(a.from.as_deref())?, t(a.until.as_deref())?);
            let p = bulletin::create_draft(state, me, from, until)
                .await
                .map_err(api)?;
            shown(&p, &p.content.cites);
        }
        ProductCommand::Submit(a) => {
            let p = products::find(state, &principal, &a.product)
                .await
                .map_err(api)?;
            let (p, requests) = products::submit(state, me, p).await.map_err(api)?;
            eprintln!("{} consent request(s) sent", requests.len());
            shown(&p, &p.content.cites);
        }
        ProductCommand::Approve(a) => {
            let p = products::find(state, &principal, &a.product)
                .await
                .map_err(api)?;
            let p = products::approve(state, me, p).await.map_err(api)?;
            shown(&p, &p.content.cites);
        }
        ProductCommand::Return(a) => {
            let p = products::find(state, &principal, &a.product)
                .await
                .map_err(api)?;
            let p = products::return_to_draft(state, me, p, &a.reason)
                .await
                .map_err(api)?;
            shown(&p, &p.content.cites);
        }
        ProductCommand::Withdraw(a) => {
            let p = products::find(state, &principal, &a.product)
                .await
                .map_err(api)?;
            let p = products::withdraw(state, me, p, &a.reason)
                .await
                .map_err(api)?;
            shown(&p, &p.content.cites);
        }
        ProductCommand::Consent(a) => {
            if !a.give && !a.refuse {
                bail!("say --give or --refuse");
            }
            let c = products::answer_consent(state, me, a.request, a.give, a.comment)
                .await
                .map_err(api)?;
            out.show(
                &serde_json::json!({ "id": c.id, "record": c.record, "state": c.state }),
                || format!("request {}: {} for {}", c.id, c.state, c.record),
            );
        }
    }
    Ok(())
}
