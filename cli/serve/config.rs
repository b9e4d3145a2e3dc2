//! `jsbox serve` configuration: command-line flags, `JSBOX_*` environment
//! variables and a TOML file, merged in that order of precedence and
//! validated once at start.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};
use jsbox::{Grants, Limits, NetProxy, SourceKind};
use serde::Deserialize;

use super::connection::ConnectionLimits;
use super::entry::EntryFile;
use super::tenancy::{Tenancy, TenantToken, add_hosts};
use crate::commands::args::{parse_duration, parse_fuel, parse_net_proxy, parse_size};

/// How log lines are written to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable lines.
    Pretty,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The handler: a module exporting `default { fetch(request, env, ctx) }`,
    /// or (with --script) a script calling `addEventListener('fetch', ...)`.
    /// It may import files from its own directory tree. Overrides `entry` in
    /// the config file.
    entry: Option<PathBuf>,

    /// A TOML configuration file; flags and environment variables override it.
    #[arg(long, env = "JSBOX_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    /// Where to serve requests [default: 127.0.0.1:8080]. Port 0 picks a free
    /// port; the `listening` log line says which.
    #[arg(long, env = "JSBOX_LISTEN", value_name = "ADDR")]
    listen: Option<SocketAddr>,

    /// Where to serve /metrics, /healthz and /readyz [default: 127.0.0.1:9090].
    #[arg(long, env = "JSBOX_ADMIN_LISTEN", value_name = "ADDR")]
    admin_listen: Option<SocketAddr>,

    /// The application's name, carried by every log line [default: the
    /// entry's file stem].
    #[arg(long, env = "JSBOX_APP_NAME", value_name = "NAME")]
    app_name: Option<String>,

    /// Run the entry as a classic script instead of an ES module.
    #[arg(long)]
    script: bool,

    /// Reload the entry when its file changes (checked twice a second). A
    /// new version that does not compile is logged and the old one kept.
    #[arg(long)]
    watch: bool,

    /// Evaluate a JS entry's top level in every request's sandbox, instead
    /// of once at start in the snapshot requests start from (which skips
    /// the entry's evaluation and imports in every request, as Workers do).
    /// Implied by `--watch`, so that edits to imported files show at once.
    #[arg(long)]
    no_entry_snapshot: bool,

    /// Refuse code generation from strings in every request: `eval`,
    /// `new Function` and the async and generator function constructors
    /// throw an EvalError. Overrides `eval` in the config file, tenants
    /// included.
    #[arg(long)]
    no_eval: bool,

    /// Sandboxes running at once; more requests wait in the queue
    /// [default: 2 x CPUs].
    #[arg(long, env = "JSBOX_MAX_CONCURRENT", value_name = "N")]
    max_concurrent: Option<u32>,

    /// Requests that may wait for a sandbox; beyond them, 503 with
    /// Retry-After [default: 64 x max-concurrent].
    #[arg(long, env = "JSBOX_QUEUE", value_name = "N")]
    queue: Option<u32>,

    /// How long a request may wait in the queue for a sandbox; then 503
    /// with Retry-After [default: 5s].
    #[arg(long, env = "JSBOX_QUEUE_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    queue_timeout: Option<Duration>,

    /// Largest request body accepted; larger ones get 413 [default: 1M].
    #[arg(long, env = "JSBOX_MAX_BODY", value_name = "SIZE", value_parser = parse_size)]
    max_body: Option<u64>,

    /// Wall-clock limit per request, `ctx.waitUntil` work included [default: 50ms].
    #[arg(long, env = "JSBOX_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    timeout: Option<Duration>,

    /// Linear-memory cap per request [default: 128M].
    #[arg(long, env = "JSBOX_MEMORY", value_name = "SIZE", value_parser = parse_size)]
    memory: Option<u64>,

    /// CPU budget per request as time, converted to fuel at the calibrated
    /// rate [default: 50ms].
    #[arg(long, env = "JSBOX_CPU", value_name = "DURATION", value_parser = parse_duration, conflicts_with = "fuel")]
    cpu: Option<Duration>,

    /// CPU budget per request in fuel units.
    #[arg(long, env = "JSBOX_FUEL", value_name = "N", value_parser = parse_fuel)]
    fuel: Option<u64>,

    /// The request header naming the tenant [default: x-tenant-id].
    #[arg(long, env = "JSBOX_TENANT_HEADER", value_name = "NAME")]
    tenant_header: Option<String>,

    /// A variable of the handler's `env` object; repeatable. Overrides the
    /// config file's `[vars]`.
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,

    /// How long in-flight requests may take to finish after SIGTERM or
    /// SIGINT [default: 10s].
    #[arg(long, env = "JSBOX_GRACE", value_name = "DURATION", value_parser = parse_duration)]
    grace: Option<Duration>,

    /// Log line format [default: json]. Filter with RUST_LOG (default `info`).
    #[arg(long, env = "JSBOX_LOG_FORMAT", value_name = "FORMAT")]
    log_format: Option<LogFormat>,

    /// Where to keep the compiled guest between starts.
    /// Default: `$XDG_CACHE_HOME/jsbox` or `~/.cache/jsbox`.
    #[arg(long, env = "JSBOX_CACHE_DIR", value_name = "DIR")]
    cache_dir: Option<PathBuf>,

    /// Let the tenant header alone select a tenant that has no credential
    /// (and name tenants that are not configured), for a trusted front-end
    /// that sets it. Off: a tenant is selected by its `hosts` or by the
    /// tenant header with its credential.
    #[arg(long, env = "JSBOX_TRUST_TENANT_HEADER")]
    trust_tenant_header: bool,

    /// The request header carrying a tenant's credential (`token`,
    /// `token_file` or `token_hash` in its `[tenants.<id>]` table); the
    /// handler never sees it [default: x-tenant-token].
    #[arg(long, env = "JSBOX_TENANT_TOKEN_HEADER", value_name = "NAME")]
    tenant_token_header: Option<String>,

    /// Client connections open at once. At the cap the server stops
    /// accepting (new connections wait in the listen backlog) and closes
    /// idle connections to make room [default: 1024].
    #[arg(long, env = "JSBOX_MAX_CONNECTIONS", value_name = "N")]
    max_connections: Option<u32>,

    /// How long a request's head (request line and headers) may take to
    /// arrive, from its first byte; then the connection is closed
    /// [default: 10s].
    #[arg(long, env = "JSBOX_HEADER_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    header_timeout: Option<Duration>,

    /// How long the server waits in all for a request body's bytes
    /// (not counting time the handler takes to read them); then 408
    /// [default: 30s].
    #[arg(long, env = "JSBOX_BODY_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    body_timeout: Option<Duration>,

    /// How long a connection may stay idle (before its first request, and
    /// between keep-alive requests) before it is closed [default: 30s].
    #[arg(long, env = "JSBOX_IDLE_TIMEOUT", value_name = "DURATION", value_parser = parse_duration)]
    idle_timeout: Option<Duration>,

    /// Send every `fetch` through this HTTP CONNECT proxy; targets are
    /// still resolved and checked here (see `jsbox run --help`). Without
    /// it, proxy environment variables are ignored.
    #[arg(long, env = "JSBOX_NET_PROXY", value_name = "URL", value_parser = parse_net_proxy)]
    net_proxy: Option<NetProxy>,

    /// Turn the SSRF guard off (config `ssrf_guard = false`): names and
    /// `allow_net = true` may then reach loopback, private and link-local
    /// addresses without an allow rule naming them.
    #[arg(long)]
    no_ssrf_guard: bool,

    /// Cap on the `fetch` response bodies one request's run holds open
    /// [default: 32].
    #[arg(long, env = "JSBOX_MAX_OPEN_FETCHES", value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    max_open_fetches: Option<u32>,
}

/// The TOML file. Every key is optional; see [`ServeArgs`] for meanings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    entry: Option<PathBuf>,
    listen: Option<SocketAddr>,
    admin_listen: Option<SocketAddr>,
    app_name: Option<String>,
    script: Option<bool>,
    watch: Option<bool>,
    entry_snapshot: Option<bool>,
    eval: Option<bool>,
    max_concurrent: Option<u32>,
    queue: Option<u32>,
    queue_timeout: Option<String>,
    max_body: Option<String>,
    tenant_header: Option<String>,
    grace: Option<String>,
    log_format: Option<LogFormat>,
    cache_dir: Option<PathBuf>,
    trust_tenant_header: Option<bool>,
    tenant_token_header: Option<String>,
    max_connections: Option<u32>,
    header_timeout: Option<String>,
    body_timeout: Option<String>,
    idle_timeout: Option<String>,

    net_proxy: Option<String>,
    ssrf_guard: Option<bool>,
    #[serde(default)]
    limits: FileLimits,
    #[serde(default)]
    vars: BTreeMap<String, String>,
    #[serde(default)]
    grants: FileGrants,
    #[serde(default)]
    tenants: BTreeMap<String, FileTenant>,
}

/// `[grants]` or `[tenants.<id>.grants]`: the permissions of a request's
/// run, as `jsbox run`'s `--allow-*`/`--deny-*` flags give them. Each key
/// is `true` (everything of its kind) or a list of rules.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileGrants {
    allow_read: Option<FileRules>,
    allow_write: Option<FileRules>,
    allow_net: Option<FileRules>,
    allow_env: Option<FileRules>,
    deny_read: Option<FileRules>,
    deny_write: Option<FileRules>,
    deny_net: Option<FileRules>,
    deny_env: Option<FileRules>,
}

/// `true`, `false` or a list of rules.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum FileRules {
    All(bool),
    Some(Vec<String>),
}

/// `[limits]` or `[tenants.<id>.limits]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLimits {
    timeout: Option<String>,
    memory: Option<String>,
    cpu: Option<String>,
    fuel: Option<u64>,
    max_open_fetches: Option<u32>,
}

/// `[tenants.<id>]`: what differs for one tenant.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTenant {
    #[serde(default)]
    limits: FileLimits,
    /// Added to (and overriding) the global `[vars]` for this tenant.
    #[serde(default)]
    vars: BTreeMap<String, String>,
    /// Replaces the global `[grants]` for this tenant, when present.
    grants: Option<FileGrants>,
    /// Host names whose requests are this tenant's.
    #[serde(default)]
    hosts: Vec<String>,
    /// The credential that admits a request naming this tenant in the
    /// tenant header; at most one of the three.
    token: Option<String>,
    token_file: Option<PathBuf>,
    token_hash: Option<String>,
    /// Replaces the top-level `eval` for this tenant, when present.
    eval: Option<bool>,
}

/// The validated configuration the server runs with.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The entry as read at start: a JS handler or an HTTP plugin.
    pub entry: EntryFile,
    /// The entry's file, as given.
    pub entry_path: PathBuf,
    /// How a JS entry is parsed (`--script`), also when `--watch` reloads it.
    pub source_kind: SourceKind,
    /// Whether to reload the entry when its file changes.
    pub watch: bool,
    /// Whether a JS entry is evaluated once, into a snapshot
    /// (`Runtime::prepare_handler`), rather than in every request. Off with
    /// `watch`: a snapshot holds the imports as they were at its making.
    pub entry_snapshot: bool,
    /// The entry's directory: what it may import from.
    pub module_root: PathBuf,
    pub listen: SocketAddr,
    pub admin_listen: SocketAddr,
    pub app_name: String,
    pub max_concurrent: u32,
    pub queue: u32,
    /// The longest a request waits in the queue.
    pub queue_timeout: Duration,
    pub max_body_bytes: u64,
    pub tenant_header: String,
    pub grace: Duration,
    pub log_format: LogFormat,
    pub cache_dir: Option<PathBuf>,
    /// The proxy every `fetch` goes through, if any.
    pub net_proxy: Option<NetProxy>,
    /// Limits of requests without a configured tenant.
    pub limits: Limits,
    /// The `env` of requests without a configured tenant.
    pub vars: Vec<(String, String)>,
    /// The permissions of requests without a configured tenant.
    pub grants: Grants,
    /// Whether requests without a configured tenant may generate code from
    /// strings (`eval`, `new Function`).
    pub allow_eval: bool,
    pub tenants: BTreeMap<String, TenantConfig>,
    /// How a request's tenant is selected besides `tenant_header`.
    pub tenancy: Tenancy,
    /// The connection cap and the header and idle timeouts.
    pub connections: ConnectionLimits,
    /// The longest the server waits, in all, for a request body's bytes.
    pub body_timeout: Duration,
}

/// One tenant's limits and `env`, complete (global settings merged in).
#[derive(Debug, Clone)]
pub struct TenantConfig {
    pub limits: Limits,
    pub vars: Vec<(String, String)>,
    pub grants: Grants,
    /// The credential admitting requests that name the tenant.
    pub token: Option<TenantToken>,
    pub allow_eval: bool,
}

/// Why the configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    ParseFile { path: PathBuf, message: String },
    #[error("invalid `{key}` (from a flag, a JSBOX_* variable or the config file): {message}")]
    Value { key: String, message: String },
    #[error("no entry: give the handler file as an argument, or `entry` in the config file")]
    NoEntry,
    #[error("{0}")]
    Entry(String),
}

impl ServeConfig {
    /// Merges flags and environment (already in `args`) over the config
    /// file, over the defaults, and checks the result.
    pub fn load(args: ServeArgs) -> Result<Self, ConfigError> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let value = |key: &str, message: String| ConfigError::Value {
            key: key.to_owned(),
            message,
        };
        // Relative paths in the file are relative to the file.
        let base = args
            .config
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let entry_path = args
            .entry
            .or(file.entry.map(|p| base.join(p)))
            .ok_or(ConfigError::NoEntry)?;
        let kind = if args.script || file.script == Some(true) {
            SourceKind::Script
        } else {
            SourceKind::Module
        };
        let (entry, module_root) =
            EntryFile::read(&entry_path, kind).map_err(ConfigError::Entry)?;
        let app_name = args.app_name.or(file.app_name).unwrap_or_else(|| {
            entry_path
                .file_stem()
                .map_or("jsbox".to_owned(), |s| s.to_string_lossy().into_owned())
        });
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        let max_concurrent = args
            .max_concurrent
            .or(file.max_concurrent)
            .unwrap_or(2 * cpus);
        if max_concurrent == 0 {
            return Err(value("max_concurrent", "must be at least 1".to_owned()));
        }
        let queue = args.queue.or(file.queue).unwrap_or(64 * max_concurrent);
        let queue_timeout = match args.queue_timeout {
            Some(timeout) => timeout,
            None => file
                .queue_timeout
                .as_deref()
                .map(parse_duration)
                .transpose()
                .map_err(|e| value("queue_timeout", e))?
                .unwrap_or(Duration::from_secs(5)),
        };
        let max_body_bytes = match args.max_body {
            Some(bytes) => bytes,
            None => file
                .max_body
                .as_deref()
                .map(parse_size)
                .transpose()
                .map_err(|e| value("max_body", e))?
                .unwrap_or(1 << 20),
        };
        let grace = match args.grace {
            Some(grace) => grace,
            None => file
                .grace
                .as_deref()
                .map(parse_duration)
                .transpose()
                .map_err(|e| value("grace", e))?
                .unwrap_or(Duration::from_secs(10)),
        };
        let tenant_header = args
            .tenant_header
            .or(file.tenant_header)
            .unwrap_or_else(|| "x-tenant-id".to_owned())
            .to_ascii_lowercase();
        if hyper::header::HeaderName::from_bytes(tenant_header.as_bytes()).is_err() {
            return Err(value(
                "tenant_header",
                format!("'{tenant_header}' is not a valid header name"),
            ));
        }
        let defaults = Limits::default()
            .with_timeout(Duration::from_millis(50))
            .with_cpu_time(Duration::from_millis(50));
        let mut limits = file
            .limits
            .apply(defaults, "limits")
            .map_err(|(key, e)| value(&key, e))?;
        if let Some(timeout) = args.timeout {
            limits.timeout = timeout;
        }
        if let Some(memory) = args.memory {
            limits.memory_bytes = memory;
        }
        if let Some(cpu) = args.cpu {
            limits.fuel = Some(Limits::fuel_for_cpu_time(cpu));
        }
        if let Some(fuel) = args.fuel {
            limits.fuel = Some(fuel);
        }
        if let Some(bodies) = args.max_open_fetches {
            limits.max_open_fetches = bodies;
        }
        let net_proxy = match args.net_proxy {
            Some(proxy) => Some(proxy),
            None => file
                .net_proxy
                .as_deref()
                .map(parse_net_proxy)
                .transpose()
                .map_err(|e| value("net_proxy", e))?,
        };
        // On unless turned off: serve runs many tenants' code next to the
        // operator's internal network.
        let ssrf_guard = !args.no_ssrf_guard && file.ssrf_guard != Some(false);
        let mut vars = file.vars;
        vars.extend(args.vars);
        let grants = file
            .grants
            .build("grants", ssrf_guard)
            .map_err(|(key, e)| value(&key, e))?;
        // The flag wins over the file, tenants included: an operator's
        // `--no-eval` must not be undone by a tenant's table.
        let allow_eval = !args.no_eval && file.eval != Some(false);
        let mut tenants = BTreeMap::new();
        let mut by_host = BTreeMap::new();
        for (id, tenant) in file.tenants {
            if !valid_tenant(&id) {
                return Err(value(
                    &format!("tenants.{id}"),
                    "a tenant id is 1 to 64 characters of A-Z a-z 0-9 . _ -".to_owned(),
                ));
            }
            let limits = tenant
                .limits
                .apply(limits.clone(), &format!("tenants.{id}.limits"))
                .map_err(|(key, e)| value(&key, e))?;
            let mut tenant_vars = vars.clone();
            tenant_vars.extend(tenant.vars);
            let vars = tenant_vars.into_iter().collect();
            let grants = match tenant.grants {
                None => grants.clone(),
                Some(own) => own
                    .build(&format!("tenants.{id}.grants"), ssrf_guard)
                    .map_err(|(key, e)| value(&key, e))?,
            };
            add_hosts(&mut by_host, &id, tenant.hosts)
                .map_err(|e| value(&format!("tenants.{id}.hosts"), e))?;
            let token = TenantToken::from_config(
                tenant.token,
                tenant.token_file.as_deref(),
                tenant.token_hash.as_deref(),
                &base,
            )
            .map_err(|e| value(&format!("tenants.{id}"), e))?;
            tenants.insert(
                id,
                TenantConfig {
                    limits,
                    vars,
                    grants,
                    token,
                    allow_eval: !args.no_eval && tenant.eval.unwrap_or(allow_eval),
                },
            );
        }
        let token_header = args
            .tenant_token_header
            .or(file.tenant_token_header)
            .unwrap_or_else(|| "x-tenant-token".to_owned())
            .to_ascii_lowercase();
        let token_header = match hyper::header::HeaderName::from_bytes(token_header.as_bytes()) {
            Ok(name) if name.as_str() != tenant_header => name,
            _ => {
                return Err(value(
                    "tenant_token_header",
                    format!(
                        "'{token_header}' is not a valid header name other than the tenant header"
                    ),
                ));
            }
        };
        let tenancy = Tenancy {
            trust_header: args.trust_tenant_header || file.trust_tenant_header == Some(true),
            token_header,
            by_host,
        };
        let timeout = |key: &str, arg: Option<Duration>, file: Option<String>, default: u64| {
            let timeout = match arg {
                Some(timeout) => timeout,
                None => file
                    .as_deref()
                    .map(parse_duration)
                    .transpose()
                    .map_err(|e| value(key, e))?
                    .unwrap_or(Duration::from_secs(default)),
            };
            if timeout.is_zero() {
                return Err(value(key, "must be greater than zero".to_owned()));
            }
            Ok(timeout)
        };
        let connections = ConnectionLimits {
            max_connections: match args.max_connections.or(file.max_connections) {
                Some(0) => return Err(value("max_connections", "must be at least 1".to_owned())),
                Some(max) => max,
                None => 1024,
            },
            header_timeout: timeout(
                "header_timeout",
                args.header_timeout,
                file.header_timeout,
                10,
            )?,
            idle_timeout: timeout("idle_timeout", args.idle_timeout, file.idle_timeout, 30)?,
        };
        let body_timeout = timeout("body_timeout", args.body_timeout, file.body_timeout, 30)?;
        let watch = args.watch || file.watch == Some(true);
        Ok(ServeConfig {
            entry,
            watch,
            entry_snapshot: !watch && !args.no_entry_snapshot && file.entry_snapshot != Some(false),
            entry_path,
            source_kind: kind,
            module_root,
            listen: args
                .listen
                .or(file.listen)
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080))),
            admin_listen: args
                .admin_listen
                .or(file.admin_listen)
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 9090))),
            app_name,
            max_concurrent,
            queue,
            queue_timeout,
            max_body_bytes,
            tenant_header,
            grace,
            log_format: args
                .log_format
                .or(file.log_format)
                .unwrap_or(LogFormat::Json),
            cache_dir: args.cache_dir.or(file.cache_dir.map(|p| base.join(p))),
            net_proxy,
            limits,
            vars: vars.into_iter().collect(),
            grants,
            allow_eval,
            tenants,
            tenancy,
            connections,
            body_timeout,
        })
    }

    /// Whether a request of `tenant` may generate code from strings.
    pub fn allows_eval(&self, tenant: Option<&str>) -> bool {
        tenant
            .and_then(|id| self.tenants.get(id))
            .map_or(self.allow_eval, |tenant| tenant.allow_eval)
    }

    /// The limits, `env` and grants of a request of `tenant`.
    pub fn for_tenant(&self, tenant: Option<&str>) -> (&Limits, &[(String, String)], &Grants) {
        match tenant.and_then(|id| self.tenants.get(id)) {
            Some(tenant) => (&tenant.limits, &tenant.vars, &tenant.grants),
            None => (&self.limits, &self.vars, &self.grants),
        }
    }
}

impl FileLimits {
    /// `base` with this table's keys applied; errors name the key.
    fn apply(self, mut base: Limits, table: &str) -> Result<Limits, (String, String)> {
        let key = |name: &str| format!("{table}.{name}");
        if let Some(timeout) = self.timeout {
            base.timeout = parse_duration(&timeout).map_err(|e| (key("timeout"), e))?;
        }
        if let Some(memory) = self.memory {
            base.memory_bytes = parse_size(&memory).map_err(|e| (key("memory"), e))?;
        }
        match (self.cpu, self.fuel) {
            (Some(_), Some(_)) => {
                return Err((key("cpu"), "give `cpu` or `fuel`, not both".to_owned()));
            }
            (Some(cpu), None) => {
                let cpu = parse_duration(&cpu).map_err(|e| (key("cpu"), e))?;
                base.fuel = Some(Limits::fuel_for_cpu_time(cpu));
            }
            (None, Some(0)) => return Err((key("fuel"), "must be greater than zero".to_owned())),
            (None, Some(fuel)) => base.fuel = Some(fuel),
            (None, None) => {}
        }
        match self.max_open_fetches {
            Some(0) => return Err((key("max_open_fetches"), "must be at least 1".to_owned())),
            Some(bodies) => base.max_open_fetches = bodies,
            None => {}
        }
        Ok(base)
    }
}

impl FileGrants {
    /// The grants, with the SSRF guard on or off; errors name the key of
    /// `table` at fault.
    fn build(self, table: &str, ssrf_guard: bool) -> Result<Grants, (String, String)> {
        let mut builder = Grants::builder().ssrf_guard(ssrf_guard);
        macro_rules! apply {
            ($field:ident, $all:ident) => {
                match self.$field {
                    None | Some(FileRules::All(false)) => {}
                    Some(FileRules::All(true)) => builder = builder.$all(),
                    Some(FileRules::Some(rules)) => builder = builder.$field(rules),
                }
            };
        }
        apply!(allow_read, allow_read_all);
        apply!(allow_write, allow_write_all);
        apply!(allow_net, allow_net_all);
        apply!(allow_env, allow_env_all);
        apply!(deny_read, deny_read_all);
        apply!(deny_write, deny_write_all);
        apply!(deny_net, deny_net_all);
        apply!(deny_env, deny_env_all);
        builder
            .build()
            .map_err(|e| (table.to_owned(), e.to_string()))
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::ParseFile {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Parses `--var KEY=VALUE`.
fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("'{text}' is not KEY=VALUE")),
    }
}

/// Tenant ids (from config keys and request headers): 1 to 64 characters
/// of `A-Z a-z 0-9 . _ -`.
pub fn valid_tenant(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_limits_apply_over_the_base_and_name_bad_keys() {
        let limits: FileLimits =
            toml::from_str("timeout = '20ms'\nmemory = '64M'\nfuel = 5").unwrap();
        let limits = limits.apply(Limits::default(), "limits").unwrap();
        assert_eq!(limits.timeout, Duration::from_millis(20));
        assert_eq!(limits.memory_bytes, 64 << 20);
        assert_eq!(limits.fuel, Some(5));
        let bad: FileLimits = toml::from_str("timeout = 'soon'").unwrap();
        let (key, _) = bad
            .apply(Limits::default(), "tenants.a.limits")
            .unwrap_err();
        assert_eq!(key, "tenants.a.limits.timeout");
        assert!(toml::from_str::<FileLimits>("timeuot = '1s'").is_err());
    }

    #[test]
    fn eval_is_set_at_the_top_and_per_tenant_and_the_flag_wins() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("entry.mjs"), "export default {}").unwrap();
        let config = dir.path().join("jsbox.toml");
        std::fs::write(
            &config,
            "entry = 'entry.mjs'\neval = false\n\
             [tenants.trusted]\neval = true\n[tenants.plain.vars]\nA = 'b'\n",
        )
        .unwrap();
        let load = |extra: &[&str]| {
            let config = config.to_str().unwrap();
            let args = [&["jsbox-serve", "--config", config][..], extra].concat();
            let mut command = <ServeArgs as clap::Args>::augment_args(clap::Command::new("serve"));
            command.build();
            let matches = command.try_get_matches_from(args).unwrap();
            ServeConfig::load(
                <ServeArgs as clap::FromArgMatches>::from_arg_matches(&matches).unwrap(),
            )
            .unwrap()
        };
        let from_file = load(&[]);
        assert!(!from_file.allows_eval(None));
        assert!(!from_file.allows_eval(Some("plain")));
        assert!(from_file.allows_eval(Some("trusted")));
        let flagged = load(&["--no-eval"]);
        assert!(!flagged.allows_eval(Some("trusted")));
    }

    #[test]
    fn vars_and_tenants_are_checked() {
        assert_eq!(parse_var("A=b=c"), Ok(("A".to_owned(), "b=c".to_owned())));
        assert!(parse_var("=x").is_err());
        assert!(parse_var("novalue").is_err());
        assert!(valid_tenant("acme-1.eu_west"));
        assert!(!valid_tenant(""));
        assert!(!valid_tenant("a b"));
        assert!(!valid_tenant(&"x".repeat(65)));
    }
}
