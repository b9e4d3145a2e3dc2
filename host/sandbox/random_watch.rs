//! A WASI random source that notices being drawn from, for entry
//! snapshots (`prepared.rs`): a value an entry's top level derives from
//! randomness would be frozen into the snapshot and shared by every
//! request (and, through the disk cache, by every restart), so any draw
//! while the top level runs refuses the snapshot.
//!
//! The guest has no randomness of its own: every source reaches the host's
//! WASI `random` interface (the preview1 adapter's `random_get`) at the
//! moment it is used. `crypto.getRandomValues`, `crypto.randomUUID` and
//! `node:crypto` draw on each call; `Math.random` seeds its generator on
//! its first call in each run (`guest/src/math_random.rs`). Watching the
//! store's source therefore catches them all, whatever JS leads there.
//! (`wasi:random/insecure-seed`, a fixed value per store, is not
//! reachable through the adapter.)

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rand_core::TryRng;
use wasmtime_wasi::{Rng, WasiCtx};

/// Whether a store's random source was drawn from since it was armed.
#[derive(Debug, Default)]
pub struct RandomWatch {
    armed: AtomicBool,
    drawn: AtomicBool,
}

impl RandomWatch {
    /// Starts counting draws: the ones before (the guest's own
    /// `initialize`, which is the same for every run) do not count.
    pub fn arm(&self) {
        self.armed.store(true, Ordering::Relaxed);
    }

    /// Whether anything drew randomness since [`arm`](Self::arm).
    pub fn drawn(&self) -> bool {
        self.drawn.load(Ordering::Relaxed)
    }

    fn note(&self) {
        if self.armed.load(Ordering::Relaxed) {
            self.drawn.store(true, Ordering::Relaxed);
        }
    }
}

/// A WASI context with nothing granted, like every run's, whose random
/// sources report their draws to `watch`. They still give fresh random
/// bytes: what a refused preparation computed is thrown away, not served.
pub fn watched_wasi(watch: &Arc<RandomWatch>) -> WasiCtx {
    let watched = |inner| Watched {
        inner,
        watch: Arc::clone(watch),
    };
    WasiCtx::builder()
        .secure_random(watched(wasmtime_wasi::thread_rng()))
        .insecure_random(watched(wasmtime_wasi::thread_rng()))
        .build()
}

struct Watched {
    inner: Box<dyn Rng + Send>,
    watch: Arc<RandomWatch>,
}

impl TryRng for Watched {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        self.watch.note();
        self.inner.try_next_u32()
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.watch.note();
        self.inner.try_next_u64()
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.watch.note();
        self.inner.try_fill_bytes(dst)
    }
}
