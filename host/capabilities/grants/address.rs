//! IP addresses as the net rules compare them: one canonical form per
//! address, CIDR ranges, the *local host* class, and the special-purpose
//! classes the SSRF guard refuses for names.
//!
//! - **Canonical form.** An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`)
//!   is the IPv4 address it carries; every other spelling (`127.1`,
//!   `2130706433`, `0x7f.1`) is already folded by the URL parser.
//! - **The local host class**: `127.0.0.0/8` (loopback), `0.0.0.0/8`
//!   (this host; Linux connects `0.0.0.0` to loopback), `::1` and `::`, in
//!   any spelling. Every address in it reaches this machine, so a *deny*
//!   rule that covers one of them covers them all: `--deny-net=127.0.0.1`
//!   also refuses `0.0.0.0`, `[::]` and `[::1]`. Allow rules stay exact.
//! - **Special classes** ([`special_class`]): loopback, unspecified,
//!   private (RFC 1918, `fc00::/7`), link-local (`169.254.0.0/16`, which
//!   holds cloud metadata endpoints, `fe80::/10`), shared CGNAT
//!   (`100.64.0.0/10`), multicast and the reserved ranges. IPv6 forms that
//!   carry an IPv4 address (NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are
//!   classed by the address they carry.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An address or a CIDR range of them, in canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// `network/prefix`; `None` if the prefix is too long or bits past it
    /// are set (`10.1.0.0/8`, which is ambiguous).
    pub(crate) fn new(network: IpAddr, prefix: u8) -> Option<IpRange> {
        let (network, prefix) = match (network, canonical(network)) {
            (IpAddr::V6(_), IpAddr::V4(v4)) if prefix >= 96 => (IpAddr::V4(v4), prefix - 96),
            _ => (network, prefix),
        };
        let range = IpRange { network, prefix };
        (prefix <= bits(network) && range.host_bits_clear()).then_some(range)
    }

    /// The single address `address`.
    pub(crate) fn single(address: IpAddr) -> IpRange {
        let network = canonical(address);
        IpRange {
            network,
            prefix: bits(network),
        }
    }

    /// Whether `address` (any spelling) lies in the range.
    pub(crate) fn contains(&self, address: IpAddr) -> bool {
        self.overlaps(&IpRange::single(address))
    }

    /// Whether any address of the local host class lies in the range.
    pub(crate) fn covers_local_host(&self) -> bool {
        LOCAL_HOST.iter().any(|local| self.overlaps(local))
    }

    /// Whether the two ranges share an address: compared as IPv6 ranges,
    /// IPv4 being `::ffff:0:0/96`, so that `::/0` holds every IPv4 address.
    fn overlaps(&self, other: &IpRange) -> bool {
        let (a, p) = self.as_v6();
        let (b, q) = other.as_v6();
        prefix_eq(&a.octets(), &b.octets(), p.min(q))
    }

    fn host_bits_clear(&self) -> bool {
        let (address, prefix) = self.as_v6();
        let octets = address.octets();
        (usize::from(prefix)..128).all(|bit| octets[bit / 8] & (0x80 >> (bit % 8)) == 0)
    }

    fn as_v6(&self) -> (Ipv6Addr, u8) {
        match self.network {
            IpAddr::V4(v4) => (v4.to_ipv6_mapped(), self.prefix + 96),
            IpAddr::V6(v6) => (v6, self.prefix),
        }
    }
}

impl fmt::Display for IpRange {
    /// `10.0.0.0/8`, `127.0.0.1`, `[fd00::/8]`, `[::1]`: IPv6 in brackets so
    /// that a port can follow.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.prefix == bits(self.network);
        match (self.network, whole) {
            (IpAddr::V4(ip), true) => write!(f, "{ip}"),
            (IpAddr::V4(ip), false) => write!(f, "{ip}/{}", self.prefix),
            (IpAddr::V6(ip), true) => write!(f, "[{ip}]"),
            (IpAddr::V6(ip), false) => write!(f, "[{ip}/{}]", self.prefix),
        }
    }
}

/// The local host class; see the module doc.
const LOCAL_HOST: [IpRange; 4] = [
    IpRange {
        network: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)),
        prefix: 8,
    },
    IpRange {
        network: IpAddr::V4(Ipv4Addr::new(0, 0, 0, 0)),
        prefix: 8,
    },
    IpRange {
        network: IpAddr::V6(Ipv6Addr::LOCALHOST),
        prefix: 128,
    },
    IpRange {
        network: IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        prefix: 128,
    },
];

/// The canonical form of `address`: IPv4-mapped IPv6 as IPv4.
pub(crate) fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// Whether `address` (any spelling) is in the local host class.
pub(crate) fn is_local_host(address: IpAddr) -> bool {
    LOCAL_HOST.iter().any(|local| local.contains(address))
}

/// The special-purpose class `address` belongs to, named for messages, or
/// `None` for a public unicast address.
pub(crate) fn special_class(address: IpAddr) -> Option<&'static str> {
    match canonical(address) {
        IpAddr::V4(v4) => v4_class(v4),
        IpAddr::V6(v6) => v6_class(v6),
    }
}

fn v4_class(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b) {
        (127, _) => "loopback",
        (0, _) => "unspecified",
        (10, _) | (172, 16..=31) | (192, 168) => "private",
        (169, 254) => "link-local",
        (100, 64..=127) => "shared (CGNAT)",
        (224..=239, _) => "multicast",
        (240..=255, _) => "reserved",
        (192, 0) if c == 0 => "reserved",
        (198, 18..=19) => "reserved",
        _ => return None,
    })
}

fn v6_class(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    let embedded = |high: u16, low: u16| {
        Ipv4Addr::new((high >> 8) as u8, high as u8, (low >> 8) as u8, low as u8)
    };
    if ip == Ipv6Addr::LOCALHOST {
        return Some("loopback");
    }
    if ip == Ipv6Addr::UNSPECIFIED {
        return Some("unspecified");
    }
    Some(match segments[0] {
        0x0064 if segments[1..6] == [0xff9b, 0, 0, 0, 0] => {
            return v4_class(embedded(segments[6], segments[7]));
        }
        0x2002 => return v4_class(embedded(segments[1], segments[2])),
        // The deprecated IPv4-compatible form `::a.b.c.d`.
        0 if segments[1..6] == [0; 5] => "reserved",
        s if s & 0xfe00 == 0xfc00 => "private",
        s if s & 0xffc0 == 0xfe80 => "link-local",
        s if s & 0xffc0 == 0xfec0 => "reserved",
        s if s & 0xff00 == 0xff00 => "multicast",
        _ => return None,
    })
}

fn bits(address: IpAddr) -> u8 {
    match address {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// Whether the first `prefix` bits of `a` and `b` are equal.
fn prefix_eq(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let (whole, rest) = (usize::from(prefix / 8), prefix % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        a[whole] & mask == b[whole] & mask
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ranges_compare_addresses_in_any_spelling() {
        let ten = IpRange::new(ip("10.0.0.0"), 8).unwrap();
        assert!(ten.contains(ip("10.255.0.1")));
        assert!(ten.contains(ip("::ffff:10.1.2.3")));
        assert!(!ten.contains(ip("11.0.0.1")));
        assert!(IpRange::new(ip("10.1.0.0"), 8).is_none());
        assert!(IpRange::new(ip("10.0.0.0"), 33).is_none());
        let mapped = IpRange::new(ip("::ffff:10.0.0.0"), 104).unwrap();
        assert_eq!(mapped, ten);
        let all_v6 = IpRange::new(ip("::"), 0).unwrap();
        assert!(all_v6.contains(ip("8.8.8.8")));
        let ula = IpRange::new(ip("fd00::"), 8).unwrap();
        assert!(ula.contains(ip("fd12::1")));
        assert!(!ula.contains(ip("fe80::1")));
        assert_eq!(ula.to_string(), "[fd00::/8]");
        assert_eq!(
            IpRange::single(ip("::ffff:127.0.0.1")).to_string(),
            "127.0.0.1"
        );
    }

    #[test]
    fn the_local_host_class_is_one() {
        for local in [
            "127.0.0.1",
            "127.9.9.9",
            "0.0.0.0",
            "::1",
            "::",
            "::ffff:0.0.0.0",
        ] {
            assert!(is_local_host(ip(local)), "{local}");
        }
        assert!(!is_local_host(ip("10.0.0.1")));
        assert!(IpRange::single(ip("::1")).covers_local_host());
        assert!(IpRange::new(ip("0.0.0.0"), 0).unwrap().covers_local_host());
        assert!(!IpRange::new(ip("10.0.0.0"), 8).unwrap().covers_local_host());
    }

    #[test]
    fn special_classes() {
        for (address, class) in [
            ("127.0.0.1", "loopback"),
            ("::1", "loopback"),
            ("0.0.0.0", "unspecified"),
            ("::", "unspecified"),
            ("10.0.0.1", "private"),
            ("172.31.0.1", "private"),
            ("192.168.1.1", "private"),
            ("fd00::1", "private"),
            ("169.254.169.254", "link-local"),
            ("fe80::1", "link-local"),
            ("100.64.0.1", "shared (CGNAT)"),
            ("224.0.0.1", "multicast"),
            ("ff02::1", "multicast"),
            ("255.255.255.255", "reserved"),
            ("::ffff:169.254.169.254", "link-local"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
            ("2002:7f00:1::", "loopback"),
        ] {
            assert_eq!(special_class(ip(address)), Some(class), "{address}");
        }
        for public in ["8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111"] {
            assert_eq!(special_class(ip(public)), None, "{public}");
        }
    }
}
