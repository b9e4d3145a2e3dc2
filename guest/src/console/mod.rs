//! The `console` global (`console.js`, `jsbox:console`), backed by the
//! host's `log` import.
//!
//! The JS side formats like Node's `util.inspect`/`util.format` and keeps
//! the state of `count`, `time` and `group`; this side only carries each
//! finished message to the host at its level.

use std::cell::RefCell;

use javy::quickjs::{Ctx, Function, Object, Persistent};

use crate::builtins::{self, Builtin, builtin};
use crate::js_string::Lossy;
use crate::jsbox::sandbox::log::{self, Level};

const CONSOLE_JS: Builtin = builtin!("jsbox:console", "console.js");

thread_local! {
    /// `{ inspect, format }` from `console.js`, for `node:util`.
    static FORMATTER: RefCell<Option<Persistent<Object<'static>>>> = const { RefCell::new(None) };
}

/// Replaces javy's `console` (which writes to WASI streams) with one whose
/// methods emit structured log events to the host.
pub fn install(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    // Lossy: a message with a lone surrogate prints U+FFFD in its place, as
    // in Node, instead of failing the call.
    let emit = Function::new(ctx.clone(), |level: String, Lossy(message)| {
        log::emit(level_named(&level), &message, &[]);
    })?;
    let formatter: Object = builtins::install(ctx, &CONSOLE_JS, (emit,))?;
    FORMATTER.with(|f| *f.borrow_mut() = Some(Persistent::save(ctx, formatter)));
    Ok(())
}

/// `{ inspect(value, options), format(args) }`: the formatting `console`
/// uses, shared with `node:util` so that both print alike.
pub fn formatter<'js>(ctx: &Ctx<'js>) -> javy::quickjs::Result<Object<'js>> {
    FORMATTER
        .with(|f| f.borrow().clone())
        .ok_or(javy::quickjs::Error::Unknown)?
        .restore(ctx)
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
