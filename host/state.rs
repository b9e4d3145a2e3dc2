//! The data a run's [`Store`](wasmtime::Store) carries.
//!
//! One [`SandboxState`] exists per run and dies with it; nothing in it is
//! shared between runs except the log and audit sinks, which the caller
//! owns, and the grants and environment, which are read-only.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::Responder;
use crate::audit::{AuditSink, DiscardAuditSink};
use crate::bindings::jsbox::sandbox::types;
use crate::grants::Grants;
use crate::limiter::MemoryLimiter;
use crate::log::LogSink;

/// What a run may reach outside its own memory, besides logging.
#[derive(Clone)]
pub struct Capabilities {
    /// The canonical directory modules may be loaded from, if any.
    pub module_root: Option<PathBuf>,
    /// The file, net and env permissions.
    pub grants: Arc<Grants>,
    /// Where decisions on gated calls are recorded.
    pub audit_sink: Arc<dyn AuditSink>,
    /// The variables the env grant filters.
    pub env: Arc<BTreeMap<String, String>>,
}

impl Capabilities {
    /// Module loading from `module_root` only; nothing granted.
    pub fn modules_only(module_root: Option<PathBuf>) -> Self {
        Capabilities {
            module_root,
            grants: Arc::new(Grants::default()),
            audit_sink: Arc::new(DiscardAuditSink),
            env: Arc::new(BTreeMap::new()),
        }
    }
}

/// Per-run store data: WASI state, limits, the context and the counters the
/// resource report is made of.
pub struct SandboxState {
    /// WASI with no stdio, environment, arguments or files: the guest reaches
    /// the outside world only through jsbox's own imports.
    wasi: WasiCtx,
    table: ResourceTable,
    pub limiter: MemoryLimiter,
    pub context: types::RequestContext,
    pub log_sink: Arc<dyn LogSink>,
    pub output: OutputBudget,
    pub host_calls: u64,
    /// Gated calls the grants refused.
    pub permissions_denied: u64,
    /// When the run must end; host calls that wait stop here.
    pub deadline: Instant,
    /// The canonical directory modules may be loaded from, if any.
    pub module_root: Option<PathBuf>,
    pub grants: Arc<Grants>,
    pub audit_sink: Arc<dyn AuditSink>,
    pub env: Arc<BTreeMap<String, String>>,
    /// The HTTP client, made on the first request.
    pub http_agent: Option<ureq::Agent>,
    /// Where a handler run's response goes; taken by the first response.
    pub responder: Option<Responder>,
    /// Whether the guest has sent its response.
    pub responded: bool,
}

impl SandboxState {
    pub fn new(
        context: types::RequestContext,
        memory_bytes: u64,
        max_output_bytes: u64,
        log_sink: Arc<dyn LogSink>,
        deadline: Instant,
        capabilities: Capabilities,
    ) -> Self {
        SandboxState {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
            limiter: MemoryLimiter::new(memory_bytes),
            context,
            log_sink,
            output: OutputBudget::new(max_output_bytes),
            host_calls: 0,
            permissions_denied: 0,
            deadline,
            module_root: capabilities.module_root,
            grants: capabilities.grants,
            audit_sink: capabilities.audit_sink,
            env: capabilities.env,
            http_agent: None,
            responder: None,
            responded: false,
        }
    }
}

impl SandboxState {
    /// The table of the run's resources (open files, response bodies).
    pub fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }
}

impl WasiView for SandboxState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// How many bytes of log output a run may still emit.
#[derive(Debug)]
pub struct OutputBudget {
    limit: u64,
    used: u64,
}

impl OutputBudget {
    pub fn new(limit: u64) -> Self {
        OutputBudget { limit, used: 0 }
    }

    /// Accounts for `bytes` more output; whether they fit in the budget.
    pub fn spend(&mut self, bytes: u64) -> bool {
        self.used = self.used.saturating_add(bytes);
        self.used <= self.limit
    }

    /// Bytes emitted so far, dropped ones included.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// Whether some output was dropped.
    pub fn exceeded(&self) -> bool {
        self.used > self.limit
    }
}
