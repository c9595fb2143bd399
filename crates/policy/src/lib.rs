//! Renkei's access policy: one pure decision for every read (design §4).
//!
//! [`decide`] answers for one record (and, on [`Path::Product`], for one product);
//! [`needs_consent`] asks it whether releasing a product would widen a cited record's reach; [`ReadScope`] answers for a whole query in a form the
//! stores translate to SQL, and is tested to agree with [`decide`]. Nothing here does I/O.
//! Every read path in the server must go through one of the two; nothing else may decide.

mod decide;
mod identity;
mod release;
mod scope;
pub mod view;

pub use decide::{Decision, Path, RecordMeta, View, decide, is_public, view_of};
pub use identity::{Identity, Principal};
pub use release::needs_consent;
pub use scope::{MemberScope, ReadScope, StoredAccess, audience_mask, bits, use_bit};

#[cfg(test)]
mod tests;
