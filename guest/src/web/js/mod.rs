//! Web APIs written in JS: events, abort, `DOMException`, `Blob`, `File`,
//! `FormData`, `ReadableStream`, `Headers`, `Request`, `Response`, `fetch` and the small
//! globals (`self`, `navigator`, `reportError`, `queueMicrotask`).
//!
//! Each `.js` file here is one API family. A file is a single function
//! expression `(function name(internal) { ... })`: evaluating it defines
//! nothing, and calling it defines only that family's globals. `internal` is
//! one object shared by all the files and reachable from no global; it
//! carries what one family needs of another (a `Blob`'s bytes, the abort
//! algorithm of an `AbortSignal`...), so that scripts cannot reach or forge
//! those. Files run in the order of [`FILES`], which is the order of their
//! dependencies. This runs once, in `initialize`, so the result is part of
//! the snapshot; whatever depends on the run (the clock, `setTimeout`,
//! `TextEncoder`, `URL`) is looked up when it is called. `http.js`, which
//! hands responses to the host, gets `internal` too ([`internal`]).

use std::cell::RefCell;

use javy::quickjs::{Ctx, Function, Object, Persistent, context::EvalOptions};

use crate::js_error;

thread_local! {
    /// The `internal` object the files share, once installed.
    static INTERNAL: RefCell<Option<Persistent<Object<'static>>>> = const { RefCell::new(None) };
}

/// The files' shared `internal` object; an error before [`install`].
pub fn internal<'js>(ctx: &Ctx<'js>) -> anyhow::Result<Object<'js>> {
    let saved = INTERNAL
        .with(|internal| internal.borrow().clone())
        .ok_or_else(|| anyhow::anyhow!("the web APIs are not installed"))?;
    Ok(saved.restore(ctx)?)
}

/// The files, in dependency order, with the names their stack frames show.
const FILES: [(&str, &str); 13] = [
    ("common.js", include_str!("common.js")),
    ("dom_exception.js", include_str!("dom_exception.js")),
    ("events.js", include_str!("events.js")),
    ("global.js", include_str!("global.js")),
    ("abort.js", include_str!("abort.js")),
    ("blob.js", include_str!("blob.js")),
    ("form_data.js", include_str!("form_data.js")),
    ("streams.js", include_str!("streams.js")),
    ("headers.js", include_str!("headers.js")),
    ("body.js", include_str!("body.js")),
    ("request.js", include_str!("request.js")),
    ("response.js", include_str!("response.js")),
    ("fetch.js", include_str!("fetch.js")),
];

/// Evaluates every file and calls its function with the shared `internal`.
pub fn install(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let internal = Object::new(ctx.clone())?;
    // `fetch.js` sends through the host's `http` interface.
    internal.set("http", crate::capabilities::http::natives(ctx)?)?;
    // `href(input, allowCredentials)`: an absolute URL's serialization, for
    // `Request` and `Response.redirect`.
    internal.set(
        "href",
        Function::new(ctx.clone(), crate::web::native::url::href)?,
    )?;
    for (name, source) in FILES {
        let mut options = EvalOptions::default();
        options.filename = Some(format!("jsbox:web/{name}"));
        ctx.eval_with_options::<Function, _>(source, options)
            .and_then(|install| install.call::<_, ()>((internal.clone(),)))
            .map_err(|e| {
                let error = js_error::from_value(ctx.catch());
                anyhow::anyhow!(
                    "installing {name}: {e}: {}: {}\n{}",
                    error.name,
                    error.message,
                    error.stack.unwrap_or_default()
                )
            })?;
    }
    INTERNAL.with(|saved| *saved.borrow_mut() = Some(Persistent::save(ctx, internal)));
    Ok(())
}
