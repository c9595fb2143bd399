//! What the web UI keeps (issue 6): browser sessions and the public's reports (通報・相談).
//!
//! A session is found by the SHA-256 of its cookie value, so a copy of the database does not
//! hand out live sessions; it names a user only, and the server loads that user's identity
//! afresh on every request (a suspension takes effect at once). Its CSRF token is random and
//! kept with it, so a form posted from another site cannot carry it.

use renkei_model::ids::UserId;

/// One browser session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebSession {
    /// Hex SHA-256 of the cookie value (the cookie value itself is never stored).
    pub id_hash: String,
    pub user: UserId,
    /// The token every form of this session must carry.
    pub csrf: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A report from the public (通報・相談), filed without an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicReport {
    /// What the reporter is told to quote (`R-…`); unique.
    pub tracking: String,
    /// One of the form's categories (validated by the caller).
    pub category: String,
    pub text: String,
    /// How to reach the reporter, if they gave it.
    pub contact: Option<String>,
    pub created_at: i64,
}
