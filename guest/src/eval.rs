//! Parsing and evaluating the run's source, then draining its jobs.
//!
//! Scripts are compiled first and evaluated second, so that a parse failure
//! is reported as `syntax-error` while a `SyntaxError` thrown at run time
//! (by `eval`, `JSON.parse`...) stays an `uncaught-exception`.

use std::ffi::CString;

use javy::Runtime;
use javy::quickjs::{Ctx, Module, Persistent, Promise, Value, promise::PromiseState, qjs};

use crate::exports::jsbox::sandbox::run::{Completion, Failure, Script, SourceKind};
use crate::js_error;
use crate::jsbox::sandbox::types::JsError;

/// Evaluates `script` and runs the microtasks it queued.
pub fn run(runtime: &Runtime, script: &Script) -> Result<Completion, Failure> {
    let context = runtime.context();
    let pending = context.with(|ctx| evaluate(&ctx, script))?;
    runtime
        .resolve_pending_jobs()
        .map_err(|_| context.with(|ctx| uncaught(&ctx)))?;
    context.with(|ctx| match pending {
        Evaluated::Value(json) => Ok(Completion { value_json: json }),
        Evaluated::Module(promise) => {
            let promise = promise
                .restore(&ctx)
                .map_err(|e| Failure::Internal(e.to_string()))?;
            settle_module(&ctx, promise)
        }
    })
}

/// What evaluation left behind: a script's completion value (already
/// encoded, since the value itself cannot outlive the context lock), or a
/// module's evaluation promise to inspect once its jobs have run.
enum Evaluated {
    Value(Option<String>),
    Module(Persistent<Promise<'static>>),
}

fn evaluate(ctx: &Ctx<'_>, script: &Script) -> Result<Evaluated, Failure> {
    match script.kind {
        SourceKind::Script => {
            let function = compile_script(ctx, &script.name, &script.source)?;
            let value = eval_function(ctx, function)?;
            Ok(Evaluated::Value(to_json(ctx, value)))
        }
        SourceKind::Module => {
            let declared =
                Module::declare(ctx.clone(), script.name.as_str(), script.source.as_str())
                    .map_err(|_| syntax(ctx))?;
            let (_module, promise) = declared.eval().map_err(|_| uncaught(ctx))?;
            Ok(Evaluated::Module(Persistent::save(ctx, promise)))
        }
    }
}

/// Compiles a classic script to a function object without running it.
fn compile_script<'js>(ctx: &Ctx<'js>, name: &str, source: &str) -> Result<Value<'js>, Failure> {
    let nul_error = |what: &str| {
        Failure::SyntaxError(JsError {
            name: "SyntaxError".to_owned(),
            message: format!("the script's {what} contains a NUL character"),
            stack: None,
        })
    };
    let source = CString::new(source).map_err(|_| nul_error("source"))?;
    let file_name = CString::new(name).map_err(|_| nul_error("name"))?;
    let flags = qjs::JS_EVAL_TYPE_GLOBAL | qjs::JS_EVAL_FLAG_COMPILE_ONLY;
    // SAFETY: `ctx` is a live, locked context; `source` is NUL-terminated as
    // JS_Eval requires and its length excludes the terminator; `file_name` is
    // a valid C string. JS_Eval returns an owned value, whose ownership
    // `Value::from_raw` takes over.
    let function = unsafe {
        let raw = qjs::JS_Eval(
            ctx.as_raw().as_ptr(),
            source.as_ptr(),
            source.as_bytes().len() as _,
            file_name.as_ptr(),
            flags as i32,
        );
        Value::from_raw(ctx.clone(), raw)
    };
    if function.is_exception() {
        return Err(syntax(ctx));
    }
    Ok(function)
}

/// Runs a function object produced by [`compile_script`].
fn eval_function<'js>(ctx: &Ctx<'js>, function: Value<'js>) -> Result<Value<'js>, Failure> {
    // SAFETY: JS_EvalFunction consumes one reference to its argument, so we
    // hand it a duplicate and let `function` drop its own. The result is an
    // owned value, taken over by `Value::from_raw`.
    let value = unsafe {
        let ctx_ptr = ctx.as_raw().as_ptr();
        let raw = qjs::JS_EvalFunction(ctx_ptr, qjs::JS_DupValue(ctx_ptr, function.as_raw()));
        Value::from_raw(ctx.clone(), raw)
    };
    if value.is_exception() {
        return Err(uncaught(ctx));
    }
    Ok(value)
}

/// A module's evaluation promise settles once its top-level awaits do.
fn settle_module<'js>(ctx: &Ctx<'js>, promise: Promise<'js>) -> Result<Completion, Failure> {
    match promise.state() {
        PromiseState::Resolved => Ok(Completion { value_json: None }),
        PromiseState::Rejected => {
            let reason = match promise.result::<Value>() {
                Some(Err(_)) => ctx.catch(),
                Some(Ok(value)) => value,
                None => Value::new_undefined(ctx.clone()),
            };
            Err(Failure::UncaughtException(js_error::from_value(reason)))
        }
        PromiseState::Pending => Err(Failure::UncaughtException(JsError {
            name: "Error".to_owned(),
            message: "top-level await never settled: the module awaits a promise that nothing is \
                      left to resolve"
                .to_owned(),
            stack: None,
        })),
    }
}

fn to_json<'js>(ctx: &Ctx<'js>, value: Value<'js>) -> Option<String> {
    if value.is_undefined() {
        return None;
    }
    match ctx.json_stringify(value) {
        Ok(json) => json.and_then(|s| s.to_string().ok()),
        Err(_) => {
            // No JSON form (a cycle, a BigInt): the completion value is
            // reported as absent rather than failing a run that succeeded.
            drop(ctx.catch());
            None
        }
    }
}

fn syntax(ctx: &Ctx<'_>) -> Failure {
    Failure::SyntaxError(js_error::take_exception(ctx))
}

fn uncaught(ctx: &Ctx<'_>) -> Failure {
    Failure::UncaughtException(js_error::take_exception(ctx))
}
