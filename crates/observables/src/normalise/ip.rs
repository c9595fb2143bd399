//! IPv4, IPv6 and CIDR networks.
//!
//! IPv4 is strict dotted decimal: four parts 0–255 without leading zeros. `010.1.1.1` is
//! refused (`ambiguous_ipv4`) because inet_aton and some tools read `010` as octal 8, so the
//! same text names two hosts; the hexadecimal, integer and shortened forms are refused too.
//! IPv6 is written as RFC 5952 says (lower case, longest zero run compressed), which is what
//! `std` prints; IPv4-mapped addresses stay IPv6 (`::ffff:1.2.3.4`). Networks have their
//! host bits zeroed: `10.1.2.3/8` → `10.0.0.0/8`.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::error::NormaliseError;
use crate::kind::ObservableType;
use crate::observable::Observable;

pub(crate) fn parse_ipv4(s: &str) -> Result<Ipv4Addr, NormaliseError> {
    let mut octets = [0u8; 4];
    let mut n = 0;
    for part in s.split('.') {
        if n == 4 {
            return Err(NormaliseError::InvalidIpv4("more than four parts"));
        }
        let b = part.as_bytes();
        if b.is_empty() || b.len() > 3 || !b.iter().all(u8::is_ascii_digit) {
            return Err(NormaliseError::InvalidIpv4(
                "four decimal parts 0–255 separated by dots expected",
            ));
        }
        if b.len() > 1 && b[0] == b'0' {
            return Err(NormaliseError::AmbiguousIpv4);
        }
        let v = b.iter().fold(0u16, |v, d| v * 10 + u16::from(d - b'0'));
        octets[n] =
            u8::try_from(v).map_err(|_| NormaliseError::InvalidIpv4("a part is above 255"))?;
        n += 1;
    }
    if n != 4 {
        return Err(NormaliseError::InvalidIpv4("four parts expected"));
    }
    Ok(Ipv4Addr::from(octets))
}

pub(crate) fn parse_ipv6(s: &str) -> Result<Ipv6Addr, NormaliseError> {
    let s = s
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(s);
    if s.contains('%') {
        return Err(NormaliseError::InvalidIpv6(
            "a zone index (%…) is local to one host",
        ));
    }
    s.parse()
        .map_err(|_| NormaliseError::InvalidIpv6("malformed"))
}

pub(crate) fn ipv4_observable(addr: Ipv4Addr) -> Observable {
    Observable::plain(ObservableType::Ipv4, addr.to_string())
}

pub(crate) fn ipv6_observable(addr: Ipv6Addr) -> Observable {
    Observable::plain(ObservableType::Ipv6, addr.to_string())
}

pub(crate) fn normalise_ipv4(s: &str) -> Result<Observable, NormaliseError> {
    // Strict dotted decimal without leading zeros is its own canonical form.
    parse_ipv4(s)?;
    Ok(Observable::plain(ObservableType::Ipv4, s.to_owned()))
}

pub(crate) fn normalise_ipv6(s: &str) -> Result<Observable, NormaliseError> {
    parse_ipv6(s).map(ipv6_observable)
}

pub(crate) fn parse_cidr(s: &str) -> Result<IpNet, NormaliseError> {
    let (addr, len) = s
        .split_once('/')
        .ok_or(NormaliseError::InvalidCidr("no /prefix length"))?;
    let b = len.as_bytes();
    if b.is_empty()
        || b.len() > 3
        || !b.iter().all(u8::is_ascii_digit)
        || (b.len() > 1 && b[0] == b'0')
    {
        return Err(NormaliseError::InvalidCidr(
            "the prefix length is a decimal number",
        ));
    }
    let len = b.iter().fold(0u16, |v, d| v * 10 + u16::from(d - b'0'));
    let len =
        u8::try_from(len).map_err(|_| NormaliseError::InvalidCidr("prefix length too long"))?;
    if addr.contains(':') {
        let a =
            parse_ipv6(addr).map_err(|_| NormaliseError::InvalidCidr("malformed IPv6 address"))?;
        let net = Ipv6Net::new(a, len)
            .map_err(|_| NormaliseError::InvalidCidr("IPv6 prefix length above 128"))?;
        Ok(IpNet::V6(net.trunc()))
    } else {
        let a = parse_ipv4(addr).map_err(|e| match e {
            NormaliseError::AmbiguousIpv4 => e,
            _ => NormaliseError::InvalidCidr("malformed IPv4 address"),
        })?;
        let net = Ipv4Net::new(a, len)
            .map_err(|_| NormaliseError::InvalidCidr("IPv4 prefix length above 32"))?;
        Ok(IpNet::V4(net.trunc()))
    }
}

pub(crate) fn normalise_cidr(s: &str) -> Result<Observable, NormaliseError> {
    Ok(Observable::plain(
        ObservableType::Cidr,
        parse_cidr(s)?.to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use crate::{ObservableType as T, normalise};

    fn ok(kind: T, input: &str, want: &str) {
        match normalise(kind, input) {
            Ok(o) => assert_eq!(o.value(), want, "{input}"),
            Err(e) => panic!("{input}: {e}"),
        }
    }

    fn err(kind: T, input: &str, code: &str) {
        match normalise(kind, input) {
            Ok(o) => panic!("{input} accepted as {}", o.value()),
            Err(e) => assert_eq!(e.code(), code, "{input}: {e}"),
        }
    }

    #[test]
    fn ipv4() {
        ok(T::Ipv4, "192.0.2.1", "192.0.2.1");
        ok(T::Ipv4, " 8.8.8.8\n", "8.8.8.8");
        ok(T::Ipv4, "１９２．０．２．１", "192.0.2.1");
        ok(T::Ipv4, "192.0.2[.]1", "192.0.2.1");
        ok(T::Ipv4, "0.0.0.0", "0.0.0.0");
        ok(T::Ipv4, "255.255.255.255", "255.255.255.255");
        err(T::Ipv4, "010.1.1.1", "ambiguous_ipv4");
        err(T::Ipv4, "1.2.3.04", "ambiguous_ipv4");
        err(T::Ipv4, "256.1.1.1", "invalid_ipv4");
        err(T::Ipv4, "1.2.3", "invalid_ipv4");
        err(T::Ipv4, "1.2.3.4.5", "invalid_ipv4");
        err(T::Ipv4, "0x7f.0.0.1", "invalid_ipv4");
        err(T::Ipv4, "2130706433", "invalid_ipv4");
        err(T::Ipv4, "", "empty");
    }

    #[test]
    fn ipv6() {
        ok(T::Ipv6, "2001:DB8:0:0:0:0:0:1", "2001:db8::1");
        ok(
            T::Ipv6,
            "2001:0db8:0000:0000:0001:0000:0000:0001",
            "2001:db8::1:0:0:1",
        );
        ok(T::Ipv6, "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
        ok(T::Ipv6, "[::1]", "::1");
        ok(T::Ipv6, "::", "::");
        ok(T::Ipv6, "::ffff:1.2.3.4", "::ffff:1.2.3.4");
        ok(T::Ipv6, "::FFFF:0102:0304", "::ffff:1.2.3.4");
        ok(T::Ipv6, "fe80::1", "fe80::1");
        err(T::Ipv6, "fe80::1%eth0", "invalid_ipv6");
        err(T::Ipv6, "2001:db8::1::2", "invalid_ipv6");
        err(T::Ipv6, "12:30:45", "invalid_ipv6");
        err(T::Ipv6, "1.2.3.4", "invalid_ipv6");
    }

    #[test]
    fn cidr() {
        ok(T::Cidr, "10.1.2.3/8", "10.0.0.0/8");
        ok(T::Cidr, "192.0.2.0/24", "192.0.2.0/24");
        ok(T::Cidr, "192.0.2.7/32", "192.0.2.7/32");
        ok(T::Cidr, "0.0.0.0/0", "0.0.0.0/0");
        ok(T::Cidr, "2001:DB8:1:2::5/32", "2001:db8::/32");
        ok(T::Cidr, "::ffff:1.2.3.4/120", "::ffff:1.2.3.0/120");
        err(T::Cidr, "10.0.0.0/33", "invalid_cidr");
        err(T::Cidr, "10.0.0.0/08", "invalid_cidr");
        err(T::Cidr, "10.0.0.0", "invalid_cidr");
        err(T::Cidr, "2001:db8::/129", "invalid_cidr");
        err(T::Cidr, "010.0.0.0/8", "ambiguous_ipv4");
    }
}
