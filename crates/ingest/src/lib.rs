//! Ingestion: from what a member sends to stored records with handling.
//!
//! A submission is validated object by object (one bad object never refuses its neighbours)
//! and each object gets its handling from the submitter's organisation defaults and its own
//! markings ([`handling`]). The flow, for a parsed envelope:
//!
//! 1. [`context_for`] the submitter, then [`learn_markings`] the submission defines;
//! 2. [`prepare`] (no I/O, on every core);
//! 3. [`store_submission`] looks up the marking definitions referenced but not sent, keeps
//!    the original bytes with their SHA-256 and stores the records in one transaction.
//!
//! [`import_bundle`] does the same for a whole file, all or nothing, validating while the
//! store writes (`renkei import`).

mod context;
pub mod csv;
pub mod handling;
mod import;
pub mod index;
pub mod misp;
mod prepare;
mod submit;
pub mod text;

pub use context::{context_for, look_up_markings};
pub use handling::Context;
pub use import::{ImportError, ImportOutcome, ImportProgress, MAX_OBJECTS, import_bundle};
pub use prepare::{Fate, Prepared, learn_markings, prepare};
pub use submit::{Arrival, BATCH, Container, SubmitError, store_submission, submit};
