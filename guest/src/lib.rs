//! The jsbox QuickJS guest.
//!
//! This crate is compiled to `wasm32-wasip1`, componentized by the host's
//! `build.rs`, and implements the `jsbox:sandbox/sandbox` world in `wit/`.
//! The host snapshots the guest after `initialize` and then creates a fresh
//! instance from that snapshot for every run, calling `run` (or `compile`)
//! once; nothing here needs to survive, or be cleaned up after, a run.
//!
//! Layout: one file or folder per concern, and one folder per JS API, its
//! Rust natives (`mod.rs`) beside its JS (named like the folder). Every
//! `.js` file is installed by [`builtins`], which names it in stack traces
//! (`node:fs`, `jsbox:console`, `jsbox:web/url`...).
//! - [`builtins`] installs the built-in JS files, and names them;
//! - [`engine`] owns the QuickJS runtime, created once by `initialize`, and
//!   says in which order everything is installed;
//! - [`code_generation`] gates `eval` and the `Function` constructors on
//!   the run's setting;
//! - [`console`] backs the `console` global with the `log` import;
//! - [`context`] defines the `context` global, read from the `context` import;
//! - [`eval`] compiles and evaluates a script or module;
//! - [`timers`] holds the timer globals, `performance`, and the event loop
//!   that runs microtasks and timers until the run is idle;
//! - [`host_modules`] exposes the embedder's Rust functions as `host:` modules;
//! - [`http`] serves one HTTP request with the entry's `fetch` handler;
//! - [`js_error`] turns a thrown value into the WIT `js-error` record;
//! - [`js_plugin`] runs a JS plugin: a module's exported `handle(input)`,
//!   or a typed export the embedder declared;
//! - [`js_value`] converts JS values to and from the `js-value` trees typed
//!   exports exchange with the host;
//! - [`modules`] loads `import`ed and `require`d files through the host;
//! - [`math_random`] re-seeds `Math.random` for every run;
//! - [`node`] holds Node's built-in modules (`node:fs`...), with the natives
//!   behind the `fs` and `env` grants;
//! - [`web`] holds the web platform globals, with the natives behind the
//!   `net` grant (`fetch`).

mod builtins;
mod code_generation;
mod console;
mod context;
mod engine;
mod eval;
mod host_modules;
mod http;
mod js_error;
mod js_plugin;
mod js_string;
mod js_value;
mod math_random;
mod modules;
mod node;
mod timers;
mod web;

wit_bindgen::generate!({
    world: "sandbox",
    path: "../wit",
});

use exports::jsbox::sandbox::http_handler::{Guest as HttpHandlerGuest, HandlerFailure};
use exports::jsbox::sandbox::js_plugin::{CallOutcome, Guest as JsPluginGuest, JsValue};
use exports::jsbox::sandbox::run::{Code, Completion, Failure, Guest as RunGuest, Script};
use jsbox::sandbox::http_types::IncomingRequest;

struct Sandbox;

impl Guest for Sandbox {
    fn initialize() {
        // A failure here surfaces again, with its message, from the first
        // `run` or `compile`, which retry the initialization.
        let _ = engine::initialize();
    }
}

impl RunGuest for Sandbox {
    fn compile(script: Script) -> Result<Vec<u8>, Failure> {
        let runtime = engine::runtime().map_err(internal)?;
        eval::compile(runtime, &script)
    }

    fn run(code: Code) -> Result<Completion, Failure> {
        let runtime = engine::runtime().map_err(internal)?;
        engine::start_run().map_err(internal)?;
        eval::run(runtime, &code)
    }
}

impl HttpHandlerGuest for Sandbox {
    fn handle(
        name: String,
        bytecode: Vec<u8>,
        request: IncomingRequest,
        env: Vec<(String, String)>,
    ) -> Result<(), HandlerFailure> {
        let runtime = engine::runtime().map_err(|e| HandlerFailure::Internal(e.to_string()))?;
        engine::start_run().map_err(|e| HandlerFailure::Internal(e.to_string()))?;
        http::handle(runtime, &name, &bytecode, request, env)
    }

    fn prepare(name: String, bytecode: Vec<u8>) -> Result<(), HandlerFailure> {
        // No `start_run`: nothing of a run belongs in the snapshot, and
        // leaving the seed and clocks alone keeps the snapshot of an entry
        // the same bytes every time (so its compiled form is cached).
        let runtime = engine::runtime().map_err(|e| HandlerFailure::Internal(e.to_string()))?;
        code_generation::start_entry_top_level();
        let prepared = http::prepare(runtime, &name, &bytecode);
        code_generation::end_entry_top_level();
        prepared
    }
}

impl JsPluginGuest for Sandbox {
    fn handle(name: String, bytecode: Vec<u8>, input: String) -> Result<String, Failure> {
        let runtime = engine::runtime().map_err(internal)?;
        engine::start_run().map_err(internal)?;
        js_plugin::handle(runtime, &name, &bytecode, input)
    }

    fn call(
        name: String,
        bytecode: Vec<u8>,
        export_name: String,
        args: Vec<JsValue>,
    ) -> Result<CallOutcome, Failure> {
        let runtime = engine::runtime().map_err(internal)?;
        engine::start_run().map_err(internal)?;
        js_plugin::call(runtime, &name, &bytecode, &export_name, args)
    }
}

fn internal(e: impl std::fmt::Display) -> Failure {
    Failure::Internal(e.to_string())
}

export!(Sandbox);
