//! `jsbox:sandbox/process`: `process.exit(code)` ends the run.
//!
//! The call fails with [`ProcessExit`], which unwinds the guest like a
//! trap; `run/classify.rs` turns it into `Outcome::Exit`.

use crate::capabilities::bindings::jsbox::sandbox::process;
use crate::capabilities::state::RunState;
use crate::traps::ProcessExit;

impl process::Host for RunState {
    fn exit(&mut self, code: i32) -> wasmtime::Result<()> {
        self.count_host_call()?;
        Err(ProcessExit { code }.into())
    }
}
