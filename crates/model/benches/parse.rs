//! Parse-and-validate speed of Renkei's own STIX types against the `rstix` crate on the same
//! bundle (the measurement behind docs/decisions/stix-parsing.md).
//!
//! `cargo bench -p renkei-model --bench parse [-- OBJECTS]`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Instant;

fn bundle(n: usize, with_markings: bool) -> String {
    let mut s = String::from(
        "{\"type\":\"bundle\",\"id\":\"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\",\"objects\":[",
    );
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        let u = uuid::Uuid::from_u128(0x4000_8000_0000_0000_0000u128 + (i as u128) * 0x1_0000_0001);
        let u = uuid::Builder::from_random_bytes(*u.as_bytes()).into_uuid();
        let markings = if with_markings {
            r#","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]"#
        } else {
            ""
        };
        s.push_str(&format!(
            r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--{u}","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"C2 server {i}","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '10.{}.{}.{}']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"{markings}}}"#,
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        ));
    }
    s.push_str("]}");
    s
}

fn main() {
    let n: usize = std::env::args()
        .filter_map(|a| a.parse().ok())
        .next()
        .unwrap_or(100_000);
    let best = |f: &dyn Fn() -> usize| {
        let mut times = Vec::new();
        let mut out = 0;
        for _ in 0..3 {
            let t = Instant::now();
            out = f();
            times.push(t.elapsed().as_secs_f64());
        }
        (times.into_iter().fold(f64::MAX, f64::min), out)
    };
    println!("objects: {n} indicators (STIX patterns), best of 3, one thread");
    for markings in [false, true] {
        let text = bundle(n, markings);
        let (renkei, ok) = best(&|| {
            let b = renkei_model::stix::Bundle::parse(text.as_bytes(), usize::MAX).unwrap();
            b.objects
                .iter()
                .filter(|o| renkei_model::stix::StixObject::from_raw(o).is_ok())
                .count()
        });
        if std::env::var("ONLY_RENKEI").is_ok() {
            println!(
                "renkei-model: {:.0} objects/s ({ok} valid)",
                n as f64 / renkei
            );
            continue;
        }
        let (rstix, rstix_result) = best(&|| match rstix::parse_bundle(&text) {
            Ok(b) => b.objects().len(),
            Err(_) => 0,
        });
        let rstix_error = rstix::parse_bundle(&text).err().map(|e| e.to_string());
        println!(
            "TLP 2.0 marking refs: {markings:5} | renkei-model: {:7.0} objects/s ({ok} valid) | rstix 0.23 parse_bundle: {:7.0} objects/s ({})",
            n as f64 / renkei,
            n as f64 / rstix,
            rstix_error.unwrap_or_else(|| format!("{rstix_result} parsed"))
        );
    }
}
