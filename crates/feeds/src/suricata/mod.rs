//! `suricata`: Suricata 7 rules, one or more per value still carried.
//!
//! - An IPv4/IPv6 address or network: one rule `alert ip $HOME_NET any <> <addr> any`. The
//!   bidirectional operator covers traffic to and from the address under one sid (Suricata
//!   expands it into two signatures internally; the alert's src/dest say which way it went),
//!   and both stay in Suricata's IP-only engine, which is built for long address lists.
//! - A domain: three rules, on `dns.query`, `tls.sni` and `http.host`. Each matches the
//!   domain and its subdomains without matching lookalikes: `dotprefix` puts a `.` in front
//!   of the buffer, and `content:".evil.example"; endswith;` then matches `evil.example`
//!   and `a.evil.example` but not `notevil.example`. DNS and SNI compare without case;
//!   `http.host` is already lower-cased by Suricata.
//! - An `http`/`https` URL: one rule on its exact host (`http.host`, `startswith; endswith`)
//!   and, unless the path is just `/`, its path and query as sent (`http.uri.raw`, the
//!   WHATWG-serialised form browsers send; not anchored, so that a proxy's absolute-form
//!   request target matches too). `https` URLs match only where TLS is decrypted.
//! - Hashes, e-mail addresses, accounts, CVEs: no rule (see the dataset feeds for hashes).
//!
//! Every rule has `msg:"RENKEI <TLP> <type> <value> ... - <label>"` (label made safe by
//! [`escape`]), `metadata` with the record id and TLP, `classtype:bad-unknown` (in
//! Suricata's default classification.config), a stable `sid` ([`sid`]) and `rev:1`.

pub(crate) mod dataset;
mod escape;
mod sid;

use renkei_model::handling::Tlp;
use renkei_observables::ObservableType;

use crate::FeedMeta;
use crate::entry::FeedEntry;
use crate::error::FeedError;
use crate::net::{Network, UrlHost, url_parts};
use crate::select::{Carried, carried_values};
use crate::text::{one_line, push, push_u64, timestamp};
use escape::{is_metadata_token, push_content, push_msg_text};

/// The classtype of every rule: "Potentially Bad Traffic" (priority 2). The feed says a
/// value is bad, not what kind of attack it serves.
const CLASSTYPE: &str = "bad-unknown";

/// Longest value shown in a `msg`; longer ones end in `...`.
const MSG_VALUE_CHARS: usize = 200;
/// Longest label shown in a `msg`.
const MSG_LABEL_CHARS: usize = 100;
/// Longest URL path and query matched; a longer one is matched on its first bytes.
const MAX_URI_BYTES: usize = 1024;

/// Writes the rules.
pub(crate) fn render(
    entries: &[FeedEntry],
    meta: &FeedMeta,
    out: &mut Vec<u8>,
) -> Result<(), FeedError> {
    // First the sid each rule prefers, in file order, so that all sids are settled at once.
    let mut preferred = Vec::with_capacity(entries.len() * 2);
    let mut strictest: Option<Tlp> = None;
    for value in carried_values(entries) {
        if let Some(shape) = Shape::of(value.entry) {
            preferred
                .extend((0..shape.rules()).map(|slot| sid::preferred(value.entry.value_key, slot)));
            if strictest.is_none_or(|t| value.tlp.rank() > t.rank()) {
                strictest = Some(value.tlp);
            }
        }
    }
    let sids = sid::assign(meta.sid_base, &preferred)?;

    push_header(out, meta, strictest);
    let mut unused: &[u32] = &sids;
    for value in carried_values(entries) {
        let Some(shape) = Shape::of(value.entry) else {
            continue;
        };
        let Some((mine, rest)) = unused.split_at_checked(shape.rules() as usize) else {
            break;
        };
        unused = rest;
        push_rules(out, value, shape, mine);
    }
    push(out, "# end: ");
    push_u64(out, sids.len() as u64);
    push(out, " rules\n");
    Ok(())
}

/// Comment lines: what this is, when it was made, what TLP asks of the reader.
fn push_header(out: &mut Vec<u8>, meta: &FeedMeta, strictest: Option<Tlp>) {
    push(out, "# ");
    push(out, &one_line(&meta.title, 200));
    push(out, ": Suricata 7 rules\n# Generated ");
    push(out, &timestamp(meta.generated_at));
    match meta.since {
        Some(since) => {
            push(out, ". INCREMENTAL: rules for values added since ");
            push(out, &timestamp(since));
            push(
                out,
                " only; removals are not listed, load the full feed to drop them.\n",
            );
        }
        None => push(out, ". Full feed.\n"),
    }
    push(out, "# TLP: each rule's msg carries its TLP");
    if let Some(tlp) = strictest {
        push(out, " (strictest here: ");
        push(out, tlp.as_str());
        push(out, ")");
    }
    push(
        out,
        ". TLP:CLEAR: no limit; TLP:GREEN: your community;\n\
         # TLP:AMBER: your organisation and its clients only. Do not republish this file.\n",
    );
}

/// The rules a value gets, decided once for both passes.
#[derive(Debug, Clone, Copy)]
enum Shape<'a> {
    /// One `ip` rule.
    Network(Network),
    /// Three rules: DNS, TLS SNI, HTTP host.
    Domain,
    /// One `http` rule on the host and, unless it is `/`, the request target.
    Url { host: &'a str, target: &'a str },
}

impl<'a> Shape<'a> {
    /// `None` for values no rule can express.
    fn of(entry: &'a FeedEntry) -> Option<Shape<'a>> {
        match entry.kind {
            ObservableType::Domain => is_hostname(&entry.value).then_some(Shape::Domain),
            ObservableType::Url => {
                http_host_and_target(&entry.value).map(|(host, target)| Shape::Url { host, target })
            }
            kind => Network::of(kind, &entry.value).map(|n| Shape::Network(n.unmapped())),
        }
    }

    fn rules(&self) -> u32 {
        match self {
            Shape::Domain => DOMAIN_RULES.len() as u32,
            Shape::Network(_) | Shape::Url { .. } => 1,
        }
    }
}

/// Writes the rules of one value with their sids (as many as [`Shape::rules`]).
fn push_rules(out: &mut Vec<u8>, value: Carried, shape: Shape, sids: &[u32]) {
    let entry = value.entry;
    match shape {
        Shape::Domain => {
            for ((proto, buffer, nocase), &sid) in DOMAIN_RULES.into_iter().zip(sids) {
                push_rule_start(out, proto, value, buffer);
                push(out, buffer);
                push(out, "; dotprefix; content:\".");
                push_content(out, entry.value.as_bytes());
                push(
                    out,
                    if nocase {
                        "\"; nocase; endswith; "
                    } else {
                        "\"; endswith; "
                    },
                );
                push_rule_end(out, value, sid);
            }
        }
        Shape::Url { host, target } => {
            let &[sid] = sids else {
                return;
            };
            push_rule_start(out, "http", value, "");
            push(out, "http.host; content:\"");
            push_content(out, host.as_bytes());
            push(out, "\"; startswith; endswith; ");
            if target != "/" {
                let target = &target.as_bytes()[..target.len().min(MAX_URI_BYTES)];
                push(out, "http.uri.raw; content:\"");
                push_content(out, target);
                push(out, "\"; ");
            }
            push_rule_end(out, value, sid);
        }
        Shape::Network(network) => {
            let &[sid] = sids else {
                return;
            };
            push(out, "alert ip $HOME_NET any <> ");
            push_network(out, network);
            push(out, " any (msg:\"");
            push_msg(out, value, "");
            push(out, "\"; ");
            push_rule_end(out, value, sid);
        }
    }
}

/// (protocol, sticky buffer, compare without case) of the three rules of a domain.
const DOMAIN_RULES: [(&str, &str, bool); 3] = [
    ("dns", "dns.query", true),
    ("tls", "tls.sni", true),
    ("http", "http.host", false),
];

/// `alert <proto> $HOME_NET any -> any any (msg:"…"; `
fn push_rule_start(out: &mut Vec<u8>, proto: &str, value: Carried, via: &str) {
    push(out, "alert ");
    push(out, proto);
    push(out, " $HOME_NET any -> any any (msg:\"");
    push_msg(out, value, via);
    push(out, "\"; ");
}

/// `RENKEI TLP:AMBER domain evil.example dns.query - label`
fn push_msg(out: &mut Vec<u8>, value: Carried, via: &str) {
    let entry = value.entry;
    push(out, "RENKEI ");
    push(out, value.tlp.as_str());
    push(out, " ");
    push(out, entry.kind.name());
    push(out, " ");
    push_msg_text(out, &entry.value, MSG_VALUE_CHARS);
    if !via.is_empty() {
        push(out, " ");
        push(out, via);
    }
    if let Some(label) = entry.label.as_deref().filter(|l| !l.trim().is_empty()) {
        push(out, " - ");
        push_msg_text(out, label.trim(), MSG_LABEL_CHARS);
    }
}

/// `metadata:…; classtype:…; sid:…; rev:1;)` and the line end.
fn push_rule_end(out: &mut Vec<u8>, value: Carried, sid: u32) {
    let entry = value.entry;
    push(out, "metadata:");
    if is_metadata_token(&entry.record) {
        push(out, "renkei_record ");
        push(out, &entry.record);
        push(out, ", ");
    }
    push(out, "renkei_type ");
    push(out, entry.kind.name());
    push(out, ", tlp ");
    push(out, tlp_token(value.tlp));
    push(out, "; classtype:");
    push(out, CLASSTYPE);
    push(out, "; sid:");
    push_u64(out, sid.into());
    push(out, "; rev:1;)\n");
}

/// The TLP as a lower-case metadata value (`amber`, `amber+strict`).
fn tlp_token(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => "clear",
        Tlp::Green => "green",
        Tlp::Amber => "amber",
        Tlp::AmberStrict => "amber+strict",
        Tlp::Red => "red",
    }
}

/// A lower-case DNS name of at least two labels, as the normaliser writes domains.
fn is_hostname(name: &str) -> bool {
    name.contains('.')
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        })
}

/// The host (a name or an IPv4 address) and the path with query of an `http`/`https` URL.
/// IPv6-literal hosts are left out: how Suricata normalises their `http.host` (brackets or
/// not) is not something to guess in a blocklist.
fn http_host_and_target(value: &str) -> Option<(&str, &str)> {
    let parts = url_parts(value)?;
    if !matches!(parts.scheme, "http" | "https") {
        return None;
    }
    let host = match parts.host {
        UrlHost::Name(name) if is_hostname(name) => name,
        UrlHost::Ipv4(dotted) => dotted,
        UrlHost::Name(_) | UrlHost::Ipv6 => return None,
    };
    Some((host, parts.target))
}

/// An address (`192.0.2.1`) or network (`192.0.2.0/24`) in rule-header form.
fn push_network(out: &mut Vec<u8>, network: Network) {
    let prefix = match network {
        Network::V4(addr, prefix) => {
            for (i, octet) in addr.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push(b'.');
                }
                push_u64(out, octet.into());
            }
            (prefix < 32).then_some(prefix)
        }
        Network::V6(addr, prefix) => {
            push(out, &addr.to_string());
            (prefix < 128).then_some(prefix)
        }
    };
    if let Some(prefix) = prefix {
        out.push(b'/');
        push_u64(out, prefix.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_rules_keep_path_and_query_but_not_fragment_or_credentials() {
        assert_eq!(
            http_host_and_target("https://user:pw@evil.example:8443/a;b?x=1#frag"),
            Some(("evil.example", "/a;b?x=1"))
        );
        assert_eq!(
            http_host_and_target("http://192.0.2.1/"),
            Some(("192.0.2.1", "/"))
        );
        assert_eq!(http_host_and_target("http://[2001:db8::1]/x"), None);
        assert_eq!(http_host_and_target("ftp://evil.example/x"), None);
        assert_eq!(http_host_and_target("http://Evil.example/x"), None);
    }

    #[test]
    fn networks_in_rule_headers() {
        let text = |kind, value| {
            let mut out = Vec::new();
            push_network(&mut out, Network::of(kind, value).unwrap());
            String::from_utf8(out).unwrap()
        };
        assert_eq!(text(ObservableType::Ipv4, "192.0.2.1"), "192.0.2.1");
        assert_eq!(text(ObservableType::Cidr, "192.0.2.0/24"), "192.0.2.0/24");
        assert_eq!(text(ObservableType::Cidr, "2001:db8::/32"), "2001:db8::/32");
        assert_eq!(text(ObservableType::Ipv6, "2001:db8::1"), "2001:db8::1");
    }
}
