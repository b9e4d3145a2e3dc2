//! End-to-end tests of `jsbox serve`: the real binary on 127.0.0.1:0,
//! driven by a real HTTP client (hyper's).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Frame;
use hyper::{Request, StatusCode};
use serde_json::Value;

use crate::support::serve_server::{HANDLER, Server, empty, jsbox_serve, open, send};

/// A request body sent in chunks, with chunked transfer encoding (no
/// content-length), as a streaming client sends it.
struct Chunked(VecDeque<Bytes>);

impl Chunked {
    fn new(chunk: &'static [u8], count: usize) -> Self {
        Chunked((0..count).map(|_| Bytes::from_static(chunk)).collect())
    }
}

impl hyper::body::Body for Chunked {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.0.pop_front().map(|chunk| Ok(Frame::data(chunk))))
    }
}

fn post(path: &str, body: &'static str) -> Request<Full<Bytes>> {
    Request::post(path)
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn handler_sees_request_context_and_env() {
    // The tenant header alone names the tenant only behind a trusted front-end.
    let server = Server::start(&["--var", "GREETING=hi", "--trust-tenant-header"]);
    let request = Request::post("/echo")
        .header("x-request-id", "req-abc-1")
        .header("x-tenant-id", "acme")
        .header("accept-language", "fr-CH, fr;q=0.9")
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .header("x-custom", "custom value")
        .body(Full::new(Bytes::from_static(b"hello body")))
        .unwrap();
    let reply = send(server.addr, request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.headers["x-request-id"], "req-abc-1");
    assert_eq!(reply.headers["x-served-by"], "jsbox");
    assert_eq!(reply.headers["content-type"], "application/json");
    assert_eq!(
        reply.json(),
        serde_json::json!({
            "method": "POST", "body": "hello body", "requestId": "req-abc-1", "tenantId": "acme",
            "locale": "fr-CH", "greeting": "hi", "header": "custom value",
            "traceParent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        })
    );
    // Without an x-request-id, the server makes one up and says which.
    let reply = server.get("/echo").await;
    let id = reply.headers["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    assert_eq!(reply.json()["requestId"], id.as_str());
    // Header values are bytes: UTF-8 (or any bytes) arrive one character
    // per byte, as Fetch's Headers hold them, instead of failing the request.
    let request = Request::get("/echo")
        .header(
            "x-custom",
            hyper::header::HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
        )
        .body(empty())
        .unwrap();
    let reply = send(server.addr, request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["header"], "caf\u{c3}\u{a9}");
    assert_eq!(server.get("/nowhere").await.status, StatusCode::NOT_FOUND);
    let reply = send(server.addr, post("/size", "12345")).await;
    assert_eq!(reply.text(), "5");
}

#[tokio::test(flavor = "multi_thread")]
async fn streamed_request_bodies_are_read_up_to_the_limit() {
    // Set through the environment, as a container would. The deadline
    // leaves a loaded machine time to stream 80 chunks: this test is about
    // the size limit, not the time limit.
    let server = Server::start_with_env(&["--timeout", "5s"], &[("JSBOX_MAX_BODY", "64K")]);
    // 48 KiB in 48 chunks, without a content-length.
    let request = Request::post("/size")
        .body(Chunked::new(&[b'x'; 1024], 48))
        .unwrap();
    let reply = send(server.addr, request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "49152");
    // 80 KiB streamed: refused while reading, since no length was declared.
    let request = Request::post("/size")
        .body(Chunked::new(&[b'x'; 1024], 80))
        .unwrap();
    let reply = send(server.addr, request).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.json()["error"], "body_too_large");
    // A declared length over the limit is refused before reading.
    let big: &'static [u8] = Box::leak(vec![b'y'; 70_000].into_boxed_slice());
    let request = Request::post("/size")
        .body(Full::new(Bytes::from_static(big)))
        .unwrap();
    assert_eq!(
        send(server.addr, request).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn globals_do_not_survive_a_request() {
    let server = Server::start(&[]);
    assert_eq!(server.get("/global").await.text(), "absent");
    assert_eq!(server.get("/global").await.text(), "absent");
}

#[tokio::test(flavor = "multi_thread")]
async fn limits_end_bad_requests_while_good_ones_succeed() {
    // The deadline is long enough for a hog to reach 32 MiB on a loaded
    // machine, so each bad request ends by the limit it aims at.
    let server = Server::start(&[
        "--timeout",
        "1s",
        "--cpu",
        "10s",
        "--memory",
        "32M",
        "--max-concurrent",
        "4",
    ]);
    let bad = ["/loop", "/hog", "/throw"];
    let mut tasks = Vec::new();
    for round in 0..3 {
        for path in bad.iter().chain(&["/echo", "/echo"]) {
            let addr = server.addr;
            let request = Request::get(*path)
                .header(
                    "x-request-id",
                    format!("r{round}{}", path.replace('/', "-")),
                )
                .body(empty())
                .unwrap();
            tasks.push((
                *path,
                tokio::spawn(async move { send(addr, request).await }),
            ));
        }
    }
    for (path, task) in tasks {
        let reply = task.await.unwrap();
        let id = reply.headers["x-request-id"].to_str().unwrap().to_owned();
        let (status, kind) = match path {
            "/loop" => (StatusCode::SERVICE_UNAVAILABLE, "timeout"),
            "/hog" => (StatusCode::SERVICE_UNAVAILABLE, "memory_limit"),
            "/throw" => (StatusCode::INTERNAL_SERVER_ERROR, "uncaught_exception"),
            _ => {
                assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
                assert_eq!(reply.json()["requestId"], id.as_str());
                continue;
            }
        };
        assert_eq!(reply.status, status, "{path}: {}", reply.text());
        let body = reply.json();
        assert_eq!(body["error"], kind, "{path}");
        assert_eq!(body["requestId"], id.as_str(), "{path}");
    }
    server
        .wait_for_metric("jsbox_http_timeouts_total", 3.0)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_queue_is_refused_with_retry_after() {
    let server = Server::start(&["--max-concurrent", "1", "--queue", "1", "--timeout", "5s"]);
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let addr = server.addr;
        let request = Request::get("/slow?ms=800").body(empty()).unwrap();
        tasks.push(tokio::spawn(async move { send(addr, request).await }));
    }
    let mut ok = 0;
    let mut refused = 0;
    for task in tasks {
        let reply = task.await.unwrap();
        match reply.status {
            StatusCode::OK => ok += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(reply.headers["retry-after"], "1");
                assert_eq!(reply.json()["error"], "queue_full");
                refused += 1;
            }
            other => panic!("unexpected {other}: {}", reply.text()),
        }
    }
    // One runs, one waits for it, the other two are refused at once.
    assert_eq!((ok, refused), (2, 2));
    assert_eq!(
        server
            .metric("jsbox_http_rejected_total{reason=\"queue_full\"}")
            .await,
        2.0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_drains_in_flight_requests_then_exits_0() {
    let mut server = Server::start(&["--timeout", "5s"]);
    let addr = server.addr;
    let slow = tokio::spawn(async move {
        send(addr, Request::get("/slow?ms=700").body(empty()).unwrap()).await
    });
    server.wait_for_log(|line| line["message"] == "listening");
    // Let the request reach its sandbox before the signal.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pid = server.child.id() as libc::pid_t;
    // SAFETY: `pid` is our own child, still running (it is waited for only
    // below or on drop).
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    server.wait_for_log(|line| {
        line["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("shutting down"))
    });
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "new connections must be refused while draining"
    );
    let reply = slow.await.unwrap();
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text(), "slow done");
    let status = server.child.wait().expect("jsbox exits");
    assert_eq!(status.code(), Some(0));
    server.wait_for_log(|line| line["message"] == "drained; exiting");
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_requests_by_outcome() {
    let server = Server::start(&["--timeout", "100ms", "--cpu", "10s"]);
    let ok = "jsbox_http_requests_total{outcome=\"ok\",status=\"200\"}";
    let thrown = "jsbox_http_requests_total{outcome=\"uncaught_exception\",status=\"500\"}";
    assert_eq!(server.metric(ok).await, 0.0);
    let bytecode_hits = server.metric("jsbox_bytecode_cache_hits_total").await;
    for _ in 0..3 {
        assert_eq!(server.get("/echo").await.status, StatusCode::OK);
    }
    assert_eq!(
        server.get("/throw").await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        server.get("/loop").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    server.wait_for_metric(ok, 3.0).await;
    assert_eq!(server.metric(ok).await, 3.0);
    assert_eq!(server.metric(thrown).await, 1.0);
    assert_eq!(server.metric("jsbox_http_timeouts_total").await, 1.0);
    assert_eq!(server.metric("jsbox_runs_total{outcome=\"ok\"}").await, 3.0);
    assert_eq!(
        server
            .metric("jsbox_http_request_duration_seconds_count")
            .await,
        5.0
    );
    // The entry was compiled once, at start, and snapshotted: requests
    // start from the snapshot and need no bytecode at all.
    assert_eq!(
        server.metric("jsbox_bytecode_cache_misses_total").await,
        1.0
    );
    assert_eq!(
        server.metric("jsbox_bytecode_cache_hits_total").await,
        bytecode_hits
    );
    assert_eq!(server.metric("jsbox_sandbox_pool_capacity").await, 5.0);
    let health = send(
        server.admin,
        Request::get("/healthz").body(empty()).unwrap(),
    )
    .await;
    assert_eq!(health.status, StatusCode::OK);
    let ready = send(server.admin, Request::get("/readyz").body(empty()).unwrap()).await;
    assert_eq!(ready.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn log_lines_carry_the_request_id() {
    let mut server = Server::start(&["--trust-tenant-header"]);
    let request = Request::get("/echo")
        .header("x-request-id", "log-me-7")
        .header("x-tenant-id", "t-9")
        .body(empty())
        .unwrap();
    assert_eq!(send(server.addr, request).await.status, StatusCode::OK);
    let console = server.wait_for_log(|line| line["target"] == "jsbox::console");
    assert_eq!(console["message"], "echo GET");
    assert_eq!(console["request_id"], "log-me-7");
    assert_eq!(console["tenant"], "t-9");
    assert_eq!(console["level"], "INFO");
    let request = server.wait_for_log(|line| line["target"] == "jsbox::request");
    assert_eq!(request["request_id"], "log-me-7");
    assert_eq!(request["tenant"], "t-9");
    assert_eq!(request["method"], "GET");
    assert_eq!(request["path"], "/echo");
    assert_eq!(request["status"], 200);
    assert_eq!(request["outcome"], "ok");
    assert_eq!(request["app"], "handler");
    assert!(request["fuel"].as_u64().unwrap() > 0);
    assert!(request["peak_memory_bytes"].as_u64().unwrap() > 0);
    assert!(request["wall_ms"].as_f64().unwrap() > 0.0);
    assert!(request["timestamp"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn tenants_get_their_own_limits_and_vars() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("jsbox.toml");
    std::fs::write(
        &config,
        "trust_tenant_header = true\n\
         [limits]\ntimeout = '100ms'\n[vars]\nGREETING = 'hello'\n\
         [tenants.slowpoke.limits]\ntimeout = '2s'\n[tenants.slowpoke.vars]\nGREETING = 'hi slowpoke'\n",
    )
    .unwrap();
    let server = Server::start(&["--config", config.to_str().unwrap()]);
    let slow = |tenant: &'static str| {
        Request::get("/slow?ms=300")
            .header("x-tenant-id", tenant)
            .body(empty())
            .unwrap()
    };
    assert_eq!(
        send(server.addr, slow("slowpoke")).await.status,
        StatusCode::OK
    );
    let reply = send(server.addr, slow("other")).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.json()["error"], "timeout");
    let echo = |tenant: &'static str| {
        Request::get("/echo")
            .header("x-tenant-id", tenant)
            .body(empty())
            .unwrap()
    };
    assert_eq!(
        send(server.addr, echo("slowpoke")).await.json()["greeting"],
        "hi slowpoke"
    );
    assert_eq!(
        send(server.addr, echo("other")).await.json()["greeting"],
        "hello"
    );
    let reply = send(server.addr, echo("not a tenant!")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"], "bad_tenant");
}

#[test]
fn bad_configuration_is_refused_at_start_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let entry = dir.path().join("handler.mjs");
    std::fs::write(&entry, HANDLER).unwrap();
    let config = dir.path().join("jsbox.toml");
    std::fs::write(&config, "[limits]\ntimeout = 'soon'\n").unwrap();
    let output = jsbox_serve(&entry, &["--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid `limits.timeout`"), "{stderr}");

    std::fs::write(&config, "listn = '127.0.0.1:1'\n").unwrap();
    let output = jsbox_serve(&entry, &["--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown field `listn`"));

    std::fs::write(&entry, "export default { fetch( }").unwrap();
    let output = jsbox_serve(&entry, &[]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("cannot be served") && stdout.contains("SyntaxError"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_response_does_not_wait_for_wait_until_work() {
    let mut server = Server::start(&["--timeout", "5s"]);
    let request = Request::get("/wait-until")
        .header("x-request-id", "bg-1")
        .body(empty())
        .unwrap();
    let reply = send(server.addr, request).await;
    assert_eq!(reply.text(), "answered first");
    let background = |line: &Value| line["message"] == "background work done";
    assert!(
        !server.lines.lock().unwrap().iter().any(|line| {
            serde_json::from_str::<Value>(line).is_ok_and(|line| background(&line))
        }),
        "the response waited for the waitUntil work"
    );
    let done = server.wait_for_log(background);
    assert_eq!(done["request_id"], "bg-1");
    let logged = server.wait_for_log(|line| line["target"] == "jsbox::request");
    assert_eq!(logged["request_id"], "bg-1");
    assert_eq!(logged["outcome"], "ok");
    assert!(logged["wall_ms"].as_f64().unwrap() >= 500.0, "{logged}");
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_reloads_an_entry_that_compiles_and_keeps_one_that_does_not() {
    let mut server = Server::start(&["--watch"]);
    assert_eq!(server.get("/global").await.text(), "absent");
    std::fs::write(
        &server.entry,
        "export default { fetch() { return new Response('version 2'); } };",
    )
    .unwrap();
    server.wait_for_log(|line| line["message"] == "reloaded the entry");
    assert_eq!(server.get("/global").await.text(), "version 2");
    std::fs::write(&server.entry, "export default { fetch( }").unwrap();
    let failed = server.wait_for_log(|line| {
        line["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("reload failed"))
    });
    assert!(
        failed["error"].as_str().unwrap().contains("SyntaxError"),
        "{failed}"
    );
    assert_eq!(server.get("/global").await.text(), "version 2");
}

#[tokio::test(flavor = "multi_thread")]
async fn grants_come_from_the_tenant_and_denials_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("jsbox.toml");
    std::fs::write(
        &config,
        "trust_tenant_header = true\n\
         [limits]\ntimeout = '5s'\n[tenants.trusted.grants]\nallow_net = ['127.0.0.1:9']\n",
    )
    .unwrap();
    let mut server = Server::start(&["--config", config.to_str().unwrap()]);
    let fetch = |tenant: &'static str| {
        Request::get("/fetch")
            .header("x-tenant-id", tenant)
            .body(empty())
            .unwrap()
    };
    // Nothing is granted by default: the fetch is refused before any I/O.
    let mut request = fetch("other");
    request
        .headers_mut()
        .insert("x-request-id", "denied-1".parse().unwrap());
    assert_eq!(send(server.addr, request).await.text(), "ERR_ACCESS_DENIED");
    let denied = server.wait_for_log(|line| line["target"] == "jsbox::audit");
    assert_eq!(denied["message"], "permission denied");
    assert_eq!(denied["request_id"], "denied-1");
    assert_eq!(denied["access"], "net");
    // The trusted tenant may try; port 9 refuses the connection instead.
    let reply = send(server.addr, fetch("trusted")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_ne!(reply.text(), "ERR_ACCESS_DENIED");
    assert_ne!(reply.text(), "fetched");
    server
        .wait_for_metric("jsbox_permissions_denied_total", 1.0)
        .await;
    assert_eq!(server.metric("jsbox_permissions_denied_total").await, 1.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn large_request_bodies_stream_into_the_handler_in_chunks() {
    let server = Server::start(&["--timeout", "5s"]);
    // 512 KiB without a content-length, read by the handler as it comes.
    let request = Request::post("/stream-in")
        .body(Chunked::new(&[b'x'; 1024], 512))
        .unwrap();
    let reply = send(server.addr, request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["bytes"], 512 * 1024);
    assert!(
        reply.json()["chunks"].as_u64().unwrap() > 1,
        "{}",
        reply.text()
    );
    // 300 KB with a content-length over the whole-body threshold streams too.
    let big: &'static [u8] = Box::leak(vec![b'y'; 300_000].into_boxed_slice());
    let request = Request::post("/stream-in")
        .body(Full::new(Bytes::from_static(big)))
        .unwrap();
    let reply = send(server.addr, request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["bytes"], 300_000);
}

#[tokio::test(flavor = "multi_thread")]
async fn responses_stream_to_the_client_chunk_by_chunk() {
    let mut server = Server::start(&["--timeout", "10s"]);
    let response = open(
        server.addr,
        Request::get("/stream-out").body(empty()).unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["transfer-encoding"], "chunked");
    let mut body = response.into_body();
    let first = body
        .frame()
        .await
        .expect("a first frame")
        .expect("no error")
        .into_data()
        .expect("data");
    assert_eq!(&first[..], b"first ");
    // The handler logs before producing the second chunk, a second after
    // the first: the client has the first chunk before then.
    let produced = server
        .lines
        .lock()
        .unwrap()
        .iter()
        .any(|line| line.contains("producing the second chunk"));
    assert!(
        !produced,
        "the first chunk came only after the second was produced"
    );
    let rest = body.collect().await.expect("the rest").to_bytes();
    assert_eq!(&rest[..], b"second");
    server.wait_for_log(|line| line["message"] == "producing the second chunk");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_that_fails_mid_stream_aborts_the_response() {
    let mut server = Server::start(&["--timeout", "10s"]);
    let response = open(
        server.addr,
        Request::get("/stream-fail").body(empty()).unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK, "the head went out first");
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let received = response.into_body().collect().await;
    assert!(
        received.is_err(),
        "a cut-short body looked complete: {:?}",
        received.map(|body| body.to_bytes())
    );
    server
        .wait_for_metric("jsbox_http_responses_aborted_total", 1.0)
        .await;
    let line = server.wait_for_log(|line| {
        line["target"] == "jsbox::request" && line["request_id"] == id.as_str()
    });
    assert_eq!(line["outcome"], "uncaught_exception");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_queued_past_the_queue_timeout_gets_503_with_retry_after() {
    let server = Server::start(&[
        "--max-concurrent",
        "1",
        "--queue",
        "8",
        "--queue-timeout",
        "200ms",
        "--timeout",
        "5s",
    ]);
    let addr = server.addr;
    let slow = tokio::spawn(async move {
        send(addr, Request::get("/slow?ms=1500").body(empty()).unwrap()).await
    });
    server.wait_for_metric("jsbox_http_slots_in_use", 1.0).await;
    let reply = server.get("/echo").await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text()
    );
    assert_eq!(reply.json()["error"], "queue_timeout");
    let retry_after: u64 = reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    assert_eq!(slow.await.unwrap().status, StatusCode::OK);
    assert_eq!(
        server
            .metric("jsbox_http_rejected_total{reason=\"queue_timeout\"}")
            .await,
        1.0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_entry_and_its_imports_are_evaluated_once_at_start() {
    let files = [
        (
            "entry.mjs",
            "import { loadedAt } from './lib.mjs';
             let served = 0;
             export default { fetch() { served++; return Response.json({ loadedAt, served }); } };",
        ),
        ("lib.mjs", "export const loadedAt = Date.now();"),
    ];
    let mut server = Server::start_entry(&files, &["--timeout", "5s"], &[]);
    let first = server.get("/").await.json();
    // The import is part of the snapshot: removing it changes nothing.
    std::fs::remove_file(server.entry.with_file_name("lib.mjs")).unwrap();
    let second = server.get("/").await.json();
    assert_eq!(first["loadedAt"], second["loadedAt"]);
    assert_eq!(
        (first["served"].as_u64(), second["served"].as_u64()),
        (Some(1), Some(1))
    );
    let logs = server.lines.lock().unwrap().clone();
    assert!(
        !logs.iter().any(|line| line.contains("without a snapshot")),
        "{logs:?}"
    );
    drop(server.wait_for_log(|line| line["message"] == "request"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_entry_whose_top_level_draws_randomness_is_served_without_a_snapshot() {
    let files = [(
        "entry.mjs",
        "const id = crypto.randomUUID();
         export default { fetch() { return Response.json({ id }); } };",
    )];
    let mut server = Server::start_entry(&files, &["--timeout", "5s"], &[]);
    let warning = server.wait_for_log(|line| {
        line["message"]
            .as_str()
            .is_some_and(|message| message.starts_with("serving the entry without a snapshot"))
    });
    assert!(
        warning["outcome"]
            .as_str()
            .unwrap()
            .contains("drew randomness"),
        "{warning}"
    );
    // The top level runs in every request: no id is shared between them.
    let first = server.get("/").await.json();
    let second = server.get("/").await.json();
    assert_ne!(first["id"], second["id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_entry_whose_top_level_reads_context_is_served_without_a_snapshot() {
    let files = [(
        "entry.mjs",
        "const id = context.requestId;
         export default { fetch() { return Response.json({ id, now: context.requestId }); } };",
    )];
    let mut server = Server::start_entry(&files, &["--timeout", "5s"], &[]);
    let warning = server.wait_for_log(|line| {
        line["message"]
            .as_str()
            .is_some_and(|message| message.starts_with("serving the entry without a snapshot"))
    });
    assert!(
        warning["outcome"]
            .as_str()
            .unwrap()
            .contains("read `context`"),
        "{warning}"
    );
    // The top level runs in every request, so it sees the request's context.
    let reply = server.get("/").await.json();
    assert_eq!(reply["id"], reply["now"]);
    assert!(!reply["id"].as_str().unwrap().is_empty());
}
