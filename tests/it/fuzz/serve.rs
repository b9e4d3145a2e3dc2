//! Raw HTTP/1.1 bytes into the real `jsbox serve` binary on 127.0.0.1:
//! request lines, headers, chunked and sized bodies, pipelining and
//! garbage. The server must stay up, answer every connection with a
//! well-formed response or close it, and answer a good request after each
//! one.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use arbitrary::Unstructured;

use super::harness::fuzz;
use super::inputs::{self, count, index, one_in, pick};

const HANDLER: &str = "export default {
  async fetch(request) {
    const url = new URL(request.url);
    // A malformed body rejects the read; answering anyway keeps the
    // script out of the picture, so any 5xx left is the server's own.
    const body = await request.text().catch(() => '');
    return Response.json({ method: request.method, path: url.pathname, bytes: body.length,
      headers: [...request.headers].length, tenant: context.tenantId ?? null });
  },
};";

/// How long a connection may go without the server answering or closing
/// after the client has sent everything and shut its side.
const ANSWER: Duration = Duration::from_secs(30);

struct Server {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let entry = dir.path().join("handler.mjs");
        std::fs::write(&entry, HANDLER).unwrap();
        let mut child = crate::support::jsbox()
            .env("RUST_LOG", "info")
            .arg("serve")
            .arg(&entry)
            .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
            // Short connection timeouts close what a case leaves open
            // quickly; a long run timeout keeps a loaded machine from
            // turning a slow handler into a 5xx.
            .args([
                "--header-timeout",
                "1s",
                "--body-timeout",
                "1s",
                "--idle-timeout",
                "1s",
            ])
            .args(["--timeout", "20s"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("jsbox starts");
        let (found, listening) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            // Keep draining the log so the server never blocks on a full pipe.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let Ok(line) = serde_json::from_str::<serde_json::Value>(&line) else {
                    continue;
                };
                if line["message"] == "listening" {
                    let _ = found.send(line["addr"].as_str().unwrap_or_default().to_owned());
                }
            }
        });
        let addr = listening
            .recv_timeout(Duration::from_secs(120))
            .expect("jsbox serve starts listening")
            .parse()
            .expect("a socket address");
        Server {
            child,
            addr,
            _dir: dir,
        }
    }

    /// Sends `bytes` on a new connection, shuts the write side if `shut`
    /// (the server may then drop the request unanswered: a client that
    /// half-closes gives up on the answer) and returns everything the
    /// server sent until it closed.
    fn exchange(&self, bytes: &[u8], shut: bool) -> Result<Vec<u8>, String> {
        let mut stream = TcpStream::connect(self.addr).map_err(|e| format!("connect: {e}"))?;
        stream.set_read_timeout(Some(ANSWER)).unwrap();
        // The server may answer and close before reading everything.
        let _ = stream.write_all(bytes);
        if shut {
            let _ = stream.shutdown(Shutdown::Write);
        }
        let mut reply = Vec::new();
        match stream.read_to_end(&mut reply) {
            Ok(_) => Ok(reply),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Ok(reply),
            Err(e) => Err(format!(
                "no answer and no close within {ANSWER:?} ({e}); got {:?}",
                String::from_utf8_lossy(&reply)
            )),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn eol(u: &mut Unstructured<'_>) -> &'static str {
    if one_in(u, 12) {
        pick::<&str>(u, &["\n", "\r", "\n\r", ""])
    } else {
        "\r\n"
    }
}

/// Raw bytes of one request, mostly well-formed, with odd parts.
fn request(u: &mut Unstructured<'_>) -> Vec<u8> {
    if one_in(u, 15) {
        return u.arbitrary::<Vec<u8>>().unwrap_or_default();
    }
    let method = if one_in(u, 8) {
        inputs::odd_string(u)
    } else {
        pick(
            u,
            &[
                "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE",
                "PRI", "get",
            ],
        )
        .to_string()
    };
    let target = match index(u, 8) {
        0 => inputs::odd_string(u),
        1 => pick(
            u,
            &[
                "*",
                "http://127.0.0.1/echo",
                "http://a@b/x",
                "//x",
                "/%",
                "/%00",
                "/../../etc/passwd",
                "example.com:443",
            ],
        )
        .to_string(),
        2 => format!("/{}", "a".repeat(count(u, 70_000))),
        _ => format!(
            "/echo?{}",
            inputs::odd_string(u).replace([' ', '\r', '\n'], "")
        ),
    };
    let version = if one_in(u, 10) {
        *pick(
            u,
            &[
                "HTTP/1.0",
                "HTTP/2.0",
                "HTTP/1.1x",
                "",
                "http/1.1",
                "HTTP/0.9",
            ],
        )
    } else {
        "HTTP/1.1"
    };
    let mut out = format!("{method} {target} {version}{}", eol(u)).into_bytes();
    let mut headers: Vec<(String, String)> = Vec::new();
    if !one_in(u, 10) {
        let host = if one_in(u, 4) {
            pick(
                u,
                &[
                    "a@b",
                    "",
                    "127.0.0.1:99999",
                    "[::1",
                    "x y",
                    "%00",
                    "example.com, other.com",
                ],
            )
            .to_string()
        } else {
            "127.0.0.1".to_owned()
        };
        headers.push(("Host".into(), host));
    }
    let body: Vec<u8> = (0..count(u, 300))
        .map(|_| u.arbitrary::<u8>().unwrap_or(b'x'))
        .collect();
    let framing = index(u, 6);
    match framing {
        0 | 1 => headers.push(("Content-Length".into(), body.len().to_string())),
        2 => headers.push(("Transfer-Encoding".into(), "chunked".into())),
        3 => headers.push((
            "Content-Length".into(),
            pick(
                u,
                &[
                    "-1",
                    "18446744073709551616",
                    "1, 2",
                    " 5",
                    "0x10",
                    "",
                    "99999999",
                ],
            )
            .to_string(),
        )),
        4 => {
            headers.push(("Content-Length".into(), body.len().to_string()));
            headers.push((
                "Transfer-Encoding".into(),
                pick(
                    u,
                    &["chunked", "gzip, chunked", "identity", "chunked, gzip"],
                )
                .to_string(),
            ));
        }
        _ => {}
    }
    for _ in 0..count(u, 4) {
        let name = if one_in(u, 3) {
            inputs::odd_string(u)
        } else {
            pick(
                u,
                &[
                    "x-tenant-id",
                    "x-request-id",
                    "traceparent",
                    "expect",
                    "connection",
                    "upgrade",
                    "content-type",
                    "cookie",
                    "x-custom",
                ],
            )
            .to_string()
        };
        let value = match index(u, 5) {
            0 => "x".repeat(count(u, 100_000)),
            1 => pick(
                u,
                &[
                    "100-continue",
                    "close",
                    "keep-alive",
                    "h2c",
                    "websocket",
                    "\u{0}",
                    "a\r\nInjected: 1",
                ],
            )
            .to_string(),
            _ => inputs::odd_string(u),
        };
        headers.push((name, value));
    }
    for (name, value) in headers {
        if one_in(u, 20) {
            out.extend(format!("{name}{value}{}", eol(u)).into_bytes());
        } else {
            out.extend(format!("{name}: {value}{}", eol(u)).into_bytes());
        }
        if one_in(u, 30) {
            out.extend(b" folded continuation\r\n");
        }
    }
    out.extend(eol(u).as_bytes());
    if framing == 2 || (framing == 4 && one_in(u, 2)) {
        for chunk in body.chunks(1 + count(u, 100)) {
            let size = if one_in(u, 10) {
                pick(
                    u,
                    &["-1", "ffffffffffffffffff", "zz", "", "0;ext=1", "1 ", "+5"],
                )
                .to_string()
            } else {
                format!("{:x}", chunk.len())
            };
            out.extend(format!("{size}{}", eol(u)).into_bytes());
            out.extend(chunk);
            out.extend(eol(u).as_bytes());
        }
        if !one_in(u, 8) {
            out.extend(b"0\r\n");
            if one_in(u, 5) {
                out.extend(b"Trailer: x\r\n");
            }
            out.extend(b"\r\n");
        }
    } else if framing != 5 || one_in(u, 3) {
        let cut = if one_in(u, 6) {
            count(u, body.len())
        } else {
            body.len()
        };
        out.extend(&body[..cut]);
    }
    out
}

/// The status of the first response in `reply`, or an error saying why it
/// is not a well-formed HTTP/1.x response.
fn status(reply: &[u8]) -> Result<u16, String> {
    let head = reply.get(..12.min(reply.len())).unwrap_or_default();
    let ok = head.len() == 12
        && (head.starts_with(b"HTTP/1.1 ") || head.starts_with(b"HTTP/1.0 "))
        && head[9..12].iter().all(u8::is_ascii_digit);
    let text = String::from_utf8_lossy(&reply[..reply.len().min(200)]).into_owned();
    if !ok {
        return Err(format!("not an HTTP response: {text:?}"));
    }
    let status: u16 = std::str::from_utf8(&head[9..12]).unwrap().parse().unwrap();
    Ok(status)
}

const GOOD: &[u8] = b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

#[test]
fn serve_answers_or_closes_every_connection_and_stays_up() {
    let mut server = Server::start();
    let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
    fuzz("serve_http", 150, 4096, |u| {
        let mut bytes = request(u);
        if one_in(u, 5) {
            bytes.extend(request(u));
        }
        // Mostly half-closed, so a case ends at once; now and then left
        // open, so the server's own timeouts must end it.
        let reply = server.exchange(&bytes, !one_in(u, 8))?;
        let sent = || String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned();
        if !reply.is_empty() {
            let code = status(&reply).map_err(|e| format!("{e}, for {:?}", sent()))?;
            *statuses.entry(code).or_default() += 1;
            // 503 is the admission queue saying "later"; any other 5xx is
            // the server failing on client input.
            if code >= 500 && code != 503 {
                return Err(format!("status {code} for {:?}", sent()));
            }
        }
        if let Ok(Some(exit)) = server.child.try_wait() {
            return Err(format!("jsbox serve exited ({exit}) after {:?}", sent()));
        }
        let good = server.exchange(GOOD, false)?;
        match status(&good) {
            Ok(200) => Ok(()),
            other => Err(format!("a good request got {other:?} after {:?}", sent())),
        }
    });
    println!("fuzz serve_http: response statuses {statuses:?}");
}
