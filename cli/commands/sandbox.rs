//! The flags every command that runs a script in a sandbox shares (`run`,
//! `test`): limits, grants, the request context and the compiled-guest
//! cache, and the runtime and run options they make.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use jsbox::{
    ComponentSource, Limits, NetProxy, RequestContext, RunOptions, Runtime, RuntimeBuilder,
    StdioSink,
};

use super::args::{parse_context, parse_duration, parse_fuel, parse_net_proxy, parse_size};
use super::exit;
use super::grants::GrantArgs;

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// CPU budget in fuel units (about one per wasm instruction). Default: no
    /// budget beyond the timeout.
    #[arg(long, value_name = "N", value_parser = parse_fuel, conflicts_with = "cpu")]
    pub fuel: Option<u64>,

    /// CPU budget as time, e.g. `50ms`: converted to fuel at the calibrated
    /// rate of this build (see README), so it stops at the same point on
    /// every machine and takes about this long on ours.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub cpu: Option<Duration>,

    /// Linear-memory cap, e.g. `128M`, `1G` (powers of 1024).
    #[arg(long, value_name = "SIZE", default_value = "128M", value_parser = parse_size)]
    pub memory: u64,

    /// Cap on console output; output past it is dropped with a warning.
    #[arg(long, value_name = "SIZE", default_value = "1M", value_parser = parse_size)]
    pub max_output: u64,

    /// Cap on the script's calls to the host (console output, timers,
    /// module loads...); the call past it ends the run (exit code 7).
    /// Default: no cap.
    #[arg(long, value_name = "N")]
    pub max_host_calls: Option<u64>,

    /// Cap on the `fetch` response bodies open at once (each holds a
    /// socket on the host); the fetch past it rejects with a TypeError.
    /// Read bodies to the end or cancel them to free their place.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_open_fetches,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_open_fetches: u32,

    /// Send every `fetch` through this HTTP CONNECT proxy
    /// (`http://[user:password@]host:port`). The target is still resolved
    /// here and its addresses checked against the rules; the proxy is asked
    /// for the checked address. Without it `fetch` connects directly:
    /// HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY are ignored.
    #[arg(long, value_name = "URL", value_parser = parse_net_proxy)]
    pub net_proxy: Option<NetProxy>,

    /// The request context JS sees as `context`: JSON, or `@file` to read
    /// JSON from a file. Example: '{"tenantId":"t1","user":{"id":"u1"}}'.
    #[arg(long, value_name = "JSON|@FILE", value_parser = parse_context)]
    pub context: Option<RequestContext>,

    /// Refuse code generation from strings: `eval`, `new Function` and the
    /// async and generator function constructors throw an EvalError. The
    /// file and the modules it imports run as usual.
    #[arg(long)]
    pub no_eval: bool,

    /// Where to keep the compiled guest between invocations.
    /// Default: `$XDG_CACHE_HOME/jsbox` or `~/.cache/jsbox`.
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,

    /// Compile the guest afresh instead of using (or filling) the cache.
    #[arg(long)]
    pub no_cache: bool,

    #[command(flatten)]
    pub grants: GrantArgs,
}

impl SandboxArgs {
    /// A runtime for one run at a time, and the options of every run (the
    /// log going to stdout and stderr); on an error, which is printed with
    /// what to fix, the exit code to end with.
    pub fn runtime_and_options(
        &self,
        timeout: Duration,
    ) -> Result<(Runtime, RunOptions), ExitCode> {
        let grants = match self.grants.grants() {
            Ok(grants) => grants,
            Err(error) => {
                eprintln!("jsbox: {error}");
                return Err(ExitCode::from(exit::USAGE));
            }
        };
        let audit_sink = match self.grants.audit_sink() {
            Ok(sink) => sink,
            Err(message) => {
                eprintln!("jsbox: {message}");
                return Err(ExitCode::from(exit::USAGE));
            }
        };
        let mut builder = Runtime::builder()
            // One run needs one sandbox, and one more while compiling.
            .max_concurrent(2)
            .max_memory_bytes(self.memory);
        let cache_dir = self
            .cache_dir
            .clone()
            .or_else(RuntimeBuilder::default_cache_dir);
        if let Some(dir) = cache_dir.filter(|_| !self.no_cache) {
            builder = builder.cache_dir(dir);
        }
        let runtime = match builder.build() {
            Ok(runtime) => runtime,
            Err(error) => {
                eprintln!("jsbox: internal: {:#}", anyhow::Error::new(error));
                return Err(ExitCode::from(exit::for_kind(jsbox::OutcomeKind::Internal)));
            }
        };
        if let ComponentSource::Compiled {
            save_error: Some(error),
            ..
        } = runtime.component_source()
        {
            eprintln!(
                "jsbox: warning: {error}; the next start will compile again (see --cache-dir)"
            );
        }
        let mut options = RunOptions::default()
            .with_context(self.context.clone().unwrap_or_default())
            .with_limits(Limits {
                timeout,
                fuel: self.fuel.or(self.cpu.map(Limits::fuel_for_cpu_time)),
                memory_bytes: self.memory,
                max_output_bytes: self.max_output,
                max_host_calls: self.max_host_calls,
                max_open_fetches: self.max_open_fetches,
            })
            .with_log_sink(Arc::new(StdioSink))
            .with_grants(grants)
            .with_allow_eval(!self.no_eval)
            // The env grant decides which of these the script sees.
            .with_env(std::env::vars());
        if let Some(sink) = audit_sink {
            options = options.with_audit_sink(sink);
        }
        if let Some(proxy) = self.net_proxy.clone() {
            options = options.with_net_proxy(proxy);
        }
        Ok((runtime, options))
    }
}
