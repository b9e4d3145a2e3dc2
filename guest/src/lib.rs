//! The jsbox QuickJS guest.
//!
//! This crate is compiled to `wasm32-wasip1`, componentized by the host's
//! `build.rs`, and implements the `jsbox:sandbox/sandbox` world in `wit/`.
//! The host creates a fresh instance for every run and calls `run` once, so
//! nothing here needs to survive, or be cleaned up after, a run.
//!
//! Layout:
//! - [`engine`] builds the QuickJS runtime with the intrinsics we expose;
//! - [`console`] backs the `console` global with the `log` import;
//! - [`context`] installs the frozen `context` global from the `context` import;
//! - [`eval`] parses and evaluates a script or module and drains its jobs;
//! - [`js_error`] turns a thrown value into the WIT `js-error` record.

mod console;
mod context;
mod engine;
mod eval;
mod js_error;

wit_bindgen::generate!({
    world: "sandbox",
    path: "../wit",
});

use exports::jsbox::sandbox::run::{Completion, Failure, Guest, Script};

struct Sandbox;

impl Guest for Sandbox {
    fn run(script: Script) -> Result<Completion, Failure> {
        let runtime = engine::new_runtime().map_err(|e| Failure::Internal(format!("{e:#}")))?;
        runtime.context().with(|ctx| -> Result<(), Failure> {
            console::install(&ctx).map_err(internal)?;
            context::install(&ctx).map_err(internal)?;
            Ok(())
        })?;
        eval::run(&runtime, &script)
    }
}

fn internal(e: impl std::fmt::Display) -> Failure {
    Failure::Internal(e.to_string())
}

export!(Sandbox);
