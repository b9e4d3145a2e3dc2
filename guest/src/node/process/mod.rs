//! `node:process` and the `process` global (`process.js`), with
//! `process.env` ([`env`]).
//!
//! What `process.js` needs from outside JS: the main script's name (for
//! `process.argv`, set at the start of every run, never in the snapshot),
//! the sandbox's linear memory size (for `process.memoryUsage`), and the
//! `process` import's `exit`, which ends the run, and the event loop's
//! `queueTicks` (for `nextTick`). [`end_run`] calls the
//! hook `process.js` registers, which emits `'exit'` and reports a
//! non-zero `process.exitCode` through `exit`.

use std::cell::RefCell;

use javy::quickjs::{Ctx, Exception, Function, Object, Persistent, Result};

use crate::jsbox::sandbox::process;

pub mod env;

thread_local! {
    /// The name of the script the current run started with.
    static MAIN_NAME: RefCell<String> = const { RefCell::new(String::new()) };
    /// What to call when the run's work is done: set when `process` is
    /// first used in a run (so never in the snapshot).
    static AT_END: RefCell<Option<Persistent<Function<'static>>>> = const { RefCell::new(None) };
}

/// Calls the end-of-run hook of `process.js`, if `process` was used. It may
/// end the run through `exit` (and so never return).
pub fn end_run(ctx: &Ctx<'_>) -> Result<()> {
    let Some(hook) = AT_END.with(|hook| hook.borrow().clone()) else {
        return Ok(());
    };
    hook.restore(ctx)?.call(())
}

/// Records the name of the script this run starts with.
pub fn start_run(main_name: &str) {
    MAIN_NAME.with(|name| main_name.clone_into(&mut name.borrow_mut()));
}

/// The functions `process.js` reaches as `internal.native.process`.
pub fn natives<'js>(ctx: &Ctx<'js>) -> Result<Object<'js>> {
    let native = Object::new(ctx.clone())?;
    native.set(
        "mainName",
        Function::new(ctx.clone(), || MAIN_NAME.with(|name| name.borrow().clone()))?,
    )?;
    native.set("memoryBytes", Function::new(ctx.clone(), memory_bytes)?)?;
    native.set("exit", Function::new(ctx.clone(), exit)?)?;
    native.set("atRunEnd", Function::new(ctx.clone(), at_run_end)?)?;
    native.set(
        "queueTicks",
        Function::new(ctx.clone(), crate::timers::queue_ticks)?,
    )?;
    native.set(
        "jsboxVersion",
        Function::new(ctx.clone(), || env!("CARGO_PKG_VERSION"))?,
    )?;
    Ok(native)
}

/// The size of the guest's linear memory, in bytes.
fn memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}

/// Registers `hook` as what [`end_run`] calls.
fn at_run_end<'js>(ctx: Ctx<'js>, hook: Function<'js>) {
    AT_END.with(|at_end| *at_end.borrow_mut() = Some(Persistent::save(&ctx, hook)));
}

/// Ends the run with `code`: the host stops the guest inside the call.
fn exit(ctx: Ctx<'_>, code: i32) -> Result<()> {
    process::exit(code);
    Err(Exception::throw_internal(
        &ctx,
        "the host did not end the run on process.exit()",
    ))
}
