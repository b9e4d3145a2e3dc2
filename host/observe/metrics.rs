//! Counters of a [`Runtime`](crate::Runtime), for embedders' dashboards and
//! the server's Prometheus endpoint.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::OutcomeKind;
use crate::cache::bytecode::BytecodeCacheStats;

/// A snapshot of a runtime's counters, from [`Runtime::metrics`](crate::Runtime::metrics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeMetrics {
    /// Runs finished since the runtime was built, by outcome, in
    /// [`OutcomeKind::ALL`] order.
    pub runs_by_outcome: Vec<(OutcomeKind, u64)>,
    /// Sandboxes alive now (a run holds one, two while it compiles).
    pub sandboxes_in_use: u64,
    /// The pool size, when the runtime pools sandboxes.
    pub max_concurrent: Option<u32>,
    /// The bytecode cache's counters, when the runtime has one.
    pub bytecode_cache: Option<BytecodeCacheStats>,
    /// Gated calls (file, net, env) the runs' grants refused.
    pub permissions_denied: u64,
}

impl RuntimeMetrics {
    /// Runs finished, whatever their outcome.
    pub fn runs(&self) -> u64 {
        self.runs_by_outcome.iter().map(|(_, n)| n).sum()
    }

    /// Runs that ended as `kind`.
    pub fn runs_with(&self, kind: OutcomeKind) -> u64 {
        self.runs_by_outcome
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    }
}

/// The live counters behind [`RuntimeMetrics`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    by_outcome: [AtomicU64; OutcomeKind::ALL.len()],
    sandboxes_in_use: AtomicU64,
    permissions_denied: AtomicU64,
}

impl Counters {
    pub fn record_outcome(&self, kind: OutcomeKind) {
        let index = OutcomeKind::ALL
            .iter()
            .position(|k| *k == kind)
            .expect("ALL lists every kind");
        self.by_outcome[index].fetch_add(1, Ordering::Relaxed);
    }

    pub fn record_permissions_denied(&self, count: u64) {
        self.permissions_denied.fetch_add(count, Ordering::Relaxed);
    }

    /// Counts a sandbox as alive until the guard drops.
    pub fn sandbox_alive(&self) -> SandboxGuard<'_> {
        self.sandboxes_in_use.fetch_add(1, Ordering::Relaxed);
        SandboxGuard(&self.sandboxes_in_use)
    }

    pub fn snapshot(
        &self,
        max_concurrent: Option<u32>,
        bytecode_cache: Option<BytecodeCacheStats>,
    ) -> RuntimeMetrics {
        RuntimeMetrics {
            runs_by_outcome: OutcomeKind::ALL
                .iter()
                .zip(&self.by_outcome)
                .map(|(kind, count)| (*kind, count.load(Ordering::Relaxed)))
                .collect(),
            sandboxes_in_use: self.sandboxes_in_use.load(Ordering::Relaxed),
            max_concurrent,
            bytecode_cache,
            permissions_denied: self.permissions_denied.load(Ordering::Relaxed),
        }
    }
}

/// Decrements the in-use gauge when the sandbox it stands for is gone.
pub(crate) struct SandboxGuard<'a>(&'a AtomicU64);

impl Drop for SandboxGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
