//! Serving one HTTP request: the `http-handler` export.
//!
//! The entry is evaluated from its bytecode, its top-level jobs drained, and
//! the request dispatched by `http.js` to its `default.fetch` or its `fetch`
//! listener. The response goes to the host through the `http-response`
//! import as soon as the handler's promise resolves (or, for a
//! `ReadableStream` body, its head at once and its chunks through
//! `http-body` as the stream yields them); the event loop then runs until
//! idle, so `ctx.waitUntil` work finishes (within the deadline) without
//! delaying the response. A request body that streams is read through
//! `http-body` too (see [`body`]). The JS half is `http.js` (`jsbox:http`).
//!
//! `prepare` does the evaluation ahead of any request, and keeps the
//! handler: the host snapshots the instance after it, so a request whose
//! `bytecode` is empty starts from there and dispatches at once.

use std::cell::RefCell;

use javy::Runtime;
use javy::quickjs::{Ctx, Function, JsLifetime, Object, Persistent, Promise, TypedArray, Value};

use crate::builtins::{self, Builtin, builtin};
use crate::exports::jsbox::sandbox::http_handler::HandlerFailure;
use crate::exports::jsbox::sandbox::run::Failure;
use crate::jsbox::sandbox::http_response;
use crate::jsbox::sandbox::http_types::{IncomingRequest, OutgoingResponse};
use crate::jsbox::sandbox::types::JsError;
use crate::{eval, js_error, timers};

mod body;

const HTTP_JS: Builtin = builtin!("jsbox:http", "http.js");

thread_local! {
    /// The `dispatch` function returned by `http.js`.
    static DISPATCH: RefCell<Option<Persistent<Function<'static>>>> = const { RefCell::new(None) };
    /// The handler `prepare` found: a module's default export, or
    /// `undefined` for a script (which registered `fetch` listeners).
    static PREPARED: RefCell<Option<Persistent<Value<'static>>>> = const { RefCell::new(None) };
}

/// Evaluates `http.js`; part of the snapshot.
pub fn install(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let respond = Function::new(ctx.clone(), respond)?.with_name("respond")?;
    let dispatch: Function = builtins::install(
        ctx,
        &HTTP_JS,
        (respond, body::natives(ctx)?, crate::web::internal(ctx)?),
    )?;
    DISPATCH.with(|d| *d.borrow_mut() = Some(Persistent::save(ctx, dispatch)));
    Ok(())
}

/// Evaluates the entry and keeps its handler for the requests of the
/// snapshot taken after it; see the module doc.
pub fn prepare(runtime: &Runtime, name: &str, bytecode: &[u8]) -> Result<(), HandlerFailure> {
    let handler = evaluate(runtime, name, bytecode)?;
    if timers::pending(runtime)? {
        return Err(HandlerFailure::UncaughtException(JsError {
            name: "Error".to_owned(),
            message: "the entry's top level left timers pending: a snapshot of it would fire \
                      them in every request"
                .to_owned(),
            stack: None,
        }));
    }
    PREPARED.with(|prepared| *prepared.borrow_mut() = Some(handler));
    Ok(())
}

/// Runs the entry's handler on `request`; see the module doc.
pub fn handle(
    runtime: &Runtime,
    name: &str,
    bytecode: &[u8],
    request: IncomingRequest,
    env: Vec<(String, String)>,
) -> Result<(), HandlerFailure> {
    let context = runtime.context();
    let handler = if bytecode.is_empty() {
        PREPARED
            .with(|prepared| prepared.borrow().clone())
            .ok_or_else(|| {
                HandlerFailure::Internal("no bytecode, and no entry was prepared".to_owned())
            })?
    } else {
        evaluate(runtime, name, bytecode)?
    };
    let sent = context.with(|ctx| -> Result<_, HandlerFailure> {
        let handler = restore(&ctx, handler)?;
        let sent = dispatch(&ctx, handler, request, env)?;
        Ok(Persistent::save(&ctx, sent))
    })?;
    timers::run_until_idle(runtime)?;
    context.with(|ctx| {
        let sent = restore(&ctx, sent)?;
        js_error::settled(
            &ctx,
            &sent,
            "the fetch handler's promise never settled: it awaits something that no pending \
             timer or job is left to resolve",
        )
        .map(drop)
        .map_err(HandlerFailure::UncaughtException)
    })
}

/// Evaluates the entry, drains the jobs of its top level, and returns its
/// handler (as [`PREPARED`] holds it).
fn evaluate(
    runtime: &Runtime,
    name: &str,
    bytecode: &[u8],
) -> Result<Persistent<Value<'static>>, HandlerFailure> {
    let context = runtime.context();
    let entry = context.with(|ctx| eval::evaluate_entry(&ctx, name, bytecode))?;
    timers::drain_microtasks(runtime)?;
    context.with(|ctx| -> Result<_, HandlerFailure> {
        let handler = match &entry.module {
            None => Value::new_undefined(ctx.clone()),
            Some(module) => {
                let evaluation = restore(&ctx, module.evaluation.clone())?;
                check_evaluated(&ctx, evaluation)?;
                let namespace: Object = restore(&ctx, module.namespace.clone())?;
                namespace
                    .get("default")
                    .map_err(|_| Failure::UncaughtException(js_error::take_exception(&ctx)))?
            }
        };
        Ok(Persistent::save(&ctx, handler))
    })
}

/// Calls `http.js`'s dispatch; the promise of the response being sent.
fn dispatch<'js>(
    ctx: &Ctx<'js>,
    handler: Value<'js>,
    request: IncomingRequest,
    env: Vec<(String, String)>,
) -> Result<Promise<'js>, HandlerFailure> {
    let function = DISPATCH
        .with(|d| d.borrow().clone())
        .ok_or_else(|| HandlerFailure::Internal("http.js is not installed".to_owned()))?;
    let function = restore(ctx, function)?;
    let headers: Vec<String> = request
        .headers
        .into_iter()
        .flat_map(|(name, value)| [name, value])
        .collect();
    let env: Vec<String> = env.into_iter().flat_map(|(k, v)| [k, v]).collect();
    let body = TypedArray::<u8>::new(ctx.clone(), request.body)
        .map_err(|e| HandlerFailure::Internal(format!("creating the request body: {e}")))?;
    let sent: Value = function
        .call((handler, request.method, request.url, headers, body, env))
        .map_err(|_| Failure::UncaughtException(js_error::take_exception(ctx)))?;
    if sent.is_null() {
        return Err(HandlerFailure::NoHandler(
            "the entry has no fetch handler: export `default { fetch(request, env, ctx) }` from \
             a module, or call `addEventListener('fetch', (event) => event.respondWith(...))` \
             (a listener that threw before calling respondWith is logged as uncaught)"
                .to_owned(),
        ));
    }
    sent.into_promise()
        .ok_or_else(|| HandlerFailure::Internal("dispatch returned a non-promise".to_owned()))
}

/// Fails when the module's top level threw, or still awaits, once its jobs
/// have drained (a handler cannot be called before its module is ready).
fn check_evaluated<'js>(ctx: &Ctx<'js>, evaluation: Promise<'js>) -> Result<(), HandlerFailure> {
    js_error::settled(
        ctx,
        &evaluation,
        "the entry's top-level await did not settle before the request: a handler module may \
         await promises but not timers at its top level",
    )
    .map(drop)
    .map_err(HandlerFailure::UncaughtException)
}

/// Backs `respond(status, headers, body)` in `http.js`: `headers` is a flat
/// list of names and values.
fn respond(status: u16, headers: Vec<String>, body: TypedArray<'_, u8>) {
    http_response::respond(&OutgoingResponse {
        status,
        headers: pairs(headers),
        body: body.as_bytes().map(<[u8]>::to_vec).unwrap_or_default(),
    });
}

/// `[name, value, name, value...]` as pairs.
pub fn pairs(flat: Vec<String>) -> Vec<(String, String)> {
    let mut pairs = Vec::with_capacity(flat.len() / 2);
    let mut flat = flat.into_iter();
    while let (Some(name), Some(value)) = (flat.next(), flat.next()) {
        pairs.push((name, value));
    }
    pairs
}

fn restore<'js, T>(ctx: &Ctx<'js>, value: Persistent<T>) -> Result<T::Changed<'js>, HandlerFailure>
where
    T: JsLifetime<'static>,
{
    value
        .restore(ctx)
        .map_err(|e| HandlerFailure::Internal(format!("restoring a value: {e}")))
}

impl From<Failure> for HandlerFailure {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::SyntaxError(error) => HandlerFailure::SyntaxError(error),
            Failure::UncaughtException(error) | Failure::StackOverflow(error) => {
                HandlerFailure::UncaughtException(error)
            }
            Failure::Internal(message) => HandlerFailure::Internal(message),
        }
    }
}
