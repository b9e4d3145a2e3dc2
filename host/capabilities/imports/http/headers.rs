//! What of a script's request the host sends: the Fetch standard's
//! forbidden methods are refused and its forbidden request headers
//! dropped, here on the host, since the guest's own checks are the
//! script's to bypass.
//!
//! The header list is the standard's (Fetch §2.2.2, "forbidden request-
//! header"): these names, any name starting with `Proxy-` or `Sec-`, and
//! the method-override headers when they name a forbidden method. They
//! are dropped silently, as browsers do, so a script forwarding the
//! headers of the request it serves still works; the host writes `Host`,
//! `Content-Length`, `Transfer-Encoding`, `Accept-Encoding` and
//! `Connection` itself. Without this, a script could set `Host` to reach
//! another virtual host of an allowed front-end than the one the grant
//! names, or smuggle a second request with its own framing headers.

/// Header names a script may not set (lowercase).
const FORBIDDEN_NAMES: [&str; 21] = [
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
];

/// Headers that forbid themselves only when they name a forbidden method.
const METHOD_OVERRIDES: [&str; 3] = [
    "x-http-method",
    "x-http-method-override",
    "x-method-override",
];

/// Methods no request may use (`CONNECT` would open a tunnel through a
/// proxy; `TRACE` and `TRACK` echo the request back).
const FORBIDDEN_METHODS: [&str; 3] = ["connect", "trace", "track"];

/// Whether `method` is one a script may not send.
pub(super) fn forbidden_method(method: &str) -> bool {
    FORBIDDEN_METHODS
        .iter()
        .any(|forbidden| forbidden.eq_ignore_ascii_case(method.trim()))
}

/// Whether the header `name: value` is a forbidden request header.
pub(super) fn forbidden_header(name: &str, value: &str) -> bool {
    let name = name.to_ascii_lowercase();
    FORBIDDEN_NAMES.contains(&name.as_str())
        || name.starts_with("proxy-")
        || name.starts_with("sec-")
        || (METHOD_OVERRIDES.contains(&name.as_str()) && value.split(',').any(forbidden_method))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standards_forbidden_headers_and_methods() {
        for (name, value) in [
            ("Host", "internal.example"),
            ("content-length", "5"),
            ("Transfer-Encoding", "chunked"),
            ("Proxy-Authorization", "Basic x"),
            ("Sec-Fetch-Site", "none"),
            ("Cookie", "a=b"),
            ("X-HTTP-Method-Override", "GET, TRACE"),
        ] {
            assert!(forbidden_header(name, value), "{name}");
        }
        for (name, value) in [
            ("Authorization", "Bearer x"),
            ("Content-Type", "text/plain"),
            ("User-Agent", "me"),
            ("X-HTTP-Method-Override", "PATCH"),
            ("hostname", "x"),
        ] {
            assert!(!forbidden_header(name, value), "{name}");
        }
        assert!(forbidden_method("CONNECT"));
        assert!(forbidden_method("track"));
        assert!(!forbidden_method("PATCH"));
    }
}
