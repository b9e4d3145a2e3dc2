//! The run's fetch worker: one thread per run that fetches, not per
//! request, so that the sandbox's thread waits in a way it can stop
//! waiting.
//!
//! `ureq` blocks until the network answers, and a blocked host call is out
//! of reach of the epoch callback, which is where a run notices its
//! caller's [`CancelToken`](crate::CancelToken). So each network step (a
//! request up to its response head, or one read of a response body) is a
//! job for the run's worker thread, and the sandbox's thread waits for its
//! answer with a short timeout, checking the token and the deadline
//! between waits. A run makes one host call at a time, so one worker
//! serves it; a body between reads holds its socket, never a thread. When
//! the run ends, its session shuts the agent down (which interrupts a
//! blocked read or write at once) and drops the job queue, so the worker
//! finishes its last job and exits.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Instant;

use crate::cancel::{CANCEL_POLL, CancelToken};
use crate::traps::Cancelled;

/// What ends a wait other than an answer.
pub(super) enum Stop {
    /// The caller cancelled the run.
    Cancelled(Cancelled),
    /// The run's deadline passed.
    Deadline,
    /// The worker is gone without answering (a job panicked).
    Vanished,
}

type Job = Box<dyn FnOnce() + Send>;

/// The run's worker thread, fed through a queue; it exits when the queue
/// is dropped.
#[derive(Clone)]
pub(super) struct Worker {
    jobs: Sender<Job>,
}

impl Worker {
    /// Starts the worker thread.
    pub(super) fn start() -> std::io::Result<Worker> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("jsbox-fetch".to_owned())
            .spawn(move || {
                while let Ok(job) = queue.recv() {
                    job();
                }
            })?;
        Ok(Worker { jobs })
    }

    /// Runs `job` on the worker; its result arrives on the receiver, which
    /// is disconnected if the worker is gone.
    pub(super) fn submit<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Receiver<T> {
        let (answer, receiver) = mpsc::sync_channel(1);
        // A failed send drops the job and its sender: the wait then sees
        // the worker as vanished.
        let _ = self.jobs.send(Box::new(move || {
            let _ = answer.send(job());
        }));
        receiver
    }
}

/// Waits for `receiver` until `deadline`, stopping early when `cancel` is
/// cancelled.
pub(super) fn wait<T>(
    receiver: &Receiver<T>,
    cancel: &CancelToken,
    deadline: Instant,
) -> Result<T, Stop> {
    loop {
        if cancel.is_cancelled() {
            return Err(Stop::Cancelled(Cancelled));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Stop::Deadline);
        }
        match receiver.recv_timeout(left.min(CANCEL_POLL)) {
            Ok(answer) => return Ok(answer),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Err(Stop::Vanished),
        }
    }
}
