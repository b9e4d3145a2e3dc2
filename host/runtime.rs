//! [`Runtime`]: the compiled guest plus the engine, shared by every run; and
//! [`Runtime::run`], which gives each run a fresh store and instance.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Store, Trap, UpdateDeadline};

use crate::bindings::{self, Sandbox, SandboxPre};
use crate::classify::{RawResult, classify, classify_panic};
use crate::engine::{EpochTicker, new_engine};
use crate::log::{DiscardSink, LogSink};
use crate::state::SandboxState;
use crate::{Error, Limits, Outcome, RequestContext, ResourceReport, Script, guest};

/// Builds a [`Runtime`].
#[derive(Debug, Clone)]
pub struct RuntimeBuilder {
    epoch_tick: Duration,
    max_wasm_stack: usize,
}

impl Default for RuntimeBuilder {
    fn default() -> Self {
        RuntimeBuilder {
            epoch_tick: Duration::from_millis(1),
            max_wasm_stack: 1 << 20,
        }
    }
}

impl RuntimeBuilder {
    /// How often the deadline is checked. A run stops at most about one
    /// tick after its deadline. Default: 1 ms.
    pub fn epoch_tick(mut self, tick: Duration) -> Self {
        self.epoch_tick = tick.max(Duration::from_micros(100));
        self
    }

    /// The native stack wasm code may use; deeper recursion ends the run as
    /// [`Outcome::StackOverflow`]. Default: 1 MiB.
    pub fn max_wasm_stack(mut self, bytes: usize) -> Self {
        self.max_wasm_stack = bytes;
        self
    }

    /// Compiles the embedded guest and starts the epoch ticker. Compiling
    /// takes about a second; build one runtime and share it.
    pub fn build(self) -> Result<Runtime, Error> {
        let engine = new_engine(self.max_wasm_stack)?;
        let component =
            Component::new(&engine, guest::COMPONENT).map_err(|e| Error::CompileGuest(e.into()))?;
        let mut linker = Linker::<SandboxState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| Error::Link(e.into()))?;
        Sandbox::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)
            .map_err(|e| Error::Link(e.into()))?;
        let instance_pre = linker
            .instantiate_pre(&component)
            .map_err(|e| Error::Link(e.into()))?;
        let sandbox_pre = SandboxPre::new(instance_pre).map_err(|e| Error::Link(e.into()))?;
        let ticker = EpochTicker::start(engine.clone(), self.epoch_tick)?;
        Ok(Runtime {
            inner: Arc::new(RuntimeInner {
                engine,
                sandbox_pre,
                _ticker: ticker,
            }),
        })
    }
}

/// Runs scripts, each in a fresh sandbox. `Send + Sync` and cheap to clone:
/// build one and share it between threads.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
}

struct RuntimeInner {
    engine: Engine,
    sandbox_pre: SandboxPre<SandboxState>,
    /// Dropped (stopped) with the last clone of the runtime.
    _ticker: EpochTicker,
}

/// Per-run settings.
#[derive(Clone)]
pub struct RunOptions {
    /// The request context, readable in JS as `context`.
    pub context: RequestContext,
    /// The run's limits.
    pub limits: Limits,
    /// Where the run's log events go. Default: discarded.
    pub log_sink: Arc<dyn LogSink>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            context: RequestContext::default(),
            limits: Limits::default(),
            log_sink: Arc::new(DiscardSink),
        }
    }
}

impl RunOptions {
    /// Sets the request context.
    pub fn with_context(mut self, context: RequestContext) -> Self {
        self.context = context;
        self
    }

    /// Sets the limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the log sink.
    pub fn with_log_sink(mut self, sink: Arc<dyn LogSink>) -> Self {
        self.log_sink = sink;
        self
    }
}

/// The result of one run: how it ended and what it used.
#[derive(Debug, Clone)]
pub struct Execution {
    /// How the run ended.
    pub outcome: Outcome,
    /// What the run consumed.
    pub report: ResourceReport,
    /// The run's request id (the caller's, or the one generated for it).
    pub request_id: String,
}

impl Runtime {
    /// A builder with the default settings.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    /// Runs `script` in a new sandbox and classifies how it ended. Never
    /// fails and never panics: every failure, including jsbox's own, is an
    /// [`Outcome`].
    pub fn run(&self, script: &Script, options: RunOptions) -> Execution {
        let started = Instant::now();
        let RunOptions {
            mut context,
            limits,
            log_sink,
        } = options;
        if context.request_id.is_empty() {
            context.request_id = uuid::Uuid::new_v4().to_string();
        }
        let request_id = context.request_id.clone();
        let state = SandboxState::new(
            bindings::request_context(&context, deadline_ms(limits.timeout)),
            limits.memory_bytes,
            limits.max_output_bytes,
            log_sink,
        );
        let mut store = Store::new(&self.inner.engine, state);
        let fuel = limits.fuel.unwrap_or(u64::MAX);

        let result = catch_unwind(AssertUnwindSafe(|| {
            self.prepare_store(&mut store, fuel, started + limits.timeout)?;
            self.call_guest(&mut store, script)
        }));
        let memory_denied = store.data().limiter.denied();
        let outcome = match result {
            Ok(result) => classify(result, memory_denied, &limits),
            Err(panic) => classify_panic(panic),
        };

        let state = store.data();
        let report = ResourceReport {
            wall_us: started.elapsed().as_micros() as u64,
            fuel_consumed: fuel - store.get_fuel().unwrap_or(fuel),
            peak_memory_bytes: state.limiter.peak(),
            host_calls: state.host_calls,
            output_bytes: state.output.used(),
            output_truncated: state.output.exceeded(),
        };
        Execution {
            outcome,
            report,
            request_id,
        }
    }

    /// Installs the run's fuel, memory cap and deadline. The deadline must
    /// be armed before instantiation: instantiating runs the guest's
    /// initializer, and a new store's epoch deadline has already passed.
    fn prepare_store(
        &self,
        store: &mut Store<SandboxState>,
        fuel: u64,
        deadline: Instant,
    ) -> wasmtime::Result<()> {
        store.set_fuel(fuel)?;
        store.limiter(|state| &mut state.limiter);
        // Check the clock on every epoch tick: the deadline is honoured to
        // within a tick, and never early, whatever the tick's phase.
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if Instant::now() >= deadline {
                Err(Trap::Interrupt.into())
            } else {
                Ok(UpdateDeadline::Continue(1))
            }
        });
        Ok(())
    }

    fn call_guest(&self, store: &mut Store<SandboxState>, script: &Script) -> RawResult {
        let sandbox = self.inner.sandbox_pre.instantiate(&mut *store)?;
        sandbox
            .jsbox_sandbox_run()
            .call_run(&mut *store, &script.into())
    }
}

/// The deadline as the guest sees it: milliseconds since the Unix epoch.
fn deadline_ms(timeout: Duration) -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (now + timeout).as_millis() as u64
}
