//! The web platform globals (the WinterTC Minimum Common API), installed
//! once by `initialize` and so part of the snapshot. One folder per API,
//! as Deno and workerd split them; `docs/web-apis.md` lists every item
//! with its status.
//!
//! APIs backed by Rust where speed or correctness needs it — text
//! encoding ([`encoding`]), base64 ([`base64`]), `URL` ([`url`]),
//! `structuredClone` ([`structured_clone`]), `crypto` ([`crypto`]) — pair
//! Rust functions (the byte and string work: UTF-8, base64, WHATWG URL
//! parsing through the `url` crate, hashing, randomness) with a JS file
//! that gives them their web shape (classes, getters, argument conversion,
//! `DOMException`s). Such a file is a function `(native, helpers) => void`:
//! `native` holds that API's Rust functions and is never reachable from
//! scripts, `helpers` is the object made by `helpers.js`, shared by them.
//!
//! APIs that are mostly object shape are JS only: `DOMException`
//! (`dom_exception/`), events (`events/`), the small globals (`global/`:
//! `self`, `navigator`, `reportError`, `queueMicrotask`), abort
//! (`abort/`), `Blob` and `File` (`blob/`), the streams (`streams/`:
//! `ReadableStream`, `WritableStream`, `TransformStream`), the compression
//! streams (`compression/`, on `node:zlib`'s Rust natives), the text
//! streams (`encoding/streams.js`)
//! and the Fetch API (`fetch/`: `Headers`, `FormData`, `Request`,
//! `Response`, `fetch`). Such a file is a function `(internal) => void`.
//! `internal` is one object shared by those files and reachable from no
//! global; it carries what one API needs of another (a `Blob`'s bytes, the
//! abort algorithm of an `AbortSignal`...), so that scripts cannot reach or
//! forge those; `common.js` puts the shared helpers on it. `http.js`,
//! which hands responses to the host, gets `internal` too ([`internal`]).
//!
//! Files run in the order of [`install`], which is the order of their
//! dependencies: the Rust-backed APIs first, since the JS ones use them.
//! Whatever depends on the run (the clock, `setTimeout`, randomness) is
//! looked up when it is called. Each file is named `jsbox:web/<api>` in
//! stack traces (`jsbox:web/fetch/<file>` for the Fetch API's other files).

mod base64;
mod crypto;
mod encoding;
mod fetch;
mod structured_clone;
mod url;

use std::cell::RefCell;

use javy::quickjs::{Ctx, Function, Object, Persistent};

use crate::builtins::{self, Builtin, builtin};

/// Shared helpers of the Rust-backed APIs' JS halves.
const HELPERS_JS: Builtin = builtin!("jsbox:web/helpers", "helpers.js");

/// The JS-only APIs, in dependency order.
const JS_APIS: [Builtin; 17] = [
    builtin!("jsbox:web/common", "common.js"),
    builtin!("jsbox:web/dom_exception", "dom_exception/dom_exception.js"),
    builtin!("jsbox:web/events", "events/events.js"),
    builtin!("jsbox:web/global", "global/global.js"),
    builtin!("jsbox:web/abort", "abort/abort.js"),
    builtin!("jsbox:web/blob", "blob/blob.js"),
    builtin!("jsbox:web/fetch/form_data", "fetch/form_data.js"),
    builtin!("jsbox:web/streams", "streams/streams.js"),
    builtin!("jsbox:web/streams/writable", "streams/writable.js"),
    builtin!("jsbox:web/streams/transform", "streams/transform.js"),
    builtin!("jsbox:web/compression", "compression/compression.js"),
    builtin!("jsbox:web/encoding/streams", "encoding/streams.js"),
    builtin!("jsbox:web/fetch/headers", "fetch/headers.js"),
    builtin!("jsbox:web/fetch/body", "fetch/body.js"),
    builtin!("jsbox:web/fetch/request", "fetch/request.js"),
    builtin!("jsbox:web/fetch/response", "fetch/response.js"),
    builtin!("jsbox:web/fetch", "fetch/fetch.js"),
];

thread_local! {
    /// The `internal` object the JS-only APIs share, once installed.
    static INTERNAL: RefCell<Option<Persistent<Object<'static>>>> = const { RefCell::new(None) };
}

/// The JS-only APIs' shared `internal` object; an error before [`install`].
pub fn internal<'js>(ctx: &Ctx<'js>) -> anyhow::Result<Object<'js>> {
    let saved = INTERNAL
        .with(|internal| internal.borrow().clone())
        .ok_or_else(|| anyhow::anyhow!("the web APIs are not installed"))?;
    Ok(saved.restore(ctx)?)
}

/// Installs every web global, in dependency order.
pub fn install(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let helpers: Object = builtins::eval(ctx, &HELPERS_JS)?.call(())?;
    encoding::install(ctx, &helpers)?;
    base64::install(ctx, &helpers)?;
    url::install(ctx, &helpers)?;
    structured_clone::install(ctx, &helpers)?;
    crypto::install(ctx, &helpers)?;

    let internal = Object::new(ctx.clone())?;
    // `fetch.js` sends through the host's `http` interface.
    internal.set("http", fetch::natives(ctx)?)?;
    // `href(input, allowCredentials)`: an absolute URL's serialization, for
    // `Request` and `Response.redirect`.
    internal.set("href", Function::new(ctx.clone(), url::href)?)?;
    // `CompressionStream` compresses with `node:zlib`'s natives.
    internal.set("zlib", crate::node::zlib_natives(ctx)?)?;
    for api in &JS_APIS {
        builtins::install::<_, ()>(ctx, api, (internal.clone(),))?;
    }
    INTERNAL.with(|saved| *saved.borrow_mut() = Some(Persistent::save(ctx, internal)));
    Ok(())
}
