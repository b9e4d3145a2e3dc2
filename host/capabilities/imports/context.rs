//! `jsbox:sandbox/context`: the run's request context.

use crate::capabilities::bindings::jsbox::sandbox::{context, types};
use crate::capabilities::state::RunState;
use crate::traps::ContextAtTopLevel;

impl context::Host for RunState {
    fn get(&mut self) -> wasmtime::Result<types::RequestContext> {
        self.count_host_call()?;
        if self.preparing_entry {
            return Err(ContextAtTopLevel.into());
        }
        Ok(self.context.clone())
    }
}
