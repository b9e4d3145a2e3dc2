//! The data a run's [`Store`](wasmtime::Store) carries: WASI (with no
//! stdio, environment, arguments or files), the memory limiter, and the
//! [`RunState`] the imports act on, which the store data derefs to.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Instant;

use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::cancel::CancelToken;
use crate::capabilities::bindings::jsbox::sandbox::types;
use crate::capabilities::state::{Capabilities, RunState};
use crate::observe::log::LogSink;
use crate::sandbox::limiter::MemoryLimiter;
use crate::sandbox::random_watch::{self, RandomWatch};

/// Per-run store data.
pub struct SandboxState {
    /// WASI with no stdio, environment, arguments or files: the guest reaches
    /// the outside world only through jsbox's own imports.
    wasi: WasiCtx,
    pub limiter: MemoryLimiter,
    /// What the imports act on; the store data derefs to it.
    pub run: RunState,
}

impl SandboxState {
    pub fn new(
        context: types::RequestContext,
        memory_bytes: u64,
        max_output_bytes: u64,
        log_sink: Arc<dyn LogSink>,
        deadline: Instant,
        capabilities: Capabilities,
        cancel: CancelToken,
    ) -> Self {
        SandboxState {
            wasi: WasiCtx::builder().build(),
            limiter: MemoryLimiter::new(memory_bytes),
            run: RunState::new(
                context,
                max_output_bytes,
                log_sink,
                deadline,
                capabilities,
                cancel,
            ),
        }
    }

    /// Makes the store's WASI random sources report their draws to
    /// `watch` (while an entry is prepared: see `random_watch.rs`).
    pub fn watch_random(&mut self, watch: &Arc<RandomWatch>) {
        self.wasi = random_watch::watched_wasi(watch);
    }
}

impl Deref for SandboxState {
    type Target = RunState;

    fn deref(&self) -> &RunState {
        &self.run
    }
}

impl DerefMut for SandboxState {
    fn deref_mut(&mut self) -> &mut RunState {
        &mut self.run
    }
}

impl WasiView for SandboxState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.run.table,
        }
    }
}
