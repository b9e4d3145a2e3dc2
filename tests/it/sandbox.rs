//! Library-level tests: one shared `Runtime`, many runs, each in a fresh
//! sandbox. These check classification, isolation and recovery after every
//! kind of limit.

use std::sync::Arc;
use std::time::Duration;

use jsbox::{
    Execution, Limits, MemorySink, Outcome, OutcomeKind, RequestContext, RunOptions, Script, User,
};

use crate::support::{self, runtime};

fn run_with(source: &str, options: RunOptions) -> Execution {
    runtime().run(&Script::new("test.js", source), options)
}

fn run(source: &str) -> Execution {
    run_with(source, RunOptions::default())
}

/// Runs `source` and returns its console output, asserting it completed.
fn output_of(source: &str, context: RequestContext) -> Vec<String> {
    support::logs_with(
        &Script::new("test.js", source),
        RunOptions::default().with_context(context),
    )
}

#[test]
fn completion_value_is_returned_as_json() {
    let execution = run("const o = { a: [1, 2], b: 'x' }; o");
    assert_eq!(
        execution.outcome,
        Outcome::Ok {
            value_json: Some(r#"{"a":[1,2],"b":"x"}"#.into())
        }
    );
    assert_eq!(
        run("1 + 1").outcome,
        Outcome::Ok {
            value_json: Some("2".into())
        }
    );
    assert_eq!(run("undefined").outcome, Outcome::Ok { value_json: None });
}

#[test]
fn uncaught_error_keeps_name_message_and_stack_apart() {
    let execution = run(
        "class MyError extends Error { constructor(m) { super(m); this.name = 'MyError'; } }\n\
                         function fail() { throw new MyError('went wrong'); }\nfail();",
    );
    let Outcome::UncaughtException(error) = execution.outcome else {
        panic!(
            "expected an uncaught exception, got {:?}",
            execution.outcome
        );
    };
    assert_eq!(error.name, "MyError");
    assert_eq!(error.message, "went wrong");
    let stack = error.stack.expect("a stack");
    assert!(stack.contains("at fail (test.js:2:"), "{stack}");
    assert!(
        !stack.contains("went wrong"),
        "the stack holds frames only: {stack}"
    );
}

#[test]
fn thrown_non_error_values_are_described() {
    let Outcome::UncaughtException(error) = run("throw 42").outcome else {
        panic!("expected an uncaught exception");
    };
    assert_eq!(
        (error.name.as_str(), error.message.as_str()),
        ("Error", "42")
    );
}

#[test]
fn syntax_errors_report_line_and_column() {
    let Outcome::SyntaxError(error) = run("let x = 1;\nlet y = (;\n").outcome else {
        panic!("expected a syntax error");
    };
    assert_eq!(error.name, "SyntaxError");
    assert!(error.stack.unwrap().contains("test.js:2:9"));
}

#[test]
fn syntax_errors_at_run_time_are_exceptions() {
    let outcome = run("JSON.parse('{')").outcome;
    assert_eq!(outcome.kind(), OutcomeKind::UncaughtException);
    assert_eq!(outcome.js_error().unwrap().name, "SyntaxError");
}

#[test]
fn console_goes_to_the_sink_with_levels_and_request_id() {
    let sink = Arc::new(MemorySink::new());
    let context = RequestContext {
        request_id: "req-1".into(),
        tenant_id: Some("t1".into()),
        ..RequestContext::default()
    };
    let execution = run_with(
        "console.log('a', 1, {b: 2}); console.error(new RangeError('bad')); console.debug([1,'x'])",
        RunOptions::default()
            .with_context(context)
            .with_log_sink(sink.clone()),
    );
    assert!(execution.outcome.is_ok());
    let events = sink.events();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].message, "a 1 { b: 2 }");
    assert_eq!(events[0].level, jsbox::LogLevel::Info);
    assert!(
        events[1]
            .message
            .starts_with("RangeError: bad\n    at <eval>")
    );
    assert_eq!(events[1].level, jsbox::LogLevel::Error);
    assert_eq!(events[2].level, jsbox::LogLevel::Debug);
    assert!(
        events
            .iter()
            .all(|e| e.request_id == "req-1" && e.tenant_id.as_deref() == Some("t1"))
    );
    assert_eq!(
        execution.report.host_calls, 3,
        "three log calls; `context` was never read"
    );
    let reads = run("[context.requestId, context.tenantId, context === context].length");
    assert_eq!(
        reads.report.host_calls, 1,
        "the context is fetched once, on first use"
    );
}

#[test]
fn microtasks_run_before_the_run_ends() {
    let out = output_of(
        "Promise.resolve(1).then(v => console.log('then', v)); (async () => { await null; console.log('async'); })(); console.log('sync')",
        RequestContext::default(),
    );
    assert_eq!(out, ["sync", "then 1", "async"]);
}

#[test]
fn modules_support_top_level_await() {
    let sink = Arc::new(MemorySink::new());
    let execution = runtime().run(
        &Script::module(
            "main.mjs",
            "const v = await Promise.resolve(7); console.log(v * 6);",
        ),
        RunOptions::default().with_log_sink(sink.clone()),
    );
    assert!(execution.outcome.is_ok(), "{:?}", execution.outcome);
    assert_eq!(sink.messages(), ["42"]);

    let rejected = runtime().run(
        &Script::module("main.mjs", "await Promise.reject(new TypeError('nope'));"),
        RunOptions::default(),
    );
    let error = rejected.outcome.js_error().expect("a JS error");
    assert_eq!(
        (error.name.as_str(), error.message.as_str()),
        ("TypeError", "nope")
    );

    let never = runtime().run(
        &Script::module("main.mjs", "await new Promise(() => {});"),
        RunOptions::default(),
    );
    assert_eq!(never.outcome.kind(), OutcomeKind::UncaughtException);
    assert!(
        never
            .outcome
            .js_error()
            .unwrap()
            .message
            .contains("never settled")
    );
}

#[test]
fn context_is_readable_and_deeply_frozen() {
    let context = RequestContext {
        tenant_id: Some("acme".into()),
        user: Some(User {
            id: "u1".into(),
            email: Some("u1@acme.test".into()),
            permissions: vec!["orders:read".into()],
        }),
        request_id: "req-42".into(),
        locale: Some("de-DE".into()),
        trace_parent: Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into()),
    };
    let out = output_of(
        r#"
        console.log(context.tenantId, context.user.id, context.user.email, context.user.permissions[0], context.requestId, context.locale);
        console.log(context.traceParent);
        console.log(typeof context.deadlineMs, context.deadlineMs > Date.now());
        context.tenantId = 'evil'; context.user.id = 'evil'; context.user.permissions.push;
        try { context.user.permissions.push('admin') } catch (e) { console.log(e.name) }
        context = {};
        console.log(context.tenantId, context.user.id, context.user.permissions.length);
        console.log(Object.isFrozen(context), Object.isFrozen(context.user), Object.isFrozen(context.user.permissions));
        (function () { 'use strict'; try { context.tenantId = 'evil' } catch (e) { console.log('strict', e.name) } })();
        (function () { 'use strict'; try { context = 1 } catch (e) { console.log('strict', e.name) } })();
        "#,
        context,
    );
    assert_eq!(
        out,
        [
            "acme u1 u1@acme.test orders:read req-42 de-DE",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "number true",
            "TypeError",
            "acme u1 1",
            "true true true",
            "strict TypeError",
            "strict TypeError",
        ]
    );
}

#[test]
fn absent_context_fields_are_null_and_request_id_is_generated() {
    let out = output_of(
        "console.log(context.tenantId, context.user, context.locale, /^[0-9a-f-]{36}$/.test(context.requestId))",
        RequestContext::default(),
    );
    assert_eq!(out, ["null null null true"]);
}

#[test]
fn globals_do_not_leak_between_runs() {
    assert!(
        run("globalThis.leaked = 1; Object.prototype.polluted = 2; Array.prototype.push = null; 1")
            .outcome
            .is_ok()
    );
    let execution = run("[typeof leaked, typeof ({}).polluted, typeof [].push]");
    assert_eq!(
        execution.outcome,
        Outcome::Ok {
            value_json: Some(r#"["undefined","undefined","function"]"#.into())
        }
    );
}

#[test]
fn infinite_loop_stops_at_the_deadline() {
    let limits = Limits::default().with_timeout(Duration::from_millis(50));
    let execution = run_with("while (true) {}", RunOptions::default().with_limits(limits));
    assert_eq!(
        execution.outcome,
        Outcome::Timeout {
            limit: Duration::from_millis(50)
        }
    );
    // Correctness, not performance: the deadline must not be ignored. The
    // overshoot itself is measured by `cargo bench`.
    assert!(execution.report.wall_us >= 50_000);
    assert!(
        execution.report.wall_us < 1_000_000,
        "{:?}",
        execution.report
    );
}

#[test]
fn fuel_budget_stops_a_loop_and_is_reported() {
    let limits = Limits::default().with_fuel(5_000_000);
    let execution = run_with(
        "let i = 0; while (true) { i++ }",
        RunOptions::default().with_limits(limits),
    );
    assert_eq!(execution.outcome, Outcome::CpuBudget { fuel: 5_000_000 });
    assert_eq!(execution.report.fuel_consumed, 5_000_000);
}

#[test]
fn fuel_is_deterministic() {
    let first = run("let s = 0; for (let i = 0; i < 10000; i++) s += i % 7; s")
        .report
        .fuel_consumed;
    let second = run("let s = 0; for (let i = 0; i < 10000; i++) s += i % 7; s")
        .report
        .fuel_consumed;
    assert!(first > 10_000);
    assert_eq!(first, second);
}

/// QuickJS copies with `memory.copy` (the guest's C code is built with bulk
/// memory), which Wasmtime charges one fuel per byte: a budget still grows
/// with the bytes a script moves, so a statement that copies megabytes
/// cannot run far past it for the price of one instruction.
#[test]
fn copying_costs_fuel_per_byte() {
    let fuel = |mib: u32| {
        run(&format!(
            "const s = 'x'.repeat({mib} << 20); s.slice(1).length + s.slice(2).length"
        ))
        .report
        .fuel_consumed
    };
    let (small, large) = (fuel(1), fuel(9));
    // Eight more MiB, copied at least twice by the slices.
    assert!(
        large - small >= 16 << 20,
        "1 MiB: {small} fuel, 9 MiB: {large} fuel"
    );
}

#[test]
fn memory_bomb_is_classified_and_the_next_run_works() {
    let limits = Limits::default().with_memory_bytes(32 << 20);
    let options = RunOptions::default().with_limits(limits);
    let bomb = "const keep = []; while (true) keep.push(new Array(100000).fill(1));";
    let execution = run_with(bomb, options.clone());
    assert_eq!(
        execution.outcome,
        Outcome::MemoryLimit {
            limit_bytes: 32 << 20
        }
    );
    assert!(execution.report.peak_memory_bytes <= 32 << 20);
    assert!(execution.report.peak_memory_bytes > 16 << 20);

    // `s + s` would only build a rope; `repeat` materializes the string.
    let string_bomb = "let s = 'x'; while (true) s = s.repeat(2);";
    assert_eq!(
        run_with(string_bomb, options.clone()).outcome.kind(),
        OutcomeKind::MemoryLimit
    );

    let after = run_with("[1, 2, 3].map(x => x * 2)", options);
    assert_eq!(
        after.outcome,
        Outcome::Ok {
            value_json: Some("[2,4,6]".into())
        }
    );
}

#[test]
fn memory_cap_below_the_guest_minimum_is_a_memory_limit() {
    let limits = Limits::default().with_memory_bytes(64 << 10);
    let execution = run_with("1", RunOptions::default().with_limits(limits));
    assert_eq!(execution.outcome.kind(), OutcomeKind::MemoryLimit);
}

#[test]
fn unbounded_recursion_is_a_stack_overflow() {
    for source in [
        "function f() { return f() + 1 } f()",
        "function g(n) { return n === 0 ? 0 : g(n - 1) + 1 } g(1e6)",
        "const o = {}; o.toString = function () { return String(this) + ''; }; String(o)",
    ] {
        let outcome = run(source).outcome;
        assert_eq!(
            outcome.kind(),
            OutcomeKind::StackOverflow,
            "{source}: {outcome:?}"
        );
    }
    // Frames with many locals exhaust QuickJS's shadow stack in linear
    // memory before the native wasm stack.
    let locals: Vec<String> = (0..2000).map(|i| format!("v{i} = {i}")).collect();
    let big_frames = format!(
        "function f(n) {{ let {}; return n === 0 ? 0 : f(n - 1) + v1999 }} f(1e5)",
        locals.join(", ")
    );
    assert_eq!(run(&big_frames).outcome.kind(), OutcomeKind::StackOverflow);
    // Recursion that fits still works.
    assert_eq!(
        run("function g(n) { return n === 0 ? 0 : g(n - 1) + 1 } g(1000)").outcome,
        Outcome::Ok {
            value_json: Some("1000".into())
        }
    );
}

#[test]
fn output_past_the_budget_is_dropped_and_reported() {
    let sink = Arc::new(MemorySink::new());
    let limits = Limits::default().with_max_output_bytes(10_000);
    let execution = run_with(
        "for (let i = 0; i < 1000; i++) console.log('x'.repeat(100)); 'done'",
        RunOptions::default()
            .with_limits(limits)
            .with_log_sink(sink.clone()),
    );
    assert_eq!(
        execution.outcome,
        Outcome::Ok {
            value_json: Some("\"done\"".into())
        }
    );
    assert!(execution.report.output_truncated);
    assert_eq!(execution.report.output_bytes, 100_000);
    assert_eq!(sink.events().len(), 100);
}

#[test]
fn hostile_values_do_not_break_error_reporting() {
    let outcome = run("throw { get name() { throw 1 }, message: 'm' }").outcome;
    assert_eq!(outcome.kind(), OutcomeKind::UncaughtException);
    let outcome = run("throw { toString() { throw new Error('no') } }").outcome;
    assert_eq!(outcome.kind(), OutcomeKind::UncaughtException);
    let cyclic = "const a = {}; a.self = a; console.log(a); a";
    assert_eq!(run(cyclic).outcome, Outcome::Ok { value_json: None });
}

#[test]
fn nul_characters_in_source_are_reported() {
    let outcome = run("'a\0b'").outcome;
    assert_eq!(outcome.kind(), OutcomeKind::SyntaxError);
    assert!(outcome.js_error().unwrap().message.contains("NUL"));
}

#[test]
fn concurrent_runs_from_many_threads_are_isolated() {
    let threads: Vec<_> = (0..8)
        .map(|i| {
            std::thread::spawn(move || {
                for j in 0..5 {
                    let source =
                        format!("globalThis.seen = (globalThis.seen || 0) + 1; [{i}, {j}, seen]");
                    let outcome = run(&source).outcome;
                    assert_eq!(
                        outcome,
                        Outcome::Ok {
                            value_json: Some(format!("[{i},{j},1]"))
                        }
                    );
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("thread ran");
    }
}

/// A sink that panics, standing in for any bug in host code during a run.
struct PanickingSink;

impl jsbox::LogSink for PanickingSink {
    fn log(&self, _event: jsbox::LogEvent) {
        panic!("sink exploded");
    }
}

#[test]
fn a_panic_in_host_code_is_an_internal_outcome_not_a_crash() {
    let execution = run_with(
        "console.log('boom')",
        RunOptions::default().with_log_sink(Arc::new(PanickingSink)),
    );
    let Outcome::Internal { message } = execution.outcome else {
        panic!("expected internal, got {:?}", execution.outcome);
    };
    assert!(message.contains("sink exploded"), "{message}");
    assert!(run("1").outcome.is_ok(), "the runtime still works");
}
