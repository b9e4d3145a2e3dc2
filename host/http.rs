//! The HTTP request and response a [`Runtime::handle`](crate::Runtime::handle)
//! run serves, independent of any HTTP library: heads as plain data, and
//! bodies that are either whole ([`HttpBody::Full`]) or streamed through a
//! bounded [`body_channel`] ([`HttpBody::Stream`]).
//!
//! A streamed request body is fed by the caller (a server copies the
//! client's body into a [`BodySender`]) while the handler reads it; a
//! streamed response body is fed by the handler while the caller copies it
//! out of the [`BodyReceiver`]. Either side may be a Tokio task or a plain
//! thread: both ends have async and blocking methods, and the channel's
//! small bound is the backpressure between them.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use flume::r#async::RecvStream;
use futures_core::Stream;

/// An HTTP request for a handler run.
#[derive(Debug, Default)]
pub struct HttpRequest {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The absolute URL the handler sees as `request.url`.
    pub url: String,
    /// Header names (lowercase) and values, in order; a repeated header
    /// appears once per value.
    pub headers: Vec<(String, String)>,
    /// The body; ignored for `GET` and `HEAD`, which cannot have one. The
    /// handler reads a [streamed](HttpBody::Stream) one as it arrives, as
    /// its `request.body` stream.
    pub body: HttpBody,
}

/// The response a handler produced.
#[derive(Debug, Default)]
pub struct HttpResponse {
    /// The status code, 200 to 599.
    pub status: u16,
    /// Header names and values, as the handler set them.
    pub headers: Vec<(String, String)>,
    /// The body: [`HttpBody::Full`] when the handler's `Response` had its
    /// bytes at once, [`HttpBody::Stream`] when it had a `ReadableStream`,
    /// whose chunks arrive as the handler produces them.
    pub body: HttpBody,
}

/// A request or response body.
#[derive(Debug)]
pub enum HttpBody {
    /// All of the body's bytes; empty when there is none.
    Full(Vec<u8>),
    /// A body that arrives in chunks while the run goes on.
    Stream(BodyReceiver),
}

impl Default for HttpBody {
    fn default() -> Self {
        HttpBody::Full(Vec::new())
    }
}

impl From<Vec<u8>> for HttpBody {
    fn from(bytes: Vec<u8>) -> Self {
        HttpBody::Full(bytes)
    }
}

impl From<&str> for HttpBody {
    fn from(text: &str) -> Self {
        HttpBody::Full(text.as_bytes().to_vec())
    }
}

impl HttpBody {
    /// The whole body, waiting for a streamed one to end (blocking the
    /// thread; never call it in a [`Responder`], which runs on the run's
    /// own thread: the handler could not produce what it waits for).
    pub fn read_to_end_blocking(self) -> Result<Vec<u8>, BodyError> {
        match self {
            HttpBody::Full(bytes) => Ok(bytes),
            HttpBody::Stream(mut receiver) => {
                let mut bytes = Vec::new();
                while let Some(chunk) = receiver.recv_blocking()? {
                    bytes.extend_from_slice(&chunk);
                }
                Ok(bytes)
            }
        }
    }
}

/// Receives a handler run's response as soon as the handler has it, on the
/// run's thread, while the run goes on with `ctx.waitUntil` work (and, for
/// a streamed body, with producing the body). Called at most once; a run
/// that fails before responding never calls it. It must not wait for a
/// streamed body itself: hand the body to another thread or task.
pub type Responder = Box<dyn FnOnce(HttpResponse) + Send>;

/// Why a streamed body ended before its end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// The body is larger than the receiving side allows; a server answers
    /// 413 (Payload Too Large).
    #[error("the body is larger than the {limit} byte limit")]
    TooLarge {
        /// The largest body allowed, in bytes.
        limit: u64,
    },
    /// The sending side stopped before the end of the body: a client that
    /// went away or sent a malformed body, or a handler run that failed
    /// (timeout, memory, exception) while producing its response.
    #[error("the body was cut short: {0}")]
    Interrupted(String),
}

/// The sending side of a body went away; nothing more can be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the receiving side of the body is gone")]
pub struct BodyClosed;

/// Why [`BodySender::send_until`] did not send.
#[derive(Debug)]
pub(crate) enum SendUntilError {
    Closed,
    TimedOut,
}

/// How the sending side ended the body; read by the receiver once the
/// channel is drained and every sender is gone.
type Ending = Arc<Mutex<Option<Result<(), BodyError>>>>;

/// A bounded channel for one streamed body: at most `capacity` chunks (at
/// least 1) wait between the sender and the receiver, so a fast sender
/// waits for a slow receiver instead of buffering the body.
///
/// ```
/// use jsbox::{HttpBody, body_channel};
///
/// let (sender, receiver) = body_channel(4);
/// std::thread::spawn(move || {
///     sender.send_blocking(b"hello ".to_vec()).unwrap();
///     sender.send_blocking(b"world".to_vec()).unwrap();
///     sender.finish();
/// });
/// let body = HttpBody::Stream(receiver).read_to_end_blocking().unwrap();
/// assert_eq!(body, b"hello world");
/// ```
pub fn body_channel(capacity: usize) -> (BodySender, BodyReceiver) {
    let (sender, receiver) = flume::bounded(capacity.max(1));
    let ending = Ending::default();
    (
        BodySender {
            sender,
            ending: ending.clone(),
        },
        BodyReceiver {
            receiver,
            ending,
            stream: None,
            ended: None,
        },
    )
}

/// Sends a streamed body's chunks. End the body with
/// [`finish`](BodySender::finish) or [`fail`](BodySender::fail); a sender
/// dropped without either ends it as [`BodyError::Interrupted`], so that a
/// body cut short never looks complete.
#[derive(Debug)]
pub struct BodySender {
    sender: flume::Sender<Vec<u8>>,
    ending: Ending,
}

impl BodySender {
    /// Sends one chunk, waiting while the channel is full.
    pub async fn send(&self, chunk: Vec<u8>) -> Result<(), BodyClosed> {
        self.sender.send_async(chunk).await.map_err(|_| BodyClosed)
    }

    /// Sends one chunk, blocking the thread while the channel is full.
    pub fn send_blocking(&self, chunk: Vec<u8>) -> Result<(), BodyClosed> {
        self.sender.send(chunk).map_err(|_| BodyClosed)
    }

    /// Like [`send_blocking`](Self::send_blocking), giving up at `deadline`.
    pub(crate) fn send_until(
        &self,
        chunk: Vec<u8>,
        deadline: Instant,
    ) -> Result<(), SendUntilError> {
        self.sender
            .send_deadline(chunk, deadline)
            .map_err(|error| match error {
                flume::SendTimeoutError::Timeout(_) => SendUntilError::TimedOut,
                flume::SendTimeoutError::Disconnected(_) => SendUntilError::Closed,
            })
    }

    /// Ends the body: the receiver gets the chunks sent so far, then the
    /// end. Never waits.
    pub fn finish(self) {
        self.end(Ok(()));
    }

    /// Ends the body with `error`, after the chunks sent so far. Never
    /// waits.
    pub fn fail(self, error: BodyError) {
        self.end(Err(error));
    }

    fn end(self, ending: Result<(), BodyError>) {
        // Set before the sender drops: the receiver reads it only once it
        // sees every sender gone.
        *lock(&self.ending) = Some(ending);
    }
}

fn lock(ending: &Ending) -> std::sync::MutexGuard<'_, Option<Result<(), BodyError>>> {
    // The value is written whole; a panic cannot leave it half-set.
    ending
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Receives a streamed body's chunks: each `recv` gives the next chunk,
/// `Ok(None)` at the end, or the error the body ended with.
#[derive(Debug)]
pub struct BodyReceiver {
    receiver: flume::Receiver<Vec<u8>>,
    ending: Ending,
    /// What `poll_recv` polls, made on its first use.
    stream: Option<RecvStream<'static, Vec<u8>>>,
    /// How the body ended, once it has.
    ended: Option<Result<(), BodyError>>,
}

impl BodyReceiver {
    /// The next chunk, waiting for it.
    pub async fn recv(&mut self) -> Result<Option<Vec<u8>>, BodyError> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The next chunk, polled (for the body type of an HTTP library).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Vec<u8>>, BodyError>> {
        if let Some(ended) = &self.ended {
            return Poll::Ready(ended.clone().map(|()| None));
        }
        let receiver = &self.receiver;
        let stream = self
            .stream
            .get_or_insert_with(|| receiver.clone().into_stream());
        match Pin::new(stream).poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(chunk) => Poll::Ready(self.take(chunk)),
        }
    }

    /// The next chunk, blocking the thread until it comes.
    pub fn recv_blocking(&mut self) -> Result<Option<Vec<u8>>, BodyError> {
        if let Some(ended) = &self.ended {
            return ended.clone().map(|()| None);
        }
        let chunk = self.receiver.recv().ok();
        self.take(chunk)
    }

    /// Like [`recv_blocking`](Self::recv_blocking), giving up (`None`) at
    /// `deadline`.
    pub(crate) fn recv_until(
        &mut self,
        deadline: Instant,
    ) -> Option<Result<Option<Vec<u8>>, BodyError>> {
        if let Some(ended) = &self.ended {
            return Some(ended.clone().map(|()| None));
        }
        match self.receiver.recv_deadline(deadline) {
            Ok(chunk) => Some(Ok(Some(chunk))),
            Err(flume::RecvTimeoutError::Timeout) => None,
            Err(flume::RecvTimeoutError::Disconnected) => Some(self.take(None)),
        }
    }

    /// What `chunk` (`None`: the channel is drained and the sender gone)
    /// means for the reader.
    fn take(&mut self, chunk: Option<Vec<u8>>) -> Result<Option<Vec<u8>>, BodyError> {
        if let Some(chunk) = chunk {
            return Ok(Some(chunk));
        }
        let ended = lock(&self.ending).take().unwrap_or_else(|| {
            Err(BodyError::Interrupted(
                "the sender went away before the end of the body".to_owned(),
            ))
        });
        self.ended = Some(ended.clone());
        self.stream = None;
        ended.map(|()| None)
    }
}
