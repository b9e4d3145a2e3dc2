//! [`RuntimeBuilder`]: typed configuration of a [`Runtime`], and the work of
//! building one — engine, pool, snapshot, compiled-component cache.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use wasmtime::Engine;
use wasmtime::component::{Component, HasSelf, Linker};

use crate::cache::bytecode::BytecodeCache;
use crate::cache::component::{ArtifactKey, ComponentSource, DiskCache};
use crate::capabilities::bindings::{Sandbox as SandboxWorld, SandboxPre};
use crate::capabilities::grants::HostPaths;
use crate::capabilities::host_functions::{HostCall, HostFunctionError, HostFunctions};
use crate::capabilities::state::RunState;
use crate::observe::metrics::Counters;
use crate::run::RuntimeInner;
use crate::sandbox::engine::{Allocation, EpochTicker, new_engine};
use crate::sandbox::state::SandboxState;
use crate::{Error, Runtime, sandbox::guest, sandbox::snapshot};

/// Builds a [`Runtime`]. Every setting has a default suited to a server
/// running many small scripts; see each method.
#[derive(Debug, Clone)]
pub struct RuntimeBuilder {
    epoch_tick: Duration,
    max_wasm_stack: usize,
    fuel_metering: bool,
    pooling: bool,
    max_concurrent: u32,
    max_memory_bytes: u64,
    keep_resident_bytes: usize,
    snapshot: bool,
    cache_dir: Option<PathBuf>,
    bytecode_cache_entries: usize,
    host_functions: HostFunctions,
    /// The first invalid host function definition, reported by `build`.
    invalid_host_function: Option<String>,
}

impl Default for RuntimeBuilder {
    fn default() -> Self {
        RuntimeBuilder {
            epoch_tick: Duration::from_millis(1),
            max_wasm_stack: 1 << 20,
            fuel_metering: true,
            pooling: true,
            max_concurrent: 64,
            max_memory_bytes: 128 << 20,
            keep_resident_bytes: 4 << 20,
            snapshot: true,
            cache_dir: None,
            bytecode_cache_entries: 1024,
            host_functions: HostFunctions::default(),
            invalid_host_function: None,
        }
    }
}

impl RuntimeBuilder {
    /// How often deadlines are checked. A run stops at most about one tick
    /// after its deadline. Default: 1 ms; at least 100 µs.
    pub fn epoch_tick(mut self, tick: Duration) -> Self {
        self.epoch_tick = tick.max(Duration::from_micros(100));
        self
    }

    /// The native stack wasm code may use; deeper recursion ends the run as
    /// `stack_overflow`. Threads calling [`Runtime::run`] need this much
    /// stack and some to spare. Default: 1 MiB.
    pub fn max_wasm_stack(mut self, bytes: usize) -> Self {
        self.max_wasm_stack = bytes;
        self
    }

    /// Whether the guest's code counts fuel. Metering costs a few percent of
    /// CPU (`cargo bench` measures it); without it, runs are bounded by
    /// their deadline only, and a run that asks for a fuel budget ends as
    /// `internal` rather than run unmetered. Default: on.
    pub fn fuel_metering(mut self, enabled: bool) -> Self {
        self.fuel_metering = enabled;
        self
    }

    /// Whether sandboxes come from a pre-reserved pool of slots whose memory
    /// is mapped copy-on-write from the guest's image (the fast path), or
    /// are allocated one by one. Default: pooling.
    pub fn pooling(mut self, enabled: bool) -> Self {
        self.pooling = enabled;
        self
    }

    /// With pooling, how many sandboxes may exist at once; a run that finds
    /// no free slot ends as `overloaded`. A run holds one slot (two briefly
    /// while its source is compiled on a bytecode-cache miss). Each slot
    /// reserves address space (not memory) for `max_memory_bytes` plus
    /// guard pages. Default: 64.
    pub fn max_concurrent(mut self, sandboxes: u32) -> Self {
        self.max_concurrent = sandboxes;
        self
    }

    /// The most linear memory any run may have; a run's
    /// [`Limits::memory_bytes`](crate::Limits) above it is lowered to it.
    /// Default: 128 MiB.
    pub fn max_memory_bytes(mut self, bytes: u64) -> Self {
        self.max_memory_bytes = bytes;
        self
    }

    /// With pooling, how much of a slot's memory stays mapped between
    /// sandboxes (reset with `memset` instead of being unmapped): faster
    /// reuse for more resident memory. Default: 4 MiB.
    pub fn keep_resident_bytes(mut self, bytes: usize) -> Self {
        self.keep_resident_bytes = bytes;
        self
    }

    /// Whether sandboxes start from a snapshot taken after the guest's
    /// initialization (QuickJS runtime and built-ins ready), or initialize
    /// in every run. Default: snapshot.
    pub fn snapshot(mut self, enabled: bool) -> Self {
        self.snapshot = enabled;
        self
    }

    /// A directory to keep the compiled guest in, so that later runtimes
    /// load it in milliseconds instead of compiling it. Default: none.
    /// [`RuntimeBuilder::default_cache_dir`] is the conventional place.
    ///
    /// The directory holds machine code the host runs and the key that
    /// authenticates it (made on first use, mode 0600), so it is jsbox's
    /// own state: no run may read or write in it, whatever its grants
    /// (nor in the default cache directory, which other jsbox processes
    /// use). Give it a directory of its own.
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// `$XDG_CACHE_HOME/jsbox`, or `$HOME/.cache/jsbox`.
    pub fn default_cache_dir() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache")))?;
        Some(base.join("jsbox"))
    }

    /// How many compiled scripts to keep in memory; 0 turns the bytecode
    /// cache off, so every run parses its source. Default: 1024.
    pub fn bytecode_cache_entries(mut self, entries: usize) -> Self {
        self.bytecode_cache_entries = entries;
        self
    }

    /// Adds a host function: `name` in module `module`, which scripts
    /// import as `host:<module>` (`import { name } from 'host:db'`,
    /// `require('host:db').name(...)`). A run may use the module only if
    /// its [`Grants`](crate::Grants) allow it
    /// ([`GrantsBuilder::allow_host_module`](crate::GrantsBuilder::allow_host_module));
    /// every use is audited like a file or network access, and every call
    /// counts against
    /// [`Limits::max_host_calls`](crate::Limits::max_host_calls).
    ///
    /// The script's arguments arrive as a JSON array decoded into `A`: a
    /// tuple such as `(String, u32)` for positional arguments, `()` for
    /// none, or `serde_json::Value` to take anything. Arguments that do not decode
    /// throw a `TypeError`-like `Error` with code `ERR_INVALID_ARG_TYPE`.
    /// The result is encoded from `R` as JSON (`()` reads as `null`); an
    /// `Err` is thrown as an `Error` with its code and message. Calls are
    /// synchronous: the script waits while the function runs, and so does
    /// its deadline, so keep them short.
    ///
    /// `module` must be ASCII letters, digits, `_`, `-`, `.` or `/`;
    /// `name` an ASCII JavaScript identifier. A bad name or a name defined
    /// twice makes [`build`](RuntimeBuilder::build) fail.
    ///
    /// ```no_run
    /// use jsbox::{Grants, HostFunctionError, RunOptions, Runtime, Script};
    ///
    /// let runtime = Runtime::builder()
    ///     .host_function("greeter", "greet", |call, (name,): (String,)| {
    ///         let tenant = call.tenant_id().unwrap_or("nobody");
    ///         if name.is_empty() {
    ///             return Err(HostFunctionError::new("EMPTY_NAME", "say who to greet"));
    ///         }
    ///         Ok(format!("hello {name}, from {tenant}"))
    ///     })
    ///     .build()?;
    /// let script = Script::new("greet.js", "require('host:greeter').greet('ada')");
    /// let grants = Grants::builder().allow_host_module(["greeter"]).build()?;
    /// let run = runtime.run(&script, RunOptions::default().with_grants(grants));
    /// assert!(run.outcome.is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn host_function<A, R, F>(mut self, module: &str, name: &str, function: F) -> Self
    where
        A: serde::de::DeserializeOwned,
        R: serde::Serialize,
        F: Fn(&HostCall<'_>, A) -> Result<R, HostFunctionError> + Send + Sync + 'static,
    {
        if let Err(error) = self.host_functions.add(module, name, function) {
            self.invalid_host_function.get_or_insert(error.to_string());
        }
        self
    }

    /// Builds the runtime: loads the compiled guest from the cache directory
    /// or compiles (and snapshots) it, which takes about a second; then
    /// starts the epoch ticker. Build one runtime and share it.
    pub fn build(self) -> Result<Runtime, Error> {
        if let Some(message) = self.invalid_host_function {
            return Err(Error::InvalidConfig(message));
        }
        if self.pooling && self.max_concurrent == 0 {
            return Err(Error::InvalidConfig(
                "max_concurrent must be at least 1 with pooling".to_owned(),
            ));
        }
        let allocation = if self.pooling {
            Allocation::Pooling {
                max_concurrent: self.max_concurrent,
                max_memory_bytes: self.max_memory_bytes,
                keep_resident_bytes: self.keep_resident_bytes,
            }
        } else {
            Allocation::OnDemand
        };
        let engine = new_engine(self.max_wasm_stack, self.fuel_metering, allocation)?;
        let mut linker = Linker::<SandboxState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| Error::Link(e.into()))?;
        SandboxWorld::add_to_linker::<_, HasSelf<RunState>>(
            &mut linker,
            |state: &mut SandboxState| &mut state.run,
        )
        .map_err(|e| Error::Link(e.into()))?;

        let disk_cache = DiskCache::open(self.cache_dir.as_deref());
        let host_paths = HostPaths::new(
            self.cache_dir
                .iter()
                .cloned()
                .chain(RuntimeBuilder::default_cache_dir()),
        );
        let guest_hash = blake3::hash(guest::COMPONENT);
        let (component, component_source) =
            self.load_component(&engine, &linker, &guest_hash, &disk_cache)?;
        let instance_pre = linker
            .instantiate_pre(&component)
            .map_err(|e| Error::Link(e.into()))?;
        let sandbox_pre = SandboxPre::new(instance_pre).map_err(|e| Error::Link(e.into()))?;
        let ticker = EpochTicker::start(engine.clone(), self.epoch_tick)?;
        Ok(Runtime::from_inner(RuntimeInner {
            engine,
            sandbox_pre,
            linker,
            disk_cache,
            host_paths: Arc::new(host_paths),
            guest_hash,
            bytecode_cache: NonZeroUsize::new(self.bytecode_cache_entries).map(BytecodeCache::new),
            component_source,
            max_concurrent: self.pooling.then_some(self.max_concurrent),
            max_memory_bytes: self.pooling.then_some(self.max_memory_bytes),
            fuel_metering: self.fuel_metering,
            counters: Counters::default(),
            host_functions: Arc::new(self.host_functions),
            instrumented_guest: OnceLock::new(),
            _ticker: ticker,
        }))
    }

    /// The compiled guest: from the cache when a valid artifact is there,
    /// otherwise snapshotted (if enabled), compiled, and saved.
    fn load_component(
        &self,
        engine: &Engine,
        linker: &Linker<SandboxState>,
        guest_hash: &blake3::Hash,
        cache: &DiskCache,
    ) -> Result<(Component, ComponentSource), Error> {
        let snapshotted = [u8::from(self.snapshot)];
        let key = ArtifactKey::new(engine, "guest", &[guest_hash.as_bytes(), &snapshotted]);
        cache.load_or_compile(engine, key, || {
            let wasm = if self.snapshot {
                snapshot::pre_initialize(engine, self.fuel_metering, linker, guest::COMPONENT)
                    .map_err(|e| Error::Snapshot(e.into()))?
            } else {
                guest::COMPONENT.to_vec()
            };
            Component::new(engine, &wasm).map_err(|e| Error::CompileGuest(e.into()))
        })
    }
}
