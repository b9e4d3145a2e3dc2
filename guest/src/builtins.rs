//! The one installer of the guest's built-in JS.
//!
//! Every `.js` file under `guest/src` is one [`Builtin`]: its source and
//! the name its stack frames show. A file is a single function expression;
//! evaluating it defines nothing, and its owner (the Rust module beside
//! it) calls the function with what that file needs ([`install`]). Node's
//! modules are the one exception to *when*: they are compiled to bytecode
//! in `initialize` ([`compile`]) and evaluated on first use in a run
//! ([`load`]), see `node/mod.rs`.
//!
//! Names follow one scheme, so a frame says which file it is in:
//!
//! - `node:<module>` for Node's modules (`node:fs`, `node:fs/promises`);
//! - `jsbox:<path>` for everything else, `<path>` being the file's path
//!   under `guest/src` without `.js`, and without the file name where it
//!   repeats its folder's: `console/console.js` is `jsbox:console`,
//!   `web/url/url.js` is `jsbox:web/url`, `web/fetch/headers.js` is
//!   `jsbox:web/fetch/headers`, `node/vendor/buffer.js` is
//!   `jsbox:node/vendor/buffer`.
//!
//! Files the snapshot evaluates keep their source text (for
//! `Function.prototype.toString`) and line numbers; Node's modules, kept
//! as bytecode, drop their source text but keep their name and lines.

use std::ffi::CString;

use javy::quickjs::context::EvalOptions;
use javy::quickjs::function::IntoArgs;
use javy::quickjs::{Ctx, Error, FromJs, Function, Value, qjs};

use crate::js_error;

/// One built-in JS file.
#[derive(Clone, Copy)]
pub struct Builtin {
    /// The name stack frames show (see the module doc).
    pub name: &'static str,
    /// The file's text: one function expression.
    pub source: &'static str,
}

/// A [`Builtin`] named `$name` whose source is the file `$file`, relative
/// to the module that says so.
macro_rules! builtin {
    ($name:literal, $file:literal) => {
        $crate::builtins::Builtin {
            name: $name,
            source: include_str!($file),
        }
    };
}
pub(crate) use builtin;

/// Evaluates `builtin` (in strict mode, named by its name) and returns the
/// function it defines.
pub fn eval<'js>(ctx: &Ctx<'js>, builtin: &Builtin) -> anyhow::Result<Function<'js>> {
    let mut options = EvalOptions::default();
    options.strict = true;
    options.filename = Some(builtin.name.to_owned());
    ctx.eval_with_options(builtin.source, options)
        .map_err(|e| describe(ctx, builtin, e))
}

/// Evaluates `builtin` and calls its function with `args`: how every file
/// the snapshot holds is installed.
pub fn install<'js, A, R>(ctx: &Ctx<'js>, builtin: &Builtin, args: A) -> anyhow::Result<R>
where
    A: IntoArgs<'js>,
    R: FromJs<'js>,
{
    eval(ctx, builtin)?
        .call(args)
        .map_err(|e| describe(ctx, builtin, e))
}

/// An installation failure, with the JS error's name, message and stack
/// when there is one.
fn describe(ctx: &Ctx<'_>, builtin: &Builtin, error: Error) -> anyhow::Error {
    if error.is_exception() {
        let error = js_error::take_exception(ctx);
        anyhow::anyhow!(
            "installing {}: {}: {}\n{}",
            builtin.name,
            error.name,
            error.message,
            error.stack.unwrap_or_default()
        )
    } else {
        anyhow::anyhow!("installing {}: {error}", builtin.name)
    }
}

/// Compiles `builtin` as a global script into bytecode without source
/// text, for [`load`].
///
/// QuickJS keeps a copy of every function's source text for
/// `Function.prototype.toString` (nested functions included), so a
/// bundled port would cost several times its size in the heap, and a
/// larger, more fragmented snapshot heap makes every fresh sandbox slower.
/// So `toString()` of such a function shows no body. The name and line
/// table stay, so that stack frames say where they are.
pub fn compile(ctx: &Ctx<'_>, builtin: &Builtin) -> Result<Vec<u8>, Error> {
    let source = CString::new(builtin.source).map_err(|_| Error::Unknown)?;
    let file = CString::new(builtin.name).map_err(|_| Error::Unknown)?;
    let ctx_ptr = ctx.as_raw().as_ptr();
    let flags = qjs::JS_EVAL_TYPE_GLOBAL | qjs::JS_EVAL_FLAG_COMPILE_ONLY;
    // SAFETY: `ctx` is a live, locked context; `source` and `file` are
    // NUL-terminated and the length excludes the terminator. JS_Eval
    // returns an owned value, taken over by `Value::from_raw`.
    let compiled = unsafe {
        let raw = qjs::JS_Eval(
            ctx_ptr,
            source.as_ptr(),
            source.as_bytes().len() as _,
            file.as_ptr(),
            flags as i32,
        );
        Value::from_raw(ctx.clone(), raw)
    };
    if compiled.is_exception() {
        return Err(Error::Exception);
    }
    let mut len = 0;
    // SAFETY: `compiled` is a live value of this context. On success
    // JS_WriteObject returns a buffer of `len` bytes from the context's
    // allocator, copied here and then freed with `js_free`.
    unsafe {
        let flags = qjs::JS_WRITE_OBJ_BYTECODE | qjs::JS_WRITE_OBJ_STRIP_SOURCE;
        let buf = qjs::JS_WriteObject(ctx_ptr, &mut len, compiled.as_raw(), flags as i32);
        if buf.is_null() {
            return Err(Error::Exception);
        }
        let bytecode = std::slice::from_raw_parts(buf, len as usize).to_vec();
        qjs::js_free(ctx_ptr, buf.cast());
        Ok(bytecode)
    }
}

/// Evaluates what [`compile`] made; returns the completion value (the
/// file's function).
pub fn load<'js, V: FromJs<'js>>(ctx: &Ctx<'js>, bytecode: &[u8]) -> Result<V, Error> {
    let ctx_ptr = ctx.as_raw().as_ptr();
    // SAFETY: the bytes were written by [`compile`] with this same engine;
    // JS_ReadObject copies what it keeps and returns an owned value.
    let function = unsafe {
        let raw = qjs::JS_ReadObject(
            ctx_ptr,
            bytecode.as_ptr(),
            bytecode.len() as _,
            qjs::JS_READ_OBJ_BYTECODE as i32,
        );
        Value::from_raw(ctx.clone(), raw)
    };
    if function.is_exception() {
        return Err(Error::Exception);
    }
    // SAFETY: JS_EvalFunction consumes one reference to its argument, so it
    // gets a duplicate and `function` drops its own. The result is owned.
    let value = unsafe {
        let raw = qjs::JS_EvalFunction(ctx_ptr, qjs::JS_DupValue(ctx_ptr, function.as_raw()));
        Value::from_raw(ctx.clone(), raw)
    };
    if value.is_exception() {
        return Err(Error::Exception);
    }
    V::from_js(ctx, value)
}
