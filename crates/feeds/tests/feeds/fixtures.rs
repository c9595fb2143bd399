//! Entries and metadata the tests share.

use renkei_feeds::{Change, FeedEntry, FeedMeta};
use renkei_model::handling::Tlp;
use renkei_observables::ObservableType;
use sha2::{Digest, Sha256};

/// 2026-01-01T00:00:00Z in µs.
pub const JAN_1: i64 = 1_767_225_600_000_000;
/// One day in µs.
pub const DAY: i64 = 86_400_000_000;

/// A label with everything that must not leak into a rule, a comment or a CSV row.
pub const NASTY_LABEL: &str = "Bad\"; sid:1; \\ | \r\n<script>alert(1)</script> 詐欺";

/// The store's `value_key` (first 8 bytes of SHA-256 of type, NUL, value).
pub fn value_key(kind: ObservableType, value: &str) -> i64 {
    let mut h = Sha256::new();
    h.update(kind.name().as_bytes());
    h.update([0]);
    h.update(value.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    i64::from_be_bytes(b)
}

/// An added entry of record `indicator--…01`, first seen on 1 January, TLP:GREEN.
pub fn entry(kind: ObservableType, value: &str) -> FeedEntry {
    FeedEntry {
        kind,
        value: value.to_owned(),
        value_key: value_key(kind, value),
        record: record(1),
        tlp: Tlp::Green,
        category: Some("technical".to_owned()),
        label: None,
        first_seen: JAN_1,
        valid_until: None,
        change: Change::Added,
    }
}

/// The STIX id of test record `n`.
pub fn record(n: u32) -> String {
    format!("indicator--00000000-0000-4000-8000-{n:012}")
}

/// Sorted as the server sends them: by (kind, value).
pub fn sorted(mut entries: Vec<FeedEntry>) -> Vec<FeedEntry> {
    entries.sort_by(|a, b| (a.kind, &a.value).cmp(&(b.kind, &b.value)));
    entries
}

/// A small feed with one entry of each kind the formats treat differently.
pub fn small() -> Vec<FeedEntry> {
    use ObservableType as T;
    let mut ip = entry(T::Ipv4, "192.0.2.1");
    ip.tlp = Tlp::Amber;
    ip.label = Some("Emotet C2".to_owned());
    ip.valid_until = Some(JAN_1 + 30 * DAY);
    let mut domain = entry(T::Domain, "evil.example");
    domain.label = Some(NASTY_LABEL.to_owned());
    domain.record = record(2);
    let mut md5 = entry(T::Md5, "d41d8cd98f00b204e9800998ecf8427e");
    md5.record = record(3);
    md5.label = Some("dropper.exe".to_owned());
    let mut sha256 = entry(
        T::Sha256,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    sha256.record = record(3);
    sha256.first_seen = JAN_1 + DAY;
    sorted(vec![
        ip,
        entry(T::Ipv6, "2001:db8::1"),
        entry(T::Cidr, "198.51.100.0/24"),
        domain,
        // 例え.テスト
        entry(T::Domain, "xn--r8jz45g.xn--zckzah"),
        entry(T::Url, "http://evil.example/login?next=/a;b"),
        entry(T::Email, "phish@evil.example"),
        md5,
        sha256,
        entry(T::Cve, "CVE-2021-44228"),
    ])
}

/// The metadata of a full feed generated on 2 January.
pub fn full_meta() -> FeedMeta {
    FeedMeta::full(JAN_1 + DAY, "Renkei defensive feed")
}

/// The metadata of a feed of the changes since 1 January, generated on 2 January.
pub fn incremental_meta() -> FeedMeta {
    FeedMeta {
        since: Some(JAN_1),
        ..full_meta()
    }
}

/// Renders to a string, panicking on error (tests only).
pub fn render(format: renkei_feeds::Format, entries: &[FeedEntry], meta: &FeedMeta) -> String {
    let mut out = Vec::new();
    renkei_feeds::render(format, entries, meta, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}
