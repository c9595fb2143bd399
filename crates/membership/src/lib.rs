//! Renkei's membership rules (design §2, `docs/membership.md`).
//!
//! Owns the decisions of the membership process — who may recommend an applicant (推薦), when
//! an applicant may be admitted (承認: enough recommendations, the current NDA), which status
//! changes are allowed (停止・除名, always with a reason) — and of user administration: who may
//! see and manage which organisations, users and API tokens, and which roles and clearances
//! they may grant.
//!
//! Must not do I/O, read the clock or draw random numbers: callers load the facts from the
//! store, ask here, then write. Every function is pure and table-tested; the server's REST API
//! and the `renkei admin` command both decide through them, so the rules hold whichever way a
//! change arrives.

mod admission;
mod error;
mod rights;
pub mod text;

pub use admission::{
    AdmissionRules, check_application_kind, check_approval, check_nda, check_recommendation,
    check_recommender, check_status_change, check_tier, check_transition, counted_recommendations,
};
pub use error::{ErrorKind, MembershipError};
pub use rights::{
    UserEdit, check_accept_nda, check_manage_orgs, check_manage_tokens,
    check_read_handling_defaults, check_read_membership, check_read_org, check_read_tokens,
    check_read_user, check_read_users, check_recommend, check_role_fits,
    check_set_handling_defaults, check_user_edit, check_user_grant, is_org_admin, is_secretariat,
    is_secretariat_admin, org_admin_may_grant,
};
