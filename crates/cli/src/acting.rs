//! Commands that act as a user (`export`, `product`): the user's identity loaded and checked as
//! a request's would be, and a server state whose audit log is closed (with a signed
//! checkpoint) when the command is done — so the CLI goes through the same policy and the same
//! audit as the HTTP API.

use std::sync::Arc;

use anyhow::{Context, anyhow};
use renkei_audit::Auditor;
use renkei_policy::Identity;
use renkei_server::error::ApiError;
use renkei_server::{AppState, OsEntropy, SystemClock};

use crate::config::Config;
use crate::{audit_key, stores};

/// A server state and the user it acts as.
pub struct Acting {
    pub state: AppState,
    pub me: Identity,
    auditor: Auditor,
}

/// Acts as `login`, who must be a user of an organisation in good standing.
pub async fn as_login(config: &Config, login: &str) -> anyhow::Result<Acting> {
    let store = stores::open(&config.database_url).await?;
    let user = store
        .user_by_login(login)
        .await?
        .with_context(|| format!("no user with login `{login}`"))?;
    let me = store
        .identity(user.id)
        .await?
        .context("user without organisation")?;
    renkei_server::auth::check_standing(&me, false).map_err(api)?;
    let auditor = audit_key::start_auditor(config, store.clone()).await?;
    let state = AppState::with_auditor(
        store,
        config.server.clone(),
        Arc::new(SystemClock),
        Arc::new(OsEntropy),
        auditor.clone(),
    )
    .await?;
    Ok(Acting { state, me, auditor })
}

impl Acting {
    /// Closes the audit log; call it whether the command succeeded or not.
    pub async fn finish(self) -> anyhow::Result<()> {
        self.auditor
            .shutdown()
            .await
            .context("could not close the audit log")
    }
}

/// An API refusal as a CLI error, with its stable code.
pub fn api(e: ApiError) -> anyhow::Error {
    match e.description {
        Some(d) => anyhow!("{} ({}): {d}", e.title, e.code),
        None => anyhow!("{} ({})", e.title, e.code),
    }
}
