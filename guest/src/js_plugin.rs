//! Running a plugin written in JavaScript (the `js-plugin` export): an ES
//! module that exports `handle(input)`, returning a string or a promise of
//! one. The module is evaluated from its bytecode, its top-level jobs
//! drained, `handle` called, and the event loop run until idle before the
//! result is read.

use javy::Runtime;
use javy::quickjs::{Ctx, Function, Persistent, Promise, Value, promise::PromiseState};

use crate::exports::jsbox::sandbox::run::Failure;
use crate::jsbox::sandbox::types::JsError;
use crate::{eval, event_loop, js_error};

/// Runs the plugin module's `handle` on `input`; see the module doc.
pub fn handle(
    runtime: &Runtime,
    name: &str,
    bytecode: &[u8],
    input: String,
) -> Result<String, Failure> {
    let context = runtime.context();
    let entry = context.with(|ctx| eval::evaluate_entry(&ctx, name, bytecode))?;
    event_loop::drain_microtasks(runtime)?;
    let result = context.with(|ctx| -> Result<Persistent<Value<'static>>, Failure> {
        let Some(module) = &entry.module else {
            return Err(type_error(
                "a JS plugin is an ES module that exports `handle(input)`; this is a script",
            ));
        };
        let evaluation = restore(&ctx, module.evaluation.clone())?;
        settled(&ctx, &evaluation)?;
        let namespace = restore(&ctx, module.namespace.clone())?;
        let handle: Value = namespace
            .get("handle")
            .map_err(|_| Failure::UncaughtException(js_error::take_exception(&ctx)))?;
        let Some(handle) = handle.as_function().cloned() else {
            return Err(type_error(
                "the plugin module does not export a `handle` function",
            ));
        };
        let result: Value = Function::call(&handle, (input,))
            .map_err(|_| Failure::UncaughtException(js_error::take_exception(&ctx)))?;
        Ok(Persistent::save(&ctx, result))
    })?;
    event_loop::run_until_idle(runtime)?;
    context.with(|ctx| {
        let mut result = restore(&ctx, result)?;
        if let Some(promise) = result.as_promise().cloned() {
            result = settled(&ctx, &promise)?;
        }
        match result.as_string() {
            Some(text) => text
                .to_string()
                .map_err(|e| Failure::Internal(e.to_string())),
            None => Err(type_error(&format!(
                "`handle` must return a string (or a promise of one), not {}",
                result.type_name()
            ))),
        }
    })
}

/// The value of a promise that must have settled by now.
fn settled<'js>(ctx: &Ctx<'js>, promise: &Promise<'js>) -> Result<Value<'js>, Failure> {
    js_error::settled(
        ctx,
        promise,
        "the plugin's promise never settled: it awaits something that no pending timer or job \
         is left to resolve",
    )
    .map_err(Failure::UncaughtException)?
    .ok_or_else(|| Failure::Internal("a resolved promise has no value".to_owned()))
}

fn type_error(message: &str) -> Failure {
    Failure::UncaughtException(JsError {
        name: "TypeError".to_owned(),
        message: message.to_owned(),
        stack: None,
    })
}

fn restore<'js, T>(ctx: &Ctx<'js>, value: Persistent<T>) -> Result<T::Changed<'js>, Failure>
where
    T: javy::quickjs::JsLifetime<'static>,
{
    value
        .restore(ctx)
        .map_err(|e| Failure::Internal(format!("restoring a value: {e}")))
}
