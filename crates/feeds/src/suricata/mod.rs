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

mod escape;
pub(crate) mod sid;

use renkei_model::handling::Tlp;
use renkei_observables::ObservableType;
use url::{Host, Position, Url};

use crate::FeedMeta;
use crate::entry::FeedEntry;
use crate::error::FeedError;
use crate::net::Network;
use crate::select::{Carried, carried_values};
use crate::text::{one_line, push, push_u64, timestamp};
use escape::{is_metadata_token, push_content, push_msg_text};
use sid::Sids;

pub(crate) mod dataset;

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
    let strictest = carried_values(entries).map(|v| v.tlp).max_by_key(Tlp::rank);
    push_header(out, meta, strictest);
    let mut sids = Sids::new(meta.sid_base, entries.len() * 2);
    let mut rules = 0u64;
    for value in carried_values(entries) {
        rules += push_rules(out, value, &mut sids)?;
    }
    push(out, "# end: ");
    push_u64(out, rules);
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

/// Writes the rules of one value; returns how many.
fn push_rules(out: &mut Vec<u8>, value: Carried, sids: &mut Sids) -> Result<u64, FeedError> {
    let entry = value.entry;
    match entry.kind {
        ObservableType::Domain => {
            if !is_hostname(&entry.value) {
                return Ok(0);
            }
            for (slot, (proto, buffer, nocase)) in DOMAIN_RULES.into_iter().enumerate() {
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
                push_rule_end(out, value, sids.assign(entry.value_key, slot as u32)?);
            }
            Ok(DOMAIN_RULES.len() as u64)
        }
        ObservableType::Url => {
            let Some((host, path)) = url_parts(&entry.value) else {
                return Ok(0);
            };
            push_rule_start(out, "http", value, "");
            push(out, "http.host; content:\"");
            push_content(out, host.as_bytes());
            push(out, "\"; startswith; endswith; ");
            if path != "/" {
                let path = &path.as_bytes()[..path.len().min(MAX_URI_BYTES)];
                push(out, "http.uri.raw; content:\"");
                push_content(out, path);
                push(out, "\"; ");
            }
            push_rule_end(out, value, sids.assign(entry.value_key, 0)?);
            Ok(1)
        }
        kind => {
            let Some(network) = Network::of(kind, &entry.value).map(Network::unmapped) else {
                return Ok(0);
            };
            let target = match network {
                Network::V4(a, 32) => a.to_string(),
                Network::V6(a, 128) => a.to_string(),
                Network::V4(a, p) => format!("{a}/{p}"),
                Network::V6(a, p) => format!("{a}/{p}"),
            };
            push(out, "alert ip $HOME_NET any <> ");
            push(out, &target);
            push(out, " any (msg:\"");
            push_msg(out, value, "");
            push(out, "\"; ");
            push_rule_end(out, value, sids.assign(entry.value_key, 0)?);
            Ok(1)
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
fn url_parts(value: &str) -> Option<(String, String)> {
    let url = Url::parse(value).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = match url.host()? {
        Host::Domain(d) if is_hostname(d) => d.to_owned(),
        Host::Ipv4(a) => a.to_string(),
        Host::Domain(_) | Host::Ipv6(_) => return None,
    };
    let path = &url[Position::BeforePath..Position::AfterQuery];
    Some((host, path.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parts_keep_path_and_query_but_not_fragment_or_credentials() {
        assert_eq!(
            url_parts("https://user:pw@evil.example:8443/a;b?x=1#frag"),
            Some(("evil.example".into(), "/a;b?x=1".into()))
        );
        assert_eq!(
            url_parts("http://192.0.2.1/"),
            Some(("192.0.2.1".into(), "/".into()))
        );
        assert_eq!(url_parts("http://[2001:db8::1]/x"), None);
        assert_eq!(url_parts("ftp://evil.example/x"), None);
    }
}
