//! Renkei's HTTP server: TAXII 2.1 at `/taxii2/`, the REST API at `/api/v1/`, feeds at
//! `/feeds/`, public Atom/RSS at `/public/`, health at `/healthz`, and the web UI's pages at
//! `/` ([`web`]).
//!
//! Every request is authenticated by [`auth`] into an explicit `Principal`; every read of
//! records goes through the policy crate (`ReadScope` for queries, `decide` for single
//! decisions) and nothing else.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use renkei_audit::{AuditConfig, Auditor};
use renkei_store::Store;
use tower::ServiceExt;

pub mod api;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod error;
pub mod feeds;
pub mod notify;
pub mod products;
pub mod public;
pub mod state;
pub mod taxii;
pub mod usage;
pub mod web;

pub use clock::{Clock, Entropy, OsEntropy, SystemClock};
pub use state::{AppState, MembershipRules, ServerConfig};

impl AppState {
    /// State for a migrated store, auditing without checkpoint signatures (tests, tools).
    pub async fn new(
        store: Arc<dyn Store>,
        config: ServerConfig,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
    ) -> Result<Self, renkei_store::StoreError> {
        let auditor = Auditor::start(store.clone(), None, AuditConfig::default());
        Self::with_auditor(store, config, clock, entropy, auditor).await
    }

    /// State for a migrated store with its audit log writer (started with the signing key by
    /// the caller, see `renkei serve`).
    pub async fn with_auditor(
        store: Arc<dyn Store>,
        config: ServerConfig,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
        auditor: Auditor,
    ) -> Result<Self, renkei_store::StoreError> {
        let key = store.server_key().await?;
        let mailer = match &config.smtp {
            Some(smtp) => Some(
                notify::Mailer::new(smtp)
                    .map_err(|e| renkei_store::StoreError::Invalid(e.to_string()))?,
            ),
            None => None,
        };
        let notifier = notify::Notifier::start(notify::Context {
            store: store.clone(),
            clock: clock.clone(),
            auditor: auditor.clone(),
            mailer,
        })
        .await?;
        Ok(AppState {
            store,
            config: Arc::new(config),
            key: key.into(),
            clock,
            entropy,
            passwords: Arc::default(),
            last_status_prune: Arc::default(),
            auditor,
            usage: Arc::default(),
            logins: Arc::default(),
            notifier,
        })
    }
}

/// The application: all routes, security headers, trailing-slash normalisation.
pub fn app(state: AppState) -> axum::routing::RouterIntoService<axum::body::Body> {
    Router::new()
        .nest("/taxii2", taxii::router())
        .nest("/api/v1", api::router())
        .nest("/feeds", feeds::router())
        .nest("/public", public::router())
        .merge(web::router())
        .route("/healthz", get(|| async { "ok" }))
        .fallback(web::not_found)
        .layer(middleware::from_fn(catch_panics))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
        .into_service()
}

/// The service to serve: routes match paths without a trailing slash, and TAXII clients always
/// send one, so it is removed before routing.
pub fn service(
    state: AppState,
) -> impl tower::Service<Request, Response = Response, Error = std::convert::Infallible, Future: Send>
+ Clone
+ Send {
    app(state).map_request(normalise_path)
}

/// Drops one trailing `/` (except for `/` itself) so `/taxii2/` and `/taxii2` are the same.
pub fn normalise_path(mut req: Request) -> Request {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        let pq = match req.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_owned(),
        };
        let mut parts = req.uri().clone().into_parts();
        if let Ok(pq) = pq.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
    req
}

/// A handler that panics (a bug) answers 500 with an error body instead of dropping the
/// connection; the panic is logged.
pub(crate) async fn catch_panics(req: Request, next: Next) -> Response {
    use futures::FutureExt;
    match std::panic::AssertUnwindSafe(next.run(req))
        .catch_unwind()
        .await
    {
        Ok(res) => res,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %what, "request handler panicked");
            axum::response::IntoResponse::into_response(error::ApiError::internal())
        }
    }
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        (
            "content-security-policy",
            "default-src 'none'; frame-ancestors 'none'",
        ),
        ("cache-control", "no-store"),
    ] {
        h.entry(HeaderName::from_static(name))
            .or_insert(HeaderValue::from_static(value));
    }
    res
}

/// The address a connection came from, as `serve` saw it (the web UI limits failed logins
/// per address).
#[derive(Clone, Copy, Debug)]
pub struct PeerAddr(pub std::net::SocketAddr);

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let svc = service(state);
    let make = tower::service_fn(
        move |incoming: axum::serve::IncomingStream<'_, tokio::net::TcpListener>| {
            let peer = PeerAddr(*incoming.remote_addr());
            let svc = svc.clone().map_request(move |mut req: Request| {
                req.extensions_mut().insert(peer);
                req
            });
            async move { Ok::<_, std::convert::Infallible>(svc) }
        },
    );
    axum::serve(listener, make)
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use super::*;

    async fn boom() -> &'static str {
        panic!("bug")
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_with_an_error_body() {
        let app: Router = Router::new()
            .route("/boom", get(boom))
            .layer(middleware::from_fn(catch_panics));
        let res = app
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = http_body_util::BodyExt::collect(res.into_body())
            .await
            .unwrap()
            .to_bytes();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error_code"], "internal_error");
        assert_eq!(v["http_status"], "500");
    }
}
