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
//! The map of the code is in `ARCHITECTURE.md`.

mod audit;
mod bindings;
mod builder;
mod cache;
mod classify;
mod context;
mod engine;
mod error;
mod grants;
mod guest;
mod http;
mod imports;
mod limiter;
mod limits;
mod log;
mod metrics;
mod outcome;
mod prometheus;
mod report;
mod runtime;
mod sandbox;
mod script;
mod snapshot;
mod state;

pub use audit::{AuditEvent, AuditSink, Decision, JsonLinesAuditSink, MemoryAuditSink};
pub use builder::RuntimeBuilder;
pub use cache::bytecode::BytecodeCacheStats;
pub use cache::component::ComponentSource;
pub use context::{RequestContext, User};
pub use error::Error;
pub use grants::{Access, GrantError, Grants, GrantsBuilder, HostPattern};
pub use http::{HttpRequest, HttpResponse, Responder};
pub use limits::Limits;
pub use log::{LogEvent, LogLevel, LogSink, MemorySink, StdioSink};
pub use metrics::RuntimeMetrics;
pub use outcome::{JsError, Outcome, OutcomeKind};
pub use report::{BytecodeCacheUse, ResourceReport};
pub use runtime::{Execution, RunOptions, Runtime};
pub use script::{Script, SourceKind};
