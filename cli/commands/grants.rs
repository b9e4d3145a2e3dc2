//! The permission flags of `jsbox run`, in Deno's style: `--allow-read`,
//! `--allow-write`, `--allow-net`, `--allow-env`, their `--deny-*`
//! counterparts, `--allow-all`, and `--audit-log`.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use jsbox::{AuditSink, GrantError, Grants, GrantsBuilder, JsonLinesAuditSink};

/// A bare flag (`--allow-read`) covers everything of its kind; with values
/// (`--allow-read=a,b`, or repeated) it covers those. Deny rules win.
#[derive(Debug, Args)]
pub struct GrantArgs {
    /// Allow reading files: everything, or these files and directories
    /// (with all they contain). Links are resolved before checking.
    #[arg(long, value_name = "PATHS", num_args = 0..=1, require_equals = true, value_delimiter = ',')]
    allow_read: Option<Vec<String>>,

    /// Allow creating, changing and removing files: everything, or under
    /// these paths.
    #[arg(long, value_name = "PATHS", num_args = 0..=1, require_equals = true, value_delimiter = ',')]
    allow_write: Option<Vec<String>>,

    /// Allow fetch to reach any host, or these: `example.com`,
    /// `example.com:8080`, `*.example.com`, `127.0.0.1`, `[::1]:3000`.
    #[arg(long, value_name = "HOSTS", num_args = 0..=1, require_equals = true, value_delimiter = ',')]
    allow_net: Option<Vec<String>>,

    /// Allow reading environment variables: all, or these names (`APP_*`
    /// for a prefix).
    #[arg(long, value_name = "NAMES", num_args = 0..=1, require_equals = true, value_delimiter = ',')]
    allow_env: Option<Vec<String>>,

    /// Allow everything: all reads, writes, hosts and variables.
    #[arg(short = 'A', long)]
    allow_all: bool,

    /// Deny reading these paths (or everything), whatever is allowed.
    #[arg(long, value_name = "PATHS", num_args = 0..=1, require_equals = true, value_delimiter = ',')]
    deny_read: Option<Vec<String>>,

    /// Deny writing under these paths (or everything).
    #[arg(long, value_name = "PATHS", num_args = 0..=1, require_equals = true, value_delimiter = ',')]
    deny_write: Option<Vec<String>>,

    /// Deny these hosts (or every host).
    #[arg(long, value_name = "HOSTS", num_args = 0..=1, require_equals = true, value_delimiter = ',')]
    deny_net: Option<Vec<String>>,

    /// Deny these variables (or all).
    #[arg(long, value_name = "NAMES", num_args = 0..=1, require_equals = true, value_delimiter = ',')]
    deny_env: Option<Vec<String>>,

    /// Turn the SSRF guard off. By default a connection to a loopback,
    /// private, link-local, CGNAT, unspecified, multicast or reserved
    /// address (a name resolving there, or such an address under a bare
    /// `--allow-net`) needs an allow rule naming that address or a range
    /// holding it: `--allow-net=127.0.0.1:3000`, `--allow-net=10.0.0.0/8`.
    #[arg(long, overrides_with = "ssrf_guard")]
    no_ssrf_guard: bool,

    /// Keep the SSRF guard on (the default; overrides --no-ssrf-guard).
    #[arg(long, overrides_with = "no_ssrf_guard")]
    ssrf_guard: bool,

    /// Write an audit event (JSON, one per line) for every allowed or
    /// denied file, net and env access to FILE (appended), or to stderr
    /// with `-`.
    #[arg(long, value_name = "FILE|-")]
    audit_log: Option<PathBuf>,
}

type Rule = fn(GrantsBuilder, Vec<String>) -> GrantsBuilder;
type All = fn(GrantsBuilder) -> GrantsBuilder;

fn apply(
    builder: GrantsBuilder,
    flag: &Option<Vec<String>>,
    some: Rule,
    all: All,
) -> GrantsBuilder {
    match flag {
        None => builder,
        Some(values) if values.is_empty() => all(builder),
        Some(values) => some(builder, values.clone()),
    }
}

impl GrantArgs {
    /// The grants the flags describe.
    pub fn grants(&self) -> Result<Grants, GrantError> {
        let mut builder = Grants::builder().ssrf_guard(!self.no_ssrf_guard);
        if self.allow_all {
            builder = builder
                .allow_read_all()
                .allow_write_all()
                .allow_net_all()
                .allow_env_all();
        }
        builder = apply(
            builder,
            &self.allow_read,
            |b, v| b.allow_read(v),
            |b| b.allow_read_all(),
        );
        builder = apply(
            builder,
            &self.allow_write,
            |b, v| b.allow_write(v),
            |b| b.allow_write_all(),
        );
        builder = apply(
            builder,
            &self.allow_net,
            |b, v| b.allow_net(v),
            |b| b.allow_net_all(),
        );
        builder = apply(
            builder,
            &self.allow_env,
            |b, v| b.allow_env(v),
            |b| b.allow_env_all(),
        );
        builder = apply(
            builder,
            &self.deny_read,
            |b, v| b.deny_read(v),
            |b| b.deny_read_all(),
        );
        builder = apply(
            builder,
            &self.deny_write,
            |b, v| b.deny_write(v),
            |b| b.deny_write_all(),
        );
        builder = apply(
            builder,
            &self.deny_net,
            |b, v| b.deny_net(v),
            |b| b.deny_net_all(),
        );
        builder = apply(
            builder,
            &self.deny_env,
            |b, v| b.deny_env(v),
            |b| b.deny_env_all(),
        );
        builder.build()
    }

    /// The audit sink `--audit-log` asks for, if any.
    pub fn audit_sink(&self) -> Result<Option<Arc<dyn AuditSink>>, String> {
        let Some(path) = &self.audit_log else {
            return Ok(None);
        };
        let out: Box<dyn std::io::Write + Send> = if path.as_os_str() == "-" {
            Box::new(std::io::stderr())
        } else {
            Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| format!("cannot open the audit log {}: {e}", path.display()))?,
            )
        };
        Ok(Some(Arc::new(JsonLinesAuditSink::new(out))))
    }
}
