//! `structuredClone` (HTML's structured serialize/deserialize in one pass).
//!
//! Rust classifies values: [`kind`] asks QuickJS which built-in a value is
//! by its internal class (`JS_IsDate`, `JS_IsMap`, `JS_IsProxy`...), which
//! no script can fake or hide with `Symbol.toStringTag` or a prototype
//! swap. `structured_clone.js` walks the object graph with a memory map
//! (cycles and shared references survive) and builds the copies; byte
//! copies happen in QuickJS's `ArrayBuffer.prototype.slice`.
//!
//! Supported: primitives (not symbols), plain objects, arrays (holes and
//! extra properties kept), `Date`, `RegExp` (`lastIndex` reset, as
//! specified), `Map`, `Set`, `ArrayBuffer` (resizable ones stay
//! resizable), every TypedArray, `DataView`, errors (`name` among the seven
//! standard ones, else `Error`; own `message`; `stack` kept), boxed
//! primitives, BigInt; `transfer` of `ArrayBuffer`s (the originals are
//! detached after a successful clone).
//!
//! Divergences: functions, symbols, proxies, promises, `WeakMap`,
//! `WeakSet`, `WeakRef` and `FinalizationRegistry` throw `DataCloneError`
//! as specified, but other objects with internal state that QuickJS cannot
//! name here (generators, iterators, the web classes such as `URL`) are
//! cloned as plain objects instead of throwing; `SharedArrayBuffer` and
//! transferring anything but an `ArrayBuffer` throw `DataCloneError`;
//! errors' `cause` is not cloned.

use javy::quickjs::{Ctx, Function, Object, Value, qjs};

use super::run_js;

const JS: &str = include_str!("structured_clone.js");

pub fn install<'js>(ctx: &Ctx<'js>, helpers: &Object<'js>) -> anyhow::Result<()> {
    let native = Object::new(ctx.clone())?;
    native.set("kind", Function::new(ctx.clone(), kind)?)?;
    run_js(ctx, "structured_clone.js", JS, native, helpers)
}

/// The built-in an object is, by its QuickJS class: `Array`, `Date`,
/// `RegExp`, `Map`, `Set`, `ArrayBuffer`, `DataView`, `TypedArray`,
/// `Error`, `Proxy`, or `Uncloneable` for the built-ins that cannot be
/// cloned; `Object` for everything else (including boxed primitives, which
/// the JS side tells apart itself).
fn kind(value: Value<'_>) -> &'static str {
    let raw = value.as_raw();
    // SAFETY: `raw` is the JSValue of `value`, which holds a reference to it
    // for the whole function, so it is live during every call below. Each
    // predicate only reads the value's tag and, for objects, its class id;
    // none of them allocates, runs JS or takes ownership of the value.
    unsafe {
        if qjs::JS_IsProxy(raw) {
            "Proxy"
        } else if qjs::JS_IsArray(raw) {
            "Array"
        } else if qjs::JS_IsDate(raw) {
            "Date"
        } else if qjs::JS_IsRegExp(raw) {
            "RegExp"
        } else if qjs::JS_IsMap(raw) {
            "Map"
        } else if qjs::JS_IsSet(raw) {
            "Set"
        } else if qjs::JS_IsArrayBuffer(raw) {
            "ArrayBuffer"
        } else if qjs::JS_IsDataView(raw) {
            "DataView"
        } else if qjs::JS_GetTypedArrayType(raw) >= 0 {
            "TypedArray"
        } else if qjs::JS_IsError(raw) {
            "Error"
        } else if qjs::JS_IsPromise(raw)
            || qjs::JS_IsWeakMap(raw)
            || qjs::JS_IsWeakSet(raw)
            || qjs::JS_IsWeakRef(raw)
        {
            "Uncloneable"
        } else {
            "Object"
        }
    }
}
