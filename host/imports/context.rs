//! `jsbox:sandbox/context`: the run's request context.

use crate::bindings::jsbox::sandbox::{context, types};
use crate::prepared::ContextAtTopLevel;
use crate::state::SandboxState;

impl context::Host for SandboxState {
    fn get(&mut self) -> wasmtime::Result<types::RequestContext> {
        self.count_host_call()?;
        if self.preparing_entry {
            return Err(ContextAtTopLevel.into());
        }
        Ok(self.context.clone())
    }
}
