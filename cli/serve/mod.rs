//! `jsbox serve`: an HTTP server that runs every request in a fresh
//! sandbox with a Workers-style handler.
//!
//! - [`config`]: flags, environment and TOML file, validated at start;
//! - [`entry`]: what is served, a JS handler or an HTTP plugin component;
//! - [`server`]: listeners, graceful shutdown;
//! - [`connection`]: the connection cap and the header and idle timeouts;
//! - [`handler`]: one request, from headers to response, log line, metrics;
//! - [`admission`]: sandboxes at once and the bounded queue;
//! - [`admin`]: `/metrics`, `/healthz`, `/readyz`;
//! - [`metrics`]: the Prometheus registry;
//! - [`request_headers`]: request id, trace parent, locale and `Host` from
//!   the headers;
//! - [`tenancy`]: which tenant a request is, by host or credential;
//! - [`logging`]: JSON or pretty logs through `tracing`, `console.*` included;
//! - [`watch`]: `--watch`, reloading the entry when its file changes.

mod admin;
mod admission;
mod config;
mod connection;
mod entry;
mod handler;
mod logging;
mod metrics;
mod request_headers;
mod server;
mod tenancy;
mod watch;

use std::process::ExitCode;
use std::sync::Arc;

use jsbox::{RunOptions, Runtime, RuntimeBuilder};
use tokio::net::TcpListener;

pub use config::ServeArgs;

use admission::Admission;
use config::ServeConfig;
use handler::App;
use logging::{TracingAuditSink, TracingSink};
use metrics::ServeMetrics;

/// Stack for the threads that run sandboxes: Wasm may use 1 MiB of native
/// stack (see `RuntimeBuilder::max_wasm_stack`), and the host needs some on
/// top.
const SANDBOX_THREAD_STACK: usize = 4 << 20;

/// Runs the server until SIGTERM or SIGINT, then drains and exits 0. Bad
/// configuration exits 2; a runtime that cannot start or a port that
/// cannot be bound, 1.
pub fn main(args: ServeArgs) -> ExitCode {
    let config = match ServeConfig::load(args) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("jsbox serve: {error}");
            return ExitCode::from(crate::commands::exit::USAGE);
        }
    };
    logging::init(config.log_format);
    match start(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!(target: "jsbox::serve", "{message}");
            ExitCode::FAILURE
        }
    }
}

fn start(config: ServeConfig) -> Result<(), String> {
    let runtime = build_runtime(&config)?;
    // The entry's imports load at start under the base grants' deny rules,
    // audited like a request's.
    let options = RunOptions::default()
        .with_limits(config.limits.clone())
        .with_grants(config.grants.clone())
        .with_audit_sink(Arc::new(TracingAuditSink {
            app: config.app_name.as_str().into(),
        }))
        .with_module_root(&config.module_root)
        .with_log_sink(Arc::new(TracingSink {
            app: config.app_name.as_str().into(),
            trace_parent: None,
        }));
    let entry = config
        .entry
        .prepare(&runtime, &options, config.entry_snapshot)
        .map_err(|why| format!("the entry {} cannot be served: {why}", config.entry.name()))?;
    let admission = Arc::new(Admission::new(
        config.max_concurrent,
        config.queue,
        config.queue_timeout,
    ));
    let metrics = ServeMetrics::new(&runtime, admission.clone())
        .map_err(|e| format!("setting up the metrics failed: {e}"))?;
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(SANDBOX_THREAD_STACK)
        .max_blocking_threads(config.max_concurrent as usize)
        .build()
        .map_err(|e| format!("starting the async runtime failed: {e}"))?;
    let app = Arc::new(App::new(config, entry, runtime, admission, metrics));
    tokio.block_on(async move {
        let bind = |addr| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {addr}: {e}"))
        };
        let listener = bind(app.config.listen).await?;
        let admin_listener = bind(app.config.admin_listen).await?;
        let local = |l: &TcpListener| l.local_addr().map_err(|e| e.to_string());
        tracing::info!(
            target: "jsbox::serve",
            app = &*app.app_name,
            addr = %local(&listener)?,
            admin_addr = %local(&admin_listener)?,
            entry = app.config.entry.name(),
            max_concurrent = app.config.max_concurrent,
            queue = app.config.queue,
            "listening"
        );
        server::run(app, listener, admin_listener, shutdown_signal()).await;
        Ok(())
    })
}

fn build_runtime(config: &ServeConfig) -> Result<Runtime, String> {
    let max_memory = config
        .tenants
        .values()
        .map(|t| t.limits.memory_bytes)
        .chain([config.limits.memory_bytes])
        .max()
        .unwrap_or(config.limits.memory_bytes);
    // One slot per admitted request, plus one for compiling the entry again
    // should the bytecode cache ever evict it.
    let mut builder = Runtime::builder()
        .max_concurrent(config.max_concurrent + 1)
        .max_memory_bytes(max_memory);
    if let Some(dir) = config
        .cache_dir
        .clone()
        .or_else(RuntimeBuilder::default_cache_dir)
    {
        builder = builder.cache_dir(dir);
    }
    builder.build().map_err(|e| {
        format!(
            "the sandbox runtime failed to start: {:#}",
            anyhow::Error::new(e)
        )
    })
}

/// Resolves on the first SIGTERM or SIGINT.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            // Without a SIGTERM handler, SIGINT still works.
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        () = terminate => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
