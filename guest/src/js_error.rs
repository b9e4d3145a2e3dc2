//! Conversion of a thrown JS value into the WIT `js-error` record, and
//! [`throw`], how natives throw an `Error` with a `code`.
//!
//! javy's `from_js_error` folds name, message and stack into one string; the
//! host needs them apart (to classify, to log as fields, to print like Node),
//! so we read the three properties ourselves. The stack ends, as Node prints
//! an uncaught error, with the error's own properties and `cause` chain.

use javy::quickjs::{Ctx, Error, Exception, Function, Promise, Value, promise::PromiseState};

use crate::console;
use crate::js_string::Lossy;

use crate::jsbox::sandbox::types::JsError;

/// An `Error` with `message` and `code` (the host's: `ENOENT`,
/// `ERR_ACCESS_DENIED`...), thrown.
pub fn throw(ctx: &Ctx<'_>, code: &str, message: &str) -> Error {
    match Exception::from_message(ctx.clone(), message) {
        Ok(exception) => match exception.as_object().set("code", code) {
            Ok(()) => exception.throw(),
            Err(error) => error,
        },
        Err(error) => error,
    }
}

/// Reads the pending exception of `ctx` (clearing it) as a [`JsError`].
pub fn take_exception(ctx: &Ctx<'_>) -> JsError {
    from_value(ctx.catch())
}

/// Describes a thrown value. Error objects keep their `name`, `message` and
/// `stack`; any other thrown value becomes `Error` with its string form.
pub fn from_value(value: Value<'_>) -> JsError {
    let Some(object) = value
        .as_object()
        .filter(|_| value.is_error() || has_name(&value))
    else {
        return JsError {
            name: "Error".to_owned(),
            message: coerce_to_string(value),
            stack: None,
        };
    };
    let name = object
        .get::<_, Value>("name")
        .ok()
        .filter(|v| !v.is_undefined())
        .map(coerce_to_string)
        .unwrap_or_else(|| "Error".to_owned());
    let message = object
        .get::<_, Value>("message")
        .ok()
        .filter(|v| !v.is_undefined())
        .map(coerce_to_string)
        .unwrap_or_default();
    let stack = object
        .get::<_, Option<Lossy>>("stack")
        .ok()
        .flatten()
        .map(|Lossy(s)| s.trim_end().to_owned())
        .filter(|s| !s.is_empty())
        .map(|stack| stack + &details(&value));
    JsError {
        name,
        message,
        stack,
    }
}

/// The outcome of a promise the event loop has run dry on: its value if it
/// resolved (`None` if the value cannot be read), the reason as a
/// [`JsError`] if it rejected, and an `Error` carrying `never_settled` if it
/// is still pending, since no timer or job is left that could settle it.
pub fn settled<'js>(
    ctx: &Ctx<'js>,
    promise: &Promise<'js>,
    never_settled: &str,
) -> Result<Option<Value<'js>>, JsError> {
    match promise.state() {
        PromiseState::Resolved => Ok(promise.result::<Value>().and_then(Result::ok)),
        PromiseState::Rejected => {
            let reason = match promise.result::<Value>() {
                Some(Err(_)) => ctx.catch(),
                Some(Ok(value)) => value,
                None => Value::new_undefined(ctx.clone()),
            };
            Err(from_value(reason))
        }
        PromiseState::Pending => Err(JsError {
            name: "Error".to_owned(),
            message: never_settled.to_owned(),
            stack: None,
        }),
    }
}

/// What Node prints after an uncaught error's stack: its own enumerable
/// properties (`code`, `errno`...) and its `cause` chain, formatted by
/// `console`'s `inspect` (` {\n  code: 'ERR_ACCESS_DENIED'\n}`), or ''.
/// Formatting runs the script's getters; whatever they throw is dropped,
/// since describing an error must never raise a second one.
fn details(error: &Value<'_>) -> String {
    let ctx = error.ctx();
    let described = console::formatter(ctx)
        .and_then(|formatter| formatter.get::<_, Function>("uncaughtDetails"))
        .and_then(|describe| describe.call::<_, Lossy>((error.clone(),)));
    match described {
        Ok(Lossy(text)) => text,
        Err(_) => {
            let _ = ctx.catch();
            String::new()
        }
    }
}

fn has_name(value: &Value<'_>) -> bool {
    value.as_object().is_some_and(|o| {
        o.contains_key("name").unwrap_or(false) && o.contains_key("message").unwrap_or(false)
    })
}

/// `String(value)` (lone surrogates as U+FFFD), or a placeholder when even that throws (a hostile
/// `toString`): describing an error must never raise a second one.
fn coerce_to_string(value: Value<'_>) -> String {
    let ctx = value.ctx().clone();
    match value.get::<Lossy>() {
        Ok(Lossy(s)) => s,
        Err(_) => {
            let _ = ctx.catch();
            "<value that cannot be converted to a string>".to_owned()
        }
    }
}
