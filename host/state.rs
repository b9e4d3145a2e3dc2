//! The data a run's [`Store`](wasmtime::Store) carries.
//!
//! One [`SandboxState`] exists per run and dies with it; nothing in it is
//! shared between runs except the log sink, which the caller owns.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::Responder;
use crate::bindings::jsbox::sandbox::types;
use crate::limiter::MemoryLimiter;
use crate::log::LogSink;

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
    /// When the run must end; host calls that wait stop here.
    pub deadline: Instant,
    /// The canonical directory modules may be loaded from, if any.
    pub module_root: Option<PathBuf>,
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
    ) -> Self {
        SandboxState {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
            limiter: MemoryLimiter::new(memory_bytes),
            context,
            log_sink,
            output: OutputBudget::new(max_output_bytes),
            host_calls: 0,
            deadline,
            module_root: None,
            responder: None,
            responded: false,
        }
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
