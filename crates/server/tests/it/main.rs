//! In-process HTTP tests of the server, through `tower::ServiceExt::oneshot`. Every test runs
//! on SQLite and on PostgreSQL (when `RENKEI_TEST_POSTGRES_URL` is set; CI requires it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure

mod app;
mod auth;
mod bad_input;
mod feeds;
mod leaks;
mod lookup;
mod membership;
mod notifications;
mod policy;
mod products;
mod public;
mod reciprocity;
mod rest_records;
mod robustness;
mod smtp_sink;
mod taxii_objects;
mod taxii_pages;
mod taxii_resources;
mod users;
mod web;
mod web_admin;
mod web_charts;
mod web_publishing;
mod web_sharing;
