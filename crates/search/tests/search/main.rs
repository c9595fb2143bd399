//! Behaviour of `renkei-search`: matching in Japanese and English, the searchable text of
//! STIX objects, bounds on hostile input, and agreement with SQLite FTS5's `unicode61`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure

mod bounds;
mod matching;
mod objects;
mod sqlite_conformance;

/// Whether a document with tokens `doc` matches `query` (every query token present), as
/// both stores decide it.
pub fn matches(doc: &str, query: &str) -> bool {
    let doc = renkei_search::tokens(doc);
    let query = renkei_search::query_tokens(query);
    !query.is_empty() && query.iter().all(|t| doc.contains(t))
}
