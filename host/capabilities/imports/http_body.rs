//! `jsbox:sandbox/http-body`: a handler run's streamed bodies. The request
//! body is read from the [`BodyReceiver`] the caller gave
//! [`Runtime::handle`](crate::Runtime::handle); a streamed response goes to
//! the run's [`Responder`](crate::Responder) with a [`body_channel`] whose
//! sender the guest's writes feed.
//!
//! Reads and writes wait at most until the run's deadline (epoch
//! interruption cannot stop a host call) and then end the run with the
//! trap the epoch callback raises.

use wasmtime::Trap;
use wasmtime::component::Resource;

use crate::capabilities::bindings::jsbox::sandbox::http_body::{self, BodyError};
use crate::capabilities::state::RunState;
use crate::http::SendUntilError;
use crate::{BodyReceiver, HttpBody, HttpResponse, body_channel};

/// Largest chunk one body read returns.
const MAX_CHUNK_BYTES: u32 = 1 << 20;

/// Chunks of a streamed response that wait for a slow client before the
/// guest's writes wait too.
const RESPONSE_CHUNKS_IN_FLIGHT: usize = 8;

/// The streamed request body: the `incoming-body` resource. A chunk larger
/// than a read asked for is kept for the next reads.
pub struct RequestBody {
    receiver: BodyReceiver,
    pending: Vec<u8>,
    offset: usize,
}

impl http_body::Host for RunState {
    fn request_body(&mut self) -> wasmtime::Result<Option<Resource<RequestBody>>> {
        self.count_host_call()?;
        let Some(receiver) = self.request_body.take() else {
            return Ok(None);
        };
        let body = RequestBody {
            receiver,
            pending: Vec::new(),
            offset: 0,
        };
        Ok(Some(self.table().push(body)?))
    }

    fn start(&mut self, status: u16, headers: Vec<(String, String)>) -> wasmtime::Result<()> {
        self.count_host_call()?;
        if let Some(responder) = self.responder.take() {
            let (sender, receiver) = body_channel(RESPONSE_CHUNKS_IN_FLIGHT);
            self.responded = true;
            self.response_body = Some(sender);
            responder(HttpResponse {
                status,
                headers,
                body: HttpBody::Stream(receiver),
            });
        }
        Ok(())
    }

    fn write(&mut self, chunk: Vec<u8>) -> wasmtime::Result<bool> {
        self.count_host_call()?;
        let Some(sender) = &self.response_body else {
            return Ok(false);
        };
        match sender.send_until(chunk, self.deadline) {
            Ok(()) => Ok(true),
            Err(SendUntilError::Closed) => {
                self.response_body = None;
                Ok(false)
            }
            Err(SendUntilError::TimedOut) => Err(Trap::Interrupt.into()),
        }
    }

    fn finish(&mut self) -> wasmtime::Result<()> {
        self.count_host_call()?;
        if let Some(sender) = self.response_body.take() {
            sender.finish();
        }
        Ok(())
    }
}

impl http_body::HostIncomingBody for RunState {
    fn read(
        &mut self,
        body: Resource<RequestBody>,
        max_bytes: u32,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, BodyError>> {
        self.count_host_call()?;
        let deadline = self.deadline;
        let body = self.table().get_mut(&body)?;
        let max = max_bytes.clamp(1, MAX_CHUNK_BYTES) as usize;
        if body.offset == body.pending.len() {
            let Some(received) = body.receiver.recv_until(deadline) else {
                return Err(Trap::Interrupt.into());
            };
            match received {
                Ok(Some(chunk)) => {
                    body.pending = chunk;
                    body.offset = 0;
                }
                Ok(None) => return Ok(Ok(None)),
                Err(crate::BodyError::TooLarge { limit }) => {
                    return Ok(Err(BodyError::TooLarge(format!(
                        "the request body is larger than the {limit} byte limit"
                    ))));
                }
                Err(crate::BodyError::Interrupted(message)) => {
                    return Ok(Err(BodyError::Interrupted(format!(
                        "the request body was cut short: {message}"
                    ))));
                }
            }
        }
        let end = body.pending.len().min(body.offset + max);
        let chunk = if body.offset == 0 && end == body.pending.len() {
            std::mem::take(&mut body.pending)
        } else {
            body.pending[body.offset..end].to_vec()
        };
        body.offset = if body.pending.is_empty() { 0 } else { end };
        Ok(Ok(Some(chunk)))
    }

    fn drop(&mut self, body: Resource<RequestBody>) -> wasmtime::Result<()> {
        self.table().delete(body)?;
        Ok(())
    }
}
