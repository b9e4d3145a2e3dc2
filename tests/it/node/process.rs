//! The `process` global and module, and the built-in modules as ES module
//! imports (default and named).

use crate::support::{self, output, script_output};
use jsbox::Script;

#[test]
fn process_is_sandbox_honest() {
    let out = script_output(
        r#"
console.log(process.platform, process.arch, JSON.stringify(process.argv), process.cwd(), JSON.stringify(process.env));
console.log(process === require('process'), process === require('node:process'), process.title, process.pid);
const t = process.hrtime();
const d = process.hrtime(t);
console.log(t.length, d[0] >= 0 && d[1] >= 0, typeof process.hrtime.bigint(), process.hrtime.bigint() > 0n);
console.log(process.memoryUsage().rss % 65536, process.uptime() >= 0, process.version, typeof process.versions.jsbox);
try { process.nextTick(1); } catch (e) { console.log(e.code); }
try { process.chdir('/tmp'); } catch (e) { console.log(e.code); }
process.on('custom', (v) => console.log('custom event', v));
process.emit('custom', 7);
"#,
    );
    assert_eq!(
        out,
        "wasi wasm32 [\"jsbox\",\"/test.js\"] / {}\n\
         true true jsbox 1\n\
         2 true bigint true\n\
         0 true v20.0.0 string\n\
         ERR_INVALID_ARG_TYPE\n\
         ERR_UNSUPPORTED\n\
         custom event 7"
    );
}

#[test]
fn next_tick_runs_callbacks_in_order_with_their_arguments() {
    // As in Node: ticks queued before a microtask run before it, and ticks
    // queued by a tick run in the same batch.
    let out = script_output(
        r#"
const order = [];
process.nextTick((a, b) => order.push(`tick ${a}${b}`), 'x', 'y');
process.nextTick(() => { order.push('tick 2'); process.nextTick(() => order.push('nested tick')); });
queueMicrotask(() => order.push('microtask'));
setTimeout(() => console.log(order.join(', ')), 0);
"#,
    );
    assert_eq!(out, "tick xy, tick 2, nested tick, microtask");
}

#[test]
fn a_throwing_tick_ends_the_run_as_an_uncaught_exception() {
    let (execution, messages) = support::run(
        &Script::new(
            "/ticks.js",
            "process.nextTick(() => { throw new Error('tick failed'); });\n\
             process.nextTick(() => console.log('second tick'));",
        ),
        jsbox::RunOptions::default(),
    );
    assert_eq!(
        execution.outcome.kind(),
        jsbox::OutcomeKind::UncaughtException
    );
    assert_eq!(execution.outcome.js_error().unwrap().message, "tick failed");
    assert!(messages.is_empty(), "{messages:?}");
}

#[test]
fn the_globals_are_lazy_and_assignable() {
    let out = script_output(
        "const before = Buffer;\n\
         Buffer = 'replaced';\n\
         console.log(typeof before, Buffer, typeof process, global === globalThis);",
    );
    assert_eq!(out, "function replaced object true");
}

#[test]
fn built_in_modules_import_as_es_modules_with_named_exports() {
    let out = output(&Script::module(
        "/main.mjs",
        r#"
import { Buffer as B } from 'node:buffer';
import buffer from 'buffer';
import EventEmitter, { once } from 'events';
import { EventEmitter as EE } from 'node:events';
import { Readable, pipeline } from 'stream';
import { pipeline as p2 } from 'stream/promises';
import { StringDecoder } from 'string_decoder';
import util, { inspect, promisify, types } from 'node:util';
import { isDate } from 'util/types';
import process, { nextTick } from 'process';
import assert, { deepStrictEqual } from 'node:assert';
import strict from 'assert/strict';
console.log(B === Buffer, buffer.Buffer === Buffer, EE === EventEmitter, typeof once, typeof Readable, typeof pipeline, typeof p2);
console.log(inspect === util.inspect, typeof promisify, types.isDate === isDate, process === globalThis.process, typeof nextTick);
console.log(deepStrictEqual === assert.deepStrictEqual, strict === assert.strict);
const d = new StringDecoder('utf8');
console.log(d.write(B.from([0xe2, 0x82])) + '|' + d.write(B.from([0xac])) + '|' + d.end());
"#,
    ));
    assert_eq!(
        out,
        "true true true function function function function\n\
         true function true true function\n\
         true true\n\
         |€|"
    );
}

#[test]
fn process_exit_ends_the_run_at_once_with_its_code() {
    // Node prints "a" then "exit event 3", and nothing after the exit:
    // neither the rest of the job nor the pending timer.
    let (execution, messages) = support::run(
        &Script::new(
            "/exit.js",
            "process.on('exit', (code) => console.log('exit event', code));\n\
             console.log('a');\n\
             setTimeout(() => console.log('timer'), 10);\n\
             Promise.resolve().then(() => { process.exit(3); console.log('after exit'); });",
        ),
        jsbox::RunOptions::default(),
    );
    assert_eq!(execution.outcome, jsbox::Outcome::Exit { code: 3 });
    assert_eq!(execution.outcome.kind().as_str(), "exit");
    assert_eq!(messages, ["a", "exit event 3"]);
}

#[test]
fn exit_code_is_reported_when_the_run_finishes() {
    let (execution, messages) = support::run(
        &Script::new(
            "/exit.js",
            "process.on('exit', (code) => console.log('exit event', code));\n\
             process.exitCode = 4;",
        ),
        jsbox::RunOptions::default(),
    );
    assert_eq!(execution.outcome, jsbox::Outcome::Exit { code: 4 });
    assert_eq!(messages, ["exit event 4"]);
    // Exit code 0 (explicit or by default) is an ordinary completion when
    // the run finishes by itself, with its completion value.
    let (execution, messages) = support::run(
        &Script::new(
            "/ok.js",
            "process.on('exit', (code) => console.log('exit event', code)); 42",
        ),
        jsbox::RunOptions::default(),
    );
    assert_eq!(
        execution.outcome,
        jsbox::Outcome::Ok {
            value_json: Some("42".to_owned())
        }
    );
    assert_eq!(messages, ["exit event 0"]);
    // process.exit() with no code exits with 0, and validates a code.
    let (execution, _) = support::run(
        &Script::new("/exit.js", "process.exit(); 1"),
        jsbox::RunOptions::default(),
    );
    assert_eq!(execution.outcome, jsbox::Outcome::Exit { code: 0 });
    let out = script_output("try { process.exit('x'); } catch (e) { console.log(e.code); }");
    assert_eq!(out, "ERR_INVALID_ARG_TYPE");
}

#[test]
fn next_tick_callbacks_run_before_promise_jobs_as_in_node() {
    let source = r#"
const out = [];
Promise.resolve().then(() => out.push('promise 1'));
process.nextTick(() => {
  out.push('tick 1');
  Promise.resolve().then(() => { out.push('promise from tick'); process.nextTick(() => out.push('tick from promise')); });
  process.nextTick(() => out.push('tick from tick'));
});
queueMicrotask(() => out.push('microtask'));
process.nextTick(() => out.push('tick 2'));
setTimeout(() => console.log(out.join(', ')), 0);
"#;
    // `node ticks.js` and `node ticks.mjs` with Node 20.20: after a
    // CommonJS script the ticks run first; a module is evaluated inside a
    // promise job, so the jobs it queued run before its ticks.
    assert_eq!(
        script_output(source),
        "tick 1, tick 2, tick from tick, promise 1, microtask, promise from tick, tick from promise"
    );
    assert_eq!(
        support::module_logs(source),
        [
            "promise 1, microtask, tick 1, tick 2, tick from tick, promise from tick, tick from promise"
        ]
    );
}
