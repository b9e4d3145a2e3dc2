//! The `jsbox serve` test harness shared by `serve::requests` and
//! `serve::edges`: the real binary on 127.0.0.1:0, its JSON log lines, and
//! a real HTTP client (hyper's).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tempfile::TempDir;

/// How long a server may take to start listening.
pub const STARTUP: Duration = Duration::from_secs(90);

/// The entry every test serves: one route per behaviour.
pub const HANDLER: &str = r#"
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case '/echo':
        console.log('echo', request.method);
        return Response.json({
          method: request.method,
          body: await request.text(),
          requestId: context.requestId,
          tenantId: context.tenantId,
          locale: context.locale,
          traceParent: context.traceParent,
          greeting: env.GREETING,
          header: request.headers.get('x-custom'),
        }, { headers: { 'x-served-by': 'jsbox' } });
      case '/whoami':
        return Response.json({
          url: request.url,
          tenantId: context.tenantId,
          requestId: context.requestId,
          traceParent: context.traceParent,
          greeting: env.GREETING ?? null,
          token: request.headers.get('x-tenant-token'),
        });
      case '/size':
        return new Response(String((await request.bytes()).length));
      case '/global': {
        const seen = globalThis.mark ?? 'absent';
        globalThis.mark = 'set';
        return new Response(seen);
      }
      case '/loop':
        for (;;) {}
      case '/hog': {
        const keep = [];
        for (;;) keep.push(new ArrayBuffer(1 << 20));
      }
      case '/throw':
        throw new Error('handler bug');
      case '/wait-until':
        ctx.waitUntil(new Promise((resolve) => setTimeout(() => {
          console.log('background work done');
          resolve();
        }, 500)));
        return new Response('answered first');
      case '/fetch':
        try {
          await fetch('http://127.0.0.1:9/');
          return new Response('fetched');
        } catch (error) {
          return new Response(String(error.code ?? error.name));
        }
      case '/stream-in': {
        let chunks = 0;
        let bytes = 0;
        for await (const chunk of request.body) {
          chunks++;
          bytes += chunk.length;
        }
        return Response.json({ chunks, bytes });
      }
      case '/stream-out':
      case '/stream-fail': {
        let step = 0;
        return new Response(new ReadableStream({
          async pull(controller) {
            step++;
            if (step === 1) {
              controller.enqueue(new TextEncoder().encode('first '));
            } else if (step === 2) {
              await new Promise((resolve) => setTimeout(resolve, 1000));
              console.log('producing the second chunk');
              controller.enqueue(new TextEncoder().encode('second'));
            } else if (url.pathname === '/stream-fail') {
              throw new Error('the stream broke');
            } else {
              controller.close();
            }
          },
        }), { headers: { 'content-type': 'text/plain' } });
      }
      case '/slow':
        await new Promise((resolve) => setTimeout(resolve, Number(url.searchParams.get('ms'))));
        return new Response('slow done');
      default:
        return new Response('not found', { status: 404 });
    }
  },
};
"#;

pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    pub admin: SocketAddr,
    pub lines: Arc<Mutex<Vec<String>>>,
    pub entry: PathBuf,
    _dir: TempDir,
}

impl Server {
    pub fn start(args: &[&str]) -> Server {
        Server::start_with_env(args, &[])
    }

    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Server {
        Server::start_entry(&[("handler.mjs", HANDLER)], args, env)
    }

    /// Serves the first of `files` (name, source), written to a fresh
    /// directory with the others.
    pub fn start_entry(files: &[(&str, &str)], args: &[&str], env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, source) in files {
            std::fs::write(dir.path().join(name), source).expect("write the entry's files");
        }
        let entry = dir.path().join(files[0].0);
        let mut child = jsbox_serve(&entry, args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("jsbox starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().expect("piped stdout");
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let mut server = Server {
            child,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            admin: SocketAddr::from(([0, 0, 0, 0], 0)),
            lines,
            entry,
            _dir: dir,
        };
        // Starting compiles the entry's snapshot (and, on a cold cache, the
        // guest twice), which a loaded 2-core machine takes a while over.
        let listening = server.wait_for_log_within(STARTUP, |line| line["message"] == "listening");
        server.addr = listening["addr"].as_str().unwrap().parse().unwrap();
        server.admin = listening["admin_addr"].as_str().unwrap().parse().unwrap();
        server
    }

    /// The first JSON log line matching `predicate`, waiting up to 20 s.
    pub fn wait_for_log(&mut self, predicate: impl Fn(&Value) -> bool) -> Value {
        self.wait_for_log_within(Duration::from_secs(20), predicate)
    }

    /// The first JSON log line matching `predicate`, waiting up to `wait`.
    pub fn wait_for_log_within(
        &mut self,
        wait: Duration,
        predicate: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + wait;
        loop {
            let found = self
                .lines
                .lock()
                .unwrap()
                .iter()
                .filter_map(|line| serde_json::from_str::<Value>(line).ok())
                .find(|line| predicate(line));
            if let Some(line) = found {
                return line;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "jsbox serve exited with {status}: {:?}",
                    self.lines.lock().unwrap()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no such log line in {:?}",
                self.lines.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        send(self.addr, Request::get(path).body(empty()).unwrap()).await
    }

    pub async fn metric(&self, name: &str) -> f64 {
        let reply = send(self.admin, Request::get("/metrics").body(empty()).unwrap()).await;
        assert_eq!(reply.status, StatusCode::OK);
        reply
            .text()
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0.0)
    }

    /// Waits until metric `name` is at least `value`: runs that answered
    /// are counted when they end, just after their response.
    pub async fn wait_for_metric(&self, name: &str, value: f64) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.metric(name).await < value {
            assert!(Instant::now() < deadline, "{name} stayed below {value}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn jsbox_serve(entry: &Path, args: &[&str]) -> Command {
    let mut command = super::jsbox();
    command.env("RUST_LOG", "info");
    command.arg("serve").arg(entry);
    command.args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"]);
    command.args(args);
    command
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("UTF-8 body")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// Sends one request on a new connection.
pub async fn send<B>(addr: SocketAddr, request: Request<B>) -> Reply
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = open(addr, request).await.into_parts();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.expect("the body").to_bytes(),
    }
}

/// Sends one request on a new connection (to `Host: addr` unless the
/// request names a host); the response with its body still arriving.
pub async fn open<B>(addr: SocketAddr, mut request: Request<B>) -> hyper::Response<Incoming>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connects");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("HTTP handshake");
    tokio::spawn(connection);
    if !request.headers().contains_key(hyper::header::HOST) {
        request
            .headers_mut()
            .insert(hyper::header::HOST, addr.to_string().parse().unwrap());
    }
    sender.send_request(request).await.expect("a response")
}

pub fn empty() -> Full<Bytes> {
    Full::default()
}
