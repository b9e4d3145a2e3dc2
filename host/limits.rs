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
    /// Cap on the calls the script may make to the host (logging, timers,
    /// module loading, [host functions](crate::RuntimeBuilder::host_function)...), or
    /// `None` for no cap. The call past the cap ends the run as
    /// [`host_call_limit`](crate::Outcome::HostCallLimit). Compiling a
    /// script on a bytecode-cache miss has a budget of its own, as for fuel.
    pub max_host_calls: Option<u64>,
    /// Cap on the `fetch` response bodies one run holds open at once (each
    /// holds a socket and buffers on the host, outside the memory cap). A
    /// body counts from its response's arrival until it is read to the end
    /// or cancelled; the `fetch` past the cap rejects with a `TypeError`
    /// naming this limit.
    pub max_open_fetches: u32,
}

impl Limits {
    /// The defaults: 5 s, no fuel budget, 128 MiB of memory, 1 MiB of
    /// output, no cap on host calls, 32 open `fetch` bodies.
    pub const DEFAULT: Limits = Limits {
        timeout: Duration::from_secs(5),
        fuel: None,
        memory_bytes: 128 << 20,
        max_output_bytes: 1 << 20,
        max_host_calls: None,
        max_open_fetches: 32,
    };

    /// Sets [`Limits::timeout`].
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Fuel per millisecond of CPU, as calibrated by
    /// `cargo bench --bench sandbox` on our 2-core reference machine
    /// (2026-11-22): the median of the rates of its CPU-loop (22.6 M/ms),
    /// JSON (10.7 M/ms) and string (13.8 M/ms) workloads. Re-checked
    /// (2026-12-07) after QuickJS's C got bulk memory: the three burn 0%,
    /// 5% and 8% less fuel for 1% more, 2% and 7% fewer host instructions
    /// (callgrind; wall and CPU times on the shared machine were noisier
    /// than that), so their rates moved by -1%, -3% and 0%, and the median
    /// stays. Fuel counts wasm instructions, so a budget stops a script at
    /// the same point on every machine; only how long that takes differs,
    /// by machine and by workload.
    pub const FUEL_PER_CPU_MS: u64 = 13_800_000;

    /// The fuel budget that lasts about `cpu` on the calibration machine.
    pub fn fuel_for_cpu_time(cpu: Duration) -> u64 {
        let fuel = cpu.as_secs_f64() * 1e3 * Self::FUEL_PER_CPU_MS as f64;
        (fuel as u64).max(1)
    }

    /// The CPU time `fuel` lasts on the calibration machine, to the
    /// microsecond.
    pub fn cpu_time_for_fuel(fuel: u64) -> Duration {
        Duration::from_micros(fuel.saturating_mul(1000) / Self::FUEL_PER_CPU_MS)
    }

    /// Sets [`Limits::fuel`] from a CPU time; see
    /// [`Limits::fuel_for_cpu_time`].
    pub fn with_cpu_time(mut self, cpu: Duration) -> Self {
        self.fuel = Some(Self::fuel_for_cpu_time(cpu));
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

    /// Sets [`Limits::max_open_fetches`].
    pub fn with_max_open_fetches(mut self, bodies: u32) -> Self {
        self.max_open_fetches = bodies;
        self
    }

    /// Sets [`Limits::max_host_calls`].
    pub fn with_max_host_calls(mut self, calls: u64) -> Self {
        self.max_host_calls = Some(calls);
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
