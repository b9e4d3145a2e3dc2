//! The Fetch API, in JS: `Headers` (`headers.js`), the body mixin
//! (`body.js`), `FormData` (`form_data.js`), `Request`, `Response` and
//! `fetch` (`fetch.js`), each named `jsbox:web/fetch/<file>` (`fetch.js`
//! is `jsbox:web/fetch`); and the natives `fetch` sends with: Rust
//! functions over the `http` import, behind the run's net grant.
//!
//! The natives are reachable from no global, only as `internal.http`. A
//! refused or failed call throws an `Error` whose `code` is the host's
//! (`ERR_ACCESS_DENIED`, `ERR_NETWORK`...). Response bodies are kept in a
//! table and named to JS by integer ids; the table is empty in the
//! snapshot.

use std::cell::RefCell;
use std::collections::BTreeMap;

use javy::quickjs::{Array, ArrayBuffer, Ctx, Function, Object, Result, TypedArray, Value};

use crate::js_error::throw;
use crate::jsbox::sandbox::http::{self, Error, IncomingBody, Request};

thread_local! {
    static BODIES: RefCell<Bodies> = const { RefCell::new(Bodies { next: 1, open: BTreeMap::new() }) };
}

struct Bodies {
    next: u32,
    open: BTreeMap<u32, IncomingBody>,
}

/// The natives object: `send(method, url, headers, body)`,
/// `read(id, maxLength)` and `close(id)`.
pub fn natives<'js>(ctx: &Ctx<'js>) -> Result<Object<'js>> {
    let native = Object::new(ctx.clone())?;
    native.set("send", Function::new(ctx.clone(), send)?)?;
    native.set("read", Function::new(ctx.clone(), read)?)?;
    native.set("close", Function::new(ctx.clone(), close)?)?;
    Ok(native)
}

fn error(ctx: &Ctx<'_>, error: Error) -> javy::quickjs::Error {
    match error {
        Error::AccessDenied(message) => throw(ctx, "ERR_ACCESS_DENIED", &message),
        Error::InvalidRequest(message) => throw(ctx, "ERR_INVALID_REQUEST", &message),
        Error::Network(message) => throw(ctx, "ERR_NETWORK", &message),
    }
}

/// Sends a request; `headers` is `[[name, value], ...]` and `body` a
/// `Uint8Array` or `null`. Returns `{ status, statusText, headers, body }`
/// with `body` the id for [`read`].
fn send<'js>(
    ctx: Ctx<'js>,
    method: String,
    url: String,
    headers: Vec<Vec<String>>,
    body: Value<'js>,
) -> Result<Object<'js>> {
    let body = match TypedArray::<u8>::from_value(body) {
        Ok(array) => Some(array.as_bytes().unwrap_or_default().to_vec()),
        Err(_) => None,
    };
    let request = Request {
        method,
        url,
        headers: headers
            .into_iter()
            .filter_map(|pair| match <[String; 2]>::try_from(pair) {
                Ok([name, value]) => Some((name, value)),
                Err(_) => None,
            })
            .collect(),
        body,
    };
    let response = http::send(&request).map_err(|e| error(&ctx, e))?;
    let id = BODIES.with(|bodies| {
        let mut bodies = bodies.borrow_mut();
        let id = bodies.next;
        bodies.next += 1;
        bodies.open.insert(id, response.body);
        id
    });
    let header_list = Array::new(ctx.clone())?;
    for (i, (name, value)) in response.headers.into_iter().enumerate() {
        let pair = Array::new(ctx.clone())?;
        pair.set(0, name)?;
        pair.set(1, value)?;
        header_list.set(i, pair)?;
    }
    let object = Object::new(ctx.clone())?;
    object.set("status", response.status)?;
    object.set("statusText", response.status_text)?;
    object.set("headers", header_list)?;
    object.set("body", id)?;
    Ok(object)
}

/// The next chunk of body `id`, or `undefined` at its end (the body is
/// then closed).
fn read<'js>(ctx: Ctx<'js>, id: u32, max_length: u32) -> Result<Option<ArrayBuffer<'js>>> {
    let chunk = BODIES.with(|bodies| {
        let bodies = bodies.borrow();
        let body = bodies
            .open
            .get(&id)
            .ok_or_else(|| throw(&ctx, "ERR_INVALID_STATE", "the response body is closed"))?;
        body.read(max_length).map_err(|e| error(&ctx, e))
    })?;
    match chunk {
        Some(bytes) => ArrayBuffer::new(ctx, bytes).map(Some),
        None => {
            close(id);
            Ok(None)
        }
    }
}

/// Closes body `id` (dropping the host resource closes the connection).
fn close(id: u32) {
    BODIES.with(|bodies| bodies.borrow_mut().open.remove(&id));
}
