//! Integration tests of renkei-observables: extraction from realistic texts, properties
//! (idempotence, no panic, well-formed spans) and adversarial inputs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure

mod adversarial;
mod extraction;
mod properties;
