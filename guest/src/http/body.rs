//! Natives over the `http-body` import, for `http.js`: the streamed
//! request body (`takeRequestBody`, `readRequestBody`) and a streamed
//! response (`start`, `write`, `finish`).
//!
//! The request body's resource lives in a thread local for the one request
//! an instance serves; it is empty in the snapshot (`initialize` serves no
//! request).

use std::cell::RefCell;

use javy::quickjs::{ArrayBuffer, Ctx, Exception, Function, Object, Result, TypedArray};

use crate::jsbox::sandbox::http_body::{self, BodyError, IncomingBody};

thread_local! {
    static REQUEST_BODY: RefCell<Option<IncomingBody>> = const { RefCell::new(None) };
}

/// The natives object.
pub fn natives<'js>(ctx: &Ctx<'js>) -> Result<Object<'js>> {
    let native = Object::new(ctx.clone())?;
    native.set(
        "takeRequestBody",
        Function::new(ctx.clone(), take_request_body)?,
    )?;
    native.set(
        "readRequestBody",
        Function::new(ctx.clone(), read_request_body)?,
    )?;
    native.set(
        "closeRequestBody",
        Function::new(ctx.clone(), close_request_body)?,
    )?;
    native.set("start", Function::new(ctx.clone(), start)?)?;
    native.set("write", Function::new(ctx.clone(), write)?)?;
    native.set("finish", Function::new(ctx.clone(), http_body::finish)?)?;
    Ok(native)
}

/// Whether the request's body streams; if so, it is kept for
/// [`read_request_body`].
fn take_request_body() -> bool {
    match http_body::request_body() {
        Some(body) => {
            REQUEST_BODY.with(|slot| *slot.borrow_mut() = Some(body));
            true
        }
        None => false,
    }
}

/// The next chunk of the streamed request body, `undefined` at its end;
/// throws a `TypeError` when the body failed (too large, cut short).
fn read_request_body<'js>(ctx: Ctx<'js>, max_bytes: u32) -> Result<Option<ArrayBuffer<'js>>> {
    let read = REQUEST_BODY.with(|slot| slot.borrow().as_ref().map(|body| body.read(max_bytes)));
    match read {
        None | Some(Ok(None)) => {
            close_request_body();
            Ok(None)
        }
        Some(Ok(Some(bytes))) => ArrayBuffer::new(ctx, bytes).map(Some),
        Some(Err(error)) => {
            close_request_body();
            let message = match error {
                BodyError::TooLarge(message) | BodyError::Interrupted(message) => message,
            };
            Err(Exception::throw_type(&ctx, &message))
        }
    }
}

/// Drops the request body (the handler cancelled its stream).
fn close_request_body() {
    REQUEST_BODY.with(|slot| slot.borrow_mut().take());
}

/// Sends a streamed response's head; `headers` is a flat list of names and
/// values.
fn start(status: u16, headers: Vec<String>) {
    http_body::start(status, &crate::http::pairs(headers));
}

/// Sends one chunk of the streamed response; false once the client is
/// gone.
fn write(chunk: TypedArray<'_, u8>) -> bool {
    http_body::write(chunk.as_bytes().unwrap_or_default())
}
