//! `Math.random`: a fast generator (fastrand's wyrand) seeded from the
//! host's CSPRNG on its first call in each run, rather than at the start
//! of every run. A run that never calls it draws nothing from the host; an
//! HTTP entry whose top level calls it draws while the host prepares the
//! entry's snapshot, which the host then refuses (`host/random_watch.rs`)
//! instead of freezing one value into every request.

use std::cell::Cell;

use javy::quickjs::{Ctx, Exception, Function, Object, Result};

thread_local! {
    /// Whether this run has seeded the generator. False in the snapshot
    /// and at the start of every run.
    static SEEDED: Cell<bool> = const { Cell::new(false) };
}

/// Replaces javy's `Math.random` (the generator unseeded per run) with
/// [`random`].
pub fn install(ctx: &Ctx<'_>) -> Result<()> {
    let math: Object = ctx.globals().get("Math")?;
    math.set(
        "random",
        Function::new(ctx.clone(), random)?.with_name("random")?,
    )
}

/// Forgets the previous run's seed: the next call draws a new one.
pub fn start_run() {
    SEEDED.set(false);
}

fn random(ctx: Ctx<'_>) -> Result<f64> {
    if !SEEDED.get() {
        let seed = getrandom::u64().map_err(|e| {
            Exception::throw_internal(&ctx, &format!("no randomness from the host: {e}"))
        })?;
        fastrand::seed(seed);
        SEEDED.set(true);
    }
    Ok(fastrand::f64())
}
