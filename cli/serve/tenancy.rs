//! Which tenant a request belongs to, in ways the operator can trust: a
//! tenant's configured host names (`[tenants.<id>] hosts`), or the tenant
//! header together with the tenant's credential (`token`, `token_file` or
//! `token_hash`, sent in the token header and compared by hash in constant
//! time). The tenant header alone selects a tenant only when the operator
//! says a trusted front-end sets it (`trust_tenant_header`), and even then
//! not a tenant that has a credential. A tenant asked for and not granted is
//! refused (401/403), never served as the default tenant.

use std::collections::BTreeMap;
use std::path::Path;

use hyper::header::{HeaderMap, HeaderName};

use super::config::{ServeConfig, valid_tenant};
use super::request_headers::{Authority, parse_authority};

/// The shortest credential accepted in the configuration, so that a
/// guessable one is refused at start.
const MIN_TOKEN_LEN: usize = 16;

/// How requests pick their tenant, beyond the tenant header's name.
#[derive(Debug, Clone)]
pub struct Tenancy {
    /// Whether the tenant header alone selects a tenant without a
    /// credential (a trusted front-end sets it).
    pub trust_header: bool,
    /// The request header carrying a tenant's credential; never passed on
    /// to the handler.
    pub token_header: HeaderName,
    /// Host name (lowercase, no port) → tenant id.
    pub by_host: BTreeMap<String, String>,
}

/// A tenant's credential, kept as its BLAKE3 hash only.
#[derive(Debug, Clone)]
pub struct TenantToken(blake3::Hash);

impl TenantToken {
    /// The credential of `[tenants.<id>]` from its `token`, `token_file`
    /// (relative to `base`) or `token_hash` (64 hex digits of the token's
    /// BLAKE3 hash, as `b3sum` prints it), at most one of them.
    pub fn from_config(
        token: Option<String>,
        token_file: Option<&Path>,
        token_hash: Option<&str>,
        base: &Path,
    ) -> Result<Option<Self>, String> {
        let token = match (token, token_file, token_hash) {
            (None, None, None) => return Ok(None),
            (Some(token), None, None) => token,
            (None, Some(path), None) => {
                let path = base.join(path);
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))?;
                text.trim_end_matches(['\r', '\n']).to_owned()
            }
            (None, None, Some(hash)) => {
                return blake3::Hash::from_hex(hash.trim())
                    .map(|hash| Some(TenantToken(hash)))
                    .map_err(|_| "token_hash must be 64 hex digits of a BLAKE3 hash".to_owned());
            }
            _ => return Err("give one of `token`, `token_file` and `token_hash`".to_owned()),
        };
        if token.len() < MIN_TOKEN_LEN || token.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err(format!(
                "a token must be at least {MIN_TOKEN_LEN} printable ASCII characters without \
                 spaces (e.g. `openssl rand -hex 32`)"
            ));
        }
        Ok(Some(TenantToken(blake3::hash(token.as_bytes()))))
    }

    /// Whether `presented` is the credential. `blake3::Hash` compares in
    /// constant time, and hashing first makes the time independent of
    /// where the values differ and of their lengths.
    fn admits(&self, presented: &[u8]) -> bool {
        blake3::hash(presented) == self.0
    }
}

/// Checks a tenant's `hosts` and adds them to `by_host`.
pub fn add_hosts(
    by_host: &mut BTreeMap<String, String>,
    tenant: &str,
    hosts: Vec<String>,
) -> Result<(), String> {
    for host in hosts {
        let parsed = parse_authority(&host)
            .filter(|authority| authority.port.is_none())
            .ok_or_else(|| format!("'{host}' is not a host name or IP address (without port)"))?;
        if let Some(other) = by_host.insert(parsed.host.clone(), tenant.to_owned()) {
            return Err(format!(
                "the host '{}' is already tenant '{other}''s",
                parsed.host
            ));
        }
    }
    Ok(())
}

/// Why a request's tenant was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantRefusal {
    /// The tenant header is malformed or repeated (400).
    BadId,
    /// A tenant was asked for without a credential (401).
    Unauthenticated { tenant: String },
    /// The credential does not admit the tenant, or the tenant cannot be
    /// selected by header at all (403).
    Forbidden { tenant: String },
    /// The tenant header names another tenant than the request's host (403).
    Mismatch { tenant: String, host_tenant: String },
}

impl TenantRefusal {
    /// The reason as logs, metrics and error bodies name it.
    pub fn reason(&self) -> &'static str {
        match self {
            TenantRefusal::BadId => "bad_tenant",
            TenantRefusal::Unauthenticated { .. } => "tenant_unauthenticated",
            TenantRefusal::Forbidden { .. } => "tenant_forbidden",
            TenantRefusal::Mismatch { .. } => "tenant_mismatch",
        }
    }

    /// The tenant the request asked for, if it named one.
    pub fn asked(&self) -> Option<&str> {
        match self {
            TenantRefusal::BadId => None,
            TenantRefusal::Unauthenticated { tenant }
            | TenantRefusal::Forbidden { tenant }
            | TenantRefusal::Mismatch { tenant, .. } => Some(tenant),
        }
    }

    /// What the client is told, naming the headers to fix.
    pub fn message(&self, config: &ServeConfig) -> String {
        let header = &config.tenant_header;
        let token_header = config.tenancy.token_header.as_str();
        match self {
            TenantRefusal::BadId => {
                format!("send one {header} header of 1 to 64 characters of A-Z a-z 0-9 . _ -")
            }
            TenantRefusal::Unauthenticated { tenant } => {
                format!("tenant '{tenant}' needs its credential in the {token_header} header")
            }
            TenantRefusal::Forbidden { tenant } => {
                format!("the {token_header} credential does not admit tenant '{tenant}'")
            }
            TenantRefusal::Mismatch {
                tenant,
                host_tenant,
            } => format!(
                "this host serves tenant '{host_tenant}', but the {header} header asked for \
                 '{tenant}'"
            ),
        }
    }
}

/// The tenant of a request sent to `authority` with `headers`: the tenant
/// whose `hosts` include the request's host, else the one the tenant
/// header names if its credential (or a trusted header) admits it, else
/// none if no tenant was asked for.
pub fn select(
    config: &ServeConfig,
    authority: Option<&Authority>,
    headers: &HeaderMap,
) -> Result<Option<String>, TenantRefusal> {
    let tenancy = &config.tenancy;
    let by_host = authority.and_then(|a| tenancy.by_host.get(&a.host));
    let mut values = headers.get_all(config.tenant_header.as_str()).iter();
    let asked = match (values.next(), values.next()) {
        (None, _) => None,
        (Some(value), None) => Some(
            value
                .to_str()
                .ok()
                .filter(|id| valid_tenant(id))
                .ok_or(TenantRefusal::BadId)?,
        ),
        (Some(_), Some(_)) => return Err(TenantRefusal::BadId),
    };
    let Some(tenant) = asked else {
        return Ok(by_host.cloned());
    };
    if let Some(host_tenant) = by_host {
        if host_tenant != tenant {
            return Err(TenantRefusal::Mismatch {
                tenant: tenant.to_owned(),
                host_tenant: host_tenant.clone(),
            });
        }
        return Ok(Some(host_tenant.clone()));
    }
    let presented = headers.get(&tenancy.token_header).map(|v| v.as_bytes());
    let token = config.tenants.get(tenant).and_then(|t| t.token.as_ref());
    let admitted = match (token, presented) {
        (Some(token), Some(presented)) => token.admits(presented),
        (Some(_), None) => false,
        // Unknown tenants, and tenants without a credential: only a
        // trusted header selects them.
        (None, _) => tenancy.trust_header,
    };
    if admitted {
        Ok(Some(tenant.to_owned()))
    } else if presented.is_none() {
        Err(TenantRefusal::Unauthenticated {
            tenant: tenant.to_owned(),
        })
    } else {
        Err(TenantRefusal::Forbidden {
            tenant: tenant.to_owned(),
        })
    }
}
