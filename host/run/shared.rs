//! What every run of one [`Runtime`](crate::Runtime) shares: the engine,
//! the guest ready to instantiate, the linker, the caches, the counters and
//! the embedder's host functions. `Runtime` is a handle to one of these;
//! a [`Run`](super::Run) borrows it.

use std::sync::{Arc, OnceLock};

use wasmtime::Engine;
use wasmtime::component::Linker;

use crate::cache::bytecode::BytecodeCache;
use crate::cache::component::{ComponentSource, DiskCache};
use crate::capabilities::bindings::SandboxPre;
use crate::capabilities::grants::HostPaths;
use crate::capabilities::host_functions::HostFunctions;
use crate::observe::metrics::Counters;
use crate::sandbox::engine::EpochTicker;
use crate::sandbox::snapshot::InstrumentedGuest;
use crate::sandbox::state::SandboxState;

pub(crate) struct RuntimeInner {
    pub engine: Engine,
    pub sandbox_pre: SandboxPre<SandboxState>,
    /// Every host interface, for checking and instantiating plugins.
    pub linker: Linker<SandboxState>,
    /// Where compiled components are cached, if anywhere.
    pub disk_cache: DiskCache,
    /// jsbox's own state (the caches, this process's `/proc` entries),
    /// refused to every run whatever its grants.
    pub host_paths: Arc<HostPaths>,
    /// Hash of the guest build; part of every bytecode key.
    pub guest_hash: blake3::Hash,
    pub bytecode_cache: Option<BytecodeCache>,
    pub component_source: ComponentSource,
    /// The pool size, when pooling; runs beyond it are `Overloaded`.
    pub max_concurrent: Option<u32>,
    /// The largest memory a sandbox can have; caps every run's limit.
    pub max_memory_bytes: Option<u64>,
    /// Whether the engine counts fuel (see `RuntimeBuilder::fuel_metering`).
    pub fuel_metering: bool,
    pub counters: Counters,
    /// The embedder's host functions, offered to runs that are granted them.
    pub host_functions: Arc<HostFunctions>,
    /// The guest instrumented for entry snapshots, made by the first
    /// [`Runtime::prepare_handler`] (or why it could not be).
    pub instrumented_guest: OnceLock<Result<InstrumentedGuest, String>>,
    /// Dropped (stopped) with the last clone of the runtime.
    pub _ticker: EpochTicker,
}
