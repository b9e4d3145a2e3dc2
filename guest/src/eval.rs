//! Compiling and evaluating the run's code, then running its event loop.
//!
//! Scripts are compiled first and evaluated second, so that a parse failure
//! is reported as `syntax-error` while a `SyntaxError` thrown at run time
//! (by `eval`, `JSON.parse`...) stays an `uncaught-exception`. `compile`
//! serializes the parsed code as QuickJS bytecode behind a one-byte tag
//! saying whether it is a script or a module; the host caches it and hands
//! it back to `run`, which then skips parsing.

use std::ffi::CString;

use javy::Runtime;
use javy::quickjs::{Ctx, Module, Object, Persistent, Promise, Value, WriteOptions, qjs};

use crate::exports::jsbox::sandbox::run::{Code, Completion, Failure, Script, SourceKind};
use crate::jsbox::sandbox::types::JsError;
use crate::{js_error, modules, node, timers};

const TAG_SCRIPT: u8 = 0;
const TAG_MODULE: u8 = 1;

/// Parses `script` into tagged bytecode without running it.
pub fn compile(runtime: &Runtime, script: &Script) -> Result<Vec<u8>, Failure> {
    runtime.context().with(|ctx| match script.kind {
        SourceKind::Script => {
            let function = compile_script(&ctx, &script.name, &script.source)?;
            write_bytecode(&ctx, TAG_SCRIPT, &function)
        }
        SourceKind::Module => {
            let module = declare_module(&ctx, script)?;
            let bytes = module
                .write(WriteOptions::default())
                .map_err(|_| internal(&ctx, "serializing the module"))?;
            Ok(tagged(TAG_MODULE, &bytes))
        }
    })
}

/// Evaluates `code`, then runs the microtasks and timers it queued.
pub fn run(runtime: &Runtime, code: &Code) -> Result<Completion, Failure> {
    node::start_run(match code {
        Code::Source(script) => &script.name,
        Code::Compiled(compiled) => &compiled.name,
    });
    let context = runtime.context();
    let pending = context.with(|ctx| evaluate(&ctx, code))?;
    if matches!(pending, Evaluated::Module(_)) {
        // Node evaluates a module inside a promise job, so the jobs its top
        // level queued run before its nextTick callbacks; after a classic
        // script (CommonJS in Node), the ticks run first.
        timers::run_jobs(runtime)?;
    }
    timers::run_until_idle(runtime)?;
    let completion = context.with(|ctx| match pending {
        Evaluated::Value(json) => Ok(Completion { value_json: json }),
        Evaluated::Module(promise) => {
            let promise = promise
                .restore(&ctx)
                .map_err(|e| Failure::Internal(e.to_string()))?;
            settle_module(&ctx, promise)
        }
    })?;
    // `process.on('exit')` listeners, and a non-zero `process.exitCode`,
    // which ends the run through the host's `exit` and so never returns.
    context.with(|ctx| node::end_run(&ctx).map_err(|_| uncaught(&ctx)))?;
    Ok(completion)
}

/// An HTTP entry once evaluated: a module's namespace and evaluation
/// promise, or nothing for a classic script (which registers a `fetch`
/// listener instead of exporting a handler).
pub struct Entry {
    pub module: Option<EvaluatedModule>,
}

/// What [`Entry`] keeps of a module. The namespace is read only after the
/// module's top-level awaits have run: until then `default` may still be
/// uninitialized.
pub struct EvaluatedModule {
    pub namespace: Persistent<Object<'static>>,
    pub evaluation: Persistent<Promise<'static>>,
}

/// Evaluates the compiled entry of an HTTP handler. Jobs it queued are left
/// to the caller.
pub fn evaluate_entry(ctx: &Ctx<'_>, name: &str, bytecode: &[u8]) -> Result<Entry, Failure> {
    match bytecode.split_first() {
        Some((&TAG_SCRIPT, bytecode)) => {
            let function = read_script_bytecode(ctx, bytecode)?;
            eval_script(ctx, name, function)?;
            Ok(Entry { module: None })
        }
        Some((&TAG_MODULE, bytecode)) => {
            // SAFETY: as in `evaluate`: bytes from `compile` of this build,
            // and a forgery could only harm this instance.
            let module = unsafe { Module::load(ctx.clone(), bytecode) }
                .map_err(|_| internal(ctx, "loading module bytecode"))?;
            modules::set_import_meta(&module, name).map_err(|_| uncaught(ctx))?;
            let (module, promise) = module.eval().map_err(|_| uncaught(ctx))?;
            let namespace = module
                .namespace()
                .map_err(|_| internal(ctx, "reading the module's namespace"))?;
            Ok(Entry {
                module: Some(EvaluatedModule {
                    namespace: Persistent::save(ctx, namespace),
                    evaluation: Persistent::save(ctx, promise),
                }),
            })
        }
        _ => Err(Failure::Internal(
            "compiled code has an unknown tag; it was not produced by `compile`".to_owned(),
        )),
    }
}

/// What evaluation left behind: a script's completion value (already
/// encoded, since the value itself cannot outlive the context lock), or a
/// module's evaluation promise to inspect once its jobs have run.
enum Evaluated {
    Value(Option<String>),
    Module(Persistent<Promise<'static>>),
}

fn evaluate(ctx: &Ctx<'_>, code: &Code) -> Result<Evaluated, Failure> {
    match code {
        Code::Source(script) => match script.kind {
            SourceKind::Script => {
                let function = compile_script(ctx, &script.name, &script.source)?;
                eval_script(ctx, &script.name, function)
            }
            SourceKind::Module => eval_module(ctx, declare_module(ctx, script)?),
        },
        Code::Compiled(compiled) => match compiled.bytecode.split_first() {
            Some((&TAG_SCRIPT, bytecode)) => {
                let function = read_script_bytecode(ctx, bytecode)?;
                eval_script(ctx, &compiled.name, function)
            }
            Some((&TAG_MODULE, bytecode)) => {
                // SAFETY: `bytecode` is what `compile` wrote with this very
                // guest build (the host keys its cache on the guest's hash).
                // Even forged bytes could only corrupt this instance's own
                // linear memory, which the host discards after the run.
                let module = unsafe { Module::load(ctx.clone(), bytecode) }
                    .map_err(|_| internal(ctx, "loading module bytecode"))?;
                modules::set_import_meta(&module, &compiled.name).map_err(|_| uncaught(ctx))?;
                eval_module(ctx, module)
            }
            _ => Err(Failure::Internal(
                "compiled code has an unknown tag; it was not produced by `compile`".to_owned(),
            )),
        },
    }
}

/// Runs a classic script, with the CommonJS globals of a main module.
fn eval_script<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    function: Value<'js>,
) -> Result<Evaluated, Failure> {
    modules::install_main(ctx, name).map_err(|_| internal(ctx, "installing require"))?;
    let value = eval_function(ctx, function)?;
    Ok(Evaluated::Value(to_json(ctx, value)))
}

fn eval_module<'js>(
    ctx: &Ctx<'js>,
    module: Module<'js, javy::quickjs::module::Declared>,
) -> Result<Evaluated, Failure> {
    let (_module, promise) = module.eval().map_err(|_| uncaught(ctx))?;
    Ok(Evaluated::Module(Persistent::save(ctx, promise)))
}

fn declare_module<'js>(
    ctx: &Ctx<'js>,
    script: &Script,
) -> Result<Module<'js, javy::quickjs::module::Declared>, Failure> {
    // Declaring a module also resolves and loads its static imports
    // (quickjs-ng links at compile time), so not every failure is the
    // source's own syntax error.
    let module = Module::declare(ctx.clone(), script.name.as_str(), script.source.as_str())
        .map_err(|_| {
            let error = js_error::take_exception(ctx);
            if error.name == "SyntaxError" {
                Failure::SyntaxError(error)
            } else {
                Failure::UncaughtException(error)
            }
        })?;
    modules::set_import_meta(&module, &script.name).map_err(|_| uncaught(ctx))?;
    Ok(module)
}

/// Compiles a classic script to a function object without running it.
fn compile_script<'js>(ctx: &Ctx<'js>, name: &str, source: &str) -> Result<Value<'js>, Failure> {
    let nul_error = |what: &str| {
        Failure::SyntaxError(JsError {
            name: "SyntaxError".to_owned(),
            message: format!("the script's {what} contains a NUL character"),
            stack: None,
        })
    };
    let source = CString::new(source).map_err(|_| nul_error("source"))?;
    let file_name = CString::new(name).map_err(|_| nul_error("name"))?;
    let flags = qjs::JS_EVAL_TYPE_GLOBAL | qjs::JS_EVAL_FLAG_COMPILE_ONLY;
    // SAFETY: `ctx` is a live, locked context; `source` is NUL-terminated as
    // JS_Eval requires and its length excludes the terminator; `file_name` is
    // a valid C string. JS_Eval returns an owned value, whose ownership
    // `Value::from_raw` takes over.
    let function = unsafe {
        let raw = qjs::JS_Eval(
            ctx.as_raw().as_ptr(),
            source.as_ptr(),
            source.as_bytes().len() as _,
            file_name.as_ptr(),
            flags as i32,
        );
        Value::from_raw(ctx.clone(), raw)
    };
    if function.is_exception() {
        return Err(syntax(ctx));
    }
    Ok(function)
}

/// Serializes a compiled script's function object behind `tag`.
fn write_bytecode(ctx: &Ctx<'_>, tag: u8, function: &Value<'_>) -> Result<Vec<u8>, Failure> {
    let ctx_ptr = ctx.as_raw().as_ptr();
    let mut len = 0;
    // SAFETY: `function` is a live value of this context. On success
    // JS_WriteObject returns a buffer of `len` bytes allocated with the
    // context's allocator, which we copy and then free with `js_free`.
    unsafe {
        let buf = qjs::JS_WriteObject(
            ctx_ptr,
            &mut len,
            function.as_raw(),
            qjs::JS_WRITE_OBJ_BYTECODE as i32,
        );
        if buf.is_null() {
            return Err(internal(ctx, "serializing the script"));
        }
        let bytes = tagged(tag, std::slice::from_raw_parts(buf, len as usize));
        qjs::js_free(ctx_ptr, buf.cast());
        Ok(bytes)
    }
}

fn read_script_bytecode<'js>(ctx: &Ctx<'js>, bytecode: &[u8]) -> Result<Value<'js>, Failure> {
    // SAFETY: as for modules in `evaluate`, the bytes come from `compile`
    // of this guest build, and a forgery could only harm this instance.
    // JS_ReadObject returns an owned value, taken over by `Value::from_raw`.
    let function = unsafe {
        let raw = qjs::JS_ReadObject(
            ctx.as_raw().as_ptr(),
            bytecode.as_ptr(),
            bytecode.len() as _,
            qjs::JS_READ_OBJ_BYTECODE as i32,
        );
        Value::from_raw(ctx.clone(), raw)
    };
    if function.is_exception() {
        return Err(internal(ctx, "loading script bytecode"));
    }
    Ok(function)
}

fn tagged(tag: u8, bytecode: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(bytecode.len() + 1);
    bytes.push(tag);
    bytes.extend_from_slice(bytecode);
    bytes
}

/// Runs a function object produced by [`compile_script`].
fn eval_function<'js>(ctx: &Ctx<'js>, function: Value<'js>) -> Result<Value<'js>, Failure> {
    // SAFETY: JS_EvalFunction consumes one reference to its argument, so we
    // hand it a duplicate and let `function` drop its own. The result is an
    // owned value, taken over by `Value::from_raw`.
    let value = unsafe {
        let ctx_ptr = ctx.as_raw().as_ptr();
        let raw = qjs::JS_EvalFunction(ctx_ptr, qjs::JS_DupValue(ctx_ptr, function.as_raw()));
        Value::from_raw(ctx.clone(), raw)
    };
    if value.is_exception() {
        return Err(uncaught(ctx));
    }
    Ok(value)
}

/// A module's evaluation promise settles once its top-level awaits do.
fn settle_module<'js>(ctx: &Ctx<'js>, promise: Promise<'js>) -> Result<Completion, Failure> {
    js_error::settled(
        ctx,
        &promise,
        "top-level await never settled: the module awaits a promise that no pending timer or \
         job is left to resolve",
    )
    .map(|_| Completion { value_json: None })
    .map_err(Failure::UncaughtException)
}

fn to_json<'js>(ctx: &Ctx<'js>, value: Value<'js>) -> Option<String> {
    if value.is_undefined() {
        return None;
    }
    match ctx.json_stringify(value) {
        Ok(json) => json.and_then(|s| s.to_string().ok()),
        Err(_) => {
            // No JSON form (a cycle, a BigInt): the completion value is
            // reported as absent rather than failing a run that succeeded.
            drop(ctx.catch());
            None
        }
    }
}

fn syntax(ctx: &Ctx<'_>) -> Failure {
    Failure::SyntaxError(js_error::take_exception(ctx))
}

pub fn uncaught(ctx: &Ctx<'_>) -> Failure {
    Failure::UncaughtException(js_error::take_exception(ctx))
}

/// A failure of the guest's own machinery, with the pending exception (if
/// any) as detail.
fn internal(ctx: &Ctx<'_>, doing: &str) -> Failure {
    let error = js_error::take_exception(ctx);
    Failure::Internal(format!("{doing}: {}: {}", error.name, error.message))
}
