//! The resource report every run produces.

use serde::Serialize;

/// What one run consumed. Produced for every run, whatever its outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResourceReport {
    /// Wall-clock time of the run, instantiation included, in microseconds.
    pub wall_us: u64,
    /// Fuel consumed (about one unit per wasm instruction executed).
    pub fuel_consumed: u64,
    /// Largest total linear memory the instance held, in bytes.
    pub peak_memory_bytes: u64,
    /// Calls the guest made to jsbox's own imports (`context`, `log`).
    /// WASI calls the engine makes internally (clocks, randomness) are not
    /// counted.
    pub host_calls: u64,
    /// Bytes of log output the run emitted, dropped output included.
    pub output_bytes: u64,
    /// Whether output past [`Limits::max_output_bytes`](crate::Limits) was
    /// dropped.
    pub output_truncated: bool,
}
