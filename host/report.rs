//! The resource report every run produces.

use serde::Serialize;

/// How a run used the bytecode cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BytecodeCacheUse {
    /// The runtime has no bytecode cache; the source was parsed in the run.
    #[default]
    Off,
    /// Bytecode was found; nothing was parsed.
    Hit,
    /// Bytecode was compiled (in a separate sandbox) and cached.
    Miss,
}

/// What one run consumed. Produced for every run, whatever its outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResourceReport {
    /// Wall-clock time of the run, instantiation included, in microseconds.
    pub wall_us: u64,
    /// Fuel the script consumed (about one unit per wasm instruction).
    /// Parsing is not included: see `compile_fuel`.
    pub fuel_consumed: u64,
    /// Fuel spent parsing the script into bytecode: zero when the bytecode
    /// came from the cache. Parsing has its own budget of
    /// [`Limits::fuel`](crate::Limits), so a cache miss never changes where
    /// a script runs out of fuel.
    pub compile_fuel: u64,
    /// Whether the script's bytecode came from the cache.
    pub bytecode_cache: BytecodeCacheUse,
    /// Largest total linear memory the instance held, in bytes.
    pub peak_memory_bytes: u64,
    /// Calls the guest made to jsbox's own imports (`context`, `log`).
    /// WASI calls the engine makes internally (clocks, randomness) are not
    /// counted.
    pub host_calls: u64,
    /// Gated calls (file, net, env) the run's grants refused.
    pub permissions_denied: u64,
    /// Bytes of log output the run emitted, dropped output included.
    pub output_bytes: u64,
    /// Whether output past [`Limits::max_output_bytes`](crate::Limits) was
    /// dropped.
    pub output_truncated: bool,
}
