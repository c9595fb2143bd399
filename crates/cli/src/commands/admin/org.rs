//! `renkei admin org …`: organisations and their membership process.

use anyhow::{Context, bail};
use clap::Subcommand;
use renkei_membership::{
    AdmissionRules, MembershipError, check_approval, check_nda, check_recommendation,
    check_transition, counted_recommendations, text,
};
use renkei_model::account::{Org, OrgKind, OrgStatus, Role, Tier, User};
use renkei_model::handling::Sector;
use renkei_model::ids::{OrgId, UserId};
use renkei_server::audit::action;
use renkei_server::{Clock, SystemClock};
use renkei_store::{Membership, NdaAcceptance, NewRecommendation, StatusChange, Store};
use serde_json::{Value, json};

use super::{Ctx, ORG_CREATE, add_org, find_org, instant, refused};

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

pub(super) async fn org_command(ctx: &Ctx<'_>, command: OrgCommand) -> anyhow::Result<()> {
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
