//! Per-run permission grants: which paths a script may read and write,
//! which hosts it may reach, which environment variables it may see, which
//! of the embedder's host modules (`host:db`) it may use.
//!
//! A [`Grants`] is built with [`Grants::builder`] (the CLI maps Deno-style
//! `--allow-*`/`--deny-*` flags onto it) and given to a run through
//! [`RunOptions::grants`](crate::RunOptions). The default grants nothing.
//! Deny rules win over allow rules. Paths are compared in their canonical
//! form (`path.rs`), hosts by name or address and port (`net.rs`),
//! variables by name or `PREFIX*` pattern.

mod net;
mod path;

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use net::HostPattern;
pub(crate) use net::target as net_target;
pub(crate) use path::resolve;

/// The kinds of access a grant gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Reading files and directories.
    Read,
    /// Creating, changing and removing files and directories.
    Write,
    /// Outgoing network requests.
    Net,
    /// Reading environment variables.
    Env,
    /// Using an embedder's host module (`host:db`).
    #[serde(rename = "host-module")]
    HostModule,
}

impl Access {
    /// The access's lowercase name, as in its flags (`--allow-read`).
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::Net => "net",
            Access::Env => "env",
            Access::HostModule => "host-module",
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    /// A net rule is not `host`, `host:port`, `*.domain` or an IP address.
    #[error(
        "invalid net rule '{rule}': {reason}; expected a host name, `*.example.com`, an IP \
         address, optionally with `:port`"
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
#[derive(Debug, Clone, Default)]
pub struct Grants {
    read: Rules<PathBuf>,
    write: Rules<PathBuf>,
    net: Rules<HostPattern>,
    env: Rules<NamePattern>,
    host_module: Rules<NamePattern>,
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

    /// Everything allowed, nothing denied (`--allow-all`).
    pub fn all() -> Grants {
        Grants {
            read: everything(),
            write: everything(),
            net: everything(),
            env: everything(),
            host_module: everything(),
        }
    }

    /// These grants' host-module rules alone: what compiling a module
    /// needs, whose static imports may name host modules.
    pub(crate) fn host_modules_only(&self) -> Grants {
        Grants {
            host_module: self.host_module.clone(),
            ..Grants::default()
        }
    }

    /// Decides `access` (read or write) to the canonical path `path`.
    pub(crate) fn check_path(&self, access: Access, path: &Path) -> Result<Allowed, Denied> {
        let rules = match access {
            Access::Write => &self.write,
            _ => &self.read,
        };
        let target = path.display().to_string();
        let denied_by = match &rules.deny {
            Scope::Everything => Some(String::new()),
            Scope::Only(paths) => paths
                .iter()
                .find(|denied| path.starts_with(denied))
                .map(|denied| denied.display().to_string()),
        };
        if let Some(rule) = denied_by {
            return Err(forbidden(access, &target, &rule));
        }
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

    /// Decides a request to `host` (lowercase name, or IP address; IPv6
    /// without brackets) on `port`.
    pub(crate) fn check_net(&self, host: &str, port: u16) -> Result<Allowed, Denied> {
        let target = net::target(host, port);
        let rules = &self.net;
        let denied_by = match &rules.deny {
            Scope::Everything => Some(String::new()),
            Scope::Only(patterns) => patterns
                .iter()
                .find(|p| p.matches(host, port))
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
        match rule {
            Some(rule) => Ok(Allowed {
                rule: flag("allow", Access::Net, &rule),
                root: None,
            }),
            None => Err(requires(Access::Net, &target)),
        }
    }

    /// Decides connecting to `address`, one of the addresses an allowed host
    /// name resolved to. Only the deny rules apply (the name itself was
    /// allowed): they are what stops a name that resolves to a denied
    /// address, such as a cloud metadata endpoint, from reaching it. An
    /// IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
    pub(crate) fn check_net_address(
        &self,
        name: &str,
        address: IpAddr,
        port: u16,
    ) -> Result<(), Denied> {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        let host = address.to_string();
        let denied_by = match &self.net.deny {
            Scope::Everything => Some(String::new()),
            Scope::Only(patterns) => patterns
                .iter()
                .find(|p| p.matches(&host, port))
                .map(ToString::to_string),
        };
        match denied_by {
            None => Ok(()),
            Some(rule) => {
                let target = net::target(&host, port);
                Err(Denied {
                    message: format!(
                        "Requires {} access to \"{target}\" (what \"{name}\" resolves to), which \
                         {} forbids",
                        Access::Net,
                        flag("deny", Access::Net, &rule)
                    ),
                    permission: flag("allow", Access::Net, &target),
                })
            }
        }
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

/// Typed construction of [`Grants`]. Each `allow_*`/`deny_*` call adds
/// rules; the `*_all` forms cover everything of that kind (the bare
/// `--allow-read` flag). Rules are checked when [`build`](Self::build)
/// resolves them.
#[derive(Debug, Clone, Default)]
pub struct GrantsBuilder {
    read: Rules<String>,
    write: Rules<String>,
    net: Rules<String>,
    env: Rules<String>,
    host_module: Rules<String>,
}

macro_rules! rule_methods {
    ($field:ident, $what:literal, $allow:ident, $allow_all:ident, $deny:ident, $deny_all:ident) => {
        #[doc = concat!("Allows ", $what, ".")]
        pub fn $allow<I: IntoIterator<Item = S>, S: Into<String>>(mut self, rules: I) -> Self {
            add(&mut self.$field.allow, rules);
            self
        }

        #[doc = concat!("Allows all ", $what, ".")]
        pub fn $allow_all(mut self) -> Self {
            self.$field.allow = Scope::Everything;
            self
        }

        #[doc = concat!("Denies ", $what, ", whatever the allow rules say.")]
        pub fn $deny<I: IntoIterator<Item = S>, S: Into<String>>(mut self, rules: I) -> Self {
            add(&mut self.$field.deny, rules);
            self
        }

        #[doc = concat!("Denies all ", $what, ".")]
        pub fn $deny_all(mut self) -> Self {
            self.$field.deny = Scope::Everything;
            self
        }
    };
}

impl GrantsBuilder {
    rule_methods!(
        read,
        "reading these paths (files, or directories and all they contain)",
        allow_read,
        allow_read_all,
        deny_read,
        deny_read_all
    );
    rule_methods!(
        write,
        "writing these paths (files, or directories and all they contain)",
        allow_write,
        allow_write_all,
        deny_write,
        deny_write_all
    );
    rule_methods!(
        net,
        "requests to these hosts (`example.com`, `example.com:8080`, `*.example.com`, \
         `127.0.0.1`, `[::1]:3000`)",
        allow_net,
        allow_net_all,
        deny_net,
        deny_net_all
    );
    rule_methods!(
        env,
        "reading these environment variables (`HOME`, or a prefix: `APP_*`)",
        allow_env,
        allow_env_all,
        deny_env,
        deny_env_all
    );
    rule_methods!(
        host_module,
        "using these embedder host modules (`db` for `host:db`, or a prefix: `tenant_*`)",
        allow_host_module,
        allow_host_module_all,
        deny_host_module,
        deny_host_module_all
    );

    /// Checks and resolves the rules. Relative paths are taken from the
    /// process's working directory; every path is resolved like the paths a
    /// script uses (`..` and symbolic links), so a rule for a link grants
    /// its target.
    pub fn build(self) -> Result<Grants, GrantError> {
        Ok(Grants {
            read: map_rules(self.read, resolve_rule)?,
            write: map_rules(self.write, resolve_rule)?,
            net: map_rules(self.net, |rule| HostPattern::parse(&rule))?,
            env: map_rules(self.env, |rule| NamePattern::parse(&rule))?,
            host_module: map_rules(self.host_module, |rule| {
                NamePattern::parse(&rule).map_err(|_| GrantError::HostModuleName(rule))
            })?,
        })
    }
}

fn add<I: IntoIterator<Item = S>, S: Into<String>>(scope: &mut Scope<String>, rules: I) {
    if let Scope::Only(list) = scope {
        list.extend(rules.into_iter().map(Into::into));
    }
}

fn map_rules<T>(
    rules: Rules<String>,
    parse: impl Fn(String) -> Result<T, GrantError>,
) -> Result<Rules<T>, GrantError> {
    let scope = |scope: Scope<String>| -> Result<Scope<T>, GrantError> {
        Ok(match scope {
            Scope::Everything => Scope::Everything,
            Scope::Only(list) => {
                Scope::Only(list.into_iter().map(&parse).collect::<Result<_, _>>()?)
            }
        })
    };
    Ok(Rules {
        allow: scope(rules.allow)?,
        deny: scope(rules.deny)?,
    })
}

fn resolve_rule(rule: String) -> Result<PathBuf, GrantError> {
    path::resolve(Path::new(&rule), true).map_err(|source| GrantError::Path {
        path: PathBuf::from(rule),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(grants.check_net("example.com", 443).is_err());
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
        assert!(grants.check_net("api.example.com", 443).is_ok());
        assert!(grants.check_net("admin.example.com", 443).is_err());
        assert!(grants.check_net("example.com", 443).is_err());
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
