//! `jsbox:sandbox/env`: the run's environment variables, filtered by the
//! env grant.

use crate::capabilities::bindings::jsbox::sandbox::env::{self, Error};
use crate::capabilities::grants::Access;
use crate::capabilities::state::RunState;

impl env::Host for RunState {
    fn get(&mut self, name: String) -> wasmtime::Result<Result<Option<String>, Error>> {
        self.count_host_call()?;
        let decision = self.grants.check_env(&name);
        Ok(match self.decide("env.get", Access::Env, &name, decision) {
            Ok(_) => Ok(self.env.get(&name).cloned()),
            Err(denied) => Err(Error::AccessDenied(denied.message)),
        })
    }

    fn names(&mut self) -> wasmtime::Result<Vec<String>> {
        self.count_host_call()?;
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
