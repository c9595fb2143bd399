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

use anyhow::{Context, bail};
use clap::Subcommand;
use renkei_accounts::{hash_password, mint_token};
use renkei_audit::Auditor;
use renkei_membership::{
    AdmissionRules, MembershipError, check_approval, check_nda, check_recommendation,
    check_role_fits, check_tier, check_transition, counted_recommendations, text,
};
use renkei_model::account::{
    Org, OrgKind, OrgStatus, Role, Tier, User, check_login, check_org_name,
};
use renkei_model::audit::AuditEvent;
use renkei_model::handling::{Classification, Sector};
use renkei_model::ids::{OrgId, TokenId, UserId};
use renkei_model::stix::Timestamp;
use renkei_server::audit::action;
use renkei_server::{Clock, Entropy, OsEntropy, SystemClock};
use renkei_store::{
    Membership, NdaAcceptance, NewOrg, NewRecommendation, NewToken, NewUser, StatusChange, Store,
    TokenRecord, UserUpdate,
};
use serde_json::{Value, json};

use crate::config::Config;
use crate::output::Output;
use crate::{audit_key, stores};

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

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Register an organisation, active at once (for the secretariat and founding members;
    /// others apply over the API and go through the membership process).
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
    /// List organisations, applicants and suspended ones included.
    List,
    /// Show an organisation's membership file: application, recommendations, NDA, history.
    Show {
        /// Organisation name or id.
        org: String,
    },
    /// Change an organisation's status (applicant → active or expelled; active ⇄ suspended;
    /// active or suspended → expelled), with a reason.
    Status {
        /// Organisation name or id.
        org: String,
        /// active, suspended or expelled.
        #[arg(long)]
        to: OrgStatus,
        #[arg(long)]
        reason: String,
        /// The secretariat user recorded as having decided (default: the first secretariat
        /// administrator).
        #[arg(long = "as", value_name = "LOGIN")]
        actor: Option<String>,
    },
    /// Approve an applicant: status active, if it has its recommendations and the NDA.
    Approve {
        /// Organisation name or id.
        org: String,
        #[arg(long, default_value = "approved by the secretariat")]
        reason: String,
        /// The secretariat user recorded as having decided.
        #[arg(long = "as", value_name = "LOGIN")]
        actor: Option<String>,
    },
    /// Record a member organisation's recommendation (推薦) of an applicant.
    Recommend {
        /// The applicant's name or id.
        applicant: String,
        /// The recommending organisation's name or id.
        #[arg(long)]
        by: String,
        #[arg(long)]
        statement: String,
        /// The recommending organisation's user who recommends (default: its first
        /// administrator).
        #[arg(long = "as", value_name = "LOGIN")]
        actor: Option<String>,
    },
    /// Record an organisation's acceptance of the NDA; VERSION must be the current one.
    // `--version` here is the NDA's, not the program's.
    #[command(disable_version_flag = true)]
    Nda {
        /// Organisation name or id.
        org: String,
        #[arg(long)]
        version: String,
        /// The organisation's user who accepted (default: whoever applied, else its first
        /// administrator).
        #[arg(long = "as", value_name = "LOGIN")]
        actor: Option<String>,
    },
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
        /// reader, contributor, publisher, org_admin, analyst or admin (the last two only in
        /// the secretariat).
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
    /// Change a user's role, clearance, display name, or whether they are disabled (at once
    /// for their password and every token).
    Set {
        login: String,
        #[arg(long)]
        role: Option<Role>,
        #[arg(long)]
        clearance: Option<Classification>,
        #[arg(long, value_name = "true|false")]
        disabled: Option<bool>,
        #[arg(long)]
        display_name: Option<String>,
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
    /// List a user's tokens (never their secrets), newest first.
    List {
        #[arg(long)]
        login: String,
    },
    /// Revoke a token at once.
    Revoke {
        /// The token's id (see `renkei admin token list`).
        id: TokenId,
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
        AdminCommand::Org { command } => org_command(&ctx, command).await,
        AdminCommand::User { command } => user_command(&ctx, command).await,
        AdminCommand::Token { command } => token_command(&ctx, command).await,
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

async fn org_command(ctx: &Ctx<'_>, command: OrgCommand) -> anyhow::Result<()> {
    let (store, out) = (ctx.store, ctx.out);
    match command {
        OrgCommand::Add {
            name,
            kind,
            sector,
            tier,
        } => {
            let org = add_org(store, &name, kind, sector, tier).await?;
            ctx.audit
                .record(
                    ORG_CREATE,
                    org.id,
                    json!({ "name": org.name, "kind": org.kind, "tier": org.tier }),
                )
                .await?;
            out.show(&org, || {
                format!(
                    "created organisation {} ({}) id {}",
                    org.name, org.kind, org.id
                )
            });
        }
        OrgCommand::List => {
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
        OrgCommand::Show { org } => {
            let org = find_org(store, &org).await?;
            let m = membership(store, org.id).await?;
            let current = recommenders_now(store, &m).await?;
            let v = membership_json(&m, &current, &ctx.rules);
            out.show(&v, || membership_text(&m, &current, &ctx.rules));
        }
        OrgCommand::Status {
            org,
            to,
            reason,
            actor,
        } => change_status(ctx, &org, to, &reason, actor.as_deref()).await?,
        OrgCommand::Approve { org, reason, actor } => {
            change_status(ctx, &org, OrgStatus::Active, &reason, actor.as_deref()).await?
        }
        OrgCommand::Recommend {
            applicant,
            by,
            statement,
            actor,
        } => {
            let applicant = find_org(store, &applicant).await?;
            let recommender = find_org(store, &by).await?;
            let m = membership(store, applicant.id).await?;
            check_recommendation(&recommender, &applicant, &m.recommendations).map_err(refused)?;
            text::check_statement(&statement).map_err(refused)?;
            let user = org_user(store, &recommender, actor.as_deref(), None).await?;
            store
                .add_recommendation(&NewRecommendation {
                    applicant: applicant.id,
                    recommender: recommender.id,
                    by_user: user.id,
                    statement,
                    at: SystemClock.now_micros(),
                })
                .await?;
            ctx.audit
                .record(
                    action::ORG_RECOMMEND,
                    applicant.id,
                    json!({ "recommender": recommender.id, "by_user": user.id }),
                )
                .await?;
            let v = json!({ "applicant": applicant.id, "recommender": recommender.id, "by_user": user.id });
            out.show(&v, || {
                format!(
                    "{} recommends {} (recorded as {})",
                    recommender.name, applicant.name, user.login
                )
            });
        }
        OrgCommand::Nda {
            org,
            version,
            actor,
        } => {
            let org = find_org(store, &org).await?;
            check_nda(&org, &version, &ctx.rules).map_err(refused)?;
            let m = membership(store, org.id).await?;
            let applied_by = m.application.as_ref().map(|a| a.submitted_by);
            let user = org_user(store, &org, actor.as_deref(), applied_by).await?;
            let nda = NdaAcceptance {
                version,
                accepted_at: SystemClock.now_micros(),
                accepted_by: user.id,
            };
            store.accept_nda(org.id, &nda).await?;
            ctx.audit
                .record(
                    action::ORG_NDA,
                    org.id,
                    json!({ "version": nda.version, "accepted_by": user.id }),
                )
                .await?;
            let v = json!({ "org": org.id, "version": nda.version, "accepted_by": user.id });
            out.show(&v, || {
                format!(
                    "{} accepted NDA version {} (recorded as {})",
                    org.name, nda.version, user.login
                )
            });
        }
    }
    Ok(())
}

/// `org status` and `org approve`: the membership rules, then the change with its history.
async fn change_status(
    ctx: &Ctx<'_>,
    org: &str,
    to: OrgStatus,
    reason: &str,
    actor: Option<&str>,
) -> anyhow::Result<()> {
    let store = ctx.store;
    let org = find_org(store, org).await?;
    let m = membership(store, org.id).await?;
    let current = recommenders_now(store, &m).await?;
    check_transition(&m, to, reason, &current, &ctx.rules).map_err(refused)?;
    let operator = operator(store, actor).await?;
    let changed = store
        .change_org_status(&StatusChange {
            org: org.id,
            from: org.status,
            to,
            reason: reason.to_owned(),
            actor: operator.id,
            at: SystemClock.now_micros(),
        })
        .await?;
    ctx.audit
        .record(
            action::ORG_STATUS,
            org.id,
            json!({ "from": org.status, "to": to, "reason": reason, "recorded_as": operator.id }),
        )
        .await?;
    ctx.out.show(&changed, || {
        format!(
            "{}: {} → {} ({reason})",
            changed.name, org.status, changed.status
        )
    });
    Ok(())
}

async fn membership(store: &dyn Store, org: OrgId) -> anyhow::Result<Membership> {
    store
        .membership(org)
        .await?
        .with_context(|| format!("no organisation with id {org}"))
}

/// The applicant's recommenders as they are now.
async fn recommenders_now(store: &dyn Store, m: &Membership) -> anyhow::Result<Vec<Org>> {
    let mut orgs = Vec::with_capacity(m.recommendations.len());
    for r in &m.recommendations {
        if let Some(o) = store.org(r.recommender).await? {
            orgs.push(o);
        }
    }
    Ok(orgs)
}

fn membership_json(m: &Membership, current: &[Org], rules: &AdmissionRules<'_>) -> Value {
    let admission = (m.org.status == OrgStatus::Applicant).then(|| {
        let blocked_by = check_approval(m, current, rules).err();
        json!({
            "recommendations_required": rules.recommendations_required,
            "recommendations_counted": counted_recommendations(m, current),
            "nda_version": rules.nda_version,
            "ready": blocked_by.is_none(),
            "blocked_by": blocked_by.as_ref().map(MembershipError::code),
        })
    });
    json!({
        "org": m.org,
        "created_at": instant(m.created_at),
        "application": m.application.as_ref().map(|a| json!({
            "statement": a.statement,
            "submitted_at": instant(a.submitted_at),
            "submitted_by": a.submitted_by,
        })),
        "recommendations": m.recommendations.iter().map(|r| json!({
            "recommender": r.recommender,
            "recommender_name": r.recommender_name,
            "by_user": r.by_user,
            "statement": r.statement,
            "at": instant(r.at),
        })).collect::<Vec<_>>(),
        "nda": m.nda.as_ref().map(|n| json!({
            "version": n.version,
            "accepted_at": instant(n.accepted_at),
            "accepted_by": n.accepted_by,
        })),
        "history": m.history.iter().map(|c| json!({
            "from": c.from,
            "to": c.to,
            "reason": c.reason,
            "actor": c.actor,
            "at": instant(c.at),
        })).collect::<Vec<_>>(),
        "admission": admission,
    })
}

fn membership_text(m: &Membership, current: &[Org], rules: &AdmissionRules<'_>) -> String {
    let o = &m.org;
    let mut s = format!(
        "{}  {}\n  kind {}, sector {}, tier {}, status {}\n  registered {}\n",
        o.id,
        o.name,
        o.kind,
        o.sector.as_ref().map_or("-", |s| s.as_str()),
        o.tier,
        o.status,
        instant(m.created_at)
    );
    if let Some(a) = &m.application {
        s.push_str(&format!(
            "  application {}: {}\n",
            instant(a.submitted_at),
            a.statement
        ));
    }
    for r in &m.recommendations {
        s.push_str(&format!(
            "  recommended by {} on {}: {}\n",
            r.recommender_name,
            instant(r.at),
            r.statement
        ));
    }
    match &m.nda {
        Some(n) => s.push_str(&format!(
            "  NDA version {} accepted {}\n",
            n.version,
            instant(n.accepted_at)
        )),
        None => s.push_str("  NDA not accepted\n"),
    }
    for c in &m.history {
        s.push_str(&format!(
            "  {} {} → {}: {}\n",
            instant(c.at),
            c.from,
            c.to,
            c.reason
        ));
    }
    if o.status == OrgStatus::Applicant {
        let counted = counted_recommendations(m, current);
        match check_approval(m, current, rules) {
            Ok(()) => s.push_str(&format!(
                "  ready for approval ({counted} recommendations, NDA {})\n",
                rules.nda_version
            )),
            Err(e) => s.push_str(&format!("  not ready for approval: {e}\n")),
        }
    }
    s.trim_end().to_owned()
}

/// The secretariat user recorded as deciding: `login`, or the first enabled secretariat
/// administrator.
async fn operator(store: &dyn Store, login: Option<&str>) -> anyhow::Result<User> {
    let secretariat: Vec<OrgId> = store
        .list_orgs()
        .await?
        .into_iter()
        .filter(|o| o.kind == OrgKind::Secretariat)
        .map(|o| o.id)
        .collect();
    if let Some(login) = login {
        let user = store
            .user_by_login(login)
            .await?
            .with_context(|| format!("no user with login `{login}`"))?;
        if !secretariat.contains(&user.org) {
            bail!("`{login}` is not a secretariat user");
        }
        return Ok(user);
    }
    store
        .list_users(None)
        .await?
        .into_iter()
        .find(|u| secretariat.contains(&u.org) && u.role == Role::Admin && !u.disabled)
        .context(
            "no secretariat administrator to record as having decided; create one \
             (`renkei admin user add --org <secretariat> --role admin`) or pass --as LOGIN",
        )
}

/// A user of `org` recorded as acting for it: `login`, else `preferred`, else its first
/// enabled administrator.
async fn org_user(
    store: &dyn Store,
    org: &Org,
    login: Option<&str>,
    preferred: Option<UserId>,
) -> anyhow::Result<User> {
    if let Some(login) = login {
        let user = store
            .user_by_login(login)
            .await?
            .with_context(|| format!("no user with login `{login}`"))?;
        if user.org != org.id {
            bail!("`{login}` is not a user of {}", org.name);
        }
        return Ok(user);
    }
    if let Some(id) = preferred
        && let Some(user) = store.user(id).await?
        && user.org == org.id
    {
        return Ok(user);
    }
    store
        .list_users(Some(org.id))
        .await?
        .into_iter()
        .find(|u| matches!(u.role, Role::OrgAdmin | Role::Admin) && !u.disabled)
        .with_context(|| {
            format!(
                "{} has no administrator to record; create one or pass --as LOGIN",
                org.name
            )
        })
}

async fn user_command(ctx: &Ctx<'_>, command: UserCommand) -> anyhow::Result<()> {
    let (store, out) = (ctx.store, ctx.out);
    match command {
        UserCommand::Add {
            org,
            login,
            role,
            clearance,
            display_name,
        } => {
            let org = find_org(store, &org).await?;
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
                store,
                &org,
                &login,
                &password,
                role,
                clearance,
                display_name,
            )
            .await?;
            ctx.audit
                .record(
                    action::USER_CREATE,
                    user.id,
                    json!({ "login": user.login, "org": user.org, "role": user.role, "clearance": user.clearance }),
                )
                .await?;
            out.show(&user, || {
                format!(
                    "created user {} ({}) in {} id {}",
                    user.login, user.role, org.name, user.id
                )
            });
        }
        UserCommand::List { org } => {
            let org_id = match org {
                Some(o) => Some(find_org(store, &o).await?.id),
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
        UserCommand::Set {
            login,
            role,
            clearance,
            disabled,
            display_name,
        } => {
            if role.is_none() && clearance.is_none() && disabled.is_none() && display_name.is_none()
            {
                bail!("nothing to change: pass --role, --clearance, --disabled or --display-name");
            }
            let user = find_user(store, &login).await?;
            if let Some(role) = role {
                let org = store
                    .org(user.org)
                    .await?
                    .with_context(|| format!("{login}'s organisation is missing"))?;
                check_role_fits(role, org.kind).map_err(refused)?;
            }
            if let Some(name) = &display_name {
                text::check_display_name(name).map_err(refused)?;
            }
            let updated = store
                .update_user(
                    user.id,
                    &UserUpdate {
                        display_name: display_name.clone().map(Some),
                        role,
                        clearance,
                        disabled,
                        password_hash: None,
                    },
                )
                .await?;
            ctx.audit
                .record(
                    action::USER_UPDATE,
                    user.id,
                    json!({ "display_name": display_name, "role": role, "clearance": clearance, "disabled": disabled }),
                )
                .await?;
            out.show(&updated, || {
                format!(
                    "{}: role {}, clearance {}{}",
                    updated.login,
                    updated.role,
                    updated.clearance.level(),
                    if updated.disabled { ", disabled" } else { "" }
                )
            });
        }
    }
    Ok(())
}

async fn token_command(ctx: &Ctx<'_>, command: TokenCommand) -> anyhow::Result<()> {
    let (store, out) = (ctx.store, ctx.out);
    match command {
        TokenCommand::Add {
            login,
            read_only,
            expires_days,
            label,
        } => {
            if let Some(label) = &label {
                text::check_label(label).map_err(refused)?;
            }
            let (token, secret) = add_token(store, &login, read_only, expires_days, label).await?;
            ctx.audit
                .record(
                    action::TOKEN_CREATE,
                    token.id,
                    json!({ "user": token.user, "prefix": token.prefix, "read_only": token.read_only, "expires_at": token.expires_at }),
                )
                .await?;
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
        TokenCommand::List { login } => {
            let user = find_user(store, &login).await?;
            let tokens = store.list_tokens(user.id).await?;
            let v: Vec<Value> = tokens.iter().map(token_json).collect();
            out.show(&v, || {
                if tokens.is_empty() {
                    return format!("{login} has no tokens");
                }
                tokens
                    .iter()
                    .map(|t| {
                        format!(
                            "{}  {}…  created {}  {}{}{}  {}",
                            t.id,
                            t.prefix,
                            instant(t.created_at),
                            if t.read_only {
                                "read-only"
                            } else {
                                "read-write"
                            },
                            t.expires_at
                                .map(|e| format!(", expires {}", instant(e)))
                                .unwrap_or_default(),
                            if t.revoked { ", REVOKED" } else { "" },
                            t.label.as_deref().unwrap_or("")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        TokenCommand::Revoke { id } => {
            let token = store
                .token(id)
                .await?
                .with_context(|| format!("no token with id {id}"))?;
            let revoked = store.revoke_token(id).await?;
            ctx.audit
                .record(
                    action::TOKEN_REVOKE,
                    id,
                    json!({ "user": token.user, "already_revoked": !revoked }),
                )
                .await?;
            out.show(
                &json!({ "id": id, "revoked": true, "already_revoked": !revoked }),
                || {
                    if revoked {
                        format!("revoked token {id} ({}…)", token.prefix)
                    } else {
                        format!("token {id} was already revoked")
                    }
                },
            );
        }
    }
    Ok(())
}

fn token_json(t: &TokenRecord) -> Value {
    json!({
        "id": t.id,
        "user": t.user,
        "prefix": t.prefix,
        "label": t.label,
        "read_only": t.read_only,
        "created_at": instant(t.created_at),
        "expires_at": t.expires_at.map(instant),
        "revoked": t.revoked,
    })
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
            read_only,
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
