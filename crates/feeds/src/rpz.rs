//! `rpz`: a DNS response policy zone (draft-vixie-dnsop-dns-rpz) in master-file form, for
//! BIND, Unbound, PowerDNS Recursor and Knot Resolver.
//!
//! Layout: comments, `$TTL`, SOA (serial from the metadata), NS, then one owner name per
//! line, each exactly once, all with the NXDOMAIN action (`CNAME .`):
//! - a domain: `name` and `*.name` (the domain and everything under it);
//! - URLs are left out: a URL indicator says one page is bad, not its host (a phishing page
//!   on shared or compromised hosting would otherwise take the whole site off the resolver);
//!   hosts that are bad are listed as domains;
//! - an IPv4/IPv6 address or network: an `rpz-ip` trigger in the canonical form BIND writes
//!   (`24.0.2.0.192.rpz-ip`; IPv6 words reversed with the first longest run of zero words as
//!   `zz`: `128.1.zz.db8.2001.rpz-ip`; IPv4-mapped IPv6 in IPv4 form). An answer holding
//!   such an address is rewritten.
//!
//! Names are relative and no `$ORIGIN` is written, so the file loads under whatever zone name
//! the resolver gives it; `meta.zone` is named in a comment and bounds name lengths. Names too
//! long for the origin and `/0` networks are left out. An
//! incremental zone holds additions only: serve resolvers the full zone.

use std::collections::HashSet;

use renkei_observables::ObservableType;

use crate::FeedMeta;
use crate::entry::FeedEntry;
use crate::error::FeedError;
use crate::net::Network;
use crate::select::carried_values;
use crate::text::{one_line, push, push_u64, timestamp};

/// The TTL of the policy records: short, so that a removal takes effect within minutes.
pub const RPZ_TTL: u32 = 300;

/// A DNS name is at most 255 octets on the wire.
const MAX_WIRE_LEN: usize = 255;

/// The wire length of the origin (with its root label) after checking it is a domain name.
pub(crate) fn check_zone(zone: &str) -> Result<usize, FeedError> {
    let name = zone.strip_suffix('.').unwrap_or(zone);
    let labels_ok = name.split('.').all(|l| is_label(&l.to_ascii_lowercase()));
    if name.is_empty() || !labels_ok || name.len() + 2 > MAX_WIRE_LEN {
        return Err(FeedError::InvalidZone(zone.chars().take(64).collect()));
    }
    Ok(name.len() + 2)
}

/// A label as the normaliser writes them: 1–63 of `a-z 0-9 - _`.
fn is_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Writes the zone: domains in the order of the entries, then addresses and networks in
/// numeric order, then the URL hosts not already covered; each owner name once.
pub(crate) fn render(
    entries: &[FeedEntry],
    meta: &FeedMeta,
    out: &mut Vec<u8>,
) -> Result<(), FeedError> {
    let origin_len = check_zone(&meta.zone)?;
    // A name must fit in 255 octets: its text, its first length octet, `*.`, the origin.
    let fits = |name: &str, wildcard: bool| {
        name.len() + 1 + if wildcard { 2 } else { 0 } + origin_len <= MAX_WIRE_LEN
    };
    let mut names: HashSet<&str> = HashSet::new();
    let mut networks: Vec<Network> = Vec::new();

    push_header(out, meta);
    let mut records = 0u64;
    for value in carried_values(entries) {
        let entry = value.entry;
        match entry.kind {
            ObservableType::Domain => {
                if let Some(name) = qname(&entry.value).filter(|n| fits(n, true))
                    && names.insert(name)
                {
                    push_policy(out, "", name);
                    push_policy(out, "*.", name);
                    records += 2;
                }
            }
            // See the module documentation.
            ObservableType::Url => {}
            kind => networks.extend(Network::of(kind, &entry.value).map(Network::unmapped)),
        }
    }
    // A /32 network, an IPv4 address and its IPv4-mapped IPv6 form are one trigger.
    networks.sort_unstable();
    networks.dedup();
    let mut name = String::new();
    for network in networks {
        name.clear();
        if write_rpz_ip_name(&mut name, network) {
            push_policy(out, "", &name);
            records += 1;
        }
    }
    push(out, "; end: ");
    push_u64(out, records);
    push(out, " policy records\n");
    Ok(())
}

/// `<prefix><name> CNAME .`: the NXDOMAIN action.
fn push_policy(out: &mut Vec<u8>, prefix: &str, name: &str) {
    push(out, prefix);
    push(out, name);
    push(out, " CNAME .\n");
}

/// Comments, `$TTL`, SOA and NS.
fn push_header(out: &mut Vec<u8>, meta: &FeedMeta) {
    push(out, "; ");
    push(out, &one_line(&meta.title, 200));
    push(out, ": DNS response policy zone (RPZ)\n; origin ");
    push(out, &one_line(&meta.zone, 255));
    push(out, "; generated ");
    push(out, &timestamp(meta.generated_at));
    match meta.since {
        Some(since) => {
            push(out, "\n; INCREMENTAL: additions since ");
            push(out, &timestamp(since));
            push(out, " only; load the full zone, not this one\n");
        }
        None => push(out, "\n"),
    }
    push(
        out,
        "; TLP: TLP:CLEAR and TLP:GREEN entries may be shared within your community, TLP:AMBER\n\
         ; entries only within your organisation and its clients; do not republish this zone.\n",
    );
    push(out, "$TTL ");
    push_u64(out, RPZ_TTL.into());
    push(out, "\n@ SOA localhost. hostmaster.localhost. ");
    push_u64(out, meta.serial.into());
    push(out, " 3600 600 604800 ");
    push_u64(out, RPZ_TTL.into());
    push(out, "\n@ NS localhost.\n");
}

/// A domain usable as a QNAME trigger: valid labels, at least two, and not ending in a
/// label the RPZ draft reserves for other triggers (`rpz-ip`, `rpz-nsdname`…), which would
/// turn a name into an address rule.
fn qname(domain: &str) -> Option<&str> {
    let last = domain.rsplit('.').next()?;
    (domain.contains('.') && domain.split('.').all(is_label) && !last.starts_with("rpz-"))
        .then_some(domain)
}

/// Writes the `rpz-ip` owner name of a network in BIND's canonical form into `name`;
/// false for `/0`, which BIND refuses (and which no one should block).
pub(crate) fn write_rpz_ip_name(name: &mut String, network: Network) -> bool {
    use std::fmt::Write;
    // BIND keys IPv4 as ::ffff:0:0/96 and writes mapped addresses in IPv4 form.
    let written = match network.unmapped() {
        Network::V4(addr, prefix) if (1..=32).contains(&prefix) => {
            let [a, b, c, d] = addr.octets();
            write!(name, "{prefix}.{d}.{c}.{b}.{a}")
        }
        Network::V6(addr, prefix) if (1..=128).contains(&prefix) => {
            let words = addr.segments();
            let run = longest_zero_run(&words);
            let mut result = write!(name, "{prefix}");
            let mut i = words.len();
            while i > 0 && result.is_ok() {
                match run {
                    Some((start, len)) if i == start + len => {
                        name.push_str(".zz");
                        i = start;
                    }
                    _ => {
                        i -= 1;
                        result = write!(name, ".{:x}", words[i]);
                    }
                }
            }
            result
        }
        _ => return false,
    };
    name.push_str(".rpz-ip");
    written.is_ok()
}

/// The first longest run of two or more zero words (start, length), as RFC 5952 compresses
/// to `::` and BIND to `zz`.
fn longest_zero_run(words: &[u16; 8]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < words.len() {
        if words[i] != 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < words.len() && words[i] == 0 {
            i += 1;
        }
        let len = i - start;
        if len >= 2 && best.is_none_or(|(_, l)| len > l) {
            best = Some((start, len));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(kind: ObservableType, value: &str) -> String {
        let mut name = String::new();
        assert!(write_rpz_ip_name(
            &mut name,
            Network::of(kind, value).unwrap()
        ));
        name
    }

    #[test]
    fn rpz_ip_names_are_canonical() {
        use ObservableType::{Cidr, Ipv4, Ipv6};
        assert_eq!(ip(Ipv4, "1.2.3.4"), "32.4.3.2.1.rpz-ip");
        assert_eq!(ip(Cidr, "192.0.2.0/24"), "24.0.2.0.192.rpz-ip");
        assert_eq!(ip(Ipv6, "2001:db8::1"), "128.1.zz.db8.2001.rpz-ip");
        assert_eq!(ip(Cidr, "2001:db8::/32"), "32.zz.db8.2001.rpz-ip");
        assert_eq!(ip(Ipv6, "::1"), "128.1.zz.rpz-ip");
        // Equal runs: the first in address order is compressed (BIND's comment on ip2name).
        assert_eq!(
            ip(Ipv6, "2001:db8:0:0:1:0:0:1"),
            "128.1.0.0.1.zz.db8.2001.rpz-ip"
        );
        // A single zero word is not compressed.
        assert_eq!(
            ip(Ipv6, "2001:db8:0:1:1:1:1:1"),
            "128.1.1.1.1.1.0.db8.2001.rpz-ip"
        );
        assert_eq!(ip(Ipv6, "::ffff:192.0.2.1"), "32.1.2.0.192.rpz-ip");
        let mut name = String::new();
        assert!(!write_rpz_ip_name(
            &mut name,
            Network::of(Cidr, "0.0.0.0/0").unwrap()
        ));
        assert!(!write_rpz_ip_name(
            &mut name,
            Network::of(Cidr, "::/0").unwrap()
        ));
    }

    #[test]
    fn zone_names_are_checked() {
        assert_eq!(check_zone("rpz.renkei.example."), Ok(20));
        assert_eq!(check_zone("rpz.renkei.example"), Ok(20));
        assert_eq!(check_zone("RPZ.Example"), Ok(13));
        for bad in ["", ".", "a..b", "rpz example", "rpz;x", &"a".repeat(64)] {
            assert_eq!(check_zone(bad).unwrap_err().code(), "invalid_zone", "{bad}");
        }
    }

    #[test]
    fn reserved_and_malformed_names_are_not_triggers() {
        assert_eq!(qname("evil.example"), Some("evil.example"));
        assert_eq!(qname("evil"), None);
        assert_eq!(qname("x.rpz-ip"), None);
        assert_eq!(qname("a b.example"), None);
        assert_eq!(qname("a..example"), None);
    }
}
