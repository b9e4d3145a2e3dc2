//! Name resolution under the net grant's deny rules and SSRF guard.
//!
//! The grant is checked on the name the script asked for before any
//! request is made. That alone would let `--deny-net=169.254.169.254` be
//! bypassed by a name that resolves to that address, so every address the
//! system resolver returns is checked too (deny rules and the SSRF guard),
//! after resolution and before connecting. The addresses checked are the
//! ones `ureq` connects to (`ConnectionDetails::addrs`), or with a proxy
//! the ones its `CONNECT` names (`tunnel.rs`), so no second lookup can
//! rebind the name in between. The proxy itself is never looked up here. One refused address refuses the whole
//! answer: picking the allowed ones would let a hostile DNS server choose
//! which the sandbox reaches.
//!
//! The lookup runs on the run's fetch worker (`exchange.rs`) and blocks
//! it; `ureq`'s own resolver would start a thread per lookup to time it.

use std::io;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::Arc;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

use crate::capabilities::grants::{Denied, Grants};

/// How many addresses a `ResolvedSocketAddrs` holds (as `ureq`'s own
/// resolver keeps).
pub(super) const MAX_ADDRESSES: usize = 16;

/// The system resolver, with the run's net rules applied to its answers.
#[derive(Debug)]
pub(super) struct GrantedResolver {
    grants: Arc<Grants>,
}

impl GrantedResolver {
    pub(super) fn new(grants: Arc<Grants>) -> Self {
        GrantedResolver { grants }
    }

    /// The addresses `uri`'s host and port resolve to.
    fn lookup(&self, uri: &Uri) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            return Err(ureq::Error::BadUri(uri.to_string()));
        };
        let host_and_port = DefaultResolver::host_and_port(scheme, authority)
            .ok_or_else(|| ureq::Error::BadUri(uri.to_string()))?;
        let mut addresses = self.empty();
        for address in host_and_port.to_socket_addrs()?.take(MAX_ADDRESSES) {
            addresses.push(address);
        }
        if addresses.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        Ok(addresses)
    }
}

impl Resolver for GrantedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        _config: &Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addresses = self.lookup(uri)?;
        let name = uri.host().unwrap_or_default();
        for address in &addresses {
            if let Err(denied) = self
                .grants
                .check_net_address(name, address.ip(), address.port())
            {
                return Err(ureq::Error::Io(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    DeniedAddress {
                        address: address.ip(),
                        port: address.port(),
                        denied,
                    },
                )));
            }
        }
        Ok(addresses)
    }
}

/// A resolved address the rules forbid, carried through `ureq`'s error so
/// the `send` that asked can report it as a denial.
#[derive(Debug)]
pub(super) struct DeniedAddress {
    /// The forbidden address and port, for the audit log's target.
    pub address: IpAddr,
    pub port: u16,
    pub denied: Denied,
}

impl std::fmt::Display for DeniedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.denied.message)
    }
}

impl std::error::Error for DeniedAddress {}

impl DeniedAddress {
    /// The denial inside `error`, if the resolver refused the name.
    pub(super) fn find(error: &ureq::Error) -> Option<&DeniedAddress> {
        match error {
            ureq::Error::Io(io) => io.get_ref()?.downcast_ref(),
            _ => None,
        }
    }
}
