//! A loopback HTTP/1.1 server for tests: one thread per connection, routes
//! by path, `Connection: close` on every response.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A running server; it lives as long as the test process.
pub struct Server {
    pub port: u16,
}

impl Server {
    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Starts the server. Routes:
/// - `/hello`: 200 `hello`, text/plain;
/// - `/echo`: 200, the method, the `x-test` header and the body;
/// - `/headers`: 200, the request's header lines as received, one per
///   line, names lowercased;
/// - `/redirect`: 302 to `/hello`; `/redirect-to?URL`: 307 to `URL`;
/// - `/slow`: sends its head, then nothing for 30 s;
/// - `/stream`: chunked; sends `first`, waits until `/continue` is
///   requested, then sends `second` and ends;
/// - `/drip`: chunked; `first`, 300 ms later `second`.
pub fn start() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().unwrap().port();
    let (resume, resumed) = channel::<()>();
    let resume = Arc::new(Mutex::new(resume));
    let resumed = Arc::new(Mutex::new(resumed));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let resume = resume.clone();
            let resumed = resumed.clone();
            std::thread::spawn(move || {
                let _ = handle(stream, &resume, &resumed);
            });
        }
    });
    Server { port }
}

fn handle(
    mut stream: TcpStream,
    resume: &Mutex<Sender<()>>,
    resumed: &Mutex<Receiver<()>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().unwrap_or("").to_owned();
    let mut content_length = 0;
    let mut test_header = String::new();
    let mut header_lines = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            header_lines.push_str(&format!("{}:{value}\n", name.to_ascii_lowercase()));
            match name.to_ascii_lowercase().as_str() {
                "content-length" => content_length = value.trim().parse().unwrap_or(0),
                "x-test" => test_header = value.trim().to_owned(),
                _ => {}
            }
        }
    }
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body)?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    match path {
        "/hello" => respond(
            &mut stream,
            "200 OK",
            &[("content-type", "text/plain")],
            b"hello",
        ),
        "/echo" => {
            let text = format!("{method} {test_header} {}", String::from_utf8_lossy(&body));
            respond(&mut stream, "200 OK", &[], text.as_bytes())
        }
        "/headers" => respond(&mut stream, "200 OK", &[], header_lines.as_bytes()),
        "/redirect" => respond(&mut stream, "302 Found", &[("location", "/hello")], b""),
        "/redirect-to" => respond(
            &mut stream,
            "307 Temporary Redirect",
            &[("location", query)],
            b"",
        ),
        "/slow" => {
            stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n")?;
            stream.flush()?;
            std::thread::sleep(Duration::from_secs(30));
            Ok(())
        }
        "/stream" => {
            stream.write_all(
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n5\r\nfirst\r\n",
            )?;
            stream.flush()?;
            let _ = resumed
                .lock()
                .unwrap()
                .recv_timeout(Duration::from_secs(30));
            stream.write_all(b"6\r\nsecond\r\n0\r\n\r\n")?;
            stream.flush()
        }
        "/drip" => {
            stream.write_all(
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n5\r\nfirst\r\n",
            )?;
            stream.flush()?;
            std::thread::sleep(Duration::from_millis(300));
            stream.write_all(b"6\r\nsecond\r\n0\r\n\r\n")?;
            stream.flush()
        }
        "/continue" => {
            resume.lock().unwrap().send(()).ok();
            respond(&mut stream, "200 OK", &[], b"ok")
        }
        _ => respond(&mut stream, "404 Not Found", &[], b"no such route"),
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}
