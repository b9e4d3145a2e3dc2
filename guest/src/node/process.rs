//! The per-run facts `process.js` reads: the main script's name (for
//! `process.argv`, set at the start of every run, never in the snapshot)
//! and the sandbox's linear memory size (for `process.memoryUsage`).

use std::cell::RefCell;

use javy::quickjs::{Ctx, Function, Object, Result};

thread_local! {
    /// The name of the script the current run started with.
    static MAIN_NAME: RefCell<String> = const { RefCell::new(String::new()) };
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
