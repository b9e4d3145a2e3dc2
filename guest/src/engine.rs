//! The QuickJS runtime, created once per guest and, through the host's
//! snapshot, shared by every instance started from it.

use std::sync::OnceLock;

use javy::{Config, Runtime};

use crate::{
    code_generation, console, context, host_modules, http, math_random, modules, node, timers, web,
};

/// QuickJS collects cycles when its heap grows past this many bytes (after
/// a collection the threshold moves to 1.5x the live heap). javy's default
/// never collects, which suits one-shot programs but makes cyclic garbage
/// count against the host's memory cap; 8 MiB keeps collection rare for
/// small handlers.
const GC_THRESHOLD_BYTES: usize = 8 << 20;

/// The runtime. Wasm has one thread, so the `Sync` bound that `OnceLock`
/// requires is met by [`GuestOnly`].
static RUNTIME: OnceLock<GuestOnly<Runtime>> = OnceLock::new();

/// Wraps a value that is only ever touched by the guest's single thread.
struct GuestOnly<T>(T);

// SAFETY: this crate is built only for wasm32-wasip1, which has no threads:
// there is no second thread that could observe the value.
unsafe impl<T> Sync for GuestOnly<T> {}
// SAFETY: as above; the value never moves between threads.
unsafe impl<T> Send for GuestOnly<T> {}

/// Creates the runtime and the globals that do not depend on a run.
/// Idempotent: the host's snapshot already contains the result.
pub fn initialize() -> anyhow::Result<()> {
    if RUNTIME.get().is_some() {
        return Ok(());
    }
    let runtime = new_runtime()?;
    runtime.context().with(|ctx| -> anyhow::Result<()> {
        // Before any built-in JS runs, so that none of it holds an
        // ungated compiler.
        code_generation::install(&ctx)
            .map_err(|e| anyhow::anyhow!("installing the code generation gates: {e}"))?;
        // Then, so that the heap holes parsing the large built-in sources
        // leaves behind are filled by the long-lived objects installed
        // after it rather than by each run's allocations (every page a run
        // touches is one more page to copy and reset).
        node::install(&ctx)?;
        console::install(&ctx)?;
        context::install(&ctx)?;
        web::install(&ctx)?;
        math_random::install(&ctx).map_err(|e| anyhow::anyhow!("installing Math.random: {e}"))
    })?;
    timers::install(&runtime)?;
    runtime.context().with(|ctx| host_modules::install(&ctx))?;
    modules::install(&runtime)?;
    runtime.context().with(|ctx| http::install(&ctx))?;
    // Collect what installing left behind, then re-arm the threshold: any
    // collection lowers it to 1.5x the live heap, and a run that starts
    // near its threshold would collect (touching, and so dirtying, every
    // page of the snapshot's heap) almost at once.
    let quickjs = runtime.context().runtime();
    quickjs.run_gc();
    quickjs.set_gc_threshold(GC_THRESHOLD_BYTES);
    // Only this thread initializes, so the cell cannot have been filled
    // since the check above.
    let _ = RUNTIME.set(GuestOnly(runtime));
    Ok(())
}

/// The runtime, initializing it first when there is no snapshot.
pub fn runtime() -> anyhow::Result<&'static Runtime> {
    initialize()?;
    Ok(&RUNTIME.get().expect("initialized above").0)
}

/// Per-run state that must not come from the snapshot: `Math.random`'s
/// generator is re-seeded from the host's CSPRNG on its first use in the
/// run, so two runs started from the same snapshot never share a random
/// sequence, the clocks of `performance` start at the run, and whether it
/// may generate code is asked afresh.
pub fn start_run() -> anyhow::Result<()> {
    math_random::start_run();
    timers::start_run();
    code_generation::start_run();
    Ok(())
}

/// `console` from javy is replaced by [`crate::console`], so its streams are
/// sinks. The memory limit is left to the host, which caps linear memory: a
/// failed `memory.grow` makes QuickJS throw `InternalError: out of memory`.
/// So is the recursion limit: quickjs-ng compiles its stack check out on
/// WASI, so deep recursion traps and the host classifies the trap (see
/// `host/classify.rs`).
fn new_runtime() -> anyhow::Result<Runtime> {
    let mut config = Config::default();
    config
        .log_stream(Box::new(std::io::sink()))
        .err_stream(Box::new(std::io::sink()))
        .gc_threshold(GC_THRESHOLD_BYTES)
        .text_encoding(false)
        .weak_ref(true);
    Runtime::new(config)
}
