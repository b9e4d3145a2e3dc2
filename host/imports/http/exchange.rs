//! One outgoing request on a thread of its own, so the sandbox's thread
//! waits for it in a way it can stop waiting.
//!
//! `ureq` blocks until the network answers, and a blocked host call is out
//! of reach of the epoch callback, which is where a run notices its
//! caller's [`CancelToken`](crate::CancelToken). So the request runs on an
//! exchange thread that hands over the response head and then the body,
//! chunk by chunk, through channels; the sandbox's thread waits on those
//! with a short timeout, checking the token and the deadline between
//! waits. A cancelled or timed-out run walks away at once; the exchange
//! thread finishes on its own, bounded by the request's timeout (the run's
//! remaining time) or the moment it finds the body's receiver gone.

use std::io::{self, Read};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::time::Instant;

use ureq::http::Response;

use crate::cancel::{CANCEL_POLL, CancelToken, Cancelled};

/// How much of the body the exchange thread reads ahead of the guest.
const CHUNK_BYTES: usize = 64 * 1024;

/// What ends a wait other than an answer.
pub(super) enum Stop {
    /// The caller cancelled the run.
    Cancelled(Cancelled),
    /// The run's deadline passed.
    Deadline,
    /// The exchange thread is gone without answering (it panicked).
    Vanished,
}

/// The answer to a request: its status and headers, and the body to come.
pub(super) struct Head {
    pub response: Response<()>,
    pub body: Receiver<io::Result<Vec<u8>>>,
}

/// Runs `request` on a new thread; its head (or failure) arrives on the
/// returned receiver.
pub(super) fn start<B>(
    agent: ureq::Agent,
    request: ureq::http::Request<B>,
) -> io::Result<Receiver<Result<Head, ureq::Error>>>
where
    B: ureq::AsSendBody + Send + 'static,
{
    let (head_tx, head_rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("jsbox-fetch".to_owned())
        .spawn(move || {
            let response = match agent.run(request) {
                Ok(response) => response,
                Err(error) => {
                    let _ = head_tx.send(Err(error));
                    return;
                }
            };
            let (parts, body) = response.into_parts();
            // One chunk in the channel and one being read: enough to keep
            // the connection busy without buffering a large body.
            let (chunk_tx, chunk_rx) = mpsc::sync_channel(1);
            let head = Head {
                response: Response::from_parts(parts, ()),
                body: chunk_rx,
            };
            if head_tx.send(Ok(head)).is_ok() {
                pump(body.into_reader(), &chunk_tx);
            }
        })?;
    Ok(head_rx)
}

/// Sends the body's chunks until it ends (an empty chunk), fails, or the
/// guest drops it (the send fails).
fn pump(mut reader: impl Read, chunks: &SyncSender<io::Result<Vec<u8>>>) {
    loop {
        let mut buffer = vec![0; CHUNK_BYTES];
        let read = match reader.read(&mut buffer) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => other,
        };
        let last = !matches!(read, Ok(n) if n > 0);
        let message = read.map(|n| {
            buffer.truncate(n);
            buffer
        });
        if chunks.send(message).is_err() || last {
            return;
        }
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
