//! `jsbox:sandbox/http`: outgoing requests behind the net grant, with
//! `ureq` (blocking, like every host call).
//!
//! Every `send` is one hop: redirects are returned to the guest, whose
//! `fetch` follows them with a new `send`, so the grant is checked (and
//! audited) for every host a redirect leads to. Each request gets the run's
//! remaining time as its end-to-end timeout (`ureq`'s global timeout, which
//! covers connecting, sending and reading the body), so a slow server
//! cannot hold the sandbox past its deadline: a request or body read that
//! is still waiting when the deadline comes ends the run as `timeout`,
//! with the same trap an epoch interrupt raises.

use std::io::Read;
use std::time::{Duration, Instant};

use wasmtime::Trap;
use wasmtime::component::Resource;

use crate::bindings::jsbox::sandbox::http::{self, Error, Request, Response};
use crate::grants::Access;
use crate::state::SandboxState;

/// Largest chunk one body read returns.
const MAX_CHUNK_BYTES: u32 = 1 << 20;

/// A response body being received: the `incoming-body` resource.
pub struct IncomingBody {
    reader: ureq::BodyReader<'static>,
}

impl http::Host for SandboxState {
    fn send(&mut self, request: Request) -> wasmtime::Result<Result<Response, Error>> {
        self.host_calls += 1;
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
        let agent = self.http_agent.get_or_insert_with(new_agent).clone();
        let result = match send(&agent, &request, url.as_str(), remaining) {
            Ok(result) => result,
            Err(message) => return Ok(Err(Error::InvalidRequest(message))),
        };
        let response = match result {
            Ok(response) => response,
            Err(error) => return self.network_error(error),
        };
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
        let reader = response.into_body().into_reader();
        let body = self.table().push(IncomingBody { reader })?;
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
        self.host_calls += 1;
        if self.remaining().is_none() {
            return Err(Trap::Interrupt.into());
        }
        let incoming = self.table().get_mut(&body)?;
        let mut buffer = vec![0; max_length.clamp(1, MAX_CHUNK_BYTES) as usize];
        let read = loop {
            match incoming.reader.read(&mut buffer) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match read {
            Ok(0) => Ok(Ok(None)),
            Ok(n) => {
                buffer.truncate(n);
                Ok(Ok(Some(buffer)))
            }
            Err(_) if self.remaining().is_none() => Err(Trap::Interrupt.into()),
            Err(e) => Ok(Err(Error::Network(format!(
                "fetch: reading the response body failed: {e}"
            )))),
        }
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

    /// A failed request: the run's end if the deadline cut it, otherwise a
    /// `network` error the script can catch.
    fn network_error(&self, error: ureq::Error) -> wasmtime::Result<Result<Response, Error>> {
        if self.remaining().is_none() || matches!(error, ureq::Error::Timeout(_)) {
            // The timeout is the run's remaining time: waiting out the
            // last instant here keeps the outcome honest.
            std::thread::sleep(self.deadline.saturating_duration_since(Instant::now()));
            return Err(Trap::Interrupt.into());
        }
        Ok(Err(Error::Network(format!("fetch failed: {error}"))))
    }
}

fn new_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent("jsbox/0.1")
        // The guest's fetch may send any method with a body.
        .allow_non_standard_methods(true)
        .build()
        .into()
}

/// Sends `request` to `url` with `timeout` for the whole exchange; the
/// outer error is a request that could not be built.
fn send(
    agent: &ureq::Agent,
    request: &Request,
    url: &str,
    timeout: Duration,
) -> Result<Result<ureq::http::Response<ureq::Body>, ureq::Error>, String> {
    let mut builder = ureq::http::Request::builder()
        .method(request.method.as_str())
        .uri(url);
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let invalid = |e: ureq::http::Error| format!("fetch: invalid request: {e}");
    Ok(match &request.body {
        Some(body) => {
            let built = builder.body(body.as_slice()).map_err(invalid)?;
            let built = agent
                .configure_request(built)
                .timeout_global(Some(timeout))
                .build();
            agent.run(built)
        }
        None => {
            let built = builder.body(()).map_err(invalid)?;
            let built = agent
                .configure_request(built)
                .timeout_global(Some(timeout))
                .build();
            agent.run(built)
        }
    })
}
