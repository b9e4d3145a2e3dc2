//! jsbox runs untrusted JavaScript in a fresh WebAssembly sandbox per run.
//!
//! A QuickJS guest, compiled to a WebAssembly component and embedded in this
//! crate, runs inside Wasmtime. Every [`Runtime::run`] gets a new store and
//! instance, limited in CPU ([fuel](Limits::fuel)), wall-clock time
//! ([deadline](Limits::timeout)) and [memory](Limits::memory_bytes), and ends
//! in exactly one classified [`Outcome`] plus a [`ResourceReport`].
//!
//! ```no_run
//! use jsbox::{Runtime, RunOptions, Script};
//!
//! let runtime = Runtime::builder().build()?;
//! let run = runtime.run(&Script::new("hello.js", "console.log('hi'); 6 * 7"), RunOptions::default());
//! assert_eq!(run.outcome.kind().as_str(), "ok");
//! # Ok::<(), jsbox::Error>(())
//! ```
//!
//! # Embedding
//!
//! Build one [`Runtime`] (it compiles the guest, about a second, or loads it
//! from [`RuntimeBuilder::cache_dir`]) and share it: it is `Send + Sync` and
//! cheap to clone. Each run takes [`RunOptions`]: the caller's
//! [`RequestContext`] (tenant, user, request id), [`Limits`], [`Grants`]
//! (files, hosts, environment variables, host modules; nothing by default),
//! log and audit sinks, and optionally a [`CancelToken`].
//!
//! Embedders add their own functions with
//! [`RuntimeBuilder::host_function`]; scripts call them as
//! `require('host:db').query(...)`, subject to the run's grants, audit sink
//! and [`Limits::max_host_calls`]:
//!
//! ```no_run
//! use std::sync::Arc;
//! use jsbox::{Grants, Limits, MemoryAuditSink, RequestContext, RunOptions, Runtime, Script};
//!
//! let runtime = Runtime::builder()
//!     .max_concurrent(16)
//!     .host_function("db", "count", |call, (table,): (String,)| {
//!         // Scope by the run's tenant, which the embedder set, not the script.
//!         let tenant = call.tenant_id().unwrap_or_default();
//!         Ok(format!("{tenant}:{table}").len())
//!     })
//!     .build()?;
//! let options = RunOptions::default()
//!     .with_context(RequestContext {
//!         tenant_id: Some("acme".into()),
//!         ..RequestContext::default()
//!     })
//!     .with_limits(Limits::default().with_max_host_calls(1_000))
//!     .with_grants(Grants::builder().allow_host_module(["db"]).build()?)
//!     .with_audit_sink(Arc::new(MemoryAuditSink::new()));
//! let run = runtime.run(&Script::new("job.js", "require('host:db').count('orders')"), options);
//! println!("{}: {:?}", run.outcome, run.report);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Plugins export [`Runtime::run_plugin`]'s `handle`, and may export
//! functions the embedder declares in its own WIT ([`TypedExports`]),
//! called with WIT values by [`Runtime::call_export`], whether the plugin
//! is a JS module or a component ([`ExportTarget`]).
//!
//! [`Runtime::run`] blocks its thread; [`Runtime::run_async`] runs on
//! Tokio's blocking pool and cancels the run when its future is dropped.
//! [`Runtime::metrics`] and [`Runtime::register_metrics`] report runs by
//! outcome, pool and cache use. `examples/embed.rs` is a small multi-tenant
//! service built this way.
//!
//! The map of the code is in `ARCHITECTURE.md`.

#![warn(missing_docs)]

// The public vocabulary is the files at the top; the machinery is in
// layers, each a folder whose `mod.rs` says what it owns and what it may
// use (`ARCHITECTURE.md` has the rules in one place).
mod access;
mod builder;
mod cache;
mod cancel;
mod capabilities;
mod components;
mod context;
mod error;
mod http;
mod limits;
mod observe;
mod outcome;
mod report;
mod run;
mod runtime;
mod sandbox;
mod script;
mod traps;

pub use access::Access;
pub use builder::RuntimeBuilder;
pub use cache::bytecode::BytecodeCacheStats;
pub use cache::component::ComponentSource;
pub use cancel::CancelToken;
pub use capabilities::grants::{GrantError, Grants, GrantsBuilder, HostPattern};
pub use capabilities::host_functions::{HostCall, HostFunctionError};
pub use capabilities::imports::http::{NetProxy, NetProxyError};
pub use components::http_plugin::HttpPlugin;
pub use components::plugin::{Plugin, PluginError};
pub use components::prepared::PreparedHandler;
pub use components::typed::{
    DeclarationError, ExportError, ExportSignature, ExportTarget, TypedExecution, TypedExports,
    TypedExportsBuilder, TypedPlugin,
};
pub use context::{RequestContext, User};
pub use error::Error;
pub use http::{
    BodyClosed, BodyError, BodyReceiver, BodySender, HttpBody, HttpRequest, HttpResponse,
    Responder, body_channel,
};
pub use limits::Limits;
pub use observe::audit::{AuditEvent, AuditSink, Decision, JsonLinesAuditSink, MemoryAuditSink};
pub use observe::log::{LogEvent, LogLevel, LogSink, MemorySink, StdioSink};
pub use observe::metrics::RuntimeMetrics;
pub use outcome::{Execution, JsError, Outcome, OutcomeKind};
pub use report::{BytecodeCacheUse, ResourceReport};
pub use runtime::{RunOptions, Runtime};
pub use script::{Script, SourceKind};
