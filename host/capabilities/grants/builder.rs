//! [`GrantsBuilder`]: grants from typed rules, each parsed and resolved
//! (paths made canonical, host patterns normalised) when it is built.

use std::path::{Path, PathBuf};

use super::{GrantError, Grants, HostPattern, NamePattern, OwnPaths, Rules, Scope, path};

/// Typed construction of [`Grants`]. Each `allow_*`/`deny_*` call adds
/// rules; the `*_all` forms cover everything of that kind (the bare
/// `--allow-read` flag). Rules are checked when [`build`](Self::build)
/// resolves them.
#[derive(Debug, Clone)]
pub struct GrantsBuilder {
    read: Rules<String>,
    write: Rules<String>,
    net: Rules<String>,
    env: Rules<String>,
    host_module: Rules<String>,
    ssrf_guard: bool,
}

impl Default for GrantsBuilder {
    fn default() -> Self {
        GrantsBuilder {
            read: Rules::default(),
            write: Rules::default(),
            net: Rules::default(),
            env: Rules::default(),
            host_module: Rules::default(),
            ssrf_guard: true,
        }
    }
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
         `127.0.0.1`, `[::1]:3000`, `10.0.0.0/8`, `[fd00::/8]:443`)",
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

    /// Turns the SSRF guard on (the default) or off: with it, a connection
    /// to a loopback, private, link-local, CGNAT, unspecified, multicast or
    /// reserved address needs an allow rule naming that address or a range
    /// holding it; a name rule or [`allow_net_all`](Self::allow_net_all) is
    /// not enough.
    pub fn ssrf_guard(mut self, on: bool) -> Self {
        self.ssrf_guard = on;
        self
    }

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
            host_paths: OwnPaths::default(),
            ssrf_guard: self.ssrf_guard,
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
