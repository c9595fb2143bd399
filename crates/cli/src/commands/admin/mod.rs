//! `renkei admin`: organisations, the membership process, users and API tokens, for
//! operators. Output is stable; add `--json` for scripts.
//!
//! The command acts as the operator, that is the secretariat, but the membership rules of
//! `renkei_membership` still apply (an approval needs its recommendations and the NDA; an
//! expelled organisation stays expelled; `analyst` and `admin` stay in the secretariat). The
//! store records a person behind each membership step: `--as LOGIN` names them, else the
//! first secretariat administrator (status changes) or the organisation's own administrator
//! (recommendations, NDA) stands in. Every write is recorded in the audit log with actor `cli`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;
use renkei_accounts::{hash_password, mint_token};
use renkei_audit::Auditor;
use renkei_membership::{AdmissionRules, MembershipError, check_role_fits, check_tier, text};
use renkei_model::account::{
    Org, OrgKind, OrgStatus, Role, Tier, User, check_login, check_org_name,
};
use renkei_model::audit::AuditEvent;
use renkei_model::handling::{Classification, Sector};
use renkei_model::ids::{OrgId, TokenId, UserId};
use renkei_model::stix::Timestamp;
use renkei_server::{Clock, Entropy, OsEntropy, SystemClock};
use renkei_store::{NewOrg, NewToken, NewUser, Store, TokenRecord, TokenScope};
use serde_json::Value;

use crate::config::Config;
use crate::output::Output;
use crate::{audit_key, stores};

mod org;
mod token;
mod user;

pub use org::OrgCommand;
pub use token::TokenCommand;
pub use user::UserCommand;

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Organisations and their membership (推薦, NDA, 承認, 停止・除名).
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

pub async fn run(config: Config, command: AdminCommand, out: Output) -> anyhow::Result<ExitCode> {
    let store = stores::open(&config.database_url).await?;
    let audit = CliAudit::start(&config, store.clone()).await?;
    let rules = AdmissionRules {
        recommendations_required: config.server.membership.recommendations_required,
        nda_version: &config.server.membership.nda_version,
    };
    let ctx = Ctx {
        store: store.as_ref(),
        audit: &audit,
        rules,
        out,
    };
    let result = match command {
        AdminCommand::Org { command } => org::org_command(&ctx, command).await,
        AdminCommand::User { command } => user::user_command(&ctx, command).await,
        AdminCommand::Token { command } => token::token_command(&ctx, command).await,
    };
    audit.finish().await;
    result.map(|()| ExitCode::SUCCESS)
}

/// An organisation registered directly by the operator (the server's actions cover the rest).
const ORG_CREATE: &str = "org.create";

/// What every subcommand works with.
struct Ctx<'a> {
    store: &'a dyn Store,
    audit: &'a CliAudit,
    rules: AdmissionRules<'a>,
    out: Output,
}

/// The audit log as the CLI writes it: every write, by actor `cli`.
struct CliAudit {
    auditor: Auditor,
}

impl CliAudit {
    /// The writer signs checkpoints with the configured key, like the server's.
    async fn start(config: &Config, store: Arc<dyn Store>) -> anyhow::Result<Self> {
        Ok(CliAudit {
            auditor: audit_key::start_auditor(config, store).await?,
        })
    }

    /// Records one write; the command fails if the log cannot be written, as the server's
    /// requests do.
    async fn record(
        &self,
        action: &str,
        subject: impl ToString,
        detail: Value,
    ) -> anyhow::Result<()> {
        self.auditor
            .record(AuditEvent {
                at: SystemClock.now_micros(),
                actor_user: Some("cli".into()),
                actor_org: None,
                action: action.to_owned(),
                subject: subject.to_string(),
                detail: detail.to_string(),
            })
            .await
            .context("writing the audit log")?;
        Ok(())
    }

    async fn finish(&self) {
        if let Err(e) = self.auditor.shutdown().await {
            tracing::warn!(error = %e, "closing the audit log writer");
        }
    }
}

/// A membership rule's refusal as a CLI error, with its stable code.
fn refused(e: MembershipError) -> anyhow::Error {
    anyhow::anyhow!("{e} ({})", e.code())
}

fn instant(micros: i64) -> String {
    Timestamp::from_unix_micros(micros).to_taxii_micros()
}

async fn find_user(store: &dyn Store, login: &str) -> anyhow::Result<User> {
    store
        .user_by_login(login)
        .await?
        .with_context(|| format!("no user with login `{login}` (see `renkei admin user list`)"))
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
    check_tier(kind, tier).map_err(refused)?;
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
) -> anyhow::Result<User> {
    check_login(login).map_err(anyhow::Error::msg)?;
    check_role_fits(role, org.kind).map_err(refused)?;
    if let Some(name) = &display_name {
        text::check_display_name(name).map_err(refused)?;
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
    scope: TokenScope,
    expires_days: Option<u32>,
    label: Option<String>,
) -> anyhow::Result<(TokenRecord, String)> {
    let user = find_user(store, login).await?;
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
            read_only: read_only || scope == TokenScope::Feeds,
            scope,
            label,
            created_at: now,
            expires_at: expires_days.map(|d| now + i64::from(d) * 86_400 * 1_000_000),
        })
        .await?;
    Ok((token, minted.secret.expose().to_owned()))
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::AdminCommand;

    /// The subcommands as `renkei` wires them (with `--version` everywhere).
    #[derive(Debug, Parser)]
    #[command(version, propagate_version = true)]
    struct Admin {
        #[command(subcommand)]
        command: AdminCommand,
    }

    #[test]
    fn arguments_are_consistent() {
        Admin::command().debug_assert();
        let nda =
            Admin::try_parse_from(["admin", "org", "nda", "テレコム", "--version", "2026-11"]);
        assert!(nda.is_ok(), "{nda:?}");
        let set = Admin::try_parse_from(["admin", "user", "set", "alice", "--disabled", "yes"]);
        assert!(set.is_err(), "only true or false");
    }
}
