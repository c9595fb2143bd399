//! What the server writes to the audit log (issue 3, `docs/audit.md`): every write, and every
//! read of a record above TLP:GREEN or classified. A request is answered only after its audit
//! entry is stored, so nothing is served or changed unlogged.

use renkei_model::audit::AuditEvent;
use renkei_policy::{Identity, Principal};
use renkei_store::RecordRow;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::AppState;

/// The stable action names in the log (`docs/audit.md`).
pub mod action {
    pub const RECORD_SUBMIT: &str = "record.submit";
    pub const RECORD_DELETE: &str = "record.delete";
    pub const RECORD_READ: &str = "record.read";
    pub const RECORD_HANDLING: &str = "record.handling";
    pub const ORG_APPLY: &str = "org.apply";
    pub const ORG_RECOMMEND: &str = "org.recommend";
    pub const ORG_NDA: &str = "org.nda";
    pub const ORG_STATUS: &str = "org.status";
    pub const ORG_UPDATE: &str = "org.update";
    pub const ORG_HANDLING_DEFAULTS: &str = "org.handling_defaults";
    pub const USER_CREATE: &str = "user.create";
    pub const USER_UPDATE: &str = "user.update";
    pub const TOKEN_CREATE: &str = "token.create";
    pub const TOKEN_REVOKE: &str = "token.revoke";
    pub const HINT_CLOSE: &str = "hint.close";
    pub const FEED_PULL: &str = "feed.pull";
    pub const SUBSCRIPTION_CREATE: &str = "subscription.create";
    pub const SUBSCRIPTION_DELETE: &str = "subscription.delete";
    pub const NOTIFICATION_READ: &str = "notification.read";
    pub const SESSION_LOGIN: &str = "session.login";
    pub const SESSION_LOGOUT: &str = "session.logout";
    pub const PUBLIC_REPORT_SUBMIT: &str = "public_report.submit";
}

impl AppState {
    /// Appends one event by `actor` (None: an anonymous caller, e.g. a public application) and
    /// waits until it is stored.
    pub async fn audit(
        &self,
        actor: Option<&Identity>,
        action: &str,
        subject: impl Into<String>,
        detail: Value,
    ) -> Result<(), ApiError> {
        let event = self.audit_event(actor, action, subject.into(), detail);
        self.auditor.record(event).await.map(drop).map_err(|e| {
            tracing::error!(error = %e, "audit log write failed");
            ApiError::internal()
        })
    }

    /// Logs the sensitive records among `rows` that `principal` is about to be shown through
    /// `path` (one entry per request, listing the versions); nothing when none is sensitive.
    /// Every record read is also counted for the reader's organisation (reciprocity).
    pub async fn audit_reads<'a>(
        &self,
        principal: &Principal,
        path: &str,
        rows: impl IntoIterator<Item = &'a RecordRow>,
    ) -> Result<(), ApiError> {
        let mut all = 0;
        let read: Vec<Value> = rows
            .into_iter()
            .inspect(|_| all += 1)
            .filter(|r| r.is_sensitive())
            .map(|r| json!({ "id": r.stix_id, "version": r.version.to_stix() }))
            .collect();
        if let Some(me) = principal.identity() {
            self.count_usage(me, crate::usage::kind::RECORDS_READ, all);
        }
        if read.is_empty() {
            return Ok(());
        }
        self.audit(
            principal.identity(),
            action::RECORD_READ,
            path,
            json!({ "records": read }),
        )
        .await
    }

    fn audit_event(
        &self,
        actor: Option<&Identity>,
        action: &str,
        subject: String,
        detail: Value,
    ) -> AuditEvent {
        AuditEvent {
            at: self.clock.now_micros(),
            actor_user: actor.map(|a| a.user.to_string()),
            actor_org: actor.map(|a| a.org.to_string()),
            action: action.to_owned(),
            subject,
            detail: detail.to_string(),
        }
    }
}
