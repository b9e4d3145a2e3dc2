//! `jsbox:sandbox/env`: the run's environment variables, filtered by the
//! env grant.

use crate::bindings::jsbox::sandbox::env::{self, Error};
use crate::grants::Access;
use crate::state::SandboxState;

impl env::Host for SandboxState {
    fn get(&mut self, name: String) -> wasmtime::Result<Result<Option<String>, Error>> {
        self.host_calls += 1;
        let decision = self.grants.check_env(&name);
        Ok(match self.decide("env.get", Access::Env, &name, decision) {
            Ok(_) => Ok(self.env.get(&name).cloned()),
            Err(denied) => Err(Error::AccessDenied(denied.message)),
        })
    }

    fn names(&mut self) -> wasmtime::Result<Vec<String>> {
        self.host_calls += 1;
        // Listing is not a decision on any one variable: it reveals only
        // names the grant already allows, so it is not audited.
        Ok(self
            .env
            .keys()
            .filter(|name| self.grants.check_env(name).is_ok())
            .cloned()
            .collect())
    }
}
