//! The guest's event loop: timers, microtask ordering (checked against
//! Node's), unhandled rejections, and how the deadline and the fuel budget
//! apply to waiting.

use std::time::Duration;

use jsbox::{Execution, Limits, Outcome, OutcomeKind, RunOptions, Script};

use crate::support;

fn run_with(script: Script, limits: Limits) -> (Execution, Vec<String>) {
    support::run(&script, RunOptions::default().with_limits(limits))
}

/// Runs a script that must complete; returns its console output.
fn output(source: &str) -> Vec<String> {
    support::logs(&Script::new("loop.js", source))
}

#[test]
fn timers_fire_in_due_order_after_their_delay() {
    let out = output(
        r#"
        const start = performance.now();
        const fired = [];
        for (const ms of [30, 10, 20, 10]) setTimeout(() => fired.push([ms, performance.now() - start]), ms);
        setTimeout(() => {
          console.log(fired.map(([ms]) => ms).join());
          // Never early; late only by scheduling (the bound catches a
          // wrong unit, not a slow machine).
          console.log(fired.every(([ms, at]) => at >= ms && at < ms + 2000));
        }, 40);
        "#,
    );
    assert_eq!(out, ["10,10,20,30", "true"]);
}

#[test]
fn timers_pass_arguments_and_can_be_cleared() {
    let out = output(
        r#"
        const a = setTimeout((x, y) => console.log('a', x, y), 50, 1, 2);
        const b = setTimeout(() => console.log('b never'), 5);
        clearTimeout(b);
        clearTimeout(12345); clearTimeout(undefined);
        let n = 0;
        const i = setInterval(() => { n++; if (n === 3) { clearInterval(i); console.log('interval', n); } }, 1);
        console.log(typeof a, a > 0, a !== b);
        "#,
    );
    assert_eq!(out, ["number true true", "interval 3", "a 1 2"]);
}

/// Each case prints the order Node 20 prints for the same script.
#[test]
fn task_and_microtask_ordering_matches_node() {
    let cases = [
        (
            r#"
            const log = [];
            setTimeout(() => { log.push('t1'); Promise.resolve().then(() => log.push('t1-micro')); }, 0);
            setTimeout(() => log.push('t2'), 0);
            Promise.resolve().then(() => log.push('micro1'));
            (async () => { log.push('async-start'); await null; log.push('async-after'); })();
            log.push('sync');
            setTimeout(() => console.log(log.join()), 5);
            "#,
            "async-start,sync,micro1,async-after,t1,t1-micro,t2",
        ),
        (
            r#"
            const log = [];
            setTimeout(() => {
              log.push('a');
              setTimeout(() => log.push('c'), 0);
              Promise.resolve().then(() => log.push('b')).then(() => log.push('b2'));
            }, 0);
            setTimeout(() => log.push('a2'), 0);
            // Printed from a timer set after 'c' with the same delay, so
            // 'c' is due first however late the first timers run.
            setTimeout(() => setTimeout(() => console.log(log.join()), 0), 0);
            "#,
            "a,b,b2,a2,c",
        ),
        (
            r#"
            const log = [];
            const p = new Promise((resolve) => setTimeout(() => { log.push('resolve'); resolve('v'); }, 2));
            p.then((v) => log.push('then ' + v));
            setTimeout(() => log.push('later'), 2);
            Promise.all([p, Promise.resolve(1)]).then(() => log.push('all'));
            setTimeout(() => console.log(log.join()), 10);
            "#,
            "resolve,then v,all,later",
        ),
    ];
    for (source, expected) in cases {
        assert_eq!(output(source), [expected], "{source}");
    }
}

#[test]
fn unhandled_rejections_end_the_run_like_node() {
    for (source, name, message) in [
        ("Promise.reject(new TypeError('bad'))", "TypeError", "bad"),
        (
            "async function f() { throw new RangeError('r') } f()",
            "RangeError",
            "r",
        ),
        (
            "setTimeout(() => Promise.reject(new Error('late')), 1)",
            "Error",
            "late",
        ),
    ] {
        let (execution, _) = run_with(Script::new("reject.js", source), Limits::default());
        let Outcome::UncaughtException(error) = execution.outcome else {
            panic!("{source}: {:?}", execution.outcome);
        };
        assert_eq!(
            (error.name.as_str(), error.message.as_str()),
            (name, message),
            "{source}"
        );
        assert!(
            error.stack.is_some_and(|s| s.contains("reject.js")),
            "{source}"
        );
    }
    // Handled in the same tick, or later but before microtasks drain: fine.
    let out = output(
        r#"
        const p = Promise.reject(new Error('x'));
        Promise.resolve().then(() => p.catch((e) => console.log('caught', e.message)));
        "#,
    );
    assert_eq!(out, ["caught x"]);
}

#[test]
fn an_exception_in_a_timer_is_uncaught() {
    let (execution, _) = run_with(
        Script::new(
            "t.js",
            "setTimeout(() => { throw new SyntaxError('in timer') }, 1)",
        ),
        Limits::default(),
    );
    let error = execution.outcome.js_error().expect("an error").clone();
    assert_eq!(execution.outcome.kind(), OutcomeKind::UncaughtException);
    assert_eq!(
        (error.name.as_str(), error.message.as_str()),
        ("SyntaxError", "in timer")
    );
}

#[test]
fn a_string_callback_is_a_type_error() {
    let (execution, _) = run_with(
        Script::new("t.js", "setTimeout('1+1', 1)"),
        Limits::default(),
    );
    assert_eq!(
        execution.outcome.js_error().map(|e| e.name.as_str()),
        Some("TypeError")
    );
}

#[test]
fn a_never_settling_promise_ends_a_script_cleanly() {
    assert_eq!(output("new Promise(() => {}); console.log('end')"), ["end"]);
}

#[test]
fn modules_await_timers_at_top_level() {
    let (execution, out) = run_with(
        Script::module(
            "m.mjs",
            "await new Promise((r) => setTimeout(r, 20)); console.log('done');",
        ),
        Limits::default(),
    );
    assert!(execution.outcome.is_ok(), "{:?}", execution.outcome);
    assert_eq!(out, ["done"]);
    assert!(execution.report.wall_us >= 20_000);
}

#[test]
fn an_endless_interval_ends_as_timeout_without_burning_fuel() {
    let limits = Limits::default()
        .with_timeout(Duration::from_millis(100))
        .with_fuel(50_000_000);
    let (execution, _) = run_with(
        Script::new("forever.js", "let n = 0; setInterval(() => { n++ }, 1)"),
        limits,
    );
    assert_eq!(
        execution.outcome,
        Outcome::Timeout {
            limit: Duration::from_millis(100)
        }
    );
    assert!(
        execution.report.wall_us < 1_000_000,
        "{:?}",
        execution.report
    );
}

#[test]
fn waiting_uses_no_fuel() {
    // 1M fuel is well under a millisecond of busy CPU; the wait is 150 ms.
    let limits = Limits::default().with_fuel(1_000_000);
    let (execution, out) = run_with(
        Script::new("wait.js", "setTimeout(() => console.log('woke'), 150)"),
        limits,
    );
    assert!(execution.outcome.is_ok(), "{:?}", execution.outcome);
    assert_eq!(out, ["woke"]);
    assert!(execution.report.wall_us >= 150_000);
}

#[test]
fn a_timer_past_the_deadline_ends_the_run_at_the_deadline() {
    let limits = Limits::default().with_timeout(Duration::from_millis(80));
    let (execution, out) = run_with(
        Script::new("late.js", "setTimeout(() => console.log('never'), 10000)"),
        limits,
    );
    assert_eq!(execution.outcome.kind(), OutcomeKind::Timeout);
    assert!(out.is_empty());
    assert!(execution.report.wall_us >= 80_000 && execution.report.wall_us < 1_000_000);
}

#[test]
fn performance_clock_starts_with_the_run() {
    let out = output(
        r#"
        const t0 = performance.now();
        console.log(t0 >= 0 && t0 < 1000);
        console.log(Math.abs(performance.timeOrigin + t0 - Date.now()) < 50);
        setTimeout(() => console.log(performance.now() - t0 >= 10), 10);
        "#,
    );
    assert_eq!(out, ["true", "true", "true"]);
}

#[test]
fn immediates_run_in_the_check_phase_after_the_timers_as_in_node() {
    // Each ordering here is fixed in Node too (a timer set in a timer
    // callback waits for the next turn; immediates run in the turn's check
    // phase, with nextTicks and microtasks drained after each one).
    let out = output(
        r#"
        const out = [];
        setTimeout(() => {
          out.push('timeout 1');
          setTimeout(() => out.push('timeout from timeout'), 0);
          setImmediate(() => {
            out.push('immediate from timeout');
            process.nextTick(() => out.push('tick from immediate'));
            Promise.resolve().then(() => out.push('promise from immediate'));
          });
          setImmediate((a, b) => out.push(`immediate args ${a}${b}`), 'x', 'y');
          const cleared = setImmediate(() => out.push('cleared'));
          clearImmediate(cleared);
        }, 0);
        setTimeout(() => console.log(out.join(', ')), 50);
        "#,
    );
    // `node loop.js` with Node 20.20.
    assert_eq!(
        out,
        [
            "timeout 1, immediate from timeout, tick from immediate, promise from immediate, \
          immediate args xy, timeout from timeout"
        ]
    );
}

#[test]
fn an_immediate_set_by_an_immediate_waits_for_the_next_turn() {
    let out = output(
        r#"
        const out = [];
        setImmediate(() => {
          out.push('first');
          setImmediate(() => { out.push('nested'); console.log(out.join(', ')); });
        });
        setImmediate(() => out.push('second'));
        const handle = setImmediate(() => {});
        out.push(typeof handle, handle.ref() === handle, handle.unref() === handle, handle.hasRef());
        "#,
    );
    assert_eq!(out, ["object, true, true, true, first, second, nested"]);
}

#[test]
fn set_immediate_is_in_node_timers_and_timers_promises() {
    let out = support::module_logs(
        r#"
        import timers from 'node:timers';
        import { setImmediate as next } from 'node:timers/promises';
        console.log(timers.setImmediate === setImmediate, timers.clearImmediate === clearImmediate);
        console.log(await next('value'));
        const controller = new AbortController();
        const pending = next('never', { signal: controller.signal });
        controller.abort(new Error('stopped'));
        try { await pending; } catch (e) { console.log(e.message); }
        try { setImmediate('code'); } catch (e) { console.log(e.code); }
        "#,
    );
    assert_eq!(
        out,
        ["true true", "value", "stopped", "ERR_INVALID_ARG_TYPE"]
    );
}

#[test]
fn an_endless_chain_of_immediates_ends_at_the_deadline() {
    // Pending immediates keep the loop turning without sleeping; the
    // deadline still bounds it.
    let (execution, _) = run_with(
        Script::new(
            "spin.js",
            "function again() { setImmediate(again); } again();",
        ),
        Limits::default().with_timeout(Duration::from_millis(300)),
    );
    assert_eq!(execution.outcome.kind(), OutcomeKind::Timeout);
}
