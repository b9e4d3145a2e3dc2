//! Caller cancellation: [`CancelToken`], and the error that ends a
//! cancelled run.
//!
//! A run notices cancellation in two places: the epoch callback, which runs
//! about every millisecond while guest code executes, and `timers.sleep`,
//! which waits on the token instead of sleeping blindly. Either way the run
//! stops within about one epoch tick and ends as
//! [`Outcome::Cancelled`](crate::Outcome::Cancelled).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Cancels runs from outside them. Cheap to clone; every clone cancels the
/// same runs. A token stays cancelled: a run started with a cancelled token
/// ends as `cancelled` without running.
///
/// ```no_run
/// use std::time::Duration;
/// use jsbox::{CancelToken, RunOptions, Runtime, Script};
///
/// let runtime = Runtime::builder().build()?;
/// let token = CancelToken::new();
/// let canceller = token.clone();
/// std::thread::spawn(move || {
///     std::thread::sleep(Duration::from_millis(50));
///     canceller.cancel();
/// });
/// let run = runtime.run(
///     &Script::new("loop.js", "while (true) {}"),
///     RunOptions::default().with_cancel_token(token),
/// );
/// assert_eq!(run.outcome.kind().as_str(), "cancelled");
/// # Ok::<(), jsbox::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Read on every epoch tick of every run using the token, so it is a
    /// lock-free flag; set before `wake` is notified.
    cancelled: AtomicBool,
    /// Held while a sleeper checks the flag and starts waiting, so that a
    /// `cancel` between the two cannot be missed.
    lock: Mutex<()>,
    /// Wakes runs sleeping in `timers.sleep`.
    wake: Condvar,
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        CancelToken::default()
    }

    /// Cancels every run using this token, now and later.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        drop(self.lock());
        self.inner.wake.notify_all();
    }

    /// Whether [`cancel`](CancelToken::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Sleeps until `until` or until cancelled, whichever is first; whether
    /// the token was cancelled.
    pub(crate) fn sleep_until(&self, until: Instant) -> bool {
        let mut guard = self.lock();
        while !self.is_cancelled() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            guard = self
                .inner
                .wake
                .wait_timeout(guard, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        self.is_cancelled()
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        // The mutex guards no data, so a poisoned one is as good as new.
        self.inner
            .lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// How often a run blocked in a host call that cannot wait on the token
/// itself (a network exchange, a plugin's request body) looks at it:
/// cancellation lands within this, as it does within an epoch tick for
/// running guest code.
pub(crate) const CANCEL_POLL: Duration = Duration::from_millis(5);

/// Cancels its token when dropped, unless disarmed: what makes dropping
/// [`Runtime::run_async`](crate::Runtime::run_async)'s future stop the run.
pub(crate) struct CancelOnDrop(pub Option<CancelToken>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(token) = self.0.take() {
            token.cancel();
        }
    }
}
