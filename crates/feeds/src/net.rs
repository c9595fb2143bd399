//! IP addresses, networks and URLs of the feed, read back from their normalised text.

use std::net::{Ipv4Addr, Ipv6Addr};

use renkei_observables::ObservableType;

/// An address (a full-length prefix) or a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Network {
    V4(Ipv4Addr, u8),
    V6(Ipv6Addr, u8),
}

impl Network {
    /// The network an `ipv4`, `ipv6` or `cidr` entry names; `None` for other kinds and for
    /// text that is not one (which normalised values never are).
    pub(crate) fn of(kind: ObservableType, value: &str) -> Option<Network> {
        match kind {
            ObservableType::Ipv4 => value.parse().ok().map(|a| Network::V4(a, 32)),
            ObservableType::Ipv6 => value.parse().ok().map(|a| Network::V6(a, 128)),
            ObservableType::Cidr => {
                let (addr, prefix) = value.split_once('/')?;
                let prefix: u8 = prefix.parse().ok()?;
                if let Ok(a) = addr.parse::<Ipv4Addr>() {
                    (prefix <= 32).then_some(Network::V4(a, prefix))
                } else {
                    let a = addr.parse::<Ipv6Addr>().ok()?;
                    (prefix <= 128).then_some(Network::V6(a, prefix))
                }
            }
            _ => None,
        }
    }

    /// An IPv4-mapped IPv6 address or network (`::ffff:192.0.2.1`) as the IPv4 one it stands
    /// for: only IPv4 packets and IPv4 DNS answers ever carry it. Others unchanged.
    pub(crate) fn unmapped(self) -> Network {
        match self {
            Network::V6(a, prefix) if prefix >= 96 => match a.to_ipv4_mapped() {
                Some(v4) => Network::V4(v4, prefix - 96),
                None => self,
            },
            other => other,
        }
    }

    /// The single address, when the prefix covers all of it.
    pub(crate) fn host(&self) -> Option<std::net::IpAddr> {
        match *self {
            Network::V4(a, 32) => Some(a.into()),
            Network::V6(a, 128) => Some(a.into()),
            _ => None,
        }
    }

    pub(crate) fn is_v4(&self) -> bool {
        matches!(self, Network::V4(..))
    }
}

/// What the feeds need of a URL: its scheme, host and request target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UrlParts<'a> {
    pub(crate) scheme: &'a str,
    pub(crate) host: UrlHost<'a>,
    /// Path and query, without the fragment (never sent); `/` when empty.
    pub(crate) target: &'a str,
}

/// The host of a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlHost<'a> {
    Name(&'a str),
    /// Dotted decimal, as written in the URL.
    Ipv4(&'a str),
    /// An IPv6 literal (`[2001:db8::1]`): no feed that uses hosts can use it.
    Ipv6,
}

/// Splits a URL as the normaliser writes it (WHATWG serialisation: lower-case scheme and
/// host, IPv4 hosts dotted, `@` and `/` inside credentials percent-encoded). Cheaper than
/// parsing it again with `url`, which matters at a million entries; `None` for anything
/// without a `scheme://host`.
pub(crate) fn url_parts(value: &str) -> Option<UrlParts<'_>> {
    let (scheme, rest) = value.split_once("://")?;
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase())
        && scheme.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.')
        });
    if !scheme_ok {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let host_and_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_and_port.starts_with('[') {
        UrlHost::Ipv6
    } else {
        let name = match host_and_port.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            Some(_) => return None,
            None => host_and_port,
        };
        match name.parse::<Ipv4Addr>() {
            Ok(_) => UrlHost::Ipv4(name),
            Err(_) if !name.is_empty() => UrlHost::Name(name),
            Err(_) => return None,
        }
    };
    let target = tail.split_once('#').map_or(tail, |(t, _)| t);
    Some(UrlParts {
        scheme,
        host,
        target: if target.is_empty() { "/" } else { target },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ObservableType as T;

    #[test]
    fn reads_addresses_and_networks() {
        let v4: Ipv4Addr = "192.0.2.1".parse().unwrap();
        assert_eq!(Network::of(T::Ipv4, "192.0.2.1"), Some(Network::V4(v4, 32)));
        assert_eq!(
            Network::of(T::Cidr, "2001:db8::/32").map(|n| n.is_v4()),
            Some(false)
        );
        assert_eq!(
            Network::of(T::Cidr, "192.0.2.0/24").and_then(|n| n.host()),
            None
        );
        assert_eq!(
            Network::of(T::Cidr, "192.0.2.1/32").and_then(|n| n.host()),
            Some(v4.into())
        );
        assert_eq!(Network::of(T::Cidr, "192.0.2.0/33"), None);
        assert_eq!(
            Network::of(T::Ipv6, "::ffff:192.0.2.1").map(Network::unmapped),
            Some(Network::V4(v4, 32))
        );
        assert_eq!(
            Network::of(T::Cidr, "::ffff:192.0.2.0/120").map(Network::unmapped),
            Some(Network::V4("192.0.2.0".parse().unwrap(), 24))
        );
        assert_eq!(Network::of(T::Domain, "192.0.2.1"), None);
    }

    #[test]
    fn url_parts_agree_with_the_url_crate() {
        for value in [
            "http://evil.example/login?next=/a;b",
            "https://user:p%40ss@evil.example:8443/%E3%83%AD;x?q=1#frag",
            "http://192.0.2.1/",
            "https://xn--r8jz45g.xn--zckzah/",
            "http://[2001:db8::1]:8080/x",
            "tcp://c2.example:443",
            "https://evil.example/?q",
        ] {
            let url = url::Url::parse(value).unwrap();
            let parts = url_parts(value).unwrap();
            assert_eq!(parts.scheme, url.scheme(), "{value}");
            match (url.host().unwrap(), parts.host) {
                (url::Host::Domain(d), UrlHost::Name(n)) => assert_eq!(d, n),
                (url::Host::Ipv4(a), UrlHost::Ipv4(t)) => assert_eq!(a.to_string(), t),
                (url::Host::Ipv6(_), UrlHost::Ipv6) => {}
                (a, b) => panic!("{value}: {a:?} / {b:?}"),
            }
            let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
            assert_eq!(parts.target, if target.is_empty() { "/" } else { target });
        }
        for bad in [
            "mailto:x@evil.example",
            "evil.example/x",
            "http://",
            "HTTP://x.example/",
            "http://x.example:80a/",
        ] {
            assert_eq!(url_parts(bad), None, "{bad}");
        }
    }
}
