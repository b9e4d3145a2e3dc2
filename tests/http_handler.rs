//! `Runtime::handle`: Workers-style fetch handlers served in a fresh sandbox
//! per request, at the library level (the server is tested in serve.rs).

use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use jsbox::{
    Execution, HttpRequest, HttpResponse, Limits, MemorySink, OutcomeKind, RequestContext,
    RunOptions, Runtime, Script,
};

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime::builder().build().expect("runtime builds"))
}

fn request(method: &str, path: &str, body: &str) -> HttpRequest {
    HttpRequest {
        method: method.to_owned(),
        url: format!("http://localhost{path}"),
        headers: vec![("x-test".to_owned(), "yes".to_owned())],
        body: body.as_bytes().to_vec(),
    }
}

/// Serves `request` with `entry`; the execution, and the response if one
/// was sent (with when it was sent).
fn serve(
    entry: &Script,
    request: HttpRequest,
    options: RunOptions,
) -> (Execution, Option<(HttpResponse, Instant)>) {
    let (tx, rx) = mpsc::channel();
    let env = [("GREETING".to_owned(), "hello".to_owned())];
    let execution = runtime().handle(
        entry,
        request,
        &env,
        options,
        Box::new(move |response| {
            let _ = tx.send((response, Instant::now()));
        }),
    );
    (execution, rx.try_recv().ok())
}

fn module(source: &str) -> Script {
    Script::module("handler.mjs", source)
}

fn text(response: &HttpResponse) -> &str {
    std::str::from_utf8(&response.body).expect("UTF-8 body")
}

#[test]
fn module_default_fetch_gets_request_env_and_context() {
    let entry = module(
        r#"export default {
            async fetch(request, env, ctx) {
                const body = await request.text();
                return Response.json({
                    method: request.method, url: request.url, header: request.headers.get('x-test'),
                    body, greeting: env.GREETING, requestId: context.requestId,
                    waitUntil: typeof ctx.waitUntil,
                }, { status: 201, headers: { 'x-handler': 'module' } });
            }
        }"#,
    );
    let context = RequestContext {
        request_id: "req-7".to_owned(),
        ..RequestContext::default()
    };
    let (execution, response) = serve(
        &entry,
        request("POST", "/echo?x=1", "ping"),
        RunOptions::default().with_context(context),
    );
    assert_eq!(
        execution.outcome.kind(),
        OutcomeKind::Ok,
        "{:?}",
        execution.outcome
    );
    let (response, _) = response.expect("a response");
    assert_eq!(response.status, 201);
    assert!(
        response
            .headers
            .contains(&("x-handler".to_owned(), "module".to_owned()))
    );
    assert!(
        response
            .headers
            .contains(&("content-type".to_owned(), "application/json".to_owned()))
    );
    let json: serde_json::Value = serde_json::from_str(text(&response)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "method": "POST", "url": "http://localhost/echo?x=1", "header": "yes",
            "body": "ping", "greeting": "hello", "requestId": "req-7", "waitUntil": "function",
        })
    );
}

#[test]
fn fetch_event_listener_with_respond_with() {
    let entry = Script::new(
        "worker.js",
        "addEventListener('fetch', (event) => { \
           event.respondWith(new Response(`hi ${new URL(event.request.url).pathname}`)); \
         });",
    );
    let (execution, response) = serve(&entry, request("GET", "/there", ""), RunOptions::default());
    assert_eq!(
        execution.outcome.kind(),
        OutcomeKind::Ok,
        "{:?}",
        execution.outcome
    );
    let (response, _) = response.expect("a response");
    assert_eq!(response.status, 200);
    assert_eq!(text(&response), "hi /there");
}

#[test]
fn response_is_sent_before_wait_until_work_finishes() {
    let sink = Arc::new(MemorySink::new());
    let entry = module(
        "export default { fetch(request, env, ctx) { \
           ctx.waitUntil(new Promise((resolve) => setTimeout(() => { console.log('later'); resolve(); }, 100))); \
           return new Response('now'); } }",
    );
    let started = Instant::now();
    let (tx, rx) = mpsc::channel();
    let seen = sink.clone();
    let execution = runtime().handle(
        &entry,
        request("GET", "/", ""),
        &[],
        RunOptions::default().with_log_sink(sink.clone()),
        // What the waitUntil work had logged when the response went out.
        Box::new(move |response| {
            let _ = tx.send((response, seen.messages()));
        }),
    );
    assert_eq!(
        execution.outcome.kind(),
        OutcomeKind::Ok,
        "{:?}",
        execution.outcome
    );
    let (response, logged_by_then) = rx.try_recv().expect("a response");
    assert_eq!(text(&response), "now");
    assert!(
        logged_by_then.is_empty(),
        "the response waited for waitUntil"
    );
    assert_eq!(
        sink.messages(),
        ["later"],
        "the run did not wait for waitUntil"
    );
    assert!(started.elapsed() >= Duration::from_millis(100));
}

#[test]
fn handler_failures_are_classified_without_a_response() {
    let cases = [
        (
            "export default { fetch() { throw new RangeError('boom'); } }",
            OutcomeKind::UncaughtException,
            "boom",
        ),
        (
            "export default { async fetch() { return 'not a response'; } }",
            OutcomeKind::UncaughtException,
            "must return",
        ),
        (
            "export const x = 1;",
            OutcomeKind::UncaughtException,
            "no fetch handler",
        ),
        ("export default { fetch( }", OutcomeKind::SyntaxError, ""),
        (
            "export default { fetch() { return new Promise(() => {}); } }",
            OutcomeKind::UncaughtException,
            "never settled",
        ),
        (
            "export default { fetch() { const r = new Response('x'); r.text(); return r; } }",
            OutcomeKind::UncaughtException,
            "already read",
        ),
        (
            "export default { fetch() { return Response.error(); } }",
            OutcomeKind::UncaughtException,
            "Response.error()",
        ),
    ];
    for (source, kind, message) in cases {
        let (execution, response) = serve(
            &module(source),
            request("GET", "/", ""),
            RunOptions::default(),
        );
        assert_eq!(
            execution.outcome.kind(),
            kind,
            "{source}: {:?}",
            execution.outcome
        );
        assert!(
            format!("{:?}", execution.outcome).contains(message),
            "{source}: {:?}",
            execution.outcome
        );
        assert!(response.is_none(), "{source}");
    }
}

#[test]
fn limits_apply_to_handlers() {
    let looping = module("export default { fetch() { for (;;) {} } }");
    let options = RunOptions::default()
        .with_limits(Limits::default().with_timeout(Duration::from_millis(50)));
    let (execution, response) = serve(&looping, request("GET", "/", ""), options);
    assert_eq!(execution.outcome.kind(), OutcomeKind::Timeout);
    assert!(response.is_none());

    let hog = module(
        "export default { fetch() { const a = []; for (;;) a.push(new Array(1e5).fill(1)); } }",
    );
    let options = RunOptions::default().with_limits(Limits::default().with_memory_bytes(16 << 20));
    let (execution, _) = serve(&hog, request("GET", "/", ""), options);
    assert_eq!(execution.outcome.kind(), OutcomeKind::MemoryLimit);
}

#[test]
fn globals_do_not_leak_between_requests() {
    let entry = module(
        "export default { fetch() { const seen = globalThis.counter ?? 0; globalThis.counter = seen + 1; \
         return new Response(String(seen)); } }",
    );
    for _ in 0..2 {
        let (_, response) = serve(&entry, request("GET", "/", ""), RunOptions::default());
        assert_eq!(text(&response.expect("a response").0), "0");
    }
    assert!(
        runtime().bytecode_cache_stats().unwrap().hits >= 1,
        "the entry was not cached"
    );
}
