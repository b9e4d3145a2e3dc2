//! Code generation from strings (`eval`, `new Function`...), allowed or
//! refused per run (`RunOptions::allow_eval` on the host).
//!
//! **Where the switch sits.** QuickJS-ng compiles a string through one
//! pointer, `JSContext::eval_internal`, which `JS_AddIntrinsicEval` sets.
//! Nothing public clears or hooks it: `JSContext` is private to
//! `quickjs.c`, and there is no callback consulted on each compilation like
//! V8's `AllowCodeGenerationFromStrings`. The guest's own compilations (the
//! script, the modules it imports, `require`) go through the same pointer,
//! so a context built without the intrinsic could not run anything either.
//! The switch is therefore made where JS reaches the compiler, which is
//! narrow: the global `eval`, and four constructors, `Function`,
//! `AsyncFunction`, `GeneratorFunction` and `AsyncGeneratorFunction` (the
//! last three reachable only as their prototypes' `constructor`). Nothing
//! else compiles a string: timers refuse string callbacks, `node:vm` is
//! unsupported, and modules load only files, through the host.
//!
//! **How.** [`install`] (run by `initialize`, so part of the snapshot)
//! replaces each constructor, everywhere JS can reach it, with a native
//! *gate* of the same name, `length` and `prototype`, so `instanceof`,
//! `fn.constructor.name` and subclassing behave as before. A gate checks
//! the run's answer, then throws the `EvalError` or calls the original (as
//! a constructor with the same `new.target`, or as a function). `eval`
//! cannot be wrapped the same way: QuickJS makes `eval(...)` a direct eval
//! (with the caller's scope) only when the callee *is* the original. So
//! `globalThis.eval` becomes an accessor that returns the original when
//! the run allows code generation, which keeps direct eval as it is, and a
//! gate that throws otherwise. The originals are held only here, where no
//! script can reach them.
//!
//! **When.** The guest asks the host (`code-generation.allowed`) on a run's
//! first attempt, and forgets the answer at every run's start, so no run
//! inherits one from the snapshot and a run that never generates code
//! costs no host call. The top level of an entry being snapshotted
//! (`http-handler.prepare`) is refused whatever the setting: every request
//! of every tenant starts from that heap, and a script can keep whatever
//! sits on its call stack (`Error.prepareStackTrace`'s call sites hand out
//! their functions), which in an allowed run includes the original that a
//! gate called. Refusing there keeps the originals out of every entry
//! snapshot; the host serves such an entry without one.

use std::cell::{Cell, RefCell};
use std::ffi::{CStr, c_int};
use std::ptr::NonNull;

use javy::quickjs::function::Opt;
use javy::quickjs::object::{Accessor, Property};
use javy::quickjs::{
    Constructor, Ctx, Exception, FromJs, Function, Object, Persistent, Result, Value, qjs,
};

use crate::jsbox::sandbox::code_generation;

/// What a refused run's attempts throw (as an `EvalError`).
const REFUSED: &str = "code generation from strings is disabled for this run \
                       (jsbox run --no-eval, `eval = false` in the jsbox serve config, \
                       or RunOptions::allow_eval)";

/// What attempts at a snapshotted entry's top level throw.
const AT_ENTRY_TOP_LEVEL: &str = "code generation from strings is disabled at the top level of \
                                  an entry snapshot, which every request shares: generate code \
                                  inside the handler, or serve with --no-entry-snapshot";

/// The constructors that compile their arguments, by gate index, each with
/// an instance whose prototype holds it as `constructor`.
const CONSTRUCTORS: [(&CStr, &str); 4] = [
    (c"Function", "(function () {})"),
    (c"AsyncFunction", "(async function () {})"),
    (c"GeneratorFunction", "(function* () {})"),
    (c"AsyncGeneratorFunction", "(async function* () {})"),
];

/// The gates' native bodies, by gate index.
const GATES: [unsafe extern "C" fn(
    *mut qjs::JSContext,
    qjs::JSValue,
    c_int,
    *mut qjs::JSValue,
) -> qjs::JSValue; 4] = [gate::<0>, gate::<1>, gate::<2>, gate::<3>];

/// The current run's answer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Policy {
    /// Not asked yet in this run.
    Unasked,
    Allowed,
    Refused,
    /// A snapshotted entry's top level is running; see the module doc.
    EntryTopLevel,
}

/// The originals and what stands for them, saved by [`install`].
struct Saved {
    /// The original constructors, by gate index.
    constructors: Vec<Persistent<Function<'static>>>,
    /// The original `eval`.
    eval: Persistent<Function<'static>>,
    /// What `globalThis.eval` reads as when code generation is refused.
    eval_gate: Persistent<Function<'static>>,
    /// `EvalError` as it was before any script could replace the global.
    eval_error: Persistent<Function<'static>>,
}

thread_local! {
    static POLICY: Cell<Policy> = const { Cell::new(Policy::Unasked) };
    static SAVED: RefCell<Option<Saved>> = const { RefCell::new(None) };
}

/// Puts the gates in place; see the module doc.
pub fn install(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let globals = ctx.globals();
    let mut constructors = Vec::new();
    let mut gates: Vec<Function> = Vec::new();
    for (index, (name, instance)) in CONSTRUCTORS.iter().enumerate() {
        let instance: Function = ctx.eval(*instance)?;
        let prototype = instance
            .get_prototype()
            .ok_or_else(|| anyhow::anyhow!("{name:?} instances have no prototype"))?;
        let original: Function = prototype.get("constructor")?;
        let gate = new_gate(ctx, index, &prototype)?;
        prototype.prop(
            "constructor",
            Property::from(gate.clone()).writable().configurable(),
        )?;
        constructors.push(Persistent::save(ctx, original));
        gates.push(gate);
    }
    // As the originals: `AsyncFunction`'s [[Prototype]] is `Function`.
    for gate in &gates[1..] {
        gate.set_prototype(Some(&*gates[0]))?;
    }
    globals.prop(
        "Function",
        Property::from(gates[0].clone()).writable().configurable(),
    )?;

    let eval: Function = globals.get("eval")?;
    let eval_gate = Function::new(ctx.clone(), eval_gate)?
        .with_name("eval")?
        .with_length(1)?;
    globals.prop(
        "eval",
        Accessor::new(read_eval, replace_eval).configurable(),
    )?;
    let eval_error: Function = globals.get("EvalError")?;
    SAVED.with(|saved| {
        *saved.borrow_mut() = Some(Saved {
            constructors,
            eval: Persistent::save(ctx, eval),
            eval_gate: Persistent::save(ctx, eval_gate),
            eval_error: Persistent::save(ctx, eval_error),
        })
    });
    Ok(())
}

/// Forgets the previous answer: the run asks on its first attempt.
pub fn start_run() {
    POLICY.set(Policy::Unasked);
}

/// Refuses code generation while a snapshotted entry's top level runs.
pub fn start_entry_top_level() {
    POLICY.set(Policy::EntryTopLevel);
}

/// Ends [`start_entry_top_level`]: the snapshot taken next holds no answer.
pub fn end_entry_top_level() {
    POLICY.set(Policy::Unasked);
}

/// The run's answer, asking the host the first time.
fn policy() -> Policy {
    let policy = POLICY.get();
    if policy != Policy::Unasked {
        return policy;
    }
    let policy = if code_generation::allowed() {
        Policy::Allowed
    } else {
        Policy::Refused
    };
    POLICY.set(policy);
    policy
}

/// Ok when the run may generate code; else the pending `EvalError`.
fn check(ctx: &Ctx<'_>) -> Result<()> {
    let message = match policy() {
        Policy::Allowed => return Ok(()),
        Policy::EntryTopLevel => AT_ENTRY_TOP_LEVEL,
        Policy::Refused | Policy::Unasked => REFUSED,
    };
    let eval_error = saved(ctx, |saved| saved.eval_error.clone())?;
    let eval_error = Constructor::from_js(ctx, eval_error.into_value())?;
    let error: Value = eval_error.construct((message,))?;
    Err(ctx.throw(error))
}

/// One of the saved functions, restored into `ctx`.
fn saved<'js>(
    ctx: &Ctx<'js>,
    pick: impl FnOnce(&Saved) -> Persistent<Function<'static>>,
) -> Result<Function<'js>> {
    let function = SAVED.with(|saved| saved.borrow().as_ref().map(pick));
    match function {
        Some(function) => function.restore(ctx),
        None => Err(Exception::throw_internal(
            ctx,
            "the code generation gates are not installed",
        )),
    }
}

/// A constructor gate: a native `constructor_or_func` (as the originals
/// are), named after and sharing the `prototype` of the original.
fn new_gate<'js>(
    ctx: &Ctx<'js>,
    index: usize,
    prototype: &Object<'js>,
) -> anyhow::Result<Function<'js>> {
    let name = CONSTRUCTORS[index].0;
    // SAFETY: `ctx` is the live context this closure runs in; `GATES[index]`
    // has the `JSCFunction` signature QuickJS calls a `constructor_or_func`
    // with; `name` is NUL-terminated and copied by QuickJS.
    let raw = unsafe {
        qjs::JS_NewCFunction2(
            ctx.as_raw().as_ptr(),
            Some(GATES[index]),
            name.as_ptr(),
            1,
            qjs::JSCFunctionEnum_JS_CFUNC_constructor_or_func,
            0,
        )
    };
    // SAFETY: `raw` is a new value (or the exception marker) whose
    // reference passes to the `Value`.
    let gate = unsafe { Value::from_raw(ctx.clone(), raw) }
        .into_function()
        .ok_or_else(|| anyhow::anyhow!("creating the {name:?} gate failed"))?;
    gate.prop("prototype", Property::from(prototype.clone()))?;
    Ok(gate)
}

/// The body of the gate of `CONSTRUCTORS[INDEX]`. QuickJS passes `new.target`
/// as `new_target` for `new` and `undefined` for a plain call.
unsafe extern "C" fn gate<const INDEX: usize>(
    ctx: *mut qjs::JSContext,
    new_target: qjs::JSValue,
    argc: c_int,
    argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    let Some(raw_ctx) = NonNull::new(ctx) else {
        return qjs::JS_EXCEPTION;
    };
    // SAFETY: QuickJS calls a native function with its live context, on the
    // guest's only thread, inside the `Context::with` that runs the script.
    let ctx = unsafe { Ctx::from_raw(raw_ctx) };
    let original = match check(&ctx).and_then(|()| saved(&ctx, |s| s.constructors[INDEX].clone())) {
        Ok(original) => original,
        // The error is pending in `ctx`.
        Err(_) => return qjs::JS_EXCEPTION,
    };
    // SAFETY: `argv` holds the `argc` arguments QuickJS passed, borrowed for
    // this call as the original borrows them; `original` stays alive until
    // it returns, and its result's reference passes to the caller.
    unsafe {
        if qjs::JS_IsUndefined(new_target) {
            qjs::JS_Call(
                ctx.as_raw().as_ptr(),
                original.as_raw(),
                qjs::JS_UNDEFINED,
                argc,
                argv,
            )
        } else {
            qjs::JS_CallConstructor2(
                ctx.as_raw().as_ptr(),
                original.as_raw(),
                new_target,
                argc,
                argv,
            )
        }
    }
}

/// `eval` when the run refuses code generation (or at a snapshotted
/// entry's top level): throws, or evaluates indirectly where allowed.
fn eval_gate<'js>(ctx: Ctx<'js>, source: Opt<Value<'js>>) -> Result<Value<'js>> {
    check(&ctx)?;
    let eval = saved(&ctx, |saved| saved.eval.clone())?;
    match source.0 {
        Some(source) => eval.call((source,)),
        None => eval.call(()),
    }
}

/// The getter of `globalThis.eval`: the original where the run allows code
/// generation (so that `eval(...)` stays a direct eval), the gate otherwise.
fn read_eval<'js>(ctx: Ctx<'js>) -> Result<Function<'js>> {
    if policy() == Policy::Allowed {
        saved(&ctx, |saved| saved.eval.clone())
    } else {
        saved(&ctx, |saved| saved.eval_gate.clone())
    }
}

/// The setter of `globalThis.eval`: a script may replace it with a value of
/// its own, as in Node (it can never put the original back).
fn replace_eval<'js>(ctx: Ctx<'js>, value: Value<'js>) -> Result<()> {
    ctx.globals()
        .prop("eval", Property::from(value).writable().configurable())
}
