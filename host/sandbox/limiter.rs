//! The per-run memory cap and the peak-memory measurement.

use wasmtime::ResourceLimiter;

/// Caps the total linear memory of one instance and remembers the peak and
/// whether the cap was ever hit.
///
/// Growth past the cap is refused, not trapped: QuickJS then throws
/// `InternalError: out of memory`, and [`MemoryLimiter::denied`] tells the
/// host to classify the run's failure as a memory limit rather than an
/// ordinary exception (the script may even catch it and finish normally).
#[derive(Debug)]
pub struct MemoryLimiter {
    limit: u64,
    total: u64,
    peak: u64,
    denied: bool,
}

/// Upper bound on table elements; the guest needs a few thousand.
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

impl MemoryLimiter {
    /// A limiter allowing `limit` bytes of linear memory in all.
    pub fn new(limit: u64) -> Self {
        MemoryLimiter {
            limit,
            total: 0,
            peak: 0,
            denied: false,
        }
    }

    /// The largest total linear memory seen, in bytes.
    pub fn peak(&self) -> u64 {
        self.peak
    }

    /// Whether some growth was refused because of the cap.
    pub fn denied(&self) -> bool {
        self.denied
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let growth = desired.saturating_sub(current) as u64;
        let total = self.total.saturating_add(growth);
        if total > self.limit {
            self.denied = true;
            return Ok(false);
        }
        self.total = total;
        self.peak = self.peak.max(total);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_growth_past_the_cap_and_tracks_the_peak() {
        let mut limiter = MemoryLimiter::new(4 << 16);
        assert!(limiter.memory_growing(0, 2 << 16, None).unwrap());
        assert!(limiter.memory_growing(2 << 16, 4 << 16, None).unwrap());
        assert!(!limiter.denied());
        assert!(!limiter.memory_growing(4 << 16, 5 << 16, None).unwrap());
        assert!(limiter.denied());
        assert_eq!(limiter.peak(), 4 << 16);
    }

    #[test]
    fn counts_all_memories_together() {
        let mut limiter = MemoryLimiter::new(3 << 16);
        assert!(limiter.memory_growing(0, 2 << 16, None).unwrap());
        assert!(!limiter.memory_growing(0, 2 << 16, None).unwrap());
        assert!(limiter.memory_growing(0, 1 << 16, None).unwrap());
        assert_eq!(limiter.peak(), 3 << 16);
    }
}
