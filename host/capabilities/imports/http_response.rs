//! `jsbox:sandbox/http-response`: the handler's response, passed on to the
//! run's [`Responder`](crate::Responder) the moment the guest has it, with
//! its whole body (a streamed body goes through `http_body.rs`).

use crate::HttpResponse;
use crate::capabilities::bindings::jsbox::sandbox::{http_response, http_types};
use crate::capabilities::state::RunState;

impl http_types::Host for RunState {}

impl http_response::Host for RunState {
    fn respond(&mut self, response: http_types::OutgoingResponse) -> wasmtime::Result<()> {
        self.count_host_call()?;
        // Only the first response counts (this or a streamed one); the
        // guest sends at most one, and a plain `run` has no responder.
        if let Some(responder) = self.responder.take() {
            self.responded = true;
            responder(HttpResponse {
                status: response.status,
                headers: response.headers,
                body: response.body.into(),
            });
        }
        Ok(())
    }
}
