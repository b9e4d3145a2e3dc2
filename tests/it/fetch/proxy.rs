//! Proxies and the address rules, through the `jsbox` binary: proxy
//! environment variables are ignored, and with `--net-proxy` the target is
//! still resolved and checked here and the proxy asked for the checked
//! address. The proxy is a listener on 127.0.0.1 this test runs.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use crate::support::{self, jsbox_output};

/// A `CONNECT` proxy that records every connection's first line and
/// tunnels to 127.0.0.1 only.
struct Proxy {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = seen.clone();
                std::thread::spawn(move || tunnel(stream, &seen));
            }
        });
        Proxy { port, requests }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn tunnel(mut client: TcpStream, seen: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut first = String::new();
    let _ = reader.read_line(&mut first);
    seen.lock().unwrap().push(first.trim_end().to_owned());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
    }
    let target = first
        .strip_prefix("CONNECT 127.0.0.1:")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|port| port.parse::<u16>().ok());
    let Some(port) = target else {
        let _ = client.write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
        return;
    };
    let Ok(server) = TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
    let (mut to_server, mut from_server) = (server.try_clone().unwrap(), server);
    let mut to_client = client;
    std::thread::spawn(move || std::io::copy(&mut reader, &mut to_server));
    let _ = std::io::copy(&mut from_server, &mut to_client);
    // The server hung up: so does the tunnel (the reader's clone would
    // otherwise keep it open).
    let _ = to_client.shutdown(std::net::Shutdown::Both);
}

fn script(dir: &tempfile::TempDir, urls: &[String]) -> String {
    let path = dir.path().join("fetch.mjs");
    let list: Vec<String> = urls.iter().map(|url| format!("'{url}'")).collect();
    std::fs::write(
        &path,
        format!(
            "for (const url of [{}]) {{
               try {{ const r = await fetch(url); console.log(r.status, await r.text()); }}
               catch (e) {{ console.log(e.code ?? e.name); }}
             }}",
            list.join(", ")
        ),
    )
    .unwrap();
    path.display().to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn proxy_environment_variables_are_ignored() {
    let server = support::http_server::start();
    let proxy = Proxy::start();
    let dir = tempfile::tempdir().unwrap();
    let port = server.port;
    let script = script(
        &dir,
        &[
            "http://localhost:1/hello".to_owned(),
            format!("{}/hello", server.base()),
        ],
    );
    let url = proxy.url();
    let env: Vec<(&str, &str)> = [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ]
    .iter()
    .map(|name| (*name, url.as_str()))
    .collect();
    let output = jsbox_output(
        &[
            "run",
            &format!("--allow-net=localhost,127.0.0.1:{port}"),
            &script,
        ],
        &env,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    // The name resolves to loopback here, on a port no address rule
    // allows: the SSRF guard refuses it, which it could not through a
    // proxy resolving the name itself. The allowed address is reached
    // directly.
    assert_eq!(text(&output.stdout), "ERR_ACCESS_DENIED\n200 hello\n");
    assert_eq!(proxy.requests(), Vec::<String>::new());
}

#[test]
fn an_explicit_proxy_is_asked_for_the_checked_address_only() {
    let server = support::http_server::start();
    let proxy = Proxy::start();
    let dir = tempfile::tempdir().unwrap();
    let port = server.port;
    let script = script(
        &dir,
        &[
            format!("http://127.0.0.1:{port}/hello"),
            format!("http://localhost:{port}/hello"),
        ],
    );
    let net_proxy = format!("--net-proxy={}", proxy.url());
    let through = jsbox_output(
        &[
            "run",
            &net_proxy,
            &format!("--allow-net=localhost,127.0.0.1:{port}"),
            &script,
        ],
        &[],
    );
    assert_eq!(through.status.code(), Some(0), "{}", text(&through.stderr));
    assert_eq!(text(&through.stdout), "200 hello\n200 hello\n");
    let connect = format!("CONNECT 127.0.0.1:{port} HTTP/1.1");
    assert_eq!(proxy.requests(), [connect.clone(), connect.clone()]);

    // A name whose address the rules refuse never reaches the proxy.
    let refused = jsbox_output(&["run", &net_proxy, "--allow-net=localhost", &script], &[]);
    assert_eq!(refused.status.code(), Some(0), "{}", text(&refused.stderr));
    assert_eq!(
        text(&refused.stdout),
        "ERR_ACCESS_DENIED\nERR_ACCESS_DENIED\n"
    );
    assert_eq!(proxy.requests().len(), 2);
}

#[test]
fn an_https_target_is_tunnelled_to_its_checked_address() {
    // The "server" records what arrives through the tunnel: TLS needs no
    // certificate here, only that the handshake goes through the tunnel.
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let arrived = std::thread::spawn(move || {
        let (mut stream, _) = server.accept().unwrap();
        let mut first = [0u8; 1];
        std::io::Read::read_exact(&mut stream, &mut first).unwrap();
        first[0]
    });
    let proxy = Proxy::start();
    let dir = tempfile::tempdir().unwrap();
    let script = script(&dir, &[format!("https://localhost:{port}/hello")]);
    let output = jsbox_output(
        &[
            "run",
            &format!("--net-proxy={}", proxy.url()),
            &format!("--allow-net=localhost,127.0.0.1:{port}"),
            &script,
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    // The "server" hung up mid-handshake.
    assert_eq!(text(&output.stdout), "TypeError\n");
    assert_eq!(
        proxy.requests(),
        [format!("CONNECT 127.0.0.1:{port} HTTP/1.1")]
    );
    // 0x16: a TLS handshake record, the ClientHello, sent through the
    // tunnel rather than to the proxy.
    assert_eq!(arrived.join().unwrap(), 0x16);
}

#[test]
fn a_bad_proxy_url_is_a_usage_error() {
    let output = jsbox_output(&["run", "--net-proxy=socks5://127.0.0.1:1", "x.js"], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("is not a CONNECT proxy"),
        "{}",
        text(&output.stderr)
    );
}
