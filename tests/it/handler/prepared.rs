//! `Runtime::prepare_handler` and `Runtime::handle_prepared`: an entry
//! evaluated once, in a snapshot every request's sandbox starts from.

use std::sync::Arc;

use jsbox::{Execution, HttpRequest, MemorySink, OutcomeKind, PreparedHandler, RunOptions, Script};

use crate::support::{runtime, runtime_builder, serve_prepared};

fn request(path: &str) -> HttpRequest {
    HttpRequest {
        method: "GET".to_owned(),
        url: format!("http://localhost{path}"),
        headers: Vec::new(),
        body: "".into(),
    }
}

fn prepare(source: &str, options: &RunOptions) -> PreparedHandler {
    runtime()
        .prepare_handler(&Script::module("handler.mjs", source), options)
        .expect("the entry prepares")
}

/// Serves `path` with `handler`; the execution and the response's text.
fn serve(handler: &PreparedHandler, path: &str) -> (Execution, String) {
    serve_prepared(
        handler,
        request(path),
        &[("GREETING".to_owned(), "hello".to_owned())],
        RunOptions::default(),
    )
}

/// The body `handler` answers for `path`, asserting the run completed.
fn served(handler: &PreparedHandler, path: &str) -> String {
    let (execution, text) = serve(handler, path);
    assert_eq!(
        execution.outcome.kind(),
        OutcomeKind::Ok,
        "{:?}",
        execution.outcome
    );
    text
}

#[test]
fn the_top_level_runs_once_and_every_request_starts_fresh_from_it() {
    let top_level_log = Arc::new(MemorySink::new());
    let handler = prepare(
        "const loadedWith = Date.now();
         console.log('top level evaluated');
         let requests = 0;
         export default { fetch(request, env) {
           requests++;
           const before = globalThis.leftBehind;
           globalThis.leftBehind = 'set';
           return Response.json({ loadedWith, requests, before: before ?? null,
                                  greeting: env.GREETING, path: new URL(request.url).pathname,
                                  id: context.requestId });
         } };",
        &RunOptions::default().with_log_sink(top_level_log.clone()),
    );
    assert_eq!(top_level_log.messages(), ["top level evaluated"]);
    let mut loaded = Vec::new();
    for path in ["/a", "/b"] {
        let (execution, text) = serve(&handler, path);
        assert_eq!(
            execution.outcome.kind(),
            OutcomeKind::Ok,
            "{:?}",
            execution.outcome
        );
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["requests"], 1, "{json}");
        assert_eq!(json["before"], serde_json::Value::Null, "{json}");
        assert_eq!(json["greeting"], "hello");
        assert_eq!(json["path"], path);
        assert_eq!(json["id"], execution.request_id.as_str());
        loaded.push(json["loadedWith"].clone());
    }
    assert_eq!(loaded[0], loaded[1], "the top level ran again");
    assert_eq!(
        top_level_log.messages(),
        ["top level evaluated"],
        "the top level ran again"
    );
}

#[test]
fn imports_are_evaluated_at_preparation_not_per_request() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join("lib.mjs"),
        "export const version = 'first';",
    )
    .unwrap();
    let options = RunOptions::default().with_module_root(root.path());
    let handler = prepare(
        "import { version } from './lib.mjs';
         export default { fetch() { return new Response(version); } };",
        &options,
    );
    std::fs::remove_file(root.path().join("lib.mjs")).unwrap();
    let text = served(&handler, "/");
    assert_eq!(text, "first");
}

#[test]
fn a_top_level_that_reads_context_is_refused() {
    let entry = Script::module(
        "handler.mjs",
        "const tenant = context.tenantId;
         export default { fetch() { return new Response(String(tenant)); } };",
    );
    let error = runtime()
        .prepare_handler(&entry, &RunOptions::default())
        .expect_err("context is per request");
    assert!(
        error.to_string().contains("read `context`"),
        "{error:?}: {error}"
    );
}

#[test]
fn a_top_level_that_fails_or_leaves_timers_is_refused() {
    let cases = [
        ("throw new TypeError('broken at load');", "broken at load"),
        ("setTimeout(() => {}, 10);", "timers pending"),
        ("setImmediate(() => {});", "timers pending"),
        ("export default {", "SyntaxError"),
    ];
    for (source, expected) in cases {
        let entry = Script::module("handler.mjs", source);
        let error = runtime()
            .prepare_handler(&entry, &RunOptions::default())
            .expect_err(source);
        assert!(
            format!("{error:?} {error}").contains(expected),
            "{source}: {error:?}"
        );
    }
}

#[test]
fn a_top_level_that_draws_randomness_is_refused() {
    let draws = [
        "const id = crypto.randomUUID();",
        "const id = crypto.getRandomValues(new Uint8Array(8)).join();",
        "const id = Math.random();",
        "import { randomBytes } from 'node:crypto'; const id = randomBytes(8).toString('hex');",
        "const id = await Promise.resolve().then(() => crypto.randomUUID());",
        "const draw = Math.random; const id = [1, 2].map(() => draw()).join();",
    ];
    for draw in draws {
        let source =
            format!("{draw}\nexport default {{ fetch() {{ return new Response(String(id)); }} }};");
        let error = runtime()
            .prepare_handler(
                &Script::module("handler.mjs", source),
                &RunOptions::default(),
            )
            .expect_err(draw);
        assert!(
            error.to_string().contains("drew randomness"),
            "{draw}: {error:?}"
        );
    }
}

#[test]
fn a_top_level_without_randomness_snapshots_and_each_request_draws_its_own() {
    let handler = prepare(
        "const table = Array.from({ length: 8 }, (_, i) => i * i);
         const draw = Math.random;
         export default { fetch() {
           return Response.json({ table: table.length, uuid: crypto.randomUUID(),
                                  random: draw() });
         } };",
        &RunOptions::default(),
    );
    let replies: Vec<serde_json::Value> = (0..2)
        .map(|_| {
            let text = served(&handler, "/");
            serde_json::from_str(&text).unwrap()
        })
        .collect();
    assert_eq!(replies[0]["table"], 8);
    assert_ne!(replies[0]["uuid"], replies[1]["uuid"]);
    assert_ne!(replies[0]["random"], replies[1]["random"]);
}

#[test]
fn a_top_level_has_no_grants() {
    let entry = Script::module(
        "handler.mjs",
        "const text = await fetch('http://127.0.0.1:9/').then((r) => r.text());
         export default { fetch() { return new Response(text); } };",
    );
    let error = runtime()
        .prepare_handler(&entry, &RunOptions::default())
        .expect_err("the top level may not fetch");
    assert_eq!(error.kind(), OutcomeKind::UncaughtException, "{error:?}");
}

#[test]
fn a_prepared_handler_serves_only_with_the_runtime_that_made_it() {
    let handler = prepare(
        "export default { fetch() { return new Response('hi'); } };",
        &RunOptions::default(),
    );
    let other = runtime_builder().build().expect("runtime builds");
    let execution = other.handle_prepared(
        &handler,
        request("/"),
        &[],
        RunOptions::default(),
        Box::new(drop),
    );
    assert_eq!(execution.outcome.kind(), OutcomeKind::Internal);
    assert!(
        execution.outcome.to_string().contains("another Runtime"),
        "{}",
        execution.outcome
    );
}

#[test]
fn frames_inside_built_ins_loaded_by_the_snapshot_name_their_module_and_line() {
    // Built-in modules the entry's top level loaded live in the snapshot;
    // their frames must still say where they are (once `<null>:0:1`).
    let handler = prepare(
        "import fs from 'node:fs';
         const b = Buffer.from('x');
         export default { fetch(request) {
           if (request.url.endsWith('/buffer')) b.readUInt32LE(0);
           fs.readFileSync('/etc/hostname');
         } };",
        &RunOptions::default(),
    );
    for (path, frame) in [
        ("/fs", "    at readFileSync (node:fs:"),
        ("/buffer", "    at readUInt32LE (jsbox:node/vendor/buffer:"),
    ] {
        let (execution, _) = serve(&handler, path);
        let stack = execution.outcome.js_error().unwrap().stack.clone().unwrap();
        assert!(stack.contains(frame), "{stack}");
        assert!(!stack.contains("<null>"), "{stack}");
    }
}

#[test]
fn a_decoder_streaming_across_the_snapshot_keeps_its_state() {
    // The decoder object made by the entry's top level (with half a
    // Shift_JIS character kept) lives in the snapshot; each request
    // finishes that character from the same state.
    let handler = prepare(
        "const d = new TextDecoder('shift_jis');
         const first = d.decode(new Uint8Array([0x41, 0x82]), { stream: true });
         const latin = Buffer.from([0xe9]).toString('latin1');
         export default { fetch() {
           return new Response(first + d.decode(new Uint8Array([0xa0])) + latin);
         } };",
        &RunOptions::default(),
    );
    for _ in 0..2 {
        let text = served(&handler, "/");
        assert_eq!(text, "Aあé");
    }
}
