//! `jsbox:sandbox/timers`: the guest's event loop sleeps here, bounded by
//! the run's deadline and woken by its cancellation.
//!
//! Epoch interruption cannot stop a run while it is inside a host call, so
//! the deadline and cancellation are enforced here too: the sleep is cut
//! short and the run ends with the same error the epoch callback raises.

use std::time::{Duration, Instant};

use wasmtime::Trap;

use crate::capabilities::bindings::jsbox::sandbox::timers;
use crate::capabilities::state::RunState;
use crate::traps::Cancelled;

impl timers::Host for RunState {
    fn sleep(&mut self, duration_ns: u64) -> wasmtime::Result<()> {
        self.count_host_call()?;
        let wake = Instant::now() + Duration::from_nanos(duration_ns);
        if self.cancel.sleep_until(wake.min(self.deadline)) {
            return Err(Cancelled.into());
        }
        if wake < self.deadline {
            Ok(())
        } else {
            Err(Trap::Interrupt.into())
        }
    }
}
