//! Client connections: how many may be open at once, and the timeouts that
//! keep a slow or idle client from holding one.
//!
//! A connection is in one of three phases, watched by [`supervise`]:
//! - **idle**: no request in progress and no byte of the next one received
//!   (after accepting, and between keep-alive requests). It is closed after
//!   `idle_timeout`, or as soon as the listener is at its cap (the accept
//!   loop asks for the next client's room right away): an idle connection
//!   is always safe to close, so idle sockets can never keep a new client
//!   out. Closing stops once there is room, so which idle connections go
//!   depends on scheduling. A connection accepted less than
//!   [`FRESH_GRACE`] ago is not reclaimed: the accept loop asks for room as
//!   soon as the cap is reached, whether or not anyone waits, and a client
//!   just let in must get the moment it needs to send its request.
//! - **head**: the first byte of a request arrived but not yet its whole
//!   head (request line and headers). It is closed `header_timeout` after
//!   that first byte, however slowly the bytes trickle in.
//! - **busy**: a request is being read, run or answered ([`Busy`] tokens
//!   are held by the service call, the response body and the task reading
//!   a streamed request body). Its body reads are bounded by the handler
//!   (`body_timeout`), its run by the run's own limits.
//!
//! At the cap, [`Connections::room`] stops accepting: new connections wait
//! in the kernel's listen backlog (rather than being closed) and are
//! accepted as soon as a connection ends, which idle ones do at once.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;

/// How long a newly accepted connection is safe from being reclaimed at
/// the cap: long enough for any client to send its request line, short
/// enough that silent connections cannot hold the cap against new clients.
pub const FRESH_GRACE: Duration = Duration::from_secs(1);
/// The connection limits of a listener, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Client connections open at once.
    pub max_connections: u32,
    /// The longest a request head may take to arrive, from its first byte.
    pub header_timeout: Duration,
    /// The longest a connection may stay idle.
    pub idle_timeout: Duration,
}

/// The open connections of one listener, counted against the cap.
pub struct Connections {
    permits: Arc<Semaphore>,
    /// True while a new connection waits for room: idle ones then close.
    pressure: watch::Sender<bool>,
    limits: ConnectionLimits,
}

/// Why a connection was closed by the server rather than by the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// Idle for the whole idle timeout.
    IdleTimeout,
    /// A request head took longer than the header timeout.
    HeaderTimeout,
    /// Idle while the listener was at its cap and a new client waited.
    Reclaimed,
}

impl Closed {
    fn reason(self) -> &'static str {
        match self {
            Closed::IdleTimeout => "idle_timeout",
            Closed::HeaderTimeout => "header_timeout",
            Closed::Reclaimed => "reclaimed_at_connection_cap",
        }
    }
}

impl Connections {
    pub fn new(limits: ConnectionLimits) -> Self {
        Connections {
            permits: Arc::new(Semaphore::new(limits.max_connections as usize)),
            pressure: watch::Sender::new(false),
            limits,
        }
    }

    /// Room for one more connection, waiting (and asking idle connections
    /// to close) while the cap is reached. Call before accepting, so that
    /// at the cap new clients wait in the backlog.
    pub async fn room(&self) -> OwnedSemaphorePermit {
        if let Ok(permit) = self.permits.clone().try_acquire_owned() {
            return permit;
        }
        // Cleared however the wait ends, shutdown included.
        struct Relieve<'a>(&'a watch::Sender<bool>);
        impl Drop for Relieve<'_> {
            fn drop(&mut self) {
                self.0.send_replace(false);
            }
        }
        tracing::debug!(
            target: "jsbox::serve",
            max_connections = self.limits.max_connections,
            "at the connection cap: closing idle connections, new ones wait"
        );
        self.pressure.send_replace(true);
        let _relieve = Relieve(&self.pressure);
        // The semaphore is never closed.
        self.permits
            .clone()
            .acquire_owned()
            .await
            .expect("the connection semaphore is never closed")
    }

    /// Wraps an accepted stream so that its phase can be watched.
    pub fn track<T>(&self, stream: T) -> (Watched<T>, Arc<ConnState>) {
        let state = Arc::new(ConnState::new());
        (
            Watched {
                inner: stream,
                state: state.clone(),
            },
            state,
        )
    }

    /// Drives `connection` until it ends, or closes it (by dropping it)
    /// when a timeout runs out or the cap needs its room; the permit is
    /// released either way.
    pub async fn supervise<F: Future>(
        &self,
        connection: F,
        state: Arc<ConnState>,
        permit: OwnedSemaphorePermit,
    ) {
        let _permit = permit;
        let mut pressure = self.pressure.subscribe();
        let reclaimable_from = Instant::now() + FRESH_GRACE;
        tokio::pin!(connection);
        loop {
            let (phase, deadline) = state.deadline(&self.limits);
            let fresh = Instant::now() < reclaimable_from;
            tokio::select! {
                _ = &mut connection => return,
                () = state.changed.notified() => {}
                () = tokio::time::sleep_until(deadline), if phase != Phase::Busy => {
                    let (phase, deadline) = state.deadline(&self.limits);
                    if phase != Phase::Busy && deadline <= Instant::now() {
                        let closed = match phase {
                            Phase::Head => Closed::HeaderTimeout,
                            _ => Closed::IdleTimeout,
                        };
                        return log_closed(closed);
                    }
                }
                // Wakes the loop when the grace ends, to heed the cap again.
                () = tokio::time::sleep_until(reclaimable_from), if fresh && phase == Phase::Idle => {}
                // An error means the listener is gone: closing is right then too.
                _ = pressure.wait_for(|waiting| *waiting), if phase == Phase::Idle && !fresh => {
                    if state.phase() == Phase::Idle {
                        return log_closed(Closed::Reclaimed);
                    }
                }
            }
        }
    }
}

fn log_closed(closed: Closed) {
    // Debug only: a flood of slow clients must not flood the log as well.
    tracing::debug!(target: "jsbox::serve", reason = closed.reason(), "closed a connection");
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Head,
    Busy,
}

/// What a connection is doing, shared by its stream, its requests and its
/// supervisor.
pub struct ConnState {
    /// Requests read, run or answered now (held by [`Busy`] tokens).
    busy: AtomicUsize,
    /// Bytes arrived since the connection last became idle.
    head_started: AtomicBool,
    /// When the current phase began.
    since: Mutex<Instant>,
    /// Wakes the supervisor when the phase changes.
    changed: Notify,
}

impl ConnState {
    fn new() -> Self {
        ConnState {
            busy: AtomicUsize::new(0),
            head_started: AtomicBool::new(false),
            since: Mutex::new(Instant::now()),
            changed: Notify::new(),
        }
    }

    /// Marks the connection busy with a request until the token (and all
    /// its clones) are dropped.
    pub fn begin(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Ordering::AcqRel);
        self.head_started.store(false, Ordering::Release);
        self.changed.notify_one();
        Busy(self.clone())
    }

    fn phase(&self) -> Phase {
        if self.busy.load(Ordering::Acquire) > 0 {
            Phase::Busy
        } else if self.head_started.load(Ordering::Acquire) {
            Phase::Head
        } else {
            Phase::Idle
        }
    }

    /// The phase and when it times out (meaningless when busy).
    fn deadline(&self, limits: &ConnectionLimits) -> (Phase, Instant) {
        let phase = self.phase();
        let since = *self.since.lock().unwrap_or_else(|p| p.into_inner());
        let limit = match phase {
            Phase::Head => limits.header_timeout,
            Phase::Idle | Phase::Busy => limits.idle_timeout,
        };
        (phase, since + limit)
    }

    fn restart_clock(&self) {
        *self.since.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    /// Bytes arrived: if the connection was idle, a request head begins.
    fn received(&self) {
        if self.busy.load(Ordering::Acquire) == 0 && !self.head_started.swap(true, Ordering::AcqRel)
        {
            self.restart_clock();
            self.changed.notify_one();
        }
    }
}

/// Keeps a connection busy while held; clones count too.
pub struct Busy(Arc<ConnState>);

impl Clone for Busy {
    fn clone(&self) -> Self {
        self.0.busy.fetch_add(1, Ordering::AcqRel);
        Busy(self.0.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if self.0.busy.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.restart_clock();
            self.0.changed.notify_one();
        }
    }
}

/// A stream that tells its [`ConnState`] when bytes arrive.
pub struct Watched<T> {
    inner: T,
    state: Arc<ConnState>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.state.received();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A response body that keeps its connection busy until it is sent.
pub struct BusyBody<B> {
    body: B,
    _busy: Busy,
}

impl<B> BusyBody<B> {
    pub fn new(body: B, busy: Busy) -> Self {
        BusyBody { body, _busy: busy }
    }
}

impl<B: hyper::body::Body + Unpin> hyper::body::Body for BusyBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<B::Data>, B::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_follow_bytes_and_requests() {
        let limits = ConnectionLimits {
            max_connections: 1,
            header_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(60),
        };
        let state = Arc::new(ConnState::new());
        assert_eq!(state.phase(), Phase::Idle);
        state.received();
        assert_eq!(state.phase(), Phase::Head);
        let (_, deadline) = state.deadline(&limits);
        assert!(deadline <= Instant::now() + limits.header_timeout);
        let busy = state.begin();
        let body_reader = busy.clone();
        state.received();
        assert_eq!(state.phase(), Phase::Busy, "body bytes are the request's");
        drop(busy);
        assert_eq!(state.phase(), Phase::Busy, "a clone still holds it");
        drop(body_reader);
        assert_eq!(state.phase(), Phase::Idle);
    }
}
