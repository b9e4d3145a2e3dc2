//! `jsbox serve` against hostile clients: slow and idle connections and the
//! connection cap, tenant selection, the `Host` header and request ids,
//! over real sockets on 127.0.0.1.

use std::net::SocketAddr;
use std::time::Duration;

use hyper::{Request, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::serve_server::{self, Reply, Server, empty, jsbox_serve, send};

/// How long a test waits for the server to close a connection before
/// concluding it never will (the timeouts under test are 1-2 s).
const CLOSE_WAIT: Duration = Duration::from_secs(30);

/// Reads `stream` until the server closes it (end of file, or a reset),
/// and returns what it sent; fails if it is still open after
/// [`CLOSE_WAIT`].
async fn read_until_closed(stream: &mut (impl AsyncReadExt + Unpin)) -> String {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let closed = tokio::time::timeout(CLOSE_WAIT, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let received = String::from_utf8_lossy(&received).into_owned();
    assert!(
        closed.is_ok(),
        "the server kept the connection open; it sent {received:?}"
    );
    received
}

/// Sends `request` as raw bytes on a new connection and returns all the
/// server sent until it closed the connection.
async fn raw(addr: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    stream.write_all(request.as_bytes()).await.expect("sends");
    read_until_closed(&mut stream).await
}

/// The status code and JSON body of a raw response.
fn status_and_json(response: &str) -> (u16, Value) {
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_and_idle_clients_are_closed_while_good_requests_are_served() {
    let server = Server::start(&[
        "--header-timeout",
        "2s",
        "--idle-timeout",
        "2s",
        "--body-timeout",
        "2s",
        "--timeout",
        "5s",
    ]);
    let addr = server.addr;
    // Connects and sends nothing.
    let idle = tokio::spawn(async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        read_until_closed(&mut stream).await
    });
    // Sends a request head one byte a second: it would take 100 s.
    let head = format!(
        "GET /echo HTTP/1.1\r\nHost: {addr}\r\nX-Slow: {}\r\n\r\n",
        "z".repeat(60)
    );
    let slow_head = tokio::spawn(async move {
        let (mut reader, mut writer) = TcpStream::connect(addr).await.unwrap().into_split();
        let trickle = tokio::spawn(async move {
            let mut sent = 0;
            for byte in head.bytes() {
                if writer.write_all(&[byte]).await.is_err() {
                    break;
                }
                sent += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            (sent, head.len())
        });
        let received = read_until_closed(&mut reader).await;
        trickle.abort();
        received
    });
    // Declares 10 body bytes, sends 3 and stalls.
    let slow_body = tokio::spawn(async move {
        raw(
            addr,
            &format!("POST /size HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 10\r\n\r\nabc"),
        )
        .await
    });
    // A keep-alive client that asks once and then says nothing more.
    let keep_alive = tokio::spawn(async move {
        raw(addr, &format!("GET /echo HTTP/1.1\r\nHost: {addr}\r\n\r\n")).await
    });
    // Meanwhile, good requests are served.
    for _ in 0..3 {
        let reply = server.get("/echo").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    }
    assert_eq!(idle.await.unwrap(), "", "an idle connection is just closed");
    assert!(
        !slow_head.await.unwrap().contains("200 OK"),
        "the slow head was never answered"
    );
    let (status, body) = status_and_json(&slow_body.await.unwrap());
    assert_eq!(
        (status, body["error"].as_str()),
        (408, Some("body_timeout"))
    );
    let answered = keep_alive.await.unwrap();
    assert!(answered.starts_with("HTTP/1.1 200 OK"), "{answered}");
    let reply = server.get("/echo").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_streamed_body_gets_408_once_the_body_timeout_is_used_up() {
    let server = Server::start(&["--body-timeout", "1s", "--timeout", "10s"]);
    let addr = server.addr;
    // Chunked, so it streams into the handler; the second chunk never comes.
    let response = raw(
        addr,
        &format!(
            "POST /stream-in HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\n\r\n\
             3\r\nabc\r\n"
        ),
    )
    .await;
    let (status, body) = status_and_json(&response);
    assert_eq!(
        (status, body["error"].as_str()),
        (408, Some("body_timeout")),
        "{response}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn at_the_connection_cap_idle_connections_make_room_for_a_new_client() {
    // Timeouts far beyond the test: only the cap can close the idle sockets.
    let server = Server::start(&[
        "--max-connections",
        "4",
        "--idle-timeout",
        "10m",
        "--header-timeout",
        "10m",
        "--timeout",
        "5s",
    ]);
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(TcpStream::connect(server.addr).await.unwrap());
    }
    // The cap is reached by sockets that say nothing: idle sockets are
    // closed to make room, and the new client is served.
    let reply = tokio::time::timeout(CLOSE_WAIT, server.get("/echo"))
        .await
        .expect("a good request is served at the cap");
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    // Room was made by closing idle sockets (every timeout is 10 minutes):
    // as many as the cap needed, which of them depends on scheduling.
    let mut closed = 0;
    for mut stream in idle {
        let mut byte = [0u8; 1];
        match tokio::time::timeout(Duration::from_secs(2), stream.read(&mut byte)).await {
            Ok(Ok(0) | Err(_)) => closed += 1,
            Ok(Ok(_)) => panic!("an idle socket was sent bytes it never asked for"),
            Err(_) => {}
        }
    }
    assert!(closed >= 1, "no idle socket was closed to make room");
    // A busy connection is not reclaimed: with a request in flight on one
    // of 4 connections, the others still get served.
    let addr = server.addr;
    let slow = tokio::spawn(async move {
        send(addr, Request::get("/slow?ms=1000").body(empty()).unwrap()).await
    });
    for _ in 0..6 {
        assert_eq!(server.get("/echo").await.status, StatusCode::OK);
    }
    assert_eq!(slow.await.unwrap().text(), "slow done");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_let_in_at_the_cap_gets_the_moment_it_needs_to_send_its_request() {
    // Found when the suite became one process: the accept loop asks for
    // room as soon as the cap is reached, and that closed the connection it
    // had just accepted, before its request arrived.
    let server = Server::start(&[
        "--max-connections",
        "2",
        "--idle-timeout",
        "10m",
        "--header-timeout",
        "10m",
        "--timeout",
        "5s",
    ]);
    let addr = server.addr;
    let slow = tokio::spawn(async move {
        send(addr, Request::get("/slow?ms=1500").body(empty()).unwrap()).await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The second connection reaches the cap; its request follows a moment
    // after connecting, as a real client's may.
    let mut stream = TcpStream::connect(server.addr).await.expect("connects");
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream
        .write_all(b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .expect("sends");
    let response = read_until_closed(&mut stream).await;
    assert_eq!(status_and_json(&response).0, 200, "{response}");
    assert_eq!(slow.await.unwrap().text(), "slow done");
}

/// Asks `/whoami` as `host` (if given) with these headers.
async fn whoami(server: &Server, host: Option<&str>, headers: &[(&str, &str)]) -> Reply {
    let mut request = Request::get("/whoami");
    if let Some(host) = host {
        request = request.header("host", host);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(server.addr, request.body(empty()).unwrap()).await
}

#[tokio::test(flavor = "multi_thread")]
async fn tenants_are_selected_by_host_or_credential_never_by_the_header_alone() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("jsbox.toml");
    std::fs::write(dir.path().join("beta.token"), "beta-secret-from-a-file\n").unwrap();
    let hashed = blake3::hash(b"gamma-secret-token-42").to_hex();
    std::fs::write(
        &config,
        format!(
            "[vars]\nGREETING = 'default'\n\
             [tenants.acme]\ntoken = 'acme-secret-token-0123'\n\
             [tenants.acme.vars]\nGREETING = 'hi acme'\n\
             [tenants.beta]\ntoken_file = 'beta.token'\n\
             [tenants.gamma]\ntoken_hash = '{hashed}'\n\
             [tenants.site]\nhosts = ['site.example.com']\n\
             [tenants.site.vars]\nGREETING = 'hi site'\n"
        ),
    )
    .unwrap();
    let mut server = Server::start(&["--config", config.to_str().unwrap()]);
    let tenant = |id: &'static str| ("x-tenant-id", id);
    let token = |secret: &'static str| ("x-tenant-token", secret);

    let reply = whoami(&server, None, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["tenantId"], Value::Null);
    assert_eq!(reply.json()["greeting"], "default");

    // Asked for without the credential: 401, audited, never the default.
    let reply = whoami(
        &server,
        None,
        &[tenant("acme"), ("x-request-id", "no-cred-1")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text());
    assert_eq!(reply.json()["error"], "tenant_unauthenticated");
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("x-tenant-token")
    );
    let audit = server
        .wait_for_log(|line| line["target"] == "jsbox::audit" && line["request_id"] == "no-cred-1");
    assert_eq!(audit["message"], "tenant refused");
    assert_eq!(audit["tenant"], "acme");
    assert_eq!(audit["reason"], "tenant_unauthenticated");
    assert!(audit["peer"].as_str().unwrap().starts_with("127.0.0.1:"));

    let reply = whoami(
        &server,
        None,
        &[tenant("acme"), token("acme-secret-token-0124")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
    assert_eq!(reply.json()["error"], "tenant_forbidden");
    // Another tenant's credential does not admit this one either.
    let reply = whoami(
        &server,
        None,
        &[tenant("beta"), token("acme-secret-token-0123")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());

    let reply = whoami(
        &server,
        None,
        &[tenant("acme"), token("acme-secret-token-0123")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["tenantId"], "acme");
    assert_eq!(reply.json()["greeting"], "hi acme");
    assert_eq!(
        reply.json()["token"],
        Value::Null,
        "the handler never sees the credential"
    );
    let reply = whoami(
        &server,
        None,
        &[tenant("beta"), token("beta-secret-from-a-file")],
    )
    .await;
    assert_eq!(reply.json()["tenantId"], "beta", "{}", reply.text());
    let reply = whoami(
        &server,
        None,
        &[tenant("gamma"), token("gamma-secret-token-42")],
    )
    .await;
    assert_eq!(reply.json()["tenantId"], "gamma", "{}", reply.text());

    // Unknown tenants and tenants without a credential: not by header.
    for (id, status) in [
        ("other", StatusCode::UNAUTHORIZED),
        ("site", StatusCode::UNAUTHORIZED),
    ] {
        let reply = whoami(&server, None, &[tenant(id)]).await;
        assert_eq!(reply.status, status, "{id}: {}", reply.text());
    }
    let reply = whoami(
        &server,
        None,
        &[tenant("other"), token("acme-secret-token-0123")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());

    // By host name: any case, any port.
    for host in ["site.example.com", "SITE.Example.com:8080"] {
        let reply = whoami(&server, Some(host), &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_eq!(reply.json()["tenantId"], "site");
        assert_eq!(reply.json()["greeting"], "hi site");
    }
    let reply = whoami(&server, Some("site.example.com"), &[tenant("site")]).await;
    assert_eq!(reply.json()["tenantId"], "site");
    let reply = whoami(
        &server,
        Some("site.example.com"),
        &[tenant("acme"), token("acme-secret-token-0123")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
    assert_eq!(reply.json()["error"], "tenant_mismatch");
}

#[test]
fn tenant_credentials_and_connection_limits_are_checked_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let entry = dir.path().join("handler.mjs");
    std::fs::write(&entry, serve_server::HANDLER).unwrap();
    let config = dir.path().join("jsbox.toml");
    let refused = |toml: &str, flags: &[&str], expected: &str| {
        std::fs::write(&config, toml).unwrap();
        let mut args = vec!["--config", config.to_str().unwrap()];
        args.extend_from_slice(flags);
        let output = jsbox_serve(&entry, &args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{toml}: {stderr}");
        assert!(stderr.contains(expected), "{toml}: {stderr}");
    };
    refused("[tenants.a]\ntoken = 'short'\n", &[], "invalid `tenants.a`");
    refused(
        "[tenants.a]\ntoken = 'long-enough-token-1'\ntoken_hash = 'ab'\n",
        &[],
        "give one of",
    );
    refused(
        "[tenants.a]\ntoken_file = 'missing.token'\n",
        &[],
        "cannot read the token file",
    );
    refused(
        "[tenants.a]\nhosts = ['x.example']\n[tenants.b]\nhosts = ['X.example']\n",
        &[],
        "already tenant 'a''s",
    );
    refused(
        "[tenants.a]\nhosts = ['x.example:80']\n",
        &[],
        "invalid `tenants.a.hosts`",
    );
    refused("", &["--max-connections", "0"], "invalid `max_connections`");
    refused("header_timeout = '0s'\n", &[], "invalid `header_timeout`");
}

/// Found by the `serve_http` fuzz target (seed 0xfd46ca8aa548b5cc): a
/// `TRACE` or a lower-case `get` made the handler's `new Request` throw,
/// so the client's request was answered 500 as the script's fault.
#[tokio::test(flavor = "multi_thread")]
async fn methods_a_request_cannot_carry_are_405_and_usual_ones_are_normalised() {
    let server = Server::start(&["--timeout", "5s"]);
    let addr = server.addr;
    for method in ["TRACE", "TRACK", "trace"] {
        let (status, body) = status_and_json(
            &raw(
                addr,
                &format!("{method} /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
            )
            .await,
        );
        assert_eq!(
            (status, body["error"].as_str()),
            (405, Some("bad_method")),
            "{method}"
        );
    }
    let (status, body) = status_and_json(
        &raw(
            addr,
            "get /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        )
        .await,
    );
    assert_eq!((status, body["method"].as_str()), (200, Some("GET")));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_host_is_refused_and_the_url_is_built_from_a_valid_one() {
    let server = Server::start(&["--timeout", "5s"]);
    let addr = server.addr;
    let request = |target: &str, host_lines: &str| {
        format!("GET {target} HTTP/1.1\r\n{host_lines}Connection: close\r\n\r\n")
    };
    for host_lines in [
        "Host: a@b\r\n",
        "Host: user:pw@127.0.0.1\r\n",
        "Host: a/b\r\n",
        "Host: a b\r\n",
        "Host: h:99999\r\n",
        "Host: h:x\r\n",
        "Host: \r\n",
        "Host: a\r\nHost: a\r\n",
        "",
    ] {
        let (status, body) = status_and_json(&raw(addr, &request("/whoami", host_lines)).await);
        assert_eq!(status, 400, "{host_lines:?}");
        assert_eq!(body["error"], "bad_host", "{host_lines:?}");
    }
    let (status, body) = status_and_json(
        &raw(
            addr,
            &request("http://other.example/whoami", "Host: 127.0.0.1\r\n"),
        )
        .await,
    );
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_host")));

    let url = |response: String| {
        let (status, body) = status_and_json(&response);
        assert_eq!(status, 200, "{response}");
        body["url"].as_str().unwrap().to_owned()
    };
    let got = url(raw(addr, &request("/whoami?q=1", "Host: Example.COM:08080\r\n")).await);
    assert_eq!(got, "http://example.com:8080/whoami?q=1");
    let got = url(raw(
        addr,
        &request("http://example.com/whoami", "Host: example.com\r\n"),
    )
    .await);
    assert_eq!(got, "http://example.com/whoami");
    // HTTP/1.0 may omit Host: the server names itself.
    let got = url(raw(addr, "GET /whoami HTTP/1.0\r\n\r\n").await);
    assert_eq!(got, format!("http://{addr}/whoami"));
}

#[tokio::test(flavor = "multi_thread")]
async fn only_request_ids_of_a_safe_shape_reach_the_handler_and_the_logs() {
    let mut server = Server::start(&["--timeout", "5s"]);
    let kept = whoami(&server, None, &[("x-request-id", "Ok-id_1.2")]).await;
    assert_eq!(kept.headers["x-request-id"], "Ok-id_1.2");
    assert_eq!(kept.json()["requestId"], "Ok-id_1.2");
    for unsafe_id in [
        "evil:id".to_owned(),
        "a=b".to_owned(),
        "{\"json\":1}".to_owned(),
        "x".repeat(129),
    ] {
        let reply = whoami(&server, None, &[("x-request-id", unsafe_id.as_str())]).await;
        let id = reply.headers["x-request-id"].to_str().unwrap().to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{unsafe_id} → {id}");
        assert_eq!(reply.json()["requestId"], id.as_str());
        server.wait_for_log(|line| {
            line["target"] == "jsbox::request" && line["request_id"] == id.as_str()
        });
    }
    let logs = server.lines.lock().unwrap().clone();
    assert!(
        !logs.iter().any(|line| line.contains("evil:id")),
        "{logs:?}"
    );
    // A malformed traceparent is dropped, not passed on.
    let reply = whoami(&server, None, &[("traceparent", "00-xyz-abc-01")]).await;
    assert_eq!(reply.json()["traceParent"], Value::Null);
}
