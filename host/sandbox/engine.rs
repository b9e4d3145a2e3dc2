//! The Wasmtime engine every sandbox runs on, and its epoch ticker.
//!
//! One engine serves all runs of a [`Runtime`](crate::Runtime). It reuses
//! functions any engine of the process compiled before
//! ([`function_cache`](super::function_cache)). Fuel and
//! epoch interruption are compiled into the guest's code here; each run's
//! store then chooses its own budget and deadline. With pooling, instance
//! slots (memories, tables, instances) are reserved up front and reused:
//! a new instance maps the snapshot's memory image copy-on-write instead of
//! allocating and initializing memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig,
};

use crate::Error;

/// Core instances, memories and tables one guest instance needs at most
/// (the guest module, the WASI adapter and the component's glue modules).
const CORE_INSTANCES_PER_SANDBOX: u32 = 8;
const MEMORIES_PER_SANDBOX: u32 = 2;
const TABLES_PER_SANDBOX: u32 = 4;
/// Fiber stacks: only the snapshot step runs guest code asynchronously.
const ASYNC_STACKS: u32 = 4;

/// How instances get their memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocation {
    /// Fresh mappings for every instance.
    OnDemand,
    /// Pre-reserved slots reused across instances.
    Pooling {
        /// Sandboxes that may exist at once.
        max_concurrent: u32,
        /// Linear memory a slot can hold.
        max_memory_bytes: u64,
        /// Bytes of a slot's memory kept mapped between uses, reset by
        /// `memset` rather than `madvise`: cheaper to reuse.
        keep_resident_bytes: usize,
    },
}

/// Builds the engine: Cranelift, the component model, fuel metering (unless
/// turned off) and epoch interruption. `max_wasm_stack` bounds the native stack wasm may use,
/// so runaway recursion traps instead of overflowing the host thread.
pub fn new_engine(
    max_wasm_stack: usize,
    fuel_metering: bool,
    allocation: Allocation,
) -> Result<Engine, Error> {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .cranelift_opt_level(OptLevel::Speed)
        .consume_fuel(fuel_metering)
        .epoch_interruption(true)
        .max_wasm_stack(max_wasm_stack)
        .memory_init_cow(true);
    config
        .enable_incremental_compilation(super::function_cache::shared())
        .map_err(|e| Error::Engine(e.into()))?;
    if let Allocation::Pooling {
        max_concurrent,
        max_memory_bytes,
        keep_resident_bytes,
    } = allocation
    {
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(max_concurrent)
            .total_core_instances(max_concurrent.saturating_mul(CORE_INSTANCES_PER_SANDBOX))
            .total_memories(max_concurrent.saturating_mul(MEMORIES_PER_SANDBOX))
            .total_tables(max_concurrent.saturating_mul(TABLES_PER_SANDBOX))
            .total_stacks(ASYNC_STACKS)
            .max_memory_size(usize::try_from(max_memory_bytes).unwrap_or(usize::MAX))
            .linear_memory_keep_resident(keep_resident_bytes)
            .table_keep_resident(keep_resident_bytes)
            // Without it, freeing a slot copies the whole kept-resident
            // prefix back from the snapshot image (4 MiB, about as much as
            // the snapshot's memory) whatever the run touched; with it
            // (Linux 6.7+), only the pages the run dirtied are restored.
            .pagemap_scan(Enabled::Auto);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    Engine::new(&config).map_err(|e| Error::Engine(e.into()))
}

/// A thread that advances the engine's epoch every `tick`, which is what
/// lets a store's deadline interrupt code that never yields. Stopped and
/// joined on drop.
pub struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    /// Starts ticking `engine` every `tick`.
    pub fn start(engine: Engine, tick: Duration) -> Result<Self, Error> {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("jsbox-epoch".into())
            .spawn({
                let stop = Arc::clone(&stop);
                move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(tick);
                        engine.increment_epoch();
                    }
                }
            })
            .map_err(Error::Ticker)?;
        Ok(EpochTicker {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // The thread only sleeps and increments; it cannot panic, and if
            // it somehow did there is nothing left to clean up.
            let _ = thread.join();
        }
    }
}
