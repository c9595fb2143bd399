//! The feed renderers, end to end: exact output per format, escaping, incremental feeds, and
//! the real validators (`suricata -T`, `named-checkzone`) when they are installed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure

mod fixtures;
mod formats;
mod validators;
