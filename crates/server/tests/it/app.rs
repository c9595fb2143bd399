//! `TestApp`: a server on a scratch store with a small population of organisations and users.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use renkei_accounts::{hash_password, mint_token};
use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use renkei_model::handling::{Classification, Sector};
use renkei_model::ids::{OrgId, TokenId, UserId};
use renkei_server::{AppState, OsEntropy, ServerConfig, SystemClock};
use renkei_store::{NewOrg, NewToken, NewUser, Store};
use serde_json::Value;
use tower::ServiceExt;
use uuid::Uuid;

pub const PASSWORD: &str = "test-password-1";
pub const TAXII: &str = "application/taxii+json;version=2.1";
pub const RECORDS: &str = "/taxii2/api/collections/a7d0c7d2-3a4b-4c5e-9f10-6b2e8d1c4f01";
pub const PUBLIC: &str = "/taxii2/api/collections/3e5f2b1a-8c7d-4e6f-a1b2-c3d4e5f60718";

/// Expands one test per store for an `async fn(TestApp)`.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::app::TestApp::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = crate::app::TestApp::postgres().await {
                        super::$name(app).await;
                    }
                }
            )*
        }
    };
}
pub(crate) use on_both_stores;

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// A TAXII error: the media type, the required title, the status as a string.
    pub fn assert_taxii_error(&self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(self.content_type(), TAXII);
        let v = self.json();
        assert!(v["title"].is_string(), "error needs a title: {v}");
        assert_eq!(v["http_status"], status.as_u16().to_string());
        assert!(v["error_code"].is_string());
        v
    }
}

#[derive(Clone)]
#[allow(dead_code)]
pub struct User {
    pub login: String,
    pub token: String,
    pub org: OrgId,
    pub id: UserId,
}

pub struct TestApp {
    pub state: AppState,
    pub store: Arc<dyn Store>,
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        Self::sqlite_with(ServerConfig::default()).await
    }

    pub async fn sqlite_with(config: ServerConfig) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir").keep();
        let store = renkei_store_sqlite::SqliteStore::open(&dir.join("renkei.db")).expect("open");
        Self::with_store(Arc::new(store), config).await
    }

    pub async fn postgres() -> Option<TestApp> {
        Self::postgres_with(ServerConfig::default()).await
    }

    pub async fn postgres_with(config: ServerConfig) -> Option<TestApp> {
        let url = match std::env::var("RENKEI_TEST_POSTGRES_URL") {
            Ok(u) if !u.is_empty() => u,
            _ => {
                assert!(
                    std::env::var("RENKEI_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                    "PostgreSQL required but RENKEI_TEST_POSTGRES_URL is unset"
                );
                return None;
            }
        };
        let (store, _) = renkei_store_postgres::PostgresStore::scratch(&url, 4)
            .await
            .expect("scratch schema");
        Some(Self::with_store(Arc::new(store), config).await)
    }

    async fn with_store(store: Arc<dyn Store>, config: ServerConfig) -> TestApp {
        store
            .migrate(SystemClock_now(), [5; 32])
            .await
            .expect("migrate");
        let state = AppState::new(
            store.clone(),
            config,
            Arc::new(SystemClock),
            Arc::new(OsEntropy),
        )
        .await
        .expect("state");
        TestApp { state, store }
    }

    pub async fn org(
        &self,
        name: &str,
        kind: OrgKind,
        tier: Tier,
        sector: Option<&str>,
        status: OrgStatus,
    ) -> OrgId {
        let id = OrgId::from_uuid(Uuid::new_v4());
        self.store
            .create_org(&NewOrg {
                id,
                name: name.into(),
                kind,
                sector: sector.map(|s| Sector::new(s).expect("sector")),
                tier,
                status,
                created_at: SystemClock_now(),
            })
            .await
            .expect("org");
        id
    }

    /// A user with a password and a token (read-only if asked).
    pub async fn user(
        &self,
        org: OrgId,
        login: &str,
        role: Role,
        clearance: u8,
        read_only_token: bool,
    ) -> User {
        let id = UserId::from_uuid(Uuid::new_v4());
        self.store
            .create_user(&NewUser {
                id,
                org,
                login: login.into(),
                display_name: None,
                password_hash: Some(hash_password(PASSWORD, &[1; 16]).expect("hash")),
                role,
                clearance: Classification::new(clearance).expect("clearance"),
                created_at: SystemClock_now(),
            })
            .await
            .expect("user");
        let mut random = [0u8; 32];
        random[..16].copy_from_slice(Uuid::new_v4().as_bytes());
        random[16..].copy_from_slice(Uuid::new_v4().as_bytes());
        let minted = mint_token(random);
        self.store
            .create_token(&NewToken {
                id: TokenId::from_uuid(Uuid::new_v4()),
                user: id,
                prefix: minted.prefix.clone(),
                secret_sha256: minted.sha256,
                read_only: read_only_token,
                scope: renkei_store::TokenScope::Api,
                label: None,
                created_at: SystemClock_now(),
                expires_at: None,
            })
            .await
            .expect("token");
        User {
            login: login.into(),
            token: minted.secret.expose().into(),
            org,
            id,
        }
    }

    /// A tier-A industry member of `sector` with an unclassified contributor.
    pub async fn industry(&self, org: &str, login: &str, sector: &str) -> User {
        let org = self
            .org(
                org,
                OrgKind::Industry,
                Tier::A,
                Some(sector),
                OrgStatus::Active,
            )
            .await;
        self.user(org, login, Role::Contributor, 0, false).await
    }

    /// A police unit ("police") with an unclassified contributor.
    pub async fn police(&self, login: &str) -> User {
        let org = self
            .org(
                "police",
                OrgKind::LawEnforcement,
                Tier::None,
                None,
                OrgStatus::Active,
            )
            .await;
        self.user(org, login, Role::Contributor, 0, false).await
    }

    /// The secretariat ("jc3") with an analyst cleared to secret.
    pub async fn analyst(&self, login: &str) -> User {
        let org = self
            .org(
                "jc3",
                OrgKind::Secretariat,
                Tier::None,
                None,
                OrgStatus::Active,
            )
            .await;
        self.user(org, login, Role::Analyst, 3, false).await
    }

    /// A tier-A bank with a contributor.
    pub async fn member(&self, login: &str) -> User {
        let org = self
            .org(
                &format!("{login} bank"),
                OrgKind::Industry,
                Tier::A,
                Some("finance"),
                OrgStatus::Active,
            )
            .await;
        self.user(org, login, Role::Contributor, 1, false).await
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        auth: Option<&User>,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(u) = auth {
            req = req.header(header::AUTHORIZATION, format!("Bearer {}", u.token));
        }
        let mut has_accept = false;
        for (k, v) in headers {
            has_accept |= k.eq_ignore_ascii_case("accept");
            req = req.header(*k, HeaderValue::from_str(v).expect("header"));
        }
        if !has_accept {
            req = req.header(header::ACCEPT, TAXII);
        }
        let req = req.body(Body::from(body)).expect("request");
        let res = renkei_server::service(self.state.clone())
            .oneshot(req)
            .await
            .expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        assert!(
            !status.is_server_error(),
            "server error {status}: {}",
            String::from_utf8_lossy(&body)
        );
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, auth: Option<&User>) -> Reply {
        self.send(Method::GET, path, auth, &[], Vec::new()).await
    }

    /// `POST /api/v1/records` with `handling` and `objects`; asserts 201 and returns the answer.
    pub async fn post_records(&self, who: &User, handling: Value, objects: Vec<Value>) -> Value {
        let body =
            serde_json::to_vec(&serde_json::json!({ "handling": handling, "objects": objects }))
                .expect("json");
        let r = self
            .send(
                Method::POST,
                "/api/v1/records",
                Some(who),
                &[("content-type", "application/json")],
                body,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()
    }

    pub async fn post_envelope(&self, path: &str, auth: Option<&User>, objects: &[Value]) -> Reply {
        let body = serde_json::to_vec(&serde_json::json!({ "objects": objects })).expect("json");
        self.send(Method::POST, path, auth, &[("content-type", TAXII)], body)
            .await
    }

    pub async fn record_count(&self) -> u64 {
        self.store.stats().await.expect("stats").records
    }
}

#[allow(non_snake_case)]
fn SystemClock_now() -> i64 {
    renkei_server::Clock::now_micros(&SystemClock)
}

/// A valid indicator with a fresh id.
pub fn indicator(name: &str, markings: &[&str]) -> Value {
    indicator_with_id(
        &format!("indicator--{}", Uuid::new_v4()),
        "2026-01-01T00:00:00.000Z",
        name,
        markings,
    )
}

pub fn indicator_with_id(id: &str, modified: &str, name: &str, markings: &[&str]) -> Value {
    let mut v = serde_json::json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created": "2026-01-01T00:00:00.000Z",
        "modified": modified,
        "name": name,
        "indicator_types": ["malicious-activity"],
        "pattern": "[domain-name:value = 'phish.example']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z"
    });
    if !markings.is_empty() {
        v["object_marking_refs"] = serde_json::json!(markings);
    }
    v
}

/// An indicator marked with both TLP and PAP: stored and served exactly as sent (objects
/// without them get their effective markings added; see `effective_markings_are_added`).
pub fn marked(name: &str) -> Value {
    indicator(name, &[TLP_GREEN, PAP_GREEN])
}

pub const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
pub const TLP_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
pub const PAP_GREEN: &str = "marking-definition--c43594d1-4b11-4c59-93ab-1c9b14d53ce9";
pub const PAP_AMBER: &str = "marking-definition--60f8932b-e51e-4458-b265-a2e8be9a80ab";
pub const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
pub const TLP1_WHITE: &str = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";
