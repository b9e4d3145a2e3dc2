//! The sandbox: the Wasmtime engine and its epoch ticker (`engine`) with
//! its in-memory cache of compiled functions (`function_cache`), the
//! embedded guest (`guest`), the store data (`state`) with its memory cap
//! (`limiter`) and watched randomness (`random_watch`), pre-initialized
//! snapshots (`snapshot`), and [`Sandbox`]: one fresh store and instance
//! with the run's limits armed.
//!
//! A run uses one sandbox, plus one more to compile its source when the
//! bytecode cache misses. Sandboxes are never reused; dropping one returns
//! its pool slot.
//!
//! Layer rule: uses `capabilities` (the store data embeds the run's
//! [`RunState`](crate::capabilities::state::RunState), the linker gets its
//! imports), `cache`, `observe` and the vocabulary; never `components` or
//! `run`.

pub(crate) mod engine;
mod function_cache;
pub(crate) mod guest;
pub(crate) mod limiter;
pub(crate) mod random_watch;
pub(crate) mod snapshot;
pub(crate) mod state;

use std::time::Instant;

use wasmtime::component::{ComponentExportIndex, InstancePre, Val};
use wasmtime::{Engine, Store, Trap, UpdateDeadline};

use crate::cancel::CANCEL_POLL;
use crate::capabilities::bindings::SandboxPre;
use crate::capabilities::bindings::exports::jsbox::sandbox::js_plugin::{CallOutcome, JsValue};
use crate::capabilities::bindings::exports::jsbox::sandbox::run::{
    Code, Compiled, Completion, Failure, Script,
};
use crate::capabilities::bindings::http_plugin::HttpPluginPre;
use crate::capabilities::bindings::jsbox::sandbox::http_types::IncomingRequest;
use crate::capabilities::bindings::jsbox::sandbox::types;
use crate::capabilities::bindings::plugin::PluginPre;
use crate::sandbox::state::SandboxState;
use crate::traps::Cancelled;
use crate::{BodyReceiver, HttpBody, HttpRequest, HttpResponse, Limits, Responder};

/// What the guest returned, or how calling it failed.
pub type GuestResult<T> = wasmtime::Result<Result<T, Failure>>;

pub struct Sandbox {
    store: Store<SandboxState>,
    fuel: u64,
}

impl Sandbox {
    /// A store for `state` with the run's fuel, memory cap, deadline and
    /// cancellation armed. The deadline must be armed before instantiation:
    /// instantiating runs the guest's initializer, and a new store's epoch
    /// deadline has passed.
    pub fn new(
        engine: &Engine,
        fuel_metering: bool,
        limits: &Limits,
        state: SandboxState,
    ) -> wasmtime::Result<Self> {
        let deadline = state.deadline;
        let cancel = state.cancel.clone();
        let mut store = Store::new(engine, state);
        let fuel = limits.fuel.unwrap_or(u64::MAX);
        if fuel_metering {
            store.set_fuel(fuel)?;
        }
        store.limiter(|state| &mut state.limiter);
        // Check the clock and the caller's token on every epoch tick: the
        // deadline is honoured to within a tick, and never early, whatever
        // the tick's phase; a cancellation is noticed within a tick.
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if cancel.is_cancelled() {
                Err(Cancelled.into())
            } else if Instant::now() >= deadline {
                Err(Trap::Interrupt.into())
            } else {
                Ok(UpdateDeadline::Continue(1))
            }
        });
        Ok(Sandbox { store, fuel })
    }

    /// Instantiates the guest and parses `script` to bytecode.
    pub fn compile(
        &mut self,
        pre: &SandboxPre<SandboxState>,
        script: &Script,
    ) -> GuestResult<Vec<u8>> {
        let guest = pre.instantiate(&mut self.store)?;
        guest
            .jsbox_sandbox_run()
            .call_compile(&mut self.store, script)
    }

    /// Instantiates the guest and runs `code`.
    pub fn run(&mut self, pre: &SandboxPre<SandboxState>, code: &Code) -> GuestResult<Completion> {
        let guest = pre.instantiate(&mut self.store)?;
        guest.jsbox_sandbox_run().call_run(&mut self.store, code)
    }

    /// Instantiates the guest and serves `request` with the compiled entry
    /// (its body streaming from `body`, if given), handing the response to
    /// `responder` as soon as the guest sends it.
    pub fn handle(
        &mut self,
        pre: &SandboxPre<SandboxState>,
        entry: &Compiled,
        (request, body): (IncomingRequest, Option<BodyReceiver>),
        env: &[(String, String)],
        responder: Responder,
    ) -> GuestResult<()> {
        let state = self.store.data_mut();
        state.responder = Some(responder);
        state.request_body = body;
        let guest = pre.instantiate(&mut self.store)?;
        let result = guest.jsbox_sandbox_http_handler().call_handle(
            &mut self.store,
            &entry.name,
            &entry.bytecode,
            &request,
            env,
        )?;
        Ok(result.map_err(Failure::from))
    }

    /// Instantiates the guest and runs the JS plugin `entry` on `input`.
    pub fn js_plugin(
        &mut self,
        pre: &SandboxPre<SandboxState>,
        entry: &Compiled,
        input: &str,
    ) -> GuestResult<String> {
        let guest = pre.instantiate(&mut self.store)?;
        guest.jsbox_sandbox_js_plugin().call_handle(
            &mut self.store,
            &entry.name,
            &entry.bytecode,
            input,
        )
    }

    /// Instantiates a plugin and calls its `handle` on `input`.
    pub fn plugin(
        &mut self,
        pre: &PluginPre<SandboxState>,
        input: &str,
    ) -> wasmtime::Result<Result<String, types::JsError>> {
        let plugin = pre.instantiate(&mut self.store)?;
        plugin
            .jsbox_sandbox_handler()
            .call_handle(&mut self.store, input)
    }

    /// Instantiates the HTTP plugin and calls its `incoming-handler` on
    /// `request`, handing the response to `responder`. A streamed body is
    /// read whole first (the world's record carries bytes). A status
    /// outside 200–599 is the plugin's error, as it is a JS handler's.
    pub fn http_plugin(
        &mut self,
        pre: &HttpPluginPre<SandboxState>,
        request: HttpRequest,
        responder: Responder,
    ) -> wasmtime::Result<Result<(), types::JsError>> {
        let body = match request.body {
            HttpBody::Full(bytes) => bytes,
            HttpBody::Stream(receiver) => match self.read_body(receiver)? {
                Ok(bytes) => bytes,
                Err(error) => return Ok(Err(error)),
            },
        };
        let request = IncomingRequest {
            method: request.method,
            url: request.url,
            headers: request.headers,
            body,
        };
        let plugin = pre.instantiate(&mut self.store)?;
        let response = match plugin
            .jsbox_sandbox_incoming_handler()
            .call_handle(&mut self.store, &request)?
        {
            Ok(response) if (200..=599).contains(&response.status) => response,
            Ok(response) => {
                return Ok(Err(plugin_error(
                    "RangeError",
                    format!(
                        "the plugin's response has status {}, outside 200 to 599",
                        response.status
                    ),
                )));
            }
            Err(error) => return Ok(Err(error)),
        };
        self.store.data_mut().responded = true;
        responder(HttpResponse {
            status: response.status,
            headers: response.headers,
            body: HttpBody::Full(response.body),
        });
        Ok(Ok(()))
    }

    /// A streamed request body, whole, as its client sends it: waiting
    /// ends the run at its deadline (`timeout`) or when it is cancelled; a
    /// body that fails (too large, cut short) is the plugin's error.
    fn read_body(
        &self,
        mut receiver: BodyReceiver,
    ) -> wasmtime::Result<Result<Vec<u8>, types::JsError>> {
        let state = self.store.data();
        let mut bytes = Vec::new();
        loop {
            if state.cancel.is_cancelled() {
                return Err(Cancelled.into());
            }
            let until = state.deadline.min(Instant::now() + CANCEL_POLL);
            match receiver.recv_until(until) {
                None if Instant::now() >= state.deadline => return Err(Trap::Interrupt.into()),
                None => {}
                Some(Ok(Some(chunk))) => bytes.extend_from_slice(&chunk),
                Some(Ok(None)) => return Ok(Ok(bytes)),
                Some(Err(error)) => {
                    return Ok(Err(plugin_error(
                        "Error",
                        format!("reading the request body failed: {error}"),
                    )));
                }
            }
        }
    }

    /// Instantiates the guest and calls the JS plugin `entry`'s export
    /// `js_name` with `args` (a tree whose root is the array of them).
    pub fn js_export(
        &mut self,
        pre: &SandboxPre<SandboxState>,
        entry: &Compiled,
        js_name: &str,
        args: &[JsValue],
    ) -> GuestResult<CallOutcome> {
        let guest = pre.instantiate(&mut self.store)?;
        guest.jsbox_sandbox_js_plugin().call_call(
            &mut self.store,
            &entry.name,
            &entry.bytecode,
            js_name,
            args,
        )
    }

    /// Instantiates a typed plugin and calls its function at `index` with
    /// `args`; returns its result, if it `has_result`.
    pub fn component_export(
        &mut self,
        pre: &InstancePre<SandboxState>,
        index: ComponentExportIndex,
        args: &[Val],
        has_result: bool,
    ) -> wasmtime::Result<Option<Val>> {
        let instance = pre.instantiate(&mut self.store)?;
        let func = instance
            .get_func(&mut self.store, index)
            .ok_or_else(|| wasmtime::format_err!("the plugin's export is not a function"))?;
        let mut results = vec![Val::Bool(false); usize::from(has_result)];
        func.call(&mut self.store, args, &mut results)?;
        Ok(results.pop())
    }

    /// Fuel used so far; zero when the engine does not meter fuel.
    pub fn fuel_consumed(&self) -> u64 {
        self.fuel - self.store.get_fuel().unwrap_or(self.fuel)
    }

    pub fn state(&self) -> &SandboxState {
        self.store.data()
    }
}

/// An error of the plugin's run that the plugin did not raise itself.
fn plugin_error(name: &str, message: String) -> types::JsError {
    types::JsError {
        name: name.to_owned(),
        message,
        stack: None,
    }
}
