//! `renkei admin user …`: users, their roles and clearance.

use anyhow::{Context, bail};
use clap::Subcommand;
use renkei_membership::{check_role_fits, text};
use renkei_model::account::Role;
use renkei_model::handling::Classification;
use renkei_server::audit::action;
use renkei_store::UserUpdate;
use serde_json::json;

use super::{Ctx, add_user, find_org, find_user, refused};

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

pub(super) async fn user_command(ctx: &Ctx<'_>, command: UserCommand) -> anyhow::Result<()> {
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
