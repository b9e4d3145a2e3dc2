//! The operator's outgoing proxy for `fetch`, [`NetProxy`].
//!
//! Without one, `fetch` connects directly: proxy environment variables
//! (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`) are ignored,
//! because through such a proxy the target would never be resolved here
//! and no address rule could hold. With one, every request goes through
//! it as an HTTP `CONNECT` tunnel (`tunnel.rs`), but the target's name is
//! still resolved here, every address checked against the rules and the
//! SSRF guard, and the tunnel asked for the checked address
//! (`CONNECT 93.184.216.34:443`), never the name, so the proxy cannot
//! resolve it to anything else. The proxy itself is the operator's and no
//! rule applies to it; it must allow `CONNECT` to the ports the grants
//! allow.

use std::fmt;

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use ureq::http::Uri;

/// An HTTP `CONNECT` proxy every `fetch` of a run goes through: see
/// [`RunOptions::with_net_proxy`](crate::RunOptions::with_net_proxy).
#[derive(Clone)]
pub struct NetProxy {
    /// `http://host:port` or `https://host:port`, without credentials.
    uri: Uri,
    /// Its host (an IPv6 address without brackets) and port, to connect to.
    host: String,
    port: u16,
    /// The URI, for messages.
    shown: String,
    /// The `Proxy-Authorization` value, from the URL's credentials.
    authorization: Option<String>,
}

/// Why a proxy URL was refused.
#[derive(Debug, thiserror::Error)]
#[error(
    "invalid proxy URL '{url}': {reason}; expected http://[user:password@]host:port or \
     https://host:port"
)]
pub struct NetProxyError {
    url: String,
    reason: String,
}

impl NetProxy {
    /// Parses `http://host:port` or `https://host:port`, with optional
    /// `user:password@` (sent as `Proxy-Authorization: Basic`).
    pub fn parse(text: &str) -> Result<NetProxy, NetProxyError> {
        let invalid = |reason: &str| NetProxyError {
            url: text.to_owned(),
            reason: reason.to_owned(),
        };
        let url = url::Url::parse(text).map_err(|e| invalid(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid(&format!(
                "the scheme '{}:' is not a CONNECT proxy",
                url.scheme()
            )));
        }
        if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("a proxy URL has no path, query or fragment"));
        }
        let (host, shown_host) = match url.host() {
            Some(url::Host::Ipv6(ip)) => (ip.to_string(), format!("[{ip}]")),
            Some(host) => (host.to_string(), host.to_string()),
            None => return Err(invalid("the URL has no host")),
        };
        let port = url.port_or_known_default().unwrap_or(80);
        let shown = format!("{}://{shown_host}:{port}", url.scheme());
        let uri = shown
            .parse()
            .map_err(|e: ureq::http::uri::InvalidUri| invalid(&e.to_string()))?;
        let decode = |part: &str| {
            percent_encoding::percent_decode_str(part)
                .decode_utf8()
                .map(|decoded| decoded.into_owned())
                .map_err(|_| invalid("the credentials are not valid UTF-8"))
        };
        let authorization = if url.username().is_empty() && url.password().is_none() {
            None
        } else {
            let user = decode(url.username())?;
            let password = decode(url.password().unwrap_or_default())?;
            let credentials = BASE64_STANDARD.encode(format!("{user}:{password}"));
            Some(format!("Basic {credentials}"))
        };
        Ok(NetProxy {
            uri,
            host,
            port,
            shown,
            authorization,
        })
    }

    /// `http://host:port` or `https://host:port`.
    pub(super) fn uri(&self) -> &Uri {
        &self.uri
    }

    /// Where to connect to reach it.
    pub(super) fn address(&self) -> (&str, u16) {
        (&self.host, self.port)
    }

    pub(super) fn authorization(&self) -> Option<&str> {
        self.authorization.as_deref()
    }
}

impl fmt::Display for NetProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for NetProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("NetProxy").field(&self.shown).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_are_checked_and_shown_without_credentials() {
        let proxy = NetProxy::parse("http://user:p%40ss@127.0.0.1:3128").unwrap();
        assert_eq!(proxy.to_string(), "http://127.0.0.1:3128");
        // base64("user:p@ss")
        assert_eq!(proxy.authorization(), Some("Basic dXNlcjpwQHNz"));
        assert_eq!(
            NetProxy::parse("https://proxy.example")
                .unwrap()
                .to_string(),
            "https://proxy.example:443"
        );
        assert_eq!(
            NetProxy::parse("http://[::1]:8080").unwrap().to_string(),
            "http://[::1]:8080"
        );
        for bad in [
            "socks5://127.0.0.1:1080",
            "http://host:1/path",
            "nonsense",
            "http://",
        ] {
            assert!(NetProxy::parse(bad).is_err(), "{bad}");
        }
    }
}
