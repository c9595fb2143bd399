//! Machine feeds for defenders (issue 5 §3, design §7): what monitoring providers load into
//! their sensors and resolvers, and what AV vendors pull.
//!
//! This crate only renders. The server decides which entries a feed token may receive
//! (`renkei_policy::decide` on `Path::DefensiveFeed`: `defensive_feeds` consent, PAP
//! GREEN/CLEAR, TLP ≤ AMBER, unclassified; expired and false-positive indicators already
//! dropped) and hands the survivors here, sorted.

pub mod entry;

pub use entry::{Change, FeedEntry, Format};
