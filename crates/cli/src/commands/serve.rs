//! `renkei serve`: migrate, optionally seed the demo, and serve.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use renkei_server::{AppState, OsEntropy, SystemClock};

use crate::config::{Config, redact};
use crate::output::Output;
use crate::{audit_key, demo, stores};

pub async fn run(mut config: Config, seed_demo: bool, out: Output) -> anyhow::Result<ExitCode> {
    // A demo on this machine is reached over plain http, where browsers drop `Secure`
    // cookies; anything else needs `[web] plain_http = true` said explicitly.
    if seed_demo && config.listen.ip().is_loopback() {
        config.server.web_plain_http = true;
    }
    let store = stores::open(&config.database_url).await?;
    let logins = if seed_demo {
        demo::seed(store.as_ref()).await?
    } else {
        None
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (is another server running? use --listen)",
                config.listen
            )
        })?;
    let addr = listener.local_addr()?;
    let auditor = audit_key::start_auditor(&config, store.clone()).await?;
    let state = AppState::with_auditor(
        store.clone(),
        config.server.clone(),
        Arc::new(SystemClock),
        Arc::new(OsEntropy),
        auditor.clone(),
    )
    .await?;
    if logins.is_some() {
        demo::seed_products(&state).await?;
    }
    let base = format!("http://{addr}");
    out.show(
        &serde_json::json!({ "url": base, "taxii_discovery": format!("{base}/taxii2/"), "database": redact(&config.database_url), "demo_logins": logins.as_ref().map(|l| &l.users) }),
        || {
            let mut s = format!(
                "Renkei is serving on {base}\n  TAXII 2.1 discovery: {base}/taxii2/\n  database: {} ({})\n  data folder: {}\n",
                redact(&config.database_url),
                store.backend().as_str(),
                config.data_dir.display()
            );
            if let Some(l) = &logins {
                s.push_str(&l.table());
            }
            s.push_str("Press Ctrl-C to stop.");
            s
        },
    );
    renkei_server::serve(listener, state, shutdown_signal()).await?;
    // The last entries get a signed checkpoint before the process ends.
    auditor
        .shutdown()
        .await
        .context("could not close the audit log")?;
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, or SIGTERM (what service managers send): finish the requests under way, then stop.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
