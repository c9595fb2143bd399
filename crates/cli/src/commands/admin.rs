//! `renkei admin`: organisations, users and API tokens, for operators. Output is stable; add
//! `--json` for scripts.

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;
use renkei_accounts::{hash_password, mint_token};
use renkei_model::account::{Org, OrgKind, OrgStatus, Role, Tier, check_login, check_org_name};
use renkei_model::handling::{Classification, Sector};
use renkei_model::ids::{OrgId, TokenId, UserId};
use renkei_server::{Clock, Entropy, OsEntropy, SystemClock};
use renkei_store::{NewOrg, NewToken, NewUser, Store};
use serde_json::json;

use crate::config::Config;
use crate::output::Output;
use crate::stores;

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Organisations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Register an organisation (active at once; the membership process comes with vetting).
    Add {
        #[arg(long)]
        name: String,
        /// industry, academia, law_enforcement, secretariat or partner.
        #[arg(long)]
        kind: OrgKind,
        /// Sector slug, e.g. finance, telecom, security_vendor, monitoring_provider.
        #[arg(long)]
        sector: Option<Sector>,
        /// A, B or none (only for industry and academia).
        #[arg(long, default_value = "none")]
        tier: Tier,
    },
    /// List organisations.
    List,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password comes from RENKEI_PASSWORD or a prompt.
    Add {
        /// Organisation name or id.
        #[arg(long)]
        org: String,
        #[arg(long)]
        login: String,
        /// reader, contributor, publisher, org_admin, analyst or admin.
        #[arg(long, default_value = "contributor")]
        role: Role,
        /// 0 (unclassified) to 3.
        #[arg(long, default_value = "0")]
        clearance: Classification,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// List users, optionally of one organisation.
    List {
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user; it is printed once and never again.
    Add {
        #[arg(long)]
        login: String,
        /// The token may read but not write.
        #[arg(long)]
        read_only: bool,
        /// Expire after this many days.
        #[arg(long, value_name = "D")]
        expires_days: Option<u32>,
        /// What the token is for.
        #[arg(long)]
        label: Option<String>,
    },
}

pub async fn run(config: Config, command: AdminCommand, out: Output) -> anyhow::Result<ExitCode> {
    let store = stores::open(&config.database_url).await?;
    match command {
        AdminCommand::Org {
            command:
                OrgCommand::Add {
                    name,
                    kind,
                    sector,
                    tier,
                },
        } => {
            let org = add_org(store.as_ref(), &name, kind, sector, tier).await?;
            out.show(&org, || {
                format!(
                    "created organisation {} ({}) id {}",
                    org.name, org.kind, org.id
                )
            });
        }
        AdminCommand::Org {
            command: OrgCommand::List,
        } => {
            let orgs = store.list_orgs().await?;
            out.show(&orgs, || {
                orgs.iter()
                    .map(|o| {
                        format!(
                            "{}  {:<16} {:<20} tier {:<4} {:<9} {}",
                            o.id,
                            o.kind.as_str(),
                            o.sector.as_ref().map_or("-", |s| s.as_str()),
                            o.tier.as_str(),
                            o.status.as_str(),
                            o.name
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        AdminCommand::User {
            command:
                UserCommand::Add {
                    org,
                    login,
                    role,
                    clearance,
                    display_name,
                },
        } => {
            let org = find_org(store.as_ref(), &org).await?;
            let password = match std::env::var("RENKEI_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let p = rpassword::prompt_password(format!("Password for {login}: "))
                        .context("reading the password")?;
                    let again =
                        rpassword::prompt_password("Again: ").context("reading the password")?;
                    if p != again {
                        bail!("the passwords differ");
                    }
                    p
                }
            };
            let user = add_user(
                store.as_ref(),
                &org,
                &login,
                &password,
                role,
                clearance,
                display_name,
            )
            .await?;
            out.show(&user, || {
                format!(
                    "created user {} ({}) in {} id {}",
                    user.login, user.role, org.name, user.id
                )
            });
        }
        AdminCommand::User {
            command: UserCommand::List { org },
        } => {
            let org_id = match org {
                Some(o) => Some(find_org(store.as_ref(), &o).await?.id),
                None => None,
            };
            let users = store.list_users(org_id).await?;
            out.show(&users, || {
                users
                    .iter()
                    .map(|u| {
                        format!(
                            "{}  {:<24} {:<12} clearance {}{}",
                            u.id,
                            u.login,
                            u.role.as_str(),
                            u.clearance.level(),
                            if u.disabled { " (disabled)" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        AdminCommand::Token {
            command:
                TokenCommand::Add {
                    login,
                    read_only,
                    expires_days,
                    label,
                },
        } => {
            let (token, secret) =
                add_token(store.as_ref(), &login, read_only, expires_days, label).await?;
            out.show(
                &json!({ "token": secret, "id": token.id, "prefix": token.prefix, "read_only": token.read_only, "expires_at": token.expires_at }),
                || {
                    format!(
                        "{secret}\n\nThis is the only time the token is shown; store it safely.\nUse it as `Authorization: Bearer <token>` or as the password with HTTP Basic.{}",
                        if read_only { "\nThe token is read-only." } else { "" }
                    )
                },
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn find_org(store: &dyn Store, name_or_id: &str) -> anyhow::Result<Org> {
    if let Ok(id) = name_or_id.parse::<OrgId>()
        && let Some(o) = store.org(id).await?
    {
        return Ok(o);
    }
    store.org_by_name(name_or_id).await?.with_context(|| {
        format!("no organisation named `{name_or_id}` (see `renkei admin org list`)")
    })
}

pub async fn add_org(
    store: &dyn Store,
    name: &str,
    kind: OrgKind,
    sector: Option<Sector>,
    tier: Tier,
) -> anyhow::Result<Org> {
    check_org_name(name).map_err(anyhow::Error::msg)?;
    let tier = match (kind, tier) {
        (OrgKind::Industry | OrgKind::Academia, t) => t,
        (_, Tier::None) => Tier::None,
        (k, _) => bail!("{k} organisations have no tier; their rights come from their kind"),
    };
    Ok(store
        .create_org(&NewOrg {
            id: OrgId::from_uuid(OsEntropy.uuid_v4()),
            name: name.to_owned(),
            kind,
            sector,
            tier,
            status: OrgStatus::Active,
            created_at: SystemClock.now_micros(),
        })
        .await?)
}

pub async fn add_user(
    store: &dyn Store,
    org: &Org,
    login: &str,
    password: &str,
    role: Role,
    clearance: Classification,
    display_name: Option<String>,
) -> anyhow::Result<renkei_model::account::User> {
    check_login(login).map_err(anyhow::Error::msg)?;
    if matches!(role, Role::Analyst) && org.kind != OrgKind::Secretariat {
        bail!("the analyst role belongs to secretariat staff");
    }
    let mut salt = [0u8; 16];
    OsEntropy.fill(&mut salt);
    let hash = hash_password(password, &salt)?;
    Ok(store
        .create_user(&NewUser {
            id: UserId::from_uuid(OsEntropy.uuid_v4()),
            org: org.id,
            login: login.to_owned(),
            display_name,
            password_hash: Some(hash),
            role,
            clearance,
            created_at: SystemClock.now_micros(),
        })
        .await?)
}

pub async fn add_token(
    store: &dyn Store,
    login: &str,
    read_only: bool,
    expires_days: Option<u32>,
    label: Option<String>,
) -> anyhow::Result<(renkei_store::TokenRecord, String)> {
    let user = store
        .user_by_login(login)
        .await?
        .with_context(|| format!("no user with login `{login}`"))?;
    let mut random = [0u8; 32];
    OsEntropy.fill(&mut random);
    let minted = mint_token(random);
    let now = SystemClock.now_micros();
    let token = store
        .create_token(&NewToken {
            id: TokenId::from_uuid(OsEntropy.uuid_v4()),
            user: user.id,
            prefix: minted.prefix.clone(),
            secret_sha256: minted.sha256,
            read_only,
            label,
            created_at: now,
            expires_at: expires_days.map(|d| now + i64::from(d) * 86_400 * 1_000_000),
        })
        .await?;
    Ok((token, minted.secret.expose().to_owned()))
}
