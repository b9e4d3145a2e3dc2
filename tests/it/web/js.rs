//! The JS-written web platform globals (`guest/src/web/<api>/`, JS only): spec-derived
//! cases for each API family, run through the library like any script.

use crate::support::{script_logs as logs, script_value as value};

// ---------------------------------------------------------------- events

#[test]
fn listener_exceptions_are_reported_not_thrown() {
    assert_eq!(
        logs(
            "const t = new EventTarget();
             t.addEventListener('x', () => { throw new RangeError('bad listener'); });
             t.addEventListener('x', () => console.log('second still runs'));
             t.addEventListener('x', { handleEvent: 42 });
             console.log('dispatch returned', t.dispatchEvent(new Event('x')));"
        )
        .iter()
        .map(|m| m.lines().next().unwrap_or_default().to_owned())
        .collect::<Vec<_>>(),
        [
            "Uncaught RangeError: bad listener",
            "second still runs",
            "Uncaught TypeError: The listener's handleEvent is not a function",
            "dispatch returned true",
        ]
    );
}

// ---------------------------------------------------------------- globals

#[test]
fn queue_microtask_runs_after_the_script_and_reports_exceptions() {
    assert_eq!(
        logs(
            "queueMicrotask(() => console.log('second'));
             queueMicrotask(() => { throw new Error('in microtask'); });
             queueMicrotask(() => console.log('third'));
             console.log('first');
             let bad; try { queueMicrotask(1); } catch (e) { console.log(e.name); }"
        )
        .iter()
        .map(|m| m.lines().next().unwrap_or_default().to_owned())
        .collect::<Vec<_>>(),
        [
            "first",
            "TypeError",
            "second",
            "Uncaught Error: in microtask",
            "third"
        ]
    );
}

// ---------------------------------------------------------------- the global object

/// Every name this half of the web platform defines.
const OURS: [&str; 32] = [
    "AbortController",
    "AbortSignal",
    "Blob",
    "CompressionStream",
    "DecompressionStream",
    "CustomEvent",
    "DOMException",
    "ErrorEvent",
    "Event",
    "EventTarget",
    "File",
    "FormData",
    "Headers",
    "ReadableStream",
    "ReadableStreamDefaultController",
    "ReadableStreamDefaultReader",
    "Request",
    "Response",
    "TextDecoderStream",
    "TextEncoderStream",
    "TransformStream",
    "TransformStreamDefaultController",
    "WritableStream",
    "WritableStreamDefaultController",
    "WritableStreamDefaultWriter",
    "ByteLengthQueuingStrategy",
    "CountQueuingStrategy",
    "fetch",
    "navigator",
    "queueMicrotask",
    "reportError",
    "self",
];

#[test]
fn only_the_intended_globals_are_defined_and_none_is_enumerable() {
    let names: Vec<String> = serde_json::from_str(&value("Object.getOwnPropertyNames(globalThis)"))
        .expect("a JSON array");
    for name in OURS {
        assert!(names.iter().any(|n| n == name), "{name} is missing");
    }
    assert_eq!(
        value(&format!(
            "const ours = {OURS:?};
             ours.filter((n) => Object.getOwnPropertyDescriptor(globalThis, n).enumerable)"
        )),
        "[]"
    );
    // Names that are neither ECMAScript's, QuickJS's, the guest's own
    // (`console`, `context`) nor the native half's must be ours.
    let unexpected: Vec<&String> = names
        .iter()
        .filter(|n| !OURS.contains(&n.as_str()) && !OTHERS.contains(&n.as_str()))
        .collect();
    assert!(unexpected.is_empty(), "unexpected globals: {unexpected:?}");
}

/// Globals defined by ECMAScript and QuickJS, by the guest itself
/// (`console`, `context`, Node's `global`/`Buffer`/`process`) and by the
/// native half of the web platform.
const OTHERS: &[&str] = &[
    // ECMAScript and QuickJS.
    "Object",
    "Function",
    "Array",
    "Number",
    "parseFloat",
    "parseInt",
    "Infinity",
    "NaN",
    "undefined",
    "Boolean",
    "String",
    "Symbol",
    "Date",
    "Promise",
    "RegExp",
    "Error",
    "AggregateError",
    "EvalError",
    "RangeError",
    "ReferenceError",
    "SyntaxError",
    "TypeError",
    "URIError",
    "InternalError",
    "SuppressedError",
    "globalThis",
    "JSON",
    "Math",
    "Intl",
    "ArrayBuffer",
    "Uint8Array",
    "Int8Array",
    "Uint16Array",
    "Int16Array",
    "Uint32Array",
    "Int32Array",
    "Float16Array",
    "Float32Array",
    "Float64Array",
    "Uint8ClampedArray",
    "BigUint64Array",
    "BigInt64Array",
    "DataView",
    "Map",
    "BigInt",
    "Set",
    "WeakMap",
    "WeakSet",
    "Proxy",
    "Reflect",
    "FinalizationRegistry",
    "WeakRef",
    "Iterator",
    "decodeURI",
    "decodeURIComponent",
    "encodeURI",
    "encodeURIComponent",
    "escape",
    "unescape",
    "eval",
    "isFinite",
    "isNaN",
    "SharedArrayBuffer",
    "Atomics",
    "performance",
    "gc",
    "DisposableStack",
    "AsyncDisposableStack",
    // The guest.
    "console",
    "context",
    // A classic script's CommonJS globals (`require.js`).
    "require",
    "module",
    "exports",
    "__filename",
    "__dirname",
    // Node's globals (`node/globals.js`).
    "global",
    "Buffer",
    "process",
    // The native half of the web platform.
    "TextEncoder",
    "TextDecoder",
    "URL",
    "URLSearchParams",
    "atob",
    "btoa",
    "structuredClone",
    "crypto",
    "Crypto",
    "SubtleCrypto",
    "CryptoKey",
    "setTimeout",
    "clearTimeout",
    "setInterval",
    "clearInterval",
    "setImmediate",
    "clearImmediate",
];
