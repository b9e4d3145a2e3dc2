//! Admission control: at most `max_concurrent` sandboxes at once, at most
//! `queue` requests waiting for one; beyond that a request is refused (503
//! with `Retry-After`) at once rather than queued without bound.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The sandbox slots and the queue in front of them.
pub struct Admission {
    slots: Arc<Semaphore>,
    max_concurrent: u32,
    queue: u64,
    waiting: AtomicU64,
}

/// A sandbox slot, held for the whole run; dropping it frees the slot.
pub type Slot = OwnedSemaphorePermit;

/// The request found every slot busy and the queue full.
#[derive(Debug)]
pub struct QueueFull;

impl Admission {
    pub fn new(max_concurrent: u32, queue: u32) -> Self {
        Admission {
            slots: Arc::new(Semaphore::new(max_concurrent as usize)),
            max_concurrent,
            queue: u64::from(queue),
            waiting: AtomicU64::new(0),
        }
    }

    /// A free slot, after waiting in the queue if need be.
    pub async fn admit(&self) -> Result<Slot, QueueFull> {
        if let Ok(slot) = self.slots.clone().try_acquire_owned() {
            return Ok(slot);
        }
        let waiting = self.waiting.fetch_add(1, Ordering::AcqRel);
        let _leave = LeaveQueue(&self.waiting);
        if waiting >= self.queue {
            return Err(QueueFull);
        }
        // The semaphore is never closed, so acquiring only fails if it is.
        self.slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| QueueFull)
    }

    /// Requests waiting for a slot now.
    pub fn queue_depth(&self) -> u64 {
        self.waiting.load(Ordering::Acquire).min(self.queue)
    }

    /// Slots in use now.
    pub fn in_use(&self) -> u64 {
        u64::from(self.max_concurrent) - self.slots.available_permits() as u64
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
        let admission = Arc::new(Admission::new(1, 1));
        let slot = admission.admit().await.expect("a free slot");
        assert_eq!(admission.in_use(), 1);
        let queued = {
            let admission = admission.clone();
            tokio::spawn(async move { admission.admit().await.map(drop) })
        };
        while admission.queue_depth() == 0 {
            tokio::task::yield_now().await;
        }
        assert!(admission.admit().await.is_err(), "the queue holds one");
        drop(slot);
        assert!(
            queued.await.unwrap().is_ok(),
            "the queued request gets the slot"
        );
        assert_eq!(admission.queue_depth(), 0);
        assert_eq!(admission.in_use(), 0);
    }
}
