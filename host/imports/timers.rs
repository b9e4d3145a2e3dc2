//! `jsbox:sandbox/timers`: the guest's event loop sleeps here, bounded by
//! the run's deadline.
//!
//! Epoch interruption cannot stop a run while it is inside a host call, so
//! the deadline is enforced here too: the sleep is cut short at the
//! deadline and the run ends with the same trap an epoch interrupt raises.

use std::time::{Duration, Instant};

use wasmtime::Trap;

use crate::bindings::jsbox::sandbox::timers;
use crate::state::SandboxState;

impl timers::Host for SandboxState {
    fn sleep(&mut self, duration_ns: u64) -> wasmtime::Result<()> {
        self.host_calls += 1;
        let wake = Instant::now() + Duration::from_nanos(duration_ns);
        if wake < self.deadline {
            std::thread::sleep(wake.saturating_duration_since(Instant::now()));
            return Ok(());
        }
        std::thread::sleep(self.deadline.saturating_duration_since(Instant::now()));
        Err(Trap::Interrupt.into())
    }
}
