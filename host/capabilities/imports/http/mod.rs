//! `jsbox:sandbox/http`: outgoing requests behind the net grant, with
//! `ureq`.
//!
//! Every `send` is one hop: redirects are returned to the guest, whose
//! `fetch` follows them with a new `send`, so the grant is checked (and
//! audited) for every host a redirect leads to, by name before the request
//! and by address after resolution (`resolver.rs`). Forbidden methods and
//! headers are refused or dropped here (`headers.rs`); no proxy is used
//! unless the run names one (`proxy.rs`). Each request gets the run's
//! remaining time as its end-to-end timeout, and its network steps run on
//! the run's one fetch worker (`exchange.rs`), so a slow server cannot
//! hold the sandbox past its deadline, and a caller's cancellation reaches
//! a run waiting on the network: a request or body read still waiting at
//! the deadline ends the run as `timeout`, with the same trap an epoch
//! interrupt raises, and one waiting when the run is cancelled ends it as
//! `cancelled`.
//!
//! A run holds at most [`Limits::max_open_fetches`](crate::Limits)
//! response bodies at once (each holds a socket); the request past that is
//! refused with a `TypeError` naming the limit. Everything the run opened
//! is released with its store: [`NetSession`]'s drop shuts its agent's
//! sockets, which ends any read its worker is blocked in, and the worker
//! exits with its queue.

mod exchange;
mod headers;
mod proxy;
mod resolver;
mod tunnel;

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use ureq::BodyReader;
use ureq::unversioned::transport::{Connector, RustlsConnector, TcpConnector};
use wasmtime::Trap;
use wasmtime::component::Resource;

use self::exchange::{Stop, Worker};
pub use self::proxy::{NetProxy, NetProxyError};
use self::resolver::{DeniedAddress, GrantedResolver};
use self::tunnel::ProxyTunnel;
use crate::capabilities::bindings::jsbox::sandbox::http::{self, Error, Request, Response};
use crate::capabilities::grants::{Access, Grants, NetHost};
use crate::capabilities::state::RunState;

/// Largest chunk one body read returns.
const MAX_CHUNK_BYTES: u32 = 1 << 20;

/// A run's HTTP client, made on its first request: the agent (with the
/// run's rules in its resolver), the worker, and how many bodies are open.
pub struct NetSession {
    agent: ureq::Agent,
    worker: Worker,
    open_bodies: u32,
}

impl Drop for NetSession {
    fn drop(&mut self) {
        // Closes every socket the run opened, pooled or in use: a read the
        // worker is blocked in returns at once.
        self.agent.clone().shutdown();
    }
}

/// A response body being received: the `incoming-body` resource. The
/// reader is with the worker while a read is under way, and gone once the
/// body ended or failed.
pub struct IncomingBody {
    reader: Option<BodyReader<'static>>,
    worker: Worker,
    ended: bool,
}

type Answer = Result<ureq::http::Response<ureq::Body>, ureq::Error>;

impl http::Host for RunState {
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
        if headers::forbidden_method(&request.method) {
            return Ok(Err(Error::InvalidRequest(format!(
                "fetch: the method '{}' is forbidden",
                request.method
            ))));
        }
        let host = match url.host().map(NetHost::from_url) {
            Some(Ok(host)) => host,
            Some(Err(why)) => {
                return Ok(Err(Error::InvalidRequest(format!(
                    "fetch: the host of the URL '{url}' {why}"
                ))));
            }
            None => {
                return Ok(Err(Error::InvalidRequest(format!(
                    "fetch: the URL '{url}' has no host"
                ))));
            }
        };
        let port = url.port_or_known_default().unwrap_or(80);
        let target = crate::capabilities::grants::net_target(&host, port);
        let decision = self.grants.check_net(&host, port);
        if let Err(denied) = self.decide("http.send", Access::Net, &target, decision) {
            return Ok(Err(Error::AccessDenied(denied.message)));
        }
        let Some(remaining) = self.remaining() else {
            return Err(Trap::Interrupt.into());
        };
        let limit = self.max_open_fetches;
        let session = match self.session() {
            Ok(session) => session,
            Err(e) => {
                return Ok(Err(Error::Network(format!(
                    "fetch failed: cannot start the run's fetch worker: {e}"
                ))));
            }
        };
        if session.open_bodies >= limit {
            return Ok(Err(Error::InvalidRequest(format!(
                "fetch: this run already has {limit} response bodies open, the most \
                 Limits::max_open_fetches (--max-open-fetches) allows; read them to the end \
                 or cancel them (`await response.body.cancel()`) before fetching more"
            ))));
        }
        let (agent, worker) = (session.agent.clone(), session.worker.clone());
        let answer = match start(&agent, &worker, request, url.as_str(), remaining) {
            Ok(answer) => answer,
            Err(message) => return Ok(Err(Error::InvalidRequest(message))),
        };
        let response = match exchange::wait(&answer, &self.cancel, self.deadline) {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => return self.network_error(error),
            Err(stop) => return stop_run(stop).map(|()| Err(vanished())),
        };
        let (parts, body) = response.into_parts();
        let headers = parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = self.table().push(IncomingBody {
            reader: Some(body.into_reader()),
            worker,
            ended: false,
        })?;
        if let Some(session) = &mut self.http {
            session.open_bodies += 1;
        }
        Ok(Ok(Response {
            status: parts.status.as_u16(),
            status_text: parts.status.canonical_reason().unwrap_or("").to_owned(),
            headers,
            body,
        }))
    }
}

impl http::HostIncomingBody for RunState {
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
        let incoming = self.table().get_mut(&body)?;
        if incoming.ended {
            return Ok(Ok(None));
        }
        let Some(mut reader) = incoming.reader.take() else {
            return Ok(Err(Error::Network(
                "fetch failed: the response body failed earlier".to_owned(),
            )));
        };
        let answer = incoming.worker.submit(move || {
            let mut chunk = vec![0; max_length];
            let read = read_some(&mut reader, &mut chunk).map(|n| {
                chunk.truncate(n);
                chunk
            });
            (reader, read)
        });
        match exchange::wait(&answer, &self.cancel, self.deadline) {
            Ok((reader, Ok(chunk))) => {
                let incoming = self.table().get_mut(&body)?;
                if chunk.is_empty() {
                    incoming.ended = true;
                    return Ok(Ok(None));
                }
                incoming.reader = Some(reader);
                Ok(Ok(Some(chunk)))
            }
            Ok((_, Err(error))) => self.body_error(&error),
            Err(stop) => stop_run(stop).map(|()| Err(vanished())),
        }
    }

    fn drop(&mut self, body: Resource<IncomingBody>) -> wasmtime::Result<()> {
        self.table().delete(body)?;
        if let Some(session) = &mut self.http {
            session.open_bodies = session.open_bodies.saturating_sub(1);
        }
        Ok(())
    }
}

impl RunState {
    /// Time left before the deadline, or none if it has passed.
    fn remaining(&self) -> Option<Duration> {
        self.deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }

    /// The run's HTTP client, made on the first request.
    fn session(&mut self) -> io::Result<&mut NetSession> {
        let (grants, proxy) = (self.grants.clone(), self.net_proxy.clone());
        Ok(match &mut self.http {
            Some(session) => session,
            slot @ None => slot.insert(NetSession {
                agent: new_agent(grants, proxy.as_ref()),
                worker: Worker::start()?,
                open_bodies: 0,
            }),
        })
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
            let target = crate::capabilities::grants::net_target(
                &NetHost::Address(refused.address),
                refused.port,
            );
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
/// `Ok` for a worker that vanished, which the call reports as a network
/// error instead.
fn stop_run(stop: Stop) -> wasmtime::Result<()> {
    match stop {
        Stop::Cancelled(cancelled) => Err(cancelled.into()),
        Stop::Deadline => Err(Trap::Interrupt.into()),
        Stop::Vanished => Ok(()),
    }
}

fn vanished() -> Error {
    Error::Network("fetch failed: the run's fetch worker stopped unexpectedly".to_owned())
}

/// Reads what `reader` has, retrying a read an interrupting signal cut.
fn read_some(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buffer) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

fn new_agent(grants: Arc<Grants>, proxy: Option<&NetProxy>) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent("jsbox/0.1")
        // The guest's fetch may send any method with a body.
        .allow_non_standard_methods(true)
        // Never a proxy from the environment: the run's own is the
        // connector's first link.
        .proxy(None)
        .build();
    let connector = ProxyTunnel::new(proxy.cloned())
        .chain(TcpConnector::default())
        .chain(RustlsConnector::default());
    ureq::Agent::with_parts(config, connector, GrantedResolver::new(grants))
}

/// Starts `request` to `url` on `worker`, with `timeout` for the whole
/// exchange, forbidden headers left out; the error is a request that
/// could not be built.
fn start(
    agent: &ureq::Agent,
    worker: &Worker,
    request: Request,
    url: &str,
    timeout: Duration,
) -> Result<Receiver<Answer>, String> {
    let mut builder = ureq::http::Request::builder()
        .method(request.method.as_str())
        .uri(url);
    for (name, value) in &request.headers {
        if !headers::forbidden_header(name, value) {
            builder = builder.header(name.as_str(), value.as_str());
        }
    }
    let invalid = |e: ureq::http::Error| format!("fetch: invalid request: {e}");
    Ok(match request.body {
        Some(body) => launch(agent, worker, builder.body(body).map_err(invalid)?, timeout),
        None => launch(agent, worker, builder.body(()).map_err(invalid)?, timeout),
    })
}

/// Runs `request` on `worker` with `timeout` for all of it.
fn launch<B>(
    agent: &ureq::Agent,
    worker: &Worker,
    request: ureq::http::Request<B>,
    timeout: Duration,
) -> Receiver<Answer>
where
    B: ureq::AsSendBody + Send + 'static,
{
    let request = agent
        .configure_request(request)
        .timeout_global(Some(timeout))
        .build();
    let agent = agent.clone();
    worker.submit(move || agent.run(request))
}
