//! The `console` global (`console.js`), backed by the host's `log` import.
//!
//! The JS side formats like Node's `util.inspect`/`util.format` and keeps
//! the state of `count`, `time` and `group`; this side only carries each
//! finished message to the host at its level.

use javy::quickjs::{Ctx, Function};

use crate::jsbox::sandbox::log::{self, Level};

const CONSOLE_JS: &str = include_str!("console.js");

/// Replaces javy's `console` (which writes to WASI streams) with one whose
/// methods emit structured log events to the host.
pub fn install(ctx: &Ctx<'_>) -> javy::quickjs::Result<()> {
    let emit = Function::new(ctx.clone(), |level: String, message: String| {
        log::emit(level_named(&level), &message, &[]);
    })?;
    let factory: Function = ctx.eval(CONSOLE_JS)?;
    factory.call::<_, ()>((emit,))
}

fn level_named(level: &str) -> Level {
    match level {
        "trace" => Level::Trace,
        "debug" => Level::Debug,
        "warn" => Level::Warn,
        "error" => Level::Error,
        _ => Level::Info,
    }
}
