//! Running a plugin written in JavaScript (the `js-plugin` export): an ES
//! module whose exported functions the host calls — `handle(input)`,
//! returning a string or a promise of one, or a typed export the embedder
//! declared, with its arguments and result as `js-value` trees. The module
//! is evaluated from its bytecode, its top-level jobs drained, the function
//! called, and the event loop run until idle before the result is read.

use javy::Runtime;
use javy::quickjs::{
    Ctx, Function, Persistent, Promise, Value,
    function::{Rest, This},
};

use crate::exports::jsbox::sandbox::js_plugin::{CallOutcome, JsValue, Thrown};
use crate::exports::jsbox::sandbox::run::Failure;
use crate::jsbox::sandbox::types::JsError;
use crate::{eval, js_error, js_value, timers};

/// A value kept across the event loop's turns.
type Kept = Persistent<Value<'static>>;

/// Runs the plugin module's `handle` on `input`; see the module doc.
pub fn handle(
    runtime: &Runtime,
    name: &str,
    bytecode: &[u8],
    input: String,
) -> Result<String, Failure> {
    let called = invoke(
        runtime,
        name,
        bytecode,
        "handle",
        "`handle(input)`",
        |ctx| {
            let input =
                javy::quickjs::String::from_str(ctx.clone(), &input).map_err(|_| uncaught(ctx))?;
            Ok(vec![input.into_value()])
        },
    )?;
    // A synchronous throw ends the run at once, as an uncaught exception in
    // a script does.
    let result = match called {
        Ok(result) => result,
        Err(thrown) => {
            return runtime.context().with(|ctx| {
                let thrown = restore(&ctx, thrown)?;
                Err(Failure::UncaughtException(js_error::from_value(thrown)))
            });
        }
    };
    timers::run_until_idle(runtime)?;
    runtime.context().with(|ctx| {
        let result = settled(&ctx, restore(&ctx, result)?)?;
        let result =
            result.map_err(|reason| Failure::UncaughtException(js_error::from_value(reason)))?;
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

/// Calls the plugin module's export `export` with the elements of `args`
/// (a tree whose root is an array); see the module doc.
pub fn call(
    runtime: &Runtime,
    name: &str,
    bytecode: &[u8],
    export: &str,
    args: Vec<JsValue>,
) -> Result<CallOutcome, Failure> {
    let wanted = format!("`{export}`");
    let called = invoke(runtime, name, bytecode, export, &wanted, |ctx| {
        let array = js_value::to_js(ctx, &args, 0).map_err(|_| uncaught(ctx))?;
        let Some(array) = array.as_array() else {
            return Err(Failure::Internal(
                "the arguments are not an array".to_owned(),
            ));
        };
        array
            .iter::<Value>()
            .collect::<javy::quickjs::Result<Vec<_>>>()
            .map_err(|_| uncaught(ctx))
    })?;
    if let Ok(result) = &called {
        runtime.context().with(|ctx| {
            let result = restore(&ctx, result.clone())?;
            match result.as_promise() {
                Some(promise) => observe(&ctx, promise).map_err(|_| uncaught(&ctx)),
                None => Ok(()),
            }
        })?;
    }
    timers::run_until_idle(runtime)?;
    runtime.context().with(|ctx| {
        let result = match called {
            Ok(result) => settled(&ctx, restore(&ctx, result)?)?,
            Err(thrown) => Err(restore(&ctx, thrown)?),
        };
        let mut tree = Vec::new();
        match result {
            Ok(value) => {
                js_value::from_js(&value, &mut tree).map_err(|_| uncaught(&ctx))?;
                Ok(CallOutcome::Returned(tree))
            }
            Err(thrown) => {
                js_value::from_js(&thrown, &mut tree).map_err(|_| uncaught(&ctx))?;
                Ok(CallOutcome::Threw(Thrown {
                    error: js_error::from_value(thrown),
                    value: tree,
                }))
            }
        }
    })
}

/// Evaluates the module and calls its export `export` (`wanted` says what
/// the module should export, for errors) with the arguments `args` makes.
/// Returns what the call returned (perhaps a promise), or what it threw.
fn invoke(
    runtime: &Runtime,
    name: &str,
    bytecode: &[u8],
    export: &str,
    wanted: &str,
    args: impl for<'js> FnOnce(&Ctx<'js>) -> Result<Vec<Value<'js>>, Failure>,
) -> Result<Result<Kept, Kept>, Failure> {
    let context = runtime.context();
    let entry = context.with(|ctx| eval::evaluate_entry(&ctx, name, bytecode))?;
    timers::drain_microtasks(runtime)?;
    context.with(|ctx| {
        let Some(module) = &entry.module else {
            return Err(type_error(&format!(
                "a JS plugin is an ES module that exports {wanted}; this is a script"
            )));
        };
        let evaluation = restore(&ctx, module.evaluation.clone())?;
        settled_promise(&ctx, &evaluation)?
            .map_err(|reason| Failure::UncaughtException(js_error::from_value(reason)))?;
        let namespace = restore(&ctx, module.namespace.clone())?;
        let function: Value = namespace.get(export).map_err(|_| uncaught(&ctx))?;
        let Some(function) = function.as_function().cloned() else {
            return Err(type_error(&format!(
                "the plugin module does not export a `{export}` function"
            )));
        };
        let args = args(&ctx)?;
        Ok(match Function::call::<_, Value>(&function, (Rest(args),)) {
            Ok(result) => Ok(Persistent::save(&ctx, result)),
            Err(_) => Err(Persistent::save(&ctx, ctx.catch())),
        })
    })
}

/// Handles a rejection of `promise`, the typed export's result: a
/// rejection is the call's `err` (read once the event loop is idle), not an
/// unhandled rejection that ends the run.
fn observe<'js>(ctx: &Ctx<'js>, promise: &Promise<'js>) -> javy::quickjs::Result<()> {
    let ignore = Function::new(ctx.clone(), || {})?;
    promise
        .catch()?
        .call::<_, Value>((This(promise.clone()), ignore))?;
    Ok(())
}

/// `value`, or what it settled to if it is a promise (which must have
/// settled by now): `Ok` if it resolved, `Err` with the reason if it
/// rejected.
fn settled<'js>(
    ctx: &Ctx<'js>,
    value: Value<'js>,
) -> Result<Result<Value<'js>, Value<'js>>, Failure> {
    let Some(promise) = value.as_promise().cloned() else {
        return Ok(Ok(value));
    };
    settled_promise(ctx, &promise)
}

fn settled_promise<'js>(
    ctx: &Ctx<'js>,
    promise: &Promise<'js>,
) -> Result<Result<Value<'js>, Value<'js>>, Failure> {
    use javy::quickjs::promise::PromiseState;
    match promise.state() {
        PromiseState::Resolved => match promise.result::<Value>() {
            Some(Ok(value)) => Ok(Ok(value)),
            _ => Err(Failure::Internal(
                "a resolved promise has no value".to_owned(),
            )),
        },
        PromiseState::Rejected => Ok(Err(match promise.result::<Value>() {
            Some(Err(_)) => ctx.catch(),
            Some(Ok(value)) => value,
            None => Value::new_undefined(ctx.clone()),
        })),
        PromiseState::Pending => Err(Failure::UncaughtException(JsError {
            name: "Error".to_owned(),
            message: "the plugin's promise never settled: it awaits something that no pending \
                      timer or job is left to resolve"
                .to_owned(),
            stack: None,
        })),
    }
}

/// The pending exception as the plugin's uncaught one.
fn uncaught(ctx: &Ctx<'_>) -> Failure {
    Failure::UncaughtException(js_error::take_exception(ctx))
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
