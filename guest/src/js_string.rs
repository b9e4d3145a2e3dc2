//! Rust strings from JS strings that need not be well-formed.
//!
//! A JS string is any sequence of UTF-16 code units, so it may hold a lone
//! surrogate (`'\ud800'`), which no Rust `String` can. rquickjs's own
//! conversion fails on one ("Conversion from string failed"); every path
//! that carries script text out to the host (console output, error names,
//! messages and stacks) goes through [`Lossy`] instead, which replaces each
//! lone surrogate with one U+FFFD, as Node does when it writes such a
//! string to stdout.

use javy::quickjs::{Ctx, Error, FromJs, Result, String as JsString, Value, convert::Coerced, qjs};

/// A JS value's string conversion (`String(value)`), lone surrogates
/// replaced with U+FFFD. Converting throws only what `String(value)` throws.
pub struct Lossy(pub String);

impl<'js> FromJs<'js> for Lossy {
    fn from_js(ctx: &Ctx<'js>, value: Value<'js>) -> Result<Self> {
        let Coerced(string) = Coerced::<JsString<'js>>::from_js(ctx, value)?;
        lossy(&string).map(Lossy)
    }
}

/// `string` as a Rust string, lone surrogates replaced with U+FFFD.
pub fn lossy(string: &JsString<'_>) -> Result<String> {
    if let Ok(text) = string.to_string() {
        return Ok(text);
    }
    // Not UTF-8 once converted, so it holds a lone surrogate: read its code
    // units instead, which say exactly where each one is.
    let ctx = string.ctx();
    let mut len = 0;
    // SAFETY: `string` is a live string value of `ctx`; on success QuickJS
    // returns a pointer to `len` code units that stay valid until freed
    // with `JS_FreeCStringUTF16` below, and nothing runs in between.
    unsafe {
        let units = qjs::JS_ToCStringLenUTF16(ctx.as_raw().as_ptr(), &mut len, string.as_raw());
        if units.is_null() {
            return Err(Error::Unknown);
        }
        let text = String::from_utf16_lossy(std::slice::from_raw_parts(units, len as usize));
        qjs::JS_FreeCStringUTF16(ctx.as_raw().as_ptr(), units);
        Ok(text)
    }
}

/// A JS string of exactly these UTF-16 code units, lone surrogates kept.
pub fn from_utf16<'js>(ctx: &Ctx<'js>, units: &[u16]) -> Result<JsString<'js>> {
    // SAFETY: QuickJS copies `units.len()` code units from `units`, which
    // outlives the call; the returned value is a new reference that
    // `Value::from_raw` takes over (or an exception marker, checked first).
    unsafe {
        let raw = qjs::JS_NewStringUTF16(ctx.as_raw().as_ptr(), units.as_ptr(), units.len() as _);
        if qjs::JS_IsException(raw) {
            return Err(Error::Exception);
        }
        Value::from_raw(ctx.clone(), raw)
            .into_string()
            .ok_or(Error::Unknown)
    }
}
