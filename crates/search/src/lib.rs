//! Search tokens for STIX objects and user queries, computed in Rust so that full-text
//! search in Japanese and English behaves the same on both stores:
//!
//! - **SQLite**: the tokens, joined by single spaces, are the document of a contentless FTS5
//!   table tokenised with `unicode61 remove_diacritics 0`; a query is the tokens, each
//!   quoted as an FTS5 string, joined by `AND`.
//! - **PostgreSQL**: the tokens are a `text[]` column with a GIN index; a query is
//!   `tokens @> ARRAY[...]` with the query tokens.
//!
//! Owns the tokenisation rules and the choice of which parts of a STIX object are
//! searchable. Must not do I/O, talk to either database or rank results: it is a pure
//! function of its input, linear in its length, bounded ([`MAX_TEXT`], [`MAX_TOKENS`],
//! [`MAX_TOKEN_LEN`], [`MAX_QUERY_TOKENS`]) and never panics.
//!
//! # Tokens
//!
//! The text is folded with NFKC (full-width `Ｆｕｌｌ` becomes `full`, half-width `ｶﾀｶﾅ`
//! becomes `カタカナ`) and lower-cased, then split into runs:
//!
//! - a **CJK** run (Han including `々〆ヶ`, Hiragana, Katakana including `ー`, Hangul)
//!   becomes its overlapping bigrams (`不正送金` → `不正`, `正送`, `送金`); a run of one
//!   character becomes that character;
//! - a **word** run (any other letter or number: Latin, digits, Cyrillic, …) becomes one
//!   token, cut to [`MAX_TOKEN_LEN`] characters;
//! - everything else (spaces, punctuation such as `.` `/` `@` `-` `_` `、` `。` `「` `」` `・`,
//!   symbols) separates runs, and so does a change between CJK and word characters
//!   (`phishing詐欺` → `phishing`, `詐欺`);
//! - combining marks left after NFKC and invisible format characters (soft hyphen,
//!   zero-width space and joiners, variation selectors) are dropped without ending a run,
//!   so they can neither split a word to dodge search nor split `葛` from its variation
//!   selector. Diacritics that NFKC composes (`é`) are kept: `cafe` does not find `café`.
//!
//! Tokens hold only letters and numbers (general categories `L*` and `N*`) that `unicode61`
//! keeps as they are, so the space-joined tokens index in FTS5 as exactly these tokens
//! (`tests/search/sqlite_conformance.rs` checks every Unicode character against the bundled SQLite).
//!
//! # Matching, and what it gets wrong
//!
//! A document matches a query when it has every query token. So `詐欺` finds
//! `特殊詐欺の被害が増加`, and `不正送金` finds `ネットバンキングの不正送金`. Callers accept
//! two known error classes of bigram search:
//!
//! - **false positives**: the query's bigrams are all present but not next to each other
//!   (`東京都` has the bigrams `東京` and `京都`, so it matches `東京の本社と京都の支店`);
//!   words are matched regardless of their order or distance too;
//! - **false negatives**: a one-character query (`金`) only finds documents where that
//!   character stands alone between non-CJK characters, since longer runs index bigrams
//!   only; and words longer than [`MAX_TOKEN_LEN`] match on their first characters only.
//!
//! An empty query token list means the query has nothing searchable (only punctuation, say):
//! callers must treat it as "no text filter" or reject it — never pass it to FTS5 `MATCH`.
//!
//! ```
//! use renkei_search::{query_tokens, tokens};
//!
//! let doc = tokens("ネットバンキングの不正送金、phishing サイト");
//! let query = query_tokens("不正送金 Phishing");
//! assert!(query.iter().all(|t| doc.contains(t)));
//! ```

#![warn(missing_docs)]

mod fold;
mod object;
mod tokenise;

/// At most this many distinct tokens are kept of a document; the rest of it is not indexed.
pub const MAX_TOKENS: usize = 4096;

/// At most this many bytes of an object's text are searchable ([`text_of`]).
pub const MAX_TEXT: usize = 256 * 1024;

/// Longer words are cut to this many characters (in documents and queries alike, so a long
/// query word still finds the same long word).
pub const MAX_TOKEN_LEN: usize = 64;

/// At most this many distinct tokens are kept of a query; the rest of the query is ignored
/// (it narrows the result less than it costs).
pub const MAX_QUERY_TOKENS: usize = 64;

/// Tokens of a document: deduplicated, in first-occurrence order, at most [`MAX_TOKENS`].
pub fn tokens(text: &str) -> Vec<String> {
    split(&document(text))
}

/// [`tokens`] joined by single spaces: what both stores index (empty when there are none).
pub fn document(text: &str) -> String {
    tokenise::tokenise(text, MAX_TOKENS)
}

/// Tokens of a query: the same tokenisation as [`tokens`]; a document matches when it has
/// every one of them. At most [`MAX_QUERY_TOKENS`]; empty when the query has no letter or
/// number.
pub fn query_tokens(query: &str) -> Vec<String> {
    split(&tokenise::tokenise(query, MAX_QUERY_TOKENS))
}

fn split(joined: &str) -> Vec<String> {
    joined.split_terminator(' ').map(str::to_owned).collect()
}

/// The searchable text of a STIX object (its JSON text), at most [`MAX_TEXT`] bytes.
///
/// Every string value, through arrays and nested objects, joined by single spaces, in the
/// object's property order — except, at any depth: identifiers and timestamps (`type`, `id`,
/// `spec_version`, `created`, `modified`, `valid_from`, `valid_until`, `first_seen`,
/// `last_seen`, `published`), `pattern_type`, `pattern_version`, `lang`, markings
/// (`object_marking_refs`, `granular_markings`), references (`created_by_ref` and any key
/// ending in `_ref` or `_refs`), an extension's `extension_type`, and the whole Renkei handling
/// extension. Of `external_references` only `source_name`, `description`, `external_id` and
/// `url` are kept. `hashes` are kept, and an indicator's `pattern` is kept as it is. Numbers
/// and booleans are not text. Read straight from the text, without building a tree; broken
/// JSON yields what was read before the break.
pub fn text_of_json(json: &str) -> String {
    object::text_of_json(json)
}

/// [`text_of_json`] for parsed JSON.
pub fn text_of(object: &serde_json::Value) -> String {
    text_of_json(&object.to_string())
}

/// The tokens of a STIX object: [`tokens`] of [`text_of`].
pub fn object_tokens(object: &serde_json::Value) -> Vec<String> {
    tokens(&text_of(object))
}

/// The search document of a STIX object (its JSON text): [`document`] of [`text_of_json`].
pub fn json_document(json: &str) -> String {
    document(&text_of_json(json))
}
