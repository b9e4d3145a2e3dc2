//! `Runtime::handle`: Workers-style fetch handlers served in a fresh sandbox
//! per request, at the library level (the server is tested in `serve::`).

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use jsbox::{
    BodyError, Execution, HttpBody, HttpRequest, HttpResponse, Limits, MemorySink, OutcomeKind,
    RequestContext, RunOptions, Script, body_channel,
};

use crate::support::runtime;

fn request(method: &str, path: &str, body: &str) -> HttpRequest {
    HttpRequest {
        method: method.to_owned(),
        url: format!("http://localhost{path}"),
        headers: vec![("x-test".to_owned(), "yes".to_owned())],
        body: body.into(),
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

/// The JSON body of a run that must have ended `ok`.
fn ok_json(execution: &Execution, response: Option<(HttpResponse, Instant)>) -> serde_json::Value {
    assert_eq!(
        execution.outcome.kind(),
        OutcomeKind::Ok,
        "{:?}",
        execution.outcome
    );
    serde_json::from_str(text(&response.expect("a response").0)).expect("a JSON body")
}

/// A whole response body as text; the handlers below that return bytes get
/// the single-call path, not a stream.
fn text(response: &HttpResponse) -> &str {
    match &response.body {
        HttpBody::Full(bytes) => std::str::from_utf8(bytes).expect("UTF-8 body"),
        HttpBody::Stream(_) => panic!("a whole body was sent as a stream"),
    }
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

#[test]
fn request_bodies_stream_into_the_handler_chunk_by_chunk() {
    let entry = module(
        "export default { async fetch(request) { \
           let chunks = 0, bytes = 0; \
           for await (const chunk of request.body) { chunks++; bytes += chunk.length; } \
           return Response.json({ chunks, bytes, used: request.bodyUsed }); } }",
    );
    let (sender, receiver) = body_channel(2);
    // A megabyte in 100 KB chunks, sent while the handler reads: the
    // channel holds two, so the sender waits for the reader.
    let feeder = std::thread::spawn(move || {
        for _ in 0..10 {
            sender
                .send_blocking(vec![b'x'; 100_000])
                .expect("the run reads");
        }
        sender.finish();
    });
    let mut streamed = request("POST", "/upload", "");
    streamed.body = HttpBody::Stream(receiver);
    let (execution, response) = serve(&entry, streamed, RunOptions::default());
    feeder.join().unwrap();
    let json = ok_json(&execution, response);
    assert_eq!(json["bytes"], 1_000_000);
    assert_eq!(json["used"], true);
    // Read in chunks of at most 64 KiB.
    assert!(json["chunks"].as_u64().unwrap() >= 16, "{json}");
}

#[test]
fn a_whole_request_body_is_a_stream_too() {
    let entry = module(
        "export default { async fetch(request) { \
           const stream = request.body; \
           const before = request.bodyUsed; \
           let text = ''; \
           for await (const chunk of stream) text += new TextDecoder().decode(chunk); \
           let again; \
           try { await request.text(); again = 'read'; } catch (e) { again = e.name; } \
           return Response.json({ stream: stream instanceof ReadableStream, before, text, \
                                  used: request.bodyUsed, again }); } }",
    );
    let (execution, response) = serve(
        &entry,
        request("POST", "/small", "a small body"),
        RunOptions::default(),
    );
    let json = ok_json(&execution, response);
    assert_eq!(
        json,
        serde_json::json!({
            "stream": true, "before": false, "text": "a small body", "used": true,
            "again": "TypeError"
        })
    );
}

#[test]
fn a_streamed_request_body_that_fails_rejects_the_handler_read() {
    let entry = module(
        "export default { async fetch(request) { \
           try { await request.text(); return new Response('read it all'); } \
           catch (error) { return new Response(`${error.name}: ${error.message}`, { status: 400 }); } } }",
    );
    let (sender, receiver) = body_channel(4);
    sender.send_blocking(b"some".to_vec()).unwrap();
    sender.fail(BodyError::TooLarge { limit: 4 });
    let mut streamed = request("POST", "/", "");
    streamed.body = HttpBody::Stream(receiver);
    let (_, response) = serve(&entry, streamed, RunOptions::default());
    let (response, _) = response.expect("a response");
    assert_eq!(response.status, 400);
    assert_eq!(
        text(&response),
        "TypeError: the request body is larger than the 4 byte limit"
    );
    // A sender that goes away without finishing is not a complete body.
    let (sender, receiver) = body_channel(4);
    drop(sender);
    let mut streamed = request("POST", "/", "");
    streamed.body = HttpBody::Stream(receiver);
    let (_, response) = serve(&entry, streamed, RunOptions::default());
    assert!(
        text(&response.expect("a response").0).contains("cut short"),
        "an interrupted body read as complete"
    );
}

/// A handler streaming `first ` at once and `second` only after a 300 ms
/// timer, logging when it produces the second chunk; then the `tail` step.
fn streaming_entry(tail: &str) -> Script {
    module(&format!(
        "export default {{ fetch() {{ \
           let step = 0; \
           return new Response(new ReadableStream({{ async pull(controller) {{ \
             step++; \
             if (step === 1) controller.enqueue(new TextEncoder().encode('first ')); \
             else if (step === 2) {{ \
               await new Promise((resolve) => setTimeout(resolve, 300)); \
               console.log('producing the second chunk'); \
               controller.enqueue(new TextEncoder().encode('second')); \
             }} else {{ {tail} }} \
           }} }}), {{ headers: {{ 'content-type': 'text/plain' }} }}); }} }}"
    ))
}

/// Serves `entry`, reading a streamed response on another thread: the
/// execution, the status, what the log held when the first chunk arrived,
/// the chunks, and how the body ended.
type Streamed = (
    Execution,
    u16,
    Vec<String>,
    Vec<String>,
    Result<(), BodyError>,
);

fn serve_streamed(entry: &Script, options: RunOptions) -> Streamed {
    let sink = Arc::new(MemorySink::new());
    let seen = sink.clone();
    let (tx, rx) = mpsc::channel();
    let execution = runtime().handle(
        entry,
        request("GET", "/", ""),
        &[],
        options.with_log_sink(sink),
        Box::new(move |response: HttpResponse| {
            let HttpBody::Stream(mut body) = response.body else {
                panic!("the body did not stream");
            };
            let status = response.status;
            std::thread::spawn(move || {
                let mut chunks = Vec::new();
                let mut logged_at_first = None;
                let ended = loop {
                    match body.recv_blocking() {
                        Ok(Some(chunk)) => {
                            logged_at_first.get_or_insert_with(|| seen.messages());
                            chunks.push(String::from_utf8(chunk).unwrap());
                        }
                        Ok(None) => break Ok(()),
                        Err(error) => break Err(error),
                    }
                };
                let _ = tx.send((status, logged_at_first.unwrap_or_default(), chunks, ended));
            });
        }),
    );
    let (status, logged, chunks, ended) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a streamed response");
    (execution, status, logged, chunks, ended)
}

#[test]
fn response_bodies_stream_out_as_the_handler_produces_them() {
    let (execution, status, logged_at_first, chunks, ended) = serve_streamed(
        &streaming_entry("controller.close();"),
        RunOptions::default(),
    );
    assert_eq!(
        execution.outcome.kind(),
        OutcomeKind::Ok,
        "{:?}",
        execution.outcome
    );
    assert_eq!(status, 200);
    assert_eq!(chunks, ["first ", "second"]);
    assert_eq!(ended, Ok(()));
    assert!(
        logged_at_first.is_empty(),
        "the first chunk arrived only after the second was produced: {logged_at_first:?}"
    );
}

#[test]
fn a_run_that_fails_mid_stream_cuts_the_body_short() {
    let cases = [
        (
            "throw new Error('broken stream');",
            OutcomeKind::UncaughtException,
        ),
        ("for (;;) {}", OutcomeKind::Timeout),
    ];
    for (tail, kind) in cases {
        let options = RunOptions::default()
            .with_limits(Limits::default().with_timeout(Duration::from_millis(1500)));
        let (execution, status, _, chunks, ended) = serve_streamed(&streaming_entry(tail), options);
        assert_eq!(execution.outcome.kind(), kind, "{:?}", execution.outcome);
        assert_eq!(status, 200, "the head was sent before the failure");
        assert_eq!(chunks, ["first ", "second"]);
        assert!(
            matches!(ended, Err(BodyError::Interrupted(_))),
            "{tail}: {ended:?}"
        );
    }
}
