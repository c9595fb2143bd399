//! Rendering time of a feed of 1,000,000 mixed entries, per format. The whole feed (store
//! query included) should take under 2 s, so each rendering should stay well under 1 s on
//! one core. Run with `cargo bench -p renkei-feeds --bench render` (RPZ and Suricata), add
//! `-- --all` for every format or `-- stix suricata-dataset:ips` for some; it prints figures
//! (no statistics framework: the best of a few timed runs).

use std::hint::black_box;
use std::time::{Duration, Instant};

use renkei_feeds::{Change, DatasetKind, FeedEntry, FeedMeta, Format, render};
use renkei_model::handling::Tlp;
use renkei_observables::ObservableType as T;
use sha2::{Digest, Sha256};

const ENTRIES: usize = 1_000_000;
const RUNS: usize = 3;

/// The store's `value_key` (first 8 bytes of SHA-256 of type, NUL, value).
fn value_key(kind: T, value: &str) -> i64 {
    let d = Sha256::new()
        .chain_update(kind.name().as_bytes())
        .chain_update([0])
        .chain_update(value.as_bytes())
        .finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    i64::from_be_bytes(b)
}

/// A plausible mix: domains and IPv4 addresses dominate, then URLs and hashes; one value in
/// ten carried by a second record; labels on a third of them.
fn entries(n: usize) -> Vec<FeedEntry> {
    let mut out = Vec::with_capacity(n + n / 10);
    for i in 0..n {
        let (a, b, c) = ((i >> 16) % 223 + 1, (i >> 8) % 256, i % 256);
        let (kind, value) = match i % 20 {
            0..=6 => (
                T::Domain,
                format!("login-{i}.account-check{}.example", i % 97),
            ),
            7..=11 => (T::Ipv4, format!("{a}.{b}.{c}.{}", i % 251 + 1)),
            12 => (T::Ipv6, format!("2001:db8:{:x}::{:x}", i >> 16, i & 0xffff)),
            13 => (T::Cidr, format!("{a}.{b}.{c}.0/24")),
            14..=16 => (
                T::Url,
                format!(
                    "https://cdn{}.update-check.example/dl/{i}/payload.php?id={i}",
                    i % 89
                ),
            ),
            17 => (
                T::Sha256,
                format!("{:064x}", (i as u128) * 0x9e37_79b9_7f4a_7c15),
            ),
            18 => (
                T::Md5,
                format!("{:032x}", (i as u128) * 0x9e37_79b9_7f4a_7c15),
            ),
            _ => (
                T::Email,
                format!("support{i}@secure-mail{}.example", i % 13),
            ),
        };
        let entry = FeedEntry {
            kind,
            value_key: value_key(kind, &value),
            value,
            record: format!("indicator--00000000-0000-4000-8000-{:012}", i / 3),
            tlp: if i % 4 == 0 { Tlp::Amber } else { Tlp::Green },
            category: Some("technical".to_owned()),
            label: (i % 3 == 0).then(|| format!("フィッシング {}", i % 1000)),
            first_seen: 1_767_225_600_000_000 + i as i64 * 1_000_000,
            valid_until: None,
            change: Change::Added,
        };
        if i % 10 == 0 {
            let mut second = entry.clone();
            second.record = format!("indicator--00000000-0000-4000-9000-{i:012}");
            out.push(second);
        }
        out.push(entry);
    }
    out.sort_by(|a, b| (a.kind, &a.value).cmp(&(b.kind, &b.value)));
    // Reallocate in feed order, as rows read from the store's sorted query would be: sorting
    // in place would leave the strings scattered and measure cache misses instead.
    out.to_vec()
}

/// Best wall time of [`RUNS`] renderings, and the output size.
fn time(format: Format, entries: &[FeedEntry], meta: &FeedMeta) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut size = 0;
    for _ in 0..RUNS {
        let mut out = Vec::new();
        let t = Instant::now();
        let result = render(format, black_box(entries), meta, &mut out);
        best = best.min(t.elapsed());
        if let Err(e) = result {
            eprintln!("{format}: {e}");
            return (best, 0);
        }
        size = black_box(out).len();
    }
    (best, size)
}

fn main() {
    let t = Instant::now();
    let entries = entries(ENTRIES);
    println!(
        "{} entries ({} values) built in {:.2?}",
        entries.len(),
        ENTRIES,
        t.elapsed()
    );
    let meta = FeedMeta::full(1_767_312_000_000_000, "Renkei defensive feed");
    for format in chosen_formats() {
        let (took, size) = time(format, &entries, &meta);
        let label = match format {
            Format::SuricataDataset(kind) => format!("{format}?set={kind}"),
            _ => format.to_string(),
        };
        println!(
            "{label:<28} {:>8.1} ms  {:>8.1} MB  (best of {RUNS})",
            took.as_secs_f64() * 1000.0,
            size as f64 / 1e6
        );
    }
}

/// The formats named on the command line (`rpz`, `suricata-dataset:ips`…), every format
/// with `--all`, else the two of the target: `rpz` and `suricata`.
fn chosen_formats() -> Vec<Format> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--all") {
        let mut all = vec![
            Format::Plain,
            Format::Csv,
            Format::Suricata,
            Format::Rpz,
            Format::Stix,
            Format::Samples,
        ];
        all.extend(DatasetKind::ALL.map(Format::SuricataDataset));
        return all;
    }
    let named: Vec<Format> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .filter_map(|a| {
            let (name, set) = a
                .split_once(':')
                .map_or((a.as_str(), None), |(n, s)| (n, Some(s)));
            Format::parse(name, set)
                .map_err(|e| eprintln!("{a}: {e}"))
                .ok()
        })
        .collect();
    if named.is_empty() {
        vec![Format::Rpz, Format::Suricata]
    } else {
        named
    }
}
