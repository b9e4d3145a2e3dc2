//! `jsbox:sandbox/host-functions`: the embedder's Rust functions, called by
//! scripts through `host:` modules, each call permission-checked and
//! counted.

use crate::capabilities::bindings::jsbox::sandbox::host_functions::{self, CallError};
use crate::capabilities::grants::Access;
use crate::capabilities::host_functions::HostCall;
use crate::capabilities::state::RunState;

impl host_functions::Host for RunState {
    fn functions(&mut self, module: String) -> wasmtime::Result<Result<Vec<String>, CallError>> {
        self.count_host_call()?;
        Ok(self
            .permit_host_module("host-functions.functions", &module)
            .map(|()| {
                self.host_functions
                    .functions
                    .module(&module)
                    .map(|names| names.map(str::to_owned).collect())
                    .unwrap_or_default()
            }))
    }

    fn call(
        &mut self,
        module: String,
        name: String,
        args_json: String,
    ) -> wasmtime::Result<Result<String, CallError>> {
        self.count_host_call()?;
        if let Err(denied) = self.permit_host_module("host-functions.call", &module) {
            return Ok(Err(denied));
        }
        let call = HostCall::new(&self.host_functions.context, &module, &name);
        Ok(
            match self.host_functions.functions.call(&call, &args_json) {
                Some(Ok(json)) => Ok(json),
                Some(Err(error)) => Err(CallError {
                    code: error.code,
                    message: error.message,
                }),
                None => Err(CallError {
                    code: "ERR_UNKNOWN_HOST_FUNCTION".to_owned(),
                    message: format!("host:{module} has no function '{name}'"),
                }),
            },
        )
    }
}

impl RunState {
    /// Whether this run may use host module `module`, decided by the run's
    /// grants and audited like every gated call (`operation` names the WIT
    /// function asking).
    fn permit_host_module(
        &mut self,
        operation: &'static str,
        module: &str,
    ) -> Result<(), CallError> {
        if self.host_functions.functions.module(module).is_none() {
            return Err(CallError {
                code: "ERR_UNKNOWN_HOST_MODULE".to_owned(),
                message: format!("there is no host module 'host:{module}'"),
            });
        }
        let decision = self.grants.check_host_module(module);
        self.decide(operation, Access::HostModule, module, decision)
            .map(drop)
            .map_err(|denied| CallError {
                code: "ERR_ACCESS_DENIED".to_owned(),
                message: denied.message,
            })
    }
}
