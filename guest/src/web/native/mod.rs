//! Rust-backed web APIs: text encoding ([`encoding`]), base64 ([`base64`]),
//! `URL` and `URLSearchParams` ([`url`]), `structuredClone`
//! ([`structured_clone`]) and `crypto` ([`crypto`]).
//!
//! Each module pairs Rust functions (the byte and string work: UTF-8,
//! base64, WHATWG URL parsing through the `url` crate, hashing, randomness)
//! with a JS file that gives them their web shape (classes, getters,
//! argument conversion, `DOMException`s). The JS file is one function
//! expression `(native, helpers) => { ... }`: `native` holds that module's
//! Rust functions and is never reachable from scripts, `helpers` is the
//! object made by `helpers.js`, shared by all modules. Everything here runs
//! once, in `initialize`, so it is part of the snapshot; nothing captures
//! per-run state (randomness is drawn from the host at call time).

mod base64;
mod crypto;
mod encoding;
mod structured_clone;
pub mod url;

use javy::quickjs::context::EvalOptions;
use javy::quickjs::{Ctx, Function, Object};

use crate::js_error;

/// Shared helpers for the JS halves (see the file's header).
const HELPERS_JS: &str = include_str!("helpers.js");

/// Installs every Rust-backed global.
pub fn install(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let helpers: Object = eval(ctx, "helpers.js", HELPERS_JS)?;
    encoding::install(ctx, &helpers)?;
    base64::install(ctx, &helpers)?;
    url::install(ctx, &helpers)?;
    structured_clone::install(ctx, &helpers)?;
    crypto::install(ctx, &helpers)
}

/// Evaluates `source` (a function expression) and calls the function with
/// the module's Rust functions and the shared helpers.
fn run_js<'js>(
    ctx: &Ctx<'js>,
    file: &str,
    source: &str,
    native: Object<'js>,
    helpers: &Object<'js>,
) -> anyhow::Result<()> {
    let installer: Function = eval(ctx, file, source)?;
    installer
        .call::<_, ()>((native, helpers.clone()))
        .map_err(|e| describe(ctx, file, e))
}

fn eval<'js, V: javy::quickjs::FromJs<'js>>(
    ctx: &Ctx<'js>,
    file: &str,
    source: &str,
) -> anyhow::Result<V> {
    let mut options = EvalOptions::default();
    options.strict = true;
    options.filename = Some(format!("web/native/{file}"));
    ctx.eval_with_options(source, options)
        .map_err(|e| describe(ctx, file, e))
}

fn describe(ctx: &Ctx<'_>, file: &str, error: javy::quickjs::Error) -> anyhow::Error {
    if error.is_exception() {
        let error = js_error::take_exception(ctx);
        anyhow::anyhow!(
            "installing web/native/{file}: {}: {}\n{}",
            error.name,
            error.message,
            error.stack.unwrap_or_default()
        )
    } else {
        anyhow::anyhow!("installing web/native/{file}: {error}")
    }
}
