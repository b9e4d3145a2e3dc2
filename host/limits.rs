//! Per-run resource limits.

use std::time::Duration;

/// The resources one run may use. Every run is stopped by the first limit it
/// reaches, and the [`Outcome`](crate::Outcome) names that limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock deadline, counted from the start of the run (instantiation
    /// included). Enforced by epoch interruption, so it also stops code that
    /// never calls the host, such as `while (true) {}`.
    pub timeout: Duration,
    /// CPU budget in Wasmtime fuel units (roughly one per wasm instruction),
    /// or `None` for no budget beyond the deadline. Deterministic: the same
    /// script with the same input stops at the same point on any machine.
    pub fuel: Option<u64>,
    /// Hard cap on the guest's linear memory, in bytes. The guest needs
    /// about 2 MiB for an idle QuickJS runtime.
    pub memory_bytes: u64,
    /// Cap on the bytes of log output (`console.*`) one run may emit; output
    /// past it is dropped and the run's report says so.
    pub max_output_bytes: u64,
}

impl Limits {
    /// The defaults: 5 s, no fuel budget, 128 MiB of memory, 1 MiB of output.
    pub const DEFAULT: Limits = Limits {
        timeout: Duration::from_secs(5),
        fuel: None,
        memory_bytes: 128 << 20,
        max_output_bytes: 1 << 20,
    };

    /// Sets [`Limits::timeout`].
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets [`Limits::fuel`].
    pub fn with_fuel(mut self, fuel: u64) -> Self {
        self.fuel = Some(fuel);
        self
    }

    /// Sets [`Limits::memory_bytes`].
    pub fn with_memory_bytes(mut self, bytes: u64) -> Self {
        self.memory_bytes = bytes;
        self
    }

    /// Sets [`Limits::max_output_bytes`].
    pub fn with_max_output_bytes(mut self, bytes: u64) -> Self {
        self.max_output_bytes = bytes;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
