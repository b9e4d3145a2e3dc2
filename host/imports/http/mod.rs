//! `jsbox:sandbox/http`: outgoing requests behind the net grant, with
//! `ureq`.
//!
//! Every `send` is one hop: redirects are returned to the guest, whose
//! `fetch` follows them with a new `send`, so the grant is checked (and
//! audited) for every host a redirect leads to, by name before the request
//! and by address after resolution (`resolver.rs`). Each request gets the
//! run's remaining time as its end-to-end timeout and runs on a thread of
//! its own (`exchange.rs`), so a slow server cannot hold the sandbox past
//! its deadline, and a caller's cancellation reaches a run waiting on the
//! network: a request or body read still waiting at the deadline ends the
//! run as `timeout`, with the same trap an epoch interrupt raises, and one
//! waiting when the run is cancelled ends it as `cancelled`.

mod exchange;
mod resolver;

use std::io;
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use ureq::unversioned::transport::DefaultConnector;
use wasmtime::Trap;
use wasmtime::component::Resource;

use self::exchange::Stop;
use self::resolver::{DeniedAddress, GrantedResolver};
use crate::bindings::jsbox::sandbox::http::{self, Error, Request, Response};
use crate::grants::{Access, Grants};
use crate::state::SandboxState;

/// Largest chunk one body read returns.
const MAX_CHUNK_BYTES: u32 = 1 << 20;

/// A response body being received: the `incoming-body` resource. Chunks
/// come from the exchange thread; `pending` holds what a read asked less
/// than a chunk of.
pub struct IncomingBody {
    chunks: Receiver<io::Result<Vec<u8>>>,
    pending: Vec<u8>,
    ended: bool,
}

impl http::Host for SandboxState {
    fn send(&mut self, request: Request) -> wasmtime::Result<Result<Response, Error>> {
        self.count_host_call()?;
        let url = match url::Url::parse(&request.url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => url,
            Ok(url) => {
                return Ok(Err(Error::InvalidRequest(format!(
                    "fetch: the scheme '{}:' is not supported; use http: or https:",
                    url.scheme()
                ))));
            }
            Err(e) => {
                return Ok(Err(Error::InvalidRequest(format!(
                    "fetch: invalid URL '{}': {e}",
                    request.url
                ))));
            }
        };
        let host = match url.host() {
            Some(url::Host::Domain(domain)) => domain.to_ascii_lowercase(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => {
                return Ok(Err(Error::InvalidRequest(format!(
                    "fetch: the URL '{url}' has no host"
                ))));
            }
        };
        let port = url.port_or_known_default().unwrap_or(80);
        let target = crate::grants::net_target(&host, port);
        let decision = self.grants.check_net(&host, port);
        if let Err(denied) = self.decide("http.send", Access::Net, &target, decision) {
            return Ok(Err(Error::AccessDenied(denied.message)));
        }
        let Some(remaining) = self.remaining() else {
            return Err(Trap::Interrupt.into());
        };
        let grants = self.grants.clone();
        let agent = self
            .http_agent
            .get_or_insert_with(|| new_agent(grants))
            .clone();
        let exchange = match start(agent, request, url.as_str(), remaining) {
            Ok(exchange) => exchange,
            Err(message) => return Ok(Err(Error::InvalidRequest(message))),
        };
        let head = match self.wait(&exchange)? {
            Some(Ok(head)) => head,
            Some(Err(error)) => return self.network_error(error),
            None => return Ok(Err(vanished())),
        };
        let response = head.response;
        let status = response.status();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = self.table().push(IncomingBody {
            chunks: head.body,
            pending: Vec::new(),
            ended: false,
        })?;
        Ok(Ok(Response {
            status: status.as_u16(),
            status_text: status.canonical_reason().unwrap_or("").to_owned(),
            headers,
            body,
        }))
    }
}

impl http::HostIncomingBody for SandboxState {
    fn read(
        &mut self,
        body: Resource<IncomingBody>,
        max_length: u32,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        self.count_host_call()?;
        if self.remaining().is_none() {
            return Err(Trap::Interrupt.into());
        }
        let max_length = max_length.clamp(1, MAX_CHUNK_BYTES) as usize;
        let (cancel, deadline) = (self.cancel.clone(), self.deadline);
        let incoming = self.table().get_mut(&body)?;
        if incoming.pending.is_empty() && !incoming.ended {
            match exchange::wait(&incoming.chunks, &cancel, deadline) {
                Ok(Ok(chunk)) if chunk.is_empty() => incoming.ended = true,
                Ok(Ok(chunk)) => incoming.pending = chunk,
                Ok(Err(error)) => return self.body_error(&error),
                Err(stop) => return stop_run(stop).map(|()| Err(vanished())),
            }
        }
        if incoming.ended {
            return Ok(Ok(None));
        }
        let rest = incoming
            .pending
            .split_off(max_length.min(incoming.pending.len()));
        Ok(Ok(Some(std::mem::replace(&mut incoming.pending, rest))))
    }

    fn drop(&mut self, body: Resource<IncomingBody>) -> wasmtime::Result<()> {
        self.table().delete(body)?;
        Ok(())
    }
}

impl SandboxState {
    /// Time left before the deadline, or none if it has passed.
    fn remaining(&self) -> Option<Duration> {
        self.deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }

    /// Waits for the exchange's head: `None` when its thread vanished;
    /// the run's end when it is cancelled or reaches its deadline first.
    fn wait<T>(&self, receiver: &Receiver<T>) -> wasmtime::Result<Option<T>> {
        match exchange::wait(receiver, &self.cancel, self.deadline) {
            Ok(answer) => Ok(Some(answer)),
            Err(stop) => stop_run(stop).map(|()| None),
        }
    }

    /// A body read that failed: the run's end if the deadline cut it,
    /// otherwise a `network` error the script can catch.
    fn body_error(&self, error: &io::Error) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        if self.remaining().is_none() {
            return Err(Trap::Interrupt.into());
        }
        Ok(Err(Error::Network(format!(
            "fetch: reading the response body failed: {error}"
        ))))
    }

    /// A failed request: a denial if the resolver refused the address, the
    /// run's end if the deadline cut it, otherwise a `network` error the
    /// script can catch.
    fn network_error(&mut self, error: ureq::Error) -> wasmtime::Result<Result<Response, Error>> {
        if let Some(refused) = DeniedAddress::find(&error) {
            let target = crate::grants::net_target(&refused.address.to_string(), refused.port);
            let denied = refused.denied.clone();
            let message = denied.message.clone();
            // Audited as the denial it is; the decision is already made.
            let _ = self.decide("http.send", Access::Net, &target, Err(denied));
            return Ok(Err(Error::AccessDenied(message)));
        }
        if self.remaining().is_none() || matches!(error, ureq::Error::Timeout(_)) {
            // The timeout is the run's remaining time: waiting out the
            // last instant here keeps the outcome honest.
            std::thread::sleep(self.deadline.saturating_duration_since(Instant::now()));
            return Err(Trap::Interrupt.into());
        }
        Ok(Err(Error::Network(format!("fetch failed: {error}"))))
    }
}

/// Ends the run for a wait that stopped: cancelled or past its deadline.
/// `Ok` for an exchange thread that vanished, which the call reports as a
/// network error instead.
fn stop_run(stop: Stop) -> wasmtime::Result<()> {
    match stop {
        Stop::Cancelled(cancelled) => Err(cancelled.into()),
        Stop::Deadline => Err(Trap::Interrupt.into()),
        Stop::Vanished => Ok(()),
    }
}

fn vanished() -> Error {
    Error::Network("fetch failed: the request's thread stopped unexpectedly".to_owned())
}

fn new_agent(grants: Arc<Grants>) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent("jsbox/0.1")
        // The guest's fetch may send any method with a body.
        .allow_non_standard_methods(true)
        .build();
    ureq::Agent::with_parts(
        config,
        DefaultConnector::default(),
        GrantedResolver::new(grants),
    )
}

/// Starts `request` to `url` with `timeout` for the whole exchange; the
/// error is a request that could not be built or started.
fn start(
    agent: ureq::Agent,
    request: Request,
    url: &str,
    timeout: Duration,
) -> Result<Receiver<Result<exchange::Head, ureq::Error>>, String> {
    let mut builder = ureq::http::Request::builder()
        .method(request.method.as_str())
        .uri(url);
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let invalid = |e: ureq::http::Error| format!("fetch: invalid request: {e}");
    match request.body {
        Some(body) => launch(agent, builder.body(body).map_err(invalid)?, timeout),
        None => launch(agent, builder.body(()).map_err(invalid)?, timeout),
    }
}

/// Starts `request` on its exchange thread with `timeout` for all of it.
fn launch<B>(
    agent: ureq::Agent,
    request: ureq::http::Request<B>,
    timeout: Duration,
) -> Result<Receiver<Result<exchange::Head, ureq::Error>>, String>
where
    B: ureq::AsSendBody + Send + 'static,
{
    let request = agent
        .configure_request(request)
        .timeout_global(Some(timeout))
        .build();
    exchange::start(agent, request).map_err(|e| format!("fetch: cannot start the request: {e}"))
}
