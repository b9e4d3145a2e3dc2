//! `jsbox serve plugin.wasm`: the Rust HTTP plugin example
//! (`examples/plugins/rust-http`), built the way its README says and served
//! by the real binary, answers like a JS handler would — context, limits,
//! classified errors, metrics and log lines included.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::Value;

use crate::support::{build_plugin, jsbox};

/// `jsbox serve`, killed when dropped; its JSON log lines arrive on `lines`.
struct Server {
    child: Child,
    lines: Receiver<Value>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(entry: &Path) -> Server {
        let mut child = jsbox()
            .env("RUST_LOG", "info")
            .arg("serve")
            .arg(entry)
            .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
            .args(["--timeout", "200ms"])
            // The tests name their tenant in the bare header, as a trusted
            // front-end would.
            .arg("--trust-tenant-header")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("jsbox starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(value) = serde_json::from_str(&line) {
                    let _ = sender.send(value);
                }
            }
        });
        Server { child, lines }
    }

    /// The next log line with `message`, waiting up to 30 s.
    fn log(&self, message: &str) -> Value {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("no '{message}' log line"));
            if line["message"] == message {
                return line;
            }
        }
    }
}

/// One HTTP/1.1 exchange on a new connection: the status and the body.
fn exchange(addr: SocketAddr, head: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connects");
    write!(
        stream,
        "{head}\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("sends");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("reads");
    let status = response[9..12].parse().expect("a status code");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn the_rust_http_plugin_is_served_like_a_js_handler() {
    let out = tempfile::tempdir().expect("temp dir");
    let wasm = out.path().join("api.wasm");
    build_plugin("rust-http", &wasm);

    let server = Server::start(&wasm);
    let listening = server.log("listening");
    let addr: SocketAddr = listening["addr"].as_str().unwrap().parse().unwrap();
    let admin: SocketAddr = listening["admin_addr"].as_str().unwrap().parse().unwrap();

    let (status, body) = exchange(
        addr,
        "GET /?q=1 HTTP/1.1\r\nx-tenant-id: acme\r\nx-request-id: req-42",
        "",
    );
    assert_eq!(status, 200, "{body}");
    let json: Value = serde_json::from_str(&body).expect("a JSON body");
    assert_eq!(json["hello"], "acme");
    assert_eq!(json["requestId"], "req-42");
    // The plugin's log line and the request's carry the request id.
    let console = server.log("GET /");
    assert_eq!(console["request_id"], "req-42");
    let request = server.log("request");
    assert_eq!(request["request_id"], "req-42");
    assert_eq!(request["outcome"], "ok");

    let (status, body) = exchange(
        addr,
        "POST /echo HTTP/1.1\r\nContent-Type: text/plain",
        "hello plugin",
    );
    assert_eq!((status, body.as_str()), (200, "hello plugin"));

    // Limits hold: a looping request ends at the deadline, classified.
    let (status, body) = exchange(addr, "GET /spin HTTP/1.1", "");
    assert_eq!(status, 503, "{body}");
    let json: Value = serde_json::from_str(&body).expect("a JSON error body");
    assert_eq!(json["error"], "timeout");

    let (status, body) = exchange(addr, "GET /fail HTTP/1.1", "");
    assert_eq!(status, 500, "{body}");
    let json: Value = serde_json::from_str(&body).expect("a JSON error body");
    assert_eq!(json["error"], "uncaught_exception");

    let (status, _) = exchange(addr, "GET /missing HTTP/1.1", "");
    assert_eq!(status, 404);

    let (status, metrics) = exchange(admin, "GET /metrics HTTP/1.1", "");
    assert_eq!(status, 200);
    for counted in [
        r#"jsbox_http_requests_total{outcome="ok",status="200"} 2"#,
        r#"jsbox_http_requests_total{outcome="timeout",status="503"} 1"#,
        r#"jsbox_http_requests_total{outcome="uncaught_exception",status="500"} 1"#,
    ] {
        assert!(metrics.contains(counted), "{counted} in {metrics}");
    }
}

#[test]
fn a_component_outside_the_http_plugin_world_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wasm = dir.path().join("core.wasm");
    // A core module, not a component.
    std::fs::write(&wasm, b"\0asm\x01\0\0\0").expect("writes");
    let served = jsbox()
        .arg("serve")
        .arg(&wasm)
        .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
        .output()
        .expect("jsbox starts");
    assert_eq!(served.status.code(), Some(1));
    let log = String::from_utf8_lossy(&served.stdout);
    assert!(
        log.contains("cannot be served") && log.contains("is not a valid WebAssembly component"),
        "{log}"
    );
}
