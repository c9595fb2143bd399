//! Renkei's domain model.
//!
//! Owns the vocabulary every other crate speaks: STIX 2.1 objects parsed and validated at the
//! edge ([`stix`]), the provider's handling of a record ([`handling`]), organisations and
//! users ([`account`]), the secretariat's products ([`product`]), typed ids ([`ids`]) and the audit log's hash chain ([`audit`]).
//!
//! Must not do I/O, read the clock or draw random numbers: callers pass time and randomness in.

pub mod account;
pub mod audit;
pub mod handling;
pub mod ids;
pub mod product;
pub mod stix;
