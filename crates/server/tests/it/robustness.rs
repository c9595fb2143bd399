//! Random junk at every TAXII endpoint: always a 4xx or a success, never a 500, and nothing
//! stored by a request that failed.

use axum::http::{Method, StatusCode, Uri};

use crate::app::*;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Junk(u64);

impl Junk {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next() & 0xff) as u8).collect()
    }
}

const PARAMS: &[&str] = &[
    "limit",
    "next",
    "added_after",
    "match[id]",
    "match[type]",
    "match[version]",
    "match[spec_version]",
    "match[x]",
    "match[",
    "%ff",
];
const VALUES: &[&str] = &[
    "",
    "0",
    "-1",
    "1",
    "99999999999999999999",
    "first",
    "last",
    "all",
    "all,last",
    "2026-01-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "indicator",
    "INDICATOR",
    "indicator--00000000-0000-4000-8000-000000000000",
    "%00",
    "%ff%fe",
    "'; DROP TABLE records; --",
    "2.1",
    "2.0,2.1",
    ",,,",
    "ｉｎｄｉｃａｔｏｒ",
    "詐欺",
];

async fn junk_never_breaks_anything(app: TestApp) {
    let alice = app.member("alice").await;
    app.post_envelope(
        &format!("{RECORDS}/objects/"),
        Some(&alice),
        &[indicator("seed", &[TLP_GREEN])],
    )
    .await;
    let before = app.record_count().await;
    let paths = [
        "/taxii2/".to_owned(),
        "/taxii2/api/".to_owned(),
        "/taxii2/api/collections/".to_owned(),
        format!("{RECORDS}/"),
        format!("{RECORDS}/objects/"),
        format!("{RECORDS}/manifest/"),
        format!("{RECORDS}/objects/indicator--00000000-0000-4000-8000-000000000000/"),
        format!("{RECORDS}/objects/indicator--00000000-0000-4000-8000-000000000000/versions/"),
        format!("{PUBLIC}/objects/"),
        "/taxii2/api/status/00000000-0000-4000-8000-000000000000/".to_owned(),
    ];
    let mut junk = Junk(0x9e37_79b9_7f4a_7c15);
    for round in 0..400 {
        let path = &paths[(junk.next() % paths.len() as u64) as usize];
        let query: Vec<String> = (0..junk.next() % 4)
            .map(|_| format!("{}={}", junk.pick(PARAMS), junk.pick(VALUES)))
            .collect();
        let url = format!("{path}?{}", query.join("&"));
        let method = match junk.next() % 6 {
            0 => Method::POST,
            1 => Method::DELETE,
            2 => Method::PUT,
            _ => Method::GET,
        };
        let body = match junk.next() % 4 {
            0 => Vec::new(),
            1 => junk.bytes(64),
            2 => b"{\"objects\":[{\"type\":\"indicator\",\"id\":\"indicator--x\"}]}".to_vec(),
            _ => br#"{"objects":[{"type":"malware","spec_version":"2.1","id":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","is_family":"maybe"}]}"#.to_vec(),
        };
        let ct = junk.pick(&[TAXII, "application/json", "text/plain", ""]);
        let auth = if junk.next().is_multiple_of(5) {
            None
        } else {
            Some(&alice)
        };
        let headers: Vec<(&str, &str)> = if ct.is_empty() {
            vec![]
        } else {
            vec![("content-type", ct)]
        };
        let Ok(uri) = url.parse::<Uri>() else {
            continue;
        };
        let r = app
            .send(method.clone(), &uri.to_string(), auth, &headers, body)
            .await;
        assert!(
            r.status.is_success() || r.status.is_client_error(),
            "round {round}: {method} {url} → {}",
            r.status
        );
        if !r.status.is_success() {
            r.assert_taxii_error(r.status);
        }
    }
    // Only the one valid object of the seed was ever stored; the junk bodies above are all
    // either refused whole or made only of invalid objects.
    assert_eq!(app.record_count().await, before);
    let _ = StatusCode::OK;
}

on_both_stores!(junk_never_breaks_anything);
