//! Timers, and the guest's event loop that runs them: the timer globals
//! (`timers.js`, `jsbox:timers`), `performance` (`performance.js`,
//! `jsbox:timers/performance`), microtasks and unhandled rejections.
//!
//! After a script's top level has run, [`run_until_idle`] drains the
//! microtask queue, then runs turns of Node's loop until no timer or
//! immediate is left: it sleeps (in the host, through the `timers` import,
//! so waiting burns no fuel) until the earliest timer is due unless an
//! immediate waits, runs the timers due (the timers phase), then the
//! immediates set before that (the check phase). The host's deadline bounds
//! all of it: an endless `setInterval` ends the run as `timeout`.
//!
//! "Draining" is Node's: `process.nextTick` callbacks first (`process.js`
//! hands its tick runner to [`queue_ticks`]), then every promise job, and
//! again while the jobs queued ticks; it follows the top level and every
//! timer, immediate and handler callback.
//!
//! Like Node's default (`--unhandled-rejections=throw`), a promise that is
//! still rejected without a handler once the microtasks have drained ends
//! the run as an uncaught exception with the rejection's reason.

use std::cell::RefCell;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use javy::Runtime;
use javy::quickjs::{Ctx, Function, Object, Persistent, Value, qjs};

use crate::builtins::{self, Builtin, builtin};
use crate::exports::jsbox::sandbox::run::Failure;
use crate::js_error;
use crate::jsbox::sandbox::timers as host_timers;

const TIMERS_JS: Builtin = builtin!("jsbox:timers", "timers.js");
const PERFORMANCE_JS: Builtin = builtin!("jsbox:timers/performance", "performance.js");

/// A rejected promise nobody has handled yet.
struct Rejection {
    /// The promise's address: identifies it when a handler arrives later.
    /// The promise is kept alive by `_promise`, so the address stays unique.
    id: usize,
    _promise: Persistent<Value<'static>>,
    reason: Persistent<Value<'static>>,
}

thread_local! {
    /// The `{ next, fire }` object returned by `timers.js`.
    static TIMERS: RefCell<Option<Persistent<Object<'static>>>> = const { RefCell::new(None) };
    static REJECTIONS: RefCell<Vec<Rejection>> = const { RefCell::new(Vec::new()) };
    /// `process.js`'s tick runner, while nextTick callbacks wait for it.
    static TICKS: RefCell<Option<Persistent<Function<'static>>>> = const { RefCell::new(None) };
    /// When the current run started, for `performance.now()`.
    static RUN_START: RefCell<Option<(Instant, f64)>> = const { RefCell::new(None) };
}

/// Installs the timer globals, `performance`, and the rejection tracker.
pub fn install(runtime: &Runtime) -> anyhow::Result<()> {
    runtime.context().with(|ctx| -> anyhow::Result<()> {
        let now = Function::new(ctx.clone(), monotonic_ms)?;
        let internals: Object = builtins::install(&ctx, &TIMERS_JS, (now,))?;
        TIMERS.with(|t| *t.borrow_mut() = Some(Persistent::save(&ctx, internals)));
        install_performance(&ctx)
    })?;
    runtime
        .context()
        .runtime()
        .set_host_promise_rejection_tracker(Some(Box::new(track_rejection)));
    Ok(())
}

/// Marks the start of a run: `performance.now()` counts from here, and
/// `performance.timeOrigin` is now. Called per run, never in the snapshot.
pub fn start_run() {
    let origin = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1e3)
        .unwrap_or_default();
    RUN_START.with(|start| *start.borrow_mut() = Some((Instant::now(), origin)));
}

/// Runs microtasks, timers and immediates until nothing is left to do.
pub fn run_until_idle(runtime: &Runtime) -> Result<(), Failure> {
    let context = runtime.context();
    loop {
        drain_microtasks(runtime)?;
        let delay_ms = context.with(|ctx| {
            call_timers(&ctx, "next")?
                .as_number()
                .ok_or_else(|| Failure::Internal("timers.next() returned a non-number".to_owned()))
        })?;
        if delay_ms < 0.0 {
            return Ok(());
        }
        if delay_ms > 0.0 {
            host_timers::sleep((delay_ms * 1e6).ceil() as u64);
        }
        run_phase(runtime, "startTimers", "fire")?;
        run_phase(runtime, "startImmediates", "fireImmediate")?;
    }
}

/// One phase of a loop turn: `start`, then `fire` (one callback) until it
/// says nothing is left, draining after each callback as Node does.
fn run_phase(runtime: &Runtime, start: &str, fire: &str) -> Result<(), Failure> {
    let context = runtime.context();
    context.with(|ctx| call_timers(&ctx, start).map(drop))?;
    while context.with(|ctx| call_timers(&ctx, fire).map(|ran| ran.as_bool() == Some(true)))? {
        drain_microtasks(runtime)?;
    }
    Ok(())
}

/// Called by `process.nextTick` when the tick queue becomes non-empty:
/// `runner` runs every queued tick at the start of the next drain.
pub fn queue_ticks<'js>(ctx: Ctx<'js>, runner: Function<'js>) {
    TICKS.with(|ticks| *ticks.borrow_mut() = Some(Persistent::save(&ctx, runner)));
}

/// Runs the queued nextTick callbacks, if any; whether there were some.
fn run_ticks(runtime: &Runtime) -> Result<bool, Failure> {
    let Some(runner) = TICKS.with(|ticks| ticks.borrow_mut().take()) else {
        return Ok(false);
    };
    runtime.context().with(|ctx| {
        runner
            .restore(&ctx)
            .map_err(|e| Failure::Internal(format!("restoring the tick runner: {e}")))?
            .call::<_, ()>(())
            .map_err(|_| Failure::UncaughtException(js_error::take_exception(&ctx)))
    })?;
    Ok(true)
}

/// Runs every promise job, including those the jobs queue.
pub fn run_jobs(runtime: &Runtime) -> Result<(), Failure> {
    runtime.resolve_pending_jobs().map_err(|_| {
        runtime
            .context()
            .with(|ctx| Failure::UncaughtException(js_error::take_exception(&ctx)))
    })
}

/// Whether a timer is still due to fire.
pub fn pending(runtime: &Runtime) -> Result<bool, Failure> {
    runtime.context().with(|ctx| {
        call_timers(&ctx, "next")?
            .as_number()
            .map(|delay_ms| delay_ms >= 0.0)
            .ok_or_else(|| Failure::Internal("timers.next() returned a non-number".to_owned()))
    })
}

/// Drains nextTick callbacks and promise jobs as Node does (all ticks,
/// then all jobs, until neither is left), then fails on the first
/// unhandled rejection.
pub fn drain_microtasks(runtime: &Runtime) -> Result<(), Failure> {
    let context = runtime.context();
    loop {
        run_ticks(runtime)?;
        run_jobs(runtime)?;
        if TICKS.with(|ticks| ticks.borrow().is_none()) {
            break;
        }
    }
    let first = REJECTIONS.with(|r| {
        let mut rejections = r.borrow_mut();
        let first = rejections.first().map(|r| r.reason.clone());
        rejections.clear();
        first
    });
    match first {
        None => Ok(()),
        Some(reason) => context.with(|ctx| {
            let reason = reason
                .restore(&ctx)
                .map_err(|e| Failure::Internal(format!("restoring a rejection: {e}")))?;
            Err(Failure::UncaughtException(js_error::from_value(reason)))
        }),
    }
}

fn call_timers<'js>(ctx: &Ctx<'js>, method: &str) -> Result<Value<'js>, Failure> {
    let internals = TIMERS
        .with(|t| t.borrow().clone())
        .ok_or_else(|| Failure::Internal("timers are not installed".to_owned()))?
        .restore(ctx)
        .map_err(|e| Failure::Internal(format!("restoring timers: {e}")))?;
    let function: Function = internals
        .get(method)
        .map_err(|e| Failure::Internal(format!("timers.{method}: {e}")))?;
    function
        .call::<_, Value>(())
        .map_err(|_| Failure::UncaughtException(js_error::take_exception(ctx)))
}

/// QuickJS calls this when a promise is rejected with no handler
/// (`handled == false`) and when a handler is attached later (`true`).
fn track_rejection<'js>(ctx: Ctx<'js>, promise: Value<'js>, reason: Value<'js>, handled: bool) {
    let id = promise_id(&promise);
    REJECTIONS.with(|r| {
        let mut rejections = r.borrow_mut();
        if handled {
            rejections.retain(|rejection| rejection.id != id);
        } else {
            rejections.push(Rejection {
                id,
                _promise: Persistent::save(&ctx, promise),
                reason: Persistent::save(&ctx, reason),
            });
        }
    });
}

fn promise_id(promise: &Value<'_>) -> usize {
    // SAFETY: reads the pointer payload of a live value without touching
    // what it points to; QuickJS hands the tracker promise objects only.
    unsafe { qjs::JS_VALUE_GET_PTR(promise.as_raw()) as usize }
}

/// Milliseconds on the monotonic clock since the run started, with
/// sub-millisecond precision.
fn monotonic_ms() -> f64 {
    RUN_START.with(|start| match *start.borrow() {
        Some((instant, _)) => instant.elapsed().as_secs_f64() * 1e3,
        None => 0.0,
    })
}

fn install_performance(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let now = Function::new(ctx.clone(), monotonic_ms)?.with_name("now")?;
    let origin = Function::new(ctx.clone(), || {
        RUN_START.with(|start| start.borrow().map(|(_, origin)| origin).unwrap_or_default())
    })?;
    builtins::install(ctx, &PERFORMANCE_JS, (now, origin))
}
