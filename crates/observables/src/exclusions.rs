//! Exclusion lists: private and reserved address ranges, reserved and very common domains,
//! the hashes of empty content. Correlation skips excluded observables so that one value
//! seen everywhere does not join every record to every other; extraction still reports
//! them, flagged with the [`Reason`].
//!
//! The lists are text (format in `docs/observables.md` and at the top of the shipped files,
//! `data/excluded-ranges.txt` and `data/excluded-domains.txt`), so operators can edit them.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;
use std::sync::LazyLock;

use ipnet::IpNet;
use serde::Serialize;

use crate::error::ExclusionListError;
use crate::kind::ObservableType;
use crate::normalise::{domain, ip};
use crate::observable::Observable;

/// The shipped list of excluded address ranges.
pub const DEFAULT_RANGES: &str = include_str!("../data/excluded-ranges.txt");
/// The shipped list of excluded domains.
pub const DEFAULT_DOMAINS: &str = include_str!("../data/excluded-domains.txt");

/// Why an observable is excluded. The code is stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Category {
    /// RFC 1918 private networks.
    Private,
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// 169.254.0.0/16, fe80::/10.
    LinkLocal,
    /// Carrier-grade NAT, 100.64.0.0/10.
    SharedAddress,
    /// Ranges and names reserved for documentation (192.0.2.0/24, 2001:db8::/32, example.com).
    Documentation,
    /// 198.18.0.0/15, 2001:2::/48.
    Benchmarking,
    /// 224.0.0.0/4, ff00::/8.
    Multicast,
    /// Other special-purpose ranges and names (240.0.0.0/4, `.test`, `.local`).
    Reserved,
    /// 0.0.0.0/8, ::.
    Unspecified,
    /// IPv6 unique local addresses, fc00::/7.
    UniqueLocal,
    /// 255.255.255.255.
    Broadcast,
    /// A popular benign domain, listed to stop correlation explosions.
    Common,
    /// A network wider than the configured minimum prefix.
    TooBroad,
    /// The hash of empty content (the empty file).
    EmptyContent,
}

impl Category {
    const ALL: [Category; 14] = [
        Category::Private,
        Category::Loopback,
        Category::LinkLocal,
        Category::SharedAddress,
        Category::Documentation,
        Category::Benchmarking,
        Category::Multicast,
        Category::Reserved,
        Category::Unspecified,
        Category::UniqueLocal,
        Category::Broadcast,
        Category::Common,
        Category::TooBroad,
        Category::EmptyContent,
    ];

    /// The stable code, as written in the lists.
    pub const fn code(self) -> &'static str {
        match self {
            Category::Private => "private",
            Category::Loopback => "loopback",
            Category::LinkLocal => "link_local",
            Category::SharedAddress => "shared_address",
            Category::Documentation => "documentation",
            Category::Benchmarking => "benchmarking",
            Category::Multicast => "multicast",
            Category::Reserved => "reserved",
            Category::Unspecified => "unspecified",
            Category::UniqueLocal => "unique_local",
            Category::Broadcast => "broadcast",
            Category::Common => "common",
            Category::TooBroad => "too_broad",
            Category::EmptyContent => "empty_content",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Category {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL.into_iter().find(|c| c.code() == s).ok_or(())
    }
}

impl Serialize for Category {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// The list entry that excludes an observable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// What kind of entry matched.
    pub category: Category,
    /// The entry that matched: a network (`10.0.0.0/8`), a domain (`google.com`), or a
    /// description for built-in rules.
    pub entry: String,
}

/// A fast hasher for the lookup tables. The tables are built from the operator's lists and
/// only looked up with untrusted values, never grown by them, so flooding them with
/// colliding keys is not possible and SipHash's protection is not needed.
#[derive(Clone, Copy, Debug, Default)]
struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.mix(u64::from(n));
    }

    fn write_u128(&mut self, n: u128) {
        self.mix(n as u64);
        self.mix((n >> 64) as u64);
    }
}

impl FastHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// The table of networks of prefix length `len`, made if needed; tables stay ordered from the
/// longest prefix to the shortest, so the most specific entry is found first.
fn table_for<K>(
    tables: &mut Vec<(u8, FastMap<K, Category>)>,
    len: u8,
) -> &mut FastMap<K, Category> {
    let slot = match tables.iter().position(|(l, _)| *l == len) {
        Some(i) => i,
        None => {
            tables.push((len, FastMap::default()));
            tables.sort_by_key(|(l, _)| std::cmp::Reverse(*l));
            tables
                .iter()
                .position(|(l, _)| *l == len)
                .unwrap_or_default()
        }
    };
    &mut tables[slot].1
}

#[derive(Clone, Copy, Debug)]
struct DomainEntry {
    category: Category,
    subdomains: bool,
}

/// Exclusion lists, ready for lookups.
#[derive(Clone, Debug)]
pub struct Exclusions {
    /// Longest prefix first; the key is the network address.
    v4: Vec<(u8, FastMap<u32, Category>)>,
    v6: Vec<(u8, FastMap<u128, Category>)>,
    domains: FastMap<String, DomainEntry>,
    min_prefix_v4: u8,
    min_prefix_v6: u8,
}

static SHIPPED: LazyLock<Exclusions> = LazyLock::new(|| {
    // The shipped lists are tested to parse; should they not, exclude nothing rather than
    // fail every caller.
    Exclusions::from_lists(DEFAULT_RANGES, DEFAULT_DOMAINS).unwrap_or_else(|_| Exclusions::empty())
});

const EMPTY_CONTENT: [&str; 4] = [
    "d41d8cd98f00b204e9800998ecf8427e",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
];

impl Default for Exclusions {
    /// The shipped lists.
    fn default() -> Self {
        SHIPPED.clone()
    }
}

impl Exclusions {
    /// IPv4 networks with a shorter prefix are [`Category::TooBroad`] by default.
    pub const DEFAULT_MIN_PREFIX_V4: u8 = 16;
    /// IPv6 networks with a shorter prefix are [`Category::TooBroad`] by default.
    pub const DEFAULT_MIN_PREFIX_V6: u8 = 32;

    /// No list at all (only the built-in rules: too-broad networks, empty-content hashes).
    pub fn empty() -> Self {
        Exclusions {
            v4: Vec::new(),
            v6: Vec::new(),
            domains: FastMap::default(),
            min_prefix_v4: Self::DEFAULT_MIN_PREFIX_V4,
            min_prefix_v6: Self::DEFAULT_MIN_PREFIX_V6,
        }
    }

    /// The shipped lists, parsed once.
    pub fn shipped() -> &'static Exclusions {
        &SHIPPED
    }

    /// Lists in the text format of `data/excluded-ranges.txt` and `data/excluded-domains.txt`.
    pub fn from_lists(ranges: &str, domains: &str) -> Result<Self, ExclusionListError> {
        let mut ex = Exclusions::empty();
        for (n, line) in ranges.lines().enumerate() {
            let fail = |problem: String| ExclusionListError {
                list: "ranges",
                line: n + 1,
                problem,
            };
            let mut words = line
                .split('#')
                .next()
                .unwrap_or_default()
                .split_whitespace();
            let Some(network) = words.next() else {
                continue;
            };
            let category = words
                .next()
                .ok_or_else(|| fail("a category is required after the network".into()))?;
            let category = category
                .parse()
                .map_err(|()| fail(format!("unknown category `{category}`")))?;
            if let Some(extra) = words.next() {
                return Err(fail(format!("unexpected `{extra}`")));
            }
            let net = if network.contains('/') {
                ip::parse_cidr(network)
            } else if network.contains(':') {
                ip::parse_ipv6(network).map(|a| IpNet::from(std::net::IpAddr::V6(a)))
            } else {
                ip::parse_ipv4(network).map(|a| IpNet::from(std::net::IpAddr::V4(a)))
            }
            .map_err(|e| fail(e.to_string()))?;
            ex.add_network(net, category);
        }
        for (n, line) in domains.lines().enumerate() {
            let fail = |problem: String| ExclusionListError {
                list: "domains",
                line: n + 1,
                problem,
            };
            let mut words = line
                .split('#')
                .next()
                .unwrap_or_default()
                .split_whitespace();
            let Some(name) = words.next() else {
                continue;
            };
            let mut entry = DomainEntry {
                category: Category::Common,
                subdomains: true,
            };
            for word in words {
                if word == "exact" {
                    entry.subdomains = false;
                } else {
                    entry.category = word
                        .parse()
                        .map_err(|()| fail(format!("unknown category or flag `{word}`")))?;
                }
            }
            let name = if name.contains('.') {
                domain::to_ascii(name).map_err(|e| fail(e.to_string()))?
            } else {
                domain::to_ascii(&format!("x.{name}"))
                    .map(|a| a["x.".len()..].to_owned())
                    .map_err(|e| fail(e.to_string()))?
            };
            ex.domains.insert(name, entry);
        }
        Ok(ex)
    }

    /// Networks with a prefix shorter than these are excluded as [`Category::TooBroad`].
    pub fn with_min_prefix(mut self, v4: u8, v6: u8) -> Self {
        self.min_prefix_v4 = v4;
        self.min_prefix_v6 = v6;
        self
    }

    fn add_network(&mut self, net: IpNet, category: Category) {
        match net {
            IpNet::V4(n) => {
                table_for(&mut self.v4, n.prefix_len()).insert(u32::from(n.network()), category);
            }
            IpNet::V6(n) => {
                table_for(&mut self.v6, n.prefix_len()).insert(u128::from(n.network()), category);
            }
        }
    }

    /// The most specific listed IPv4 range holding `addr` whose prefix is at most `max_len`.
    fn v4_range(&self, addr: u32, max_len: u8) -> Option<Reason> {
        self.v4
            .iter()
            .filter(|(len, _)| *len <= max_len)
            .find_map(|(len, map)| {
                let key = addr & mask32(*len);
                map.get(&key).map(|&category| Reason {
                    category,
                    entry: format!("{}/{len}", Ipv4Addr::from(key)),
                })
            })
    }

    fn v6_range(&self, addr: u128, max_len: u8) -> Option<Reason> {
        self.v6
            .iter()
            .filter(|(len, _)| *len <= max_len)
            .find_map(|(len, map)| {
                let key = addr & mask128(*len);
                map.get(&key).map(|&category| Reason {
                    category,
                    entry: format!("{}/{len}", Ipv6Addr::from(key)),
                })
            })
    }

    fn ipv6(&self, a: Ipv6Addr, max_len: u8) -> Option<Reason> {
        self.v6_range(u128::from(a), max_len).or_else(|| {
            let v4 = a.to_ipv4_mapped()?;
            self.v4_range(u32::from(v4), max_len.saturating_sub(96))
        })
    }

    fn domain(&self, name: &str, common_too: bool) -> Option<Reason> {
        let mut suffix = name;
        loop {
            if let Some(e) = self.domains.get(suffix)
                && (suffix.len() == name.len() || e.subdomains)
                && (common_too || e.category != Category::Common)
            {
                return Some(Reason {
                    category: e.category,
                    entry: suffix.to_owned(),
                });
            }
            match suffix.find('.') {
                Some(i) => suffix = &suffix[i + 1..],
                None => return None,
            }
        }
    }

    fn host(&self, host: &Observable) -> Option<Reason> {
        match host.kind() {
            ObservableType::Domain => self.domain(host.value(), false),
            _ => self.is_excluded(host),
        }
    }

    /// Why `o` is excluded from correlation, if it is (`docs/observables.md`).
    pub fn is_excluded(&self, o: &Observable) -> Option<Reason> {
        match o.kind() {
            ObservableType::Ipv4 => {
                let a = ip::parse_ipv4(o.value()).ok()?;
                self.v4_range(u32::from(a), 32)
            }
            ObservableType::Ipv6 => self.ipv6(o.value().parse().ok()?, 128),
            // A listed range that holds the whole network says more than "too broad".
            ObservableType::Cidr => match o.value().parse::<IpNet>().ok()? {
                IpNet::V4(n) => self
                    .v4_range(u32::from(n.network()), n.prefix_len())
                    .or_else(|| (n.prefix_len() < self.min_prefix_v4).then(|| too_broad(o))),
                IpNet::V6(n) => self
                    .ipv6(n.network(), n.prefix_len())
                    .or_else(|| (n.prefix_len() < self.min_prefix_v6).then(|| too_broad(o))),
            },
            ObservableType::Domain => self.domain(o.value(), true),
            ObservableType::Url | ObservableType::Email => self.host(&o.host()?),
            ObservableType::Md5
            | ObservableType::Sha1
            | ObservableType::Sha256
            | ObservableType::Sha512 => EMPTY_CONTENT.contains(&o.value()).then(|| Reason {
                category: Category::EmptyContent,
                entry: "the hash of empty content".into(),
            }),
            ObservableType::Cve
            | ObservableType::BankAccount
            | ObservableType::CryptoAddress(_) => None,
        }
    }
}

fn too_broad(o: &Observable) -> Reason {
    Reason {
        category: Category::TooBroad,
        entry: o.value().to_owned(),
    }
}

fn mask32(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

fn mask128(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ObservableType as T, normalise};

    fn reason(kind: T, value: &str) -> Option<&'static str> {
        let o = normalise(kind, value).unwrap();
        Exclusions::shipped()
            .is_excluded(&o)
            .map(|r| r.category.code())
    }

    #[test]
    fn shipped_lists_parse() {
        Exclusions::from_lists(DEFAULT_RANGES, DEFAULT_DOMAINS).unwrap();
    }

    #[test]
    fn addresses() {
        let cases = [
            ("10.1.2.3", Some("private")),
            ("172.31.255.255", Some("private")),
            ("172.32.0.1", None),
            ("192.168.0.1", Some("private")),
            ("127.0.0.1", Some("loopback")),
            ("169.254.169.254", Some("link_local")),
            ("100.64.0.1", Some("shared_address")),
            ("192.0.2.55", Some("documentation")),
            ("198.51.100.1", Some("documentation")),
            ("203.0.113.9", Some("documentation")),
            ("224.0.0.251", Some("multicast")),
            ("255.255.255.255", Some("broadcast")),
            ("240.0.0.1", Some("reserved")),
            ("0.0.0.0", Some("unspecified")),
            ("8.8.8.8", None),
            ("133.242.0.1", None),
        ];
        for (ip, want) in cases {
            assert_eq!(reason(T::Ipv4, ip), want, "{ip}");
        }
        let cases = [
            ("::1", Some("loopback")),
            ("::", Some("unspecified")),
            ("fe80::1", Some("link_local")),
            ("fd12:3456::1", Some("unique_local")),
            ("2001:db8::1", Some("documentation")),
            ("ff02::1", Some("multicast")),
            ("::ffff:10.0.0.1", Some("private")),
            ("::ffff:8.8.8.8", None),
            ("2400:cb00::1", None),
        ];
        for (ip, want) in cases {
            assert_eq!(reason(T::Ipv6, ip), want, "{ip}");
        }
    }

    #[test]
    fn networks() {
        assert_eq!(reason(T::Cidr, "10.1.0.0/16"), Some("private"));
        assert_eq!(reason(T::Cidr, "10.0.0.0/8"), Some("private"));
        assert_eq!(reason(T::Cidr, "0.0.0.0/0"), Some("too_broad"));
        assert_eq!(reason(T::Cidr, "8.0.0.0/8"), Some("too_broad"));
        assert_eq!(reason(T::Cidr, "8.8.8.0/24"), None);
        assert_eq!(reason(T::Cidr, "192.0.2.0/25"), Some("documentation"));
        assert_eq!(reason(T::Cidr, "2001:db8:1::/48"), Some("documentation"));
        assert_eq!(reason(T::Cidr, "2400::/12"), Some("too_broad"));
        let lenient = Exclusions::default().with_min_prefix(0, 0);
        let o = normalise(T::Cidr, "8.0.0.0/8").unwrap();
        assert_eq!(lenient.is_excluded(&o), None);
    }

    #[test]
    fn domains() {
        assert_eq!(reason(T::Domain, "google.com"), Some("common"));
        assert_eq!(reason(T::Domain, "mail.google.com"), Some("common"));
        assert_eq!(
            reason(T::Domain, "google.com.evil.example.net"),
            Some("documentation")
        );
        assert_eq!(reason(T::Domain, "google.com.evil.jp"), None);
        assert_eq!(reason(T::Domain, "notgoogle.com"), None);
        assert_eq!(reason(T::Domain, "github.io"), Some("common"));
        assert_eq!(reason(T::Domain, "attacker.github.io"), None);
        assert_eq!(
            reason(T::Domain, "www.example.co.jp"),
            Some("documentation")
        );
        assert_eq!(reason(T::Domain, "printer.local"), Some("reserved"));
        assert_eq!(reason(T::Domain, "anything.test"), Some("reserved"));
        assert_eq!(reason(T::Domain, "amazon-co-jp.example-phish.top"), None);
    }

    #[test]
    fn urls_and_addresses_ignore_common_domains() {
        assert_eq!(
            reason(T::Url, "https://docs.google.com/forms/d/e/xyz/viewform"),
            None
        );
        assert_eq!(
            reason(T::Url, "https://www.example.com/"),
            Some("documentation")
        );
        assert_eq!(reason(T::Url, "http://192.168.1.1/admin"), Some("private"));
        assert_eq!(reason(T::Email, "scammer@gmail.com"), None);
        assert_eq!(reason(T::Email, "user@example.org"), Some("documentation"));
    }

    #[test]
    fn empty_content_hashes() {
        assert_eq!(
            reason(T::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
            Some("empty_content")
        );
        assert_eq!(
            reason(
                T::Sha256,
                "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
            ),
            Some("empty_content")
        );
        assert_eq!(reason(T::Md5, "44d88612fea8a8f36de82e1278abb02f"), None);
    }

    #[test]
    fn custom_lists() {
        let ex = Exclusions::from_lists(
            "203.0.113.0/24 documentation\n198.18.0.1 benchmarking # one host\n",
            "# ours\ncorp.example.jp common\nshared.example.net exact\n",
        )
        .unwrap();
        let ex_of = |k, v| {
            ex.is_excluded(&normalise(k, v).unwrap())
                .map(|r| (r.category, r.entry))
        };
        assert_eq!(
            ex_of(T::Ipv4, "198.18.0.1"),
            Some((Category::Benchmarking, "198.18.0.1/32".into()))
        );
        assert_eq!(ex_of(T::Ipv4, "198.18.0.2"), None);
        assert_eq!(
            ex_of(T::Domain, "vpn.corp.example.jp"),
            Some((Category::Common, "corp.example.jp".into()))
        );
        assert_eq!(ex_of(T::Domain, "a.shared.example.net"), None);
        assert_eq!(
            ex_of(T::Domain, "shared.example.net"),
            Some((Category::Common, "shared.example.net".into()))
        );

        for (ranges, domains, code_line) in [
            ("10.0.0.0/8\n", "", ("ranges", 1)),
            ("10.0.0.0/8 privat\n", "", ("ranges", 1)),
            ("\n10.0.0.0/33 private\n", "", ("ranges", 2)),
            ("", "bad..name\n", ("domains", 1)),
            ("", "ok.example\nx.example sometimes\n", ("domains", 2)),
        ] {
            let e = Exclusions::from_lists(ranges, domains).unwrap_err();
            assert_eq!((e.list, e.line), code_line, "{ranges}{domains}");
            assert_eq!(e.code(), "invalid_exclusion_list");
        }
    }
}
