//! Pre-initialization of the guest with Wizer.
//!
//! The guest's `initialize` export creates the QuickJS runtime and its
//! built-ins; `wasmtime-wizer` runs it once and rewrites the component so
//! that its memory and globals start in the initialized state. Every
//! instance made from the result skips that work, which is most of what a
//! plain instance costs. The snapshot is compiled once and cached on disk
//! with the other artifacts (see `cache::component`).
//!
//! `keep_init_func(true)` is required: with Wasmtime 48, a component
//! snapshot that drops the init function is invalid ("core instance N has no
//! export named ..."). The guest's `initialize` is idempotent for this
//! reason, and nothing calls it on a snapshot at run time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store, UpdateDeadline};
use wasmtime_wizer::Wizer;

use crate::bindings::jsbox::sandbox::types;
use crate::log::DiscardSink;
use crate::state::{Capabilities, SandboxState};

/// The guest export the snapshot is taken after.
const INIT_FUNC: &str = "initialize";

/// Bound on the init function's sleeps (it has none).
const INIT_DEADLINE: Duration = Duration::from_secs(60);

/// Memory the pre-initialization may use; QuickJS needs about 2 MiB.
const INIT_MEMORY_BYTES: u64 = 64 << 20;

/// Returns the guest component with its `initialize` already run.
pub fn pre_initialize(
    engine: &Engine,
    fuel_metering: bool,
    linker: &Linker<SandboxState>,
    component: &[u8],
) -> wasmtime::Result<Vec<u8>> {
    let state = SandboxState::new(
        types::RequestContext {
            tenant_id: None,
            user: None,
            request_id: String::new(),
            locale: None,
            trace_parent: None,
            deadline_ms: 0,
        },
        INIT_MEMORY_BYTES,
        0,
        Arc::new(DiscardSink),
        // Initialization never sleeps; a deadline is required all the same.
        Instant::now() + INIT_DEADLINE,
        Capabilities::modules_only(None),
    );
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limiter);
    // The engine checks epochs (and may meter fuel) in every store; the
    // init function is our own code, so it gets no budget beyond memory.
    if fuel_metering {
        store.set_fuel(u64::MAX)?;
    }
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|_| Ok(UpdateDeadline::Continue(u64::MAX / 2)));

    let mut wizer = Wizer::new();
    wizer.init_func(INIT_FUNC).keep_init_func(true);
    let (snapshot, _results) = pollster::block_on(wizer.run_component(
        &mut store,
        component,
        async |store: &mut Store<SandboxState>, component: &Component| {
            linker.instantiate_async(store, component).await
        },
    ))?;
    Ok(snapshot)
}
