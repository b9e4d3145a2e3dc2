//! `console` formats like Node's: each case's expected text is what Node
//! 20 printed for the same script.

use std::sync::Arc;

use jsbox::{LogLevel, MemorySink, RunOptions, Script};

use crate::support::runtime;

fn events(source: &str) -> Vec<jsbox::LogEvent> {
    let sink = Arc::new(MemorySink::new());
    let run = runtime().run(
        &Script::new("console.js", source),
        RunOptions::default().with_log_sink(sink.clone()),
    );
    assert!(run.outcome.is_ok(), "{:?}", run.outcome);
    sink.events()
}

const SCRIPT: &str = r#"console.log({ a: 1, b: 'x', c: [1, 2, 3] });
console.log([1, 'two', { three: 3 }, null, undefined]);
console.log({ nested: { deeper: { deepest: { gone: 1 } } } });
const cyc = { name: 'c' }; cyc.self = cyc; console.log(cyc);
console.log(new Map([['a', 1], ['b', { c: 2 }]]), new Set([1, 'x']));
console.log('%s is %d years and %i, %f, %j %%', 'Bob', 42.5, 42.9, '1.5', { a: 1 });
console.log(function foo() {}, class Bar {}, () => {}, Symbol('s'), 10n, -0);
console.log(new Uint8Array([1, 2, 3]), [, 1], Object.create(null));
console.log(new Date(0), /ab+c/gi, new Error('boom').message);
console.log({ 'key with space': 1, valid_id: 2 });
console.log(['it\'s', "say \"hi\""]);
console.log({ longer: 'aaaaaaaaaaaaaaaaaaaa', keys: 'bbbbbbbbbbbbbbbbbbbbbbbb', here: 'cccccccccccccccccc' });
class Point { constructor() { this.x = 1; this.y = 2; } } console.log(new Point());
console.log([[1, [2, [3, [4]]]]]);
console.count(); console.count(); console.count('x');
console.group('G'); console.log('inside'); console.groupEnd(); console.log('outside');
console.table([{ a: 1, b: 'y' }, { a: 2, c: true }]);
console.assert(1 === 2, 'math is %s', 'broken');
"#;

/// `node console.js 2>&1` with Node 20.20.
const NODE_OUTPUT: &str = r#"{ a: 1, b: 'x', c: [ 1, 2, 3 ] }
[ 1, 'two', { three: 3 }, null, undefined ]
{ nested: { deeper: { deepest: [Object] } } }
<ref *1> { name: 'c', self: [Circular *1] }
Map(2) { 'a' => 1, 'b' => { c: 2 } } Set(2) { 1, 'x' }
Bob is 42.5 years and 42, 1.5, {"a":1} %
[Function: foo] [class Bar] [Function (anonymous)] Symbol(s) 10n -0
Uint8Array(3) [ 1, 2, 3 ] [ <1 empty item>, 1 ] [Object: null prototype] {}
1970-01-01T00:00:00.000Z /ab+c/gi boom
{ 'key with space': 1, valid_id: 2 }
[ "it's", 'say "hi"' ]
{
  longer: 'aaaaaaaaaaaaaaaaaaaa',
  keys: 'bbbbbbbbbbbbbbbbbbbbbbbb',
  here: 'cccccccccccccccccc'
}
Point { x: 1, y: 2 }
[ [ 1, [ 2, [Array] ] ] ]
default: 1
default: 2
x: 1
G
  inside
outside
┌─────────┬───┬─────┬──────┐
│ (index) │ a │ b   │ c    │
├─────────┼───┼─────┼──────┤
│ 0       │ 1 │ 'y' │      │
│ 1       │ 2 │     │ true │
└─────────┴───┴─────┴──────┘
Assertion failed: math is broken
"#;

#[test]
fn formatting_matches_node() {
    let printed: Vec<String> = events(SCRIPT).into_iter().map(|e| e.message).collect();
    let expected: Vec<&str> = NODE_OUTPUT.trim_end().split('\n').collect();
    assert_eq!(printed.join("\n").split('\n').collect::<Vec<_>>(), expected);
}

#[test]
fn levels_follow_the_method() {
    let levels: Vec<LogLevel> = events(
        "console.log(1); console.info(2); console.debug(3); console.warn(4); console.error(5); \
         console.assert(false); console.trace('t'); console.table([1]); console.dir({})",
    )
    .into_iter()
    .map(|e| e.level)
    .collect();
    use LogLevel::*;
    assert_eq!(
        levels,
        [Info, Info, Debug, Warn, Error, Error, Error, Info, Info]
    );
}

#[test]
fn trace_time_and_errors() {
    let out: Vec<String> = events(
        "function where() { console.trace('here %d', 1) } where();\n\
         console.time('t'); console.timeEnd('t'); console.timeEnd('t');\n\
         console.log(new TypeError('bad'));\n\
         console.log({ e: new RangeError('inner') }.e.name)",
    )
    .into_iter()
    .map(|e| e.message)
    .collect();
    assert!(
        out[0].starts_with("Trace: here 1\n    at where (console.js:1:"),
        "{}",
        out[0]
    );
    assert!(
        out[1].starts_with("t: ") && out[1].ends_with("ms"),
        "{}",
        out[1]
    );
    assert_eq!(out[2], "Warning: No such label 't' for console.timeEnd()");
    assert!(
        out[3].starts_with("TypeError: bad\n    at <eval> (console.js:3:"),
        "{}",
        out[3]
    );
    assert_eq!(out[4], "RangeError");
}

#[test]
fn lone_surrogates_print_as_replacement_characters_or_escapes_like_node() {
    // Node writes U+FFFD for a lone surrogate, and `inspect` escapes one
    // inside a quoted string; before, converting such a string for the host
    // threw "Conversion from string failed".
    let out: Vec<String> = events(
        "console.log('\\ud800', 'x\\udc00y', ['\\ud800'], { k: '\\udfff', ok: '😀' });
         console.error('%s|%o', 'a\\ud83d', '\\ude00b');
         console.log(new Error('bad \\ud800').message);",
    )
    .into_iter()
    .map(|e| e.message)
    .collect();
    // `node console.js 2>&1` with Node 20.20.
    assert_eq!(
        out,
        [
            "\u{FFFD} x\u{FFFD}y [ '\\ud800' ] { k: '\\udfff', ok: '😀' }",
            "a\u{FFFD}|'\\ude00b'",
            "bad \u{FFFD}",
        ]
    );
}

#[test]
fn an_error_with_lone_surrogates_still_ends_the_run_as_that_error() {
    // Name, message and stack (a frame's function name here) all cross
    // to the host: none of them may turn the outcome into another error.
    for (source, name, message) in [
        (
            "({ ['f\\ud800']() { throw new RangeError('m\\udc00') } })['f\\ud800']()",
            "RangeError",
            "m\u{FFFD}",
        ),
        (
            "const e = new Error('x'); e.name = 'N\\ud800'; throw e",
            "N\u{FFFD}",
            "x",
        ),
        ("throw 'thrown \\ud800'", "Error", "thrown \u{FFFD}"),
        (
            "Promise.reject(new TypeError('\\ud800'))",
            "TypeError",
            "\u{FFFD}",
        ),
    ] {
        let (execution, _) =
            crate::support::run(&Script::new("surrogate.js", source), RunOptions::default());
        assert_eq!(
            execution.outcome.kind(),
            jsbox::OutcomeKind::UncaughtException,
            "{source}: {:?}",
            execution.outcome
        );
        let error = execution.outcome.js_error().unwrap();
        assert_eq!(
            (error.name.as_str(), error.message.as_str()),
            (name, message)
        );
    }
    let (execution, _) = crate::support::run(
        &Script::new(
            "surrogate.js",
            "({ ['f\\ud800']() { throw new Error('m') } })['f\\ud800']()",
        ),
        RunOptions::default(),
    );
    let stack = execution.outcome.js_error().unwrap().stack.clone().unwrap();
    assert!(
        stack.starts_with("    at f\u{FFFD} (surrogate.js:1:"),
        "{stack}"
    );
}

/// `text` without its stack frames (`    at ...` lines, and Node's `...
/// lines matching cause stack trace ...`), keeping the ` {` that follows
/// the last frame of an error with properties: the frames differ between
/// QuickJS and V8, the rest must not.
fn without_frames(text: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("at ") || trimmed.starts_with("... ") {
            if line.ends_with(" {") {
                lines.last_mut().expect("a header line").push_str(" {");
            }
            continue;
        }
        lines.push(line.to_owned());
    }
    lines.join("\n")
}

#[test]
fn errors_print_their_properties_and_cause_chain_like_node() {
    let printed: Vec<String> = events(
        "console.log(Object.assign(new Error('with props'), { code: 'ERR_X', count: 2 }));
         console.log(new Error('outer', { cause: new TypeError('inner', { cause: 'root' }) }));
         console.log(new AggregateError([new RangeError('one')], 'many'));
         const self = new Error('self'); self.cause = self; console.log(self);
         console.log({ wrapped: Object.assign(new Error('nested'), { code: 'C' }) });",
    )
    .into_iter()
    .map(|e| without_frames(&e.message))
    .collect();
    // `node console.js` with Node 20.20, frames removed.
    assert_eq!(
        printed.join("\n"),
        "Error: with props {\n  code: 'ERR_X',\n  count: 2\n}\n\
         Error: outer {\n  [cause]: TypeError: inner {\n    [cause]: 'root'\n  }\n}\n\
         AggregateError: many {\n  [errors]: [\n    RangeError: one\n  ]\n}\n\
         <ref *1> Error: self {\n  cause: [Circular *1]\n}\n\
         {\n  wrapped: Error: nested {\n    code: 'C'\n  }\n}"
    );
}

#[test]
fn an_uncaught_error_prints_its_properties_and_cause_like_node() {
    let (execution, _) = crate::support::run(
        &Script::new(
            "uncaught.js",
            "throw Object.assign(new Error('boom', { cause: new TypeError('inner') }), { code: 'ERR_X', extra: 1 });",
        ),
        RunOptions::default(),
    );
    let error = execution.outcome.js_error().unwrap();
    assert_eq!(
        (error.name.as_str(), error.message.as_str()),
        ("Error", "boom")
    );
    // What `node uncaught.js` printed below its source excerpt, frames
    // removed.
    assert_eq!(
        without_frames(&error.to_string()),
        "Error: boom {\n  code: 'ERR_X',\n  extra: 1,\n  [cause]: TypeError: inner\n}"
    );
    assert!(
        error.stack.as_deref().unwrap().contains("(uncaught.js:1:"),
        "{error}"
    );
}

#[test]
fn an_uncaught_error_from_a_built_in_shows_its_code_and_a_named_frame() {
    let (execution, _) = crate::support::run(
        &Script::new("/denied.js", "require('fs').readFileSync('/etc/hostname')"),
        RunOptions::default(),
    );
    let printed = execution.outcome.js_error().unwrap().to_string();
    assert!(
        printed.contains("    at readFileSync (node:fs:"),
        "{printed}"
    );
    assert!(
        printed.ends_with(" {\n  code: 'ERR_ACCESS_DENIED',\n  path: '/etc/hostname'\n}"),
        "{printed}"
    );
}
