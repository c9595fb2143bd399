//! `rpz`: a DNS response policy zone (draft-vixie-dnsop-dns-rpz) in master-file form, for
//! BIND, Unbound, PowerDNS Recursor and Knot Resolver.
//!
//! Layout: comments, `$TTL`, SOA (serial from the metadata), NS, then one owner name per
//! line, sorted, each exactly once, all with the NXDOMAIN action (`CNAME .`):
//! - a domain: `name` and `*.name` (the domain and everything under it);
//! - a URL whose host is a name: `host` only (the indicator is one host, not its subdomains);
//! - an IPv4/IPv6 address or network: an `rpz-ip` trigger in the canonical form BIND writes
//!   (`24.0.2.0.192.rpz-ip`; IPv6 words reversed with the first longest run of zero words as
//!   `zz`: `128.1.zz.db8.2001.rpz-ip`). An answer holding such an address is rewritten.
//!
//! Names are relative and no `$ORIGIN` is written, so the file loads under whatever zone name
//! the resolver gives it; `meta.zone` is named in a comment and bounds name lengths. Names too
//! long for the origin, `/0` networks and URL hosts that are IP literals are left out. An
//! incremental zone holds additions only: serve resolvers the full zone.

use crate::FeedMeta;
use crate::entry::FeedEntry;
use crate::error::FeedError;
use crate::net::Network;
use crate::select::carried_values;
use crate::text::{one_line, push, push_u64, timestamp};
use renkei_observables::ObservableType;

/// The TTL of the policy records: short, so that a removal takes effect within minutes.
pub const RPZ_TTL: u32 = 300;

/// A DNS name is at most 255 octets on the wire.
const MAX_WIRE_LEN: usize = 255;

/// One owner name of the zone and whether its subdomains are covered too.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Trigger {
    name: String,
    with_subdomains: bool,
}

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

/// Writes the zone.
pub(crate) fn render(
    entries: &[FeedEntry],
    meta: &FeedMeta,
    out: &mut Vec<u8>,
) -> Result<(), FeedError> {
    let origin_len = check_zone(&meta.zone)?;
    let mut triggers: Vec<Trigger> = carried_values(entries)
        .filter_map(|v| trigger_of(v.entry.kind, &v.entry.value))
        .filter(|t| fits_under_origin(t, origin_len))
        .collect();
    triggers.sort_unstable();
    // Sorting puts a name's `false` before its `true`: merge each name into one trigger
    // that covers subdomains when any of its sources did.
    triggers.dedup_by(|later, kept| {
        let same = later.name == kept.name;
        if same {
            kept.with_subdomains |= later.with_subdomains;
        }
        same
    });

    push_header(out, meta);
    let mut records = 0u64;
    for trigger in &triggers {
        push(out, &trigger.name);
        push(out, " CNAME .\n");
        records += 1;
        if trigger.with_subdomains {
            push(out, "*.");
            push(out, &trigger.name);
            push(out, " CNAME .\n");
            records += 1;
        }
    }
    push(out, "; end: ");
    push_u64(out, records);
    push(out, " policy records\n");
    Ok(())
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

/// The owner name an entry contributes, if it can be expressed.
fn trigger_of(kind: ObservableType, value: &str) -> Option<Trigger> {
    match kind {
        ObservableType::Domain => qname(value).map(|name| Trigger {
            name: name.to_owned(),
            with_subdomains: true,
        }),
        ObservableType::Url => {
            let url = url::Url::parse(value).ok()?;
            match url.host()? {
                url::Host::Domain(host) => qname(host).map(|name| Trigger {
                    name: name.to_owned(),
                    with_subdomains: false,
                }),
                url::Host::Ipv4(_) | url::Host::Ipv6(_) => None,
            }
        }
        _ => {
            let network = Network::of(kind, value)?;
            rpz_ip_name(network).map(|name| Trigger {
                name,
                with_subdomains: false,
            })
        }
    }
}

/// A domain usable as a QNAME trigger: valid labels, at least two, and not ending in a
/// label the RPZ draft reserves for other triggers (`rpz-ip`, `rpz-nsdname`…), which would
/// turn a name into an address rule.
fn qname(domain: &str) -> Option<&str> {
    let last = domain.rsplit('.').next()?;
    (domain.contains('.') && domain.split('.').all(is_label) && !last.starts_with("rpz-"))
        .then_some(domain)
}

/// Whether a trigger's name, with `*.` if it needs one, fits in 255 octets under the origin.
fn fits_under_origin(trigger: &Trigger, origin_len: usize) -> bool {
    let wildcard = if trigger.with_subdomains { 2 } else { 0 };
    trigger.name.len() + 1 + wildcard + origin_len <= MAX_WIRE_LEN
}

/// The `rpz-ip` owner name of a network, in BIND's canonical form; `None` for `/0`, which
/// BIND refuses (and which no one should block).
pub(crate) fn rpz_ip_name(network: Network) -> Option<String> {
    // BIND keys IPv4 as ::ffff:0:0/96 and writes mapped addresses in IPv4 form.
    match network.unmapped() {
        Network::V4(addr, prefix) if (1..=32).contains(&prefix) => {
            let [a, b, c, d] = addr.octets();
            Some(format!("{prefix}.{d}.{c}.{b}.{a}.rpz-ip"))
        }
        Network::V6(addr, prefix) if (1..=128).contains(&prefix) => {
            let words = addr.segments();
            let run = longest_zero_run(&words);
            let mut name = prefix.to_string();
            let mut i = words.len();
            while i > 0 {
                match run {
                    Some((start, len)) if i == start + len => {
                        name.push_str(".zz");
                        i = start;
                    }
                    _ => {
                        i -= 1;
                        name.push_str(&format!(".{:x}", words[i]));
                    }
                }
            }
            name.push_str(".rpz-ip");
            Some(name)
        }
        _ => None,
    }
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
        rpz_ip_name(Network::of(kind, value).unwrap()).unwrap()
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
        assert_eq!(rpz_ip_name(Network::of(Cidr, "0.0.0.0/0").unwrap()), None);
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
