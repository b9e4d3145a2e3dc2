//! `jsbox:sandbox/process`: `process.exit(code)` ends the run.
//!
//! The call fails with [`ProcessExit`], which unwinds the guest like a
//! trap; `classify.rs` turns it into `Outcome::Exit`.

use crate::bindings::jsbox::sandbox::process;
use crate::state::SandboxState;

/// The error `exit` raises to stop the guest, carrying the script's code.
#[derive(Debug, thiserror::Error)]
#[error("the script called process.exit({code})")]
pub struct ProcessExit {
    /// The exit code the script gave.
    pub code: i32,
}

impl process::Host for SandboxState {
    fn exit(&mut self, code: i32) -> wasmtime::Result<()> {
        self.host_calls += 1;
        Err(ProcessExit { code }.into())
    }
}
