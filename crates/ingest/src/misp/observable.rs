//! What a MISP attribute type says about the world, checked and typed ([`Observed`]), and the
//! two STIX forms of it: a pattern (for `to_ids` attributes) and cyber-observables.

use std::net::IpAddr;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use renkei_model::stix::sco_id::{self, ScoId};

/// A checked observation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Observed {
    Ip(Ip),
    Domain(String),
    Url(String),
    Email(String),
    File(File),
    /// A domain and the addresses it resolves to.
    DomainIp {
        domain: String,
        ips: Vec<Ip>,
    },
    /// An address and port, as the destination (`ip-dst|port`) or source (`ip-src|port`).
    IpPort {
        ip: Ip,
        port: u16,
        destination: bool,
    },
}

/// An IPv4 or IPv6 address or CIDR block, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Ip {
    pub value: String,
    pub v6: bool,
}

impl Ip {
    fn sco_type(&self) -> &'static str {
        if self.v6 { "ipv6-addr" } else { "ipv4-addr" }
    }
}

/// What a file is known by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct File {
    pub name: Option<String>,
    pub size: Option<u64>,
    /// (STIX hash name, lowercase hex).
    pub hashes: Vec<(&'static str, String)>,
}

/// Reads an attribute's value for its MISP type: `Ok(None)` when the type is not an observable
/// this module knows, `Err(reason)` when the value is not valid for its type.
pub(super) fn observe(ty: &str, value: &str) -> Result<Option<Observed>, String> {
    let value = value.trim();
    Ok(Some(match ty {
        "ip-src" | "ip-dst" => Observed::Ip(ip(value)?),
        "domain" | "hostname" => Observed::Domain(domain(value)?),
        "url" | "uri" => Observed::Url(url(value)?),
        "email" | "email-src" | "email-dst" => Observed::Email(email(value)?),
        "filename" => Observed::File(File {
            name: Some(non_empty(value)?),
            ..File::default()
        }),
        "domain|ip" => {
            let (d, i) = split(value)?;
            Observed::DomainIp {
                domain: domain(d)?,
                ips: vec![ip(i)?],
            }
        }
        "ip-dst|port" | "ip-src|port" => {
            let (i, p) = split(value)?;
            Observed::IpPort {
                ip: ip(i)?,
                port: p
                    .parse()
                    .map_err(|_| format!("`{p}` is not a port number"))?,
                destination: ty == "ip-dst|port",
            }
        }
        _ => {
            if let Some(name) = hash_name(ty) {
                return Ok(Some(Observed::File(File {
                    hashes: vec![(name, hash(ty, value)?)],
                    ..File::default()
                })));
            }
            let Some(algo) = ty.strip_prefix("filename|") else {
                return Ok(None);
            };
            let Some(name) = hash_name(algo) else {
                return Ok(None);
            };
            let (f, h) = split(value)?;
            Observed::File(File {
                name: Some(non_empty(f)?),
                size: None,
                hashes: vec![(name, hash(algo, h)?)],
            })
        }
    }))
}

/// The STIX name of a MISP hash type Renkei converts.
pub(super) fn hash_name(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "md5" => "MD5",
        "sha1" => "SHA-1",
        "sha256" => "SHA-256",
        "sha512" => "SHA-512",
        _ => return None,
    })
}

/// Checks a hex digest of a MISP hash type.
pub(super) fn hash(ty: &str, value: &str) -> Result<String, String> {
    let len = match ty {
        "md5" => 32,
        "sha1" => 40,
        "sha256" => 64,
        _ => 128,
    };
    let value = value.trim();
    if value.len() == len && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(format!("not a {ty} digest ({len} hexadecimal digits)"))
    }
}

pub(super) fn ip(value: &str) -> Result<Ip, String> {
    let value = value.trim();
    let (addr, prefix) = match value.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (value, None),
    };
    let parsed: IpAddr = addr
        .parse()
        .map_err(|_| "not an IPv4 or IPv6 address".to_owned())?;
    let max = if parsed.is_ipv6() { 128 } else { 32 };
    if let Some(p) = prefix
        && !p.parse::<u8>().is_ok_and(|p| p <= max)
    {
        return Err(format!("`/{p}` is not a prefix length (0–{max})"));
    }
    Ok(Ip {
        value: value.to_owned(),
        v6: parsed.is_ipv6(),
    })
}

pub(super) fn domain(value: &str) -> Result<String, String> {
    let d = non_empty(value)?;
    if d.len() > 253 || d.contains(|c: char| c.is_whitespace() || "/@:".contains(c)) {
        return Err("not a domain name".to_owned());
    }
    Ok(d)
}

fn url(value: &str) -> Result<String, String> {
    let u = non_empty(value)?;
    if u.contains(char::is_whitespace) {
        return Err("a URL has no white space".to_owned());
    }
    Ok(u)
}

fn email(value: &str) -> Result<String, String> {
    let e = non_empty(value)?;
    match e.split_once('@') {
        Some((l, d)) if !l.is_empty() && !d.is_empty() && !e.contains(char::is_whitespace) => Ok(e),
        _ => Err("not an e-mail address".to_owned()),
    }
}

fn non_empty(value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() || v.contains(char::is_control) {
        return Err("empty or has control characters".to_owned());
    }
    Ok(v.to_owned())
}

fn split(value: &str) -> Result<(&str, &str), String> {
    value
        .split_once('|')
        .ok_or_else(|| "a composite value must be written `left|right`".to_owned())
}

/// A string literal of the STIX patterning grammar: quoted, `\` and `'` escaped.
pub(super) fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The comparison expressions (joined by AND inside one observation) for an observation.
pub(super) fn pattern(o: &Observed) -> String {
    let terms: Vec<String> = match o {
        Observed::Ip(ip) => vec![format!("{}:value = {}", ip.sco_type(), literal(&ip.value))],
        Observed::Domain(d) => vec![format!("domain-name:value = {}", literal(d))],
        Observed::Url(u) => vec![format!("url:value = {}", literal(u))],
        Observed::Email(e) => vec![format!("email-addr:value = {}", literal(e))],
        Observed::File(f) => {
            let mut t = Vec::new();
            if let Some(n) = &f.name {
                t.push(format!("file:name = {}", literal(n)));
            }
            for (algo, h) in &f.hashes {
                t.push(format!("file:hashes.'{algo}' = {}", literal(h)));
            }
            if let Some(s) = f.size {
                t.push(format!("file:size = {s}"));
            }
            t
        }
        Observed::DomainIp { domain, ips } => {
            let mut t = vec![format!("domain-name:value = {}", literal(domain))];
            for ip in ips {
                t.push(format!(
                    "domain-name:resolves_to_refs[*].value = {}",
                    literal(&ip.value)
                ));
            }
            t
        }
        Observed::IpPort {
            ip,
            port,
            destination,
        } => {
            let side = if *destination { "dst" } else { "src" };
            vec![
                format!("network-traffic:{side}_ref.type = '{}'", ip.sco_type()),
                format!("network-traffic:{side}_ref.value = {}", literal(&ip.value)),
                format!("network-traffic:{side}_port = {port}"),
            ]
        }
    };
    format!("[{}]", terms.join(" AND "))
}

/// The cyber-observables for an observation, the main one first, each with its deterministic
/// id (STIX 2.1 §2.9) and the given markings.
pub(super) fn observables(o: &Observed, markings: &[&str]) -> Vec<Map<String, Value>> {
    let sco = |props: Value| finish(props, markings);
    match o {
        Observed::Ip(ip) => vec![sco(json!({"type": ip.sco_type(), "value": ip.value}))],
        Observed::Domain(d) => vec![sco(json!({"type": "domain-name", "value": d}))],
        Observed::Url(u) => vec![sco(json!({"type": "url", "value": u}))],
        Observed::Email(e) => vec![sco(json!({"type": "email-addr", "value": e}))],
        Observed::File(f) => {
            let mut props = Map::new();
            props.insert("type".into(), "file".into());
            if !f.hashes.is_empty() {
                let hashes: Map<String, Value> = f
                    .hashes
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), Value::from(v.as_str())))
                    .collect();
                props.insert("hashes".into(), hashes.into());
            }
            if let Some(n) = &f.name {
                props.insert("name".into(), n.as_str().into());
            }
            if let Some(s) = f.size {
                props.insert("size".into(), s.into());
            }
            vec![sco(props.into())]
        }
        Observed::DomainIp { domain, ips } => {
            let addrs: Vec<_> = ips
                .iter()
                .map(|ip| sco(json!({"type": ip.sco_type(), "value": ip.value})))
                .collect();
            let refs: Vec<Value> = addrs.iter().filter_map(|a| a.get("id").cloned()).collect();
            let mut out = vec![sco(
                json!({"type": "domain-name", "value": domain, "resolves_to_refs": refs}),
            )];
            out.extend(addrs);
            out
        }
        Observed::IpPort {
            ip,
            port,
            destination,
        } => {
            let addr = sco(json!({"type": ip.sco_type(), "value": ip.value}));
            let side = if *destination { "dst" } else { "src" };
            let protocol = if ip.v6 { "ipv6" } else { "ipv4" };
            let traffic = sco(json!({
                "type": "network-traffic",
                format!("{side}_ref"): addr.get("id").cloned().unwrap_or(Value::Null),
                format!("{side}_port"): port,
                "protocols": [protocol],
            }));
            vec![traffic, addr]
        }
    }
}

/// Adds `spec_version`, the deterministic id and the markings to an SCO's properties.
fn finish(props: Value, markings: &[&str]) -> Map<String, Value> {
    let props = match props {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let ty = props
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("x-unknown")
        .to_owned();
    let id = match sco_id::derive(&props) {
        Some(ScoId::Deterministic(id)) => id.as_str().to_owned(),
        // Every SCO built here has an id-contributing property; should one not, a name-based
        // id over its JSON keeps the conversion deterministic all the same.
        _ => format!(
            "{ty}--{}",
            Uuid::new_v5(
                &sco_id::SCO_NAMESPACE,
                Value::Object(props.clone()).to_string().as_bytes()
            )
        ),
    };
    let mut out = Map::new();
    out.insert("type".into(), ty.into());
    out.insert("spec_version".into(), "2.1".into());
    out.insert("id".into(), id.into());
    for (k, v) in props {
        if k != "type" {
            out.insert(k, v);
        }
    }
    if !markings.is_empty() {
        out.insert("object_marking_refs".into(), json!(markings));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_escaped() {
        assert_eq!(literal(r"a'b\c"), r"'a\'b\\c'");
    }

    #[test]
    fn values_are_checked() {
        assert!(observe("ip-dst", "203.0.113.300").is_err());
        assert!(observe("ip-dst", "10.0.0.0/33").is_err());
        assert!(observe("ip-dst", "10.0.0.0/8").is_ok());
        assert!(observe("md5", "abc").is_err());
        assert!(observe("ip-dst|port", "192.0.2.1|http").is_err());
        assert!(observe("domain", "a b.example").is_err());
        assert_eq!(observe("ssdeep", "x"), Ok(None));
    }
}
