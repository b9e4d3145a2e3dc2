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
//!
//! An HTTP handler can be snapshotted a second way: with its entry
//! evaluated too (`pre_initialize_entry`, see `prepared.rs`). That uses the
//! guest instrumented once per runtime ([`InstrumentedGuest`]), and the
//! entry's `prepare` instead of `initialize` (which `prepare` triggers).

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::{Component, ComponentType, Instance, Lift, Linker, WasmList};
use wasmtime::{Engine, Store, UpdateDeadline};
use wasmtime_wizer::{ComponentContext, ComponentInstanceState, Wizer};

use crate::cache::component::{ArtifactKey, DiskCache};
use crate::cancel::CancelToken;
use crate::capabilities::bindings::Sandbox;
use crate::capabilities::bindings::exports::jsbox::sandbox::http_handler::HandlerFailure;
use crate::capabilities::bindings::exports::jsbox::sandbox::run::Compiled;
use crate::capabilities::bindings::jsbox::sandbox::types;
use crate::capabilities::state::Capabilities;
use crate::observe::log::DiscardSink;
use crate::sandbox::guest;
use crate::sandbox::random_watch::RandomWatch;
use crate::sandbox::state::SandboxState;
use crate::traps::RandomnessAtTopLevel;

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
        Capabilities::none(),
        CancelToken::new(),
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

    let wizer = wizer();
    let (context, instrumented) = wizer.instrument_component(component)?;
    let component = Component::new(engine, &instrumented)?;
    let instance = linker.instantiate(&mut store, &component)?;
    Sandbox::new(&mut store, &instance)?.call_initialize(&mut store)?;
    let mut state = InstanceState {
        store: &mut store,
        instance,
    };
    pollster::block_on(wizer.snapshot_component(&context, &mut state))
}

/// The guest instrumented for Wizer and compiled, for snapshots of HTTP
/// handler entries. Made once per runtime (compiling it costs as much as
/// compiling the guest), the first time an entry is prepared.
pub struct InstrumentedGuest {
    context: ComponentContext<'static>,
    component: Component,
}

impl InstrumentedGuest {
    /// Instruments and compiles the guest, through the disk cache when
    /// there is one.
    pub fn new(engine: &Engine, cache: &DiskCache) -> Result<Self, String> {
        let (context, wasm) = wizer()
            .instrument_component(guest::COMPONENT)
            .map_err(|e| format!("instrumenting the guest: {e:#}"))?;
        let key = ArtifactKey::new(
            engine,
            "instrumented guest",
            &[blake3::hash(&wasm).as_bytes()],
        );
        let (component, _) = cache.load_or_compile(engine, key, || {
            Component::new(engine, &wasm)
                .map_err(|e| format!("the instrumented guest is not a valid component: {e:#}"))
        })?;
        Ok(InstrumentedGuest { context, component })
    }
}

/// Returns the guest component with an HTTP handler entry (`bytecode` from
/// `run.compile`) evaluated by `http-handler.prepare`, which is the entry's
/// own code: it runs in `state` (its memory cap, its module root) within
/// `fuel` and `timeout`, which start when it does (the guest's own
/// `initialize` before it, and Wizer's reading of the state after it, get
/// no budget beyond memory, as in [`pre_initialize`]). The outer error is
/// a trap, a limit or [`RandomnessAtTopLevel`] (the store's random source
/// is watched from the end of `initialize` on); the inner one, the entry's
/// own failure. The state comes back too, for what its limiter saw.
pub fn pre_initialize_entry(
    engine: &Engine,
    linker: &Linker<SandboxState>,
    guest: &InstrumentedGuest,
    mut state: SandboxState,
    budget: (Option<u64>, Duration),
    entry: &Compiled,
) -> (
    wasmtime::Result<Result<Vec<u8>, HandlerFailure>>,
    SandboxState,
) {
    let watch = Arc::new(RandomWatch::default());
    state.watch_random(&watch);
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limiter);
    store.set_epoch_deadline(1);
    let result = prepare_and_snapshot(&mut store, linker, guest, budget, entry, &watch);
    (result, store.into_data())
}

fn prepare_and_snapshot(
    store: &mut Store<SandboxState>,
    linker: &Linker<SandboxState>,
    guest: &InstrumentedGuest,
    (fuel, timeout): (Option<u64>, Duration),
    entry: &Compiled,
    watch: &RandomWatch,
) -> wasmtime::Result<Result<Vec<u8>, HandlerFailure>> {
    let unlimited = |store: &mut Store<SandboxState>| -> wasmtime::Result<()> {
        if fuel.is_some() {
            store.set_fuel(u64::MAX)?;
        }
        store.epoch_deadline_callback(|_| Ok(UpdateDeadline::Continue(u64::MAX / 2)));
        Ok(())
    };
    unlimited(store)?;
    let instance = linker.instantiate(&mut *store, &guest.component)?;
    let bindings = Sandbox::new(&mut *store, &instance)?;
    bindings.call_initialize(&mut *store)?;
    watch.arm();

    if let Some(fuel) = fuel {
        store.set_fuel(fuel)?;
    }
    let deadline = Instant::now() + timeout;
    store.data_mut().deadline = deadline;
    store.epoch_deadline_callback(move |_| {
        if Instant::now() >= deadline {
            Err(wasmtime::Trap::Interrupt.into())
        } else {
            Ok(UpdateDeadline::Continue(1))
        }
    });
    if let Err(failure) = bindings.jsbox_sandbox_http_handler().call_prepare(
        &mut *store,
        &entry.name,
        &entry.bytecode,
    )? {
        return Ok(Err(failure));
    }
    if watch.drawn() {
        return Err(RandomnessAtTopLevel.into());
    }

    unlimited(store)?;
    let mut state = InstanceState { store, instance };
    pollster::block_on(wizer().snapshot_component(&guest.context, &mut state)).map(Ok)
}

/// An initialized instance, as Wizer reads its state: through the accessor
/// functions its instrumentation exported.
///
/// Wizer has this as `WasmtimeWizerComponent`, behind its `wasmtime`
/// feature, which also turns on Wasmtime's GC, threads, WAVE and
/// configuration-file cache (and their dependencies, `toml` among them) for
/// every embedder of this crate; the guest needs none of them.
struct InstanceState<'a> {
    store: &'a mut Store<SandboxState>,
    instance: Instance,
}

impl InstanceState<'_> {
    /// Calls `instance#func`, an accessor Wizer's instrumentation exported:
    /// it exists and cannot trap, so a failure is a bug in Wizer, as in its
    /// own implementation of this trait.
    fn call<R: ComponentType + Lift + 'static>(&mut self, instance: &str, func: &str) -> R {
        let store = &mut *self.store;
        let (_, exported) = self
            .instance
            .get_export(&mut *store, None, instance)
            .expect("Wizer's instrumentation exports its accessor instances");
        let (_, index) = self
            .instance
            .get_export(&mut *store, Some(&exported), func)
            .expect("Wizer's accessor instances export their functions");
        let accessor = self
            .instance
            .get_typed_func::<(), (R,)>(&mut *store, index)
            .expect("Wizer's accessors have the types it reads");
        accessor
            .call(&mut *store, ())
            .expect("Wizer's accessors do not trap")
            .0
    }
}

impl ComponentInstanceState for InstanceState<'_> {
    async fn call_func_ret_list_u8(
        &mut self,
        instance: &str,
        func: &str,
        contents: impl FnOnce(&[u8]) + Send,
    ) {
        let list: WasmList<u8> = self.call(instance, func);
        contents(list.as_le_slice(&*self.store));
    }

    async fn call_func_ret_s32(&mut self, instance: &str, func: &str) -> i32 {
        self.call(instance, func)
    }

    async fn call_func_ret_s64(&mut self, instance: &str, func: &str) -> i64 {
        self.call(instance, func)
    }

    async fn call_func_ret_f32(&mut self, instance: &str, func: &str) -> u32 {
        self.call::<f32>(instance, func).to_bits()
    }

    async fn call_func_ret_f64(&mut self, instance: &str, func: &str) -> u64 {
        self.call::<f64>(instance, func).to_bits()
    }
}

fn wizer() -> Wizer {
    let mut wizer = Wizer::new();
    wizer.init_func(INIT_FUNC).keep_init_func(true);
    wizer
}
