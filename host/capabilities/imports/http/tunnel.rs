//! The `CONNECT` tunnel through the operator's proxy ([`NetProxy`]), as
//! the first link of the agent's connector chain.
//!
//! We carry this instead of `ureq`'s own `ConnectProxyConnector` because
//! of a bug in it: with `Proxy::resolve_target` (the only mode where the
//! target is resolved, and so checked, here) ureq 3.5.1 writes the
//! resolved `SocketAddr` and then the port again, `CONNECT
//! 127.0.0.1:443:443`, which every proxy refuses. It can be dropped, for a
//! `ureq::Proxy` with `resolve_target(true)` in the agent's configuration,
//! once a ureq release writes that line as `ip:port` (IPv6 in brackets)
//! and `tests/net_proxy.rs` passes with it.
//!
//! The target's addresses come from the agent's resolver, which checked
//! every one against the rules (`resolver.rs`); the proxy is asked for
//! those, never the name, one after another until it opens a tunnel. The
//! proxy is reached with a plain lookup of its own name: it is the
//! operator's, no rule applies to it. TLS to an `https://` target is the
//! next links' work, over the tunnel, against the target's name.

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};

use ureq::unversioned::transport::{
    Buffers, ChainedConnector, ConnectionDetails, Connector, NextTimeout, RustlsConnector,
    TcpConnector, Transport, TransportAdapter,
};

use super::proxy::NetProxy;
use super::resolver::MAX_ADDRESSES;

/// The most a proxy's answer to `CONNECT` may take, head and all.
const MAX_ANSWER: usize = 16 * 1024;

/// Opens the tunnel when the run has a proxy; without one it leaves the
/// connection to the next link (a direct TCP connection).
#[derive(Debug)]
pub(super) struct ProxyTunnel {
    proxy: Option<NetProxy>,
    /// TCP to the proxy, then TLS for an `https://` proxy.
    to_proxy: ChainedConnector<(), TcpConnector, RustlsConnector>,
}

impl ProxyTunnel {
    pub(super) fn new(proxy: Option<NetProxy>) -> Self {
        ProxyTunnel {
            proxy,
            to_proxy: TcpConnector::default().chain(RustlsConnector::default()),
        }
    }

    /// A tunnel to `target` through a new connection to `proxy`.
    fn open(
        &self,
        proxy: &NetProxy,
        details: &ConnectionDetails,
        target: SocketAddr,
    ) -> Result<Tunnel, ureq::Error> {
        let mut addrs = details.resolver.empty();
        for address in proxy.address().to_socket_addrs()?.take(MAX_ADDRESSES) {
            addrs.push(address);
        }
        if addrs.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        let to_proxy = ConnectionDetails {
            uri: proxy.uri(),
            addrs,
            config: details.config,
            request_level: details.request_level,
            resolver: details.resolver,
            now: details.now,
            timeout: details.timeout,
            current_time: details.current_time.clone(),
            run_connector: details.run_connector.clone(),
            register_shutdown: details.register_shutdown.clone(),
        };
        let connection = self
            .to_proxy
            .connect(&to_proxy, None)?
            .ok_or_else(|| failed("could not be reached"))?;
        let mut writer = TransportAdapter::new(connection.boxed(), details.current_time.clone());
        writer.set_timeout(details.timeout);
        writer.write_all(connect_request(target, proxy.authorization()).as_bytes())?;
        writer.flush()?;
        let mut connection = writer.into_inner();
        let head = read_head(&mut *connection, details.timeout)?;
        let status = head.split(|&b| b == b'\r').next().unwrap_or_default();
        let status = String::from_utf8_lossy(status);
        if !is_success(&status) {
            let status: String = status.chars().take(100).collect();
            return Err(failed(&format!(
                "answered CONNECT {} with '{status}'",
                authority_of(target)
            )));
        }
        connection.buffers().input_consume(head.len());
        Ok(Tunnel(connection))
    }
}

impl Connector for ProxyTunnel {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        _: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(proxy) = &self.proxy else {
            return Ok(None);
        };
        let mut last = ureq::Error::HostNotFound;
        for &target in &details.addrs {
            match self.open(proxy, details, target) {
                Ok(tunnel) => return Ok(Some(Box::new(tunnel))),
                Err(error) => last = error,
            }
        }
        Err(last)
    }
}

/// `ip:port`, IPv6 in brackets (and without a zone, which means nothing
/// to the proxy).
fn authority_of(target: SocketAddr) -> String {
    match target {
        SocketAddr::V4(v4) => format!("{}:{}", v4.ip(), v4.port()),
        SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
    }
}

/// The `CONNECT` request for `target`.
fn connect_request(target: SocketAddr, authorization: Option<&str>) -> String {
    let authority = authority_of(target);
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(authorization) = authorization {
        request.push_str(&format!("Proxy-Authorization: {authorization}\r\n"));
    }
    request.push_str("\r\n");
    request
}

/// Whether a status line says the tunnel is open: any 2xx (RFC 9110,
/// 9.3.6).
fn is_success(status: &str) -> bool {
    let mut parts = status.split(' ');
    parts.next().is_some_and(|v| v.starts_with("HTTP/1."))
        && parts.next().is_some_and(|code| {
            code.len() == 3 && code.starts_with('2') && code.bytes().all(|b| b.is_ascii_digit())
        })
}

/// The proxy's answer up to and including its blank line, left in the
/// buffer: what follows is the tunnel's.
fn read_head(connection: &mut dyn Transport, timeout: NextTimeout) -> Result<Vec<u8>, ureq::Error> {
    loop {
        let input = connection.buffers().input();
        if let Some(end) = input.windows(4).position(|w| w == b"\r\n\r\n") {
            return Ok(input[..end + 4].to_vec());
        }
        if input.len() > MAX_ANSWER {
            return Err(failed("answered CONNECT at too great a length"));
        }
        if !connection.await_input(timeout)? {
            return Err(failed("closed the connection instead of answering CONNECT"));
        }
    }
}

/// A failed tunnel, for the script: it does not name the operator's proxy.
fn failed(why: &str) -> ureq::Error {
    ureq::Error::ConnectProxyFailed(format!("the proxy {why}"))
}

/// The tunnel: the target's bytes over the connection to the proxy. Not
/// TLS to the target even when the proxy connection is TLS, so that the
/// next link wraps an `https://` target in its own TLS.
#[derive(Debug)]
struct Tunnel(Box<dyn Transport>);

impl Transport for Tunnel {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.0.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.0.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.0.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.0.is_open()
    }

    fn is_tls(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxy_is_asked_for_ip_and_port_with_ipv6_in_brackets() {
        let v4: SocketAddr = "93.184.216.34:443".parse().unwrap();
        assert_eq!(
            connect_request(v4, None),
            "CONNECT 93.184.216.34:443 HTTP/1.1\r\nHost: 93.184.216.34:443\r\n\r\n"
        );
        let v6: SocketAddr = "[2606:2800:220:1::248%3]:8443".parse().unwrap();
        assert_eq!(
            connect_request(v6, Some("Basic dTpw")),
            "CONNECT [2606:2800:220:1::248]:8443 HTTP/1.1\r\nHost: [2606:2800:220:1::248]:8443\r\n\
             Proxy-Authorization: Basic dTpw\r\n\r\n"
        );
    }

    #[test]
    fn only_a_2xx_status_opens_the_tunnel() {
        assert!(is_success("HTTP/1.1 200 Connection established"));
        assert!(is_success("HTTP/1.0 200"));
        for refused in [
            "HTTP/1.1 407 Proxy Authentication Required",
            "HTTP/1.1 2000",
            "SSH-2.0",
            "",
        ] {
            assert!(!is_success(refused), "{refused}");
        }
    }
}
