//! The feed renderers, end to end: exact output per format, escaping, incremental feeds, and
//! the real validators (`suricata -T`, `named-checkzone`) when they are installed.

mod fixtures;
mod formats;
mod validators;
