//! Compiling the built-in modules' sources to compact bytecode, and
//! evaluating it.
//!
//! QuickJS keeps a copy of every function's source text for
//! `Function.prototype.toString` (nested functions included) and a line
//! table, so a bundled port costs several times its size in the heap, and a
//! larger, more fragmented snapshot heap makes every fresh sandbox slower.
//! Sources are compiled once, in `initialize`, and written as bytecode
//! without source text or debug information; the bytecode is evaluated when
//! a run first needs the module. So `toString()` of a built-in function
//! shows no body, and stack frames inside built-ins have no line numbers.

use std::ffi::CString;

use javy::quickjs::{Ctx, Error, FromJs, Value, qjs};

/// Evaluates `source` (named `file` in stack traces) as a global script,
/// its functions stripped of their source text; returns its completion
/// value.
pub fn eval<'js, V: FromJs<'js>>(ctx: &Ctx<'js>, file: &str, source: &str) -> Result<V, Error> {
    let bytecode = compile(ctx, file, source)?;
    load(ctx, &bytecode)
}

/// Compiles `source` (named `file` in stack traces) as a global script into
/// bytecode without source text or debug information.
pub fn compile(ctx: &Ctx<'_>, file: &str, source: &str) -> Result<Vec<u8>, Error> {
    let source = CString::new(source).map_err(|_| Error::Unknown)?;
    let file = CString::new(format!("node:{file}")).map_err(|_| Error::Unknown)?;
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
        let flags = qjs::JS_WRITE_OBJ_BYTECODE
            | qjs::JS_WRITE_OBJ_STRIP_SOURCE
            | qjs::JS_WRITE_OBJ_STRIP_DEBUG;
        let buf = qjs::JS_WriteObject(ctx_ptr, &mut len, compiled.as_raw(), flags as i32);
        if buf.is_null() {
            return Err(Error::Exception);
        }
        let bytecode = std::slice::from_raw_parts(buf, len as usize).to_vec();
        qjs::js_free(ctx_ptr, buf.cast());
        Ok(bytecode)
    }
}

/// Evaluates what [`compile`] made; returns the completion value.
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
