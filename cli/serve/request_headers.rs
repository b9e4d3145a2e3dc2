//! What a request says about itself, read from its headers for the run's
//! context, its URL and the log line: its id (`x-request-id`), its W3C
//! trace parent, its locale and the authority it was sent to (`Host`).
//! Each is kept only when well-formed, since the script and the logs see
//! it; a `Host` that is not is refused, since the URL is built from it.

use std::net::Ipv6Addr;

use hyper::header::{self, HeaderMap, HeaderName};
use hyper::http::request::Parts;
use hyper::{Method, Version};

/// The header that carries a request's id, in and out.
pub(super) const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The incoming `x-request-id` when it is 1 to 128 characters of
/// `A-Z a-z 0-9 . _ -` (a shape no log format or header needs to escape),
/// else a fresh UUID v4. Only the first such header counts.
pub(super) fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| {
            (1..=128).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

/// The W3C `traceparent` header, when it is well-formed (version 00 layout,
/// lowercase hex, trace and parent ids not all zeros, version not `ff`).
pub(super) fn trace_parent(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("traceparent")?.to_str().ok()?;
    let fields: Vec<&str> = value.split('-').collect();
    let hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let nonzero = |s: &str| s.bytes().any(|b| b != b'0');
    match fields.as_slice() {
        [version, trace, parent, flags]
            if hex(version, 2)
                && *version != "ff"
                && hex(trace, 32)
                && nonzero(trace)
                && hex(parent, 16)
                && nonzero(parent)
                && hex(flags, 2) =>
        {
            Some(value.to_owned())
        }
        _ => None,
    }
}

/// The first language of `accept-language`, if it is a plausible BCP 47 tag.
pub(super) fn locale(headers: &[(String, String)]) -> Option<String> {
    let value = headers
        .iter()
        .find(|(name, _)| name == "accept-language")
        .map(|(_, value)| value)?;
    let tag = value.split(',').next()?.split(';').next()?.trim();
    let plausible = (1..=35).contains(&tag.len())
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && tag.bytes().next().is_some_and(|b| b.is_ascii_alphabetic());
    plausible.then(|| tag.to_owned())
}

/// The authority a request was sent to: a lowercase host name or IPv4
/// address (without a trailing dot) or a bracketed IPv6 address, and the
/// port, when one was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Authority {
    pub host: String,
    pub port: Option<u16>,
}

impl std::fmt::Display for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            Some(port) => write!(f, "{}:{port}", self.host),
            None => f.write_str(&self.host),
        }
    }
}

/// Why a request's `Host` or target was refused (400).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(super) enum BadHost {
    #[error("the request has more than one Host header; send exactly one")]
    Several,
    #[error("an HTTP/1.1 request needs a Host header naming the server")]
    Missing,
    #[error(
        "the Host header must be a host name or IP address with an optional numeric port, \
         without user info, path or spaces"
    )]
    Invalid,
    #[error("the Host header differs from the authority of the absolute request URL")]
    Mismatch,
    #[error("the request target must be a path starting with / or an absolute http URL")]
    Target,
}

/// The authority the request's URL is built on: its `Host`, checked (and
/// agreeing with an absolute-form request URL, if that was sent). `None`
/// for an HTTP/1.0 request without either: the server then names itself.
pub(super) fn authority(parts: &Parts) -> Result<Option<Authority>, BadHost> {
    let mut hosts = parts.headers.get_all(header::HOST).iter();
    let host = match (hosts.next(), hosts.next()) {
        (Some(_), Some(_)) => return Err(BadHost::Several),
        (Some(value), None) => Some(
            value
                .to_str()
                .ok()
                .and_then(parse_authority)
                .ok_or(BadHost::Invalid)?,
        ),
        (None, _) => None,
    };
    let uri = &parts.uri;
    let absolute = match (uri.scheme_str(), uri.authority()) {
        (Some("http" | "https"), Some(authority)) => {
            Some(parse_authority(authority.as_str()).ok_or(BadHost::Invalid)?)
        }
        (None, None) if uri.path().starts_with('/') && parts.method != Method::CONNECT => None,
        _ => return Err(BadHost::Target),
    };
    match (host, absolute) {
        (Some(host), Some(absolute)) if host != absolute => Err(BadHost::Mismatch),
        (Some(host), _) => Ok(Some(host)),
        (None, Some(absolute)) => Ok(Some(absolute)),
        (None, None) if parts.version == Version::HTTP_11 => Err(BadHost::Missing),
        (None, None) => Ok(None),
    }
}

/// Parses `host[:port]` strictly: no user info, path, percent-encoding or
/// spaces; a port of 1 to 5 digits that fits 16 bits.
pub(super) fn parse_authority(text: &str) -> Option<Authority> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (address, after) = rest.split_once(']')?;
        let address: Ipv6Addr = address.parse().ok()?;
        let port = match after {
            "" => None,
            after => Some(after.strip_prefix(':')?),
        };
        (format!("[{address}]"), port)
    } else {
        let (host, port) = match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        };
        let host = host.strip_suffix('.').unwrap_or(host);
        let name_like = (1..=253).contains(&host.len())
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        if !name_like {
            return None;
        }
        (host.to_ascii_lowercase(), port)
    };
    let port = match port {
        None => None,
        Some(port) if (1..=5).contains(&port.len()) && port.bytes().all(|b| b.is_ascii_digit()) => {
            Some(port.parse::<u16>().ok()?)
        }
        Some(_) => return None,
    };
    Some(Authority { host, port })
}

#[cfg(test)]
mod tests {
    use hyper::header::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn request_ids_are_kept_only_when_safe() {
        assert_eq!(
            request_id(&headers(&[("x-request-id", "abc-123_x.Y")])),
            "abc-123_x.Y"
        );
        for unsafe_id in ["no spaces", "abc-123:x", "a=b", "\"quoted\""] {
            let generated = request_id(&headers(&[("x-request-id", unsafe_id)]));
            assert!(uuid::Uuid::parse_str(&generated).is_ok(), "{unsafe_id}");
        }
        assert!(uuid::Uuid::parse_str(&request_id(&HeaderMap::new())).is_ok());
    }

    #[test]
    fn traceparent_must_be_well_formed() {
        let good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(
            trace_parent(&headers(&[("traceparent", good)])).as_deref(),
            Some(good)
        );
        for bad in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        ] {
            assert_eq!(
                trace_parent(&headers(&[("traceparent", bad)])),
                None,
                "{bad}"
            );
        }
    }

    #[test]
    fn locale_is_the_first_language() {
        let of = |v: &str| locale(&[("accept-language".to_owned(), v.to_owned())]);
        assert_eq!(of("de-CH, de;q=0.9, en;q=0.8").as_deref(), Some("de-CH"));
        assert_eq!(of("fr;q=0.5").as_deref(), Some("fr"));
        assert_eq!(of("*"), None);
        assert_eq!(of("<script>"), None);
    }

    #[test]
    fn hosts_are_parsed_strictly_and_normalised() {
        let parsed = |text: &str| parse_authority(text).map(|a| a.to_string());
        assert_eq!(parsed("Example.COM:080").as_deref(), Some("example.com:80"));
        assert_eq!(parsed("example.com.").as_deref(), Some("example.com"));
        assert_eq!(parsed("127.0.0.1:8080").as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(parsed("[::1]:9").as_deref(), Some("[::1]:9"));
        assert_eq!(parsed("[0:0::1]").as_deref(), Some("[::1]"));
        for bad in [
            "a@b",
            "user:pw@host",
            "host/path",
            "host?q",
            "host#f",
            "ho st",
            "host:",
            "host:x",
            "host:65536",
            "host:123456",
            "",
            ":80",
            "[::1",
            "[::1]x",
            "[zz::1]",
            "[fe80::1%eth0]",
            "a:1:2",
            "host\\x",
            "h%41st",
        ] {
            assert_eq!(parsed(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_host_must_be_single_and_agree_with_an_absolute_target() {
        let parts = |target: &str, hosts: &[&str], version: Version| {
            let mut builder = hyper::Request::builder().uri(target).version(version);
            for host in hosts {
                builder = builder.header("host", *host);
            }
            builder.body(()).unwrap().into_parts().0
        };
        let v11 = Version::HTTP_11;
        let ok = authority(&parts("/x", &["A.example:8080"], v11)).unwrap();
        assert_eq!(ok.unwrap().to_string(), "a.example:8080");
        let errors = [
            (parts("/x", &["a", "b"], v11), BadHost::Several),
            (parts("/x", &[], v11), BadHost::Missing),
            (parts("/x", &["a@b"], v11), BadHost::Invalid),
            (parts("/x", &[""], v11), BadHost::Invalid),
            (parts("http://a/x", &["b"], v11), BadHost::Mismatch),
            (parts("http://u@a/x", &["a"], v11), BadHost::Invalid),
            (parts("*", &["a"], v11), BadHost::Target),
            (parts("ftp://a/x", &["a"], v11), BadHost::Target),
        ];
        for (parts, error) in errors {
            assert_eq!(authority(&parts), Err(error), "{:?}", parts.uri);
        }
        let absolute = authority(&parts("http://a.example/x", &[], v11)).unwrap();
        assert_eq!(absolute.unwrap().host, "a.example");
        assert_eq!(authority(&parts("/x", &[], Version::HTTP_10)), Ok(None));
    }
}
