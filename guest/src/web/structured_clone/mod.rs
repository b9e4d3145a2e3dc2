//! `structuredClone` (HTML's structured serialize/deserialize in one pass).
//!
//! Rust classifies values: [`kind`] asks QuickJS which built-in a value is
//! by its internal class (`JS_IsDate`, `JS_IsMap`, `JS_IsProxy`..., and
//! class ids sampled at initialization for boxed primitives and ordinary
//! objects), which no script can fake or hide with `Symbol.toStringTag` or
//! a prototype swap. `structured_clone.js` walks the object graph with a
//! memory map (cycles and shared references survive) and builds the
//! copies; byte copies happen in QuickJS's `ArrayBuffer.prototype.slice`.
//!
//! Supported: primitives (not symbols), plain objects, arrays (holes and
//! extra properties kept), `Date`, `RegExp` (`lastIndex` reset, as
//! specified), `Map`, `Set`, `ArrayBuffer` (resizable ones stay
//! resizable), every TypedArray, `DataView`, errors (`name` among the seven
//! standard ones, else `Error`; own `message`; `stack` kept),
//! `DOMException` (when that global exists: `name` and `message`), boxed
//! primitives, BigInt; `transfer` of `ArrayBuffer`s (the originals are
//! detached after a successful clone).
//!
//! Divergences: objects of any other QuickJS class (promises, weak
//! collections, generators, `SharedArrayBuffer`, boxed symbols...) throw
//! `DataCloneError` as the standard says, but instances of JS classes,
//! including the web classes written in JS such as `URL`, are ordinary
//! objects to QuickJS and clone as plain objects instead of throwing;
//! errors' `cause` is not cloned; only
//! `ArrayBuffer`s can be transferred.

use javy::quickjs::context::EvalOptions;
use javy::quickjs::{Ctx, Function, Object, Value, qjs};

use crate::builtins::{self, Builtin, builtin};

const JS: Builtin = builtin!("jsbox:web/structured_clone", "structured_clone.js");

pub fn install<'js>(ctx: &Ctx<'js>, helpers: &Object<'js>) -> anyhow::Result<()> {
    let classes = Classes::sample(ctx)?;
    let native = Object::new(ctx.clone())?;
    native.set(
        "kind",
        Function::new(ctx.clone(), move |value: Value<'_>| kind(&classes, &value))?,
    )?;
    builtins::install(ctx, &JS, (native, helpers.clone()))
}

/// QuickJS class ids that have no `JS_Is...` predicate, read from sample
/// objects at initialization (they are the runtime's, so the snapshot keeps
/// them valid).
struct Classes {
    object: qjs::JSClassID,
    arguments: [qjs::JSClassID; 2],
    number: qjs::JSClassID,
    string: qjs::JSClassID,
    boolean: qjs::JSClassID,
    big_int: qjs::JSClassID,
}

impl Classes {
    fn sample(ctx: &Ctx<'_>) -> anyhow::Result<Self> {
        // Sloppy mode, so that `arguments` in a sloppy function is the
        // mapped arguments object that scripts' sloppy functions get.
        let class_of = |source: &str| -> anyhow::Result<qjs::JSClassID> {
            let mut options = EvalOptions::default();
            options.strict = false;
            let value: Value = ctx
                .eval_with_options(source, options)
                .map_err(|e| anyhow::anyhow!("sampling the class of {source}: {e}"))?;
            Ok(class_id(&value))
        };
        Ok(Self {
            object: class_of("({})")?,
            arguments: [
                class_of("(function () { return arguments; })()")?,
                class_of("(function () { 'use strict'; return arguments; })()")?,
            ],
            number: class_of("Object(0)")?,
            string: class_of("Object('')")?,
            boolean: class_of("Object(false)")?,
            big_int: class_of("Object(0n)")?,
        })
    }
}

fn class_id(value: &Value<'_>) -> qjs::JSClassID {
    // SAFETY: the JSValue is `value`'s, live for the call; `JS_GetClassID`
    // only reads its tag and, for objects, the class id field.
    unsafe { qjs::JS_GetClassID(value.as_raw()) }
}

/// What an object is, by its QuickJS class: `Array`, `Date`, `RegExp`,
/// `Map`, `Set`, `ArrayBuffer`, `DataView`, `TypedArray`, `Error`, a boxed
/// `Number`, `String`, `Boolean` or `BigInt`, `Object` for ordinary objects
/// (arguments objects included), `Proxy`, and `Uncloneable` for every other
/// class (boxed symbols, promises, weak collections, generators,
/// `SharedArrayBuffer`...), which the standard says cannot be cloned.
fn kind(classes: &Classes, value: &Value<'_>) -> &'static str {
    let raw = value.as_raw();
    // SAFETY: `raw` is the JSValue of `value`, which holds a reference to it
    // for the whole function, so it is live during every call below. Each
    // predicate only reads the value's tag and, for objects, its class id;
    // none of them allocates, runs JS or takes ownership of the value.
    let known = unsafe {
        if qjs::JS_IsProxy(raw) {
            Some("Proxy")
        } else if qjs::JS_IsArray(raw) {
            Some("Array")
        } else if qjs::JS_IsDate(raw) {
            Some("Date")
        } else if qjs::JS_IsRegExp(raw) {
            Some("RegExp")
        } else if qjs::JS_IsMap(raw) {
            Some("Map")
        } else if qjs::JS_IsSet(raw) {
            Some("Set")
        } else if qjs::JS_IsArrayBuffer(raw) {
            Some("ArrayBuffer")
        } else if qjs::JS_IsDataView(raw) {
            Some("DataView")
        } else if qjs::JS_GetTypedArrayType(raw) >= 0 {
            Some("TypedArray")
        } else if qjs::JS_IsError(raw) {
            Some("Error")
        } else {
            None
        }
    };
    if let Some(kind) = known {
        return kind;
    }
    let class = class_id(value);
    if class == classes.object || classes.arguments.contains(&class) {
        "Object"
    } else if class == classes.number {
        "Number"
    } else if class == classes.string {
        "String"
    } else if class == classes.boolean {
        "Boolean"
    } else if class == classes.big_int {
        "BigInt"
    } else {
        "Uncloneable"
    }
}
