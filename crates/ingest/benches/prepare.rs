//! Where a bulk import's validating thread spends its time, stage by stage, on the objects
//! `renkei bench import` uses (indicators with one `ipv4-addr` value, TLP:GREEN). One thread,
//! best of five; the store's side is not measured here.
//!
//! `cargo bench -p renkei-ingest --bench prepare [-- OBJECTS]`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use renkei_ingest::handling::{Context, Derived, derive};
use renkei_ingest::index::terms_of;
use renkei_model::handling::Classification;
use renkei_model::stix::{Bundle, StixObject};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bundle(n: usize) -> String {
    let objects: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--{}","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"C2 servers {i}","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '45.{}.{}.{}']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}}"#,
                uuid::Uuid::new_v4(),
                (i >> 16) & 255,
                (i >> 8) & 255,
                i & 255
            )
        })
        .collect();
    format!(
        r#"{{"type":"bundle","id":"bundle--{}","objects":[{}]}}"#,
        uuid::Uuid::new_v4(),
        objects.join(",")
    )
}

fn best<T>(mut f: impl FnMut() -> T) -> Duration {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let n: usize = std::env::args()
        .filter_map(|a| a.parse().ok())
        .next()
        .unwrap_or(100_000);
    let text = bundle(n);
    let ctx = Context {
        clearance: Classification::UNCLASSIFIED,
        org_default: None,
        markings: HashMap::new(),
        redefined: Default::default(),
    };
    let bundle = Bundle::parse(text.as_bytes(), usize::MAX).unwrap();
    let objects: Vec<StixObject> = bundle
        .objects
        .iter()
        .map(|o| StixObject::from_raw(o).unwrap())
        .collect();
    let bodies: Vec<String> = objects
        .iter()
        .map(|o| match derive(o, &ctx).unwrap() {
            Derived::Ready { body, .. } => body.unwrap_or_else(|| o.json().to_owned()),
            Derived::Unknown(_) => unreachable!(),
        })
        .collect();
    let per = |d: Duration| d.as_secs_f64() * 1e9 / n as f64;
    let stages: [(&str, Duration); 8] = [
        (
            "bundle parse",
            best(|| {
                Bundle::parse(text.as_bytes(), usize::MAX)
                    .unwrap()
                    .objects
                    .len()
            }),
        ),
        (
            "from_raw (validate)",
            best(|| {
                bundle
                    .objects
                    .iter()
                    .filter(|o| StixObject::from_raw(o).is_ok())
                    .count()
            }),
        ),
        (
            "derive (handling, markings)",
            best(|| objects.iter().filter(|o| derive(o, &ctx).is_ok()).count()),
        ),
        (
            "terms_of (observables, search)",
            best(|| {
                bodies
                    .iter()
                    .map(|b| terms_of(b).tokens.len())
                    .sum::<usize>()
            }),
        ),
        (
            "  of which: observables_of",
            best(|| {
                bodies
                    .iter()
                    .map(|b| renkei_ingest::index::observables_of(b).len())
                    .sum::<usize>()
            }),
        ),
        (
            "  of which: search text",
            best(|| {
                bodies
                    .iter()
                    .map(|b| renkei_search::text_of_json(b).len())
                    .sum::<usize>()
            }),
        ),
        (
            "  of which: search document",
            best(|| {
                bodies
                    .iter()
                    .map(|b| renkei_search::json_document(b).len())
                    .sum::<usize>()
            }),
        ),
        (
            "prepare (all of it)",
            best(|| {
                bundle
                    .objects
                    .chunks(1_000)
                    .map(|c| renkei_ingest::prepare(c, &ctx).len())
                    .sum::<usize>()
            }),
        ),
    ];
    println!("{n} indicators, one thread, best of 5:");
    for (name, d) in stages {
        println!(
            "  {name:<32} {:>8.1} ms  {:>7.0} ns/object",
            d.as_secs_f64() * 1e3,
            per(d)
        );
    }
}
