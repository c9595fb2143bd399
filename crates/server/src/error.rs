//! The one HTTP error type. Each error has a status, a stable code that clients can match on,
//! a title and a description the user sees; internal details go to the log only.
//!
//! Under `/taxii2/` every error (including those axum produces itself, such as 405) is turned
//! into a TAXII 2.1 error message resource by [`crate::taxii::errors`].

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use renkei_store::StoreError;

/// An error a handler returns.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable, documented code (e.g. `invalid_parameter`); see `docs/errors.md`.
    pub code: &'static str,
    pub title: String,
    pub description: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, title: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            title: title.into(),
            description: None,
        }
    }

    pub fn with_description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }

    pub fn bad_request(code: &'static str, title: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, title)
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "authentication_required", "Authentication required")
            .with_description("Send HTTP Basic credentials (login and password or API token) or `Authorization: Bearer <token>`.")
    }

    pub fn bad_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "Invalid credentials",
        )
        .with_description("The login, password or token was not accepted.")
    }

    pub fn forbidden(code: &'static str, title: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, title)
    }

    pub fn not_found(title: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", title)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal server error",
        )
        .with_description("The error has been logged. Please try again later.")
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            StoreError::NotFound(m) => ApiError::not_found(m),
            StoreError::Invalid(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m),
            StoreError::Backend(err) => {
                tracing::error!(error = %err, "storage failure");
                ApiError::internal()
            }
        }
    }
}

/// The body every Renkei error has: the fields of a TAXII 2.1 error message resource, so one
/// shape serves both the TAXII and the REST API.
pub fn error_body(
    status: StatusCode,
    code: &str,
    title: &str,
    description: Option<&str>,
) -> String {
    let mut m = serde_json::Map::new();
    m.insert("title".into(), title.into());
    if let Some(d) = description {
        m.insert("description".into(), d.into());
    }
    m.insert("error_id".into(), uuid::Uuid::new_v4().to_string().into());
    m.insert("error_code".into(), code.into());
    m.insert("http_status".into(), status.as_u16().to_string().into());
    serde_json::Value::Object(m).to_string()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(code = self.code, title = %self.title, "server error response");
        }
        let body = error_body(
            self.status,
            self.code,
            &self.title,
            self.description.as_deref(),
        );
        let mut res = (self.status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"renkei\", Bearer realm=\"renkei\""),
            );
        }
        res.extensions_mut().insert(self);
        res
    }
}
