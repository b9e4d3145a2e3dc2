//! Net rules: `host`, `host:port`, `*.domain`, IP addresses (`[v6]:port`).
//!
//! Host names are compared case-insensitively, after the host has been
//! parsed out of the request's URL by the `url` crate (so IDNA and IP
//! spellings are normalized the same way on both sides). A rule without a
//! port allows every port; `*.example.com` allows every subdomain of
//! `example.com` but not `example.com` itself. Allow rules are checked
//! against the name the script asked for; deny rules also against every
//! address that name resolves to (`Grants::check_net_address`), so a name
//! pointing at a denied address does not reach it.

use std::fmt;

use super::GrantError;

/// One net rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    host: HostMatch,
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostMatch {
    /// The normalized host, as `url` serializes it (IPv6 without brackets).
    Exact(String),
    /// A domain whose subdomains match (the text after `*.`).
    Subdomains(String),
}

impl HostPattern {
    /// Parses a rule such as `example.com:8080` or `*.example.com`.
    pub fn parse(rule: &str) -> Result<Self, GrantError> {
        let invalid = |reason: &str| GrantError::Host {
            rule: rule.to_owned(),
            reason: reason.to_owned(),
        };
        let (host_part, wildcard) = match rule.strip_prefix("*.") {
            Some(rest) => (rest, true),
            None => (rule, false),
        };
        if host_part.contains(['/', '@', '?', '#']) {
            return Err(invalid("a rule names a host, not a URL"));
        }
        // Let the URL parser split off the port and normalize the host.
        let url = url::Url::parse(&format!("http://{host_part}/"))
            .map_err(|e| invalid(&e.to_string()))?;
        let host = match url.host() {
            Some(url::Host::Domain(domain)) => domain.to_owned(),
            Some(url::Host::Ipv4(ip)) if !wildcard => ip.to_string(),
            Some(url::Host::Ipv6(ip)) if !wildcard => ip.to_string(),
            _ => return Err(invalid("a wildcard applies to domain names only")),
        };
        // `url` drops the scheme's default port, so `host:80` must be read
        // back from the text.
        let port = url
            .port()
            .or_else(|| host_part.ends_with(":80").then_some(80));
        Ok(HostPattern {
            host: if wildcard {
                HostMatch::Subdomains(host)
            } else {
                HostMatch::Exact(host)
            },
            port,
        })
    }

    /// Whether a request to `host` (normalized like the rule's host) on
    /// `port` matches.
    pub(crate) fn matches(&self, host: &str, port: u16) -> bool {
        let host_matches = match &self.host {
            HostMatch::Exact(exact) => exact.eq_ignore_ascii_case(host),
            HostMatch::Subdomains(domain) => {
                host.len().checked_sub(domain.len() + 1).is_some_and(|dot| {
                    host.as_bytes()[dot] == b'.' && host[dot + 1..].eq_ignore_ascii_case(domain)
                })
            }
        };
        host_matches && self.port.is_none_or(|p| p == port)
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = match &self.host {
            HostMatch::Exact(host) => host.clone(),
            HostMatch::Subdomains(domain) => format!("*.{domain}"),
        };
        match self.port {
            Some(port) => f.write_str(&target(&host, port)),
            None if host.contains(':') => write!(f, "[{host}]"),
            None => f.write_str(&host),
        }
    }
}

/// `host:port`, with brackets around an IPv6 address.
pub(crate) fn target(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_hosts_and_ports() {
        let rule = HostPattern::parse("Example.COM:8080").unwrap();
        assert!(rule.matches("example.com", 8080));
        assert!(!rule.matches("example.com", 443));
        let any_port = HostPattern::parse("127.0.0.1").unwrap();
        assert!(any_port.matches("127.0.0.1", 1234));
        let wildcard = HostPattern::parse("*.example.com").unwrap();
        assert!(wildcard.matches("a.b.example.com", 443));
        assert!(!wildcard.matches("example.com", 443));
        assert!(!wildcard.matches("badexample.com", 443));
        let v6 = HostPattern::parse("[::1]:3000").unwrap();
        assert!(v6.matches("::1", 3000));
        assert_eq!(v6.to_string(), "[::1]:3000");
        assert_eq!(HostPattern::parse("x:80").unwrap().to_string(), "x:80");
        assert!(HostPattern::parse("*.127.0.0.1").is_err());
    }
}
