//! IP addresses and networks of the feed, read back from their normalised text.

use std::net::{Ipv4Addr, Ipv6Addr};

use renkei_observables::ObservableType;

/// An address (a full-length prefix) or a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}
