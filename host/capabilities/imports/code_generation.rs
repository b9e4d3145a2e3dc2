//! `jsbox:sandbox/code-generation`: whether the run may compile code from
//! strings (`RunOptions::allow_eval`). The guest asks on the run's first
//! `eval` or `new Function`, and enforces the answer itself (see the
//! guest's `code_generation.rs`).

use crate::capabilities::bindings::jsbox::sandbox::code_generation;
use crate::capabilities::state::RunState;

impl code_generation::Host for RunState {
    fn allowed(&mut self) -> wasmtime::Result<bool> {
        self.count_host_call()?;
        Ok(self.allow_eval)
    }
}
