//! The `console` global, backed by the host's `log` import.
//!
//! Each method formats its arguments into one message and emits one event at
//! the method's level; the host decides where events go. Formatting is
//! deliberately simple for now: strings print as they are, errors print
//! `name: message` and their stack, other objects print as JSON when they
//! have a JSON form and as `String(value)` otherwise. (Node's `util.inspect`
//! formatting and `%s`-style substitutions are not implemented yet.)

use javy::quickjs::{Ctx, Function, Object, Value, convert::Coerced, function::Rest};

use crate::js_error;
use crate::jsbox::sandbox::log::{self, Level};

/// The console methods and the log level each one emits at.
const METHODS: [(&str, Level); 6] = [
    ("log", Level::Info),
    ("info", Level::Info),
    ("debug", Level::Debug),
    ("trace", Level::Trace),
    ("warn", Level::Warn),
    ("error", Level::Error),
];

/// Replaces javy's `console` (which writes to WASI streams) with one whose
/// methods emit structured log events to the host.
pub fn install(ctx: &Ctx<'_>) -> javy::quickjs::Result<()> {
    let console = Object::new(ctx.clone())?;
    for (name, level) in METHODS {
        let method = Function::new(ctx.clone(), move |args: Rest<Value<'_>>| {
            log::emit(level, &format_args(&args.0), &[]);
        })?
        .with_name(name)?;
        console.set(name, method)?;
    }
    ctx.globals().set("console", console)
}

fn format_args(args: &[Value<'_>]) -> String {
    let mut message = String::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            message.push(' ');
        }
        message.push_str(&format_value(arg));
    }
    message
}

fn format_value(value: &Value<'_>) -> String {
    if let Some(s) = value.as_string() {
        return s.to_string().unwrap_or_default();
    }
    if value.is_error() {
        let error = js_error::from_value(value.clone());
        return match error.stack {
            Some(stack) => format!("{}: {}\n{}", error.name, error.message, stack),
            None => format!("{}: {}", error.name, error.message),
        };
    }
    if value.is_object() && !value.is_function() {
        let ctx = value.ctx();
        match ctx.json_stringify(value.clone()) {
            Ok(Some(json)) => return json.to_string().unwrap_or_default(),
            Ok(None) => {}
            // Cycles and BigInts make JSON.stringify throw; fall back below.
            Err(_) => drop(ctx.catch()),
        }
    }
    match value.get::<Coerced<String>>() {
        Ok(s) => s.0,
        Err(_) => {
            drop(value.ctx().catch());
            String::from("<value that cannot be converted to a string>")
        }
    }
}
