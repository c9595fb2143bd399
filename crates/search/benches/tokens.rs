//! Throughput of tokenisation and of `text_of` + tokenisation on a STIX object. Run with
//! `cargo bench -p renkei-search --bench tokens`; it prints figures (no statistics
//! framework: a few timed repetitions, best of them).

use std::hint::black_box;
use std::time::{Duration, Instant};

use renkei_search::{json_document, tokens};

/// Best wall time of `runs` runs of `f`.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        black_box(f());
        best = best.min(t.elapsed());
    }
    best
}

fn report(name: &str, bytes: usize, d: Duration) {
    let mb_s = bytes as f64 / d.as_secs_f64() / 1e6;
    println!(
        "{name:<32} {bytes:>9} bytes  {:>9.3} ms  {mb_s:>8.1} MB/s",
        d.as_secs_f64() * 1e3
    );
}

fn main() {
    let mixed = "ネットバンキングの不正送金に使われたフィッシングサイト phishing kit \
                 hxxps://evil[.]example/login ＡＢＣ ｶﾀｶﾅ 特殊詐欺の被害が増加。 "
        .repeat(8_000);
    report(
        "tokens, mixed ja/en (~1 MB)",
        mixed.len(),
        best(5, || tokens(&mixed)),
    );

    let english = "A phishing campaign against Japanese banks used credential harvesting pages. "
        .repeat(14_000);
    report(
        "tokens, English (~1 MB)",
        english.len(),
        best(5, || tokens(&english)),
    );

    let unique: String = (0x4E00..0x9FFF_u32).filter_map(char::from_u32).collect();
    report(
        "tokens, unique CJK bigrams",
        unique.len(),
        best(5, || tokens(&unique)),
    );

    let object = serde_json::json!({
        "type": "x-renkei-forum-post",
        "id": "x-renkei-forum-post--0b3b8e5e-8c8d-4c55-9a36-62e1f5c1f0a7",
        "site": "XSS",
        "thread_title": "日本の銀行口座売ります",
        "content": "ネットバンキングのログイン情報を販売。特殊詐欺グループ向け。".repeat(100),
        "language": "ja",
    });
    let json = object.to_string();
    report(
        "json_document, forum post",
        json.len(),
        best(20, || json_document(&json)),
    );

    // What a bulk import indexes most: many small indicators (per-object overhead counts).
    let indicators: Vec<String> = (0..10_000)
        .map(|i| {
            serde_json::json!({
                "type": "indicator",
                "id": format!("indicator--0b3b8e5e-8c8d-4c55-9a36-{i:012}"),
                "name": format!("C2 server {i}"),
                "indicator_types": ["malicious-activity"],
                "pattern": format!("[ipv4-addr:value = '45.{}.{}.{}']", i >> 16, (i >> 8) & 255, i & 255),
                "pattern_type": "stix",
            })
            .to_string()
        })
        .collect();
    let len: usize = indicators.iter().map(String::len).sum();
    report(
        "json_document, 10k indicators",
        len,
        best(10, || {
            indicators
                .iter()
                .map(|o| json_document(o).len())
                .sum::<usize>()
        }),
    );
}
