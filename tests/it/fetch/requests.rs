//! Global `fetch` over the host's `http` interface: the net grant, the
//! audit log, redirects re-checked per hop, streaming bodies and the
//! deadline, against a loopback server started by the test.

use std::sync::OnceLock;
use std::time::Duration;

use crate::support::http_server::{self, Server};
use crate::support::{Ran, run_audited, runtime};
use jsbox::{CancelToken, Decision, Grants, Limits, OutcomeKind, RunOptions, Script};

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(http_server::start)
}

/// Runs `source` as a module with `BASE` defined as the server's URL.
fn run(source: &str, grants: Grants, timeout: Duration) -> Ran {
    run_with(source, grants, timeout, CancelToken::new())
}

/// [`run`], cancelled through `cancel`.
fn run_with(source: &str, grants: Grants, timeout: Duration, cancel: CancelToken) -> Ran {
    let limits = Limits {
        timeout,
        ..Limits::default()
    };
    run_full(source, grants, limits, cancel)
}

/// [`run`] with `limits` and the loopback grant.
fn run_limited(source: &str, limits: Limits) -> Ran {
    run_full(source, loopback(), limits, CancelToken::new())
}

fn run_full(source: &str, grants: Grants, limits: Limits, cancel: CancelToken) -> Ran {
    let source = format!("const BASE = '{}';\n{source}", server().base());
    run_audited(
        &Script::module("fetch.mjs", source),
        RunOptions::default()
            .with_grants(grants)
            .with_cancel_token(cancel)
            .with_limits(limits),
    )
}

fn loopback() -> Grants {
    Grants::builder()
        .allow_net([format!("127.0.0.1:{}", server().port)])
        .build()
        .unwrap()
}

#[test]
fn an_allowed_host_is_fetched_and_audited() {
    let ran = run(
        "const r = await fetch(BASE + '/hello');
         console.log(r.status, r.ok, r.statusText, r.type, r.url === BASE + '/hello', r.redirected);
         console.log(r.headers.get('content-type'), await r.text(), r.bodyUsed);
         const post = await fetch(BASE + '/echo', { method: 'POST', body: 'payload', headers: { 'x-test': 'yes' } });
         console.log(await post.text());",
        loopback(),
        Duration::from_secs(10),
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    assert_eq!(
        ran.logs,
        [
            "200 true OK basic true false",
            "text/plain hello true",
            "POST yes payload"
        ]
    );
    let events = ran.audit.events();
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| e.decision == Decision::Allowed
        && e.operation == "http.send"
        && e.target == format!("127.0.0.1:{}", server().port)));
    assert_eq!(ran.report.permissions_denied, 0);
}

#[test]
fn a_host_outside_the_grant_is_denied_audited_and_counted() {
    let before = runtime().metrics().permissions_denied;
    let ran = run(
        "try { await fetch(BASE + '/hello'); } catch (e) {
           console.log(e.code, e.message);
         }
         console.log('still running');",
        Grants::builder()
            .allow_net(["example.com"])
            .build()
            .unwrap(),
        Duration::from_secs(10),
    );
    let port = server().port;
    assert_eq!(ran.outcome, OutcomeKind::Ok);
    assert_eq!(
        ran.logs,
        [
            format!(
                "ERR_ACCESS_DENIED Requires net access to \"127.0.0.1:{port}\", run again with \
                 --allow-net=127.0.0.1:{port}"
            ),
            "still running".to_owned(),
        ]
    );
    let events = ran.audit.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].decision, Decision::Denied);
    assert_eq!(
        events[0].permission,
        format!("--allow-net=127.0.0.1:{port}")
    );
    assert_eq!(ran.report.permissions_denied, 1);
    assert!(runtime().metrics().permissions_denied > before);
}

#[test]
fn redirects_are_followed_and_every_hop_is_checked() {
    let port = server().port;
    let ran = run(
        &format!(
            "const r = await fetch(BASE + '/redirect');
             console.log(r.status, r.redirected, r.url === BASE + '/hello', await r.text());
             const manual = await fetch(BASE + '/redirect', {{ redirect: 'manual' }});
             console.log(manual.status, manual.headers.get('location'));
             try {{ await fetch(BASE + '/redirect-to?http://localhost:{port}/hello'); }}
             catch (e) {{ console.log(e.code); }}"
        ),
        loopback(),
        Duration::from_secs(10),
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    assert_eq!(
        ran.logs,
        ["200 true true hello", "302 /hello", "ERR_ACCESS_DENIED"]
    );
    let decisions: Vec<_> = ran
        .audit
        .events()
        .iter()
        .map(|e| (e.target.clone(), e.decision))
        .collect();
    let here = format!("127.0.0.1:{port}");
    assert_eq!(
        decisions,
        [
            (here.clone(), Decision::Allowed),
            (here.clone(), Decision::Allowed),
            (here.clone(), Decision::Allowed),
            (here, Decision::Allowed),
            (format!("localhost:{port}"), Decision::Denied),
        ]
    );
}

#[test]
fn a_streamed_body_arrives_chunk_by_chunk() {
    // The server sends the second chunk only after `/continue` is
    // requested: a fetch that buffered the whole body would wait for it
    // forever and the run would time out.
    let ran = run(
        "const r = await fetch(BASE + '/stream');
         const reader = r.body.getReader();
         const decoder = new TextDecoder();
         const first = await reader.read();
         console.log(decoder.decode(first.value), r.bodyUsed);
         await (await fetch(BASE + '/continue')).text();
         for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
           console.log(decoder.decode(chunk.value));
         }
         const again = await fetch(BASE + '/hello');
         for await (const chunk of again.body) console.log('iterated', decoder.decode(chunk));",
        loopback(),
        Duration::from_secs(10),
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    assert_eq!(ran.logs, ["first true", "second", "iterated hello"]);
}

#[test]
fn a_slow_server_is_cut_at_the_deadline() {
    let ran = run(
        "const r = await fetch(BASE + '/slow');
         console.log('head arrived');
         await r.text();
         console.log('unreachable');",
        loopback(),
        Duration::from_millis(700),
    );
    assert_eq!(ran.outcome, OutcomeKind::Timeout, "{:?}", ran.logs);
    assert_eq!(ran.logs, ["head arrived"]);
    // Cut at the deadline, not when the server gives up (30 s).
    assert!(ran.wall() < Duration::from_secs(5), "took {:?}", ran.wall());
}

#[test]
fn bad_urls_and_schemes_are_type_errors() {
    let ran = run(
        "for (const url of ['file:///etc/passwd', 'not a url']) {
           try { await fetch(url); } catch (e) { console.log(e.name); }
         }",
        Grants::all(),
        Duration::from_secs(10),
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    assert_eq!(ran.logs, ["TypeError", "TypeError"]);
}

#[test]
fn abort_between_chunks_clone_and_redirect_error() {
    let ran = run(
        "const controller = new AbortController();
         const r = await fetch(BASE + '/drip', { signal: controller.signal });
         const reader = r.body.getReader();
         console.log(new TextDecoder().decode((await reader.read()).value));
         controller.abort();
         try { await reader.read(); } catch (e) { console.log(e.name); }
         try { await fetch(BASE + '/hello', { signal: controller.signal }); } catch (e) { console.log(e.name); }
         const original = await fetch(BASE + '/hello');
         const copy = original.clone();
         console.log(await original.text(), await copy.text());
         try { await fetch(BASE + '/redirect', { redirect: 'error' }); } catch (e) { console.log(e.name); }",
        loopback(),
        Duration::from_secs(10),
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    assert_eq!(
        ran.logs,
        [
            "first",
            "AbortError",
            "AbortError",
            "hello hello",
            "TypeError"
        ]
    );
}

/// Cancels `token` after `delay`, from another thread.
fn cancel_after(token: &CancelToken, delay: Duration) {
    let token = token.clone();
    std::thread::spawn(move || {
        std::thread::sleep(delay);
        token.cancel();
    });
}

#[test]
fn cancelling_stops_a_run_waiting_for_a_response_head() {
    // Accepts connections and never answers them.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let held: Vec<_> = silent.incoming().flatten().collect();
        drop(held);
    });
    let token = CancelToken::new();
    cancel_after(&token, Duration::from_millis(200));
    let ran = run_with(
        &format!(
            "await fetch('http://127.0.0.1:{port}/');
             console.log('unreachable');"
        ),
        Grants::builder()
            .allow_net([format!("127.0.0.1:{port}")])
            .build()
            .unwrap(),
        Duration::from_secs(30),
        token,
    );
    assert_eq!(ran.outcome, OutcomeKind::Cancelled, "{:?}", ran.logs);
    assert!(ran.logs.is_empty(), "{:?}", ran.logs);
}

#[test]
fn cancelling_stops_a_run_waiting_for_a_response_body() {
    let token = CancelToken::new();
    cancel_after(&token, Duration::from_millis(300));
    let ran = run_with(
        "const r = await fetch(BASE + '/slow');
         console.log('head arrived');
         await r.text();
         console.log('unreachable');",
        loopback(),
        Duration::from_secs(30),
        token,
    );
    assert_eq!(ran.outcome, OutcomeKind::Cancelled, "{:?}", ran.logs);
    assert_eq!(ran.logs, ["head arrived"]);
}

#[test]
fn a_name_that_resolves_to_a_denied_address_is_refused() {
    let port = server().port;
    let ran = run(
        &format!(
            "try {{ await fetch('http://localhost:{port}/hello'); }} catch (e) {{
               console.log(e.code, e.message);
             }}"
        ),
        Grants::builder()
            .allow_net(["localhost"])
            .deny_net(["127.0.0.1", "[::1]"])
            .build()
            .unwrap(),
        Duration::from_secs(10),
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    assert_eq!(ran.logs.len(), 1, "{:?}", ran.logs);
    let line = &ran.logs[0];
    assert!(
        line.starts_with("ERR_ACCESS_DENIED Requires net access to "),
        "{line}"
    );
    assert!(line.contains("(what \"localhost\" resolves to)"), "{line}");
    assert!(line.contains("--deny-net="), "{line}");
    // The name was allowed, then its address was refused: both audited.
    let events = ran.audit.events();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0].decision, Decision::Allowed);
    assert_eq!(events[0].target, format!("localhost:{port}"));
    assert_eq!(events[1].decision, Decision::Denied);
    assert!(
        events[1].target.ends_with(&format!(":{port}")),
        "{events:?}"
    );
    assert_eq!(ran.report.permissions_denied, 1);
}

#[test]
fn forbidden_request_headers_never_reach_the_server() {
    let port = server().port;
    let ran = run(
        "const r = await fetch(BASE + '/headers', { headers: {
           Host: 'internal.example', 'Transfer-Encoding': 'chunked', 'Content-Length': '99',
           Connection: 'upgrade', Upgrade: 'h2c', 'Sec-Fetch-Site': 'none',
           'Proxy-Authorization': 'Basic eDp5', 'X-HTTP-Method-Override': 'TRACE',
           Cookie: 'a=b', 'X-Test': 'kept',
         } });
         console.log(await r.text());",
        loopback(),
        Duration::from_secs(10),
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    let seen = ran.logs.join("");
    assert!(
        seen.contains(&format!("host: 127.0.0.1:{port}\n")),
        "{seen}"
    );
    assert!(seen.contains("x-test: kept\n"), "{seen}");
    assert!(!seen.contains("internal.example"), "{seen}");
    for forbidden in [
        "transfer-encoding",
        "upgrade",
        "sec-fetch-site",
        "proxy-authorization",
        "x-http-method-override",
        "cookie",
        "content-length: 99",
        "connection: upgrade",
    ] {
        assert!(!seen.contains(forbidden), "{forbidden} in {seen}");
    }
}

/// Allows every host with the SSRF guard off, as the deny rules alone are
/// under test.
fn everything_but(denied: &[&str]) -> Grants {
    Grants::builder()
        .allow_net_all()
        .ssrf_guard(false)
        .deny_net(denied.iter().copied())
        .build()
        .unwrap()
}

#[test]
fn every_spelling_of_a_denied_loopback_address_is_refused() {
    let port = server().port;
    let spellings = [
        "0.0.0.0",
        "[::]",
        "[::ffff:0.0.0.0]",
        "[::1]",
        "127.1",
        "2130706433",
        "0x7f.1",
        "[::ffff:127.0.0.1]",
        "127.0.0.1",
        "LOCALHOST",
    ];
    let urls: Vec<String> = spellings
        .iter()
        .map(|host| format!("'http://{host}:{port}/hello'"))
        .collect();
    let ran = run(
        &format!(
            "for (const url of [{}]) {{
               try {{ await fetch(url); console.log('reached', url); }}
               catch (e) {{ console.log(e.code ?? e.message); }}
             }}",
            urls.join(", ")
        ),
        everything_but(&["127.0.0.1"]),
        Duration::from_secs(10),
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    assert_eq!(ran.logs, vec!["ERR_ACCESS_DENIED"; spellings.len()]);
    // A name rule, with its trailing dot and case, is one name too.
    let ran = run(
        &format!(
            "try {{ await fetch('http://LocalHost.:{port}/hello'); }}
             catch (e) {{ console.log(e.code, e.message); }}"
        ),
        everything_but(&["localhost"]),
        Duration::from_secs(10),
    );
    assert_eq!(
        ran.logs,
        [format!(
            "ERR_ACCESS_DENIED Requires net access to \"localhost:{port}\", which \
             --deny-net=localhost forbids"
        )]
    );
}

#[test]
fn cidr_rules_allow_and_deny_ranges() {
    let port = server().port;
    let source = "try { const r = await fetch(BASE + '/hello'); console.log(await r.text()); }
                  catch (e) { console.log(e.code); }";
    let range = |rule: &str| Grants::builder().allow_net([rule]).build().unwrap();
    assert_eq!(
        run(
            source,
            range(&format!("127.0.0.0/8:{port}")),
            Duration::from_secs(10)
        )
        .logs,
        ["hello"]
    );
    assert_eq!(
        run(source, range("127.0.0.0/8:1"), Duration::from_secs(10)).logs,
        ["ERR_ACCESS_DENIED"]
    );
    assert_eq!(
        run(source, everything_but(&["[::/0]"]), Duration::from_secs(10)).logs,
        ["ERR_ACCESS_DENIED"]
    );
}

#[test]
fn the_ssrf_guard_refuses_names_and_allow_all_reaching_internal_addresses() {
    let port = server().port;
    let source = format!(
        "for (const url of ['http://localhost:{port}/hello', BASE + '/hello']) {{
           try {{ const r = await fetch(url); console.log(await r.text()); }}
           catch (e) {{ console.log(e.code, e.message.includes('SSRF guard')); }}
         }}"
    );
    // A name rule is not an address rule; neither is allow-all.
    let by_name = Grants::builder()
        .allow_net(["localhost", &format!("127.0.0.1:{port}")])
        .build()
        .unwrap();
    let ran = run(&source, by_name, Duration::from_secs(10));
    assert_eq!(ran.logs[1], "hello", "{:?}", ran.logs);
    let all = Grants::builder().allow_net_all().build().unwrap();
    let ran = run(&source, all, Duration::from_secs(10));
    assert_eq!(
        ran.logs,
        ["ERR_ACCESS_DENIED true", "ERR_ACCESS_DENIED true"],
        "{:?}",
        ran.logs
    );
    let names_only = Grants::builder().allow_net(["localhost"]).build().unwrap();
    let ran = run(&source, names_only, Duration::from_secs(10));
    assert_eq!(ran.logs[0], "ERR_ACCESS_DENIED true", "{:?}", ran.logs);
    // Off, the same grants reach the server.
    let off = Grants::builder()
        .allow_net_all()
        .ssrf_guard(false)
        .build()
        .unwrap();
    let ran = run(&source, off, Duration::from_secs(10));
    assert_eq!(ran.logs[1], "hello", "{:?}", ran.logs);
}

#[test]
fn a_redirect_to_an_allowed_name_of_an_internal_address_is_refused() {
    let port = server().port;
    let ran = run(
        "try { await fetch(BASE + '/redirect-to?http://localhost:1/hello'); }
         catch (e) { console.log(e.code, e.message.includes('SSRF guard')); }",
        Grants::builder()
            .allow_net([format!("127.0.0.1:{port}"), "localhost".to_owned()])
            .build()
            .unwrap(),
        Duration::from_secs(10),
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    assert_eq!(ran.logs, ["ERR_ACCESS_DENIED true"]);
    let decisions: Vec<_> = ran
        .audit
        .events()
        .iter()
        .map(|e| (e.target.clone(), e.decision))
        .collect();
    assert_eq!(
        decisions,
        [
            (format!("127.0.0.1:{port}"), Decision::Allowed),
            ("localhost:1".to_owned(), Decision::Allowed),
            ("127.0.0.1:1".to_owned(), Decision::Denied),
        ]
    );
}

#[test]
fn open_response_bodies_are_capped() {
    let ran = run_limited(
        "let open = 0;
         const kept = [];
         try {
           for (let i = 0; i < 10; i++) { kept.push(await fetch(BASE + '/hello')); open++; }
         } catch (e) { console.log(open, e.name, e.message.includes('--max-open-fetches')); }
         await kept[0].text();
         const again = await fetch(BASE + '/hello');
         console.log(await again.text());",
        Limits {
            timeout: Duration::from_secs(10),
            max_open_fetches: 4,
            ..Limits::default()
        },
    );
    assert_eq!(ran.outcome, OutcomeKind::Ok, "{:?}", ran.logs);
    assert_eq!(ran.logs, ["4 TypeError true", "hello"]);
}
