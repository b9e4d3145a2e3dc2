//! Net rules: `host`, `host:port`, `*.domain`, IP addresses and CIDR
//! ranges (`10.0.0.0/8`, `10.0.0.0/8:443`, `fd00::/8`, `[fd00::/8]:443`,
//! `[::1]:3000`).
//!
//! Both sides are normalised the same way before they are compared. Names
//! go through the URL host parser (IDNA to punycode, lowercase) and lose a
//! trailing dot (`example.com.` is `example.com`). Anything the URL parser
//! reads as an IPv4 address (`127.1`, `2130706433`, `0x7f.1`) is that
//! address, and addresses are compared as addresses (`address.rs`: one
//! form per address, the local host class for deny rules). A port is
//! decimal digits only (`:080` is port 80, `:0x50` is refused); a rule
//! without a port covers every port. `*.example.com` covers every
//! subdomain of `example.com` but not `example.com` itself.
//!
//! Allow rules are checked against what the script asked for: a name
//! against name rules, an address against address rules. Deny rules, and
//! the SSRF guard, are also checked against every address a name resolves
//! to (`Grants::check_net_address`).

use std::fmt;
use std::net::IpAddr;

use super::GrantError;
use super::address::{self, IpRange};

/// The host of a request, normalised: a name or an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NetHost {
    /// A domain name: lowercase, punycode, without a trailing dot.
    Name(String),
    /// An IP address, in canonical form (IPv4-mapped IPv6 as IPv4).
    Address(IpAddr),
}

impl NetHost {
    /// The normalised form of a URL's host, or why it names no host: a
    /// name with an empty label (`.example.com`, `a..b`) cannot be resolved
    /// and no rule can be written for it, so it must not reach the rules
    /// (a `*.example.com` deny rule does not cover `.example.com`).
    pub(crate) fn from_url(host: url::Host<&str>) -> Result<NetHost, &'static str> {
        Ok(match host {
            url::Host::Domain(domain) => {
                let name = normalise_name(domain);
                if name.split('.').any(str::is_empty) {
                    return Err("has an empty label (`..` or a leading dot)");
                }
                NetHost::Name(name)
            }
            url::Host::Ipv4(ip) => NetHost::Address(IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => NetHost::Address(address::canonical(IpAddr::V6(ip))),
        })
    }
}

impl fmt::Display for NetHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetHost::Name(name) => f.write_str(name),
            NetHost::Address(ip) => write!(f, "{ip}"),
        }
    }
}

/// One net rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    host: HostMatch,
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostMatch {
    /// A normalised name.
    Name(String),
    /// A domain whose subdomains match (the text after `*.`).
    Subdomains(String),
    /// An address or a range of them.
    Addresses(IpRange),
}

impl HostPattern {
    /// Parses a rule such as `example.com:8080`, `*.example.com` or
    /// `10.0.0.0/8`.
    pub fn parse(rule: &str) -> Result<Self, GrantError> {
        let invalid = |reason: &str| GrantError::Host {
            rule: rule.to_owned(),
            reason: reason.to_owned(),
        };
        if rule.contains(['@', '?', '#', '\\']) || rule.contains("://") {
            return Err(invalid("a rule names a host, not a URL"));
        }
        let (text, wildcard) = match rule.strip_prefix("*.") {
            Some(rest) => (rest, true),
            None => (rule, false),
        };
        let (host, port) = split_port(text).map_err(|reason| invalid(&reason))?;
        let port = port
            .map(|port| parse_port(port).map_err(|reason| invalid(&reason)))
            .transpose()?;
        let (host, prefix) = match host.split_once('/') {
            Some((host, prefix)) => (host, Some(prefix)),
            None => (host.as_str(), None),
        };
        let parsed = url::Host::parse(host).map_err(|e| invalid(&e.to_string()))?;
        let host = match (parsed, wildcard, prefix) {
            (url::Host::Domain(domain), _, None) => {
                let name = normalise_name(&domain);
                if name.is_empty() {
                    return Err(invalid("the host is empty"));
                }
                // `a..b` or `a..` has no normal form that parses back to it
                // (the trailing dot of a fully qualified name is dropped).
                if name.split('.').any(str::is_empty) {
                    return Err(invalid(
                        "the host has an empty label (`..` or a leading dot); \
                         write each dot-separated part",
                    ));
                }
                match wildcard {
                    true => HostMatch::Subdomains(name),
                    false => HostMatch::Name(name),
                }
            }
            (url::Host::Domain(_), _, Some(_)) => {
                return Err(invalid("a `/prefix` length follows an IP address only"));
            }
            (_, true, _) => return Err(invalid("a wildcard applies to domain names only")),
            (url::Host::Ipv4(ip), false, prefix) => {
                HostMatch::Addresses(range(IpAddr::V4(ip), prefix).map_err(|r| invalid(&r))?)
            }
            (url::Host::Ipv6(ip), false, prefix) => {
                HostMatch::Addresses(range(IpAddr::V6(ip), prefix).map_err(|r| invalid(&r))?)
            }
        };
        Ok(HostPattern { host, port })
    }

    /// Whether the rule covers a request to `host` on `port`, address
    /// against address. Used by allow rules, which stay exact.
    pub(crate) fn matches(&self, host: &NetHost, port: u16) -> bool {
        self.port.is_none_or(|p| p == port)
            && match (&self.host, host) {
                (HostMatch::Name(rule), NetHost::Name(name)) => rule == name,
                (HostMatch::Subdomains(domain), NetHost::Name(name)) => name
                    .strip_suffix(domain.as_str())
                    .is_some_and(|rest| rest.len() > 1 && rest.ends_with('.')),
                (HostMatch::Addresses(range), NetHost::Address(ip)) => range.contains(*ip),
                _ => false,
            }
    }

    /// Whether the rule, as a deny rule, covers `host` on `port`: as
    /// [`matches`](Self::matches), and a rule covering any address of the
    /// local host class covers all of it.
    pub(crate) fn denies(&self, host: &NetHost, port: u16) -> bool {
        self.matches(host, port)
            || match (&self.host, host) {
                (HostMatch::Addresses(range), NetHost::Address(ip)) => {
                    self.port.is_none_or(|p| p == port)
                        && address::is_local_host(*ip)
                        && range.covers_local_host()
                }
                _ => false,
            }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            HostMatch::Name(name) => f.write_str(name)?,
            HostMatch::Subdomains(domain) => write!(f, "*.{domain}")?,
            HostMatch::Addresses(range) => write!(f, "{range}")?,
        }
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

/// `host:port`, with brackets around an IPv6 address.
pub(crate) fn target(host: &NetHost, port: u16) -> String {
    match host {
        NetHost::Address(IpAddr::V6(ip)) => format!("[{ip}]:{port}"),
        other => format!("{other}:{port}"),
    }
}

/// A name as rules compare it: lowercase, without one trailing dot (the
/// fully qualified spelling of the same name).
fn normalise_name(name: &str) -> String {
    let name = name.strip_suffix('.').unwrap_or(name);
    name.to_ascii_lowercase()
}

/// Splits `text` into its host (brackets kept for `url::Host::parse`, a
/// `/prefix` moved inside them out) and its port text.
fn split_port(text: &str) -> Result<(String, Option<&str>), String> {
    if let Some(rest) = text.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or("an IPv6 address opened with `[` needs its `]`")?;
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or("expected `:port` after `]`")?,
            ),
        };
        let host = match inside.split_once('/') {
            Some((ip, prefix)) => format!("[{ip}]/{prefix}"),
            None => format!("[{inside}]"),
        };
        return Ok((host, port));
    }
    if text.matches(':').count() > 1 {
        // A bare IPv6 address or range: no port without brackets.
        return Ok(match text.split_once('/') {
            Some((ip, prefix)) => (format!("[{ip}]/{prefix}"), None),
            None => (format!("[{text}]"), None),
        });
    }
    Ok(match text.split_once(':') {
        Some((host, port)) => (host.to_owned(), Some(port)),
        None => (text.to_owned(), None),
    })
}

/// A port: 1 to 65535 in decimal digits (leading zeros allowed).
fn parse_port(text: &str) -> Result<u16, String> {
    let bad = || format!("the port '{text}' is not a number from 1 to 65535");
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let digits = text.trim_start_matches('0');
    match digits.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(bad()),
    }
}

/// The range `ip/prefix`, or the single address.
fn range(ip: IpAddr, prefix: Option<&str>) -> Result<IpRange, String> {
    let Some(prefix) = prefix else {
        return Ok(IpRange::single(ip));
    };
    let length = prefix
        .parse::<u8>()
        .ok()
        .filter(|_| prefix.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!("the prefix length '/{prefix}' is not a number"))?;
    IpRange::new(ip, length).ok_or_else(|| {
        format!(
            "'{ip}/{prefix}' is not a network: the length is too long or bits after it are \
             set"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> NetHost {
        NetHost::Name(text.to_owned())
    }

    fn address(text: &str) -> NetHost {
        let url = url::Url::parse(&format!("http://{text}/")).unwrap();
        NetHost::from_url(url.host().unwrap()).unwrap()
    }

    #[test]
    fn rules_match_hosts_and_ports() {
        let rule = HostPattern::parse("Example.COM:8080").unwrap();
        assert!(rule.matches(&name("example.com"), 8080));
        assert!(!rule.matches(&name("example.com"), 443));
        let any_port = HostPattern::parse("127.0.0.1").unwrap();
        assert!(any_port.matches(&address("127.0.0.1"), 1234));
        let wildcard = HostPattern::parse("*.example.com").unwrap();
        assert!(wildcard.matches(&name("a.b.example.com"), 443));
        assert!(!wildcard.matches(&name("example.com"), 443));
        assert!(!wildcard.matches(&name("badexample.com"), 443));
        let v6 = HostPattern::parse("[::1]:3000").unwrap();
        assert!(v6.matches(&address("[::1]"), 3000));
        assert_eq!(v6.to_string(), "[::1]:3000");
        assert_eq!(HostPattern::parse("x:80").unwrap().to_string(), "x:80");
        assert!(HostPattern::parse("*.127.0.0.1").is_err());
    }

    #[test]
    fn names_are_normalised_on_both_sides() {
        let rule = HostPattern::parse("Admin.Example.com.").unwrap();
        assert_eq!(rule.to_string(), "admin.example.com");
        let url = url::Url::parse("http://ADMIN.example.COM./").unwrap();
        assert!(rule.denies(&NetHost::from_url(url.host().unwrap()).unwrap(), 80));
        let idn = HostPattern::parse("bücher.example").unwrap();
        assert_eq!(idn.to_string(), "xn--bcher-kva.example");
        let url = url::Url::parse("http://BÜCHER.example/").unwrap();
        assert!(idn.matches(&NetHost::from_url(url.host().unwrap()).unwrap(), 80));
    }

    #[test]
    fn request_hosts_with_empty_labels_are_refused() {
        // Found by the `grant_deny_wins` fuzz target (seed
        // 0xb4cea229791d9157): `.xn--…` passed a `*.` deny rule.
        for bad in [".example.com", "a..example.com", ".", ".."] {
            let url = url::Url::parse(&format!("http://{bad}/")).unwrap();
            assert!(NetHost::from_url(url.host().unwrap()).is_err(), "{bad}");
        }
        let fqdn = url::Url::parse("http://example.com./").unwrap();
        assert_eq!(
            NetHost::from_url(fqdn.host().unwrap()),
            Ok(name("example.com"))
        );
    }

    #[test]
    fn names_with_empty_labels_are_refused() {
        // Found by the `grant_rules` fuzz target: `a..` displayed as `a.`,
        // which parses as `a`, so the normal form was not a fixed point.
        for bad in ["a..", "-1..", "%2e%2e:80", ".example.com", "a..b", "*.a..b"] {
            assert!(HostPattern::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            HostPattern::parse("example.com.").unwrap().to_string(),
            "example.com"
        );
    }

    #[test]
    fn ports_are_decimal_numbers() {
        let rule = HostPattern::parse("host:080").unwrap();
        assert_eq!(rule.to_string(), "host:80");
        assert!(rule.matches(&name("host"), 80));
        assert!(!rule.matches(&name("host"), 8080));
        for bad in [
            "host:0x50",
            "host:",
            "host:+80",
            "host:0",
            "host:65536",
            "[::1]:x",
        ] {
            assert!(HostPattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_spelling_of_the_local_host_is_denied_by_one_rule() {
        let rule = HostPattern::parse("127.0.0.1").unwrap();
        for spelling in [
            "0.0.0.0",
            "[::]",
            "[::ffff:0.0.0.0]",
            "[::1]",
            "127.1",
            "2130706433",
            "0x7f.1",
            "[::ffff:127.0.0.1]",
            "127.0.0.2",
        ] {
            assert!(rule.denies(&address(spelling), 80), "{spelling}");
        }
        assert!(!rule.denies(&address("10.0.0.1"), 80));
        // Allow rules stay exact: the same address in any spelling.
        assert!(rule.matches(&address("0x7f.1"), 80));
        assert!(!rule.matches(&address("[::1]"), 80));
        let v6 = HostPattern::parse("[::1]").unwrap();
        assert!(v6.denies(&address("127.0.0.1"), 80));
    }

    #[test]
    fn cidr_ranges_with_and_without_ports() {
        let ten = HostPattern::parse("10.0.0.0/8").unwrap();
        assert!(ten.matches(&address("10.9.8.7"), 1));
        assert!(!ten.matches(&address("11.0.0.1"), 1));
        let ula = HostPattern::parse("fd00::/8").unwrap();
        assert!(ula.matches(&address("[fd12::1]"), 443));
        assert_eq!(ula.to_string(), "[fd00::/8]");
        let with_port = HostPattern::parse("[fd00::/8]:443").unwrap();
        assert!(with_port.matches(&address("[fd12::1]"), 443));
        assert!(!with_port.matches(&address("[fd12::1]"), 80));
        let v4_port = HostPattern::parse("192.168.0.0/16:8080").unwrap();
        assert_eq!(v4_port.to_string(), "192.168.0.0/16:8080");
        for bad in [
            "10.1.0.0/8",
            "10.0.0.0/33",
            "10.0.0.0/x",
            "example.com/8",
            "*.10.0.0.0/8",
        ] {
            assert!(HostPattern::parse(bad).is_err(), "{bad}");
        }
        let loopback_range = HostPattern::parse("127.0.0.0/8").unwrap();
        assert!(loopback_range.denies(&address("[::]"), 80));
    }
}
