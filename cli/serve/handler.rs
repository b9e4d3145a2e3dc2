//! One HTTP request: its authority (a checked `Host`), its context
//! (request id, tenant, locale, trace parent), its body (read whole when
//! small, else streamed into the run, up to the size limit and within the
//! body timeout either way), admission, a sandbox run on a blocking
//! thread, the response (whole, or streamed as the handler produces it),
//! and the request's log line and metrics.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicU16, Ordering};
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full, LengthLimitError, Limited};
use hyper::body::{Body as _, Frame, Incoming};
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Request, Response, StatusCode};
use jsbox::{
    BodyError, BodyReceiver, BodySender, Execution, HttpBody, HttpRequest, HttpResponse, Outcome,
    OutcomeKind, RequestContext, RunOptions, Runtime, body_channel,
};
use serde_json::json;
use tokio::sync::oneshot;

use super::admission::{Admission, Refusal};
use super::config::ServeConfig;
use super::connection::Busy;
use super::entry::Entry;
use super::logging::{TracingAuditSink, TracingSink};
use super::metrics::ServeMetrics;
use super::request_headers::{X_REQUEST_ID, authority, locale, request_id, trace_parent};
use super::tenancy::{self, TenantRefusal};

/// Everything requests share.
pub struct App {
    pub config: ServeConfig,
    pub runtime: Runtime,
    pub admission: Arc<Admission>,
    pub metrics: ServeMetrics,
    pub app_name: Arc<str>,
    /// The entry being served: `config.entry`, or what `--watch` reloaded.
    entry: RwLock<Entry>,
}

impl App {
    pub fn new(
        config: ServeConfig,
        entry: Entry,
        runtime: Runtime,
        admission: Arc<Admission>,
        metrics: ServeMetrics,
    ) -> Self {
        App {
            app_name: config.app_name.as_str().into(),
            entry: RwLock::new(entry),
            config,
            runtime,
            admission,
            metrics,
        }
    }

    /// The entry new requests run.
    pub fn entry(&self) -> Entry {
        // A panic cannot leave an `Arc` half-written.
        self.entry
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Serves `entry` from the next request on.
    pub fn set_entry(&self, entry: Entry) {
        *self
            .entry
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = entry;
    }
}

/// The body of every response: whole, or streamed from the handler.
pub type ServeBody = Either<Full<Bytes>, StreamedBody>;

/// Request bodies declared no larger than this are read whole before the
/// run, as one copy into the guest with no channel or task; larger ones,
/// and those of unknown length, stream into the run.
const WHOLE_BODY_BYTES: u64 = 64 * 1024;

/// Chunks of a streamed request body read ahead of the handler.
const REQUEST_CHUNKS_IN_FLIGHT: usize = 4;

/// How a streamed request body was cut short by the server, if it was.
const BODY_WHOLE: u8 = 0;
const BODY_TOO_LARGE: u8 = 1;
const BODY_TIMED_OUT: u8 = 2;

/// What the request log line says about a request besides its run.
struct RequestMeta {
    request_id: String,
    tenant: Option<String>,
    trace_parent: Option<String>,
    method: String,
    path: String,
    peer: SocketAddr,
    started: Instant,
    /// Set (to `BODY_*`) when a streamed request body went over the limit
    /// or past the body timeout.
    body_cut: Option<Arc<AtomicU8>>,
}

/// Serves one request from `peer`, received on `local`; never fails
/// (errors are responses). `busy` keeps the connection counted busy while
/// a streamed request body is still being read.
pub async fn serve(
    app: Arc<App>,
    request: Request<Incoming>,
    peer: SocketAddr,
    local: SocketAddr,
    busy: Busy,
) -> Result<Response<ServeBody>, Infallible> {
    let (parts, body) = request.into_parts();
    let meta = RequestMeta {
        request_id: request_id(&parts.headers),
        tenant: None,
        trace_parent: trace_parent(&parts.headers),
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        peer,
        started: Instant::now(),
        body_cut: None,
    };
    Ok(match prepare(&app, parts, body, meta, local, busy).await {
        Ok((request, meta)) => run(app, request, meta).await,
        Err(response) => response,
    })
}

/// Methods the Fetch API refuses in `new Request` (`CONNECT` never gets
/// here: its target is not a path).
const FORBIDDEN_METHODS: [&str; 3] = ["CONNECT", "TRACE", "TRACK"];

/// The method as the Fetch API normalises it: the six usual methods in
/// upper case whatever their spelling (so `get` is a GET, without a body),
/// any other exactly as sent.
fn normalise_method(method: &str) -> String {
    const USUAL: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
    match USUAL.iter().find(|m| method.eq_ignore_ascii_case(m)) {
        Some(usual) => (*usual).to_owned(),
        None => method.to_owned(),
    }
}

/// Checks the host and the tenant, and reads a small body or starts
/// streaming a large one; refusals become responses here.
async fn prepare(
    app: &App,
    mut parts: Parts,
    body: Incoming,
    mut meta: RequestMeta,
    local: SocketAddr,
    busy: Busy,
) -> Result<(HttpRequest, RequestMeta), Response<ServeBody>> {
    let refuse = |meta: &RequestMeta, status: StatusCode, reason: &str, message: &str| {
        app.metrics.record_rejected(reason, status.as_u16());
        log_refusal(app, meta, status, reason);
        error_response(status, reason, message, &meta.request_id)
    };
    let authority = authority(&parts).map_err(|error| {
        refuse(
            &meta,
            StatusCode::BAD_REQUEST,
            "bad_host",
            &error.to_string(),
        )
    })?;
    if FORBIDDEN_METHODS
        .iter()
        .any(|m| parts.method.as_str().eq_ignore_ascii_case(m))
    {
        let message = format!(
            "the {} method is not served: a handler's Request cannot carry it",
            parts.method
        );
        let status = StatusCode::METHOD_NOT_ALLOWED;
        return Err(refuse(&meta, status, "bad_method", &message));
    }
    meta.tenant = tenancy::select(&app.config, authority.as_ref(), &parts.headers)
        .map_err(|refusal| refuse_tenant(app, &meta, &refusal))?;
    // The credential is the server's business, not the handler's.
    parts.headers.remove(&app.config.tenancy.token_header);
    let max = app.config.max_body_bytes;
    let too_large = format!("the request body is larger than the {max} byte limit");
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max) {
        let status = StatusCode::PAYLOAD_TOO_LARGE;
        return Err(refuse(&meta, status, "body_too_large", &too_large));
    }
    let body_timeout = app.config.body_timeout;
    let body = if body.is_end_stream() {
        HttpBody::Full(Vec::new())
    } else if declared.is_some_and(|length| length <= WHOLE_BODY_BYTES) {
        // Limited all the same: hyper enforces the declared length, but
        // the limit stays this function's business.
        let read = tokio::time::timeout(body_timeout, Limited::new(body, max as usize).collect());
        match read.await {
            Ok(Ok(collected)) => HttpBody::Full(collected.to_bytes().into()),
            Ok(Err(error)) if error.is::<LengthLimitError>() => {
                let status = StatusCode::PAYLOAD_TOO_LARGE;
                return Err(refuse(&meta, status, "body_too_large", &too_large));
            }
            Ok(Err(error)) => {
                let message = format!("reading the request body failed: {error}");
                return Err(refuse(&meta, StatusCode::BAD_REQUEST, "bad_body", &message));
            }
            Err(_) => {
                let (status, reason, message) = body_timed_out(body_timeout);
                let mut response = refuse(&meta, status, reason, &message);
                close_after(&mut response);
                return Err(response);
            }
        }
    } else {
        let (sender, receiver) = body_channel(REQUEST_CHUNKS_IN_FLIGHT);
        let cut = Arc::new(AtomicU8::new(BODY_WHOLE));
        let limits = BodyLimits {
            max,
            timeout: body_timeout,
        };
        tokio::spawn(pump(body, sender, limits, cut.clone(), busy));
        meta.body_cut = Some(cut);
        HttpBody::Stream(receiver)
    };
    let host = authority.map_or_else(|| local.to_string(), |a| a.to_string());
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let request = HttpRequest {
        method: normalise_method(parts.method.as_str()),
        url: format!("http://{host}{path_and_query}"),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), isomorphic_decode(value)))
            .collect(),
        body,
    };
    Ok((request, meta))
}

/// The response to a tenant refused, logged to the audit log with the
/// peer's address.
fn refuse_tenant(app: &App, meta: &RequestMeta, refusal: &TenantRefusal) -> Response<ServeBody> {
    let status = match refusal {
        TenantRefusal::BadId => StatusCode::BAD_REQUEST,
        TenantRefusal::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
        TenantRefusal::Forbidden { .. } | TenantRefusal::Mismatch { .. } => StatusCode::FORBIDDEN,
    };
    let reason = refusal.reason();
    tracing::warn!(
        target: "jsbox::audit",
        app = &*app.app_name,
        request_id = meta.request_id.as_str(),
        tenant = refusal.asked().unwrap_or(""),
        peer = %meta.peer,
        operation = "tenant",
        reason,
        "tenant refused"
    );
    app.metrics.record_rejected(reason, status.as_u16());
    log_refusal(app, meta, status, reason);
    error_response(
        status,
        reason,
        &refusal.message(&app.config),
        &meta.request_id,
    )
}

/// The status, reason and message of a body the client sent too slowly.
fn body_timed_out(timeout: Duration) -> (StatusCode, &'static str, String) {
    (
        StatusCode::REQUEST_TIMEOUT,
        "body_timeout",
        format!(
            "the request body did not arrive within the {} body timeout",
            humantime::format_duration(timeout)
        ),
    )
}

/// Asks hyper to close the connection after this response: the request's
/// body was not read to its end.
fn close_after(response: &mut Response<ServeBody>) {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
}

/// What a streamed request body may take: bytes, and time spent waiting
/// for the client.
struct BodyLimits {
    max: u64,
    timeout: Duration,
}

/// Copies a streamed request body into the run's channel, up to
/// `limits.max` bytes and waiting at most `limits.timeout` in all for the
/// client (time the handler takes to read does not count): beyond either
/// the handler's read fails and `cut` says why. Ends when the body does,
/// or when the run stops reading it; the connection stays busy until then.
async fn pump(
    mut body: Incoming,
    sender: BodySender,
    limits: BodyLimits,
    cut: Arc<AtomicU8>,
    _busy: Busy,
) {
    let mut received: u64 = 0;
    let mut waiting_left = limits.timeout;
    loop {
        let waiting_since = Instant::now();
        let Ok(frame) = tokio::time::timeout(waiting_left, body.frame()).await else {
            cut.store(BODY_TIMED_OUT, Ordering::Release);
            return sender.fail(BodyError::Interrupted(body_timed_out(limits.timeout).2));
        };
        waiting_left = waiting_left.saturating_sub(waiting_since.elapsed());
        match frame {
            None => return sender.finish(),
            Some(Ok(frame)) => {
                // Trailers carry nothing the handler sees.
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                received += data.len() as u64;
                if received > limits.max {
                    cut.store(BODY_TOO_LARGE, Ordering::Release);
                    return sender.fail(BodyError::TooLarge { limit: limits.max });
                }
                if sender.send(data.into()).await.is_err() {
                    return;
                }
            }
            Some(Err(error)) => {
                return sender.fail(BodyError::Interrupted(format!(
                    "reading the request body failed: {error}"
                )));
            }
        }
    }
}

/// Admits the request, runs it, and answers with the handler's response
/// as soon as there is one, or with the run's error.
async fn run(app: Arc<App>, request: HttpRequest, meta: RequestMeta) -> Response<ServeBody> {
    let locale = locale(&request.headers);
    let slot = match app.admission.admit().await {
        Ok(slot) => slot,
        Err(refusal) => {
            let status = StatusCode::SERVICE_UNAVAILABLE;
            let reason = refusal.reason();
            app.metrics.record_rejected(reason, status.as_u16());
            log_refusal(&app, &meta, status, reason);
            let message = match refusal {
                Refusal::QueueFull => "every sandbox is busy and the queue is full; retry later",
                Refusal::QueueTimeout => {
                    "no sandbox came free within the queue timeout; retry later"
                }
            };
            let mut response = error_response(status, reason, message, &meta.request_id);
            retry_after(&app, &mut response);
            return response;
        }
    };
    let context = RequestContext {
        tenant_id: meta.tenant.clone(),
        user: None,
        request_id: meta.request_id.clone(),
        locale,
        trace_parent: meta.trace_parent.clone(),
    };
    let (sender, receiver) = oneshot::channel();
    let (done, finished) = oneshot::channel();
    let request_id = meta.request_id.clone();
    let run_app = app.clone();
    // The blocking thread logs and counts the run itself when it ends,
    // `ctx.waitUntil` work included: neither the response nor a client that
    // goes away holds that up or skips it, and no task has to wake for it.
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let app = run_app;
        let (limits, env, grants) = app.config.for_tenant(context.tenant_id.as_deref());
        let allow_eval = app.config.allows_eval(context.tenant_id.as_deref());
        let options = RunOptions::default()
            .with_context(context)
            .with_limits(limits.clone())
            .with_grants(grants.clone())
            .with_allow_eval(allow_eval)
            .with_audit_sink(Arc::new(TracingAuditSink {
                app: app.app_name.clone(),
            }))
            .with_module_root(&app.config.module_root)
            .with_log_sink(Arc::new(TracingSink {
                app: app.app_name.clone(),
                trace_parent: meta.trace_parent.clone(),
            }));
        let options = RunOptions {
            net_proxy: app.config.net_proxy.clone(),
            ..options
        };
        let sent_status = Arc::new(AtomicU16::new(0));
        let sent = sent_status.clone();
        let responder = Box::new(move |response: HttpResponse| {
            sent.store(response.status, Ordering::Release);
            // The client may be gone; the run goes on regardless.
            let _ = sender.send(response);
        });
        let execution = app
            .entry()
            .handle(&app.runtime, request, env, options, responder);
        let status = match sent_status.load(Ordering::Acquire) {
            0 => unanswered(&app, &meta, &execution.outcome).0.as_u16(),
            status => status,
        };
        finish(&app, &meta, &execution, status);
        let _ = done.send((execution, meta));
    });
    if let Ok(response) = receiver.await {
        return to_hyper(&app, response, &request_id);
    }
    // `Runtime::handle` never panics; should the thread die all the same,
    // the request still gets an answer.
    let Ok((execution, meta)) = finished.await else {
        let (status, reason, message) = failure_status(&Outcome::Internal {
            message: String::new(),
        });
        return error_response(status, reason, message, &request_id);
    };
    let (status, reason, message) = unanswered(&app, &meta, &execution.outcome);
    let mut response = error_response(status, reason, &message, &request_id);
    if execution.outcome.kind() == OutcomeKind::Overloaded {
        retry_after(&app, &mut response);
    }
    if status == StatusCode::REQUEST_TIMEOUT {
        close_after(&mut response);
    }
    response
}

/// The status and error body of a run that ended without a response: 413
/// if the request body went over the limit while the handler read it, 408
/// if it came too slowly, else what the outcome says.
fn unanswered(
    app: &App,
    meta: &RequestMeta,
    outcome: &Outcome,
) -> (StatusCode, &'static str, String) {
    let cut = meta
        .body_cut
        .as_ref()
        .map_or(BODY_WHOLE, |cut| cut.load(Ordering::Acquire));
    if cut == BODY_TOO_LARGE {
        let max = app.config.max_body_bytes;
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body is larger than the {max} byte limit"),
        );
    }
    if cut == BODY_TIMED_OUT {
        return body_timed_out(app.config.body_timeout);
    }
    let (status, reason, message) = failure_status(outcome);
    (status, reason, message.to_owned())
}

/// Adds `Retry-After`, from the queue's expected drain time.
fn retry_after(app: &App, response: &mut Response<ServeBody>) {
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(app.admission.retry_after_secs()),
    );
}

/// The status and error body of a run that ended without a response.
fn failure_status(outcome: &Outcome) -> (StatusCode, &'static str, &'static str) {
    let kind = outcome.kind();
    let message = match kind {
        OutcomeKind::Timeout => "the handler ran past its time limit",
        OutcomeKind::CpuBudget => "the handler used up its CPU budget",
        OutcomeKind::MemoryLimit => "the handler needed more memory than its limit",
        OutcomeKind::Overloaded => "no sandbox was free; retry shortly",
        OutcomeKind::UncaughtException => "the handler threw an exception (see the server log)",
        OutcomeKind::SyntaxError => "the handler does not parse (see the server log)",
        OutcomeKind::StackOverflow => "the handler overflowed its stack",
        OutcomeKind::HostCallLimit => "the handler made more host calls than its limit",
        OutcomeKind::Cancelled => "the handler's run was cancelled",
        OutcomeKind::Exit => "the handler called process.exit before responding",
        OutcomeKind::Ok | OutcomeKind::HostError | OutcomeKind::Internal | _ => {
            "the server failed to run the handler (see the server log)"
        }
    };
    let status = match kind {
        OutcomeKind::Timeout
        | OutcomeKind::CpuBudget
        | OutcomeKind::MemoryLimit
        | OutcomeKind::HostCallLimit
        | OutcomeKind::Cancelled
        | OutcomeKind::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, kind.as_str(), message)
}

/// A JSON error body naming the kind of failure and the request id.
fn error_response(
    status: StatusCode,
    kind: &str,
    message: &str,
    request_id: &str,
) -> Response<ServeBody> {
    let body = json!({ "error": kind, "message": message, "requestId": request_id });
    let mut response = Response::new(Either::Left(Full::new(Bytes::from(body.to_string()))));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert(X_REQUEST_ID, id);
    }
    response
}

/// The handler's response for hyper. Framing headers are hyper's to set
/// (a streamed body goes out chunked).
fn to_hyper(app: &Arc<App>, response: HttpResponse, request_id: &str) -> Response<ServeBody> {
    let body = match response.body {
        HttpBody::Full(bytes) => Either::Left(Full::new(Bytes::from(bytes))),
        HttpBody::Stream(receiver) => Either::Right(StreamedBody {
            receiver,
            app: app.clone(),
            request_id: request_id.to_owned(),
        }),
    };
    let mut out = Response::new(body);
    *out.status_mut() =
        StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = out.headers_mut();
    for (name, value) in response.headers {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            isomorphic_encode(&value).and_then(|bytes| HeaderValue::from_bytes(&bytes).ok()),
        ) {
            (Ok(name), _) if is_framing(&name) => {}
            (Ok(name), Some(value)) => {
                headers.append(name, value);
            }
            _ => tracing::warn!(
                target: "jsbox::serve",
                app = &*app.app_name,
                request_id,
                header = name,
                "dropped a response header that is not valid HTTP"
            ),
        }
    }
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert(X_REQUEST_ID, id);
    }
    out
}

/// A response body the handler streams: each chunk goes to the client as
/// the handler writes it. A run that fails before finishing it ends the
/// body with an error, which makes hyper abort the response (no final
/// chunk), so the client sees it cut short; that is logged and counted.
pub struct StreamedBody {
    receiver: BodyReceiver,
    app: Arc<App>,
    request_id: String,
}

impl hyper::body::Body for StreamedBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = self.get_mut();
        this.receiver.poll_recv(cx).map(|received| match received {
            Ok(Some(chunk)) => Some(Ok(Frame::data(Bytes::from(chunk)))),
            Ok(None) => None,
            Err(error) => {
                this.app.metrics.record_aborted_response();
                tracing::warn!(
                    target: "jsbox::serve",
                    app = &*this.app.app_name,
                    request_id = this.request_id.as_str(),
                    %error,
                    "the handler's response body was cut short; aborting the response"
                );
                Some(Err(error))
            }
        })
    }
}

/// Header values are bytes; JS sees each byte as one character (Fetch's
/// "isomorphic decode"), so bytes that are not UTF-8 arrive intact.
fn isomorphic_decode(value: &HeaderValue) -> String {
    value.as_bytes().iter().map(|&b| char::from(b)).collect()
}

/// The inverse of [`isomorphic_decode`]; `None` if a character is above
/// U+00FF (the guest's `Headers` refuses those, so this is defensive).
fn isomorphic_encode(value: &str) -> Option<Vec<u8>> {
    value.chars().map(|c| u8::try_from(c).ok()).collect()
}

fn is_framing(name: &HeaderName) -> bool {
    name == header::CONTENT_LENGTH
        || name == header::TRANSFER_ENCODING
        || name == header::CONNECTION
}

/// Logs the request line and records the request's metrics.
fn finish(app: &App, meta: &RequestMeta, execution: &Execution, status: u16) {
    let elapsed = meta.started.elapsed();
    app.metrics
        .record_run(execution, status, elapsed.as_secs_f64());
    let outcome = execution.outcome.kind().as_str();
    let detail = match &execution.outcome {
        Outcome::Ok { .. } => String::new(),
        other => other.to_string(),
    };
    macro_rules! line {
        ($level:expr) => {
            tracing::event!(
                target: "jsbox::request",
                $level,
                app = &*app.app_name,
                request_id = meta.request_id.as_str(),
                tenant = meta.tenant.as_deref().unwrap_or(""),
                trace_parent = meta.trace_parent.as_deref().unwrap_or(""),
                method = meta.method.as_str(),
                path = meta.path.as_str(),
                status,
                outcome,
                wall_ms = elapsed.as_secs_f64() * 1e3,
                fuel = execution.report.fuel_consumed,
                peak_memory_bytes = execution.report.peak_memory_bytes,
                permissions_denied = execution.report.permissions_denied,
                detail = detail.as_str(),
                "request"
            )
        };
    }
    if execution.outcome.is_ok() {
        line!(tracing::Level::INFO);
    } else {
        line!(tracing::Level::WARN);
    }
}

/// Logs a request refused before it ran.
fn log_refusal(app: &App, meta: &RequestMeta, status: StatusCode, reason: &str) {
    tracing::warn!(
        target: "jsbox::request",
        app = &*app.app_name,
        request_id = meta.request_id.as_str(),
        tenant = meta.tenant.as_deref().unwrap_or(""),
        trace_parent = meta.trace_parent.as_deref().unwrap_or(""),
        method = meta.method.as_str(),
        path = meta.path.as_str(),
        status = status.as_u16(),
        outcome = "rejected",
        reason,
        wall_ms = meta.started.elapsed().as_secs_f64() * 1e3,
        "request"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_are_bytes_as_characters() {
        let value = HeaderValue::from_bytes(b"caf\xc3\xa9 \xff").unwrap();
        let text = isomorphic_decode(&value);
        assert_eq!(text, "caf\u{c3}\u{a9} \u{ff}");
        assert_eq!(isomorphic_encode(&text).unwrap(), value.as_bytes());
        assert_eq!(isomorphic_encode("snow \u{2603}"), None);
    }

    #[test]
    fn limits_are_503_and_errors_500() {
        let timeout = Outcome::Timeout {
            limit: std::time::Duration::from_millis(50),
        };
        assert_eq!(failure_status(&timeout).0, StatusCode::SERVICE_UNAVAILABLE);
        let internal = Outcome::Internal {
            message: String::new(),
        };
        assert_eq!(
            failure_status(&internal).0,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
