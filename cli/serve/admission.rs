//! Admission control: at most `max_concurrent` sandboxes at once, at most
//! `queue` requests waiting for one, each for at most `queue_timeout`;
//! beyond that a request is refused (503 with `Retry-After`) rather than
//! queued without bound.
//!
//! `Retry-After` is the time the queue in front of a new request would take
//! to drain: (requests waiting + 1) x the mean time a request holds its
//! slot / `max_concurrent`, rounded up to whole seconds, at least 1 s and
//! at most 60 s. The mean is an exponentially weighted moving average
//! (weight 1/8) over the slots released so far.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The longest `Retry-After` given, in seconds.
const MAX_RETRY_AFTER_SECS: u64 = 60;

/// The sandbox slots and the queue in front of them.
pub struct Admission {
    slots: Arc<Semaphore>,
    max_concurrent: u32,
    queue: u64,
    queue_timeout: Duration,
    waiting: AtomicU64,
    service: Arc<ServiceTime>,
}

/// A sandbox slot, held for the whole run; dropping it frees the slot and
/// accounts for how long it was held.
pub struct Slot {
    _permit: OwnedSemaphorePermit,
    taken: Instant,
    service: Arc<ServiceTime>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.service.record(self.taken.elapsed());
    }
}

/// Why a request was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Every slot was busy and the queue full.
    QueueFull,
    /// The request waited `queue_timeout` in the queue without a slot.
    QueueTimeout,
}

impl Refusal {
    /// The reason as logs, metrics and error bodies name it.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::QueueFull => "queue_full",
            Refusal::QueueTimeout => "queue_timeout",
        }
    }
}

impl Admission {
    pub fn new(max_concurrent: u32, queue: u32, queue_timeout: Duration) -> Self {
        Admission {
            slots: Arc::new(Semaphore::new(max_concurrent as usize)),
            max_concurrent,
            queue: u64::from(queue),
            queue_timeout,
            waiting: AtomicU64::new(0),
            service: Arc::new(ServiceTime::default()),
        }
    }

    /// A free slot, after waiting in the queue if need be.
    pub async fn admit(&self) -> Result<Slot, Refusal> {
        let permit = match self.slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => self.wait().await?,
        };
        Ok(Slot {
            _permit: permit,
            taken: Instant::now(),
            service: self.service.clone(),
        })
    }

    async fn wait(&self) -> Result<OwnedSemaphorePermit, Refusal> {
        let waiting = self.waiting.fetch_add(1, Ordering::AcqRel);
        let _leave = LeaveQueue(&self.waiting);
        if waiting >= self.queue {
            return Err(Refusal::QueueFull);
        }
        match tokio::time::timeout(self.queue_timeout, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            // The semaphore is never closed, so acquiring cannot fail.
            Ok(Err(_)) => Err(Refusal::QueueFull),
            Err(_) => Err(Refusal::QueueTimeout),
        }
    }

    /// Requests waiting for a slot now.
    pub fn queue_depth(&self) -> u64 {
        self.waiting.load(Ordering::Acquire).min(self.queue)
    }

    /// Slots in use now.
    pub fn in_use(&self) -> u64 {
        u64::from(self.max_concurrent) - self.slots.available_permits() as u64
    }

    /// Whole seconds a refused client should wait before retrying (see the
    /// module doc).
    pub fn retry_after_secs(&self) -> u64 {
        retry_after_secs(self.queue_depth(), self.service.mean(), self.max_concurrent)
    }
}

fn retry_after_secs(queue_depth: u64, mean_service: Duration, max_concurrent: u32) -> u64 {
    let drain = mean_service.as_secs_f64() * (queue_depth + 1) as f64 / f64::from(max_concurrent);
    (drain.ceil() as u64).clamp(1, MAX_RETRY_AFTER_SECS)
}

/// The moving average of how long requests hold their slot.
#[derive(Default)]
struct ServiceTime {
    /// Microseconds; 0 until the first slot is released.
    mean_us: AtomicU64,
}

impl ServiceTime {
    fn record(&self, held: Duration) {
        let sample = held.as_micros().min(u128::from(u64::MAX)) as u64;
        // The closure always returns Some, so the update cannot fail.
        let _ = self
            .mean_us
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |mean| {
                Some(if mean == 0 {
                    sample.max(1)
                } else {
                    (mean * 7 + sample) / 8
                })
            });
    }

    fn mean(&self) -> Duration {
        Duration::from_micros(self.mean_us.load(Ordering::Acquire))
    }
}

/// Leaves the queue when the wait ends, whether admitted, refused, or
/// abandoned because the client went away.
struct LeaveQueue<'a>(&'a AtomicU64);

impl Drop for LeaveQueue<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refuses_beyond_slots_plus_queue() {
        let admission = Arc::new(Admission::new(1, 1, Duration::from_secs(60)));
        let slot = admission.admit().await.expect("a free slot");
        assert_eq!(admission.in_use(), 1);
        let queued = {
            let admission = admission.clone();
            tokio::spawn(async move { admission.admit().await.map(drop) })
        };
        while admission.queue_depth() == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            admission.admit().await.err(),
            Some(Refusal::QueueFull),
            "the queue holds one"
        );
        drop(slot);
        assert!(
            queued.await.unwrap().is_ok(),
            "the queued request gets the slot"
        );
        assert_eq!(admission.queue_depth(), 0);
        assert_eq!(admission.in_use(), 0);
    }

    #[tokio::test]
    async fn a_queued_request_gives_up_after_the_queue_timeout() {
        let admission = Admission::new(1, 4, Duration::from_millis(20));
        let _slot = admission.admit().await.expect("a free slot");
        assert_eq!(admission.admit().await.err(), Some(Refusal::QueueTimeout));
        assert_eq!(admission.queue_depth(), 0, "it left the queue");
    }

    #[test]
    fn retry_after_is_the_queue_drain_time_in_whole_seconds() {
        let ms = Duration::from_millis;
        // Nothing measured yet, or a short queue: the minimum.
        assert_eq!(retry_after_secs(0, Duration::ZERO, 4), 1);
        assert_eq!(retry_after_secs(10, ms(50), 4), 1);
        // 63 waiting + 1, 500 ms each, 4 at a time: 8 s.
        assert_eq!(retry_after_secs(63, ms(500), 4), 8);
        assert_eq!(retry_after_secs(1_000_000, ms(500), 1), 60);
    }

    #[test]
    fn the_mean_service_time_moves_towards_recent_samples() {
        let service = ServiceTime::default();
        service.record(Duration::from_millis(80));
        assert_eq!(service.mean(), Duration::from_millis(80));
        service.record(Duration::from_millis(0));
        assert_eq!(service.mean(), Duration::from_millis(70));
    }
}
