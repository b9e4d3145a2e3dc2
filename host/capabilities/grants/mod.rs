//! Per-run permission grants: which paths a script may read and write,
//! which hosts it may reach, which environment variables it may see, which
//! of the embedder's host modules (`host:db`) it may use.
//!
//! A [`Grants`] is built with [`Grants::builder`] (the CLI maps Deno-style
//! `--allow-*`/`--deny-*` flags onto it) and given to a run through
//! [`RunOptions::grants`](crate::RunOptions). The default grants nothing.
//! Deny rules win over allow rules. Paths are compared in their canonical
//! form (`path.rs`), hosts by name or address and port (`net.rs`, with
//! addresses compared as addresses in `address.rs`), variables by name or
//! `PREFIX*` pattern. jsbox's own state (`host.rs`) is refused before any
//! rule.
//!
//! The **SSRF guard** (on unless [`GrantsBuilder::ssrf_guard`] turns it
//! off) keeps a script from reaching the machine's own or its network's
//! internal services through a name or an allow-all grant: a connection
//! to a loopback, unspecified, private, link-local, CGNAT, multicast or
//! reserved address (`address::special_class`) needs an allow rule naming
//! that address or a range holding it; a name rule or the bare
//! `--allow-net` is not enough.

mod address;
mod builder;
mod host;
mod net;
mod path;

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

pub(crate) use crate::access::Access;
pub use builder::GrantsBuilder;
pub(crate) use host::HostPaths;
pub use net::HostPattern;
pub(crate) use net::NetHost;
pub(crate) use net::target as net_target;
pub(crate) use path::resolve;

/// Why [`GrantsBuilder::build`] refused its rules.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// A relative path was given and the working directory is unknown.
    #[error("cannot resolve the granted path {path}: {source}; give an absolute path")]
    Path {
        /// The path as given.
        path: PathBuf,
        /// Why it could not be resolved.
        source: std::io::Error,
    },
    /// A net rule is not `host`, `host:port`, `*.domain`, an IP address or
    /// a CIDR range.
    #[error(
        "invalid net rule '{rule}': {reason}; expected a host name, `*.example.com`, an IP \
         address or a CIDR range (`10.0.0.0/8`, `fd00::/8`), optionally with `:port` \
         (`[fd00::/8]:443` for IPv6)"
    )]
    Host {
        /// The rule as given.
        rule: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An env rule is empty or contains `=` or NUL.
    #[error(
        "invalid env rule '{0}': expected a variable name, or a prefix ending in `*` (`APP_*`)"
    )]
    EnvName(String),
    /// A host-module rule is empty or contains `=` or NUL.
    #[error(
        "invalid host-module rule '{0}': expected a module name (`db`), or a prefix ending in `*`"
    )]
    HostModuleName(String),
}

/// What a rule list covers.
#[derive(Debug, Clone)]
enum Scope<T> {
    Only(Vec<T>),
    Everything,
}

impl<T> Default for Scope<T> {
    fn default() -> Self {
        Scope::Only(Vec::new())
    }
}

/// The allow and deny rules of one kind of access.
#[derive(Debug, Clone)]
struct Rules<T> {
    allow: Scope<T>,
    deny: Scope<T>,
}

impl<T> Default for Rules<T> {
    fn default() -> Self {
        Rules {
            allow: Scope::default(),
            deny: Scope::default(),
        }
    }
}

/// A variable name, or a prefix when written `PREFIX*`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NamePattern {
    text: String,
    prefix: bool,
}

impl NamePattern {
    fn parse(rule: &str) -> Result<Self, GrantError> {
        let (text, prefix) = match rule.strip_suffix('*') {
            Some(text) => (text, true),
            None => (rule, false),
        };
        if (text.is_empty() && !prefix) || text.contains(['=', '\0', '*']) {
            return Err(GrantError::EnvName(rule.to_owned()));
        }
        Ok(NamePattern {
            text: text.to_owned(),
            prefix,
        })
    }

    fn matches(&self, name: &str) -> bool {
        if self.prefix {
            name.starts_with(&self.text)
        } else {
            name == self.text
        }
    }
}

impl fmt::Display for NamePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.text, if self.prefix { "*" } else { "" })
    }
}

/// A run's permissions. The default allows nothing; see the module doc.
#[derive(Debug, Clone)]
pub struct Grants {
    read: Rules<PathBuf>,
    write: Rules<PathBuf>,
    net: Rules<HostPattern>,
    env: Rules<NamePattern>,
    host_module: Rules<NamePattern>,
    host_paths: OwnPaths,
    /// Whether special addresses need an allow rule of their own.
    ssrf_guard: bool,
}

/// The host-owned paths these grants refuse: this process's own, until the
/// runtime that runs them sets its own (with its caches).
#[derive(Debug, Clone)]
struct OwnPaths(Arc<HostPaths>);

impl Default for OwnPaths {
    fn default() -> Self {
        static PROCESS: LazyLock<Arc<HostPaths>> = LazyLock::new(|| Arc::new(HostPaths::process()));
        OwnPaths(Arc::clone(&PROCESS))
    }
}

impl Default for Grants {
    fn default() -> Self {
        Grants {
            read: Rules::default(),
            write: Rules::default(),
            net: Rules::default(),
            env: Rules::default(),
            host_module: Rules::default(),
            host_paths: OwnPaths::default(),
            ssrf_guard: true,
        }
    }
}

/// An allowed decision: the rule that allowed it.
#[derive(Debug, Clone)]
pub(crate) struct Allowed {
    /// The flag spelling of the matching rule, e.g. `--allow-read=/data`.
    pub rule: String,
    /// For paths: the granted directory the path lies in (`/` for a bare
    /// `--allow-read`), where the operation is confined.
    pub root: Option<PathBuf>,
}

/// A denied decision.
#[derive(Debug, Clone)]
pub(crate) struct Denied {
    /// The error message the script sees.
    pub message: String,
    /// The flag that would allow the access, e.g. `--allow-read=/etc/passwd`.
    pub permission: String,
}

impl Grants {
    /// A builder with nothing granted.
    pub fn builder() -> GrantsBuilder {
        GrantsBuilder::default()
    }

    /// Everything allowed, nothing denied, the SSRF guard off: for fully
    /// trusted code.
    pub fn all() -> Grants {
        Grants {
            read: everything(),
            write: everything(),
            net: everything(),
            env: everything(),
            host_module: everything(),
            host_paths: OwnPaths::default(),
            ssrf_guard: false,
        }
    }

    /// Whether the SSRF guard is on (see the module doc).
    pub fn ssrf_guard(&self) -> bool {
        self.ssrf_guard
    }

    /// These grants, refusing `host_paths` (a runtime's own state) too.
    pub(crate) fn with_host_paths(mut self, host_paths: Arc<HostPaths>) -> Grants {
        self.host_paths = OwnPaths(host_paths);
        self
    }

    /// What loading modules needs of these grants, and nothing more: the
    /// host-module rules (static imports may name host modules), the read
    /// deny rules and the host's own paths (which module loads honour),
    /// with no allow rule for files, the network or the environment. For
    /// the sandboxes that compile or prepare an entry ahead of its run.
    pub(crate) fn for_modules(&self) -> Grants {
        Grants {
            host_module: self.host_module.clone(),
            host_paths: self.host_paths.clone(),
            read: Rules {
                allow: Scope::default(),
                deny: self.read.deny.clone(),
            },
            ..Grants::default()
        }
    }

    /// Decides `access` (read or write) to the canonical path `path`.
    pub(crate) fn check_path(&self, access: Access, path: &Path) -> Result<Allowed, Denied> {
        let rules = match access {
            Access::Write => &self.write,
            _ => &self.read,
        };
        if let Some(denied) = self.path_denied(access, path) {
            return Err(denied);
        }
        let target = path.display().to_string();
        let root = match &rules.allow {
            Scope::Everything => Some(PathBuf::from("/")),
            Scope::Only(paths) => paths
                .iter()
                .filter(|allowed| path.starts_with(allowed))
                .max_by_key(|allowed| allowed.as_os_str().len())
                .cloned(),
        };
        match root {
            Some(root) => Ok(Allowed {
                rule: match rules.allow {
                    Scope::Everything => flag("allow", access, ""),
                    Scope::Only(_) => flag("allow", access, &root.display().to_string()),
                },
                root: Some(root),
            }),
            None => Err(requires(access, &target)),
        }
    }

    /// Decides `access` to the canonical path `path` and to everything
    /// below it, for an operation that carries or removes a whole subtree
    /// (renaming a directory, removing one recursively): besides what
    /// [`check_path`](Self::check_path) decides, no deny rule may lie below
    /// `path`, or the operation would move or delete what that rule keeps.
    pub(crate) fn check_path_tree(&self, access: Access, path: &Path) -> Result<Allowed, Denied> {
        let allowed = self.check_path(access, path)?;
        let rules = match access {
            Access::Write => &self.write,
            _ => &self.read,
        };
        match &rules.deny {
            Scope::Only(paths) => match paths.iter().find(|denied| denied.starts_with(path)) {
                Some(denied) => Err(forbidden_below(access, path, denied)),
                None => Ok(allowed),
            },
            // `check_path` has refused already.
            Scope::Everything => Ok(allowed),
        }
    }

    /// The deny rule (if any) that refuses `access` (read or write) to the
    /// canonical path `path`, whatever the allow rules say.
    fn path_denied(&self, access: Access, path: &Path) -> Option<Denied> {
        let rules = match access {
            Access::Write => &self.write,
            _ => &self.read,
        };
        let target = path.display().to_string();
        if let Some(what) = self.host_paths.0.owner(path, access == Access::Write) {
            return Some(host_owned(access, &target, what));
        }
        let denied_by = match &rules.deny {
            Scope::Everything => Some(String::new()),
            Scope::Only(paths) => paths
                .iter()
                .find(|denied| path.starts_with(denied))
                .map(|denied| denied.display().to_string()),
        };
        denied_by.map(|rule| forbidden(access, &target, &rule))
    }

    /// Decides loading the canonical path `path`, a file inside the module
    /// root `root`, as a module. The module root is the run's read grant
    /// for module files (no `--allow-read` is needed), but every read deny
    /// rule still applies: a module root never reaches a denied path.
    pub(crate) fn check_module(&self, path: &Path, root: &Path) -> Result<Allowed, Denied> {
        if let Some(denied) = self.path_denied(Access::Read, path) {
            return Err(denied);
        }
        Ok(Allowed {
            rule: format!("--module-root={}", root.display()),
            root: Some(root.to_path_buf()),
        })
    }

    /// Decides a request to `host` on `port`, before any name is resolved:
    /// deny rules, then allow rules, then for an address the SSRF guard.
    pub(crate) fn check_net(&self, host: &NetHost, port: u16) -> Result<Allowed, Denied> {
        let target = net::target(host, port);
        let rules = &self.net;
        let denied_by = match &rules.deny {
            Scope::Everything => Some(String::new()),
            Scope::Only(patterns) => patterns
                .iter()
                .find(|p| p.denies(host, port))
                .map(ToString::to_string),
        };
        if let Some(rule) = denied_by {
            return Err(forbidden(Access::Net, &target, &rule));
        }
        let rule = match &rules.allow {
            Scope::Everything => Some(String::new()),
            Scope::Only(patterns) => patterns
                .iter()
                .find(|p| p.matches(host, port))
                .map(ToString::to_string),
        };
        let Some(rule) = rule else {
            return Err(requires(Access::Net, &target));
        };
        if let NetHost::Address(ip) = host {
            self.guard(*ip, port, &target, None)?;
        }
        Ok(Allowed {
            rule: flag("allow", Access::Net, &rule),
            root: None,
        })
    }

    /// Decides connecting to `address`, one of the addresses the allowed
    /// host `name` resolved to: the deny rules (so a name pointing at a
    /// denied address, such as a cloud metadata endpoint, does not reach
    /// it), then the SSRF guard.
    pub(crate) fn check_net_address(
        &self,
        name: &str,
        address: IpAddr,
        port: u16,
    ) -> Result<(), Denied> {
        let ip = address::canonical(address);
        let host = NetHost::Address(ip);
        let target = net::target(&host, port);
        let denied_by = match &self.net.deny {
            Scope::Everything => Some(String::new()),
            Scope::Only(patterns) => patterns
                .iter()
                .find(|p| p.denies(&host, port))
                .map(ToString::to_string),
        };
        if let Some(rule) = denied_by {
            return Err(Denied {
                message: format!(
                    "Requires {} access to \"{target}\" (what \"{name}\" resolves to), which \
                     {} forbids",
                    Access::Net,
                    flag("deny", Access::Net, &rule)
                ),
                permission: flag("allow", Access::Net, &target),
            });
        }
        self.guard(ip, port, &target, Some(name))
    }

    /// The SSRF guard: a special address needs an allow rule that names it
    /// or a range holding it.
    fn guard(&self, ip: IpAddr, port: u16, target: &str, name: Option<&str>) -> Result<(), Denied> {
        if !self.ssrf_guard {
            return Ok(());
        }
        let Some(class) = address::special_class(ip) else {
            return Ok(());
        };
        let host = NetHost::Address(ip);
        let explicitly_allowed = match &self.net.allow {
            Scope::Everything => false,
            Scope::Only(patterns) => patterns.iter().any(|p| p.matches(&host, port)),
        };
        if explicitly_allowed {
            return Ok(());
        }
        let permission = flag("allow", Access::Net, target);
        let what = match name {
            Some(name) => format!("\"{target}\" (what \"{name}\" resolves to)"),
            None => format!("\"{target}\""),
        };
        Err(Denied {
            message: format!(
                "Requires {} access to {what}, a {class} address, which the SSRF guard refuses \
                 unless an allow rule names it: run again with {permission} (or a range \
                 holding it), or turn the guard off with --no-ssrf-guard",
                Access::Net
            ),
            permission,
        })
    }

    /// Decides reading the environment variable `name`.
    pub(crate) fn check_env(&self, name: &str) -> Result<Allowed, Denied> {
        check_name(&self.env, Access::Env, name)
    }

    /// Decides using the embedder's host module `module` (no `host:`).
    pub(crate) fn check_host_module(&self, module: &str) -> Result<Allowed, Denied> {
        check_name(&self.host_module, Access::HostModule, module)
    }
}

/// Decides `access` to `name` under name-pattern `rules`.
fn check_name(rules: &Rules<NamePattern>, access: Access, name: &str) -> Result<Allowed, Denied> {
    let denied_by = match &rules.deny {
        Scope::Everything => Some(String::new()),
        Scope::Only(patterns) => patterns
            .iter()
            .find(|p| p.matches(name))
            .map(ToString::to_string),
    };
    if let Some(rule) = denied_by {
        return Err(forbidden(access, name, &rule));
    }
    let rule = match &rules.allow {
        Scope::Everything => Some(String::new()),
        Scope::Only(patterns) => patterns
            .iter()
            .find(|p| p.matches(name))
            .map(ToString::to_string),
    };
    match rule {
        Some(rule) => Ok(Allowed {
            rule: flag("allow", access, &rule),
            root: None,
        }),
        None => Err(requires(access, name)),
    }
}

fn everything<T>() -> Rules<T> {
    Rules {
        allow: Scope::Everything,
        deny: Scope::default(),
    }
}

/// `--allow-read=/data`, or `--allow-read` for an empty `value`.
fn flag(kind: &str, access: Access, value: &str) -> String {
    if value.is_empty() {
        format!("--{kind}-{access}")
    } else {
        format!("--{kind}-{access}={value}")
    }
}

fn requires(access: Access, target: &str) -> Denied {
    let permission = flag("allow", access, target);
    Denied {
        message: format!("Requires {access} access to \"{target}\", run again with {permission}"),
        permission,
    }
}

fn forbidden(access: Access, target: &str, rule: &str) -> Denied {
    Denied {
        message: format!(
            "Requires {access} access to \"{target}\", which {} forbids",
            flag("deny", access, rule)
        ),
        permission: flag("allow", access, target),
    }
}

/// A refusal no flag can lift: `target` is jsbox's own state, `what`.
fn host_owned(access: Access, target: &str, what: &str) -> Denied {
    Denied {
        message: format!(
            "Requires {access} access to \"{target}\", which is jsbox's own state ({what}) and \
             is never granted to scripts"
        ),
        permission: "none: jsbox's own state".to_owned(),
    }
}

/// `path` is allowed, but a deny rule covers `denied` inside it.
fn forbidden_below(access: Access, path: &Path, denied: &Path) -> Denied {
    let target = path.display().to_string();
    Denied {
        message: format!(
            "Requires {access} access to \"{target}\" and all it contains, but {} forbids \
             a part of it; act on the paths beside the denied one instead",
            flag("deny", access, &denied.display().to_string())
        ),
        permission: flag("allow", access, &target),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> NetHost {
        NetHost::Name(text.to_owned())
    }

    #[test]
    fn the_ssrf_guard_needs_an_address_rule_for_special_addresses() {
        let grants = Grants::builder()
            .allow_net(["api.example.com", "10.1.0.0/16:8080"])
            .build()
            .unwrap();
        assert!(grants.ssrf_guard());
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        let denied = grants
            .check_net_address("api.example.com", loopback, 443)
            .unwrap_err();
        assert!(
            denied.message.contains("a loopback address"),
            "{}",
            denied.message
        );
        assert!(
            denied.message.contains("--no-ssrf-guard"),
            "{}",
            denied.message
        );
        assert_eq!(denied.permission, "--allow-net=127.0.0.1:443");
        let metadata: IpAddr = "::ffff:169.254.169.254".parse().unwrap();
        assert!(
            grants
                .check_net_address("api.example.com", metadata, 80)
                .is_err()
        );
        let inside: IpAddr = "10.1.2.3".parse().unwrap();
        assert!(
            grants
                .check_net_address("api.example.com", inside, 8080)
                .is_ok()
        );
        assert!(
            grants
                .check_net_address("api.example.com", inside, 80)
                .is_err()
        );
        let public: IpAddr = "93.184.216.34".parse().unwrap();
        assert!(
            grants
                .check_net_address("api.example.com", public, 443)
                .is_ok()
        );
        // Allow-all is not an address rule: literals are guarded too.
        let all = Grants::builder().allow_net_all().build().unwrap();
        assert!(all.check_net(&NetHost::Address(loopback), 80).is_err());
        assert!(all.check_net(&NetHost::Address(public), 80).is_ok());
        let off = Grants::builder()
            .allow_net_all()
            .ssrf_guard(false)
            .build()
            .unwrap();
        assert!(off.check_net(&NetHost::Address(loopback), 80).is_ok());
        assert!(off.check_net_address("x", loopback, 80).is_ok());
        assert!(!Grants::all().ssrf_guard());
    }

    #[test]
    fn nothing_is_allowed_by_default() {
        let grants = Grants::default();
        let denied = grants
            .check_path(Access::Read, Path::new("/etc/passwd"))
            .unwrap_err();
        assert_eq!(
            denied.message,
            "Requires read access to \"/etc/passwd\", run again with --allow-read=/etc/passwd"
        );
        assert!(grants.check_net(&name("example.com"), 443).is_err());
        assert!(grants.check_env("HOME").is_err());
    }

    #[test]
    fn deny_rules_win_and_name_themselves() {
        let grants = Grants::builder()
            .allow_read(["/"])
            .deny_read(["/etc"])
            .allow_env_all()
            .deny_env(["SECRET_*"])
            .allow_net(["*.example.com"])
            .deny_net(["admin.example.com"])
            .build()
            .unwrap();
        let allowed = grants
            .check_path(Access::Read, Path::new("/usr/lib"))
            .unwrap();
        assert_eq!(allowed.root.as_deref(), Some(Path::new("/")));
        let denied = grants
            .check_path(Access::Read, Path::new("/etc/hosts"))
            .unwrap_err();
        assert!(
            denied.message.contains("--deny-read=/etc forbids"),
            "{}",
            denied.message
        );
        assert_eq!(denied.permission, "--allow-read=/etc/hosts");
        assert!(grants.check_path(Access::Write, Path::new("/tmp")).is_err());
        assert!(grants.check_env("PATH").is_ok());
        assert!(grants.check_env("SECRET_KEY").is_err());
        assert!(grants.check_net(&name("api.example.com"), 443).is_ok());
        assert!(grants.check_net(&name("admin.example.com"), 443).is_err());
        assert!(grants.check_net(&name("example.com"), 443).is_err());
    }

    #[test]
    fn the_most_specific_root_confines_the_operation() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("inner");
        std::fs::create_dir(&inner).unwrap();
        let grants = Grants::builder()
            .allow_write([dir.path().to_str().unwrap(), inner.to_str().unwrap()])
            .build()
            .unwrap();
        let canonical = inner.canonicalize().unwrap().join("file");
        let allowed = grants.check_path(Access::Write, &canonical).unwrap();
        assert_eq!(allowed.root, Some(inner.canonicalize().unwrap()));
        // A sibling whose name merely starts like the root is outside it.
        let sibling = inner.canonicalize().unwrap().with_file_name("inner2");
        assert_eq!(
            grants.check_path(Access::Write, &sibling).unwrap().root,
            Some(dir.path().canonicalize().unwrap())
        );
    }

    #[test]
    fn a_deny_rule_below_a_path_refuses_its_whole_tree() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let kept = root.join("a/kept");
        let grants = Grants::builder()
            .allow_write([root.to_str().unwrap()])
            .deny_write([kept.to_str().unwrap()])
            .build()
            .unwrap();
        let denied = grants
            .check_path_tree(Access::Write, &root.join("a"))
            .unwrap_err();
        assert!(
            denied
                .message
                .contains(&format!("--deny-write={} forbids", kept.display())),
            "{}",
            denied.message
        );
        assert_eq!(
            denied.permission,
            format!("--allow-write={}", root.join("a").display())
        );
        assert!(grants.check_path_tree(Access::Write, &kept).is_err());
        assert!(
            grants
                .check_path_tree(Access::Write, &kept.join("x"))
                .is_err()
        );
        // A sibling whose name merely starts like the path is not below it.
        assert!(
            grants
                .check_path_tree(Access::Write, &root.join("a/kep"))
                .is_ok()
        );
        assert!(grants.check_path(Access::Write, &root.join("a")).is_ok());
        // Read rules are their own: nothing denies reading.
        let grants = Grants::builder()
            .allow_read([root.to_str().unwrap()])
            .deny_write([kept.to_str().unwrap()])
            .build()
            .unwrap();
        assert!(grants.check_path_tree(Access::Read, &root).is_ok());
    }

    #[test]
    fn bad_rules_are_refused() {
        assert!(Grants::builder().allow_env(["A=B"]).build().is_err());
        assert!(Grants::builder().allow_net(["http://x"]).build().is_err());
        assert!(Grants::builder().allow_net(["x:99999"]).build().is_err());
    }
}
