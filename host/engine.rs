//! The Wasmtime engine every sandbox runs on, and its epoch ticker.
//!
//! One engine serves all runs of a [`Runtime`](crate::Runtime). Fuel and
//! epoch interruption are compiled into the guest's code here; each run's
//! store then chooses its own budget and deadline.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::{Config, Engine, OptLevel};

use crate::Error;

/// Builds the engine: Cranelift, the component model, fuel metering and
/// epoch interruption. `max_wasm_stack` bounds the native stack wasm may use,
/// so runaway recursion traps instead of overflowing the host thread.
pub fn new_engine(max_wasm_stack: usize) -> Result<Engine, Error> {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .cranelift_opt_level(OptLevel::Speed)
        .consume_fuel(true)
        .epoch_interruption(true)
        .max_wasm_stack(max_wasm_stack);
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
