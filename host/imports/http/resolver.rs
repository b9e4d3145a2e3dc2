//! Name resolution under the net grant's deny rules.
//!
//! The grant is checked on the name the script asked for before any
//! request is made. That alone would let `--deny-net=169.254.169.254` be
//! bypassed by a name that resolves to that address, so every address the
//! system resolver returns is checked against the deny rules too, after
//! resolution and before connecting (the addresses checked are the ones
//! connected to, so a second lookup cannot rebind the name in between).
//! One denied address refuses the whole answer: picking the allowed ones
//! would let a hostile DNS server choose which the sandbox reaches.

use std::io;
use std::net::IpAddr;
use std::sync::Arc;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

use crate::grants::{Denied, Grants};

/// The system resolver, with the run's net deny rules applied to its
/// answers.
#[derive(Debug)]
pub(super) struct GrantedResolver {
    system: DefaultResolver,
    grants: Arc<Grants>,
}

impl GrantedResolver {
    pub(super) fn new(grants: Arc<Grants>) -> Self {
        GrantedResolver {
            system: DefaultResolver::default(),
            grants,
        }
    }
}

impl Resolver for GrantedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addresses = self.system.resolve(uri, config, timeout)?;
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

/// A resolved address the deny rules forbid, carried through `ureq`'s
/// error so the `send` that asked can report it as a denial.
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
