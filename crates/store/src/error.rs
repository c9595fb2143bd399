//! What can go wrong in a store, in words the server can map to HTTP statuses.

/// A store error. `Backend` carries the driver's error for the log; the user sees a generic
/// message for it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken (an organisation name, a login…).
    #[error("{0}")]
    Conflict(String),
    /// The caller referred to something that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request makes no sense for the data as stored.
    #[error("{0}")]
    Invalid(String),
    /// The database failed; details are for the operator's log only.
    #[error("storage failure: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Backend(Box::new(e))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
