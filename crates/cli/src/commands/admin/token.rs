//! `renkei admin token …`: API tokens, shown once, listed without secrets, revoked.

use anyhow::Context;
use clap::Subcommand;
use renkei_membership::text;
use renkei_model::ids::TokenId;
use renkei_server::audit::action;
use renkei_store::{TokenRecord, TokenScope};
use serde_json::{Value, json};

use super::{Ctx, add_token, find_user, instant, refused};

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user; it is printed once and never again.
    Add {
        #[arg(long)]
        login: String,
        /// The token may read but not write.
        #[arg(long)]
        read_only: bool,
        /// A feed token: it can only pull `/feeds` (for sensor and resolver configurations).
        #[arg(long)]
        feeds: bool,
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

pub(super) async fn token_command(ctx: &Ctx<'_>, command: TokenCommand) -> anyhow::Result<()> {
    let (store, out) = (ctx.store, ctx.out);
    match command {
        TokenCommand::Add {
            login,
            read_only,
            feeds,
            expires_days,
            label,
        } => {
            if let Some(label) = &label {
                text::check_label(label).map_err(refused)?;
            }
            let scope = if feeds {
                TokenScope::Feeds
            } else {
                TokenScope::Api
            };
            let (token, secret) =
                add_token(store, &login, read_only, scope, expires_days, label).await?;
            ctx.audit
                .record(
                    action::TOKEN_CREATE,
                    token.id,
                    json!({ "user": token.user, "prefix": token.prefix, "read_only": token.read_only, "scope": token.scope.as_str(), "expires_at": token.expires_at }),
                )
                .await?;
            out.show(
                &json!({ "token": secret, "id": token.id, "prefix": token.prefix, "read_only": token.read_only, "scope": token.scope.as_str(), "expires_at": token.expires_at }),
                || {
                    format!(
                        "{secret}\n\nThis is the only time the token is shown; store it safely.\n{}",
                        if feeds {
                            "It can only pull feeds: `/feeds/{format}?token=<token>` or `Authorization: Bearer <token>`."
                        } else if read_only {
                            "Use it as `Authorization: Bearer <token>` or as the password with HTTP Basic.\nThe token is read-only."
                        } else {
                            "Use it as `Authorization: Bearer <token>` or as the password with HTTP Basic."
                        }
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
        "scope": t.scope.as_str(),
        "created_at": instant(t.created_at),
        "expires_at": t.expires_at.map(instant),
        "revoked": t.revoked,
    })
}
